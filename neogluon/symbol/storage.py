"""Storage types in bound graphs (MXNet's storage-type inference).

A bound executor whose arrays include sparse ones (or whose graph casts to a
sparse storage type) computes its outputs node by node with the ``nd``
operators (:func:`forward_sparse`), so they have MXNet's storage types and
stored entries (``ndarray/sparse.py`` holds the rules); gradients come from
the dense graph (the same values) and are written into gradient arrays of
their own storage type. :func:`grad_stypes` gives the storage type MXNet
infers for argument gradients (row_sparse for the weight of an
``Embedding(sparse_grad=True)`` / ``contrib.SparseEmbedding``).
"""

from __future__ import annotations

from .. import _state
from ..ndarray import _invoke
from ..ndarray import sparse as nd_sparse
from .graph import Graph

__all__ = ["forward_sparse", "grad_stypes", "needs_sparse_forward", "var_stypes"]


def needs_sparse_forward(graph: Graph, arrays: dict) -> bool:
    """Whether a bound graph has sparse arrays or casts to sparse storage."""
    for a in arrays.values():
        if a.stype != "default":
            return True
    for node in graph._nodes():
        if node.op is not None and node.op.name == "cast_storage":
            if node.parsed.get("stype") != "default":
                return True
    return False


def forward_sparse(graph: Graph, arrays: dict, is_train: bool) -> list:
    """The graph's outputs computed with the ``nd`` operators on ``arrays``
    (by variable name): sparse inputs keep MXNet's storage-type rules."""
    values: dict = {}
    prev = _state.flags.training
    _state.flags.training = bool(is_train)
    try:
        for node in graph._nodes():
            if node.op is None:
                values[id(node)] = [arrays[node.name]]
                continue
            inputs = [values[id(src)][i] for src, i in node.inputs]
            impl = nd_sparse.SPARSE_IMPLS.get(node.op.name)
            if impl is not None and node.op.name in nd_sparse.ALWAYS_SPARSE:
                res = impl(*inputs, **node.parsed)
            else:
                res = _invoke.invoke(node.op, inputs, dict(node.parsed))
            values[id(node)] = res if isinstance(res, list) else [res]
    finally:
        _state.flags.training = prev
    return [values[id(node)][i] for node, i in graph._outputs]


def grad_stypes(graph: Graph, arg_stypes: dict | None = None) -> dict:
    """Argument name -> gradient storage type MXNet infers when it is not
    dense: the weight of ``Embedding(sparse_grad=True)`` and of
    ``contrib.SparseEmbedding``, and the right operand of ``dot(csr, x)``
    (``dot(csr.T, head)`` is row_sparse). ``arg_stypes`` gives the arguments'
    storage types (else their ``stype`` attribute)."""
    given = dict(arg_stypes or {})

    def stype_of(node) -> str:
        if node.name in given:
            return str(given[node.name])
        flag = node.attrs.get("__storage_type__")
        return {"1": "row_sparse", "2": "csr"}.get(str(flag), "default")

    out = {}
    for node in graph._nodes():
        op = node.op
        if op is None:
            continue
        if op.name in ("Embedding", "_contrib_SparseEmbedding"):
            if op.name == "Embedding" and not node.parsed.get("sparse_grad"):
                continue
            src = node.inputs[1][0]
        elif op.name == "dot" and not node.parsed.get("transpose_a"):
            lhs, src = node.inputs[0][0], node.inputs[1][0]
            if lhs.op is not None or stype_of(lhs) != "csr":
                continue
        else:
            continue
        if src.op is None:
            out[src.name] = "row_sparse"
    return out


def var_stypes(graph: Graph) -> dict:
    """Variable name -> storage type given by ``var(stype=...)`` (sparse only)."""
    out = {}
    for node in graph._nodes():
        if node.op is None:
            st = {"1": "row_sparse", "2": "csr"}.get(
                str(node.attrs.get("__storage_type__"))
            )
            if st is not None:
                out[node.name] = st
    return out
