"""``mx.np.ndarray``: the array of MXNet's NumPy interface, on NDArray's tensor.

As in MXNet 1.9.1, the class is a subclass of :class:`NDArray`: it wraps one
``torch.Tensor`` in the same slots, so ``as_np_ndarray()`` / ``as_nd_ndarray()``
are zero-copy and share the autograd identity (the gradient buffer of an array
marked with ``attach_grad`` is seen through either type). What differs is
NumPy's semantics as MXNet implements them:

* 0-d arrays: ``x[0]`` of a 1-d array and full reductions are shape ``()``;
* NumPy indexing: basic (views), advanced (integer arrays, lists) and boolean
  masks, for reading and writing;
* dtypes: ``dtype`` is a ``numpy.dtype``; lists become float32 (float64 under
  ``npx.set_np(dtype=True)``); binary operators promote mixed dtypes by MXNet's
  rule (its ``_npi_*`` kernels', :func:`promote`: int8 with uint8 is int32,
  where torch says int16); true division of integers gives the default float dtype; comparisons give bool;
  an array combined with a Python scalar keeps the array's dtype (a bool array
  becomes int64 first);
* printing as MXNet prints (``array([1., 2.])``, ``dtype=`` when not float32).

The operator dunders come from the operator table (``ops/optable.py``) with
this type's builders (:func:`_binary` ...): a row's ``np_ops`` name MXNet's
``_npi_*`` operators; when the registry has one, it runs, else the row's nd
operator runs on promoted operands.

Fast paths: the plain call (np arrays of one dtype, no ``out=``, nothing to
convert) runs the kernel's own torch function (``same_dtype_fn`` /
``float_fn``, set by the kernels in ``ops/np_elemwise.py``) and builds the
result as an ``ndarray`` at once (:func:`wrap`); every other call takes the
general path. A result that requires grad goes through :func:`_grad_result`
(recorded inside ``autograd.record()``, cut from the graph outside it).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
import torch

from .. import _state
from .._dtypes import TORCH_TO_NP
from .._dtypes import to_torch_dtype
from .._opprof import State as _PROF
from ..base import MXNetError
from ..ops import optable
from ..ops import registry as _reg
from ..ops.np_common import promote as _mxnet_promote
from ._core import NDArray
from ._core import _grad_off
from ._core import check_recorded_write
from ._core import note_recorded
from ._frontend import attr_key
from ._frontend import register_np_array_type

__all__ = [
    "ndarray",
    "as_np",
    "as_nd",
    "np_view_of",
    "default_float",
    "from_tensor",
    "tensor_of",
    "np_dtype",
]

_flags = _state.flags
_alloc = object.__new__
_Tensor = torch.Tensor
_torch_reshape = torch.reshape


def default_float() -> torch.dtype:
    """float32, or float64 under ``npx.set_np(dtype=True)``."""
    from ..util import is_np_default_dtype

    return torch.float64 if is_np_default_dtype() else torch.float32


def np_dtype(t: torch.Tensor) -> np.dtype:
    d = t.dtype
    if d == torch.bfloat16:
        return np.dtype(np.float32)
    return TORCH_TO_NP[d]


def _grad_result(res: torch.Tensor, ctx) -> ndarray:
    """The array of a fast path's result that requires grad: recorded (and
    registered) inside ``autograd.record()``; outside it, computed from a
    variable, it is detached (what running the kernel with grad off gives)."""
    if not _flags.recording:
        res = res.detach()
    return from_tensor(res, ctx)


def wrap(res: torch.Tensor, ctx) -> ndarray:
    """A fast path's result as an ``ndarray`` (``from_tensor`` with the
    autograd rule of :func:`_grad_result`)."""
    if res.requires_grad:
        return _grad_result(res, ctx)
    arr = _alloc(ndarray)
    arr._data = res
    arr._ag = None
    arr._ctx = ctx
    return arr


def _run(fn, *args, **kwargs):
    """``fn(*args)`` recording for autograd only inside ``autograd.record()``."""
    if _flags.recording:
        return fn(*args, **kwargs)
    for a in args:
        if isinstance(a, torch.Tensor) and a.requires_grad:
            return _grad_off(fn, *args, **kwargs)
    return fn(*args, **kwargs)


#: NumPy function -> the ``mx.np`` function its ``__array_function__`` runs;
#: ufunc name -> the ``mx.np`` function its ``__array_ufunc__`` runs. Filled
#: by :mod:`neogluon.numpy_dispatch_protocol` (MXNet's two dicts).
ARRAY_FUNCTIONS: dict = {}
ARRAY_UFUNCS: dict = {}


def _to_host(x):
    if isinstance(x, ndarray):
        return x.asnumpy()
    if isinstance(x, (list, tuple)):
        return type(x)(_to_host(v) for v in x)
    return x


def _from_host(x, ctx):
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            return x
        return from_tensor(torch.from_numpy(np.array(x, copy=True, order="C")), ctx)
    if isinstance(x, (list, tuple)):
        return type(x)(_from_host(v, ctx) for v in x)
    return x


def _host_fallback(func, name, args, kwargs):
    """``func`` run by NumPy on host copies of the np arrays in ``args`` and
    ``kwargs``; array results come back as np arrays on the first argument's
    context (MXNet's fallback)."""
    if _flags.recording:
        raise ValueError(
            f"Falling back to NumPy operator {name} with autograd active is not "
            "supported: move the call out of the autograd.record() scope."
        )
    ctx = next(
        (a._ctx for a in (*args, *kwargs.values()) if isinstance(a, ndarray)), None
    )
    res = func(*_to_host(tuple(args)), **{k: _to_host(v) for k, v in kwargs.items()})
    return _from_host(res, ctx)


class ndarray(NDArray):  # noqa: N801 - MXNet's class name
    """An array of MXNet's NumPy interface (``mx.np.ndarray``).

    Create one with :func:`neogluon.numpy.array`, :func:`~neogluon.numpy.zeros`
    ... or from an NDArray with ``as_np_ndarray()`` (shared memory).

    Examples
    --------
    >>> from neogluon import np
    >>> x = np.array([[1, 2], [3, 4]])
    >>> x[0]
    array([1., 2.])
    >>> (x / 2).sum()
    array(5.)
    """

    __slots__ = ()

    # ------------------------------------------------------------ attributes
    @property
    def dtype(self) -> np.dtype:  # type: ignore[override]
        return np_dtype(self._data)

    @property
    def grad(self) -> ndarray | None:  # type: ignore[override]
        ag = self._ag
        if ag is None or ag.grad is None:
            return None
        return as_np(ag.grad)

    @property
    def T(self) -> ndarray:  # type: ignore[override]
        t = self._data
        if t.dim() == 2:  # the common case: torch's own 2-d transpose (a view)
            res = t.mT  # == t.T for 2-d, without .T's n-d deprecation check
            if res.requires_grad:
                return _grad_result(res, self._ctx)
            arr = _alloc(ndarray)
            arr._data = res
            arr._ag = None
            arr._ctx = self._ctx
            return arr
        return self.transpose()

    # ------------------------------------------------------------ NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy's ufuncs called on np arrays (``onp.exp(x)``, ``onp_arr + x``)
        run the ``mx.np`` function of the same name (MXNet's
        ``numpy_dispatch_protocol``); a ufunc without one runs in NumPy on the
        host (not under ``autograd.record()``). Methods other than ``__call__``
        (``reduce``, ``accumulate``...) are not supported."""
        if "out" in kwargs:
            out = kwargs["out"]
            if len(out) != 1:
                raise ValueError("The `out` parameter must have exactly one ndarray")
            kwargs["out"] = out[0]
        if method != "__call__":
            return NotImplemented
        mx_func = ARRAY_UFUNCS.get(ufunc.__name__)
        if mx_func is not None:
            return mx_func(*inputs, **kwargs)
        return _host_fallback(ufunc, ufunc.__name__, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        """NumPy functions called on np arrays (``onp.sum(x)``) run the
        ``mx.np`` function registered for them (MXNet's
        ``numpy_dispatch_protocol``); others run in NumPy on the host."""
        mx_func = ARRAY_FUNCTIONS.get(func)
        if mx_func is None:
            return _host_fallback(func, getattr(func, "__name__", func), args, kwargs)
        if not all(issubclass(t, ndarray) for t in types):
            return NotImplemented
        return mx_func(*args, **kwargs)

    def as_nd_ndarray(self) -> NDArray:
        """The same data as an ``mx.nd.NDArray`` (no copy; gradients shared)."""
        arr = _alloc(NDArray)
        t = arr._data = self._data
        arr._ag = self._ag
        arr._ctx = self._ctx
        if not t.is_leaf:  # recorded (see :func:`as_np`)
            note_recorded(arr)
        return arr

    def as_np_ndarray(self) -> ndarray:
        return self

    # ------------------------------------------------------------ conversion
    def item(self, *args):
        """The element as a Python scalar (``x.item()``, ``x.item(i)``)."""
        return self.asnumpy().item(*args)

    def tolist(self):
        """The array as nested Python lists (a scalar for a 0-d array)."""
        return self.asnumpy().tolist()

    def asscalar(self):
        return self.item()

    def __float__(self) -> float:
        t = self._data
        if t.numel() != 1:
            raise _not_one_element(t, "float")
        return float(t.item())  # the element item() reads, without the host copy

    def __int__(self) -> int:
        t = self._data
        if t.numel() != 1:
            raise _not_one_element(t, "int")
        return int(self.item())

    def __index__(self) -> int:
        if self._data.is_floating_point() or self._data.numel() != 1:
            raise TypeError(
                "only integer scalar arrays can be converted to a scalar index"
            )
        return int(self.item())

    def __len__(self) -> int:
        t = self._data
        if t.dim() == 0:
            raise TypeError("len() of unsized object (a 0-d array)")
        return t.shape[0]

    def __repr__(self) -> str:
        text = repr(self.asnumpy())
        dt = self.dtype
        if "dtype=" in text:
            if dt == np.float32:
                text = text[: text.rindex(",")] + ")"
        elif dt not in (np.float32, np.bool_):
            text = text[:-1] + f", dtype={dt})"
        ctx = self.context
        if ctx.device_type == "cpu":
            return text
        return text[:-1] + f", ctx={ctx})"

    def __str__(self) -> str:
        text = str(self.asnumpy())
        ctx = self.context
        if ctx.device_type == "cpu" or self.ndim == 0:
            return text
        return f"{text} @{ctx}"

    def __format__(self, fmt: str) -> str:
        if self.ndim == 0:
            return format(self.item(), fmt)
        if not fmt:
            return format(str(self), fmt)
        raise TypeError("Cannot format mxnet.numpy.ndarray with format_spec")

    def __reduce__(self):
        return ndarray, (None,), self.__getstate__()

    # ------------------------------------------------------------ copies
    def copy(self, order: str = "C") -> ndarray:  # type: ignore[override]
        """A copy of the array (``order='C'`` only)."""
        _check_order(order)
        return as_np(NDArray.copy(self))

    def astype(  # type: ignore[override]
        self,
        dtype,
        order: str = "K",
        casting: str = "unsafe",
        subok: bool = True,
        copy: bool = True,
    ) -> ndarray:
        """The array converted to ``dtype`` (a copy unless ``copy=False`` and
        the dtype is unchanged)."""
        if dtype is None:
            dtype = default_float()
        t = self._data
        if t.requires_grad:  # NDArray.astype: the recorded cast rules
            return as_np(NDArray.astype(self, dtype, copy=copy))
        td = to_torch_dtype(dtype)
        if not copy and td == t.dtype:
            return self
        arr = _alloc(ndarray)
        arr._data = t.to(td, copy=True)
        arr._ag = None
        arr._ctx = self._ctx
        return arr

    def detach(self) -> ndarray:
        return as_np(NDArray.detach(self))

    def copyto(self, other):
        res = NDArray.copyto(self, other)
        return as_np(res) if res is not other else other

    def as_in_context(self, context) -> ndarray:
        return as_np(NDArray.as_in_context(self, context))

    as_in_ctx = as_in_context

    def attach_grad(self, grad_req: str = "write") -> None:  # type: ignore[override]
        """Allocate a zero gradient buffer and mark this array as a variable."""
        NDArray.attach_grad(self, grad_req)

    # ------------------------------------------------------------ shape
    def reshape(self, *args, **kwargs) -> ndarray:
        """NumPy's reshape (``-1`` infers one dim; no MXNet codes: use
        ``npx.reshape`` for those). Returns a view when possible."""
        if not kwargs and args and type(args[0]) is int:
            # ``x.reshape(3, 2)``: torch's reshape has NumPy's rules for ints;
            # anything it refuses gets the general path's error
            try:
                res = _torch_reshape(self._data, args)
            except (RuntimeError, TypeError):
                pass
            else:
                if res.requires_grad:
                    return _grad_result(res, self._ctx)
                arr = _alloc(ndarray)
                arr._data = res
                arr._ag = None
                arr._ctx = self._ctx
                return arr
        order = kwargs.pop("order", "C")
        _check_order(order)
        if "shape" in kwargs or "newshape" in kwargs:
            if args:
                raise TypeError("reshape() got the shape both positionally and by name")
            args = (kwargs.pop("shape", None) or kwargs.pop("newshape"),)
        if kwargs:
            raise TypeError(
                f"reshape() got unexpected keyword arguments {sorted(kwargs)}"
            )
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            shape = args[0]
        else:
            shape = args
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return from_tensor(reshape_tensor(self._data, shape), self._ctx)

    # ------------------------------------------------------------ indexing
    def __getitem__(self, key) -> ndarray:
        t = self._data
        if type(key) is int:  # ``x[i]``: a view (0-d for a 1-d x)
            res = t[key]
            if res.requires_grad:
                return _grad_result(res, self._ctx)
            arr = _alloc(ndarray)
            arr._data = res
            arr._ag = None
            arr._ctx = self._ctx
            return arr
        return from_tensor(_run(_getitem, t, _np_key(key, t)), self._ctx)

    def __setitem__(self, key, value) -> None:
        t = self._data
        k = _np_key(key, t)
        if _flags.recording and isinstance(value, NDArray):
            check_recorded_write(t, value._data)
        v = _value(value, t)
        if t.requires_grad and not _flags.recording:
            _grad_off(_setitem, t, k, v)
        else:
            _setitem(t, k, v)

    def __iter__(self):
        t = self._data
        if t.dim() == 0:
            raise TypeError("iteration over a 0-d array")
        for i in range(t.shape[0]):
            yield self[i]

    __hash__ = None  # type: ignore[assignment]

    __module__ = "neogluon.numpy"


def _not_one_element(t: torch.Tensor, to: str) -> TypeError:
    """MXNet's error for ``float(x)`` / ``int(x)`` of an array whose size is not 1."""
    return TypeError(
        f"only size-1 arrays can be converted to Python scalars: {to}() got an "
        f"array of shape {tuple(t.shape)} ({t.numel()} elements); pick one "
        "element (x[i]) or reduce it (x.sum()) first."
    )


# ---------------------------------------------------------------- wrapping
def from_tensor(t: torch.Tensor, ctx=None) -> ndarray:
    """Wrap a tensor as an ``mx.np.ndarray`` (no copy)."""
    arr = _alloc(ndarray)
    arr._data = t
    arr._ag = None
    arr._ctx = ctx
    if t.requires_grad:
        note_recorded(arr)
    return arr


def as_np(x: NDArray) -> ndarray:
    """``x`` as an ``mx.np.ndarray``: ``x`` itself when it is one, else a new
    array object sharing its tensor, context and gradient buffer.

    A view of a recorded tensor is registered (``note_recorded``: a backward
    that frees its graph detaches it); a view of a leaf (a variable, a
    Parameter's value, a constant) is not: no backward ever detaches a leaf,
    and a live registered array makes every backward walk its graph.
    """
    if type(x) is ndarray:
        return x
    arr = _alloc(ndarray)
    t = arr._data = x._data
    arr._ag = x._ag
    arr._ctx = x._ctx
    if not t.is_leaf:
        note_recorded(arr)
    return arr


def np_view_of(x: NDArray, kept: ndarray | None) -> ndarray:
    """``kept`` while it still is an ``mx.np`` view of ``x`` (same tensor,
    gradient buffer and context), else a new view (:func:`as_np`): what a
    holder of ``x`` (a Parameter) gives out again and again."""
    if (
        kept is not None
        and kept._data is x._data
        and kept._ag is x._ag
        and kept._ctx is x._ctx
    ):
        return kept
    return as_np(x)


def as_nd(x: NDArray) -> NDArray:
    """``x`` as a legacy NDArray sharing its tensor."""
    if isinstance(x, ndarray):
        return x.as_nd_ndarray()
    return x


def tensor_of(x: NDArray) -> torch.Tensor:
    """The tensor of an array (for the np function modules)."""
    return x._data


def _check_order(order) -> None:
    if order not in ("C", "K", "A", None):
        raise NotImplementedError(
            f"order={order!r} is not supported: mx.np arrays are row-major ('C')."
        )


def reshape_tensor(t: torch.Tensor, shape: tuple) -> torch.Tensor:
    """NumPy's reshape rules: one ``-1`` infers a dim, other dims >= 0."""
    shape = tuple(int(d) for d in shape)
    unknown = [i for i, d in enumerate(shape) if d == -1]
    if len(unknown) > 1 or any(d < -1 for d in shape):
        raise MXNetError(
            f"reshape: invalid shape {shape} for an array of shape {tuple(t.shape)}: "
            "at most one dim may be -1 and the others must be >= 0 (MXNet's special "
            "codes 0/-2/-3/-4 are npx.reshape's)."
        )
    known = 1
    for d in shape:
        if d != -1:
            known *= d
    n = t.numel()
    if unknown:
        if known == 0 or n % known:
            raise MXNetError(f"cannot reshape array of size {n} into shape {shape}")
    elif known != n:
        raise MXNetError(f"cannot reshape array of size {n} into shape {shape}")
    return _run(torch.reshape, t, shape)


# ---------------------------------------------------------------- indexing
def _getitem(t: torch.Tensor, key):
    if type(key) is slice and key.step is not None and key.step < 0:
        key = (key,)
    if type(key) is tuple and any(
        type(k) is slice and k.step is not None and k.step < 0 for k in key
    ):
        return _getitem_negative_steps(t, key)
    return t[key]


def _getitem_negative_steps(t: torch.Tensor, key: tuple) -> torch.Tensor:
    """``t[key]`` where some slices step backwards (``x[::-1]``, ``x[:, 5:1:-2]``).

    torch slices only forwards: each backward slice becomes the forward slice
    over the same elements, and the result is flipped along those dims (a copy,
    as MXNet's strided slice is).
    """
    if any(isinstance(k, torch.Tensor) for k in key):
        raise IndexError(
            "a slice with a negative step combined with an index array is not "
            f"supported (key {key!r}); index in two steps: x[arr][..., ::-1]"
        )
    fwd, flip = _forward_key(t, key)
    out = t[fwd]
    return torch.flip(out, flip) if flip else out


def _forward_key(t: torch.Tensor, key: tuple) -> tuple[tuple, list[int]]:
    """A basic key with backward slices: the forward key over the same
    elements and the result dims to flip."""
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    fwd: list = []
    flip: list[int] = []
    d = o = 0
    for k in key:
        if k is None:
            fwd.append(k)
            o += 1
        elif k is Ellipsis:
            fwd.append(k)
            n = t.dim() - consumed
            d, o = d + n, o + n
        elif type(k) is slice:
            step = 1 if k.step is None else k.step
            if step < 0:
                start, stop, step = k.indices(t.shape[d])
                n = len(range(start, stop, step))
                low = start + (n - 1) * step if n else 0
                k = slice(low, low + (n - 1) * -step + 1 if n else 0, -step)
                flip.append(o)
            fwd.append(k)
            d, o = d + 1, o + 1
        else:
            fwd.append(k)
            d += 1
    return tuple(fwd), flip


def _has_negative_step(key) -> bool:
    if type(key) is slice:
        return key.step is not None and key.step < 0
    return type(key) is tuple and any(
        type(k) is slice and k.step is not None and k.step < 0 for k in key
    )


def _setitem(t: torch.Tensor, key, v) -> None:
    """``t[key] = v``; basic keys with backward slices write through the
    forward view (torch slices only forwards)."""
    if not _has_negative_step(key):
        t[key] = v
        return
    key = key if type(key) is tuple else (key,)
    if any(isinstance(k, torch.Tensor) for k in key):
        raise IndexError(
            "a slice with a negative step combined with an index array is not "
            f"supported in assignment (key {key!r}); assign in two steps"
        )
    fwd, flip = _forward_key(t, key)
    region = t[fwd]
    if isinstance(v, torch.Tensor):
        v = torch.broadcast_to(v.to(region.dtype), region.shape)
        region.copy_(v.flip(flip) if flip else v)
    else:
        region.fill_(v)


def _index_tensor(k, device) -> torch.Tensor:
    if isinstance(k, NDArray):
        it = k._data.detach()
    else:
        it = torch.as_tensor(np.asarray(k))
    if it.dtype != torch.bool and not it.dtype.is_floating_point:
        it = it.long()
    elif it.dtype.is_floating_point:
        it = it.long()
    return it.to(device)


def _np_key(key, t: torch.Tensor):
    """A NumPy index key in torch's terms (arrays as tensors, floats as ints)."""
    if type(key) is int or type(key) is slice or key is None or key is Ellipsis:
        return key
    if isinstance(key, tuple):
        return tuple(_np_key_item(k, t.device) for k in key)
    return _np_key_item(key, t.device)


def _np_key_item(k, device):
    if type(k) is int or type(k) is slice or k is None or k is Ellipsis:
        return k
    if isinstance(k, (bool, np.bool_)):
        return bool(k)
    if isinstance(k, np.integer):
        return int(k)
    if isinstance(k, NDArray):
        if k.ndim == 0 and not k._data.is_floating_point() and k.dtype != np.bool_:
            return int(k._data.item())
        return _index_tensor(k, device)
    if isinstance(k, (np.ndarray, list, range)):
        return _index_tensor(k, device)
    if isinstance(k, slice):
        return slice(
            *(None if v is None else int(v) for v in (k.start, k.stop, k.step))
        )
    raise IndexError(
        f"only integers, slices (`:`), ellipsis (`...`), None, and integer or "
        f"boolean arrays are valid indices; got {type(k).__name__}"
    )


def _value(value, t: torch.Tensor):
    """The right side of ``x[key] = value`` as a tensor of ``x``'s dtype."""
    if isinstance(value, NDArray):
        v = value._data
    elif isinstance(value, (numbers.Number, np.generic)):
        return value.item() if isinstance(value, np.generic) else value
    else:
        v = torch.as_tensor(np.asarray(value))
    return v.to(device=t.device, dtype=t.dtype)


# ---------------------------------------------------------------- dtypes
def promote(a: torch.dtype, b: torch.dtype) -> torch.dtype:
    """The common dtype of two array operands: MXNet's rule, the one the
    ``_npi_*`` kernels apply (a float side wins over an integer side, else
    the wider type; int8 with uint8 gives int32)."""
    if a is b:
        return a
    return _mxnet_promote(a, b)


def _mixing_error(what: str, other) -> TypeError:
    if isinstance(other, NDArray):
        return TypeError(
            f"type {type(other).__name__} not supported by {what}: an mx.np.ndarray "
            "combines with mx.np.ndarrays and Python/numpy scalars only; convert "
            "the legacy NDArray with .as_np_ndarray() (no copy)."
        )
    if isinstance(other, np.ndarray):
        return TypeError(
            f"type numpy.ndarray not supported by {what}: convert it with "
            "mx.np.array(...) first, as MXNet requires."
        )
    return TypeError(f"type {type(other).__name__} not supported by {what}")


def _is_scalar(x) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, np.ndarray)


def _np_op(name: str | None):
    """The registered ``_npi_*`` operator, when the registry has it."""
    if name is None:
        return None
    return _reg.find(name)


def binary_tensors(r: optable.Binary, ta: torch.Tensor, tb: torch.Tensor):
    """The operands of ``r`` on two arrays, cast to the result's compute dtype."""
    dt = promote(ta.dtype, tb.dtype)
    if r.np_result == "float" and not dt.is_floating_point:
        dt = default_float()
    if ta.dtype != dt:
        ta = ta.to(dt)
    if tb.dtype != dt:
        tb = tb.to(dt)
    return ta, tb


def _scalar_operand(r: optable.Binary, ta: torch.Tensor) -> torch.Tensor:
    if r.np_result == "float" and not ta.is_floating_point():
        return ta.to(default_float())
    if r.np_result == "promote" and ta.dtype == torch.bool:
        return ta.to(torch.int64)
    return ta


def _finish(r: optable.Binary, res: torch.Tensor) -> torch.Tensor:
    if r.np_result == "bool" and res.dtype != torch.bool:
        return res.to(torch.bool)
    return res


def fast_functions(r: optable.Binary):
    """The row's fast-path functions: ``(same, scalar)``, the functions its
    ``_npi_*`` kernels are on two arrays of one dtype and on a float array
    with a Python float (None where the row has no such kernel)."""
    names = r.np_ops
    np_array = _np_op(names.array if names else None)
    np_scalar = _np_op(names.scalar if names else None)
    same = getattr(np_array.kernel, "same_dtype_fn", None) if np_array else None
    scalar = getattr(np_scalar.kernel, "float_fn", None) if np_scalar else None
    return same, scalar


def _binary(r: optable.Binary):
    """``x <op> other`` for an np array ``x`` (and the ``mx.np`` function)."""
    names = r.np_ops
    np_array = _np_op(names.array if names else None)
    np_scalar = _np_op(names.scalar if names else None)
    kernel = (np_array or _reg.get(r.array_op)).kernel
    skernel = np_scalar.kernel if np_scalar else _reg.get(r.scalar_op).kernel
    # Comparisons and logic compare with the scalar as given (``i == 1.5`` is
    # False); arithmetic casts it to the array's dtype, as MXNet does.
    scalar_fn = getattr(skernel, "core", skernel) if r.np_result == "bool" else skernel
    what = r.symbol or r.name
    same, fscalar = fast_functions(r)

    def method(self, other):
        ta = self._data
        if type(other) is ndarray:
            if same is not None:
                tb = other._data
                if ta.dtype is tb.dtype:  # the kernel's one-dtype function
                    res = same(ta, tb)
                    if res.requires_grad:
                        return _grad_result(res, self._ctx)
                    arr = _alloc(ndarray)
                    arr._data = res
                    arr._ag = None
                    arr._ctx = self._ctx
                    return arr
        elif type(other) is float and fscalar is not None and ta.is_floating_point():
            res = fscalar(ta, other)
            if res.requires_grad:
                return _grad_result(res, self._ctx)
            arr = _alloc(ndarray)
            arr._data = res
            arr._ag = None
            arr._ctx = self._ctx
            return arr
        return _general(self, other)

    def _general(self, other):
        ta = self._data
        if isinstance(other, ndarray):
            a, b = binary_tensors(r, ta, other._data)
            res = _run(kernel, a, b)
        elif _is_scalar(other):
            if isinstance(other, np.generic):
                other = other.item()
            res = _run(scalar_fn, _scalar_operand(r, ta), other)
        elif isinstance(other, (NDArray, np.ndarray)):
            raise _mixing_error(what, other)
        else:
            return NotImplemented
        return from_tensor(_finish(r, res), self._ctx)

    method.__name__ = f"__{r.dunders[0]}__" if r.dunders else r.name
    method.general = _general  # type: ignore[attr-defined]
    return method


def _reflected(r: optable.Binary):
    """``number <op> x``: the row's reflected scalar operator."""
    names = r.np_ops
    np_rscalar = _np_op(names.rscalar if names else None)
    kernel = (np_rscalar or _reg.get(r.rscalar_op)).kernel
    what = r.symbol or r.name

    def method(self, other):
        if _is_scalar(other):
            if isinstance(other, np.generic):
                other = other.item()
            res = _run(kernel, _scalar_operand(r, self._data), other)
            return from_tensor(_finish(r, res), self._ctx)
        if isinstance(other, (NDArray, np.ndarray)):
            raise _mixing_error(what, other)
        return NotImplemented

    method.__name__ = f"__r{r.dunders[0]}__"
    return method


def _inplace(r: optable.Binary):
    """``x <op>= other``: computed, cast to ``x``'s dtype, written into ``x``."""
    fwd = _binary(r)

    def method(self, other):
        res = fwd(self, other)
        if res is NotImplemented:
            return res
        return write_out(self, res, f"In-place {r.symbol}=")

    method.__name__ = f"__i{r.dunders[0]}__"
    return method


def _unary(u: optable.Unary):
    op = _np_op(u.np_op) or _reg.get(u.op)
    kernel = op.kernel

    def method(self):
        t = self._data
        if t.dtype == torch.bool and u.dunder == "neg":
            t = t.to(torch.int64)
        return from_tensor(_run(kernel, t), self._ctx)

    method.__name__ = f"__{u.dunder}__"
    return method


optable.install_operators(
    ndarray,
    binary=_binary,
    reflected=_reflected,
    unary=_unary,
    inplace=_inplace,
)


def binary_function(r: optable.Binary, name: str):
    """The ``mx.np`` function of a row (``np.add(x1, x2, out=None)``): arrays
    and scalars in either position; two scalars give a Python scalar."""
    fwd = getattr(ndarray, f"__{r.dunders[0]}__") if r.dunders else _binary(r)
    rev = (
        fwd
        if r.symmetric
        else (getattr(ndarray, f"__r{r.dunders[0]}__", None) or _reflected(r))
    )
    if not r.reflected:  # comparisons: ``5 > x`` is ``x < 5``
        rev = _binary(
            optable.row(r.rscalar_op.removeprefix("_").removesuffix("_scalar"))
        )

    # Two scalars: numpy's own function, as MXNet (``np.add(1, 2)`` is numpy.int64).
    numpy_fold = getattr(np, r.np_functions[0] if r.np_functions else name)
    same, _ = fast_functions(r)

    def fn(x1, x2, out=None, **kwargs):
        if (
            same is not None
            and type(x1) is ndarray
            and type(x2) is ndarray
            and out is None
            and not kwargs
        ):
            ta = x1._data
            tb = x2._data
            if ta.dtype is tb.dtype:  # the kernel's one-dtype function
                res = same(ta, tb)
                if res.requires_grad:
                    return _grad_result(res, x1._ctx)
                arr = _alloc(ndarray)
                arr._data = res
                arr._ag = None
                arr._ctx = x1._ctx
                return arr
        if kwargs:
            from ..util import _check_ufunc_kwargs

            _check_ufunc_kwargs(name, kwargs)
        if isinstance(x1, ndarray):
            res = fwd(x1, x2)
        elif isinstance(x2, ndarray) and _is_scalar(x1):
            res = rev(x2, x1)
        elif _is_scalar(x1) and _is_scalar(x2):
            return numpy_fold(x1, x2)
        else:
            raise TypeError(
                f"np.{name}: operands must be mx.np.ndarrays or scalars, got "
                f"{type(x1).__name__} and {type(x2).__name__}."
            )
        if res is NotImplemented:
            raise _mixing_error(f"np.{name}", x2)
        if out is not None:
            return write_out(out, res)
        return res

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "neogluon.numpy"
    fn.optable_row = r
    fn.__doc__ = (
        f"Element-wise ``{name}`` of ``x1`` and ``x2`` with broadcasting "
        f"(MXNet's ``{r.np_ops.array if r.np_ops else r.array_op}``); either may be "
        "a scalar."
    )
    return fn


def write_out(out: NDArray, res: NDArray, what: str = "out=") -> NDArray:
    """Copy ``res`` into ``out`` (same shape), cast to ``out``'s dtype."""
    t = out._data
    v = res._data
    if tuple(t.shape) != tuple(v.shape):
        raise MXNetError(
            f"{what}: the result has shape {tuple(v.shape)} but the array written "
            f"to has shape {tuple(t.shape)}; the operands must broadcast to it."
        )
    if _flags.recording and not t.requires_grad:
        t.copy_(v.to(t.dtype))
    else:
        _grad_off(t.copy_, v.to(t.dtype))
    return out


def nd_as_np_ndarray(x: NDArray) -> ndarray:
    """``NDArray.as_np_ndarray``: the same data as an ``mx.np.ndarray``."""
    return as_np(x)


# ---------------------------------------------------------------- npx calls
def _leading(op: _reg.OpDef, attrs: dict) -> int:
    """How many inputs ``attrs`` make present when they are the op's leading
    declared inputs, else -1 (bind the long way)."""
    names = op.input_names(attrs)
    return len(names) if names == op.inputs[: len(names)] else -1


#: "no positional argument" (npx functions take their first input positionally)
_NO = object()
_CONTIGUOUS = torch.contiguous_format


def operator_call(op: _reg.OpDef, general: Callable) -> Callable:
    """The eager ``npx`` function of ``op`` on np arrays.

    The plain call (np arrays of one dtype for the op's leading inputs,
    attributes by keyword or left at their defaults, no ``out=``) runs the
    kernel here and wraps its result as an ``ndarray`` once; keyword
    attributes are parsed once per distinct set of values (``attr_key``).
    Any other call, a call while the operator profiler runs, and a call whose
    kernel fails (so that the error names the op and its inputs) is
    ``general(*args, **kwargs)``.
    """
    kernel = op.kernel
    defaults = op.defaults
    plain = not op.variadic and not op.creation
    n_default = (
        _leading(op, defaults) if plain and len(defaults) == len(op.params) else -1
    )
    bare = op.bare_defaults
    same_dtype = op.same_dtype
    view = op.returns_view
    input_names = frozenset(op.inputs) | {"out", "name"}
    attr_cache: dict = {}

    # one input at the op's defaults: the kernel on its tensor, a direct call
    # (the op's fast kernel for its defaults where it has one)
    unary = n_default == 1 and bare and not view
    unary_kernel = kernel
    if unary and op.fast_kernel is not None:
        unary_kernel = op.fast_kernel(defaults) or kernel

    def call(x, args: tuple, kwargs: dict):
        """Every call but the one-input call at the defaults."""
        if x is not _NO:
            args = (x, *args)
        if kwargs:
            key = attr_key(kwargs) if input_names.isdisjoint(kwargs) else None
            cached = attr_cache.get(key) if key is not None else None
            if cached is None:
                if key is None or not plain:
                    return general(*args, **kwargs)
                try:
                    parsed = op.parse_attrs(kwargs)
                except Exception:  # noqa: BLE001 - reported by the nd function
                    return general(*args, **kwargs)
                cached = (parsed, _leading(op, parsed))
                if len(attr_cache) < 256:
                    attr_cache[key] = cached
            attrs, n_present = cached
        else:
            attrs, n_present = defaults, n_default
        if len(args) != n_present or not n_present or _PROF.on:
            return general(*args, **kwargs)
        for a in args:
            if type(a) is not ndarray:
                return general(*args, **kwargs)
        a0 = args[0]
        t = a0._data
        if n_present == 1:
            tensors: tuple = (t,)
            grad = t.requires_grad
        else:
            tensors = tuple(a._data for a in args)
            grad = False
            for tx in tensors:
                if tx.requires_grad:
                    grad = True
                if same_dtype and tx.dtype is not t.dtype:
                    return general(*args, **kwargs)
        try:
            if grad and not _flags.recording:
                res = _grad_off(kernel, *tensors, **attrs)
            elif attrs is defaults and bare:
                res = kernel(*tensors)
            else:
                res = kernel(*tensors, **attrs)
        except Exception:  # noqa: BLE001 - the nd function reports it
            return general(*args, **kwargs)
        if type(res) is not _Tensor:
            return [from_tensor(r, a0._ctx) for r in res]
        if view and res._is_view():
            res = res.clone(memory_format=_CONTIGUOUS)
        return wrap(res, a0._ctx)

    if not unary:

        def fn(x=_NO, /, *args, **kwargs):
            return call(x, args, kwargs)

    else:  # a small frame for the common call

        def fn(x=_NO, /, *args, **kwargs):
            if type(x) is ndarray and not args and not kwargs and not _PROF.on:
                try:
                    res = unary_kernel(x._data)
                except Exception:  # noqa: BLE001 - the nd function reports it
                    return general(x)
                if type(res) is not _Tensor:
                    return [from_tensor(r, x._ctx) for r in res]
                if res.requires_grad:  # recorded, or computed from a variable
                    return wrap(res, x._ctx)
                arr = _alloc(ndarray)
                arr._data = res
                arr._ag = None
                arr._ctx = x._ctx
                return arr
            return call(x, args, kwargs)

    fn.general = general  # type: ignore[attr-defined]
    return fn


register_np_array_type(ndarray)  # the nd operators' fast path takes np arrays
