"""The ``NDArray`` class: one torch.Tensor with MXNet's semantics.

This is the class itself (attributes, conversion, copies, ``reshape``, the
indexing entry points), its one result constructor :func:`_new` and its one
grad-mode guard :func:`_grad_off`. The rest of the array lives beside it:
arithmetic dunders (``_arith.py``, from the operator table), MXNet indexing
(``_indexing.py``), ``invoke`` and its errors (``_invoke.py``), fluent methods
(``_fluent.py``) and creation functions (``_creation.py``);
``neogluon.ndarray.ndarray`` gathers them under MXNet's module name.

Nothing is recorded for autograd outside ``autograd.record()``: torch grad mode
is switched off around an op only when one of its inputs requires grad and we
are not recording, so the common case pays nothing for it.

Notes
-----
As in MXNet 1.9.1, ``NDArray`` has no ``__float__``, ``__int__`` or
``__index__``: ``float(x)`` raises ``TypeError``; use :meth:`NDArray.asnumpy` /
:meth:`NDArray.asscalar`. Unlike MXNet's, it has ``__array__``, so numpy
functions (``np.all(x == 1)``, ``np.asarray(x)``) see its values.
"""

from __future__ import annotations

import ctypes
import math
import weakref

import numpy as np
import torch

from .. import _state
from .._dtypes import TORCH_TO_NPTYPE
from .._dtypes import to_torch_dtype
from .._text import fmt_shape_x
from ..base import MXNetError
from ..context import Context
from ..context import _context_of_device
from ..context import checked_torch_device
from ..context import current_context
from ._indexing import getitem_tensor
from ._indexing import is_contiguous_block
from ._indexing import setitem_tensor

_flags = _state.flags
_set_grad = torch._C._set_grad_enabled
_grad_enabled = torch.is_grad_enabled


def _as_context(ctx) -> Context:
    """``ctx`` (Context, ``'cpu(1)'``, torch.device or None) as a Context."""
    if isinstance(ctx, Context):
        return ctx
    if ctx is None:
        return current_context()
    if isinstance(ctx, str):
        name, _, rest = ctx.partition("(")
        idx = int(rest.rstrip(")")) if rest else 0
        return Context(name, idx)
    if isinstance(ctx, torch.device):
        return _context_of_device(ctx)
    raise TypeError(f"expected a Context such as mx.cpu() or mx.gpu(0), got {ctx!r}")


def _ctx_tag(ctx: Context, dev: torch.device) -> Context | None:
    """What an array on ``dev`` stores as ``_ctx``: None when ``ctx`` is the
    Context ``dev`` maps to (derived on demand), else ``ctx`` (e.g. ``cpu(1)``)."""
    return None if _context_of_device(dev) == ctx else ctx


def _resolve_ctx(ctx) -> tuple[torch.device, Context | None]:
    """The device to allocate on for ``ctx`` and the ``_ctx`` tag to store.

    ``None`` means the current context (``with mx.cpu(1):``), as in MXNet.
    """
    c = current_context() if ctx is None else _as_context(ctx)
    dev = checked_torch_device(c)
    return dev, _ctx_tag(c, dev)


def _attr_ctx_tag(attrs: dict, res) -> Context | None:
    """The ``_ctx`` tag of an input-less op's output from its ``ctx`` attribute."""
    c = attrs.get("ctx", None)
    if not isinstance(res, torch.Tensor):
        return None
    if c is None or c == "":
        c = current_context()
    try:
        ctx = _as_context(c)
    except (TypeError, ValueError):
        return None
    return _ctx_tag(ctx, res.device)


#: Element count from which ``asnumpy`` copies with ``np.copyto``.
_BIG_COPY = 1 << 16


class NDArray:
    """An n-dimensional array on a device, with MXNet 1.x semantics.

    Wraps one ``torch.Tensor`` (see :meth:`to_torch`). Create arrays with
    :func:`array`, :func:`zeros`, :func:`ones`, ...

    Parameters
    ----------
    handle : torch.Tensor, NDArrayHandle or None
        The tensor to wrap (shared, not copied). ``None`` makes an empty
        placeholder, as ``NDArray(None)`` does in MXNet's unpickling. An
        ``NDArrayHandle`` (``ctypes.c_void_p`` or int) passed to a monitor
        callback gives an array sharing the monitored array's data while that
        callback runs (see :mod:`neogluon.symbol._monitor`); any other handle
        raises MXNetError.
    writable : bool, default True
        Kept for MXNet compatibility; every neogluon array is writable.

    Examples
    --------
    >>> import neogluon as mx
    >>> x = mx.nd.array([[1, 2], [3, 4]])
    >>> (x * 2).asnumpy()
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __slots__ = ("_data", "_ag", "_ctx", "__weakref__")
    # numpy defers to our reflected operators (ndarray + NDArray -> __radd__),
    # as with MXNet's NDArray; numpy functions (``np.all(x == 1)``,
    # ``np.exp(x)``) see the values through ``__array__``.
    __array_priority__ = 1000.0

    def __init__(self, handle: torch.Tensor | None = None, writable: bool = True):
        ctx = None
        if handle is None:
            handle = torch.empty((0,))
        elif not isinstance(handle, torch.Tensor):
            if isinstance(handle, (ctypes.c_void_p, int)) and not isinstance(
                handle, bool
            ):
                from ..symbol._monitor import resolve_handle

                lent = resolve_handle(handle)
                handle, ctx = lent._data, lent._ctx
            else:
                raise TypeError(
                    "NDArray(...) wraps a torch.Tensor; use mx.nd.array(...) to "
                    f"build an array from {type(handle).__name__}."
                )
        self._data = handle
        self._ag = None  # autograd._AutogradInfo once marked as a variable
        self._ctx = ctx

    # ------------------------------------------------------------ attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def dtype(self) -> type:
        return TORCH_TO_NPTYPE[self._data.dtype]

    @property
    def size(self) -> int:
        return self._data.numel()

    @property
    def ndim(self) -> int:
        return self._data.dim()

    @property
    def context(self) -> Context:
        # ``_ctx`` is set only when the Context differs from the one the torch
        # device maps to (e.g. ``cpu(1)``: torch has a single CPU device).
        ctx = self._ctx
        if ctx is None:
            return _context_of_device(self._data.device)
        return ctx

    ctx = context

    @property
    def stype(self) -> str:
        return "default"

    @property
    def writable(self) -> bool:
        return True

    @property
    def handle(self) -> torch.Tensor:
        return self._data

    @property
    def grad(self) -> NDArray | None:
        ag = self._ag
        return None if ag is None else ag.grad

    @property
    def _fresh_grad(self) -> bool:
        ag = self._ag
        return False if ag is None else ag.fresh

    @_fresh_grad.setter
    def _fresh_grad(self, state: bool) -> None:
        if self._ag is not None:
            self._ag.fresh = bool(state)

    @property
    def T(self) -> NDArray:
        """Full reverse transpose (a copy); arrays with ndim < 2 return self."""
        t = self._data
        if t.dim() < 2:
            return self
        return _new(_call1(_reverse_transpose, t), self._ctx)

    @staticmethod
    def _basic_indexing_slice_is_contiguous(slc_key, shape) -> bool:
        """Whether slicing ``shape`` with ``slc_key`` (one slice per axis)
        selects one contiguous block, i.e. basic indexing gives a view
        (MXNet's private helper, used by its tests)."""
        return is_contiguous_block(list(slc_key), tuple(shape))

    # ------------------------------------------------------------ conversion
    def asnumpy(self) -> np.ndarray:
        """A numpy copy of the data (blocking, same dtype; bfloat16 -> float32)."""
        t = self._data.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        if t.device.type != "cpu":
            return t.cpu().numpy()
        a = t.numpy()
        if a.size < _BIG_COPY:
            return a.copy()
        # numpy's ndarray.copy() of a large array that views torch memory runs
        # about 4x slower than copying into a fresh array (0.8 s against 3.5 s
        # for the 512 MB arrays of MXNet's own pooling tests).
        out = np.empty(a.shape, a.dtype)
        np.copyto(out, a)
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """numpy's view of the values (``np.asarray(x)``, ``np.all(x == 1)``).

        MXNet 1.9.1's NDArray has no ``__array__``, so numpy functions iterate
        it element by element and return nested object arrays; here they get
        the values. ``copy=False`` shares memory where that is possible.
        """
        if copy is False:
            t = self._data.detach()
            if t.device.type != "cpu" or t.dtype == torch.bfloat16:
                raise ValueError(
                    f"np.asarray(copy=False): an NDArray on {self.context} with "
                    f"dtype {self.dtype} cannot be viewed without a copy."
                )
            arr = t.numpy()
        else:
            arr = self.asnumpy()
        if dtype is not None and arr.dtype != dtype:
            if copy is False:
                raise ValueError(
                    f"np.asarray(copy=False, dtype={dtype}): the NDArray holds "
                    f"{arr.dtype}, a cast needs a copy."
                )
            arr = arr.astype(dtype)
        return arr

    def asscalar(self):
        """The value of a size-1 array as a numpy scalar (e.g. ``np.float32``)."""
        if self._data.numel() != 1:
            raise ValueError(
                f"The current array is not a scalar: asscalar() needs size 1, got "
                f"shape {self.shape}. Index or reduce it first, e.g. x.sum()."
            )
        return self.asnumpy().reshape(-1)[0]

    def to_torch(self) -> torch.Tensor:
        """The underlying ``torch.Tensor`` (zero-copy, shares memory)."""
        return self._data

    def wait_to_read(self) -> None:
        """Block until the array's value is computed (torch is eager; GPUs sync)."""
        if self._data.is_cuda:
            torch.cuda.current_stream(self._data.device).synchronize()

    def wait_to_write(self) -> None:
        """Block until pending work on the array is done."""
        self.wait_to_read()

    def to_dlpack_for_read(self):
        """A DLPack capsule sharing this array's memory."""
        return torch.utils.dlpack.to_dlpack(self._data.detach())

    def to_dlpack_for_write(self):
        """A DLPack capsule sharing this array's memory (writes are visible)."""
        return torch.utils.dlpack.to_dlpack(self._data.detach())

    def __dlpack__(self, *args, **kwargs):
        return self._data.detach().__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def as_nd_ndarray(self) -> NDArray:
        return self

    def slice_assign(self, rhs: NDArray, begin, end, step) -> NDArray:
        """Write ``rhs`` into the ``begin:end:step`` box of this array, in place;
        returns this array. ``begin``/``end``/``step`` are tuples (None entries:
        the whole axis / step 1), as for ``nd.slice``."""
        from . import _internal

        return _internal._slice_assign(
            self, rhs, begin=begin, end=end, step=step, out=self
        )

    def slice_assign_scalar(self, value, begin, end, step) -> NDArray:
        """Fill the ``begin:end:step`` box of this array with ``value`` (cast to
        this dtype), in place; returns this array."""
        from . import _internal

        return _internal._slice_assign_scalar(
            self, scalar=value, begin=begin, end=end, step=step, out=self
        )

    def as_np_ndarray(self):
        """The same data as an ``mx.np.ndarray`` (no copy; the autograd
        variable and its gradient buffer are shared)."""
        from ._np import as_np

        return as_np(self)

    def tostype(self, stype: str) -> NDArray:
        """Storage conversion: ``'default'`` returns the array itself, ``'csr'``
        (2-D) and ``'row_sparse'`` a sparse copy (``nd.sparse.cast_storage``)."""
        if stype == "default":
            return self
        from .sparse import cast_storage

        return cast_storage(self, stype=stype)

    # ------------------------------------------------------------ copies
    def copy(self) -> NDArray:
        """A deep copy on the same context."""
        return _new(_call1(_clone_t, self._data), self._ctx)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray of the same shape; a sparse one keeps
        its storage type) or onto a Context."""
        if isinstance(other, NDArray):
            if other is self:
                return other
            if other.shape != self.shape:
                raise MXNetError(
                    f"copyto: shape mismatch, source {self.shape} vs destination "
                    f"{other.shape}."
                )
            if other.stype != "default":
                from .sparse import _assign

                _assign(other, self)
                return other
            _grad_off(other._data.copy_, self._data)
            return other
        if isinstance(other, (Context, str, torch.device)):
            ctx = _as_context(other)
            dev = checked_torch_device(ctx)
            return _new(self._data.detach().to(dev, copy=True), _ctx_tag(ctx, dev))
        raise TypeError(
            f"copyto does not support type {type(other).__name__}; pass an NDArray "
            "or a Context such as mx.cpu()."
        )

    def as_in_context(self, context) -> NDArray:
        """``self`` when already on ``context`` (no copy), else a copy there."""
        if _as_context(context) == self.context:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def astype(self, dtype, copy: bool = True) -> NDArray:
        """A copy converted to ``dtype``; ``copy=False`` returns self if unchanged."""
        td = to_torch_dtype(dtype)
        t = self._data
        if not copy and td == t.dtype:
            return self
        res = _call1(_cast, t, td)
        if t.requires_grad and not res.requires_grad and _flags.recording:
            from .. import autograd  # a recorded cast to an integer dtype

            autograd.record_integer_cast(t, res)
        return _new(res, self._ctx)

    def detach(self) -> NDArray:
        """The same data, cut from the autograd graph."""
        return _new(self._data.detach(), self._ctx)

    # ------------------------------------------------------------ autograd
    def attach_grad(self, grad_req: str = "write", stype=None) -> None:
        """Allocate a zero gradient buffer and mark this array as a variable."""
        from .. import autograd

        if stype is not None and stype != "default":  # a sparse gradient buffer
            from .sparse import zeros as sparse_zeros

            grad = sparse_zeros(stype, self.shape, ctx=self.context, dtype=self.dtype)
        else:
            grad = _new(torch.zeros_like(self._data), self._ctx)
        autograd.mark_variables([self], [grad], grad_req)

    def backward(
        self, out_grad=None, retain_graph: bool = False, train_mode: bool = True
    ):
        """Back-propagate from this array into the attached gradient buffers."""
        from .. import autograd

        autograd.backward(
            [self],
            None if out_grad is None else [out_grad],
            retain_graph=retain_graph,
            train_mode=train_mode,
        )

    # ------------------------------------------------------------ shape helpers
    def reshape(self, *shape, **kwargs) -> NDArray:
        """Reshape, with MXNet's special codes 0/-1/-2/-3/-4 and ``reverse``.

        Accepts ``reshape(2, 3)``, ``reshape((2, 3))`` and ``reshape(shape=(2,
        3))``. Returns a view sharing memory with ``self`` (as MXNet does).
        """
        reverse = False
        if kwargs:
            reverse = bool(kwargs.pop("reverse", False))
            if "shape" in kwargs:
                if shape:
                    raise TypeError(
                        "reshape() got the shape both positionally and as shape="
                    )
                shape = kwargs.pop("shape")
            if kwargs:
                raise TypeError(
                    f"reshape() got unexpected keyword arguments {sorted(kwargs)}; "
                    "it accepts shape and reverse."
                )
        if len(shape) == 1:
            s0 = shape[0]
            if type(s0) is tuple or not isinstance(s0, (int, np.integer)):
                shape = s0
        t = self._data
        # Fast path: a plain shape of positive ints. Without grad torch
        # reshapes at once (another size it refuses, and MXNet's rules below
        # say why); with grad the size is checked first.
        target = None
        if not reverse:
            for d in shape:
                if type(d) is not int or d <= 0:
                    break
            else:
                if not t.requires_grad:
                    try:
                        res = t.reshape(shape)
                    except RuntimeError:
                        res = None
                    if res is not None:
                        arr = _alloc(NDArray)  # ``_new`` inline (nothing to note)
                        arr._data = res
                        arr._ag = None
                        arr._ctx = self._ctx
                        return arr
                elif math.prod(shape) == t.numel():
                    target = tuple(shape)
        if target is None:
            from ..ops.shape import infer_reshape

            target = infer_reshape(
                tuple(t.shape), tuple(int(d) for d in shape), reverse
            )
        if t.requires_grad:
            if not _flags.recording:
                return _new(_grad_off(t.reshape, target), self._ctx)
            return _new(t.reshape(target), self._ctx)
        arr = _alloc(NDArray)  # ``_new`` inline (nothing to note)
        arr._data = t.reshape(target)
        arr._ag = None
        arr._ctx = self._ctx
        return arr

    def __len__(self) -> int:
        t = self._data
        if t.dim() == 0:
            raise IndexError("len() of a 0-d NDArray (shape ()) is undefined")
        return t.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        n = self._data.numel()
        if n == 0:
            return False
        if n == 1:
            return bool(self._data.reshape(-1)[0].item())
        raise ValueError(
            "The truth value of an NDArray with multiple elements is ambiguous."
        )

    def __repr__(self) -> str:
        return (
            f"\n{self.asnumpy()}\n<{type(self).__name__} {fmt_shape_x(self.shape)} "
            f"@{self.context}>"
        )

    # ------------------------------------------------------------ pickling
    def __getstate__(self):
        from .serialization import dumps_array

        return {"handle": bytearray(dumps_array(self))}

    def __setstate__(self, state):
        from .serialization import loads_array

        handle = state.get("handle")
        self._ag = None
        self._ctx = None
        if handle is None:
            self._data = torch.empty((0,))
            return
        loaded = loads_array(bytes(handle))
        self._data = loaded._data
        self._ctx = loaded._ctx

    def __reduce__(self):
        # Same form as MXNet (class, (None,), state) so pickles interoperate.
        return NDArray, (None,), self.__getstate__()

    # ------------------------------------------------------------ indexing
    def __getitem__(self, key) -> NDArray:
        t = self._data
        # MXNet's fast paths: an int on axis 0 and a step-1 slice are views;
        # ``x[:]`` and ``x[()]`` return the array itself.
        if type(key) is int and t.dim() > 1 and not t.requires_grad:
            arr = _alloc(NDArray)  # ``_new`` inline (nothing to note)
            arr._data = t[key]  # torch raises IndexError when out of range
            arr._ag = None
            arr._ctx = self._ctx
            return arr
        if type(key) is int:
            n = t.shape[0] if t.dim() else 0
            if not -n <= key < n:
                raise IndexError(
                    f"index {key} is out of bounds for axis 0 with size {n}"
                )
            if t.dim() == 1:
                return _new(_call1(_narrow0, t, key), self._ctx)
            return _new(_call1(_select0, t, key), self._ctx)
        if type(key) is slice and key.step is None:
            if key.start is None and key.stop is None:
                return self
            res = t[key] if not t.requires_grad else _call1(_slice0, t, key)
            return _new(res, self._ctx)
        if type(key) is tuple and len(key) == 0:
            return self
        return _new(_call1(getitem_tensor, t, _unwrap(key)), self._ctx)

    def __setitem__(self, key, value) -> None:
        t = self._data
        key = _unwrap(key)
        if isinstance(value, NDArray):
            value = value._data
        if t.requires_grad and not _flags.recording:
            _grad_off(setitem_tensor, t, key, value)
        else:
            if _flags.recording:
                check_recorded_write(t, value)
            setitem_tensor(t, key, value)

    # ------------------------------------------------------------ operators
    # Arithmetic, comparison, unary and in-place dunders (``+ - * / % **``,
    # ``== != < <= > >=``, reflected forms, ``-x``, ``abs``, ``+=``...) come
    # from the operator table (``ops/optable.py``), installed by ``_arith.py``.
    __hash__ = object.__hash__

    # MXNet's module path (the class lives in ``_core``; pickles and
    # ``type(x).__module__`` name ``neogluon.ndarray.ndarray``, as MXNet does).
    __module__ = "neogluon.ndarray.ndarray"


def check_recorded_write(t: torch.Tensor, value) -> None:
    """Refuse ``x[key] = value`` while recording when ``x`` is an integer or
    bool array and ``value`` is recorded: its gradient would be lost (MXNet
    1.9.1 refuses every such in-place write with this message)."""
    if (
        isinstance(value, torch.Tensor)
        and value.requires_grad
        and not t.is_floating_point()
    ):
        raise MXNetError(
            "Inplace operations (+=, -=, x[:]=, etc) are not supported when "
            "recording with autograd: the target is an array of dtype "
            f"{str(t.dtype).removeprefix('torch.')}, which cannot carry the "
            "gradient of the recorded value written into it. Build a new array "
            "instead (np.where, concatenate) or write outside autograd.record()."
        )


def _new(t: torch.Tensor, ctx: Context | None = None) -> NDArray:
    """Wrap a tensor without checks: the one constructor of every result.

    ``ctx`` is the array's Context when it differs from the one its torch device
    maps to (``cpu(1)``), else None (see :func:`_ctx_tag`).
    """
    arr = _alloc(NDArray)
    arr._data = t
    arr._ag = None
    arr._ctx = ctx
    if t.requires_grad:  # recorded: autograd.backward may detach it later
        note_recorded(arr)
    return arr


def note_recorded(arr: NDArray) -> None:
    """Register ``arr`` (whose tensor requires grad) in :data:`_recorded`.

    Every wrapper of a recorded tensor must be registered, ``mx.np`` views
    included: a backward that frees the graph detaches each one.
    """
    _recorded.append(_weakref(arr))
    if len(_recorded) > _recorded_limit[0]:
        prune_recorded()


_alloc = object.__new__
_weakref = weakref.ref
#: Weak references to the arrays produced while recording. A backward pass
#: without ``retain_graph`` frees its graph; MXNet then treats that graph's
#: outputs as constants in later recordings (d2l's RNN loops carry the hidden
#: state across iterations this way). ``autograd._free_graph`` detaches them.
_recorded: list[weakref.ref] = []
_recorded_limit = [4096]


def prune_recorded(keep=None) -> list[NDArray]:
    """Drop dead references from :data:`_recorded` (and those ``keep`` rejects);
    returns the live arrays kept."""
    live = []
    refs = []
    for ref in _recorded:
        arr = ref()
        if arr is not None and arr._data.requires_grad and (keep is None or keep(arr)):
            live.append(arr)
            refs.append(ref)
    _recorded[:] = refs
    _recorded_limit[0] = max(4096, 2 * len(refs))
    return live


def _unwrap(key):
    """An index key with its NDArrays replaced by their tensors."""
    if type(key) is tuple:
        return tuple(k._data if isinstance(k, NDArray) else k for k in key)
    return key._data if isinstance(key, NDArray) else key


# ---------------------------------------------------------------- grad guard
def _grad_off(fn, *args, **kwargs):
    """Run ``fn`` with torch grad mode off: the one grad-mode guard.

    An eager op outside ``autograd.record()`` whose input requires grad (an
    attached variable, a Parameter) must not build a torch graph; callers test
    that cheaply and call this only then.
    """
    prev = _grad_enabled()
    _set_grad(False)
    try:
        return fn(*args, **kwargs)
    finally:
        _set_grad(prev)


def _call1(fn, t: torch.Tensor, *args):
    """Run ``fn(t, *args)``, recording for autograd only inside ``record()``."""
    if t.requires_grad and not _flags.recording:
        return _grad_off(fn, t, *args)
    return fn(t, *args)


def _run(fn, *args, **kwargs):
    """Run ``fn`` with torch grad mode on only while ``autograd.record()``."""
    if _flags.recording:
        return fn(*args, **kwargs)
    return _grad_off(fn, *args, **kwargs)


def _clone_t(t: torch.Tensor) -> torch.Tensor:
    return t.clone(memory_format=torch.contiguous_format)


def _clone(t: torch.Tensor) -> torch.Tensor:
    return _call1(_clone_t, t)


def _cast(t: torch.Tensor, td: torch.dtype) -> torch.Tensor:
    return t.to(td, copy=True)


def _reverse_transpose(t: torch.Tensor) -> torch.Tensor:
    return t.permute(*range(t.dim() - 1, -1, -1)).contiguous()


def _narrow0(t, i):
    return t.narrow(0, i if i >= 0 else i + t.shape[0], 1)


def _select0(t, i):
    return t.select(0, i)


def _slice0(t, key):
    return t[key]
