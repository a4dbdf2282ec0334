"""``NDArray``: one torch.Tensor with MXNet's semantics.

The class is a ``__slots__`` wrapper. Operators run eagerly through the operator
registry (``neogluon.ops``); nothing is recorded for autograd outside
``autograd.record()`` (ops run with torch grad mode off unless recording).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .. import _state
from .._dtypes import TORCH_TO_NPTYPE
from .._dtypes import to_torch_dtype
from ..base import MXNetError
from ..base import numeric_types
from ..context import Context
from ..context import _context_of_device
from ..context import current_context
from ..ops import registry as _reg

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


class _AutogradInfo:
    """Gradient buffer and bookkeeping of an array marked as a variable."""

    __slots__ = ("grad", "grad_req", "fresh", "__weakref__")

    def __init__(self, grad: NDArray | None, grad_req: str) -> None:
        self.grad = grad
        self.grad_req = grad_req
        self.fresh = False


def _new(t: torch.Tensor) -> NDArray:
    arr = NDArray.__new__(NDArray)
    arr._data = t
    arr._ag = None
    return arr


def _ctx_device(ctx) -> torch.device:
    if ctx is None:
        return current_context().torch_device
    if isinstance(ctx, Context):
        return ctx.torch_device
    if isinstance(ctx, str):
        name, _, rest = ctx.partition("(")
        idx = int(rest.rstrip(")")) if rest else 0
        return Context(name, idx).torch_device
    if isinstance(ctx, torch.device):
        return ctx
    raise TypeError(f"expected a Context such as mx.cpu() or mx.gpu(0), got {ctx!r}")


def _shape_str(shape) -> str:
    return "x".join(str(d) for d in shape)


class NDArray:
    """An n-dimensional array on a device, with MXNet 1.x semantics.

    Wraps one ``torch.Tensor`` (see :meth:`to_torch`). Create arrays with
    :func:`array`, :func:`zeros`, :func:`ones`, ...

    Examples
    --------
    >>> import neogluon as mx
    >>> x = mx.nd.array([[1, 2], [3, 4]])
    >>> (x * 2).asnumpy()
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __slots__ = ("_data", "_ag", "__weakref__")
    # numpy must defer to our reflected operators (ndarray + NDArray).
    __array_priority__ = 1000.0
    __array_ufunc__ = None

    def __init__(self, data: torch.Tensor) -> None:
        if not isinstance(data, torch.Tensor):
            raise TypeError(
                "NDArray(...) wraps a torch.Tensor; use mx.nd.array(...) to build "
                f"an array from {type(data).__name__}."
            )
        self._data = data
        self._ag = None

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
        return _context_of_device(self._data.device)

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
    def T(self) -> NDArray:
        if self.ndim < 2:
            return self
        return invoke(_reg.get("transpose"), [self], {"axes": ()})

    # ------------------------------------------------------------ conversion
    def asnumpy(self) -> np.ndarray:
        """A numpy copy of the data (blocking)."""
        t = self._data.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        if t.device.type != "cpu":
            return t.cpu().numpy()
        return t.numpy().copy()

    def asscalar(self):
        """The value of a size-1 array as a numpy scalar."""
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
        self.wait_to_read()

    def to_dlpack_for_read(self):
        return torch.utils.dlpack.to_dlpack(self._data.detach())

    to_dlpack_for_write = to_dlpack_for_read

    def __dlpack__(self, stream=None):
        return self._data.detach().__dlpack__(stream=stream)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def as_nd_ndarray(self) -> NDArray:
        return self

    def tostype(self, stype: str) -> NDArray:
        if stype != "default":
            raise MXNetError(
                f"tostype('{stype}'): sparse storage is not supported by neogluon; "
                "only 'default' (dense) storage exists."
            )
        return self

    # ------------------------------------------------------------ copies
    def copy(self) -> NDArray:
        return _new(_clone(self._data))

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
            dev = _ctx_device(other)
            return _new(self._data.detach().to(dev, copy=True))
        raise TypeError(f"copyto does not support type {type(other).__name__}")

    def as_in_context(self, context) -> NDArray:
        """``self`` when already on ``context`` (no copy), else a copy there."""
        if _ctx_device(context) == self._data.device:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def astype(self, dtype, copy: bool = True) -> NDArray:
        t = to_torch_dtype(dtype)
        if not copy and t == self._data.dtype:
            return self
        return invoke(_reg.get("Cast"), [self], {"dtype": dtype})

    def detach(self) -> NDArray:
        return _new(self._data.detach())

    # ------------------------------------------------------------ autograd
    def attach_grad(self, grad_req: str = "write", stype=None) -> None:
        """Allocate a zero gradient buffer and mark this array as a variable."""
        from .. import autograd

        grad = _new(torch.zeros_like(self._data))
        autograd.mark_variables([self], [grad], grad_req)

    def backward(self, out_grad=None, retain_graph: bool = False, train_mode: bool = True):
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

        Returns a view sharing memory with ``self`` (as MXNet does).
        """
        reverse = bool(kwargs.pop("reverse", False))
        if "shape" in kwargs:
            shape = kwargs.pop("shape")
        elif len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        if kwargs:
            raise TypeError(f"reshape() got unexpected arguments {sorted(kwargs)}")
        from ..ops.shape import infer_reshape

        target = infer_reshape(self.shape, tuple(shape), reverse)
        return _wrap_run(lambda t: t.reshape(target), self._data)

    def __len__(self) -> int:
        if self._data.dim() == 0:
            raise TypeError("len() of a 0-d NDArray")
        return self._data.shape[0]

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

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return (
            f"\n{self.asnumpy()}\n<NDArray {_shape_str(self.shape)} @{self.context}>"
        )

    __str__ = __repr__

    # ------------------------------------------------------------ pickling
    def __getstate__(self):
        from .serialization import dumps_array

        return {"handle": bytearray(dumps_array(self))}

    def __setstate__(self, state):
        from .serialization import loads_array

        arr = loads_array(bytes(state["handle"]))
        self._data = arr._data
        self._ag = None

    def __reduce__(self):
        return (_rebuild, (), self.__getstate__())

    # ------------------------------------------------------------ indexing
    def __getitem__(self, key) -> NDArray:
        t = self._data
        key = _convert_key(key, t.dim())
        out = _run(_getitem, t, key)
        return _new(out)

    def __setitem__(self, key, value) -> None:
        t = self._data
        key = _convert_key(key, t.dim())
        v = _as_value(value, t)
        if _flags.recording:
            _setitem(t, key, v)
        else:
            prev = _grad_enabled()
            _set_grad(False)
            try:
                _setitem(t, key, v)
            finally:
                _set_grad(prev)

    # ------------------------------------------------------------ operators
    def __add__(self, other):
        return _binary(self, other, torch.add, "broadcast_add")

    def __radd__(self, other):
        return _binary(self, other, torch.add, "broadcast_add")

    def __sub__(self, other):
        return _binary(self, other, torch.sub, "broadcast_sub")

    def __rsub__(self, other):
        return _rbinary(self, other, torch.sub, "broadcast_sub")

    def __mul__(self, other):
        return _binary(self, other, torch.mul, "broadcast_mul")

    def __rmul__(self, other):
        return _binary(self, other, torch.mul, "broadcast_mul")

    def __truediv__(self, other):
        return _binary(self, other, _div, "broadcast_div")

    def __rtruediv__(self, other):
        return _rbinary(self, other, _div, "broadcast_div")

    __div__ = __truediv__
    __rdiv__ = __rtruediv__

    def __mod__(self, other):
        return _binary(self, other, _mod, "broadcast_mod")

    def __rmod__(self, other):
        return _rbinary(self, other, _mod, "broadcast_mod")

    def __pow__(self, other):
        return _binary(self, other, torch.pow, "broadcast_power")

    def __rpow__(self, other):
        return _rbinary(self, other, torch.pow, "broadcast_power")

    def __neg__(self):
        return _new(_run(torch.neg, self._data))

    def __abs__(self):
        return _new(_run(torch.abs, self._data))

    def __eq__(self, other):
        return _binary(self, other, _cmp(torch.eq), "broadcast_equal")

    def __ne__(self, other):
        return _binary(self, other, _cmp(torch.ne), "broadcast_not_equal")

    def __lt__(self, other):
        return _binary(self, other, _cmp(torch.lt), "broadcast_lesser")

    def __le__(self, other):
        return _binary(self, other, _cmp(torch.le), "broadcast_lesser_equal")

    def __gt__(self, other):
        return _binary(self, other, _cmp(torch.gt), "broadcast_greater")

    def __ge__(self, other):
        return _binary(self, other, _cmp(torch.ge), "broadcast_greater_equal")

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

    # MXNet deliberately has no implicit scalar conversions (PITFALL 2.1).
    def __float__(self):
        raise TypeError(
            "float() of an NDArray is not supported (as in MXNet); use "
            "x.asscalar() for a size-1 array."
        )

    __int__ = __float__
    __index__ = None  # type: ignore[assignment]


def _rebuild():
    return NDArray.__new__(NDArray)


# ---------------------------------------------------------------- hot path
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


def _wrap_run(fn, *args):
    return _new(_run(fn, *args))


def _clone(t: torch.Tensor) -> torch.Tensor:
    return _run(torch.clone, t, memory_format=torch.contiguous_format)


def _dtype_error(op_name: str, a: torch.Tensor, b: torch.Tensor) -> MXNetError:
    from .._dtypes import dtype_name

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
    if t.dtype == torch.bool:
        return bool(s)
    return int(s)


def _binary(a: NDArray, b, fn, op_name: str):
    ta = a._data
    if isinstance(b, NDArray):
        tb = b._data
        if ta.dtype != tb.dtype:
            raise _dtype_error(op_name, ta, tb)
        try:
            return _new(_run(fn, ta, tb))
        except RuntimeError as err:
            raise _broadcast_error(op_name, ta, tb, err) from None
    if isinstance(b, numeric_types):
        return _new(_run(fn, ta, _scalar_for(ta, b)))
    if isinstance(b, np.ndarray):
        return _binary(a, array(b, ctx=a.context, dtype=b.dtype), fn, op_name)
    return NotImplemented


def _rbinary(a: NDArray, b, fn, op_name: str):
    ta = a._data
    if isinstance(b, numeric_types):
        s = torch.tensor(_scalar_for(ta, b), dtype=ta.dtype, device=ta.device)
        return _new(_run(fn, s, ta))
    if isinstance(b, np.ndarray):
        return _binary(array(b, ctx=a.context, dtype=b.dtype), a, fn, op_name)
    return NotImplemented


def _inplace(a: NDArray, b, fn, sym: str):
    ta = a._data
    if isinstance(b, NDArray):
        tb = b._data
        if ta.dtype != tb.dtype:
            raise _dtype_error(sym, ta, tb)
    elif isinstance(b, numeric_types):
        tb = _scalar_for(ta, b)
    else:
        return NotImplemented
    res = _run(fn, ta, tb)
    if tuple(res.shape) != tuple(ta.shape):
        raise MXNetError(
            f"In-place {sym}: result shape {tuple(res.shape)} differs from the "
            f"array's shape {tuple(ta.shape)}."
        )
    if _flags.recording:
        ta.copy_(res)
    else:
        prev = _grad_enabled()
        _set_grad(False)
        try:
            ta.copy_(res)
        finally:
            _set_grad(prev)
    return a


def _broadcast_error(op_name, ta, tb, err) -> MXNetError:
    return MXNetError(
        f"Operator {op_name}: shapes {tuple(ta.shape)} and {tuple(tb.shape)} cannot "
        f"be broadcast together (each dim must be equal or 1). ({err})"
    )


def _div(a, b):
    if isinstance(a, torch.Tensor):
        t = a
    else:
        t = b
    if t.is_floating_point():
        return torch.div(a, b)
    return torch.div(a, b, rounding_mode="trunc")


def _mod(a, b):
    return torch.remainder(a, b)


def _cmp(fn):
    def cmp(a, b):
        t = a if isinstance(a, torch.Tensor) else b
        return fn(a, b).to(t.dtype)

    cmp.__name__ = fn.__name__
    return cmp


# ---------------------------------------------------------------- indexing
def _to_index_tensor(x, device) -> torch.Tensor:
    if isinstance(x, NDArray):
        t = x._data
    elif isinstance(x, torch.Tensor):
        t = x
    else:
        t = torch.as_tensor(np.asarray(x))
    if t.dtype != torch.long:
        t = t.long()
    return t.to(device)


def _convert_key(key, ndim: int):
    """Normalize an index: NDArray/list/ndarray -> long tensors; tuple kept."""
    if isinstance(key, tuple):
        return tuple(_convert_item(k) for k in key)
    return _convert_item(key)


def _convert_item(k):
    if isinstance(k, (NDArray, list, np.ndarray)):
        return _to_index_tensor(k, None if not isinstance(k, NDArray) else k._data.device)
    if isinstance(k, np.integer):
        return int(k)
    return k


def _is_basic(key) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return all(
        isinstance(k, (int, slice)) or k is None or k is Ellipsis for k in items
    )


def _has_negative_step(key) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, slice) and k.step is not None and k.step < 0 for k in items)


def _all_ints(key, ndim: int) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return len(items) == ndim and all(isinstance(k, int) for k in items)


def _getitem(t: torch.Tensor, key):
    if _is_basic(key):
        if _all_ints(key, t.dim()):
            # MXNet returns shape (1,) when integers consume every axis.
            return t[key].reshape(1).clone()
        if _has_negative_step(key):
            out = _negative_step_getitem(t, key)
        else:
            out = t[key]
        # MXNet: a basic index is a view only when it is one contiguous block.
        if not out.is_contiguous():
            out = out.clone(memory_format=torch.contiguous_format)
        return out
    return t[key]


def _negative_step_getitem(t: torch.Tensor, key):
    items = list(key) if isinstance(key, tuple) else [key]
    # Expand Ellipsis so each item maps to an input axis.
    n_axes = sum(1 for k in items if k is not None and k is not Ellipsis)
    if Ellipsis in items:
        i = items.index(Ellipsis)
        items[i : i + 1] = [slice(None)] * (t.dim() - n_axes)
    fixes = []  # (output dim, slice over that dim)
    plain = []
    out_dim = 0
    in_dim = 0
    for k in items:
        if k is None:
            plain.append(None)
            out_dim += 1
        elif isinstance(k, int):
            plain.append(k)
            in_dim += 1
        else:
            if k.step is not None and k.step < 0:
                rng = range(*k.indices(t.shape[in_dim]))
                plain.append(slice(None))
                fixes.append((out_dim, rng))
            else:
                plain.append(k)
            out_dim += 1
            in_dim += 1
    out = t[tuple(plain)]
    for d, rng in fixes:
        if len(rng) == 0:
            out = out.narrow(d, 0, 0)
            continue
        first, last = rng[0], rng[-1]
        out = out.narrow(d, last, first - last + 1).flip(d)
        if rng.step != -1:
            idx = [slice(None)] * out.dim()
            idx[d] = slice(None, None, -rng.step)
            out = out[tuple(idx)]
    return out


def _setitem(t: torch.Tensor, key, v) -> None:
    if _is_basic(key) and _all_ints(key, t.dim()):
        items = key if isinstance(key, tuple) else (key,)
        key = tuple(slice(k, k + 1 if k != -1 else None) for k in items)
    if _is_basic(key) and _has_negative_step(key):
        view = _negative_step_getitem(t, key)
        view.copy_(v if not isinstance(v, torch.Tensor) else v.expand_as(view))
        return
    if isinstance(v, torch.Tensor):
        target_shape = t[key].shape if not _is_basic(key) else None
        if target_shape is not None and v.shape != target_shape:
            v = v.expand(target_shape) if v.dim() <= len(target_shape) else v.reshape(target_shape)
    t[key] = v


def _as_value(value, t: torch.Tensor):
    if isinstance(value, NDArray):
        v = value._data
        if v.dtype != t.dtype:
            v = v.to(t.dtype)
        if v.device != t.device:
            v = v.to(t.device)
        return v
    if isinstance(value, numeric_types):
        return _scalar_for(t, value)
    if isinstance(value, torch.Tensor):
        return value.to(t.dtype).to(t.device)
    return torch.as_tensor(np.asarray(value), dtype=t.dtype, device=t.device)


# ---------------------------------------------------------------- invoke
def invoke(op: _reg.OpDef, inputs: Sequence[NDArray], attrs: dict, out=None):
    """Run a registered operator eagerly on NDArrays (the ``nd`` frontend core).

    Returns an NDArray, or a list of NDArrays for multi-output ops.
    """
    tensors = [x._data for x in inputs]
    if op.same_dtype and len(tensors) > 1:
        _check_dtypes(op, inputs, tensors, attrs)
    try:
        if _flags.recording:
            res = op.kernel(*tensors, **attrs)
        else:
            prev = _grad_enabled()
            _set_grad(False)
            try:
                res = op.kernel(*tensors, **attrs)
            finally:
                _set_grad(prev)
    except MXNetError as err:
        raise _with_block(err) from None
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        raise op_error(op, tensors, attrs, err) from None
    if isinstance(res, torch.Tensor):
        if op.returns_view and res._is_view():
            res = _clone(res)
        if out is not None:
            return _write_out(out, res)
        return _new(res)
    outs = [_new(r) for r in res]
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
    _run(out._data.copy_, res)
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
            from .._dtypes import dtype_name

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
    expected = ""
    if op.infer_shape is not None:
        try:
            op.infer_shape([tuple(s) for s in shapes], attrs)
        except _reg.ShapeError as serr:
            expected = f" {serr}"
        except Exception:  # noqa: BLE001 - best effort diagnosis only
            expected = ""
    given = {k: v for k, v in attrs.items() if k in op.spec_map}
    cls = _reg.ShapeError if expected else MXNetError
    return cls(
        f"Operator {op.name}{_where()} failed on inputs {desc} with attrs "
        f"{given}:{expected or ' ' + detail}"
    )


# ---------------------------------------------------------------- creation
def _shape_tuple(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _dtype_or_default(dtype) -> torch.dtype:
    return torch.float32 if dtype is None else to_torch_dtype(dtype)


def array(source_array, ctx=None, dtype=None) -> NDArray:
    """Create an array from a list, numpy array, NDArray or torch tensor.

    The dtype is float32 unless ``dtype`` is given, whatever the source's dtype
    (MXNet's rule), except that an NDArray source keeps its dtype.
    """
    dev = _ctx_device(ctx)
    if isinstance(source_array, NDArray):
        t = source_array._data.detach()
        td = t.dtype if dtype is None else to_torch_dtype(dtype)
        return _new(t.to(device=dev, dtype=td, copy=True))
    if isinstance(source_array, torch.Tensor):
        td = _dtype_or_default(dtype)
        return _new(source_array.detach().to(device=dev, dtype=td, copy=True))
    td = _dtype_or_default(dtype)
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
        raise TypeError("nd.array: strings cannot be stored in an NDArray")
    t = torch.from_numpy(np.ascontiguousarray(src).copy() if src.dtype.byteorder == ">" else np.ascontiguousarray(src))
    return _new(t.to(device=dev, dtype=td, copy=True))


def from_numpy(ndarray: np.ndarray, zero_copy: bool = True) -> NDArray:
    """Wrap a numpy array (keeping its dtype), sharing memory when possible."""
    t = torch.from_numpy(ndarray)
    return _new(t if zero_copy else t.clone())


def empty(shape, ctx=None, dtype=None) -> NDArray:
    return _new(torch.empty(_shape_tuple(shape), dtype=_dtype_or_default(dtype), device=_ctx_device(ctx)))


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs) -> NDArray:
    """An array of zeros (float32 by default)."""
    return _new(torch.zeros(_shape_tuple(shape), dtype=_dtype_or_default(dtype), device=_ctx_device(ctx)))


def ones(shape, ctx=None, dtype=None, **kwargs) -> NDArray:
    """An array of ones (float32 by default)."""
    return _new(torch.ones(_shape_tuple(shape), dtype=_dtype_or_default(dtype), device=_ctx_device(ctx)))


def full(shape, val, ctx=None, dtype=np.float32, out=None) -> NDArray:
    """An array filled with ``val``."""
    td = _dtype_or_default(dtype)
    t = torch.full(_shape_tuple(shape), val, dtype=td, device=_ctx_device(ctx))
    if out is not None:
        return _write_out(out, t)
    return _new(t)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=np.float32) -> NDArray:
    """Evenly spaced values in ``[start, stop)``; ``repeat`` repeats each one."""
    if stop is None:
        start, stop = 0, start
    td = _dtype_or_default(dtype)
    t = torch.arange(start, stop, step, dtype=torch.float64, device=_ctx_device(ctx)).to(td)
    if repeat != 1:
        t = t.repeat_interleave(int(repeat))
    return _new(t)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32) -> NDArray:
    td = _dtype_or_default(dtype)
    if endpoint:
        t = torch.linspace(start, stop, num, dtype=torch.float64)
    else:
        t = torch.linspace(start, stop, num + 1, dtype=torch.float64)[:num]
    return _new(t.to(device=_ctx_device(ctx), dtype=td))


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs) -> NDArray:
    M = M or N
    td = _dtype_or_default(dtype)
    t = torch.zeros((N, M), dtype=td, device=_ctx_device(ctx))
    t.diagonal(k).fill_(1)
    return _new(t)


def zeros_like(data: NDArray, **kwargs) -> NDArray:
    return _new(torch.zeros_like(data._data))


def ones_like(data: NDArray, **kwargs) -> NDArray:
    return _new(torch.ones_like(data._data))


def concatenate(arrays, axis=0, always_copy=True) -> NDArray:
    """Join arrays along an existing axis (a Python helper, default axis 0)."""
    return _new(_run(torch.cat, [a._data for a in arrays], dim=axis))


def waitall() -> None:
    """Wait for all pending work (synchronizes CUDA; CPU work is already done)."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def from_torch(tensor: torch.Tensor) -> NDArray:
    """Wrap a ``torch.Tensor`` without copying (the dtype is kept)."""
    return _new(tensor)


def from_dlpack(dlpack) -> NDArray:
    """Zero-copy import of a DLPack capsule or any ``__dlpack__`` object."""
    return _new(torch.utils.dlpack.from_dlpack(dlpack))


def to_dlpack_for_read(data: NDArray):
    return data.to_dlpack_for_read()


def to_dlpack_for_write(data: NDArray):
    return data.to_dlpack_for_write()

