"""NumPy-interface reductions: ``_np_sum``, ``_npi_mean``, ``_npi_std``, ...

NumPy rules as MXNet 1.9.1 implements them: ``axis=None`` reduces every axis
to a 0-d array (not the legacy ``(1,)``); ``keepdims`` keeps size-1 dims;
``sum``/``prod`` of bool give int64 and keep other dtypes; ``mean``
of integers gives the default float dtype; ``std``/``var`` keep the input dtype
(integers compute in float64 and truncate); ``argmax``/``argmin`` give int64;
``all``/``any`` give bool; ``max``/``min`` send the whole gradient to every
element equal to the result, as MXNet does.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .._dtypes import dtype_name
from .._dtypes import to_torch_dtype
from .._state import flags
from ..base import MXNetError
from .np_common import default_float
from .np_common import norm_axes
from .np_common import norm_axis
from .reduce import _Extreme
from .registry import OpDef
from .registry import P
from .registry import register

__all__: list[str] = []

_DT = (None, "bool", "float16", "float32", "float64", "int32", "int64", "int8")
_DT_NOBOOL = tuple(d for d in _DT if d != "bool")


def _reduced(shape, axes, keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduce_infer(op: str) -> Callable:
    def infer(in_shapes, attrs, out_shapes=None):
        s = in_shapes[0]
        if s is None:
            return list(in_shapes), [None]
        axes = norm_axes(op, attrs.get("axis"), len(s))
        return list(in_shapes), [_reduced(s, axes, attrs.get("keepdims", False))]

    return infer


def _sum_dtype(in_dt: str | None, dtype) -> str | None:
    if dtype is not None:
        return dtype
    if in_dt == "bool":
        return "int64"
    return in_dt


def _sum_type(in_types, attrs):
    return in_types, [_sum_dtype(in_types[0], attrs.get("dtype"))]


def _mean_type(in_types, attrs):
    t = in_types[0]
    if attrs.get("dtype") is not None:
        return in_types, [attrs["dtype"]]
    if t is None:
        return in_types, [None]
    if to_torch_dtype(t).is_floating_point:
        return in_types, [t]
    return in_types, [dtype_name(default_float())]


def _keep_type(in_types, attrs):
    return in_types, [attrs.get("dtype") or in_types[0]]


def _bool_type(in_types, attrs):
    return in_types, ["bool"]


def _int64_type(in_types, attrs):
    return in_types, ["int64"]


def _sum_out(a, dtype) -> torch.dtype:
    if dtype is not None:
        return to_torch_dtype(dtype)
    return torch.int64 if a.dtype == torch.bool else a.dtype


def _integer_result(src: torch.Tensor, res: torch.Tensor) -> torch.Tensor:
    """``res``, an integer result computed from the recorded float ``src``,
    keeps ``src``'s gradient path (MXNet's reductions pass gradients into an
    integer ``dtype`` output as into a float one)."""
    if src.requires_grad and not res.requires_grad and flags.recording:
        from ..autograd import record_integer_cast  # autograd sits above ops/

        record_integer_cast(src, res)
    return res


def _np_sum(a, axis=None, dtype=None, keepdims=False, initial=None):
    if axis is None and dtype is None and initial is None and not keepdims:
        # The common full sum: one torch call (bool sums to int64 by itself).
        res = torch.sum(a)
        return (
            res if a.is_floating_point() or a.dtype == torch.bool else res.to(a.dtype)
        )
    out = _sum_out(a, dtype)
    axes = norm_axes("_np_sum", axis, a.dim())
    x = a if a.dtype != torch.bool else a.to(torch.int64)
    if not axes:
        res = x.to(out, copy=True)
        if x.is_floating_point() and not out.is_floating_point:
            res = _integer_result(x, res)
    else:
        # half precision accumulates in float32, as MXNet's reduce does
        if out in (torch.float16, torch.bfloat16):
            res = torch.sum(x, dim=axes, keepdim=keepdims, dtype=torch.float32)
        elif out.is_floating_point:
            res = torch.sum(x, dim=axes, keepdim=keepdims, dtype=out)
        elif x.is_floating_point():  # float input, integer dtype: float64 sum
            acc = torch.sum(x.double(), dim=axes, keepdim=keepdims)
            return _integer_result(acc, acc.to(out))
        else:  # the integer cast first: a shadowed input keeps its gradient
            res = torch.sum(x.to(torch.int64), dim=axes, keepdim=keepdims)
        res = res.to(out)
    if initial is not None:
        res = res + initial
    return res


def _np_prod(a, axis=None, dtype=None, keepdims=False, initial=None):
    out = _sum_out(a, dtype)
    axes = norm_axes("_np_prod", axis, a.dim())
    res = a.to(out) if a.dtype != out else a
    for ax in sorted(axes, reverse=True):
        res = torch.prod(res, dim=ax, keepdim=keepdims)
    if not axes:
        res = res.clone()
    if initial is not None:
        res = res * initial
    return res.to(out)


def _np_mean(a, axis=None, dtype=None, keepdims=False, initial=None):
    if (
        type(axis) is int
        and dtype is None
        and initial is None
        and a.is_floating_point()
    ):
        nd = a.dim()
        if -nd <= axis < nd:  # the common call: one torch mean in a's dtype
            return torch.mean(a, axis, keepdims)
    if initial is not None:
        raise MXNetError(
            "Operator _npi_mean: 'initial' is not supported (as in MXNet 1.9.1); "
            "leave it None."
        )
    if dtype is not None:
        out = to_torch_dtype(dtype)
    elif a.is_floating_point():
        out = a.dtype
    else:
        out = default_float()
    axes = norm_axes("_npi_mean", axis, a.dim())
    if not out.is_floating_point and not a.is_floating_point() and axes:
        # an integer mean in an integer dtype: NumPy's (and MXNet's) sum wraps
        # in ``dtype``, then the quotient is truncated toward zero
        n = 1
        for ax in axes:
            n *= a.shape[ax]
        total = torch.sum(a.to(torch.int64), dim=axes, keepdim=keepdims).to(out)
        return _integer_result(a, (total.double() / n).to(out))
    if not out.is_floating_point:
        x = a.double()
    elif a.is_floating_point() and out.itemsize <= a.element_size():
        x = a  # cast after the mean: the gradient is then exact, as MXNet's
    else:
        x = a.to(out)
    res = x if not axes else torch.mean(x, dim=axes, keepdim=keepdims)
    if out.is_floating_point:
        if axes and res.dtype == out:  # fresh from torch.mean: no copy
            return res
        return res.to(out, copy=True)
    return _integer_result(res, res.to(out))


def _moment(op: str, var: bool) -> Callable:
    def kernel(a, axis=None, dtype=None, ddof=0, keepdims=False):
        out = to_torch_dtype(dtype) if dtype is not None else a.dtype
        x = a if a.is_floating_point() else a.double()
        axes = norm_axes(op, axis, a.dim())
        if not axes:  # one element per slice: 0 / (1 - ddof) (NaN for ddof 1), as MXNet
            res = torch.zeros_like(x) / float(1 - ddof)
        else:
            res = torch.var(x, dim=axes, correction=ddof, keepdim=keepdims)
            if not var:
                res = torch.sqrt(res)
        return res.to(out)

    return kernel


def _extreme(op: str, is_max: bool) -> Callable:
    def kernel(a, axis=None, keepdims=False, initial=None):
        axes = norm_axes(op, axis, a.dim())
        if a.numel() == 0 and initial is None and any(a.shape[d] == 0 for d in axes):
            raise MXNetError(
                f"Operator {op}: zero-size array to reduction operation which has "
                "no identity; pass 'initial'."
            )
        if not axes:
            res = a.clone()
        elif a.requires_grad:
            res = _Extreme.apply(a, axes, keepdims, is_max)
        else:
            fn = torch.amax if is_max else torch.amin
            res = fn(a, dim=axes, keepdim=keepdims)
        if initial is not None:
            bound = torch.full_like(res, initial)
            res = torch.maximum(res, bound) if is_max else torch.minimum(res, bound)
        return res

    return kernel


def _logic(op: str, is_all: bool) -> Callable:
    def kernel(data, axis=None, keepdims=False):
        axes = norm_axes(op, axis, data.dim())
        x = data != 0 if data.dtype != torch.bool else data
        if not axes:
            return x.clone()
        fn = torch.all if is_all else torch.any
        res = x
        for ax in sorted(axes, reverse=True):
            res = fn(res, dim=ax, keepdim=keepdims)
        return res

    return kernel


_RED_PARAMS = (
    P("axis", "axis", None, "Axis or axes to reduce; None reduces every axis."),
    P("dtype", "dtype", None, "Output dtype.", _DT),
    P("keepdims", "bool", False, "Keep reduced axes as size-1 dims."),
    P("initial", "float", None, "Starting value of the reduction."),
)

for _name, _fn, _aliases, _type, _doc in (
    ("_np_sum", _np_sum, (), _sum_type, "Sum (bool sums as int64)"),
    ("_np_prod", _np_prod, ("_np_product",), _sum_type, "Product"),
    ("_npi_mean", _np_mean, (), _mean_type, "Mean (integers give the default float)"),
):
    register(
        OpDef(
            _name,
            _fn,
            inputs=("a",),
            params=_RED_PARAMS,
            infer_shape=_reduce_infer(_name),
            infer_type=_type,
            aliases=_aliases,
            doc=f"{_doc} over ``axis`` with NumPy semantics (0-d for all axes).",
        )
    )

for _name, _var in (("_npi_std", False), ("_npi_var", True)):
    register(
        OpDef(
            _name,
            _moment(_name, _var),
            inputs=("a",),
            params=(
                P("axis", "axis", None, "Axis or axes; None: every axis."),
                P("dtype", "dtype", None, "Output dtype.", _DT_NOBOOL),
                P("ddof", "int", 0, "Delta degrees of freedom."),
                P("keepdims", "bool", False, "Keep reduced axes."),
            ),
            infer_shape=_reduce_infer(_name),
            infer_type=_keep_type,
            doc=("Standard deviation" if not _var else "Variance")
            + " over ``axis`` (divisor ``N - ddof``), in the input dtype.",
        )
    )

for _name, _is_max, _aliases in (
    ("_np_max", True, ("_np_amax",)),
    ("_np_min", False, ("_np_amin",)),
):
    register(
        OpDef(
            _name,
            _extreme(_name, _is_max),
            inputs=("a",),
            params=(
                P("axis", "axis", None, "Axis or axes; None: every axis."),
                P("keepdims", "bool", False, "Keep reduced axes."),
                P("initial", "float", None, "A bound included in the reduction."),
            ),
            infer_shape=_reduce_infer(_name),
            aliases=_aliases,
            doc=("Maximum" if _is_max else "Minimum")
            + " over ``axis``; ties all receive the gradient.",
        )
    )

for _name, _is_all, _aliases in (
    ("_np_all", True, ()),
    ("_np_any", False, ("_np_sometrue",)),
):
    register(
        OpDef(
            _name,
            _logic(_name, _is_all),
            params=(
                P("axis", "axis", None, "Axis or axes; None: every axis."),
                P("keepdims", "bool", False, "Keep reduced axes."),
            ),
            infer_shape=_reduce_infer(_name),
            infer_type=_bool_type,
            aliases=_aliases,
            doc=("Whether all" if _is_all else "Whether any")
            + " elements along ``axis`` are nonzero (bool).",
        )
    )


# --------------------------------------------------------------------------- argmax
def _scalar_axis(ndim: int, axis) -> bool:
    """A 0-d input reduced over axis 0 or -1: its only element (numpy and
    MXNet accept those two axes for a scalar)."""
    return ndim == 0 and axis in (0, -1)


def _arg(op: str, fn: Callable) -> Callable:
    def kernel(data, axis=None, keepdims=False):
        whole = axis is None or _scalar_axis(data.dim(), axis)
        ax = None if whole else norm_axis(op, axis, data.dim())
        if (data.numel() if whole else data.shape[ax]) == 0:
            raise MXNetError(
                f"Operator {op}: attempt to get {op[5:]} of an empty sequence."
            )
        if whole:
            res = fn(data.reshape(-1), dim=0)
            if keepdims:
                res = res.reshape((1,) * data.dim())
            return res
        return fn(data, dim=ax, keepdim=keepdims)

    return kernel


def _arg_infer(op: str) -> Callable:
    def infer(in_shapes, attrs, out_shapes=None):
        (s,) = in_shapes
        if s is None:
            return [None], [None]
        axis = attrs.get("axis")
        keep = attrs.get("keepdims", False)
        if axis is None or _scalar_axis(len(s), axis):
            return [s], [(1,) * len(s) if keep else ()]
        ax = norm_axis(op, axis, len(s))
        return [s], [_reduced(s, (ax,), keep)]

    return infer


for _name, _fn in (("_npi_argmax", torch.argmax), ("_npi_argmin", torch.argmin)):
    register(
        OpDef(
            _name,
            _arg(_name, _fn),
            params=(
                P("axis", "int", None, "Axis; None: the flattened array."),
                P("keepdims", "bool", False, "Keep the reduced axis."),
            ),
            infer_shape=_arg_infer(_name),
            infer_type=_int64_type,
            doc=f"Index of the {_name[8:]}imum along ``axis`` (int64).",
        )
    )


# --------------------------------------------------------------------------- average
def _average(a, weights=None, axis=None, returned=False, weighted=True):
    axes = norm_axes("_npi_average", axis, a.dim())
    if not weighted or weights is None:
        avg = torch.mean(a, dim=axes, keepdim=False) if axes else a.clone()
        n = 1
        for ax in axes:
            n *= a.shape[ax]
        wsum = torch.full_like(avg, float(n))
    else:
        w = weights
        if w.shape != a.shape:
            if w.dim() != 1 or axis is None or len(axes) != 1:
                raise MXNetError(
                    f"Operator _npi_average: weights of shape {tuple(w.shape)} differ "
                    f"from a's shape {tuple(a.shape)}; 1-D weights need one axis."
                )
            if w.shape[0] != a.shape[axes[0]]:
                raise MXNetError(
                    f"Operator _npi_average: weights have length {w.shape[0]} but "
                    f"axis {axes[0]} of a has length {a.shape[axes[0]]}."
                )
            shape = [1] * a.dim()
            shape[axes[0]] = -1
            w = w.reshape(shape)
        one_d = weights.shape != a.shape
        w = w.expand_as(a).to(a.dtype)
        wsum = torch.sum(w, dim=axes) if axes else w.clone()
        if one_d:  # MXNet: 1-D weights give a 0-d sum of weights
            wsum = torch.sum(weights.to(a.dtype))
        avg = torch.sum(a * w, dim=axes) / wsum if axes else a * w / wsum
    if returned:
        return avg, wsum
    return avg


def _average_infer(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    n = 2 if attrs.get("returned") else 1
    if s is None:
        return list(in_shapes), [None] * n
    axes = norm_axes("_npi_average", attrs.get("axis"), len(s))
    outs = [_reduced(s, axes, False)] * n
    w = in_shapes[1] if len(in_shapes) > 1 else None
    if n == 2 and w is not None and tuple(w) != tuple(s):
        outs[1] = ()  # 1-D weights: a 0-d sum of weights
    return list(in_shapes), outs


def _average_type(in_types, attrs):
    n = 2 if attrs.get("returned") else 1
    return in_types, [in_types[0]] * n


register(
    OpDef(
        "_npi_average",
        _average,
        inputs=("a", "weights"),
        params=(
            P("axis", "axis", None, "Axis or axes; None: every axis."),
            P("returned", "bool", False, "Also return the sum of the weights."),
            P("weighted", "bool", True, "Whether ``weights`` is given."),
        ),
        present_inputs=lambda attrs: ("a", "weights") if attrs["weighted"] else ("a",),
        num_outputs=lambda attrs: 2 if attrs.get("returned") else 1,
        infer_shape=_average_infer,
        infer_type=_average_type,
        doc="Weighted average over ``axis``; with ``returned`` also the weights' sum.",
    )
)
