"""``mx.autograd``: MXNet's recording scopes and gradient buffers on torch autograd.

Nothing is recorded outside :func:`record`: operators run with torch grad mode
off unless recording. Variables (arrays given ``attach_grad`` or marked with
:func:`mark_variables`) own a gradient buffer that ``backward`` overwrites
(``grad_req='write'``), accumulates into (``'add'``) or leaves alone
(``'null'``).
"""

from __future__ import annotations

import weakref

import torch

from . import _state
from .base import MXNetError
from .ndarray._core import prune_recorded
from .ndarray.ndarray import NDArray
from .ndarray.ndarray import _new
from .ndarray.sparse import BaseSparseNDArray
from .ndarray.sparse import recorded_sparse

__all__ = [
    "record",
    "pause",
    "train_mode",
    "predict_mode",
    "is_recording",
    "is_training",
    "set_recording",
    "set_training",
    "mark_variables",
    "backward",
    "grad",
    "get_symbol",
    "Function",
]

_flags = _state.flags
# torch's engine entry (``torch.autograd.grad`` minus its argument checks, which
# _head_tensors does); None on a torch without it: use the public function.
_ENGINE = getattr(getattr(torch.autograd, "graph", None), "_engine_run_backward", None)
# id(array) -> weak reference; keyed by id because NDArray.__eq__ is elementwise.
_variables: dict[int, weakref.ref] = {}


class _AutogradInfo:
    """Gradient buffer and bookkeeping of an array marked as a variable
    (``NDArray._ag``; None for an array that is not a variable)."""

    __slots__ = ("grad", "grad_req", "fresh", "__weakref__")

    def __init__(self, grad: NDArray | None, grad_req: str) -> None:
        self.grad = grad
        self.grad_req = grad_req
        self.fresh = False


def _register_variable(var: NDArray) -> None:
    key = id(var)

    def _drop(_ref, key=key):
        _variables.pop(key, None)

    _variables[key] = weakref.ref(var, _drop)


def _live_variables() -> list[NDArray]:
    out = []
    for ref in list(_variables.values()):
        v = ref()
        if v is not None:
            out.append(v)
    return out


is_recording = _state.is_recording
is_training = _state.is_training


def set_recording(is_recording: bool) -> bool:  # noqa: F811 - MXNet's name
    """Set the recording flag; returns the previous value."""
    prev = _flags.recording
    _flags.recording = bool(is_recording)
    return prev


def set_training(train_mode: bool) -> bool:
    """Set the training flag; returns the previous value."""
    prev = _flags.training
    _flags.training = bool(train_mode)
    return prev


class _RecordingStateScope:
    """Scope that sets the recording and/or training flags and restores them."""

    __slots__ = ("_rec", "_train", "_prev_rec", "_prev_train", "_prev_grad")

    def __init__(self, is_record: bool | None, train_mode: bool | None) -> None:
        self._rec = is_record
        self._train = train_mode
        self._prev_rec = None
        self._prev_train = None
        self._prev_grad = None

    def __enter__(self) -> _RecordingStateScope:
        if self._rec is not None:
            self._prev_rec = set_recording(self._rec)
            self._prev_grad = torch.is_grad_enabled()
            torch.set_grad_enabled(self._rec)
        if self._train is not None:
            self._prev_train = set_training(self._train)
        return self

    def __exit__(self, *exc) -> None:
        if self._rec is not None:
            set_recording(self._prev_rec)
            torch.set_grad_enabled(self._prev_grad)
        if self._train is not None:
            set_training(self._prev_train)


def record(train_mode: bool = True) -> _RecordingStateScope:
    """Scope in which operators are recorded for ``backward``.

    ``train_mode`` sets ``is_training()`` (Dropout, BatchNorm use batch behaviour).

    Examples
    --------
    >>> import neogluon as mx
    >>> x = mx.nd.array([1.0, 2.0]); x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = (x * x).sum()
    >>> y.backward(); x.grad.asnumpy()
    array([2., 4.], dtype=float32)
    """
    return _RecordingStateScope(True, train_mode)


def pause(train_mode: bool = False) -> _RecordingStateScope:
    """Scope in which nothing is recorded (training flag off by default)."""
    return _RecordingStateScope(False, train_mode)


def train_mode() -> _RecordingStateScope:
    """Scope that only turns the training flag on."""
    return _RecordingStateScope(None, True)


def predict_mode() -> _RecordingStateScope:
    """Scope that only turns the training flag off."""
    return _RecordingStateScope(None, False)


def _no_grad():
    """torch's no-grad scope, for callers outside the torch boundary."""
    return torch.no_grad()


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, NDArray):
        return [x]
    return list(x)


_GRAD_REQS = ("write", "add", "null")


def is_variable(array: NDArray) -> bool:
    """Whether ``array`` is an autograd variable (``attach_grad`` or
    :func:`mark_variables` gave it a gradient buffer and a ``grad_req``).

    neogluon's own helper (not in MXNet's API): code outside ``ndarray/`` and
    this module asks here instead of reading the array's private record.
    """
    return array._ag is not None


def mark_variables(variables, gradients, grad_reqs="write") -> None:
    """Make arrays autograd variables with the given gradient buffers."""
    variables = _as_list(variables)
    gradients = _as_list(gradients)
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    if not (len(variables) == len(gradients) == len(grad_reqs)):
        raise ValueError(
            f"mark_variables: got {len(variables)} variables, {len(gradients)} "
            f"gradients and {len(grad_reqs)} grad_reqs; they must be equal in number."
        )
    for var, g, req in zip(variables, gradients, grad_reqs, strict=True):
        if req not in _GRAD_REQS:
            raise ValueError(f"grad_req must be one of {_GRAD_REQS}, got {req!r}")
        if g is not None and g.shape != var.shape:
            raise ValueError(
                f"mark_variables: gradient shape {g.shape} does not match the "
                f"variable's shape {var.shape}."
            )
        if isinstance(var, BaseSparseNDArray):  # its dense value is recorded
            var._mark_leaf(req != "null")
        else:
            t = var._data.detach()
            if req != "null" and t.is_floating_point():
                t.requires_grad_(True)
            var._data = t
        var._ag = _AutogradInfo(g, req)
        _register_variable(var)


def _input_tensor(var: NDArray):
    """The tensor torch differentiates for variable ``var``: its data, or
    the leaf of a sparse array (None when it has none)."""
    if isinstance(var, BaseSparseNDArray):
        return var._leaf
    return var._data


def _head_tensor(head: NDArray) -> torch.Tensor:
    """The recorded tensor of ``head`` (a sparse head's graph tensor)."""
    if isinstance(head, BaseSparseNDArray):
        with torch.enable_grad():
            t = head._graph_tensor()
        if t is not None:
            return t
    return head._data


def get_symbol(x):
    """The recorded computation that produced ``x``, as a Symbol: not available.

    MXNet 1.9.1 rebuilds the graph from its own autograd tape of MXNet
    operators. neogluon records with PyTorch's autograd, whose tape holds
    torch functions, not MXNet operators, so no Symbol can be recovered from
    it; this raises MXNetError. To get the graph of a computation, write it as
    a HybridBlock, call ``hybridize()`` and run it once (``export()`` writes
    the symbol), or build it with ``mx.sym``.
    """
    if not isinstance(x, NDArray):
        raise TypeError(f"get_symbol expects an NDArray, got {type(x).__name__}")
    raise MXNetError(
        "autograd.get_symbol: neogluon records with PyTorch's autograd, whose tape "
        "holds torch functions rather than MXNet operators, so the recorded graph "
        "cannot be returned as a Symbol. Write the computation as a HybridBlock, "
        "hybridize() it and run it once (block.export() writes the symbol), or "
        "build it with mx.sym."
    )


def _head_tensors(heads, head_grads):
    heads = _as_list(heads)
    head_grads = _as_list(head_grads)
    if head_grads is not None and len(head_grads) != len(heads):
        raise ValueError(
            f"backward: {len(heads)} heads but {len(head_grads)} head_grads."
        )
    ts, gs = [], []
    for i, h in enumerate(heads):
        t = _head_tensor(h)
        if not t.requires_grad and not t.is_floating_point():
            raise MXNetError(
                f"Cannot differentiate head {i} of dtype {str(t.dtype).removeprefix('torch.')}: "
                "gradients flow through floating-point arrays only (the engine, "
                "torch autograd, has no integer gradients; MXNet 1.9.1 allowed "
                "some). Cast the variable with astype('float32') before "
                "attach_grad() and record()."
            )
        if not t.requires_grad:
            raise MXNetError(
                "Cannot differentiate node because it is not in a computational "
                "graph. You need to set is_recording to true or use "
                "autograd.record() to save computational graphs for backward, and "
                "call attach_grad() on the inputs you want gradients for. "
                f"(head {i} has shape {h.shape})"
            )
        ts.append(t)
        hg = None if head_grads is None else head_grads[i]
        if hg is None:
            gs.append(torch.ones_like(t))
            continue
        g = hg._data
        if g.layout != torch.strided:
            g = g.to_dense()
        if g.shape != t.shape:
            raise MXNetError(
                f"backward: head_grads[{i}] has shape {tuple(g.shape)} but head {i} "
                f"has shape {tuple(t.shape)}; give a gradient of the head's shape."
            )
        gs.append(g)
    return ts, gs


def _run_engine(ts, gs, inputs, retain_graph: bool, create_graph: bool = False):
    """torch's autograd engine on heads ``ts`` with gradients ``gs`` (same
    shapes, checked by :func:`_head_tensors`); the gradients of ``inputs``.

    Calls the engine as ``torch.autograd.grad`` does, without its Python
    argument normalisation, whose first call imports
    ``torch.fx.experimental.symbolic_shapes`` (and sympy): about 1 s added to
    the first ``backward()`` of every program.
    """
    if _ENGINE is None:
        return torch.autograd.grad(
            ts,
            inputs,
            gs,
            retain_graph=retain_graph,
            create_graph=create_graph,
            allow_unused=True,
        )
    return _ENGINE(
        tuple(ts), tuple(gs), retain_graph, create_graph, tuple(inputs), True, False
    )


def backward(
    heads, head_grads=None, retain_graph: bool = False, train_mode: bool = True
) -> None:
    """Compute gradients of ``heads`` into the variables' gradient buffers.

    ``head_grads=None`` means gradients of ones (non-scalar heads are summed).
    """
    ts, gs = _head_tensors(heads, head_grads)
    # Gradients are computed for the variables these heads reach and returned,
    # not accumulated into torch's shared ``.grad`` fields: a backward in one
    # thread never touches the buffers of variables another thread is using
    # (MXNet keeps its autograd state per thread, so must we).
    variables = []
    inputs = []
    index: dict[int, int] = {}
    slots = []
    for v in _live_variables():
        t = _input_tensor(v)
        if t is None or not t.requires_grad or v._ag is None or v._ag.grad is None:
            continue
        k = index.get(id(t))
        if k is None:
            k = index[id(t)] = len(inputs)
            inputs.append(t)
        variables.append(v)
        slots.append(k)
    prev_train = set_training(train_mode)
    try:
        if inputs:
            res = _run_engine(ts, gs, inputs, retain_graph)
        else:
            # Nothing to fill: still run the pass, so that a freed graph or a
            # failing backward function raises as in MXNet.
            torch.autograd.backward(ts, gs, retain_graph=retain_graph, inputs=ts)
            res = ()
    except RuntimeError as err:
        raise _backward_error(err) from None
    finally:
        set_training(prev_train)
    if not retain_graph:
        _free_graph(ts)
    adopted: set[int] = set()
    with torch.no_grad():
        for v, k in zip(variables, slots, strict=True):
            g = res[k]
            if g is None:
                continue
            ag = v._ag
            if ag.grad.stype != "default":  # sparse buffer (issue 13)
                ag.grad._set_grad_tensor(g, ag.grad_req == "add")
                ag.fresh = True
                continue
            if g.layout != torch.strided:  # Embedding(sparse_grad) into dense
                g = g.to_dense()
            buf = ag.grad._data
            if ag.grad_req == "add":
                buf.add_(g)
            elif k not in adopted and _can_adopt(g, buf):
                # 'write': adopt torch's fresh gradient tensor instead of copying
                # it; the gradient NDArray object (what users and Trainer hold)
                # stays the same.
                ag.grad._data = g
                adopted.add(k)
            else:
                buf.copy_(g)
            ag.fresh = True


_FREED_MESSAGE = (
    "Trying to backward through the graph a second time: its buffers have already "
    "been freed"
)


def _graph_freed(_grads):
    raise RuntimeError(_FREED_MESSAGE)


def _free_graph(heads: list) -> None:
    """Mark the graphs of ``heads`` as consumed, as MXNet frees a graph after a
    backward pass without ``retain_graph``.

    torch frees only the buffers its nodes saved, so a second pass through
    nodes that saved nothing (``y = x + 1``) would succeed; MXNet fails it. A
    pre-hook on each head's node makes any later pass through it raise. Every
    other live array computed by the freed graph is detached: a later
    recording that uses it sees a constant, as MXNet's does (gradients do not
    flow back into a consumed graph).
    """
    stack = []
    for t in heads:
        node = t.grad_fn
        if node is not None:
            node.register_prehook(_graph_freed)
            stack.append(node)
    # Every other live array computed with the freed nodes becomes a constant
    # for later recordings, as in MXNet (an LSTM's final state, a sibling
    # output of the node that produced the loss, included). The heads keep the
    # hook above, so a second backward from them still fails. Leaf nodes
    # (variables) are shared by every graph and are not part of the freed set.
    head_ids = {id(t) for t in heads}
    live = prune_recorded(lambda arr: id(arr._data) not in head_ids)
    sparse = [a for a in recorded_sparse() if id(a._graph) not in head_ids]
    if not live and not sparse:  # the usual training step: nothing outlives it
        return
    freed = _graph_nodes(stack)
    memo: dict = {}
    for arr in live:
        if _reaches(arr._data.grad_fn, freed, memo):
            arr._data = arr._data.detach()  # leaves the registry at its next prune
    for sp in sparse:  # a sparse result keeps its value, leaves the graph
        if _reaches(sp._graph.grad_fn, freed, memo):
            sp._graph = None


def _graph_nodes(stack: list) -> set:
    """The non-leaf nodes of the graphs below ``stack``."""
    nodes = set()
    while stack:
        node = stack.pop()
        if node in nodes or not node.next_functions:
            continue
        nodes.add(node)
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in nodes:
                stack.append(nxt)
    return nodes


def _reaches(node, freed: set, memo: dict) -> bool:
    """Whether the graph below ``node`` contains a node of ``freed`` (an
    iterative post-order walk; ``memo`` is shared between calls)."""
    if node is None:
        return False
    stack = [(node, False)]
    while stack:
        n, done = stack.pop()
        if done:
            memo[n] = any(memo[m] for m, _ in n.next_functions if m is not None)
        elif n not in memo:
            if n in freed:
                memo[n] = True
                continue
            stack.append((n, True))
            stack.extend((m, False) for m, _ in n.next_functions if m is not None)
    return memo[node]


def _can_adopt(g: torch.Tensor, buf: torch.Tensor) -> bool:
    return (
        g.dtype == buf.dtype
        and g.device == buf.device
        and g.shape == buf.shape
        and g.is_contiguous()
        and not g._is_view()
        and g.layout == torch.strided
        and not g._is_zerotensor()
    )


def _backward_error(err: RuntimeError) -> MXNetError:
    msg = str(err)
    if "second time" in msg or "already been freed" in msg:
        return MXNetError(
            "Backward was called a second time on a graph whose buffers were "
            "already freed. Pass retain_graph=True to the first backward() to "
            "back-propagate through the same graph again."
        )
    return MXNetError(f"backward failed: {msg.splitlines()[0]}")


def grad(
    heads,
    variables,
    head_grads=None,
    retain_graph=None,
    create_graph: bool = False,
    train_mode: bool = True,
):
    """Gradients of ``heads`` w.r.t. ``variables``, returned as a list of new arrays.

    Always a list, even for a single variable: that is what MXNet 1.9.1 returns
    (its docstring promises a bare array, its code returns a list, and user code
    indexes ``[0]``). The variables' ``.grad`` buffers are not touched. ``retain_graph`` defaults
    to ``create_graph``; ``create_graph=True`` records the gradient computation
    for higher-order derivatives.
    """
    var_list = _as_list(variables)
    ts, gs = _head_tensors(heads, head_grads)
    inputs = [_input_tensor(v) for v in var_list]
    for v, t in zip(var_list, inputs, strict=True):
        if t is None or not t.requires_grad:
            raise MXNetError(
                f"autograd.grad: variable of shape {v.shape} is not marked; call "
                "attach_grad() on it before recording."
            )
    if retain_graph is None:
        retain_graph = create_graph
    prev_train = set_training(train_mode)
    try:
        with torch.enable_grad() if create_graph else torch.no_grad():
            res = _run_engine(ts, gs, inputs, retain_graph, create_graph)
    except RuntimeError as err:
        raise _backward_error(err) from None
    finally:
        set_training(prev_train)
    if not retain_graph:
        _free_graph(ts)
    out = []
    for v, g in zip(var_list, res, strict=True):
        if g is None or g._is_zerotensor():
            # torch's "unused" and its lazy ZeroTensor (the derivative of
            # abs' gradient, say) are plain zeros to an MXNet user.
            g = torch.zeros(v.shape, dtype=_input_tensor(v).dtype,
                            device=_input_tensor(v).device)  # fmt: skip
        elif g.layout != torch.strided:  # Embedding(sparse_grad) or a sparse leaf
            g = g.to_dense()
        if create_graph and not g.requires_grad and g.is_floating_point():
            # A recorded gradient is part of the graph in MXNet even when it
            # does not depend on the variables (radians: a constant factor):
            # differentiating it again gives zeros, not "not in a graph".
            g.requires_grad_(True)
        out.append(_new(g, v._ctx))
    return out


class _TorchFunction(torch.autograd.Function):
    """Bridges a neogluon :class:`Function` instance into torch autograd."""

    @staticmethod
    def forward(ctx, fn, *tensors):
        ctx.fn = fn
        with pause():
            outs = fn.forward(*[_new(t, fn._in_ctx) for t in tensors])
        single = isinstance(outs, NDArray)
        fn._single = single
        outs = [outs] if single else list(outs)
        return tuple(o._data for o in outs)

    @staticmethod
    def backward(ctx, *grads):
        fn = ctx.fn
        with pause():
            in_grads = fn.backward(*[_new(g, fn._in_ctx) for g in grads])
        if isinstance(in_grads, NDArray):
            in_grads = [in_grads]
        return (None, *[None if g is None else g._data for g in in_grads])


class Function:
    """User-defined differentiable function (MXNet's ``autograd.Function``).

    Override ``forward(self, *inputs)`` and ``backward(self, *output_grads)``;
    ``backward`` returns one gradient per input.

    Examples
    --------
    >>> import neogluon as mx
    >>> class Sigmoid(mx.autograd.Function):
    ...     def forward(self, x):
    ...         y = 1 / (1 + mx.nd.exp(-x))
    ...         self.save_for_backward(y)
    ...         return y
    ...     def backward(self, dy):
    ...         y, = self.saved_tensors
    ...         return dy * y * (1 - y)
    """

    def __init__(self) -> None:
        self._used = False
        self._single = True
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *args) -> None:
        self.saved_tensors = args

    def forward(self, *inputs):
        raise NotImplementedError("Function subclasses must define forward()")

    def backward(self, *output_grads):
        raise NotImplementedError("Function subclasses must define backward()")

    def __call__(self, *inputs: NDArray):
        if self._used:
            raise MXNetError(
                "Each autograd.Function instance can only be called once; create a "
                "new instance for each call."
            )
        self._used = True
        # The Context (e.g. cpu(1)) of the wrapped tensors and the outputs.
        self._in_ctx = inputs[0]._ctx if inputs else None
        if _flags.recording:
            outs = _TorchFunction.apply(self, *[x._data for x in inputs])
        else:
            with pause(_flags.training):
                res = self.forward(*inputs)
            return res
        arrs = [_new(t, self._in_ctx) for t in outs]
        return arrs[0] if self._single else arrs
