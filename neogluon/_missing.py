"""Names of MXNet's API that neogluon does not implement yet.

Some MXNet modules (``mx.numpy``, ``mx.contrib.quantization``, sparse
storage...) are planned but not built. So that code importing them still
imports (``from mxnet.module import Module`` at the top of a script that never
uses it), their modules exist and every public name resolves; using one (calling
or instantiating it) raises :class:`~neogluon.base.MXNetError` saying what is
missing, which piece of work will provide it and what to use meanwhile::

    from .._missing import define

    define(globals(), {"Module": "class", "fit": "function"},
           area="mx.module (Module API)", planned="issue 12",
           instead="gluon.Block with gluon.Trainer")

Placeholder objects carry ``__neogluon_missing__ = True`` (the surface test
counts them separately from real implementations).
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import MXNetError

__all__ = [
    "define",
    "define_ops",
    "message",
    "placeholder_class",
    "placeholder_function",
]


def message(qualname: str, area: str, planned: str | None, instead: str) -> str:
    when = f" (planned: {planned})" if planned else ""
    return (
        f"{qualname} is not implemented in neogluon yet: {area}{when}. "
        f"Use {instead} instead."
    )


def placeholder_function(
    module: str, name: str, area: str, planned: str | None, instead: str
):
    """A function ``name`` that raises MXNetError when called."""
    text = message(f"{module}.{name}", area, planned, instead)

    def missing(*args, **kwargs):
        raise MXNetError(text)

    missing.__name__ = missing.__qualname__ = name
    missing.__module__ = module
    missing.__doc__ = f"Not implemented yet. {text}"
    missing.__neogluon_missing__ = True
    return missing


def placeholder_class(
    module: str, name: str, area: str, planned: str | None, instead: str
):
    """A class ``name`` whose instantiation (also through subclasses) raises."""
    text = message(f"{module}.{name}", area, planned, instead)

    def __new__(cls, *args, **kwargs):
        raise MXNetError(text)

    return type(
        name,
        (),
        {
            "__new__": __new__,
            "__module__": module,
            "__doc__": f"Not implemented yet. {text}",
            "__neogluon_missing__": True,
        },
    )


def define(
    namespace: dict,
    names: Mapping[str, str],
    *,
    area: str,
    planned: str | None,
    instead: str,
) -> list[str]:
    """Add placeholders for ``names`` (name -> ``"class"``/``"function"``/
    ``"value"``) to a module's ``namespace``; returns the names added.

    Names the module already defines are left alone, so a module can implement
    part of MXNet's API and declare the rest here. A ``"value"`` (a constant of
    MXNet's module) becomes a placeholder function too: it cannot be faked
    with a meaningful value.
    """
    module = namespace["__name__"]
    added = []
    for name, kind in names.items():
        if name in namespace:
            continue
        if kind not in ("class", "function", "value"):
            raise ValueError(f"{module}.{name}: unknown placeholder kind {kind!r}")
        make = placeholder_class if kind == "class" else placeholder_function
        namespace[name] = make(module, name, area, planned, instead)
        added.append(name)
    return added


#: Operators of MXNet 1.9.1 that belong to areas other work builds: public
#: name (as in ``nd.contrib`` / ``sym.contrib``) -> (area, planned, instead).
_QUANT = (
    "int8 quantization operators (mx.contrib.quantization)",
    "issue 9",
    "float32 inference, or torch.ao.quantization on the model's torch modules",
)
_CSR = (
    "operators defined on sparse (CSR / row_sparse) storage",
    "issue 13",
    "dense NDArray operators",
)
CONTRIB_OPS_ELSEWHERE: dict[str, tuple[str, str, str]] = {
    **{
        n: _QUANT
        for n in (
            "quantize",
            "quantize_asym",
            "quantize_v2",
            "dequantize",
            "requantize",
            "calibrate_entropy",
            "quantized_act",
            "quantized_batch_norm",
            "quantized_concat",
            "quantized_conv",
            "quantized_elemwise_add",
            "quantized_elemwise_mul",
            "quantized_embedding",
            "quantized_flatten",
            "quantized_fully_connected",
            "quantized_pooling",
            "quantized_rnn",
        )
    },
    **{
        n: _CSR
        for n in (
            "dgl_adjacency",
            "dgl_csr_neighbor_non_uniform_sample",
            "dgl_csr_neighbor_uniform_sample",
            "dgl_graph_compact",
            "dgl_subgraph",
            "edge_id",
            "getnnz",
            "SparseEmbedding",
        )
    },
}


def define_ops(namespace: dict, table: Mapping[str, tuple[str, str, str]], prefix: str):
    """Placeholders for the operators of ``table`` that the registry lacks.

    ``prefix`` is the registry prefix of the module (``"_contrib_"``); an
    operator registered later under ``prefix + name`` is never shadowed: call
    this after the registry is loaded (the module's import does that), and
    names already in the namespace are kept. Returns the names added.
    """
    from .ops import registry

    known = registry.all_names()
    added = []
    for name, (area, planned, instead) in table.items():
        if prefix + name in known or name in namespace:
            continue
        fn = placeholder_function(namespace["__name__"], name, area, planned, instead)
        namespace[name] = fn
        added.append(name)
    return added
