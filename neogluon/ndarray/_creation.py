"""Creation functions: ``nd.array``, ``zeros``, ``ones``, ``full``, ``arange``, ...

float32 unless a dtype is given (MXNet's rule), on the given or current
context; plus zero-copy wrapping of torch tensors, numpy arrays and DLPack
capsules.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import _opprof
from .._dtypes import dtype_name
from .._dtypes import to_np_dtype
from .._dtypes import to_torch_dtype
from .._limits import checked_shape
from .._opprof import State as _PROF
from ..base import MXNetError
from ..context import Context
from ._core import NDArray
from ._core import _as_context
from ._core import _ctx_tag
from ._core import _new
from ._core import _resolve_ctx
from ._core import _run
from ._invoke import _write_out


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
