"""``NDArray``: one torch.Tensor with MXNet's semantics.

The class is a ``__slots__`` wrapper. Operators run eagerly through the operator
registry (``neogluon.ops``); nothing is recorded for autograd outside
``autograd.record()``: torch grad mode is switched off around an op only when
one of its inputs requires grad and we are not recording, so the common case
pays nothing for it.

Notes
-----
As in MXNet 1.9.1, ``NDArray`` has no ``__float__``, ``__int__`` or
``__index__``: ``float(x)`` raises ``TypeError``; use :meth:`NDArray.asnumpy` /
:meth:`NDArray.asscalar`. Unlike MXNet's, it has ``__array__``, so numpy
functions (``np.all(x == 1)``, ``np.asarray(x)``) see its values.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numpy as np
import torch

from .. import _opprof
from .. import _state
from .._dtypes import TORCH_TO_NPTYPE
from .._dtypes import dtype_name
from .._dtypes import to_np_dtype
from .._dtypes import to_torch_dtype
from .._limits import checked_shape
from .._opprof import State as _PROF
from ..base import MXNetError
from ..context import Context
from ..context import _context_of_device
from ..context import checked_torch_device
from ..context import current_context
from ..ops import registry as _reg
from ..ops.elemwise import _mod

__all__ = [
    "NDArray",
    "array",
    "zeros",
    "ones",
    "full",
    "empty",
    "arange",
    "linspace",
    "eye",
    "zeros_like",
    "ones_like",
    "waitall",
    "from_torch",
    "from_numpy",
    "from_dlpack",
    "to_dlpack_for_read",
    "to_dlpack_for_write",
    "concatenate",
    "invoke",
]

_flags = _state.flags
_set_grad = torch._C._set_grad_enabled
_grad_enabled = torch.is_grad_enabled
_Tensor = torch.Tensor
_bool = torch.bool
# MXNet's ``numeric_types`` minus numpy arrays (np.generic covers numpy scalars).
_SCALARS = (float, int, np.generic)


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


def _shape_str(shape) -> str:
    return "x".join(str(d) for d in shape)


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
        return _is_contiguous_block(list(slc_key), tuple(shape))

    # ------------------------------------------------------------ conversion
    def asnumpy(self) -> np.ndarray:
        """A numpy copy of the data (blocking, same dtype; bfloat16 -> float32)."""
        t = self._data.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        if t.device.type != "cpu":
            return t.cpu().numpy()
        return t.numpy().copy()

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
        """The array as an ``mx.np.ndarray``: mx.np is not built yet (planned:
        issue 8); raises MXNetError. Use this NDArray or ``asnumpy()``."""
        raise MXNetError(
            "NDArray.as_np_ndarray is not implemented in neogluon yet: mx.np arrays "
            "(planned: issue 8). Use the NDArray itself or asnumpy() instead."
        )

    def tostype(self, stype: str) -> NDArray:
        """Storage conversion; only ``'default'`` (dense) exists in neogluon."""
        if stype != "default":
            raise MXNetError(
                f"tostype('{stype}'): sparse storage is not supported by neogluon; "
                "only 'default' (dense) storage exists."
            )
        return self

    # ------------------------------------------------------------ copies
    def copy(self) -> NDArray:
        """A deep copy on the same context."""
        return _new(_call1(_clone_t, self._data), self._ctx)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray, same shape) or onto a Context."""
        if isinstance(other, NDArray):
            if other is self:
                return other
            if other.shape != self.shape:
                raise MXNetError(
                    f"copyto: shape mismatch, source {self.shape} vs destination "
                    f"{other.shape}."
                )
            with torch.no_grad():
                other._data.copy_(self._data)
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
        return _new(_call1(_cast, t, td), self._ctx)

    def detach(self) -> NDArray:
        """The same data, cut from the autograd graph."""
        return _new(self._data.detach(), self._ctx)

    # ------------------------------------------------------------ autograd
    def attach_grad(self, grad_req: str = "write", stype=None) -> None:
        """Allocate a zero gradient buffer and mark this array as a variable."""
        from .. import autograd

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
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        t = self._data
        # Fast path: a plain shape of positive ints with the same size.
        n = 1
        for d in shape:
            if type(d) is not int or d <= 0:
                n = -1
                break
            n *= d
        if n == t.numel() and not reverse:
            target = tuple(shape)
        else:
            from ..ops.shape import infer_reshape

            target = infer_reshape(
                tuple(t.shape), tuple(int(d) for d in shape), reverse
            )
        if t.requires_grad and not _flags.recording:
            with torch.no_grad():
                res = t.reshape(target)
        else:
            res = t.reshape(target)
        arr = _alloc(NDArray)
        arr._data = res
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
            f"\n{self.asnumpy()}\n<{type(self).__name__} {_shape_str(self.shape)} "
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
            res = t[key]  # torch raises IndexError when out of range
            arr = _alloc(NDArray)
            arr._data = res
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
            arr = _alloc(NDArray)
            arr._data = res
            arr._ag = None
            arr._ctx = self._ctx
            return arr
        if type(key) is tuple and len(key) == 0:
            return self
        return _new(_call1(_getitem, t, key), self._ctx)

    def __setitem__(self, key, value) -> None:
        t = self._data
        if t.requires_grad and not _flags.recording:
            prev = _grad_enabled()
            _set_grad(False)
            try:
                _setitem(t, key, value)
            finally:
                _set_grad(prev)
        else:
            _setitem(t, key, value)

    # ------------------------------------------------------------ operators
    # Arithmetic and comparison dunders (``+ - * / % **``, ``== != < <= > >=``
    # and reflected forms) are installed by ``_install_operators`` below.
    __hash__ = object.__hash__

    def __neg__(self):
        return _new(_call1(torch.neg, self._data), self._ctx)

    def __abs__(self):
        return _new(_call1(torch.abs, self._data), self._ctx)

    def __iadd__(self, other):
        return _inplace(self, other, torch.add, "+=")

    def __isub__(self, other):
        return _inplace(self, other, torch.sub, "-=")

    def __imul__(self, other):
        return _inplace(self, other, torch.mul, "*=")

    def __itruediv__(self, other):
        return _inplace(self, other, _div, "/=")

    __idiv__ = __itruediv__

    def __imod__(self, other):
        return _inplace(self, other, _mod, "%=")


#: MXNet's operator for ``array <op> scalar`` (profiler range names).
_SCALAR_OP = {
    "broadcast_add": "_plus_scalar",
    "broadcast_sub": "_minus_scalar",
    "broadcast_mul": "_mul_scalar",
    "broadcast_div": "_div_scalar",
    "broadcast_mod": "_mod_scalar",
    "broadcast_power": "_power_scalar",
    "broadcast_equal": "_equal_scalar",
    "broadcast_not_equal": "_not_equal_scalar",
    "broadcast_lesser": "_lesser_scalar",
    "broadcast_lesser_equal": "_lesser_equal_scalar",
    "broadcast_greater": "_greater_scalar",
    "broadcast_greater_equal": "_greater_equal_scalar",
}
#: In-place operator -> MXNet's (array, scalar) operator names.
_INPLACE_OP = {
    "+=": ("broadcast_add", "_plus_scalar"),
    "-=": ("broadcast_sub", "_minus_scalar"),
    "*=": ("broadcast_mul", "_mul_scalar"),
    "/=": ("broadcast_div", "_div_scalar"),
    "%=": ("broadcast_mod", "_mod_scalar"),
}


def _binop(fn, op_name: str, float_only: bool = False):
    """An NDArray binary dunder: inline fast path, :func:`_binary` otherwise.

    The fast path (same dtype, nothing requiring grad) skips every helper call;
    it is what makes ``x + y`` cost about as much as on torch tensors.
    """

    scalar_name = _SCALAR_OP.get(op_name, op_name)

    def method(self, other):
        if _PROF.on and not _opprof.entered():
            name = op_name if isinstance(other, NDArray) else scalar_name
            return _opprof.op_range(name, method, self, other)
        ta = self._data
        if type(other) is NDArray:
            tb = other._data
            if (
                ta.dtype is tb.dtype
                and not (ta.requires_grad or tb.requires_grad)
                and (not float_only or ta.is_floating_point())
            ):
                try:
                    res = fn(ta, tb)
                except RuntimeError as err:
                    raise _broadcast_error(op_name, ta, tb, err) from None
                arr = _alloc(NDArray)
                arr._data = res
                arr._ag = None
                arr._ctx = self._ctx
                return arr
        elif type(other) is float and ta.is_floating_point() and not ta.requires_grad:
            arr = _alloc(NDArray)
            arr._data = fn(ta, other)
            arr._ag = None
            arr._ctx = self._ctx
            return arr
        return _binary(self, other, fn, op_name)

    method.__name__ = f"__{op_name}__"
    return method


def _rbinop(fn, op_name: str):
    def method(self, other):
        if _PROF.on and not _opprof.entered():
            return _opprof.op_range(op_name, _rbinary, self, other, fn, op_name)
        return _rbinary(self, other, fn, op_name)

    return method


def _install_operators() -> None:
    add = _binop(torch.add, "broadcast_add")
    mul = _binop(torch.mul, "broadcast_mul")
    table = {
        "__add__": add,
        "__radd__": add,
        "__sub__": _binop(torch.sub, "broadcast_sub"),
        "__rsub__": _rbinop(torch.rsub, "_rminus_scalar"),
        "__mul__": mul,
        "__rmul__": mul,
        "__truediv__": _binop(torch.div, "broadcast_div", float_only=True),
        "__rtruediv__": _rbinop(_rdiv, "_rdiv_scalar"),
        "__mod__": _binop(_mod, "broadcast_mod"),
        "__rmod__": _rbinop(_rmod, "_rmod_scalar"),
        "__pow__": _binop(torch.pow, "broadcast_power", float_only=True),
        "__rpow__": _rbinop(_rpow, "_rpower_scalar"),
        "__eq__": _binop(_eq, "broadcast_equal"),
        "__ne__": _binop(_ne, "broadcast_not_equal"),
        "__lt__": _binop(_lt, "broadcast_lesser"),
        "__le__": _binop(_le, "broadcast_lesser_equal"),
        "__gt__": _binop(_gt, "broadcast_greater"),
        "__ge__": _binop(_ge, "broadcast_greater_equal"),
    }
    table["__div__"] = table["__truediv__"]
    table["__rdiv__"] = table["__rtruediv__"]
    # _binary's slow path needs the integer-aware division and power.
    _SLOW[torch.div] = _div
    _SLOW[torch.pow] = _pow
    for name, meth in table.items():
        setattr(NDArray, name, meth)


_SLOW: dict = {}


def _new(t: torch.Tensor, ctx: Context | None = None) -> NDArray:
    """Wrap a tensor without checks (the hot path's constructor).

    ``ctx`` is the array's Context when it differs from the one its torch device
    maps to (``cpu(1)``), else None (see :func:`_ctx_tag`).
    """
    arr = _alloc(NDArray)
    arr._data = t
    arr._ag = None
    arr._ctx = ctx
    return arr


_alloc = object.__new__


# ---------------------------------------------------------------- hot path
def _call1(fn, t: torch.Tensor, *args):
    """Run ``fn(t, *args)``, recording for autograd only inside ``record()``."""
    if t.requires_grad and not _flags.recording:
        prev = _grad_enabled()
        _set_grad(False)
        try:
            return fn(t, *args)
        finally:
            _set_grad(prev)
    return fn(t, *args)


def _run(fn, *args, **kwargs):
    """Run ``fn`` with torch grad mode on only while ``autograd.record()``."""
    if _flags.recording:
        return fn(*args, **kwargs)
    prev = _grad_enabled()
    _set_grad(False)
    try:
        return fn(*args, **kwargs)
    finally:
        _set_grad(prev)


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


def _dtype_error(op_name: str, a: torch.Tensor, b: torch.Tensor) -> MXNetError:
    return MXNetError(
        f"Operator {op_name}: inputs have different dtypes, "
        f"{dtype_name(a.dtype)} {tuple(a.shape)} and {dtype_name(b.dtype)} "
        f"{tuple(b.shape)}; MXNet does not promote dtypes implicitly. "
        f"Cast one side with .astype('{dtype_name(a.dtype)}')."
    )


def _scalar_for(t: torch.Tensor, s):
    """Cast a Python/numpy scalar to the array's dtype (MXNet's scalar rule)."""
    if t.is_floating_point():
        return float(s)
    if t.dtype == _bool:
        return bool(s)
    return int(s)


def _operand_error(op_name: str, other) -> TypeError:
    return TypeError(
        f"type {type(other)} not supported by {op_name}: an NDArray combines only "
        "with NDArrays and Python/numpy scalars (wrap numpy arrays with "
        "mx.nd.array(...))."
    )


def _binary(a: NDArray, b, fn, op_name: str):
    fn = _SLOW.get(fn, fn)
    ta = a._data
    if isinstance(b, NDArray):
        tb = b._data
        if ta.dtype != tb.dtype:
            raise _dtype_error(op_name, ta, tb)
        if (ta.requires_grad or tb.requires_grad) and not _flags.recording:
            prev = _grad_enabled()
            _set_grad(False)
            try:
                res = fn(ta, tb)
            except RuntimeError as err:
                raise _broadcast_error(op_name, ta, tb, err) from None
            finally:
                _set_grad(prev)
        else:
            try:
                res = fn(ta, tb)
            except RuntimeError as err:
                raise _broadcast_error(op_name, ta, tb, err) from None
    elif isinstance(b, _SCALARS) and not isinstance(b, np.ndarray):
        res = _call1(fn, ta, _scalar_for(ta, b))
    else:
        raise _operand_error(op_name, b)
    arr = _alloc(NDArray)
    arr._data = res
    arr._ag = None
    arr._ctx = a._ctx
    return arr


def _rbinary(a: NDArray, b, fn, op_name: str):
    """``scalar <op> array``; ``fn(array, scalar)`` computes the reflected op."""
    ta = a._data
    if isinstance(b, _SCALARS) and not isinstance(b, np.ndarray):
        return _new(_call1(fn, ta, _scalar_for(ta, b)), a._ctx)
    raise _operand_error(op_name, b)


def _inplace(a: NDArray, b, fn, sym: str):
    if _PROF.on and not _opprof.entered():
        names = _INPLACE_OP[sym]
        name = names[0] if isinstance(b, NDArray) else names[1]
        return _opprof.op_range(name, _inplace, a, b, fn, sym)
    ta = a._data
    if isinstance(b, NDArray):
        tb = b._data
        if ta.dtype != tb.dtype:
            raise _dtype_error(sym, ta, tb)
    elif isinstance(b, _SCALARS) and not isinstance(b, np.ndarray):
        tb = _scalar_for(ta, b)
    else:
        raise _operand_error(sym, b)
    recording = _flags.recording
    if recording and not ta.requires_grad:
        res = fn(ta, tb)
    else:
        prev = _grad_enabled()
        _set_grad(False)
        try:
            res = fn(ta, tb)
        except RuntimeError as err:
            raise _broadcast_error(sym, ta, tb, err) from None
        finally:
            _set_grad(prev)
    if res.shape != ta.shape:
        raise MXNetError(
            f"In-place {sym}: result shape {tuple(res.shape)} differs from the "
            f"array's shape {tuple(ta.shape)}; the right operand must broadcast "
            "to the left one."
        )
    if recording and not ta.requires_grad:
        ta.copy_(res)
    else:
        with torch.no_grad():
            ta.copy_(res)
    return a


def _broadcast_error(op_name, ta, tb, err) -> MXNetError:
    tb_shape = tuple(tb.shape) if isinstance(tb, torch.Tensor) else "scalar"
    return MXNetError(
        f"Operator {op_name}: operands could not be broadcast together with shapes "
        f"{tuple(ta.shape)} and {tb_shape} (each dim must be equal or 1). ({err})"
    )


def _div(a, b):
    if a.is_floating_point():
        return torch.div(a, b)
    # MXNet: integer division truncates toward zero.
    return torch.div(a, b, rounding_mode="trunc")


def _rdiv(a, s):
    if a.is_floating_point():
        return torch.div(s, a)
    return torch.div(torch.full_like(a, s), a, rounding_mode="trunc")


def _rmod(a, s):
    return _mod(s, a)


def _pow(a, b):
    if a.is_floating_point():
        return torch.pow(a, b)
    # Integer powers: negative exponents truncate (2 ** -1 == 0) as in MXNet.
    bf = b.double() if isinstance(b, torch.Tensor) else float(b)
    return torch.pow(a.double(), bf).to(a.dtype)


def _rpow(a, s):
    if a.is_floating_point():
        return torch.pow(s, a)
    return torch.pow(float(s), a.double()).to(a.dtype)


def _cmp(fn):
    def cmp(a, b):
        return fn(a, b).to(a.dtype)

    cmp.__name__ = fn.__name__
    return cmp


_eq = _cmp(torch.eq)
_ne = _cmp(torch.ne)
_lt = _cmp(torch.lt)
_le = _cmp(torch.le)
_gt = _cmp(torch.gt)
_ge = _cmp(torch.ge)
_install_operators()


# ---------------------------------------------------------------- indexing
_ADVANCED = (NDArray, np.ndarray, list, tuple, range, torch.Tensor)


def _expand_key(key, shape: tuple[int, ...]) -> tuple[tuple, bool]:
    """MXNet's key normalization: a tuple with Ellipsis expanded and trailing
    ``slice(None)`` added, plus whether it needs advanced indexing."""
    if not isinstance(key, tuple):
        key = (key,)
    ndim = len(shape)
    ell = None
    items = []
    advanced = False
    for k in key:
        if k is Ellipsis:
            if ell is not None:
                raise IndexError(
                    "Cannot use more than one ellipsis (`...`) for indexing"
                )
            ell = len(items)
            continue
        if isinstance(k, (bool, np.bool_)):
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode (MXNet 1.x NDArray); "
                "use mx.nd.contrib.boolean_mask(data, index) instead."
            )
        if isinstance(k, (NDArray, np.ndarray, torch.Tensor)) and k.ndim == 0:
            k = int(k.item() if not isinstance(k, NDArray) else k.asscalar())
        if isinstance(k, np.integer):
            k = int(k)
        elif isinstance(k, _ADVANCED):
            if isinstance(k, tuple) and len(k) == 0:
                raise IndexError("an empty tuple inside an index is not supported")
            advanced = True
        elif not (isinstance(k, (int, slice)) or k is None):
            raise ValueError(
                f"NDArray does not support slicing with key {k!r} of type {type(k)}."
            )
        items.append(k)
    n_used = sum(1 for k in items if k is not None)
    if n_used > ndim:
        raise IndexError(
            f"too many indices ({n_used}) for array with {ndim} dimensions"
        )
    fill = [slice(None)] * (ndim - n_used)
    if ell is None:
        items.extend(fill)
    else:
        items[ell:ell] = fill
    return tuple(items), advanced


def _slice_len(s: slice, n: int) -> int:
    return len(range(*s.indices(n)))


def _is_contiguous_block(slcs: list[slice], shape: tuple[int, ...]) -> bool:
    """MXNet's rule (``_basic_indexing_slice_is_contiguous``): the selection is
    one contiguous block, so basic indexing returns a view."""
    lens = [_slice_len(s, n) for s, n in zip(slcs, shape, strict=True)]
    total = 1
    for m in lens:
        total *= m
    if total in (0, 1):
        return True
    is_subset = False
    for s, n, m in zip(reversed(slcs), reversed(shape), reversed(lens), strict=True):
        step = s.indices(n)[2]
        if m == 0:
            return True
        if m > 1 and (step > 1 or step < 0):
            return False
        if is_subset:
            if m > 1:
                return False
        elif m < n:
            is_subset = True
    return True


def _positive_slice(s: slice, n: int) -> tuple[slice, bool]:
    """An increasing slice selecting the same elements, and whether to flip."""
    step = s.step if s.step is not None else 1
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step > 0:
        return s, False
    rng = range(*s.indices(n))
    if len(rng) == 0:
        return slice(0, 0), False
    if len(rng) == 1:
        return slice(rng[0], rng[0] + 1), False
    return slice(rng[-1], rng[0] + 1, -rng.step), True


def _basic_parts(items: tuple, t: torch.Tensor):
    """Torch key with increasing slices, output dims to flip, MXNet slices."""
    shape = tuple(t.shape)
    tkey = []
    flips = []
    slcs = []
    axis = 0
    out_dim = 0
    for k in items:
        if k is None:
            tkey.append(None)
            out_dim += 1
            continue
        n = shape[axis]
        if isinstance(k, int):
            if not -n <= k < n:
                raise IndexError(
                    f"index {k} is out of bounds for axis {axis} with size {n}"
                )
            tkey.append(k)
            kk = k + n if k < 0 else k
            slcs.append(slice(kk, kk + 1))
        else:
            ps, flip = _positive_slice(k, n)
            tkey.append(ps)
            if flip:
                flips.append(out_dim)
            slcs.append(k)
            out_dim += 1
        axis += 1
    return tuple(tkey), flips, slcs


def _getitem(t: torch.Tensor, key) -> torch.Tensor:
    items, advanced = _expand_key(key, tuple(t.shape))
    if advanced:
        return _advanced_getitem(t, items)
    tkey, flips, slcs = _basic_parts(items, t)
    out = t[tkey]
    if _is_contiguous_block(slcs, tuple(t.shape)):
        # A view: MXNet returns shape (1,) when integers consume every axis.
        return out.reshape(1) if out.dim() == 0 else out
    if flips:
        return out.flip(flips)
    return out.clone(memory_format=torch.contiguous_format)


def _index_tensor(k, device) -> torch.Tensor:
    if isinstance(k, NDArray):
        k = k._data
    if isinstance(k, torch.Tensor):
        if k.dtype == _bool:
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode (MXNet 1.x NDArray); "
                "an index array is an integer gather, never a mask. Use "
                "mx.nd.contrib.boolean_mask(data, index) instead."
            )
        idx = k.detach()
    elif isinstance(k, range):
        idx = torch.arange(k.start, k.stop, k.step)
    else:
        a = np.asarray(k)
        if a.dtype == np.bool_:
            raise ValueError(
                "Cannot perform boolean indexing in legacy mode (MXNet 1.x NDArray); "
                "use mx.nd.contrib.boolean_mask(data, index) instead."
            )
        if a.dtype == object or a.dtype.kind not in "iuf":
            raise IndexError(f"invalid index array {k!r}: expected integers")
        idx = torch.from_numpy(a if a.flags.c_contiguous else np.ascontiguousarray(a))
    if idx.dtype != torch.long:
        idx = idx.long()  # float indices truncate, as MXNet's astype('int64')
    return idx.to(device)


def _advanced_key(t: torch.Tensor, items: tuple):
    """Torch advanced key without ``None`` entries; negative-step slices are
    handled by flipping those axes first (returned as ``flip_axes``)."""
    shape = tuple(t.shape)
    tkey = []
    flip_axes = []
    axis = 0
    for k in items:
        if k is None:
            continue
        n = shape[axis]
        if isinstance(k, slice):
            step = k.step if k.step is not None else 1
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                rng = range(*k.indices(n))
                if len(rng) == 0:
                    k = slice(0, 0)
                else:
                    # index i of t is index n-1-i of t flipped along this axis
                    flip_axes.append(axis)
                    k = slice(n - 1 - rng[0], n - 1 - rng[-1] + 1, -rng.step)
            tkey.append(k)
        elif isinstance(k, int):
            if not -n <= k < n:
                raise IndexError(
                    f"index {k} is out of bounds for axis {axis} with size {n}"
                )
            tkey.append(k)
        else:
            idx = _index_tensor(k, t.device)
            if idx.numel() and (int(idx.max()) >= n or int(idx.min()) < -n):
                raise IndexError(
                    f"index array out of bounds for axis {axis} with size {n}: "
                    f"values range over [{int(idx.min())}, {int(idx.max())}]"
                )
            tkey.append(idx)
        axis += 1
    return tuple(tkey), flip_axes


def _is_adv(k) -> bool:
    return k is not None and not isinstance(k, slice)


def _adjacent(positions: list[int]) -> bool:
    return all(b - a == 1 for a, b in zip(positions, positions[1:], strict=False))


def _advanced_getitem(t: torch.Tensor, items: tuple) -> torch.Tensor:
    tkey, flip_axes = _advanced_key(t, items)
    src = t.flip(flip_axes) if flip_axes else t
    out = src[tkey]
    if out._base is not None or out.data_ptr() == t.data_ptr():
        out = out.clone()
    if not any(k is None for k in items):
        return out
    # MXNet's placement of ``None`` axes in advanced indexing
    # (``_new_axes_after_advanced_indexing``): ints count as advanced indices
    # of shape (1,), and adjacency is judged on the key including ``None``.
    adv = [p for p, k in enumerate(items) if _is_adv(k)]
    adv_nd = [p for p, k in enumerate(k for k in items if k is not None) if _is_adv(k)]
    shapes = [tuple(k.shape) if isinstance(k, torch.Tensor) else (1,) for k in tkey]
    shapes = [s for s, k in zip(shapes, tkey, strict=True) if not isinstance(k, slice)]
    bdim = len(torch.broadcast_shapes(*shapes))
    key_adjacent = _adjacent(adv)
    if not key_adjacent and _adjacent(adv_nd) and adv_nd[0] > 0:
        # torch kept the block in place; MXNet moves it to the front.
        p = adv_nd[0]
        perm = (
            list(range(p, p + bdim)) + list(range(p)) + list(range(p + bdim, out.dim()))
        )
        out = out.permute(perm)
    pos = bdim if not key_adjacent else 0
    shape = list(out.shape)
    inserts = []
    for k in items:
        if k is None:
            inserts.append(pos)
        if not _is_adv(k):
            pos += 1
    for p in inserts:
        shape.insert(p, 1)
    return out.reshape(shape)


def _value_tensor(value, t: torch.Tensor) -> torch.Tensor | float | int | bool:
    """The assigned value as a tensor of ``t``'s dtype/device, or a scalar."""
    if isinstance(value, NDArray):
        v = value._data
        if v.dtype != t.dtype or v.device != t.device:
            v = v.to(device=t.device, dtype=t.dtype)
        return v
    if isinstance(value, _SCALARS) and not isinstance(value, np.ndarray):
        if isinstance(value, np.generic) and value.dtype.kind not in "biuf":
            raise TypeError(f"cannot assign {value!r} to an NDArray")
        return _scalar_for(t, value)
    if isinstance(value, torch.Tensor):
        return value.to(device=t.device, dtype=t.dtype)
    try:
        if t.dtype == torch.bfloat16:
            a = np.asarray(value, dtype=np.float32)
            return torch.from_numpy(a).to(device=t.device, dtype=t.dtype)
        a = np.asarray(value, dtype=to_np_dtype(t.dtype))
    except (TypeError, ValueError):
        raise TypeError(
            f"NDArray does not support assignment with non-array-like object "
            f"{value!r} of type {type(value)}"
        ) from None
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    return torch.from_numpy(a).to(t.device)


def _fit_value(v: torch.Tensor, shape: torch.Size, key) -> torch.Tensor:
    """Drop leading size-1 axes and broadcast ``v`` to ``shape`` (MXNet rule)."""
    while v.dim() > len(shape) and v.shape[0] == 1:
        v = v[0]
    if v.shape == shape:
        return v
    if v.numel() == 0 and int(np.prod(shape)) == 0:
        return v.reshape(shape)
    try:
        return v.expand(shape)
    except RuntimeError:
        raise ValueError(
            f"NDArray.__setitem__: cannot assign a value of shape {tuple(v.shape)} "
            f"to the region of shape {tuple(shape)} selected by {key!r}; the value "
            "must broadcast to the region."
        ) from None


def _setitem(t: torch.Tensor, key, value) -> None:
    v = _value_tensor(value, t)
    items, advanced = _expand_key(key, tuple(t.shape))
    if not advanced:
        tkey, flips, _ = _basic_parts(items, t)
        region = t[tkey]
        if isinstance(v, torch.Tensor):
            v = _fit_value(v, region.shape, key)
            if flips:
                v = v.flip(flips)
            if v.data_ptr() == region.data_ptr() and v.shape == region.shape:
                if v.stride() == region.stride():
                    return  # x[:] = x: nothing to do
                v = v.clone()
            region.copy_(v)
        else:
            region.fill_(v)
        return
    tkey, flip_axes = _advanced_key(t, items)
    if flip_axes:
        # Assign through flat indices so the writes land in ``t`` itself.
        if not t.is_contiguous():
            raise MXNetError(
                "NDArray.__setitem__ with an index array and a negative-step slice "
                "needs a contiguous array; call .copy() first."
            )
        pos = torch.arange(t.numel(), device=t.device).reshape(t.shape)
        flat_idx = pos.flip(flip_axes)[tkey]
        if isinstance(v, torch.Tensor):
            v = _fit_value(v, flat_idx.shape, key)
        t.view(-1)[flat_idx.reshape(-1)] = (
            v.reshape(-1) if isinstance(v, torch.Tensor) else v
        )
        return
    if isinstance(v, torch.Tensor):
        target_shape = t[tkey].shape
        v = _fit_value(v, target_shape, key)
    t[tkey] = v


# ---------------------------------------------------------------- invoke
def invoke(op: _reg.OpDef, inputs: Sequence[NDArray], attrs: dict, out=None):
    """Run a registered operator eagerly on NDArrays (the ``nd`` frontend core).

    Returns an NDArray, or a list of NDArrays for multi-output ops.
    """
    if _PROF.on and not _opprof.entered():
        return _opprof.op_range(op.name, invoke, op, inputs, attrs, out)
    tensors = [x._data for x in inputs]
    needs_guard = False
    for t in tensors:
        if t.requires_grad:
            needs_guard = not _flags.recording
            break
    if op.same_dtype and len(tensors) > 1:
        d0 = tensors[0].dtype
        for t in tensors:
            if t.dtype != d0:
                _check_dtypes(op, inputs, tensors, attrs)
                break
    try:
        if needs_guard:
            prev = _grad_enabled()
            _set_grad(False)
            try:
                res = op.kernel(*tensors, **attrs)
            finally:
                _set_grad(prev)
        else:
            res = op.kernel(*tensors, **attrs)
    except MXNetError as err:
        raise _with_block(err) from None
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        raise op_error(op, tensors, attrs, err) from None
    if isinstance(res, _Tensor):
        if op.returns_view and res._is_view():
            res = _clone(res)
        if out is not None:
            return _write_out(out, res)
        arr = _alloc(NDArray)
        arr._data = res
        arr._ag = None
        arr._ctx = inputs[0]._ctx if inputs else _attr_ctx_tag(attrs, res)
        return arr
    ctx = inputs[0]._ctx if inputs else _attr_ctx_tag(attrs, res[0] if res else None)
    outs = [_new(r, ctx) for r in res]
    if out is not None:
        outs_t = out if isinstance(out, (list, tuple)) else [out]
        for o, r in zip(outs_t, outs, strict=False):
            _write_out(o, r._data)
        return out
    return outs


def _write_out(out: NDArray, res: torch.Tensor) -> NDArray:
    if tuple(out.shape) != tuple(res.shape):
        raise MXNetError(
            f"out= array has shape {out.shape} but the result has shape "
            f"{tuple(res.shape)}."
        )
    if _flags.recording:
        out._data.copy_(res)
    else:
        with torch.no_grad():
            out._data.copy_(res)
    return out


def _check_dtypes(op, inputs, tensors, attrs) -> None:
    names = op.input_names(attrs, len(tensors))
    free = op.dtype_free_inputs
    first = None
    for name, t in zip(names, tensors, strict=False):
        if name in free:
            continue
        if first is None:
            first = (name, t)
        elif t.dtype != first[1].dtype:
            raise _with_block(
                MXNetError(
                    f"Operator {op.name}: input '{name}' has dtype "
                    f"{dtype_name(t.dtype)} but input '{first[0]}' has dtype "
                    f"{dtype_name(first[1].dtype)}; MXNet does not promote dtypes "
                    "implicitly. Cast with .astype(...) so they match."
                )
            )


def _where() -> str:
    blk = _state.current_block()
    return f" (in block '{blk}')" if blk else ""


def _with_block(err: MXNetError) -> MXNetError:
    blk = _state.current_block()
    if blk and "(in block" not in str(err):
        return type(err)(f"{err} (in block '{blk}')")
    return err


def op_error(op: _reg.OpDef, tensors, attrs, err: Exception) -> MXNetError:
    """An MXNetError naming the op, block, input shapes and the expectation."""
    shapes = [tuple(t.shape) for t in tensors]
    names = op.input_names(attrs, len(tensors))
    desc = ", ".join(f"{n}={s}" for n, s in zip(names, shapes, strict=False))
    detail = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
    why = op.diagnose(shapes, attrs)
    expected = f" {why}" if why else ""
    given = {k: v for k, v in attrs.items() if k in op.spec_map}
    cls = _reg.ShapeError if expected else MXNetError
    return cls(
        f"Operator {op.name}{_where()} failed on inputs {desc} with attrs "
        f"{given}:{expected or ' ' + detail}"
    )


# ---------------------------------------------------------------- fluent methods
#: (method name, nd function name): MXNet's NDArray methods that are thin calls
#: of ``nd.<op>(self, ...)``. Installed by :func:`install_fluent_methods` for the
#: ops that are registered; a method whose op is missing does not exist.
FLUENT_METHODS: tuple[tuple[str, str], ...] = tuple(
    (n, n)
    for n in (
        "reshape_like zeros_like ones_like broadcast_axes repeat pad swapaxes "
        "split split_v2 slice slice_axis slice_like take one_hot pick sort topk "
        "argsort argmax argmax_channel argmin clip abs sign flatten shape_array "
        "size_array expand_dims tile transpose flip depth_to_space space_to_depth "
        "diag sum nansum prod nanprod mean max min norm round rint fix floor ceil "
        "trunc sin cos tan arcsin arccos arctan degrees radians sinh cosh tanh "
        "arcsinh arccosh arctanh exp expm1 log log10 log2 log1p sqrt rsqrt cbrt "
        "rcbrt square reciprocal relu sigmoid softmax log_softmax softmin squeeze "
        "broadcast_to broadcast_like"
    ).split()
)
#: Methods with an ``inplace=False`` flag: ``inplace=True`` returns a reshaped
#: view of ``self`` instead of a copy.
_INPLACE_FLAG = ("expand_dims", "flatten", "squeeze")


def _make_method(method: str, fn_name: str, module):
    if method == "broadcast_to":

        def meth(self, shape):
            # MXNet's method prepends size-1 axes; the op needs equal ranks.
            shape = tuple(int(d) for d in shape)
            cur = self.shape
            if len(shape) < len(cur):
                raise ValueError(
                    f"operands could not be broadcast together with remapped shapes "
                    f"[original->remapped]: {cur} and requested shape {shape}"
                )
            full = (1,) * (len(shape) - len(cur)) + cur
            for c, s in zip(full, shape, strict=True):
                if c != s and c != 1:
                    raise ValueError(
                        f"operands could not be broadcast together with remapped "
                        f"shapes [original->remapped]: {cur} and requested shape {shape}"
                    )
            src = self.reshape(full) if full != cur else self
            return getattr(module, fn_name)(src, shape=shape)

    elif method in _INPLACE_FLAG:

        def meth(self, *args, inplace: bool = False, **kwargs):
            res = getattr(module, fn_name)(self, *args, **kwargs)
            return self.reshape(res.shape) if inplace else res

    else:

        def meth(self, *args, **kwargs):
            return getattr(module, fn_name)(self, *args, **kwargs)

    meth.__name__ = method
    meth.__qualname__ = f"NDArray.{method}"
    meth.__doc__ = f"Same as ``nd.{fn_name}(self, *args, **kwargs)``."
    return meth


def install_fluent_methods(module) -> list[str]:
    """Add the fluent op methods whose ``nd`` function exists in ``module``.

    Methods already defined on :class:`NDArray` are kept. Returns the names added.
    """
    added = []
    for method, fn_name in FLUENT_METHODS:
        if method in NDArray.__dict__ or not callable(getattr(module, fn_name, None)):
            continue
        setattr(NDArray, method, _make_method(method, fn_name, module))
        added.append(method)
    return added


# ---------------------------------------------------------------- creation
def _shape_tuple(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return checked_shape((int(shape),))
    return checked_shape(tuple(int(d) for d in shape))


def _dtype_or_default(dtype) -> torch.dtype:
    return torch.float32 if dtype is None else to_torch_dtype(dtype)


def array(source_array, ctx=None, dtype=None) -> NDArray:
    """Create an array from a list, numpy array, NDArray or torch tensor.

    The dtype is float32 unless ``dtype`` is given, whatever the source's dtype
    (MXNet's rule), except that an NDArray source keeps its dtype.
    """
    dev, tag = _resolve_ctx(ctx)
    if isinstance(source_array, NDArray):
        t = source_array._data.detach()
        td = t.dtype if dtype is None else to_torch_dtype(dtype)
        return _new(t.to(device=dev, dtype=td, copy=True), tag)
    td = _dtype_or_default(dtype)
    if isinstance(source_array, torch.Tensor):
        return _new(source_array.detach().to(device=dev, dtype=td, copy=True), tag)
    if isinstance(source_array, np.ndarray):
        src = source_array
    else:
        try:
            src = np.array(source_array)
        except ValueError as err:
            raise ValueError(
                f"nd.array: cannot convert {type(source_array).__name__} to an array "
                f"({err})."
            ) from None
        if src.dtype == object:
            raise TypeError(
                f"nd.array: source of type {type(source_array).__name__} does not "
                "convert to a numeric array."
            )
    if src.dtype.kind in "US":
        # MXNet parses numeric strings with numpy into the target dtype
        # (float32 unless given): ['1', '2.5'] -> [1., 2.5].
        try:
            src = src.astype(np.float32 if td == torch.bfloat16 else to_np_dtype(td))
        except ValueError as err:
            raise TypeError(
                f"nd.array: cannot convert the strings to {dtype_name(td)} ({err}); "
                "expected numeric strings."
            ) from None
    if src.dtype.kind in "USOV":
        raise TypeError(
            f"nd.array: cannot store numpy dtype {src.dtype} in an NDArray; "
            "expected numbers or booleans."
        )
    if not src.dtype.isnative:
        src = src.astype(src.dtype.newbyteorder("="))
    if not src.flags.c_contiguous:
        src = np.ascontiguousarray(src)  # (ascontiguousarray turns 0-d into 1-d)
    elif not src.flags.writeable:
        src = src.copy()  # torch.from_numpy warns on read-only arrays
    t = torch.from_numpy(src)
    return _new(t.to(device=dev, dtype=td, copy=True), tag)


def from_numpy(ndarray: np.ndarray, zero_copy: bool = True, array_cls=None) -> NDArray:
    """Wrap a numpy array (keeping its dtype), sharing memory when possible.

    ``array_cls`` is MXNet's choice of result class; only NDArray is supported.
    """
    if array_cls is not None and array_cls is not NDArray:
        raise MXNetError(
            f"from_numpy(array_cls={array_cls!r}): only NDArray results are supported "
            "(mx.np arrays are not implemented yet); omit array_cls."
        )
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(
            f"from_numpy expects a numpy.ndarray, got {type(ndarray).__name__}."
        )
    if not zero_copy:
        return _new(torch.from_numpy(ndarray).clone())
    if not ndarray.flags["C_CONTIGUOUS"]:
        raise ValueError(
            "from_numpy(zero_copy=True) shares memory with C-contiguous arrays only; "
            f"this one has strides {ndarray.strides}. Pass np.ascontiguousarray(a) "
            "or zero_copy=False."
        )
    t = torch.from_numpy(ndarray)
    # As in MXNet, the numpy array now belongs to the NDArray: writes go
    # through the NDArray, and the numpy side becomes read-only.
    ndarray.flags["WRITEABLE"] = False
    return _new(t)


def empty(shape, ctx=None, dtype=None, stype=None) -> NDArray:
    """An uninitialized array (float32 by default)."""
    _check_stype(stype)
    dev, tag = _resolve_ctx(ctx)
    return _new(
        torch.empty(_shape_tuple(shape), dtype=_dtype_or_default(dtype), device=dev),
        tag,
    )


def _created(t: torch.Tensor, tag, what: str, kwargs: dict) -> NDArray:
    """The result of a creation function, written into ``out=`` when given.

    MXNet forwards the extra keywords of ``zeros``/``ones``/``eye`` to its
    creation operators, which take ``out`` and ``name`` besides their own.
    """
    out = kwargs.pop("out", None)
    kwargs.pop("name", None)
    # Hidden ``__attr__`` keys (rnn begin_state's ``__layout__``) are accepted
    # and ignored by MXNet's operators.
    kwargs = {k: v for k, v in kwargs.items() if not k.startswith("__")}
    if kwargs:
        raise MXNetError(
            f"nd.{what}() got unexpected keyword argument(s) {sorted(kwargs)}; it "
            "takes shape, ctx, dtype, out and name."
        )
    if out is not None:
        if out._data.dtype != t.dtype:
            t = t.to(out._data.dtype)
        return _write_out(out, t)
    return _new(t, tag)


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs) -> NDArray:
    """An array of zeros (float32 by default)."""
    if _PROF.on and not _opprof.entered():  # MXNet's operator _zeros
        return _opprof.op_range("_zeros", zeros, shape, ctx, dtype, stype, **kwargs)
    _check_stype(stype)
    dev, tag = _resolve_ctx(ctx)
    t = torch.zeros(_shape_tuple(shape), dtype=_dtype_or_default(dtype), device=dev)
    return _created(t, tag, "zeros", kwargs)


def _check_stype(stype) -> None:
    if stype not in (None, "default"):
        raise MXNetError(
            f"stype={stype!r}: sparse storage is not supported by neogluon; only "
            "'default' (dense) storage exists."
        )


def ones(shape, ctx=None, dtype=None, **kwargs) -> NDArray:
    """An array of ones (float32 by default)."""
    if _PROF.on and not _opprof.entered():  # MXNet's operator _ones
        return _opprof.op_range("_ones", ones, shape, ctx, dtype, **kwargs)
    dev, tag = _resolve_ctx(ctx)
    t = torch.ones(_shape_tuple(shape), dtype=_dtype_or_default(dtype), device=dev)
    return _created(t, tag, "ones", kwargs)


def full(shape, val, ctx=None, dtype=np.float32, out=None) -> NDArray:
    """An array filled with ``val`` (cast to ``dtype``, float32 by default)."""
    td = _dtype_or_default(dtype)
    dev, tag = _resolve_ctx(ctx)
    t = torch.full(_shape_tuple(shape), val, dtype=td, device=dev)
    if out is not None:
        return _write_out(out, t)
    return _new(t, tag)


def arange(
    start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=np.float32
) -> NDArray:
    """Evenly spaced values in ``[start, stop)``; ``repeat`` repeats each one."""
    from ..ops.creation import arange_tensor

    td = _dtype_or_default(dtype)
    dev, tag = _resolve_ctx(ctx)
    return _new(arange_tensor(start, stop, step, int(repeat), td, dev), tag)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32) -> NDArray:
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    td = _dtype_or_default(dtype)
    if endpoint:
        t = torch.linspace(start, stop, num, dtype=torch.float64)
    else:
        t = torch.linspace(start, stop, num + 1, dtype=torch.float64)[:num]
    dev, tag = _resolve_ctx(ctx)
    return _new(t.to(device=dev, dtype=td), tag)


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs) -> NDArray:
    """A 2-D array with ones on the ``k``-th diagonal."""
    M = M or N
    td = _dtype_or_default(dtype)
    dev, tag = _resolve_ctx(ctx)
    t = torch.zeros((N, M), dtype=td, device=dev)
    t.diagonal(k).fill_(1)
    return _created(t, tag, "eye", kwargs)


def _like(fill, what: str, data, out, kwargs) -> NDArray:
    if not isinstance(data, NDArray):
        raise TypeError(
            f"nd.{what}: data must be an NDArray, got {type(data).__name__}"
        )
    res = _new(fill(data._data), data._ctx)
    if out is not None:
        out[:] = res
        return out
    return res


def zeros_like(data: NDArray = None, out=None, name=None, **kwargs) -> NDArray:
    """Zeros with the shape, dtype and context of ``data``."""
    return _like(torch.zeros_like, "zeros_like", data, out, kwargs)


def ones_like(data: NDArray = None, out=None, name=None, **kwargs) -> NDArray:
    """Ones with the shape, dtype and context of ``data``."""
    return _like(torch.ones_like, "ones_like", data, out, kwargs)


def concatenate(arrays, axis=0, always_copy=True) -> NDArray:
    """Join arrays along an existing axis (a Python helper, default axis 0)."""
    ctx = arrays[0]._ctx if arrays else None
    return _new(_run(torch.cat, [a._data for a in arrays], dim=axis), ctx)


def waitall() -> None:
    """Wait for all pending work (synchronizes CUDA; CPU work is already done)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def from_torch(tensor: torch.Tensor, ctx: Context | None = None) -> NDArray:
    """Wrap a ``torch.Tensor`` without copying (the dtype is kept).

    ``ctx`` names the array's Context when the device alone does not (e.g.
    ``cpu(1)``; torch has a single CPU device); it must map to the tensor's device.
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(
            f"from_torch expects a torch.Tensor, got {type(tensor).__name__}"
        )
    if ctx is None:
        return _new(tensor)
    ctx = _as_context(ctx)
    if ctx.torch_device != tensor.device:
        raise ValueError(
            f"from_torch: ctx {ctx} maps to torch device {ctx.torch_device}, but "
            f"the tensor is on {tensor.device}; move the tensor or pass its context."
        )
    return _new(tensor, _ctx_tag(ctx, tensor.device))


def from_dlpack(dlpack) -> NDArray:
    """Zero-copy import of a DLPack capsule or any ``__dlpack__`` object."""
    return _new(torch.utils.dlpack.from_dlpack(dlpack))


def to_dlpack_for_read(data: NDArray):
    """A DLPack capsule sharing ``data``'s memory."""
    return data.to_dlpack_for_read()


def to_dlpack_for_write(data: NDArray):
    """A DLPack capsule sharing ``data``'s memory (writes are visible)."""
    return data.to_dlpack_for_write()
