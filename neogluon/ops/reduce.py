"""Operator family: reductions (sum, mean, max, norm, argmax, ...).

MXNet rules kept here: ``axis=None``/``()`` reduces every axis; ``exclude=True``
reduces every axis *except* ``axis``; a reduction over all axes without
``keepdims`` returns shape ``(1,)``, never ``()``; reductions keep the input dtype
(the mean of an int32 array is int32, truncated toward zero); ``argmax``/``argmin``
return indices in the input dtype (float32 for the default dtype); ``max``/``min`` send the full gradient to every element
equal to the result (torch would split it among ties).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .._text import fmt_shape
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

_REDUCE_PARAMS = (
    P("axis", "axis", None, "Axis or axes to reduce; None or () reduces all."),
    P("keepdims", "bool", False, "Keep reduced axes as size-1 dims."),
    P("exclude", "bool", False, "Reduce every axis except ``axis``."),
)


def reduce_axes(op: str, shape, axis, exclude: bool = False) -> tuple[int, ...]:
    """The sorted, non-negative axes a reduction covers (MXNet's rules)."""
    ndim = len(shape)
    if axis is None or axis == ():
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(
                f"Operator {op}: axis {a} is out of range for input shape "
                f"{fmt_shape(tuple(shape))} (ndim {ndim}); use -{ndim} <= axis < {ndim}."
            )
        a = a % ndim
        if a in out:
            raise ShapeError(f"Operator {op}: axis {a} is given twice in {axis}.")
        out.append(a)
    if exclude:
        return tuple(i for i in range(ndim) if i not in out)
    return tuple(sorted(out))


def _reduced_shape(shape, axes, keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return out if out else (1,)


def _finish(res: torch.Tensor, shape, axes, keepdims: bool) -> torch.Tensor:
    """Shape the result as MXNet does: keepdims dims, or ``(1,)`` for all axes."""
    target = _reduced_shape(shape, axes, keepdims)
    if tuple(res.shape) != target:
        res = res.reshape(target)
    return res


def _reduce_infer(op: str) -> Callable:
    def infer(in_shapes, attrs, out_shapes=None):
        (s,) = in_shapes
        if s is None:
            return [None], [None]
        axes = reduce_axes(op, s, attrs.get("axis"), attrs.get("exclude", False))
        return [s], [_reduced_shape(s, axes, attrs.get("keepdims", False))]

    return infer


def _sum(data, axis=None, keepdims=False, exclude=False):
    if not keepdims and not exclude:  # the common cases, kept lean
        if axis is None and data.dim():  # full sum -> shape (1,)
            res = torch.sum(data)
            if res.requires_grad:
                res = res.reshape(1)
            else:
                res.resize_(1)  # a fresh 0-d result: cheaper than a view
            return res if res.dtype is data.dtype else res.to(data.dtype)
        if type(axis) is int:
            ndim = data.dim()
            if -ndim <= axis < ndim:
                res = torch.sum(data, axis)
                if ndim == 1:
                    res = res.reshape(1)
                return res if res.dtype is data.dtype else res.to(data.dtype)
    axes = reduce_axes("sum", data.shape, axis, exclude)
    if not axes:
        return data.clone()
    res = torch.sum(data, dim=axes, keepdim=keepdims)
    return _finish(res.to(data.dtype), data.shape, axes, keepdims)


def _mean(data, axis=None, keepdims=False, exclude=False):
    if not keepdims and not exclude and data.is_floating_point():  # kept lean
        if axis is None and data.dim():  # full mean -> shape (1,)
            res = torch.mean(data)
            if res.requires_grad:
                return res.reshape(1)
            return res.resize_(1)  # a fresh 0-d result: cheaper than a view
        if type(axis) is int:
            ndim = data.dim()
            if -ndim <= axis < ndim:
                res = torch.mean(data, axis)
                return res.reshape(1) if ndim == 1 else res
    axes = reduce_axes("mean", data.shape, axis, exclude)
    if not axes:
        return data.clone()
    if data.is_floating_point():
        res = torch.mean(data, dim=axes, keepdim=keepdims)
    else:
        count = 1
        for a in axes:
            count *= data.shape[a]
        total = torch.sum(data.long(), dim=axes, keepdim=keepdims)
        res = torch.div(total, count, rounding_mode="trunc").to(data.dtype)
    return _finish(res, data.shape, axes, keepdims)


def _prod(data, axis=None, keepdims=False, exclude=False):
    axes = reduce_axes("prod", data.shape, axis, exclude)
    res = data
    for a in sorted(axes, reverse=True):
        res = torch.prod(res, dim=a, keepdim=keepdims)
    return _finish(res.to(data.dtype), data.shape, axes, keepdims)


def _nansum(data, axis=None, keepdims=False, exclude=False):
    if data.is_floating_point():
        data = torch.where(torch.isnan(data), torch.zeros_like(data), data)
    return _sum(data, axis, keepdims, exclude)


def _nanprod(data, axis=None, keepdims=False, exclude=False):
    if data.is_floating_point():
        data = torch.where(torch.isnan(data), torch.ones_like(data), data)
    return _prod(data, axis, keepdims, exclude)


class _Extreme(torch.autograd.Function):
    """max/min with MXNet's gradient: every element equal to the result gets it."""

    @staticmethod
    def forward(ctx, data, axes, keepdims, is_max):
        fn = torch.amax if is_max else torch.amin
        res = fn(data, dim=axes, keepdim=True)
        ctx.save_for_backward(data, res)
        ctx.shape_keep = tuple(res.shape)
        return res if keepdims else res.squeeze(axes) if axes else res

    @staticmethod
    def backward(ctx, grad):
        data, res = ctx.saved_tensors
        g = grad.reshape(ctx.shape_keep)
        mask = (data == res).to(grad.dtype)
        return g * mask, None, None, None


def _extreme(op: str, is_max: bool) -> Callable:
    fn = torch.amax if is_max else torch.amin

    def kernel(data, axis=None, keepdims=False, exclude=False):
        if not keepdims and not exclude and not data.requires_grad:  # kept lean
            if axis is None and data.dim():  # every axis -> shape (1,)
                return fn(data).resize_(1)  # a fresh 0-d result
            if type(axis) is int:
                ndim = data.dim()
                if -ndim <= axis < ndim:
                    res = fn(data, axis)
                    return res.reshape(1) if ndim == 1 else res
        axes = reduce_axes(op, data.shape, axis, exclude)
        if not axes:
            return data.clone()
        if data.requires_grad:
            res = _Extreme.apply(data, axes, keepdims, is_max)
        else:
            res = fn(data, dim=axes, keepdim=keepdims)
        return _finish(res, data.shape, axes, keepdims)

    return kernel


def _axis_fast(kernel: Callable, lean: Callable, grad_ok: bool) -> Callable:
    """A ``fast_kernel`` for ``kernel``: with one int ``axis`` (no keepdims,
    no exclude) the eager call runs ``lean(data, axis)``, the torch reduction,
    and keeps its result when it already is MXNet's (same dtype, at least
    1-D); anything else (a 1-D or 0-d input, an integer sum, an input that
    requires grad where MXNet's gradient differs) reruns ``kernel``, which
    shapes the result. What torch refuses (an axis out of range, an integer
    mean) the frontend hands to ``kernel`` too: MXNet's result or error."""

    def make(attrs: dict) -> Callable | None:
        axis = attrs["axis"]
        if type(axis) is not int or attrs["keepdims"] or attrs["exclude"]:
            return None

        def reduce_axis(data):
            if grad_ok or not data.requires_grad:
                res = lean(data, axis)
                if res.dim() and res.dtype is data.dtype:
                    return res
            return kernel(data, axis)

        return reduce_axis

    return make


_REDUCERS = {
    "sum": (_sum, ("sum_axis",), "Sum"),
    "mean": (_mean, (), "Mean (integer means truncate)"),
    "prod": (_prod, (), "Product"),
    "nansum": (_nansum, (), "Sum treating NaN as 0"),
    "nanprod": (_nanprod, (), "Product treating NaN as 1"),
    "max": (_extreme("max", True), ("max_axis",), "Maximum"),
    "min": (_extreme("min", False), ("min_axis",), "Minimum"),
}
#: the torch reduction of one axis, and whether it gives MXNet's gradient
_LEAN = {
    "sum": (torch.sum, True),
    "mean": (torch.mean, True),
    "max": (torch.amax, False),
    "min": (torch.amin, False),
}
for _name, (_fn, _aliases, _doc) in _REDUCERS.items():
    _lean = _LEAN.get(_name)
    register(
        OpDef(
            _name,
            _fn,
            params=_REDUCE_PARAMS,
            infer_shape=_reduce_infer(_name),
            fast_kernel=None if _lean is None else _axis_fast(_fn, *_lean),
            aliases=_aliases,
            doc=f"{_doc} over ``axis`` (all axes by default; shape (1,) then).",
        )
    )


# --------------------------------------------------------------------------- norm
def _norm(data, ord=2, axis=None, out_dtype=None, keepdims=False):
    if ord not in (1, 2):
        raise ShapeError(f"Operator norm: ord must be 1 or 2, got {ord}.")
    axes = reduce_axes("norm", data.shape, axis)
    x = data if data.is_floating_point() else data.double()
    res = torch.linalg.vector_norm(x, ord=ord, dim=axes, keepdim=keepdims)
    res = _finish(res, data.shape, axes, keepdims)
    if out_dtype is not None:
        from .._dtypes import to_torch_dtype

        return res.to(to_torch_dtype(out_dtype))
    return res.to(data.dtype)


def _norm_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if s is None:
        return [None], [None]
    axes = reduce_axes("norm", s, attrs.get("axis"))
    return [s], [_reduced_shape(s, axes, attrs.get("keepdims", False))]


def _norm_type(in_types, attrs):
    out = attrs.get("out_dtype") or in_types[0]
    return in_types, [out]


register(
    OpDef(
        "norm",
        _norm,
        params=(
            P("ord", "int", 2, "Order of the norm (1 or 2)."),
            P("axis", "axis", None, "Axes to reduce; None reduces all."),
            P(
                "out_dtype",
                "dtype",
                None,
                "Output dtype (default: the input's).",
                (None, "float16", "float32", "float64", "int32", "int64", "int8"),
            ),
            P("keepdims", "bool", False, "Keep reduced axes as size-1 dims."),
        ),
        infer_shape=_norm_infer,
        infer_type=_norm_type,
        doc="L1 or L2 norm over ``axis`` (the whole array gives shape (1,)).",
    )
)


# --------------------------------------------------------------------------- argmax
def _arg_extreme(op: str, fn: Callable) -> Callable:
    def kernel(data, axis=None, keepdims=False):
        if type(axis) is int and not keepdims:  # one axis: kept lean
            ndim = data.dim()
            if -ndim <= axis < ndim:
                res = fn(data, axis)
                if ndim == 1:
                    res = res.reshape(1)
                # ``type(dtype)`` parses faster than ``to(dtype)``; same cast
                return res.type(data.dtype)
        if axis is None:
            res = fn(data.reshape(-1), dim=0)
            shape = (1,) * data.dim() if keepdims else (1,)
            return res.reshape(shape).to(data.dtype)
        ax = reduce_axes(op, data.shape, axis)[0]
        res = fn(data, dim=ax, keepdim=keepdims)
        if res.dim() == 0:
            res = res.reshape(1)
        return res.to(data.dtype)

    return kernel


def _arg_fast(kernel: Callable, fn: Callable) -> Callable:
    """A ``fast_kernel`` for ``kernel`` with one int ``axis`` (no keepdims):
    ``fn`` (``torch.argmax``) cast to the input dtype; a 1-D input reruns
    ``kernel`` (shape ``(1,)``), and what torch refuses (an axis out of
    range) the frontend hands to ``kernel``, which raises MXNet's error."""

    def make(attrs: dict) -> Callable | None:
        axis = attrs["axis"]
        if type(axis) is not int or attrs["keepdims"]:
            return None

        def arg_axis(data):
            res = fn(data, axis)
            if res.dim():
                return res.type(data.dtype)
            return kernel(data, axis)

        return arg_axis

    return make


def _arg_infer(op: str) -> Callable:
    def infer(in_shapes, attrs, out_shapes=None):
        (s,) = in_shapes
        if s is None:
            return [None], [None]
        axis = attrs.get("axis")
        keep = attrs.get("keepdims", False)
        if axis is None:
            return [s], [(1,) * len(s) if keep else (1,)]
        axes = reduce_axes(op, s, axis)
        return [s], [_reduced_shape(s, axes, keep)]

    return infer


def _argmax_channel(data):
    res = torch.argmax(data, dim=-1)
    if res.dim() == 0:
        res = res.reshape(1)
    return res.to(data.dtype)


for _name, _fn in (("argmax", torch.argmax), ("argmin", torch.argmin)):
    _arg_kernel = _arg_extreme(_name, _fn)
    register(
        OpDef(
            _name,
            _arg_kernel,
            fast_kernel=_arg_fast(_arg_kernel, _fn),
            params=(
                P("axis", "axis", None, "Axis (None: the flattened array)."),
                P("keepdims", "bool", False, "Keep the reduced axis."),
            ),
            infer_shape=_arg_infer(_name),
            doc=f"Index of the {_name[3:]}imum along ``axis`` (in the input dtype).",
        )
    )

register(
    OpDef(
        "argmax_channel",
        _argmax_channel,
        doc="Index of the maximum along the last axis (in the input dtype).",
    )
)
