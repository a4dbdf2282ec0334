"""``mx.autograd``: MXNet's recording scopes and gradient buffers on torch autograd.

Nothing is recorded outside :func:`record`: operators run with torch grad mode
off unless recording. Variables (arrays given ``attach_grad`` or marked with
:func:`mark_variables`) own a gradient buffer that ``backward`` overwrites
(``grad_req='write'``), accumulates into (``'add'``) or leaves alone
(``'null'``).
"""

from __future__ import annotations

import threading
import weakref

import torch
from torch.overrides import TorchFunctionMode

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

    __slots__ = ("_rec", "_train", "_prev_rec", "_prev_train", "_prev_grad", "_mode")

    def __init__(self, is_record: bool | None, train_mode: bool | None) -> None:
        self._rec = is_record
        self._train = train_mode
        self._prev_rec = None
        self._prev_train = None
        self._prev_grad = None
        self._mode = None

    def __enter__(self) -> _RecordingStateScope:
        if self._rec is not None:
            self._prev_rec = set_recording(self._rec)
            self._prev_grad = torch.is_grad_enabled()
            torch.set_grad_enabled(self._rec)
            if self._rec and _shadowed:  # integer/bool variables are alive
                self._mode = _enter_shadow_mode()
        if self._train is not None:
            self._prev_train = set_training(self._train)
        return self

    def __exit__(self, *exc) -> None:
        if self._rec is not None:
            set_recording(self._prev_rec)
            torch.set_grad_enabled(self._prev_grad)
            if self._mode is not None or _shadow_tls.orphan is not None:
                _exit_shadow_mode(self._mode)
                self._mode = None
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
            if t.is_floating_point():
                # a 'null' variable is tracked too, so that backward can tell
                # whether the graph used it (its gradient buffer is then dropped)
                t.requires_grad_(True)
            elif req != "null":
                _attach_shadow(var, t)
            var._data = t
        var._ag = _AutogradInfo(g, req)
        _register_variable(var)


def _input_tensor(var: NDArray):
    """The tensor torch differentiates for variable ``var``: its data, or
    the leaf of a sparse array (None when it has none)."""
    if isinstance(var, BaseSparseNDArray):
        return var._leaf
    t = var._data
    if not t.requires_grad:
        t = getattr(t, _SHADOW, t)  # an integer/bool variable: its float shadow
    return t


def _head_tensor(head: NDArray) -> torch.Tensor:
    """The recorded tensor of ``head`` (a sparse head's graph tensor)."""
    if isinstance(head, BaseSparseNDArray):
        with torch.enable_grad():
            t = head._graph_tensor()
        if t is not None:
            return t
    t = head._data
    if not t.requires_grad:
        t = getattr(t, _SHADOW, t)  # an integer/bool head: its float shadow
    return t


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
        if not t.requires_grad and not (t.is_floating_point() or t.is_complex()):
            # An integer/bool head without a shadow (a comparison, argmax):
            # its gradient is zero everywhere, as MXNet returns it.
            continue
        if not t.requires_grad:
            if getattr(t, _CONSUMED, False):
                raise MXNetError(_SECOND_PASS)
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
        gs.append(g if g.dtype == t.dtype else g.to(t.dtype))
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
    if not ts:  # integer/bool heads only: zero gradients, nothing to add
        return
    # Gradients are computed for the variables these heads reach and returned,
    # not accumulated into torch's shared ``.grad`` fields: a backward in one
    # thread never touches the buffers of variables another thread is using
    # (MXNet keeps its autograd state per thread, so must we).
    variables = []
    inputs = []
    index: dict[int, int] = {}
    slots = []
    nulls = []  # 'null' variables: MXNet drops their buffer when the graph used them
    for v in _live_variables():
        t = _input_tensor(v)
        if t is None or not t.requires_grad or v._ag is None or v._ag.grad is None:
            continue
        if v._ag.grad_req == "null":
            nulls.append((v, t))
            continue
        k = index.get(id(t))
        if k is None:
            k = index[id(t)] = len(inputs)
            inputs.append(t)
        variables.append(v)
        slots.append(k)
    n_real = len(inputs)
    inputs.extend(t for _, t in nulls)
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
    used = []
    if nulls:
        used = [
            v for (v, _), g in zip(nulls, res[n_real:], strict=True) if g is not None
        ]
    if used and all(g is None for g in res[:n_real]):
        raise MXNetError(
            "backward: there are no inputs in the computational graph that require "
            f"gradients (the {len(used)} variable(s) it uses have grad_req='null'); "
            "call attach_grad() with grad_req 'write' or 'add' on an input first."
        )
    if not retain_graph:
        _free_graph(ts, _as_list(heads))
        for v in used:  # MXNet clears a used 'null' variable's gradient
            v._ag.grad = None
    # Gradients given by the user must not become a buffer (nor may a view of
    # them): their storages are excluded from adoption.
    keep: set[int] = set()
    if head_grads is not None:
        keep = {g.untyped_storage().data_ptr() for g in gs}
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
            if g.dtype != buf.dtype:  # an integer/bool variable (float shadow)
                g = g.to(buf.dtype)
            if ag.grad_req == "add":
                buf.add_(g)
            elif id(g) not in adopted and _can_adopt(g, buf, keep):
                # 'write': adopt torch's fresh gradient tensor instead of copying
                # it; the gradient NDArray object (what users and Trainer hold)
                # stays the same. A tensor given to two variables (``a + b``)
                # is adopted by the first one only. A view becomes a plain
                # tensor (torch forbids writing a recorded value into a view
                # made in no-grad mode, and users write into gradients).
                ag.grad._data = g.detach() if g._is_view() else g
                adopted.add(id(g))
            else:
                buf.copy_(g)
            ag.fresh = True


_FREED_MESSAGE = (
    "Trying to backward through the graph a second time: its buffers have already "
    "been freed"
)


def _graph_freed(_grads):
    raise RuntimeError(_FREED_MESSAGE)


#: attribute marking the detached tensor of a head whose graph a backward
#: pass consumed: backward() from it again raises the "second time" error
_CONSUMED = "_neogluon_consumed"


def _free_graph(heads: list, arrays=()) -> None:
    """Mark the graphs of ``heads`` (tensors; ``arrays`` the head arrays) as
    consumed, as MXNet frees a graph after a backward pass without
    ``retain_graph``.

    torch frees only the buffers its nodes saved, so a second pass through
    nodes that saved nothing (``y = x + 1``) would succeed; MXNet fails it. A
    head array becomes a constant marked consumed (another backward from it
    raises, a later recording that uses it sees a constant, as in MXNet); a
    head without an array of its own (an integer head's shadow, a sparse
    head's graph tensor) gets a pre-hook on its node that fails any later
    pass through it. Every other live array computed by the freed graph is
    detached too: a later recording that uses it sees a constant, as MXNet's
    does (gradients do not flow back into a consumed graph).
    """
    own = {id(a._data): a for a in arrays if isinstance(a, NDArray)}
    stack = []
    consumed: dict[int, torch.Tensor] = {}  # id(head tensor) -> its constant
    hooked = set()
    for t in heads:
        node = t.grad_fn
        if node is None:
            continue
        stack.append(node)
        arr = own.get(id(t))
        if arr is None or isinstance(arr, BaseSparseNDArray):
            node.register_prehook(_graph_freed)
            hooked.add(id(t))
        elif id(t) not in consumed:
            const = t.detach()
            setattr(const, _CONSUMED, True)
            consumed[id(t)] = const
            arr._data = const

    def keep(arr) -> bool:
        const = consumed.get(id(arr._data))
        if const is not None:  # another wrapper of a head's tensor
            arr._data = const
            return False
        return id(arr._data) not in hooked

    # Every other live array computed with the freed nodes becomes a constant
    # for later recordings, as in MXNet (an LSTM's final state, a sibling
    # output of the node that produced the loss, included). Leaf nodes
    # (variables) are shared by every graph and are not part of the freed set.
    live = prune_recorded(keep)
    sparse = [a for a in recorded_sparse() if id(a._graph) not in hooked]
    if not live and not sparse:  # the usual training step: nothing outlives it
        return
    # A node inside an operator that only transforms one variable (the weight
    # transpose F.linear records) belongs to every graph using that variable,
    # as the variable does: MXNet's operators take the weight directly. Nodes
    # that made an array the user holds are freed whatever their inputs.
    owners = {arr._data.grad_fn for arr in live}
    owners.update(sp._graph.grad_fn for sp in sparse)
    freed = {n for n in _graph_nodes(stack) if n in owners or not _of_one_variable(n)}
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


#: torch autograd nodes of views (no computation) that operators record on
#: their weights (F.linear's transpose).
_VIEW_NODES = (
    "TBackward",
    "TransposeBackward",
    "PermuteBackward",
    "ViewBackward",
    "UnsafeViewBackward",
    "ReshapeAliasBackward",
    "ExpandBackward",
    "UnsqueezeBackward",
    "SqueezeBackward",
)


def _of_one_variable(node) -> bool:
    """Whether ``node`` is a chain of view nodes ending at a variable
    (``AccumulateGrad``): a transpose or reshape of one leaf."""
    while True:
        if not node.name().startswith(_VIEW_NODES):
            return False
        inputs = [m for m, _ in node.next_functions if m is not None]
        if len(inputs) != 1:
            return False
        node = inputs[0]
        if not node.next_functions:  # AccumulateGrad of a leaf
            return hasattr(node, "variable")


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


#: the number of tensors (and storage objects) holding a storage; None on a
#: torch without it: gradients are then always copied.
_storage_use_count = getattr(torch._C, "_storage_Use_Count", None)
#: attribute marking a tensor a user's ``Function.backward`` returned
_USER_GRAD = "_neogluon_user_grad"


def _can_adopt(g: torch.Tensor, buf: torch.Tensor, keep) -> bool:
    """Whether gradient ``g`` from the engine can replace buffer ``buf``.

    Only a tensor nothing else can reach may become a gradient buffer, which
    the optimizer and the user then write in place: one the backward pass
    created (F.linear's weight gradient arrives as the transposed view of a
    fresh matrix, a bias gradient as a view of a fresh sum), not a user's
    head gradient passed through (``x + 0``, a reshape: storages in
    ``keep``), not what a user's :class:`Function` returned, not a tensor
    sharing its storage with another (the slices ``concat``'s backward
    makes).
    """
    if not (
        g.dtype == buf.dtype
        and g.device == buf.device
        and g.shape == buf.shape
        and g.layout == torch.strided
        and g.is_contiguous()
        and not g._is_zerotensor()
        and _storage_use_count is not None
    ):
        return False
    st = g.untyped_storage()
    if st.data_ptr() in keep or st.nbytes() != g.numel() * g.element_size():
        return False  # a user's gradient, or part of a larger allocation
    if g._is_view():
        # Held by g, its base and ``st``; a base that a user's Function returned
        # may still be held by the user.
        base = g._base
        return (
            _storage_use_count(st._cdata) == 3
            and g._use_count() == 1
            and not getattr(g, _USER_GRAD, False)
            and not getattr(base, _USER_GRAD, False)
        )
    # Held by g and ``st``; g itself by its Python object only (no graph
    # saved it).
    return (
        _storage_use_count(st._cdata) == 2
        and g._use_count() == 1
        and not getattr(g, _USER_GRAD, False)
    )


_SECOND_PASS = (
    "Backward was called a second time on a graph whose buffers were already "
    "freed. Pass retain_graph=True to the first backward() to back-propagate "
    "through the same graph again."
)


def _backward_error(err: RuntimeError) -> MXNetError:
    msg = str(err)
    if "second time" in msg or "already been freed" in msg:
        return MXNetError(_SECOND_PASS)
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
    if not ts:  # integer/bool heads only: zero gradients
        return [_new(torch.zeros_like(v._data), v._ctx) for v in var_list]
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
        _free_graph(ts, _as_list(heads))
    out = []
    for v, g in zip(var_list, res, strict=True):
        if g is None or g._is_zerotensor():
            # torch's "unused" and its lazy ZeroTensor (the derivative of
            # abs' gradient, say) are plain zeros to an MXNet user.
            g = torch.zeros(v.shape, dtype=v._data.dtype,
                            device=_input_tensor(v).device)  # fmt: skip
        elif g.layout != torch.strided:  # Embedding(sparse_grad) or a sparse leaf
            g = g.to_dense()
        if g.dtype != v._data.dtype:  # an integer/bool variable (float shadow)
            g = g.to(v._data.dtype)
        if create_graph and not g.requires_grad and g.is_floating_point():
            # A recorded gradient is part of the graph in MXNet even when it
            # does not depend on the variables (radians: a constant factor):
            # differentiating it again gives zeros, not "not in a graph".
            g.requires_grad_(True)
        out.append(_new(g, v._ctx))
    return out


# ------------------------------------------------- integer and bool variables
# MXNet 1.9.1 lets ``attach_grad()`` mark integer and bool arrays and returns
# their gradients in the array's own dtype (the gradient of ``x.T`` is ones,
# of ``x * 2`` twos, of ``np.round(x)`` zeros). torch autograd differentiates
# floating-point tensors only, so such a variable records through a float64
# *shadow*: the variable's tensor carries it as an attribute, and while
# recording (and only while such a variable is alive) a torch function mode
# runs every torch call that reads a shadowed tensor a second time on the
# shadows. An integer result gets the shadow result (pinned to the real
# values); a floating-point result is replaced by it, so later float
# operators record as usual. ``backward`` starts from the heads' shadows and
# casts each gradient to the variable's dtype (truncating, as MXNet's integer
# kernels do). Float variables never take this path.

_SHADOW = "_neogluon_shadow"
# id(array) -> weak reference: the live integer/bool variables.
_shadowed: dict[int, weakref.ref] = {}


class _ShadowTLS(threading.local):
    def __init__(self) -> None:
        self.active = None  # the shadow mode pushed on this thread
        self.orphan = None  # pushed by attach_grad() inside record()


_shadow_tls = _ShadowTLS()
_INPLACE_DUNDERS = frozenset(
    (
        "__setitem__",
        "__iadd__",
        "__isub__",
        "__imul__",
        "__itruediv__",
        "__ifloordiv__",
        "__imod__",
        "__ipow__",
        "__iand__",
        "__ior__",
        "__ixor__",
        "__ilshift__",
        "__irshift__",
        "__imatmul__",
    )
)


def _attach_shadow(var: NDArray, t: torch.Tensor) -> None:
    """Give the integer/bool tensor ``t`` of variable ``var`` a float shadow."""
    setattr(t, _SHADOW, t.to(torch.float64).requires_grad_(True))
    key = id(var)

    def _drop(_ref, key=key):
        _shadowed.pop(key, None)

    _shadowed[key] = weakref.ref(var, _drop)
    if _flags.recording and _shadow_tls.active is None:
        _shadow_tls.orphan = _enter_shadow_mode()


def record_integer_cast(src: torch.Tensor, res: torch.Tensor) -> None:
    """``res``, an integer/bool cast of the recorded float tensor ``src``,
    carries ``src``'s gradient path (MXNet's ``astype`` passes gradients into
    and out of integer arrays); the shadow mode stays on for the rest of the
    recording so that operators on ``res`` are recorded too."""
    setattr(res, _SHADOW, _Pin.apply(src.to(torch.float64), res))
    if _shadow_tls.active is None:
        _shadow_tls.orphan = _enter_shadow_mode()


def _enter_shadow_mode():
    """Push the shadow mode on this thread (None when it is already active);
    each variable's shadow first takes the variable's current values."""
    if _shadow_tls.active is not None:
        return None
    with torch.no_grad():
        for ref in list(_shadowed.values()):
            var = ref()
            if var is None or var._ag is None or var._ag.grad_req == "null":
                continue
            t = var._data
            s = getattr(t, _SHADOW, None)
            if s is None:
                if not t.is_floating_point():  # the array's tensor was replaced
                    setattr(t, _SHADOW, t.to(torch.float64).requires_grad_(True))
            elif s.is_leaf and s.shape == t.shape:
                s.copy_(t)
    mode = _ShadowMode()
    mode.__enter__()
    _shadow_tls.active = mode
    return mode


def _exit_shadow_mode(mode) -> None:
    if mode is None:
        mode = _shadow_tls.orphan
        if mode is None or _flags.recording:  # still inside an outer record()
            return
        _shadow_tls.orphan = None
    mode.__exit__(None, None, None)
    _shadow_tls.active = None


class _Pin(torch.autograd.Function):
    """The values of an integer result with the gradient path of its shadow."""

    @staticmethod
    def forward(ctx, shadow, real):
        return real.to(shadow.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _has_tensor(out) -> bool:
    if isinstance(out, torch.Tensor):
        return True
    return isinstance(out, (tuple, list)) and any(
        isinstance(o, torch.Tensor) for o in out
    )


def _reads_shadow(args) -> bool:
    for a in args:
        if isinstance(a, torch.Tensor):
            if hasattr(a, _SHADOW):
                return True
        elif isinstance(a, (tuple, list)) and _reads_shadow(a):
            return True
    return False


def _substitute(x, level: int):
    """``x`` with shadowed tensors replaced by their shadows; from level 1 other
    float tensors, from level 2 every other tensor too, as float64 (for torch
    functions that refuse mixed dtypes)."""
    if isinstance(x, torch.Tensor):
        s = getattr(x, _SHADOW, None)
        if s is not None:
            return s
        if level >= 2 or (level == 1 and x.is_floating_point()):
            return x.to(torch.float64)
        return x
    if isinstance(x, (tuple, list)):
        return type(x)(_substitute(a, level) for a in x)
    return x


def _merge(real, shadow):
    """``real`` (the torch call's result) with the shadow result attached."""
    if isinstance(real, torch.Tensor):
        if (
            not isinstance(shadow, torch.Tensor)
            or not shadow.requires_grad
            or shadow.shape != real.shape
            or hasattr(real, _SHADOW)  # an input returned as it is
        ):
            return real
        if real.is_floating_point() or real.is_complex():
            return shadow if shadow.dtype == real.dtype else shadow.to(real.dtype)
        setattr(real, _SHADOW, _Pin.apply(shadow, real))
        return real
    if (
        isinstance(real, (tuple, list))
        and isinstance(shadow, (tuple, list))
        and len(real) == len(shadow)
    ):
        items = [_merge(r, s) for r, s in zip(real, shadow, strict=True)]
        if isinstance(real, list):
            return items
        try:
            return type(real)(items)
        except TypeError:
            return tuple(items)
    return real


# Dtype conversions: the gradient passes through them unchanged (MXNet's
# ``astype``), also from a float array into an integer one.
_CASTS = frozenset(
    ("to", "type", "type_as", "int", "long", "short", "char", "byte", "bool")
    + ("float", "double", "half", "bfloat16")
)


def _cast_result(out: torch.Tensor, src) -> torch.Tensor:
    if not isinstance(src, torch.Tensor) or out is src:
        return out
    s = getattr(src, _SHADOW, None)
    if s is None:
        if not src.requires_grad:
            return out
        s = src
    if out.is_floating_point():
        return out if out.requires_grad else s.to(out.dtype)
    setattr(out, _SHADOW, _Pin.apply(s.to(torch.float64), out))
    return out


# Integer operators whose gradient MXNet 1.9.1 defines as zero (its integer
# ``mod`` backward; rounding).
_INT_CONSTANT = frozenset(
    ("remainder", "fmod", "floor_divide", "__mod__", "__rmod__", "__floordiv__")
    + ("__rfloordiv__", "round", "floor", "ceil", "trunc", "sign")
)


class _ShadowMode(TorchFunctionMode):
    """Runs torch calls that read a shadowed tensor again on the shadows."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        out = func(*args, **kwargs)
        if not _has_tensor(out) or not torch.is_grad_enabled():
            return out
        name = getattr(func, "__name__", "")
        if (
            "out" in kwargs
            or (name.endswith("_") and not name.endswith("__"))
            or name in _INPLACE_DUNDERS
        ):
            return out
        if name in _CASTS and isinstance(out, torch.Tensor):
            return _cast_result(out, args[0] if args else None)
        if (
            name in _INT_CONSTANT
            or kwargs.get("rounding_mode")
            or not (_reads_shadow(args) or _reads_shadow(kwargs.values()))
        ):
            return out
        for level in (0, 1, 2):
            try:
                shadow = func(
                    *_substitute(args, level),
                    **{k: _substitute(v, level) for k, v in kwargs.items()},
                )
            except Exception:  # noqa: BLE001 - no float form: the result is constant
                continue
            return _merge(out, shadow)
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
        out = [None if g is None else g._data for g in in_grads]
        for t in out:  # the user may hold these: backward() copies them
            if t is not None:
                setattr(t, _USER_GRAD, True)
        return (None, *out)


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
