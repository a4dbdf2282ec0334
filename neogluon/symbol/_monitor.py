"""Run a graph node by node, reporting every operator's outputs (and inputs).

The monitor behind ``HybridBlock.register_op_hook`` (and usable for executor
monitors): instead of the compiled graph function, each node's kernel is
called in graph order and ``callback(name, op_name, array)`` receives

* with ``monitor_all``, first each input: ``<node>_<input name>``;
* then each output: the node's output name (``<node>_output``, ...).

Input names follow MXNet's rule: the operator's declared input names where
MXNet registers them (legacy layer ops such as FullyConnected, Pooling,
Dropout, softmax; ``lhs``/``rhs`` of binary ops), ``arg<i>`` for variadic
ops (Concat, add_n) and ``input<i>`` for the single-input operators that
declare none (Activation, relu, exp, Flatten, Reshape, sum, ...), as MXNet
1.9.1's monitor reports them (checked against it for these operators).

As in MXNet 1.9.1 (whose ctypes callbacks receive a ``c_char_p`` and an
``NDArrayHandle``), names are passed as UTF-8 ``bytes`` and the array as a
handle: a plain ``int`` (ctypes hands a ``c_void_p`` callback argument over as
an int). ``NDArray(handle)`` (or ``NDArray(ctypes.cast(handle, NDArrayHandle),
writable=False)``) turns it into an NDArray sharing the live array's data, so
callbacks written for MXNet work unchanged. A handle is valid only while its
callback runs: it names an entry of a process-wide, lock-protected registry
that is filled just before the call and emptied right after (handles are never
reused and no memory is dereferenced; a stale or unknown handle raises
MXNetError). Values computed are the same as the compiled graph's: the same
kernels run on the same tensors.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import threading
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence

import torch

from ..base import MXNetError
from ..ndarray import ndarray as _nd
from .graph import Graph
from .graph import topo_order

__all__ = ["BackwardTaps", "lend_handle", "resolve_handle", "run_monitored"]

#: Arrays lent to a running monitor callback, by handle value.
_LENT: dict[int, _nd.NDArray] = {}
_LENT_LOCK = threading.Lock()
#: Handle values: never reused, so a stale handle cannot name a later array.
_NEXT_HANDLE = itertools.count(0x1000)


@contextlib.contextmanager
def lend_handle(arr: _nd.NDArray) -> Iterator[int]:
    """Register ``arr`` under a fresh handle value for the ``with`` body."""
    with _LENT_LOCK:
        handle = next(_NEXT_HANDLE)
        _LENT[handle] = arr
    try:
        yield handle
    finally:
        with _LENT_LOCK:
            del _LENT[handle]


def resolve_handle(handle) -> _nd.NDArray:
    """The array lent under ``handle`` (an int or ``ctypes.c_void_p``).

    Raises MXNetError for a handle that names no array lent right now.
    """
    if isinstance(handle, ctypes.c_void_p):
        value = handle.value
    elif isinstance(handle, int) and not isinstance(handle, bool):
        value = handle
    else:
        raise TypeError(
            "NDArray(handle): expected a torch.Tensor or an NDArrayHandle "
            f"(ctypes.c_void_p or int), got {type(handle).__name__}"
        )
    with _LENT_LOCK:
        arr = _LENT.get(value)
    if arr is None:
        raise MXNetError(
            f"NDArray(handle): handle {value!r} names no live array. neogluon "
            "has no C handles; the only NDArrayHandles are those passed to "
            "monitor callbacks (Executor.set_monitor_callback, "
            "HybridBlock.register_op_hook), valid only while that callback "
            "runs. Wrap the handle inside the callback, or use a torch.Tensor."
        )
    return arr


def run_monitored(
    symbol: Graph,
    input_names: Sequence[str],
    tensors: Sequence[torch.Tensor],
    callback: Callable,
    monitor_all: bool = False,
    ctx=None,
    record: bool = False,
    variables: bool = False,
    backward_taps: BackwardTaps | None = None,
) -> list[torch.Tensor]:
    """Evaluate ``symbol`` on ``tensors`` (one per ``input_names`` entry, the
    graph's variables) calling ``callback`` per operator; returns the outputs.

    ``record``: build torch's autograd graph (inside ``autograd.record()``);
    otherwise the kernels run under ``torch.no_grad()``.
    ``variables``: with ``monitor_all``, an input that is a graph variable is
    first reported under the variable's own name (MXNet's executor monitor
    does this; the CachedOp hook does not).
    ``backward_taps`` (with ``record``): filled with one tap per operator input
    so that :meth:`BackwardTaps.report` can report, after a backward pass, each
    operator's input gradients as MXNet's ``<node>_backward_output<k>``.
    """
    with contextlib.nullcontext() if record else torch.no_grad():
        return _run(
            symbol,
            input_names,
            tensors,
            callback,
            monitor_all,
            ctx,
            variables,
            backward_taps if record else None,
        )


class BackwardTaps:
    """The gradients of every operator's inputs, as MXNet's monitor reports
    them from its backward nodes (``fc_backward_output0`` is the gradient of
    ``fc``'s first input, ``act_backward_output`` of an operator with one input).

    Each input that requires a gradient is fed to its operator through its own
    alias, whose hook records the gradient coming from that operator alone.
    Inputs nothing differentiates (data without a gradient, labels) are
    reported as zeros (MXNet reports whatever its buffer holds: with grad_req
    'null' it never writes it). Auxiliary states have no backward output.
    """

    def __init__(self) -> None:
        # (report name, op name, input tensor, alias or None), in graph order
        self._taps: list[tuple[str, bytes, torch.Tensor, torch.Tensor | None]] = []
        self._grads: dict[int, torch.Tensor] = {}
        self._nodes: list[tuple[int, int]] = []  # (first tap, tap count) per node

    def tap(self, node, args: list[torch.Tensor], aux: set[str]) -> list[torch.Tensor]:
        """The arguments ``node``'s kernel gets, aliased where a gradient flows."""
        keep = [
            k
            for k, (src, _i) in enumerate(node.inputs)
            if not (src.op is None and src.name in aux)
        ]
        out = list(args)
        self._nodes.append((len(self._taps), len(keep)))
        for k in keep:
            name = f"{node.name}_backward_output" + (str(k) if len(keep) > 1 else "")
            t = args[k]
            alias = None
            if t.requires_grad:
                alias = t.view_as(t)
                slot = len(self._taps)
                alias.register_hook(
                    lambda g, slot=slot: self._grads.__setitem__(slot, g)
                )
                out[k] = alias
            self._taps.append((name, node.op.name.encode(), t, alias))
        return out

    def report(self, callback, ctx=None) -> None:
        """Call ``callback`` per tap (nodes in backward order, each node's
        inputs in order), then forget the grads."""
        for first, count in reversed(self._nodes):
            for slot in range(first, first + count):
                name, op_name, t, _alias = self._taps[slot]
                g = self._grads.get(slot)
                if g is None:
                    g = torch.zeros_like(t)
                _report(callback, name.encode(), op_name, g, ctx)
        self._grads.clear()


#: Single-``data``-input operators whose input MXNet names (FListInputNames).
_NAMED_DATA_INPUT = frozenset(
    {
        "BatchNorm_v1",
        "Dropout",
        "LRN",
        "LeakyReLU",
        "Pooling",
        "Pooling_v1",
        "SliceChannel",
        "log_softmax",
        "softmax",
        "split",
    }
)


def _input_names(n) -> list[str]:
    op = n.op
    if op.variadic:
        return [f"arg{i}" for i in range(len(n.inputs))]
    names = list(n.input_names())
    if names == ["data"] and op.name not in _NAMED_DATA_INPUT:
        return ["input0"]
    return names


def _run(
    symbol, input_names, tensors, callback, monitor_all, ctx, variables=False, taps=None
):
    nodes = topo_order(symbol._outputs)
    aux = set(symbol.list_auxiliary_states()) if taps is not None else set()
    values: dict[tuple[int, int], torch.Tensor] = {}
    by_name = dict(zip(input_names, tensors, strict=True))
    for n in nodes:
        if n.op is None:
            values[(id(n), 0)] = by_name[n.name]
    for n in nodes:
        if n.op is None:
            continue
        args = [values[(id(src), i)] for src, i in n.inputs]
        op_name = n.op.name.encode()
        if monitor_all:
            for in_name, t, (src, _i) in zip(
                _input_names(n), args, n.inputs, strict=False
            ):
                if variables and src.op is None:
                    _report(callback, src.name.encode(), op_name, t, ctx)
                _report(callback, f"{n.name}_{in_name}".encode(), op_name, t, ctx)
        if taps is not None:
            args = taps.tap(n, args, aux)
        res = n.op.kernel(*args, **n.parsed)
        outs = list(res) if isinstance(res, (tuple, list)) else [res]
        for j, (name, t) in enumerate(zip(n.output_names(), outs, strict=False)):
            values[(id(n), j)] = t
            _report(callback, name.encode(), op_name, t, ctx)
    result = []
    for n, i in symbol._outputs:
        t = values[(id(n), i)]
        # outputs are fresh arrays, never an input or a view of one
        result.append(t.clone() if n.op is None or n.op.returns_view else t)
    return result


def _report(callback, name: bytes, op_name: bytes, t: torch.Tensor, ctx) -> None:
    with lend_handle(_nd.from_torch(t.detach(), ctx)) as handle:
        callback(name, op_name, handle)
