"""The one path by which Gluon blocks run a Symbol graph on NDArrays.

``HybridBlock`` (a traced ``hybrid_forward``) and ``SymbolBlock`` (a loaded
graph) both keep :class:`CachedGraph` entries and run them with
:func:`run_graph`: gather the input and parameter tensors, then run the compiled
graph (torch grad on under ``record()``), its frozen copy (predict-mode calls of
a block hybridized with ``freeze``) or the monitored interpreter (op hooks).
Also here: MXNet's flatten/regroup of nested block inputs and outputs.

The graph compiler, freezer and monitor come from ``neogluon.symbol``, imported
on first use (gluon does not import symbol at import time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _state
from .. import autograd
from ..ndarray import NDArray
from ..ndarray import from_torch
from ..ndarray._core import _grad_off
from .parameter import Parameter

__all__ = [
    "MISS",
    "CachedGraph",
    "flatten",
    "fmt_key",
    "leaves",
    "regroup",
    "run_arrays",
    "run_graph",
]

#: What :func:`run_arrays` returns when the call needs :func:`run_graph`.
MISS = object()


_SYMBOL_CLASS = None


def _symbol_class():
    """``neogluon.symbol.Symbol`` (imported on first use: symbol imports gluon)."""
    global _SYMBOL_CLASS
    if _SYMBOL_CLASS is None:
        from ..symbol import Symbol

        _SYMBOL_CLASS = Symbol
    return _SYMBOL_CLASS


# --------------------------------------------------------------------------- flatten
def flatten(args, inout_str: str) -> tuple[list, Any]:
    """Flatten nested lists of arrays/symbols into a list plus a format tree.

    The format of one NDArray (or one single-output Symbol) is ``0``, of
    ``None`` ``-1``, of an n-output Symbol ``n``, of a list the list of its
    items' formats. ``inout_str`` ("input" / "output") names the side in errors.
    """
    if isinstance(args, NDArray):
        return [args], 0
    Symbol = _symbol_class()
    if isinstance(args, Symbol):
        n = len(args.list_outputs())
        return [args], n if n > 1 else 0
    if args is None:
        return [None], -1
    if not isinstance(args, (list, tuple)):
        raise ValueError(
            f"The {inout_str} of a HybridBlock must be an NDArray, a Symbol, None "
            f"or a (nested) list of them, but got {type(args).__name__}: {args!r:.60}"
        )
    flat, fmts = [], []
    for item in args:
        f, fmt = flatten(item, inout_str)
        flat.extend(f)
        fmts.append(fmt)
    return flat, fmts


def regroup(args: list, fmt) -> tuple[Any, list]:
    """Inverse of :func:`flatten` (tuples come back as lists, as in MXNet)."""
    if isinstance(fmt, int):
        if fmt == 0:
            return args[0], args[1:]
        if fmt == -1:
            if args[0] is not None:
                raise ValueError("expected None in a position of the input format")
            return None, args[1:]
        return args[:fmt], args[fmt:]
    ret = []
    for i in fmt:
        res, args = regroup(args, i)
        ret.append(res)
    return ret, args


def leaves(args) -> list:
    """Every non-list item of nested lists/tuples (arrays, symbols, scalars)."""
    if isinstance(args, (list, tuple)):
        return [leaf for a in args for leaf in leaves(a)]
    return [args]


def fmt_key(fmt) -> Any:
    """A hashable form of a :func:`flatten` format tree."""
    return tuple(fmt_key(f) for f in fmt) if isinstance(fmt, list) else fmt


# --------------------------------------------------------------------------- graphs
class CachedGraph:
    """One compiled graph and how to feed it.

    ``slots`` has one entry per graph input (``compiled.input_names``): an int,
    the index of the array in the block's flattened inputs, or the
    :class:`Parameter` bound to that variable. ``frozen`` holds the frozen copy
    for predict-mode calls once one was made.
    """

    __slots__ = (
        "symbol",
        "compiled",
        "slots",
        "out_fmt",
        "data_names",
        "params",
        "frozen",
        "_bound",
        "_out_ctx",
        "_data_slots",
    )

    def __init__(self, symbol, compiled, slots, out_fmt, data_names, params):
        self.symbol = symbol
        self.compiled = compiled
        self.slots: list[int | Parameter] = slots
        self.out_fmt = out_fmt
        self.data_names: list[str] = data_names
        self.params = params
        self.frozen = None
        #: (ctx, [(slot position, parameter, its array list, index)], device
        #: index): where each parameter's array for ``ctx`` was found last time;
        #: the device index (``Tensor.get_device()``) is set when ``ctx`` is the
        #: Context its torch device maps to (untagged arrays), else None
        self._bound: tuple | None = None
        #: (ctx, the ``ctx`` outputs are tagged with) for the last call's ctx
        self._out_ctx: tuple | None = None
        #: (slot position, index into the flattened inputs) of the data slots
        self._data_slots = [(k, s) for k, s in enumerate(slots) if s.__class__ is int]

    def refreeze(self, tensors: list):
        """Freeze the graph anew for the parameter values in ``tensors``."""
        self.frozen = _frozen_for(self.compiled, self.frozen, tensors, self.slots)
        return self.frozen

    def gather(self, flat: list, ctx) -> list:
        """The graph's input tensors: arrays of ``flat`` and parameter values on ``ctx``.

        A parameter's array list is replaced whenever its arrays are (initialize,
        ``reset_ctx``, ``cast``, ...), so an unchanged list means the array found
        for ``ctx`` last time is still the one ``Parameter.data(ctx)`` returns.
        """
        slots = self.slots
        bound = self._bound
        if bound is not None and bound[0] == ctx:
            tensors = [
                flat[s].to_torch() if s.__class__ is int else None for s in slots
            ]
            for k, p, arrs, i in bound[1]:
                if p.list_data() is not arrs:
                    return self._gather_slow(flat, ctx)
                tensors[k] = arrs[i].to_torch()
            return tensors
        return self._gather_slow(flat, ctx)

    def _gather_slow(self, flat: list, ctx) -> list:
        tensors = []
        bound = []
        for k, s in enumerate(self.slots):
            if isinstance(s, int):
                tensors.append(flat[s].to_torch())
                continue
            t = s.data(ctx).to_torch()
            tensors.append(t)
            arrs = s.list_data()
            # by tensor: under npx.set_np() data() returns a new np view of the
            # stored array on each call
            bound.append(
                (k, s, arrs, next(i for i, a in enumerate(arrs) if a.to_torch() is t))
            )
        self._bound = (ctx, bound, _device_index(ctx))
        return tensors


def run_graph(
    entry: CachedGraph,
    flat: list,
    freeze: bool = False,
    callback: Callable | None = None,
    monitor_all: bool = False,
):
    """Run ``entry`` on the flattened inputs ``flat``; regrouped NDArray outputs.

    The outputs live on the context of the first array in ``flat``. Raises
    :class:`DeferredInitializationError` (before running anything) when a
    parameter is still waiting for its shape; the caller completes it and calls
    again.
    """
    first = flat[0]
    if first is None:
        first = next(a for a in flat if a is not None)
    ctx = first.context
    tensors = entry.gather(flat, ctx)
    flags = _state.flags
    if freeze and not flags.recording and not flags.training:
        entry.frozen = _frozen_for(entry.compiled, entry.frozen, tensors, entry.slots)
        outs = _grad_off(entry.frozen, tensors)
    elif callback is not None:
        from ..symbol._monitor import run_monitored

        outs = run_monitored(
            entry.symbol,
            entry.compiled.input_names,
            tensors,
            callback,
            monitor_all,
            ctx,
            record=flags.recording,
        )
    elif flags.recording:
        outs = entry.compiled(tensors)
    else:
        outs = _grad_off(entry.compiled, tensors)
    # The outputs are on ``ctx``'s device: tagged with ``ctx`` only when the
    # device alone does not name it (``cpu(1)``), which from_torch checks.
    out_ctx = entry._out_ctx
    if out_ctx is None or out_ctx[0] is not ctx:
        out_ctx = entry._out_ctx = (ctx, None if ctx == _device_context(ctx) else ctx)
    tag = out_ctx[1]
    if entry.out_fmt == 0:
        return from_torch(outs[0], tag)
    res, _ = regroup([from_torch(t, tag) for t in outs], entry.out_fmt)
    return res


def run_arrays(entry: CachedGraph, arrays: tuple, freeze: bool = False):
    """:func:`run_graph` for positional, untagged NDArrays on the device and
    with the parameters of the previous call: the per-call fast path
    (:meth:`neogluon.symbol.compiler.CompiledGraph.run_entry` runs it).

    Returns :data:`MISS`, having run nothing, when anything differs from the
    previous call in a way :func:`run_graph` decides (an input tagged with a
    Context such as ``cpu(1)`` or on another device, a parameter whose arrays
    were replaced, no previous call, shapes of dynamic creation ops). The
    caller checked the arguments' classes and structure (the cache key).
    """
    outs = entry.compiled.run_entry(entry, arrays, freeze)
    if outs is None:
        return MISS
    fmt = entry.out_fmt
    if fmt == 0:
        return from_torch(outs[0])
    res, _ = regroup([from_torch(t) for t in outs], fmt)
    return res


def _device_index(ctx) -> int | None:
    """``Tensor.get_device()`` of tensors on ``ctx`` when ``ctx`` is the Context
    its torch device maps to (``cpu(0)``, ``gpu(i)``), else None."""
    if ctx != _device_context(ctx):
        return None
    dev = ctx.torch_device
    if dev.type == "cpu":
        return -1
    if dev.type == "cuda" and dev.index is not None:
        return dev.index
    return None


def _device_context(ctx):
    """The Context that ``ctx``'s torch device maps to (``cpu(0)`` for ``cpu(1)``)."""
    return type(ctx).from_torch_device(ctx.torch_device)


def _frozen_for(compiled, frozen, tensors, slots):
    """``frozen`` if its parameter values are current, else a new freeze."""
    if frozen is not None and frozen.is_current(tensors):
        return frozen
    from ..symbol.frozen import freeze_graph

    const = [not isinstance(s, int) for s in slots]
    with autograd._no_grad():
        return freeze_graph(compiled, tensors, const, previous=frozen)
