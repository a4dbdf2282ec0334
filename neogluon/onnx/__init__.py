"""``mx.onnx``: export Gluon blocks and MXNet symbol files to ONNX.

Export goes through ``torch.onnx``: a block's traced graph is compiled into
one torch callable (the same kernels every hybridized block runs), wrapped in
a ``torch.nn.Module`` whose buffers are the parameters, and handed to
``torch.onnx.export``. The legacy TorchScript exporter (``dynamo=False``, the
default here) needs nothing beyond torch; ``dynamo=True`` needs ``onnxscript``.
Checking the file needs ``onnx`` / ``onnxruntime``.

>>> import neogluon as mx
>>> from neogluon.onnx import export_onnx
>>> net = mx.gluon.nn.Dense(2, in_units=3)
>>> net.initialize()
>>> export_onnx(net, "dense.onnx", mx.nd.ones((1, 3)))  # doctest: +SKIP
'dense.onnx'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .. import autograd
from .. import ndarray as nd
from ..base import MXNetError
from ..gluon._torch_module import GluonModule
from ..gluon._torch_module import ensure_initialized
from ..gluon.block import Block
from ..gluon.block import HybridBlock
from ..gluon.block import SymbolBlock
from ..ndarray.ndarray import NDArray

__all__ = ["export_onnx", "export_model"]

#: Default ONNX opset (supported by onnxruntime 1.16+ and torch's exporter).
DEFAULT_OPSET = 17


def _safe(name: str) -> str:
    s = re.sub(r"[^0-9A-Za-z_]", "_", name)
    if not s or s[0].isdigit() or hasattr(torch.nn.Module, s):
        s = "p_" + s
    return s


class _GraphModule(torch.nn.Module):
    """A compiled graph plus its parameters as one ``torch.nn.Module``."""

    def __init__(self, compiled, slots: list, n_inputs: int) -> None:
        super().__init__()
        self._compiled = compiled
        self._n_inputs = n_inputs
        self._plan: list[tuple[bool, Any]] = []
        seen: dict[int, str] = {}
        for s in slots:
            if isinstance(s, int):
                self._plan.append((True, s))
                continue
            name = seen.get(id(s))
            if name is None:
                name = _safe(s.name)
                while name in self._buffers:
                    name += "_"
                self.register_buffer(name, s.list_data()[0]._data.detach())
                seen[id(s)] = name
            self._plan.append((False, name))

    def forward(self, *inputs: torch.Tensor):
        tensors = [inputs[v] if is_in else self._buffers[v] for is_in, v in self._plan]
        with autograd.predict_mode():
            outs = self._compiled(tensors)
        return outs[0] if len(outs) == 1 else tuple(outs)


class _EagerModule(torch.nn.Module):
    def __init__(self, block: Block) -> None:
        super().__init__()
        self.inner = GluonModule(block)

    def forward(self, *inputs):
        out = self.inner(*inputs)
        return tuple(out) if isinstance(out, list) else out


def _flat_inputs(example_inputs) -> list[NDArray]:
    if isinstance(example_inputs, (NDArray, torch.Tensor)):
        example_inputs = (example_inputs,)
    out = []
    for i, x in enumerate(example_inputs):
        if isinstance(x, torch.Tensor):
            x = nd.from_torch(x)
        if not isinstance(x, NDArray):
            raise TypeError(
                f"export_onnx: example input {i} is a {type(x).__name__}; pass "
                "NDArrays or torch tensors (nested inputs are not supported)."
            )
        out.append(x)
    if not out:
        raise ValueError("export_onnx: example_inputs must hold at least one array.")
    return out


def _graph_module(block: Block, inputs: list[NDArray]):
    """``(module, input_names, output_names)`` for ``block`` on ``inputs``."""
    from ..symbol.executor import compile_graph

    if isinstance(block, SymbolBlock):
        names = list(block._input_names)
        if len(names) != len(inputs):
            raise ValueError(
                f"export_onnx: SymbolBlock takes inputs {names}, got {len(inputs)} "
                "example inputs."
            )
        with autograd.pause(train_mode=False):
            block(*inputs)  # finishes deferred init
        symbol = block._sym_outputs
        params = {p.name: p for p in block._graph_params}
    elif isinstance(block, HybridBlock):
        names, symbol, _, _ = block._trace(tuple(inputs))
        params = {p.name: p for p in block.collect_params().values()}
    else:
        n = len(inputs)
        names = ["data"] if n == 1 else [f"data{i}" for i in range(n)]
        return _EagerModule(block), names, None
    compiled = compile_graph(symbol)
    pos = {n: i for i, n in enumerate(names)}
    slots: list[Any] = []
    for n in compiled.input_names:
        if n in pos:
            slots.append(pos[n])
        elif n in params:
            slots.append(params[n])
        else:
            raise MXNetError(
                f"export_onnx: the graph of block '{block.name}' needs input '{n}', "
                "which is neither a block input nor one of its parameters."
            )
    unused = [n for n in names if n not in compiled.input_names]
    if unused:
        raise MXNetError(
            f"export_onnx: inputs {unused} of block '{block.name}' are unused by its "
            "graph; ONNX export needs every input to be used."
        )
    outs = [_safe(o) for o in symbol.list_outputs()]
    return _GraphModule(compiled, slots, len(names)), names, outs


def _require_onnx() -> None:
    """torch.onnx writes through the ``onnx`` package; say so before tracing."""
    import importlib.util

    if importlib.util.find_spec("onnx") is None:
        raise MXNetError(
            "ONNX export needs the 'onnx' package (torch.onnx writes the model "
            "through it): pip install onnx  (and onnxruntime to run the result)."
        )


def export_onnx(
    block: Block,
    path: str,
    example_inputs: Sequence | NDArray | torch.Tensor,
    opset_version: int = DEFAULT_OPSET,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: dict | None = None,
    dynamo: bool = False,
) -> str:
    """Write ``block`` as an ONNX model for inputs like ``example_inputs``.

    Parameters
    ----------
    block : Block
        A HybridBlock (hybridized or not: its graph is traced from
        ``hybrid_forward``), a SymbolBlock (e.g. from ``SymbolBlock.imports``)
        or a plain Block (exported through its eager forward).
    path : str
        Output ``.onnx`` file.
    example_inputs : NDArray, torch.Tensor or sequence of them
        Inputs fixing shapes and dtypes; they also finish deferred init.
    opset_version : int, default 17
    input_names, output_names : list of str, optional
        Defaults: the graph's input names (``data`` or ``data0``, ...) and its
        output names (``dense0_fwd_output``...).
    dynamic_axes : dict, optional
        As in ``torch.onnx.export`` (``{'data': {0: 'batch'}}``). Shapes that
        kernels compute in Python stay fixed in the trace; check the model at
        other sizes.
    dynamo : bool, default False
        Use torch's ``torch.export``-based exporter (needs ``onnxscript``).

    Returns
    -------
    str
        ``path``.

    Notes
    -----
    The model is exported in predict mode (Dropout off, BatchNorm with its
    running statistics).
    """
    if not isinstance(block, Block):
        raise TypeError(
            f"export_onnx expects a gluon Block, got {type(block).__name__}"
        )
    _require_onnx()
    inputs = _flat_inputs(example_inputs)
    if not isinstance(block, SymbolBlock):
        ensure_initialized(block, inputs, "export_onnx")
    module, names, outs = _graph_module(block, inputs)
    module.eval()
    input_names = list(input_names) if input_names is not None else names
    output_names = list(output_names) if output_names is not None else outs
    args = tuple(x._data.detach() for x in inputs)
    with warnings.catch_warnings():
        # The legacy exporter announces its own deprecation; tracing warns about
        # Python-side shape arithmetic, exact for the fixed example shapes.
        warnings.simplefilter("ignore", DeprecationWarning)
        if dynamic_axes is None:
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
        try:
            with torch.no_grad(), autograd.pause(train_mode=False):
                torch.onnx.export(
                    module,
                    args,
                    path,
                    opset_version=opset_version,
                    input_names=input_names,
                    output_names=output_names,
                    dynamic_axes=dynamic_axes,
                    dynamo=dynamo,
                )
        except (RuntimeError, MXNetError, torch.onnx.errors.OnnxExporterError) as err:
            if not dynamic_axes or dynamo:
                raise
            first = str(err).strip().splitlines()[0]
            raise MXNetError(
                f"export_onnx: block '{block.name}' could not be traced with dynamic "
                f"axes {dynamic_axes}: an operator computes sizes from the input "
                f"shape in Python ({first}). Export with fixed shapes "
                "(dynamic_axes=None, one file per input shape) or try dynamo=True "
                "(needs onnxscript)."
            ) from err
    return path


def export_model(
    sym,
    params,
    in_shapes=None,
    in_types=np.float32,
    onnx_file_path: str = "model.onnx",
    verbose: bool = False,
    dynamic: bool = False,
    dynamic_input_shapes=None,
    run_shape_inference: bool = False,
    input_type=None,
    input_shape=None,
) -> str:
    """MXNet 1.9.1's ``mx.onnx.export_model``: symbol + params to ONNX.

    Parameters
    ----------
    sym : str or Symbol
        ``-symbol.json`` path or Symbol.
    params : str, dict or [arg_params, aux_params]
        ``.params`` path (``arg:``/``aux:`` keys) or dicts of NDArrays.
    in_shapes : list of tuple
        One shape per data input (the symbol's arguments that are not in
        ``params``, in ``list_arguments`` order).
    in_types : dtype or list of dtypes, default float32
    dynamic : bool
        Make input dims dynamic: every dim, or those that are None in
        ``dynamic_input_shapes``.
    run_shape_inference : bool
        Run ``onnx.shape_inference`` on the result (needs ``onnx``).
    input_type, input_shape : old names of ``in_types`` / ``in_shapes``.

    Notes
    -----
    Differs from MXNet 1.9.1: conversion traces neogluon's torch kernels
    through ``torch.onnx`` instead of MXNet's per-operator translation table,
    so any graph neogluon runs can be exported; ``verbose`` only prints the
    resulting path.
    """
    from .. import symbol as _symbol

    if input_type is not None:
        in_types = input_type
    if input_shape is not None:
        in_shapes = input_shape
    if in_shapes is None:
        raise ValueError("export_model: in_shapes is required, e.g. [(1, 3, 224, 224)]")
    if isinstance(sym, str):
        sym = _symbol.load(sym)
    if isinstance(params, str):
        loaded = nd.serialization.load_any(params)
    elif isinstance(params, (list, tuple)):
        loaded = {**params[0], **params[1]}
    else:
        loaded = dict(params)
    loaded = {
        k.split(":", 1)[1] if k[:4] in ("arg:", "aux:") else k: v
        for k, v in loaded.items()
    }
    graph_inputs = sym.list_inputs()
    data_names = [n for n in sym.list_arguments() if n not in loaded]
    if len(data_names) != len(in_shapes):
        raise ValueError(
            f"export_model: the symbol's data inputs (arguments without params) are "
            f"{data_names}, but in_shapes has {len(in_shapes)} shapes."
        )
    if not isinstance(in_types, (list, tuple)):
        in_types = [in_types] * len(data_names)
    block = SymbolBlock(sym, [_symbol.var(n) for n in data_names])
    missing = [n for n in graph_inputs if n not in loaded and n not in data_names]
    if missing:
        raise ValueError(f"export_model: params lack {missing} needed by the symbol.")
    block.collect_params().load_dict(
        {n: loaded[n] for n in graph_inputs if n in loaded},
        allow_missing=False,
        ignore_extra=True,
        cast_dtype=True,
        dtype_source="saved",
    )
    inputs = [
        nd.zeros(tuple(s), dtype=np.dtype(t).name)
        for s, t in zip(in_shapes, in_types, strict=True)
    ]
    axes = None
    if dynamic:
        axes = {}
        shapes = dynamic_input_shapes or [[None] * len(s) for s in in_shapes]
        for name, shp in zip(data_names, shapes, strict=True):
            axes[name] = {i: f"{name}_{i}" for i, d in enumerate(shp) if d is None}
    export_onnx(
        block, onnx_file_path, inputs, input_names=data_names, dynamic_axes=axes
    )
    if run_shape_inference:
        import onnx

        model = onnx.load(onnx_file_path)
        onnx.save(onnx.shape_inference.infer_shapes(model), onnx_file_path)
    if verbose:
        print(f"ONNX model written to {onnx_file_path}")
    return onnx_file_path


from .mx2onnx import get_operator_support  # noqa: E402  (MXNet's mx.onnx name)

__all__ += ["get_operator_support"]
