"""Operator family: MXNet's storage-type operators as graph nodes.

``cast_storage``, ``_sparse_retain``, ``_square_sum``, the ``_scatter_*``
operators and ``_contrib_SparseEmbedding`` exist in MXNet only for (or
because of) sparse storage. Registered here, they are ``sym.*`` functions
(graph nodes with MXNet's JSON names and attributes); their kernels compute
the dense equivalent, which is what a bound graph runs. On sparse NDArrays
the implementations in ``ndarray/sparse.py`` (``SPARSE_IMPLS``) run instead
and give MXNet's storage types.
"""

from __future__ import annotations

import dataclasses

import torch

from .elemwise import same_shape_infer
from .reduce import _reduce_infer
from .reduce import _sum
from .registry import OpDef
from .registry import P
from .registry import get
from .registry import register

__all__: list[str] = []

_STYPES = ("default", "row_sparse", "csr")


def _cast_storage(data, *, stype):
    return data.clone()


def _retain(data, indices):
    keep = indices.reshape(-1).to(torch.int64)
    out = torch.zeros_like(data)
    out[keep] = data[keep]
    return out


def _retain_infer(in_shapes, attrs, out_shapes=None):
    data = in_shapes[0] if in_shapes[0] is not None else (out_shapes or [None])[0]
    return [data, in_shapes[1]], [data]


def _square_sum(data, *, axis=None, keepdims=False, exclude=False):
    return _sum(data * data, axis=axis, keepdims=keepdims, exclude=exclude)


def _scatter_div(lhs, rhs):
    return lhs / rhs


def _scatter_scalar(sign: float):
    def kernel(data, *, scalar=1.0, is_int=True):
        return data + sign * scalar

    return kernel


register(
    OpDef(
        "cast_storage",
        _cast_storage,
        params=(P("stype", "str", doc="Output storage type.", choices=_STYPES),),
        infer_shape=same_shape_infer("cast_storage"),
        doc="Cast to storage type ``stype`` (the values do not change).",
    )
)
register(
    OpDef(
        "_sparse_retain",
        _retain,
        inputs=("data", "indices"),
        infer_shape=_retain_infer,
        dtype_free_inputs=("indices",),
        doc="Keep the rows of row_sparse ``data`` listed in ``indices`` (others "
        "become zero).",
    )
)
register(
    OpDef(
        "_square_sum",
        _square_sum,
        params=(
            P("axis", "axis", None),
            P("keepdims", "bool", False),
            P("exclude", "bool", False),
        ),
        infer_shape=_reduce_infer("_square_sum"),
        doc="Sum of squares over ``axis`` (row_sparse input in MXNet).",
    )
)
register(
    OpDef(
        "_scatter_elemwise_div",
        _scatter_div,
        inputs=("lhs", "rhs"),
        infer_shape=same_shape_infer("_scatter_elemwise_div"),
        doc="``lhs / rhs`` computed at the stored entries of a sparse ``lhs`` "
        "only (its storage type kept).",
    )
)
for _name, _sign in (("_scatter_plus_scalar", 1.0), ("_scatter_minus_scalar", -1.0)):
    register(
        OpDef(
            _name,
            _scatter_scalar(_sign),
            params=(P("scalar", "float", 1.0), P("is_int", "bool", True)),
            infer_shape=same_shape_infer(_name),
            doc="``data +/- scalar`` at the stored entries of sparse ``data`` only.",
        )
    )


def _sparse_embedding_kernel():
    dense = get("Embedding").kernel

    def kernel(data, weight, *, input_dim, output_dim, dtype="float32",
               sparse_grad=True, deterministic=False):  # fmt: skip
        return dense(data, weight, input_dim=input_dim, output_dim=output_dim,
                     dtype=dtype, sparse_grad=True)  # fmt: skip

    return kernel


_emb = get("Embedding")
register(
    dataclasses.replace(
        _emb,
        name="_contrib_SparseEmbedding",
        kernel=_sparse_embedding_kernel(),
        params=(
            *(p for p in _emb.params if p.name != "sparse_grad"),
            P("sparse_grad", "bool", True),
            P("deterministic", "bool", False),
        ),
        aliases=(),
        doc="Embedding with a row_sparse weight gradient (MXNet's "
        "contrib.SparseEmbedding).",
        defaults={},
        spec_map={},
    )
)
