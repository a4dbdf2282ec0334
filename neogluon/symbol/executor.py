"""MXNet's bind API: :class:`Executor`, ``Symbol.bind`` and ``simple_bind``.

An executor holds the bound arrays by name (``arg_dict``, ``grad_dict``,
``aux_dict``), runs the graph after bind-time common-subexpression
elimination (:mod:`.cse`) through one :class:`~.compiler.CompiledGraph` per
symbol, writes ``outputs`` in place and computes gradients with torch's
autograd (``backward``). The compiler and the frozen graph live in
:mod:`.compiler` and :mod:`.frozen`; their names are importable from here too.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading

import torch

from .. import _state
from ..base import MXNetError
from ..ndarray.ndarray import NDArray
from ..ndarray.ndarray import _new
from ..ops.contrib_vision import is_zero_grad
from ..ops.nn import softmax_output_grad
from ..ops.nn import softmax_output_prob
from . import _monitor
from . import storage as _storage
from .compiler import CompiledGraph
from .compiler import compile_graph
from .cse import optimize_for_bind
from .frozen import FrozenGraph
from .frozen import freeze_graph
from .frozen import onednn_available
from .graph import Graph
from .graph import topo_order
from .infer import infer_graph
from .infer import infer_shapes
from .infer import infer_types
from .infer import unknown_shape_message

__all__ = [
    "CompiledGraph",
    "compile_graph",
    "FrozenGraph",
    "freeze_graph",
    "onednn_available",
    "Executor",
    "simple_bind",
]


#: id(symbol) -> (symbol, its output entries, CompiledGraph): executors bound
#: again and again to one symbol (MXNet's tests, Module, reshape) compile once.
#: The entry holds the symbol, so its id stays its own while cached.
_EXECUTOR_GRAPHS: dict = {}
_EXECUTOR_GRAPHS_MAX = 64


def _per_symbol(cache: dict, symbol: Graph, build):
    """``build(symbol)``, kept in ``cache`` for this symbol and its outputs."""
    key = tuple((id(n), i) for n, i in symbol._outputs)
    hit = cache.get(id(symbol))
    if hit is not None and hit[0] is symbol and hit[1] == key:
        return hit[2]
    value = build(symbol)
    if len(cache) >= _EXECUTOR_GRAPHS_MAX:
        cache.pop(next(iter(cache)))
    cache[id(symbol)] = (symbol, key, value)
    return value


def _executor_graph(symbol: Graph) -> CompiledGraph:
    return _per_symbol(_EXECUTOR_GRAPHS, symbol, compile_graph)


# torch's engine entry (``torch.autograd.grad`` without its Python argument
# normalisation, which costs more than a small network's backward); None on a
# torch without it: the public function is used.
_ENGINE = getattr(getattr(torch.autograd, "graph", None), "_engine_run_backward", None)
# The C++ engine itself: what ``_ENGINE`` calls after stashing the Python
# context for device threads. A CPU backward runs on the calling thread, so
# CPU graphs call it directly.
_CPU_ENGINE = getattr(
    getattr(getattr(torch.autograd, "variable", None), "Variable", None),
    "_execution_engine",
    None,
)
_set_grad = torch._C._set_grad_enabled
_grad_enabled = torch._C.is_grad_enabled


class _LossHeads:
    """How an executor runs a graph whose outputs include loss heads.

    A loss head is a ``SoftmaxOutput`` node that is a graph output (once)
    and feeds no other node. Its gradient does not depend on the head
    gradient (MXNet never reads it), so the executor computes it itself:
    ``graph`` is the bound graph with each loss head cut off (its data and,
    when computed, its label are outputs instead), the forward applies the
    softmax outside autograd, and the backward starts torch's engine at the
    head's data with ``softmax_output_grad``. Same numbers as the
    ``SoftmaxOutput`` autograd function, without its Python calls in torch's
    engine. ``plan`` has one entry per output of the bound graph:
    ``(raw_index, None, None, None)`` for an output the cut graph returns,
    ``(data_index, label_index, label_name, attrs)`` for a loss head (the
    label is the cut graph's output ``label_index``, or, when None, the
    bound variable ``label_name``).
    """

    __slots__ = ("graph", "plan")

    def __init__(self, graph: CompiledGraph, plan: list) -> None:
        self.graph = graph
        self.plan = plan


def _loss_heads(symbol: Graph) -> _LossHeads | None:
    outputs = symbol._outputs
    nodes = topo_order(outputs)
    consumed = {id(src) for n in nodes if n.op is not None for src, _ in n.inputs}
    listed: dict[int, int] = {}
    for n, _ in outputs:
        listed[id(n)] = listed.get(id(n), 0) + 1
    heads = {
        pos
        for pos, (n, _) in enumerate(outputs)
        if n.op is not None
        and n.op.name == "SoftmaxOutput"
        and id(n) not in consumed
        and listed[id(n)] == 1
    }
    if not heads:
        return None
    raw: list = []
    plan: list = []
    for pos, entry in enumerate(outputs):
        if pos not in heads:
            plan.append((len(raw), None, None, None))
            raw.append(entry)
            continue
        node = entry[0]
        data, label = node.inputs[0], node.inputs[1]
        raw.append(data)
        data_index = len(raw) - 1
        if label[0].op is None:
            plan.append((data_index, None, label[0].name, node.parsed))
        else:
            raw.append(label)
            plan.append((data_index, len(raw) - 1, None, node.parsed))
    return _LossHeads(compile_graph(Graph(raw)), plan)


#: id(symbol) -> (symbol, its output entries, _LossHeads or None)
_LOSS_HEADS: dict = {}


def _executor_loss_heads(symbol: Graph) -> _LossHeads | None:
    return _per_symbol(_LOSS_HEADS, symbol, _loss_heads)


#: A graph whose arrays all have at most this many elements (arguments,
#: auxiliary states and every operator output) runs on one intra-op thread:
#: waking torch's other OpenMP threads costs tens of microseconds per
#: operator (softmax and small matrix products use them), more than such
#: operators take on one core. MXNet's operator tuning likewise runs small
#: operators without OpenMP. ``MXNET_USE_OPERATOR_TUNING=0`` turns it off.
SERIAL_MAX_ELEMENTS = 1 << 14


def serial_enabled() -> bool:
    """``MXNET_USE_OPERATOR_TUNING`` as MXNet reads it (on unless ``0``)."""
    value = os.environ.get("MXNET_USE_OPERATOR_TUNING", "1").strip()
    return value not in ("0", "")


class _OneThread(threading.local):
    """Context manager: torch's intra-op thread count is one inside.

    Per Python thread (torch keeps the count of each thread's OpenMP team
    apart): nested uses keep the reduction, the outermost restores the count
    it found. A thread that starts its first parallel torch work while
    another is inside takes one thread as its default (torch initialises a
    new thread's count from the last count set)."""

    def __init__(self) -> None:
        self.depth = 0
        self.saved = 1

    def __enter__(self) -> None:
        if self.depth == 0:
            self.saved = torch.get_num_threads()
            if self.saved > 1:
                torch.set_num_threads(1)
        self.depth += 1

    def __exit__(self, *exc) -> None:
        self.depth -= 1
        if self.depth == 0 and self.saved > 1:
            torch.set_num_threads(self.saved)


_ONE_THREAD = _OneThread()


def _as_dict(values, names: list[str], what: str) -> dict:
    if values is None:
        return {}
    if isinstance(values, dict):
        # As MXNet, names the symbol does not have are ignored.
        return {k: v for k, v in values.items() if k in names}
    values = list(values)
    if len(values) != len(names):
        raise MXNetError(
            f"bind: {what} has {len(values)} arrays but the symbol has {len(names)} {names}"
        )
    return dict(zip(names, values, strict=True))


def _grad_reqs(grad_req, arg_names: list[str]) -> dict[str, str]:
    """``grad_req`` (one string, a dict by name or a list) per argument."""
    if isinstance(grad_req, str):
        return dict.fromkeys(arg_names, grad_req)
    if isinstance(grad_req, dict):
        return {n: grad_req.get(n, "null") for n in arg_names}
    return dict(zip(arg_names, grad_req, strict=True))


class Executor:
    """MXNet's executor: bound arrays, ``forward`` and ``backward``.

    Created by :meth:`Symbol.bind` / :meth:`Symbol.simple_bind`.
    """

    def __init__(
        self,
        symbol: Graph,
        ctx,
        args,
        args_grad=None,
        grad_req="write",
        aux_states=None,
    ) -> None:
        self._symbol = symbol
        self._ctx = ctx
        # MXNet merges common subexpressions at bind time (MXNET_ELIMINATE_COMMON_EXPR).
        self._optimized = optimize_for_bind(symbol)
        self._heads = _executor_loss_heads(self._optimized)
        if self._heads is not None:
            self._graph = self._heads.graph
        else:
            self._graph = _executor_graph(self._optimized)
        arg_names = symbol.list_arguments()
        aux_names = symbol.list_auxiliary_states()
        self.arg_dict = _as_dict(args, arg_names, "args")
        missing = [n for n in arg_names if n not in self.arg_dict]
        if missing:
            raise MXNetError(f"bind: missing arrays for arguments {missing}")
        self.aux_dict = _as_dict(aux_states, aux_names, "aux_states")
        missing = [n for n in aux_names if n not in self.aux_dict]
        if missing:
            raise MXNetError(f"bind: missing arrays for auxiliary states {missing}")
        for name, a in list(self.arg_dict.items()) + list(self.aux_dict.items()):
            if not isinstance(a, NDArray):
                raise TypeError(
                    f"bind: '{name}' must be an NDArray, got {type(a).__name__}"
                )
        self.grad_dict = _as_dict(args_grad, arg_names, "args_grad")
        reqs = _grad_reqs(grad_req, arg_names)
        for n, r in reqs.items():
            if r not in ("write", "add", "null"):
                raise ValueError(
                    f"grad_req for '{n}' must be 'write', 'add' or 'null', got {r!r}"
                )
            if n not in self.grad_dict:
                reqs[n] = "null"
        self._reqs = reqs
        # Per graph input, in the compiled graph's order: the dict holding its
        # array, its name and whether a training forward records it.
        self._input_plan = self._plan_inputs(self._graph.input_names)
        # The monitored forward runs the whole bound graph (loss heads too).
        self._full_names = [
            n.name for n in topo_order(self._optimized._outputs) if n.op is None
        ]
        self._full_plan = self._plan_inputs(self._full_names)
        # Arguments with grad_req 'write' (the backward zeroes those it
        # computes no gradient for).
        self._write_names = [n for n, r in reqs.items() if r == "write"]
        self._head_state: list = []
        # name -> (bound tensor, its leaf) for recorded forwards
        self._made_leaves: dict = {}
        self._out_names = symbol.list_outputs()
        # Sparse arrays: outputs computed with MXNet's storage types (storage.py).
        self._sparse = _storage.needs_sparse_forward(
            symbol, {**self.arg_dict, **self.aux_dict}
        )
        self.arg_arrays = [self.arg_dict[n] for n in arg_names]
        self.grad_arrays = [self.grad_dict.get(n) for n in arg_names]
        self.aux_arrays = [self.aux_dict[n] for n in aux_names]
        self._grad_req = grad_req
        self._last_is_train = False
        self._leaves: dict = {}
        self._outs: list = []
        # As in MXNet, the output arrays exist from bind on and every forward
        # writes into them: a reference to ``outputs[i]`` sees later results.
        self.outputs: list = self._allocate_outputs()

    def _plan_inputs(self, names: list[str]) -> list:
        return [
            (self.aux_dict, n, False)
            if n in self.aux_dict
            else (self.arg_dict, n, self._reqs.get(n, "null") != "null")
            for n in names
        ]

    def _apply_heads(self, raw: list) -> list:
        """The bound graph's outputs from the cut graph's ``raw`` outputs: each
        loss head's softmax, computed outside autograd (see :class:`_LossHeads`)."""
        outs = []
        state = []
        for index, label_index, label_name, attrs in self._heads.plan:  # type: ignore[union-attr]
            if attrs is None:
                outs.append(raw[index])
                state.append(None)
                continue
            data = raw[index]
            if label_index is not None:
                label = raw[label_index]
            else:
                label = self.arg_dict[label_name]._data
            p = softmax_output_prob(data.detach(), attrs)
            outs.append(p)
            state.append((data, label, attrs))
        self._head_state = state
        return outs

    def _allocate_outputs(self) -> list:
        from ..ndarray.ndarray import zeros

        arrays = {**self.arg_dict, **self.aux_dict}
        sig = tuple((n, a.shape, a.dtype) for n, a in arrays.items())
        cache = self._graph.alloc_cache
        entry = cache.get(sig)
        if entry is None:
            entry = self._output_plan(arrays)
            if len(cache) >= 64:
                cache.clear()
            cache[sig] = entry
        plan, small = entry
        self._serial = small and serial_enabled()
        ctx = self.arg_arrays[0].context if self.arg_arrays else self._ctx
        return [zeros(shape, ctx=ctx, dtype=dt) for shape, dt in plan]

    def _output_plan(self, arrays: dict) -> tuple[list, bool]:
        """``(shape, dtype)`` of every output from the bound arrays' shapes and
        dtypes (empty when they cannot be inferred before running), and
        whether every array of the graph is small (:data:`SERIAL_MAX_ELEMENTS`)."""
        from ..ops.registry import shape_known

        names = self._symbol.list_outputs()
        known = {n: a.shape for n, a in arrays.items()}
        dtypes = {n: a.dtype for n, a in arrays.items()}
        try:
            entries = infer_graph(self._symbol, known)
            types = infer_types(self._symbol, dtypes)
        except MXNetError:
            # The first forward reports the error with its inputs.
            return [], False
        small = all(
            shape_known(s) and math.prod(s) <= SERIAL_MAX_ELEMENTS
            for s in entries.values()
        )
        shapes = [entries.get((id(n), i)) for n, i in self._symbol._outputs]
        if not all(shape_known(s) for s in shapes):
            # Data-dependent output shapes: allocated by the first forward.
            return [], small
        return [
            (s, types.get(n) or "float32") for n, s in zip(names, shapes, strict=True)
        ], small

    _serial = False  # a small graph: runs on one intra-op thread (SERIAL_MAX_ELEMENTS)
    _monitor = None  # (callback, monitor_all) from set_monitor_callback
    _taps = None  # the monitored forward's BackwardTaps (input gradients)

    def set_monitor_callback(self, callback, monitor_all: bool = False) -> None:
        """Call ``callback(name, handle)`` for every operator output (and, with
        ``monitor_all``, every operator input first) during ``forward``. As in
        MXNet, names are UTF-8 bytes (``<node>_output``, ``<node>_<input>``)
        and ``handle`` an NDArrayHandle value (an int): ``NDArray(handle)``
        inside the callback shares the array's data (see
        :mod:`neogluon.symbol._monitor`). As in MXNet,
        with ``monitor_all`` an input that is a variable is reported under the
        variable's name first (``data``, then ``conv_data``). After a training
        forward, ``backward`` reports each operator's input gradients as MXNet's
        backward nodes do (``fc_backward_output0`` for ``fc``'s first input,
        ``act_backward_output`` for a one-input operator; zeros where nothing
        computes one). Differs from MXNet 1.9.1: outputs an operator keeps
        hidden (LRN's ``tmp_norm``) are not computed here, so not reported, and
        with ``monitor_all`` the backward nodes' inputs
        (``<node>_backward_input<k>``) are not reported. ``None`` removes the
        callback."""
        self._monitor = None if callback is None else (callback, bool(monitor_all))

    def _run_monitored(self, tensors, record: bool):
        callback, monitor_all = self._monitor
        self._taps = _monitor.BackwardTaps() if record else None
        return _monitor.run_monitored(
            self._optimized,
            self._full_names,
            tensors,
            lambda name, _op, arr: callback(name, arr),
            monitor_all,
            record=record,
            variables=True,
            backward_taps=self._taps,
        )

    def debug_str(self) -> str:
        """The bound graph as text in MXNet's format (:meth:`Symbol.debug_str`).

        Differs from MXNet 1.9.1: MXNet also lists the backward nodes it
        generates and its memory-plan totals; gradients here come from torch's
        autograd, so only the forward graph is listed."""
        return self._symbol.debug_str()

    def get_optimized_symbol(self) -> Graph:
        """The symbol this executor runs, a copy: the bound symbol after
        common-subexpression elimination (unless ``MXNET_ELIMINATE_COMMON_EXPR``
        was ``0`` at bind time); no subgraph backend rewrites it."""
        import copy

        return copy.copy(self._optimized)

    @property
    def output_dict(self) -> dict:
        return dict(zip(self._out_names, self.outputs, strict=True))

    def forward(self, is_train: bool = False, **kwargs):
        """Run the graph; ``kwargs`` arrays are copied into ``arg_dict`` first."""
        if not kwargs:
            return self._run(bool(is_train), record=bool(is_train))
        import numpy as np

        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetError(
                    f"forward: unknown argument '{name}'; arguments are {list(self.arg_dict)}"
                )
            dst = self.arg_dict[name]
            if isinstance(value, NDArray):
                value.copyto(dst)
            else:
                dst[:] = np.asarray(value)
        return self._run(bool(is_train), record=bool(is_train))

    def _run(self, is_train: bool, record: bool):
        leaves: dict = {}
        tensors = []
        self._head_state = []
        made = self._made_leaves
        for src, name, recorded in (
            self._input_plan if self._monitor is None else self._full_plan
        ):
            t = src[name]._data
            if record and recorded:
                # The leaf of a bound array: a detached view (sharing its data
                # and version counter) made once per tensor, so in-place
                # updates (the optimizer's) are what the next forward reads.
                hit = made.get(name)
                if hit is not None and hit[0] is t:
                    t = hit[1]
                    leaves[name] = t
                elif t.is_floating_point():
                    leaf = t.detach().requires_grad_(True)
                    made[name] = (t, leaf)
                    t = leaf
                    leaves[name] = t
            tensors.append(t)
        prev = _state.flags.training
        _state.flags.training = bool(is_train)
        grad_was = _grad_enabled()
        _set_grad(bool(leaves))
        try:
            if self._monitor is not None:
                outs = self._run_monitored(tensors, bool(leaves))
            elif self._serial:
                with _ONE_THREAD:
                    outs = self._graph(tensors)
                    if self._heads is not None:
                        outs = self._apply_heads(outs)
            else:
                outs = self._graph(tensors)
                if self._heads is not None:
                    outs = self._apply_heads(outs)
        finally:
            _set_grad(grad_was)
            _state.flags.training = prev
        self._leaves = leaves
        self._outs = outs
        self._last_is_train = is_train
        if self._sparse:
            aux = {k: v.copy() for k, v in self.aux_dict.items()}  # updated once
            self.outputs = _storage.forward_sparse(
                self._symbol, {**self.arg_dict, **aux}, is_train
            )
            return self.outputs
        bufs = self.outputs
        if len(bufs) == len(outs) and all(
            b._data.shape == o.shape and b._data.dtype == o.dtype
            for b, o in zip(bufs, outs, strict=True)
        ):
            if len(outs) == 1:
                bufs[0]._data.copy_(outs[0].detach())  # records nothing
            else:
                torch._foreach_copy_(
                    [b._data for b in bufs], [o.detach() for o in outs]
                )
        else:
            self.outputs = [_new(o.detach()) for o in outs]
        return self.outputs

    def backward(self, out_grads=None, is_train: bool = True) -> None:
        """Gradients of the outputs into ``grad_dict`` (per ``grad_req``).

        Differs from MXNet 1.9.1: integer arguments get zero gradients
        (``'write'``) or keep theirs (``'add'``); MXNet back-propagates through
        integer arrays (Cast passes the head gradient on), torch's autograd is
        floating-point only."""
        if not self._leaves and any(r != "null" for r in self._reqs.values()):
            # MXNet allows backward after forward(is_train=False): the gradient
            # of the inference-mode graph. Predict-mode forwards have no side
            # effects (no running-stat updates, no dropout), so re-running it
            # recorded gives the same graph. Without any forward yet (MXNet
            # runs backward on the bound arrays), a training forward runs.
            self._run(self._last_is_train if self._outs else True, record=True)
        if not self._leaves:
            wanted = [n for n, r in self._reqs.items() if r != "null"]
            run = self._graph.input_names
            if all(
                not self.arg_dict[n]._data.is_floating_point() or n not in run
                for n in wanted
            ):
                # Nothing asks for a gradient (a no-op, as in MXNet), or only
                # integer arrays and loss-head labels do: torch has no integer
                # gradients, a label gets none; zeros with grad_req 'write',
                # unchanged with 'add'.
                for n in wanted:
                    if self._reqs[n] == "write":
                        self.grad_dict[n]._data.zero_()
                return
        if not self._leaves:
            raise MXNetError(
                "backward: call forward() first and bind with args_grad (grad_req "
                "other than 'null') for the arguments that need gradients."
            )
        outs = self._outs
        if out_grads is None:
            heads = None
        else:
            if isinstance(out_grads, NDArray):
                out_grads = [out_grads]
            elif isinstance(out_grads, dict):
                out_grads = [out_grads[k] for k in self._out_names]
            for g in out_grads:
                if not isinstance(g, NDArray):
                    raise TypeError(
                        f"backward: out_grads must be NDArrays, got {type(g).__name__}"
                    )
            if len(out_grads) < len(outs):
                raise MXNetError(
                    f"backward: {len(out_grads)} out_grads given for "
                    f"{len(outs)} outputs {self._out_names}"
                )
            # As MXNet, head gradients beyond the number of outputs are ignored.
            heads = [g._data for g in out_grads[: len(outs)]]
        state = self._head_state or [None] * len(outs)
        leaves = self._leaves
        with _ONE_THREAD if self._serial else contextlib.nullcontext():
            roots = []
            root_grads = []
            for k, o in enumerate(outs):
                head = state[k]
                if head is not None:
                    # A loss head: its gradient from the forward's softmax
                    # (``o``) and the label; the head gradient is never read.
                    data = head[0]
                    if not data.requires_grad:
                        continue
                    if heads is not None and heads[k].shape != o.shape:
                        self._bad_head(k, heads[k], o)
                    roots.append(data)
                    root_grads.append(softmax_output_grad(o, head[1], head[2]))
                    continue
                if is_zero_grad(o):
                    # MXNet never reads such a head gradient (nor checks its shape).
                    continue
                if heads is None:
                    g = torch.ones_like(o)
                else:
                    g = heads[k]
                    if g.shape != o.shape:
                        self._bad_head(k, g, o)
                    g = g.to(o.dtype)
                roots.append(o)
                root_grads.append(g)
            names = list(leaves)
            inputs = tuple(leaves.values())
            if not roots:
                grads: tuple = (None,) * len(names)
            elif _ENGINE is not None:
                # MXNet allows several backward calls after one forward.
                engine = (
                    _CPU_ENGINE.run_backward
                    if _CPU_ENGINE is not None and all(r.is_cpu for r in roots)
                    else _ENGINE
                )
                grads = engine(
                    tuple(roots), tuple(root_grads), True, False, inputs, True, False
                )
            else:
                grads = torch.autograd.grad(
                    roots, inputs, root_grads, allow_unused=True, retain_graph=True
                )
        if self._monitor is not None and self._taps is not None:
            callback = self._monitor[0]
            self._taps.report(lambda name, _op, arr: callback(name, arr))
        grad_was = _grad_enabled()
        _set_grad(False)
        try:
            for n in self._write_names:
                if n not in leaves:
                    # An integer argument (softmax's length, an index), or a
                    # loss head's label: torch has no integer gradients;
                    # zeros, as MXNet gives for the integer inputs of
                    # operators that do not pass one through.
                    self.grad_dict[n]._data.zero_()
            reqs = self._reqs
            dsts = []
            srcs = []
            for n, g in zip(names, grads, strict=True):
                buf = self.grad_dict[n]
                if g is not None and g.layout != torch.strided:
                    g = g.to_dense()  # Embedding(sparse_grad=True)
                if buf.stype != "default":
                    _write_sparse_grad(buf, g, reqs[n])
                    continue
                t = buf._data
                if reqs[n] == "write":
                    if g is None:
                        t.zero_()
                    else:
                        dsts.append(t)
                        srcs.append(g)
                elif g is not None:
                    t.add_(g)
            if dsts:
                torch._foreach_copy_(dsts, srcs)
        finally:
            _set_grad(grad_was)

    def _bad_head(self, k: int, g, o) -> None:
        raise MXNetError(
            f"backward: the head gradient for output '{self._out_names[k]}' has "
            f"shape {tuple(g.shape)}, the output {tuple(o.shape)}."
        )

    def reshape(
        self, partial_shaping: bool = False, allow_up_sizing: bool = False, **kwargs
    ) -> Executor:
        """A new executor for new input shapes that shares memory with this one.

        ``kwargs`` give new shapes by argument name. Every array whose shape
        stays the same, or that does not grow, is a view of this executor's
        array (the first elements of it); a growing array is freshly allocated,
        which needs ``allow_up_sizing=True``. An argument not named in
        ``kwargs`` whose inferred shape changes is an error unless
        ``partial_shaping=True``. Outputs that do not grow share memory too.
        """
        from ..ndarray.ndarray import zeros
        from ..ops.registry import shape_known

        known = {k: tuple(v) for k, v in kwargs.items() if isinstance(v, tuple)}
        unknown = [
            k for k in known if k not in self.arg_dict and k not in self.aux_dict
        ]
        if unknown:
            raise MXNetError(
                f"reshape: unknown argument names {unknown}; arguments are "
                f"{list(self.arg_dict)}"
            )
        shapes = infer_shapes(self._symbol, known)
        names = list(self.arg_dict) + list(self.aux_dict)
        if not all(shape_known(shapes.get(n)) for n in names):
            raise MXNetError(
                "reshape: insufficient argument shapes provided; could not infer "
                f"{[n for n in names if not shape_known(shapes.get(n))]} from {known}."
            )

        def take(arr, name: str, what: str, new_shape):
            if arr is None:
                return None
            if math.prod(new_shape) > arr.size:
                if not allow_up_sizing:
                    raise MXNetError(
                        f"reshape: new shape {new_shape} of {what} '{name}' is larger "
                        f"than the original {arr.shape}. Making a big executor and "
                        "then down-sizing it is more efficient; to up-size, pass "
                        "allow_up_sizing=True (allocates new arrays)."
                    )
                return zeros(new_shape, ctx=arr.context, dtype=arr.dtype)
            return _prefix_view(arr, new_shape)

        args, grads, aux = {}, {}, {}
        for what, src, dst in (
            ("arg", self.arg_dict, args),
            ("aux", self.aux_dict, aux),
        ):
            for name, arr in src.items():
                new_shape = tuple(shapes[name])
                if not (partial_shaping or name in known or new_shape == arr.shape):
                    raise MXNetError(
                        f"reshape: the shape of {what} '{name}', which was not given, "
                        f"changes from {arr.shape} to {new_shape}; the new executor "
                        "would not share it with this one. Check the network, or "
                        "pass partial_shaping=True if this is intended."
                    )
                dst[name] = take(arr, name, what, new_shape)
                if what == "arg" and self.grad_dict.get(name) is not None:
                    grads[name] = take(self.grad_dict[name], name, what, new_shape)
        new = Executor(self._symbol, self._ctx, args, grads, self._grad_req, aux)
        # As MXNet, the monitor callback carries over to the reshaped executor.
        new._monitor = self._monitor
        if len(new.outputs) == len(self.outputs):
            new.outputs = [
                _prefix_view(old, o.shape)
                if o.size <= old.size and o.dtype == old.dtype
                else o
                for old, o in zip(self.outputs, new.outputs, strict=True)
            ]
        return new

    def copy_params_from(
        self, arg_params, aux_params=None, allow_extra_params: bool = False
    ) -> None:
        """Copy arrays by name into the bound arguments / auxiliary states."""
        for name, arr in (arg_params or {}).items():
            if name in self.arg_dict:
                arr.copyto(self.arg_dict[name])
            elif not allow_extra_params:
                raise ValueError(f'Found name "{name}" that is not in the arguments')
        for name, arr in (aux_params or {}).items():
            if name in self.aux_dict:
                arr.copyto(self.aux_dict[name])
            elif not allow_extra_params:
                raise ValueError(
                    f'Found name "{name}" that is not in the auxiliary states'
                )


def _prefix_view(arr, shape):
    """An NDArray viewing the first ``prod(shape)`` elements of ``arr``."""

    t = arr._data
    if not t.is_contiguous():
        raise MXNetError(
            f"reshape: cannot share a non-contiguous array of shape {arr.shape}"
        )
    view = t.reshape(-1)[: math.prod(shape)].view(tuple(shape))
    return _new(view, arr._ctx)


def group_context(attrs: dict, name: str, group2ctx: dict | None, default):
    """The context of variable ``name``: the one ``group2ctx`` gives its
    ``ctx_group`` (``mx.AttrScope(ctx_group=...)``), else ``default``."""
    if not group2ctx:
        return default
    group = attrs.get(name, {}).get("__ctx_group__")
    return group2ctx.get(group, default) if group is not None else default


def _write_sparse_grad(buf, g, req: str) -> None:
    """Store gradient ``g`` (a tensor or None) in sparse ``buf``, in its own
    storage type (``'add'`` adds to it)."""
    from ..ndarray.sparse import _assign

    dense = buf.to_torch()
    if req == "write":
        dense = torch.zeros_like(dense) if g is None else g.to(dense.dtype)
    elif g is not None:
        dense = dense + g
    _assign(buf, _new(dense.detach()))


def simple_bind(
    symbol: Graph,
    ctx,
    grad_req="write",
    type_dict=None,
    stype_dict=None,
    group2ctx=None,
    **shapes,
) -> Executor:
    """Infer shapes/dtypes from ``shapes``, allocate zeros (of the storage
    types in ``stype_dict``; gradients of MXNet's inferred storage type) and
    bind; arrays of variables in a ``ctx_group`` are allocated on
    ``group2ctx[group]``."""
    from ..ndarray.ndarray import zeros

    known = {k: ((v,) if isinstance(v, int) else tuple(v)) for k, v in shapes.items()}
    shp = infer_shapes(symbol, known)
    arg_names = symbol.list_arguments()
    aux_names = symbol.list_auxiliary_states()
    from ..ops.registry import shape_known

    bad = [n for n in arg_names + aux_names if not shape_known(shp.get(n))]
    if bad:
        raise MXNetError("simple_bind: " + unknown_shape_message(shp, bad))
    types = infer_types(symbol, dict(type_dict or {}))

    def dt(n):
        return types.get(n) or "float32"

    stypes = {**_storage.var_stypes(symbol), **dict(stype_dict or {})}
    gstypes = _storage.grad_stypes(symbol, stypes)
    attrs = symbol.attr_dict() if group2ctx else {}

    def alloc(n, stype=None):
        place = group_context(attrs, n, group2ctx, ctx)
        return zeros(shp[n], ctx=place, dtype=dt(n), stype=stype)

    args = {n: alloc(n, stypes.get(n)) for n in arg_names}
    aux = {n: alloc(n) for n in aux_names}
    reqs = _grad_reqs(grad_req, arg_names)
    grads = {n: alloc(n, gstypes.get(n)) for n in arg_names if reqs[n] != "null"}
    return Executor(symbol, ctx, args, grads, reqs, aux)
