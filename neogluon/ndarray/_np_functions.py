"""The functions of ``mx.np`` on :class:`~neogluon.ndarray._np.ndarray`.

NumPy's functions as MXNet 1.9.1 implements them (its dtype rules: lists
become the default float dtype, element-wise math keeps an integer input's
dtype, ``mean`` of integers is float, ``argmax``/``argsort`` give int64).
Element-wise math runs the registered operators (``exp``, ``sqrt`` ... the
kernels ``mx.nd`` runs, by way of :func:`_op`); when the registry has MXNet's
``_npi_*`` / ``_np_*`` operator for a function, :func:`_op` runs that one.
Shape manipulation, reductions, sorting and linear algebra are torch calls
with NumPy's semantics. Every function takes and returns ``mx.np.ndarray``;
a legacy NDArray operand raises TypeError naming ``as_np_ndarray()``.
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

from .._dtypes import TORCH_TO_NP
from .._dtypes import to_torch_dtype
from ..base import MXNetError
from ..ops import optable
from ..ops import registry as _reg
from ._core import NDArray
from ._core import _resolve_ctx
from ._np import _run
from ._np import binary_function
from ._np import default_float
from ._np import from_tensor
from ._np import ndarray
from ._np import promote
from ._np import reshape_tensor
from ._np import wrap
from ._np import write_out

__all__: list[str] = []  # filled by _export

_int_types = (int, np.integer)
_alloc = object.__new__
builtin_max = builtins.max
builtin_min = builtins.min


def _export(fn):
    __all__.append(fn.__name__)
    fn.__module__ = "neogluon.numpy"
    return fn


# ---------------------------------------------------------------- helpers
def _t(x, name: str = "a") -> torch.Tensor:
    """The tensor of an np array argument; scalars and lists become tensors of
    the default dtype (numbers) as ``np.array`` makes them."""
    if isinstance(x, ndarray):
        return x._data
    if isinstance(x, NDArray):
        raise TypeError(
            f"argument {name!r} is a legacy mx.nd.NDArray; mx.np functions take "
            "mx.np.ndarray: convert it with .as_np_ndarray() (no copy)."
        )
    return _tensor_from(x, None)


def _ctx_of(*xs):
    for x in xs:
        if isinstance(x, NDArray):
            return x._ctx
    return None


def _w(t: torch.Tensor, *like) -> ndarray:
    return from_tensor(t, _ctx_of(*like))


def _out(res: ndarray, out) -> ndarray:
    if out is None:
        return res
    if not isinstance(out, ndarray):
        raise TypeError(f"out= must be an mx.np.ndarray, got {type(out).__name__}")
    return write_out(out, res)  # type: ignore[return-value]


def _dt(dtype) -> torch.dtype | None:
    if dtype is None:
        return None
    return to_torch_dtype(dtype)


def _tensor_from(obj, dtype, device=None) -> torch.Tensor:
    """``obj`` (scalar, list, numpy array, np array) as a new tensor."""
    td = _dt(dtype)
    if isinstance(obj, NDArray):
        src = obj._data.detach()
        t = src.to(device=device or src.device, dtype=td or src.dtype, copy=True)
        return t
    if isinstance(obj, np.ndarray):
        arr = obj
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"np.array: unsupported numpy dtype {arr.dtype}")
    else:
        arr = np.array(obj)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"np.array: cannot make an array from {type(obj).__name__} "
                f"(numpy dtype {arr.dtype}); expected numbers or nested lists."
            )
        if td is None:
            td = default_float()
    host = None if td is None else TORCH_TO_NP.get(td)
    if host is not None and arr.dtype != host:
        # numpy's conversion, as MXNet's (float64 -> float16 rounds once;
        # torch's conversion may round twice)
        arr = arr.astype(host, order="C")
    elif not (arr.flags.c_contiguous and arr.flags.writeable and arr.dtype.isnative):
        # what torch can wrap: C order, native byte order, writeable
        arr = np.array(arr, dtype=arr.dtype.newbyteorder("="), copy=True, order="C")
    # One copy into torch's own memory (64-byte aligned, as nd.array's arrays
    # are: a matrix product on numpy's 16-byte aligned buffer is a few percent
    # slower).
    src = torch.from_numpy(arr)
    return src.to(device=device or src.device, dtype=td or src.dtype, copy=True)


def _axis(axis, ndim: int):
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % builtin_max(ndim, 1) if ndim else int(a) for a in axis)
    return int(axis)


def _op(names: Sequence[str]):
    """The first of ``names`` the registry has (``_npi_*`` first, then nd's)."""
    for n in names:
        op = _reg.find(n)
        if op is not None:
            return op
    raise MXNetError(f"none of the operators {list(names)} is registered")


def _invoke(op_name: str, *arrays, **attrs) -> ndarray:
    """Run the registered operator ``op_name`` (MXNet's ``_npi_*`` / ``_np_*``,
    the one a traced graph records) on np arrays; attrs are Python values."""
    op = _reg.get(op_name)
    names = op.inputs if not op.variadic else op.inputs * len(arrays)
    tensors = [_t(a, n) for a, n in zip(arrays, names, strict=False)]
    return _w(_run(op.kernel, *tensors, **attrs), *arrays)


def _placement(ctx):
    dev, tag = _resolve_ctx(ctx)
    return dev, tag


def _create(op_name: str, ctx, **attrs) -> ndarray:
    """Run the registered creation operator ``op_name`` (no inputs) on the
    device of ``ctx``."""
    dev, tag = _placement(ctx)
    return from_tensor(_reg.get(op_name).kernel(ctx=dev, **attrs), tag)


def _default_float_name() -> str:
    return "float64" if default_float() == torch.float64 else "float32"


# ---------------------------------------------------------------- creation
@_export
def array(object, dtype=None, ctx=None) -> ndarray:  # noqa: A002 - numpy's name
    """An array from a list, scalar, numpy array or array (always a copy).

    Lists and scalars become float32 (float64 under ``npx.set_np(dtype=True)``)
    unless ``dtype`` is given; numpy arrays and arrays keep their dtype."""
    dev, tag = _placement(ctx)
    return from_tensor(_tensor_from(object, dtype, dev), tag)


@_export
def asarray(a, dtype=None, ctx=None) -> ndarray:
    """``a`` as an array: ``a`` itself when it already is one of ``dtype``."""
    if isinstance(a, ndarray) and (dtype is None or a.dtype == np.dtype(dtype)):
        return a
    return array(a, dtype=dtype, ctx=ctx)


def _shape(shape) -> tuple[int, ...]:
    if isinstance(shape, _int_types):
        return (int(shape),)
    return tuple(int(d) for d in shape)


# The registered creation kernels (``_npi_zeros`` ...: shape, ctx, dtype[, value]).
_zeros_kernel = _reg.get("_npi_zeros").kernel
_ones_kernel = _reg.get("_npi_ones").kernel
_full_kernel = _reg.get("_npi_full").kernel


def _filled(kernel, shape, dtype, ctx, *value) -> ndarray:
    """A creation kernel's array of ``shape`` (``value``: ``_npi_full``'s)."""
    dev, tag = _placement(ctx)
    td = _dt(dtype) or default_float()
    return from_tensor(kernel(_shape(shape), dev, td, *value), tag)


@_export
def zeros(shape, dtype=None, order="C", ctx=None) -> ndarray:
    """An array of zeros (float32 by default; MXNet's ``_npi_zeros``)."""
    return _filled(_zeros_kernel, shape, dtype, ctx)


@_export
def ones(shape, dtype=None, order="C", ctx=None) -> ndarray:
    """An array of ones (float32 by default; MXNet's ``_npi_ones``)."""
    return _filled(_ones_kernel, shape, dtype, ctx)


@_export
def empty(shape, dtype=None, order="C", ctx=None) -> ndarray:
    """An uninitialized array (here: zeros, float32 by default)."""
    if order != "C":
        raise NotImplementedError(
            f"np.empty: order={order!r} is not supported (as in MXNet 1.9.1); "
            "arrays are row-major: use order='C'."
        )
    return _filled(_zeros_kernel, shape, dtype, ctx)


@_export
def full(shape, fill_value, dtype=None, order="C", ctx=None, out=None) -> ndarray:
    """An array filled with ``fill_value`` (float32 unless ``dtype``, bool for
    a bool ``fill_value``, as MXNet; an array ``fill_value`` is broadcast;
    MXNet's ``_npi_full``)."""
    if isinstance(fill_value, ndarray):
        t = fill_value._data
        td = _dt(dtype) or t.dtype
        res = from_tensor(
            _run(torch.broadcast_to, t, _shape(shape)).to(td).clone(), fill_value._ctx
        )
    else:
        if isinstance(fill_value, (bool, np.bool_)):
            fill_value, dtype = int(fill_value), (np.bool_ if dtype is None else dtype)
        res = _filled(_full_kernel, shape, dtype, ctx, fill_value)
    return _out(res, out)


def _like(a, value, dtype, ctx, out) -> ndarray:
    t = _t(a)
    td = _dt(dtype) or t.dtype
    if ctx is None:
        dev, tag = t.device, _ctx_of(a)
    else:
        dev, tag = _placement(ctx)
    res = from_tensor(torch.full(tuple(t.shape), value, dtype=td, device=dev), tag)
    return _out(res, out)


@_export
def zeros_like(a, dtype=None, order="C", ctx=None, out=None) -> ndarray:
    """Zeros of ``a``'s shape and dtype."""
    return _like(a, 0, dtype, ctx, out)


@_export
def ones_like(a, dtype=None, order="C", ctx=None, out=None) -> ndarray:
    """Ones of ``a``'s shape and dtype."""
    return _like(a, 1, dtype, ctx, out)


@_export
def full_like(a, fill_value, dtype=None, order="C", ctx=None, out=None) -> ndarray:
    """``fill_value`` in ``a``'s shape and dtype."""
    return _like(a, fill_value, dtype, ctx, out)


@_export
def empty_like(prototype, dtype=None, order="C", subok=False, shape=None) -> ndarray:
    """An array of ``prototype``'s shape and dtype (zeros here)."""
    t = _t(prototype, "prototype")
    td = _dt(dtype) or t.dtype
    shp = tuple(t.shape) if shape is None else _shape(shape)
    return from_tensor(torch.zeros(shp, dtype=td, device=t.device), _ctx_of(prototype))


@_export
def arange(start, stop=None, step=1, dtype=None, ctx=None) -> ndarray:
    """Evenly spaced values in ``[start, stop)`` (float32 unless ``dtype``)."""
    if stop is None:
        start, stop = 0, start
    dev, tag = _placement(ctx)
    td = _dt(dtype) or default_float()
    vals = np.arange(start, stop, step)
    return from_tensor(torch.from_numpy(vals).to(device=dev, dtype=td), tag)


@_export
def linspace(
    start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, ctx=None
):
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    dev, tag = _placement(ctx)
    vals, step = np.linspace(
        start, stop, num, endpoint=endpoint, retstep=True, axis=axis
    )
    td = _dt(dtype) or default_float()
    res = from_tensor(torch.from_numpy(np.asarray(vals)).to(device=dev, dtype=td), tag)
    return (res, step) if retstep else res


@_export
def logspace(
    start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0, ctx=None
) -> ndarray:
    """``num`` values spaced evenly on a log scale."""
    dev, tag = _placement(ctx)
    vals = np.logspace(start, stop, num, endpoint=endpoint, base=base, axis=axis)
    td = _dt(dtype) or default_float()
    return from_tensor(torch.from_numpy(np.asarray(vals)).to(device=dev, dtype=td), tag)


@_export
def eye(N, M=None, k=0, dtype=None, **kwargs) -> ndarray:  # noqa: N803 - numpy's names
    """A 2-d array with ones on the ``k``-th diagonal."""
    ctx = kwargs.pop("ctx", None)
    if kwargs:
        raise TypeError(f"eye() got unexpected keyword arguments {sorted(kwargs)}")
    for name, v in (("N", N), ("M", M)):
        if v is not None and int(v) < 0:
            raise MXNetError(
                f"np.eye: negative dimensions are not allowed: {name} is {int(v)}."
            )
    return _create(
        "_npi_eye",
        ctx,
        N=int(N),
        M=None if M is None else int(M),
        k=int(k),
        dtype=dtype or _default_float_name(),
    )


@_export
def identity(n, dtype=None, ctx=None) -> ndarray:
    """The ``n`` x ``n`` identity matrix."""
    return eye(n, dtype=dtype, ctx=ctx)


@_export
def tri(N, M=None, k=0, dtype=None, ctx=None) -> ndarray:  # noqa: N803
    """Ones at and below the ``k``-th diagonal."""
    dev, tag = _placement(ctx)
    td = _dt(dtype) or default_float()
    return from_tensor(torch.from_numpy(np.tri(N, M, k)).to(device=dev, dtype=td), tag)


@_export
def copy(a, out=None):
    """A copy of ``a``."""
    return _out(_w(_run(torch.clone, _t(a)), a), out)


# ---------------------------------------------------------------- element-wise
def _unary(name: str, ops: Sequence[str], doc: str, float_out: bool = False):
    op = _op(ops)
    kernel = op.kernel
    defaults = op.defaults
    # the kernel on a float array, when it is one torch function (``_keep``)
    ffn = None if defaults else getattr(kernel, "float_fn", None)

    def fn(x, out=None, **kwargs):
        if ffn is not None and type(x) is ndarray and out is None and not kwargs:
            t = x._data
            if t.is_floating_point():
                res = ffn(t)
                if res.requires_grad:
                    return wrap(res, x._ctx)
                arr = _alloc(ndarray)  # wrap() inlined: the hottest np functions
                arr._data = res
                arr._ag = None
                arr._ctx = x._ctx
                return arr
        if kwargs:
            from ..util import _check_ufunc_kwargs

            _check_ufunc_kwargs(name, kwargs)
        if _is_number(x):
            return getattr(np, name)(x)
        t = _t(x, "x")
        if float_out and not t.is_floating_point():
            t = t.to(default_float())
        res = _run(kernel, t, **defaults) if defaults else _run(kernel, t)
        return _out(_w(res, x), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{doc} element-wise (MXNet's ``{op.name}`` kernel)."
    _export(fn)
    globals()[name] = fn
    return fn


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, np.ndarray)


_UNARY = {
    # np name: (operators, doc)
    "negative": (("_npi_negative", "negative"), "Numerical negative"),
    "absolute": (("_npi_absolute", "abs"), "Absolute value"),
    "abs": (("_npi_absolute", "abs"), "Absolute value"),
    "fabs": (("_npi_absolute", "abs"), "Absolute value"),
    "sign": (("_npi_sign", "sign"), "Sign"),
    "exp": (("_npi_exp", "exp"), "Exponential"),
    "expm1": (("_npi_expm1", "expm1"), "exp(x) - 1"),
    "log": (("_npi_log", "log"), "Natural logarithm"),
    "log2": (("_npi_log2", "log2"), "Base-2 logarithm"),
    "log10": (("_npi_log10", "log10"), "Base-10 logarithm"),
    "log1p": (("_npi_log1p", "log1p"), "log(1 + x)"),
    "sqrt": (("_npi_sqrt", "sqrt"), "Square root"),
    "cbrt": (("_npi_cbrt", "cbrt"), "Cube root"),
    "square": (("_npi_square", "square"), "Square"),
    "reciprocal": (("_npi_reciprocal", "reciprocal"), "Reciprocal"),
    "sin": (("_npi_sin", "sin"), "Sine"),
    "cos": (("_npi_cos", "cos"), "Cosine"),
    "tan": (("_npi_tan", "tan"), "Tangent"),
    "arcsin": (("_npi_arcsin", "arcsin"), "Inverse sine"),
    "arccos": (("_npi_arccos", "arccos"), "Inverse cosine"),
    "arctan": (("_npi_arctan", "arctan"), "Inverse tangent"),
    "sinh": (("_npi_sinh", "sinh"), "Hyperbolic sine"),
    "cosh": (("_npi_cosh", "cosh"), "Hyperbolic cosine"),
    "tanh": (("_npi_tanh", "tanh"), "Hyperbolic tangent"),
    "arcsinh": (("_npi_arcsinh", "arcsinh"), "Inverse hyperbolic sine"),
    "arccosh": (("_npi_arccosh", "arccosh"), "Inverse hyperbolic cosine"),
    "arctanh": (("_npi_arctanh", "arctanh"), "Inverse hyperbolic tangent"),
    "degrees": (("_npi_degrees", "degrees"), "Radians to degrees"),
    "rad2deg": (("_npi_degrees", "degrees"), "Radians to degrees"),
    "radians": (("_npi_radians", "radians"), "Degrees to radians"),
    "deg2rad": (("_npi_radians", "radians"), "Degrees to radians"),
    "floor": (("_npi_floor", "floor"), "Floor"),
    "ceil": (("_npi_ceil", "ceil"), "Ceiling"),
    "trunc": (("_npi_trunc", "trunc"), "Truncation toward zero"),
    "fix": (("_npi_fix", "fix"), "Rounding toward zero"),
    "rint": (("_npi_rint", "rint"), "Rounding to the nearest integer"),
    "logical_not": (("_npi_logical_not", "logical_not"), "Logical NOT"),
}
for _name, (_ops, _doc) in _UNARY.items():
    _unary(_name, _ops, _doc)


def _bool_unary(name: str, doc: str) -> None:
    op_name = f"_npi_{name}"

    def fn(x, out=None, **kwargs):
        if kwargs:
            from ..util import _check_ufunc_kwargs

            _check_ufunc_kwargs(name, kwargs)
        if _is_number(x):
            return getattr(np, name)(x)
        if out is not None and isinstance(out, ndarray) and out.dtype != np.bool_:
            raise TypeError(
                f"np.{name}: the `out` parameter should be a boolean array, got "
                f"dtype {out.dtype}."
            )
        return _out(_invoke(op_name, x), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"{doc} (bool; MXNet's ``{op_name}``)."
    globals()[name] = _export(fn)


for _name, _doc in (
    ("isnan", "Whether each element is NaN"),
    ("isinf", "Whether each element is +-inf"),
    ("isfinite", "Whether each element is finite"),
    ("isposinf", "Whether each element is +inf"),
    ("isneginf", "Whether each element is -inf"),
):
    _bool_unary(_name, _doc)


@_export
def around(x, decimals=0, out=None, **kwargs) -> ndarray:
    """Round half to even to ``decimals`` decimals."""
    if kwargs:
        from ..util import _check_ufunc_kwargs

        _check_ufunc_kwargs("around", kwargs)
    return _out(_invoke("_npi_around", x, decimals=int(decimals)), out)


@_export
def round(x, decimals=0, out=None, **kwargs) -> ndarray:  # noqa: A001 - numpy's name
    """Same as :func:`around`."""
    return around(x, decimals, out)


@_export
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None, **kwargs) -> ndarray:
    """NaN and infinities replaced by finite numbers."""
    t = _t(x, "x")
    res = _run(torch.nan_to_num, t, nan=nan, posinf=posinf, neginf=neginf)
    if not copy and isinstance(x, ndarray):
        x[...] = from_tensor(res)
        return x
    return _w(res, x)


# Binary functions of the operator table (add, subtract, ..., less_equal).
for _r in optable.BINARY:
    for _name in _r.np_functions:
        globals()[_name] = _export(binary_function(_r, _name))


def _binary_torch(name: str, fn, doc: str, result: str = "promote"):
    def f(x1, x2, out=None, **kwargs):
        if kwargs:  # numpy's ufunc keywords: only their defaults, as MXNet
            from ..util import _check_ufunc_kwargs

            _check_ufunc_kwargs(name, kwargs)
        if _is_number(x1) and _is_number(x2):
            return getattr(np, name)(x1, x2)
        a = _t(x1, "x1") if not _is_number(x1) else None
        b = _t(x2, "x2") if not _is_number(x2) else None
        if a is None:
            a = torch.tensor(x1, dtype=b.dtype, device=b.device)  # type: ignore[union-attr]
        if b is None:
            b = torch.tensor(x2, dtype=a.dtype, device=a.device)
        dt = promote(a.dtype, b.dtype)
        if result == "float" and not dt.is_floating_point:
            dt = default_float()
        res = _run(fn, a.to(dt), b.to(dt))
        return _out(_w(res, x1, x2), out)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"{doc} element-wise, with broadcasting."
    globals()[name] = _export(f)


def _bitwise(fn):
    def k(a, b):
        if a.is_floating_point():
            raise TypeError(
                f"bitwise operations need integer or bool arrays, got {a.dtype}; "
                "cast with .astype('int32') first."
            )
        return fn(a, b)

    return k


_binary_torch("arctan2", torch.atan2, "Arc tangent of x1/x2", "float")
_binary_torch("copysign", torch.copysign, "x1 with the sign of x2", "float")
_binary_torch("fmax", torch.fmax, "Maximum ignoring NaN")
_binary_torch("fmin", torch.fmin, "Minimum ignoring NaN")
_binary_torch("fmod", torch.fmod, "C remainder (sign of x1)")
_binary_torch("floor_divide", torch.floor_divide, "Floor division")
_binary_torch("float_power", torch.float_power, "x1 ** x2 in float64", "float")
_binary_torch("logaddexp", torch.logaddexp, "log(exp(x1) + exp(x2))", "float")
_binary_torch("bitwise_and", _bitwise(torch.bitwise_and), "Bitwise AND")
_binary_torch("bitwise_or", _bitwise(torch.bitwise_or), "Bitwise OR")
_binary_torch("bitwise_xor", _bitwise(torch.bitwise_xor), "Bitwise XOR")
_binary_torch("lcm", torch.lcm, "Least common multiple")
_binary_torch("gcd", torch.gcd, "Greatest common divisor")
_binary_torch("ldexp", lambda a, b: a * torch.pow(2.0, b), "x1 * 2**x2", "float")


@_export
def bitwise_not(x, out=None, **kwargs) -> ndarray:
    """Bitwise NOT (logical NOT for bool)."""
    if kwargs:
        from ..util import _check_ufunc_kwargs

        _check_ufunc_kwargs("bitwise_not", kwargs)
    return _out(_w(_run(_bitwise_not, _t(x, "x")), x), out)


def _bitwise_not(t):
    if t.is_floating_point():
        raise TypeError(
            f"bitwise_not (~) needs an integer or bool array, got {t.dtype}; "
            "cast with .astype('int32') or use np.logical_not."
        )
    return torch.bitwise_not(t)


invert = bitwise_not
__all__.append("invert")


# ---------------------------------------------------------------- reductions
def _reduce_args(a, axis):
    t = _t(a)
    ax = _axis(axis, t.dim())
    if ax is None:
        dims: tuple[int, ...] = tuple(range(t.dim()))
    elif isinstance(ax, tuple):
        dims = ax
    else:
        dims = (ax,)
    return t, dims


_sum_kernel = _reg.get("_np_sum").kernel
_mean_kernel = _reg.get("_npi_mean").kernel
_dot_matrix = _reg.get("_np_dot").kernel.matrix_fn


@_export
def sum(a, axis=None, dtype=None, keepdims=False, initial=None, out=None):  # noqa: A001
    """Sum over ``axis`` (all axes when None); bool sums as int64."""
    if (
        type(a) is ndarray
        and axis is None
        and dtype is None
        and initial is None
        and out is None
        and keepdims is False
    ):  # the full sum: the kernel on the one tensor, a 0-d result
        res = _sum_kernel(a._data)
        if res.requires_grad:
            return wrap(res, a._ctx)
        arr = _alloc(ndarray)
        arr._data = res
        arr._ag = None
        arr._ctx = a._ctx
        return arr
    _reduce_args(a, axis)  # checks the axes
    res = _invoke(
        "_np_sum", a, axis=axis, dtype=dtype, keepdims=bool(keepdims), initial=initial
    )
    return _out(res, out)


@_export
def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    """Mean over ``axis``; integer input gives the default float dtype."""
    if (
        type(a) is ndarray
        and (type(axis) is int or axis is None)
        and dtype is None
        and out is None
        and type(keepdims) is bool
    ):  # the kernel on the one tensor (its axis checks and dtype rule)
        try:
            res = _mean_kernel(a._data, axis, None, keepdims)
        except MXNetError:
            pass  # the general path raises it with the call's context
        else:
            return wrap(res, a._ctx)
    t, _ = _reduce_args(a, axis)
    td = _dt(dtype) or (t.dtype if t.is_floating_point() else default_float())
    return _out(
        _invoke("_npi_mean", a, axis=axis, dtype=td, keepdims=bool(keepdims)), out
    )


def _moment(a, axis, dtype, ddof, keepdims, fn):
    t, dims = _reduce_args(a, axis)
    orig = t.dtype
    td = _dt(dtype)
    if not t.is_floating_point():
        t = t.to(default_float())
    if axis == ():
        # No axis reduced: each element is its own sample (0, or NaN when
        # ddof >= 1), NumPy's result.
        res = _run(torch.div, t - t, float(1 - int(ddof)))
        if fn is torch.std:
            res = _run(torch.sqrt, res)
    else:
        res = _run(fn, t, dim=dims, correction=int(ddof), keepdim=bool(keepdims))
    if td is not None:
        res = res.to(td)
    elif not orig.is_floating_point:
        res = res.to(orig)  # MXNet 1.9.1 keeps an integer input's dtype
    return _w(res, a)


@_export
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis`` (``ddof`` as numpy)."""
    return _out(_moment(a, axis, dtype, ddof, keepdims, torch.std), out)


@_export
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """Variance over ``axis`` (``ddof`` as numpy)."""
    return _out(_moment(a, axis, dtype, ddof, keepdims, torch.var), out)


class EmptyReductionError(MXNetError, ValueError):
    """max/min over an axis of length 0 (MXNetError in MXNet, ValueError in NumPy)."""


def _minmax(a, axis, keepdims, op_name):
    t, dims = _reduce_args(a, axis)
    if t.numel() == 0 and (t.dim() == 0 or builtins.any(t.shape[d] == 0 for d in dims)):
        raise EmptyReductionError(
            f"np.{op_name[4:]}: zero-size array (shape {tuple(t.shape)}) to reduction "
            f"operation over axis {axis}, which has no identity."
        )
    return _invoke(op_name, a, axis=axis, keepdims=bool(keepdims))


@_export
def max(a, axis=None, keepdims=False, out=None):  # noqa: A001
    """Maximum over ``axis``."""
    return _out(_minmax(a, axis, keepdims, "_np_max"), out)


@_export
def min(a, axis=None, keepdims=False, out=None):  # noqa: A001
    """Minimum over ``axis``."""
    return _out(_minmax(a, axis, keepdims, "_np_min"), out)


amax = max
amin = min
__all__ += ["amax", "amin"]


@_export
def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    """Product over ``axis``."""
    t, dims = _reduce_args(a, axis)
    td = _dt(dtype) or (torch.int64 if t.dtype == torch.bool else t.dtype)
    res = t.to(td)
    for d in sorted(dims, reverse=True):
        res = _run(torch.prod, res, dim=d, keepdim=bool(keepdims), dtype=td)
    if not dims:
        res = res.clone()
    return _out(_w(res, a), out)


def _bool_reduce(a, axis, keepdims, fn):
    t, dims = _reduce_args(a, axis)
    res = t != 0
    for d in sorted(dims, reverse=True):
        res = fn(res, dim=d, keepdim=bool(keepdims))
    return _w(res, a)


@_export
def all(a, axis=None, keepdims=False, out=None):  # noqa: A001
    """Whether all elements along ``axis`` are true."""
    return _out(_bool_reduce(a, axis, keepdims, torch.all), out)


@_export
def any(a, axis=None, keepdims=False, out=None):  # noqa: A001
    """Whether any element along ``axis`` is true."""
    return _out(_bool_reduce(a, axis, keepdims, torch.any), out)


_argmax_kernel = _reg.get("_npi_argmax").kernel
_argmin_kernel = _reg.get("_npi_argmin").kernel


def _arg(a, axis, kernel, keepdims=False):
    # the registered kernel: MXNet's errors for an empty reduction or a bad
    # axis. Its integer result never records (no grad guard needed).
    axis = None if axis is None else int(axis)
    res = kernel(_t(a), axis=axis, keepdims=bool(keepdims))
    if res.dtype != torch.int64:
        res = res.to(torch.int64)
    if type(a) is ndarray:
        return wrap(res, a._ctx)
    return _w(res, a)


@_export
def argmax(a, axis=None, out=None):
    """Index of the maximum (int64), over the flattened array when axis is None."""
    res = _arg(a, axis, _argmax_kernel)
    return res if out is None else _out(res, out)


@_export
def argmin(a, axis=None, out=None):
    """Index of the minimum (int64), over the flattened array when axis is None."""
    res = _arg(a, axis, _argmin_kernel)
    return res if out is None else _out(res, out)


_CUMSUM = _op(("_np_cumsum",))


@_export
def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum (over the flattened array when axis is None); MXNet's
    ``_np_cumsum`` operator (a bool input sums as int64)."""
    t = _t(a)
    td = _dt(dtype) or (torch.int64 if t.dtype == torch.bool else t.dtype)
    axis = None if axis is None else int(axis)
    return _out(_w(_run(_CUMSUM.kernel, t, axis=axis, dtype=td), a), out)


@_export
def cumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product (over the flattened array when axis is None)."""
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), 0
    td = _dt(dtype) or t.dtype
    return _out(_w(_run(torch.cumprod, t, dim=int(axis), dtype=td), a), out)


@_export
def average(a, axis=None, weights=None, returned=False, out=None):
    """Weighted mean over ``axis``."""
    if weights is None:
        avg = mean(a, axis=axis)
        cnt = _t(a).numel() / builtin_max(avg.size, 1)
        res = avg
        wsum = full_like(avg, cnt)
    else:
        t, w = _t(a), _t(weights, "weights")
        if t.shape != w.shape:
            if axis is None or w.dim() != 1:
                raise TypeError(
                    "Axis must be specified when shapes of a and weights differ."
                )
            shp = [1] * t.dim()
            shp[int(axis)] = w.shape[0]
            w = w.reshape(shp)
        dt = promote(t.dtype, w.dtype)
        if not dt.is_floating_point:
            dt = default_float()
        t, w = t.to(dt), torch.broadcast_to(w.to(dt), t.shape)
        ax = _axis(axis, t.dim())
        dims = tuple(range(t.dim())) if ax is None else ax
        ws = _run(torch.sum, w, dim=dims)
        res = _w(_run(torch.sum, t * w, dim=dims) / ws, a)
        wsum = _w(ws, a)
    res = _out(res, out)
    return (res, wsum) if returned else res


@_export
def count_nonzero(a, axis=None, *, keepdims=False):
    """Number of non-zero elements along ``axis``."""
    t, dims = _reduce_args(a, axis)
    res = torch.count_nonzero(t, dim=dims) if dims else (t != 0).to(torch.int64)
    if keepdims:
        for d in sorted(dims):
            res = res.unsqueeze(d)
    return _w(res, a)


# ---------------------------------------------------------------- shapes
@_export
def reshape(a, newshape, order="C", out=None):
    """``a`` with shape ``newshape`` (NumPy rules)."""
    res = from_tensor(reshape_tensor(_t(a), _shape(newshape)), _ctx_of(a))
    return _out(res, out)


@_export
def ravel(x, order="C"):
    """The flattened array."""
    return reshape(x, (-1,), order)


@_export
def transpose(a, axes=None):
    """Axes permuted (reversed when ``axes`` is None)."""
    t = _t(a)
    if axes is None:  # the common call (``x.T``): the kernel on the one tensor
        return _w(_run(_reg.get("_np_transpose").kernel, t), a)
    perm = (
        tuple(range(t.dim() - 1, -1, -1))
        if axes is None
        else tuple(int(x) for x in axes)
    )
    if len(perm) != t.dim():
        raise ValueError(f"axes {perm} don't match array of shape {tuple(t.shape)}")
    return _invoke("_np_transpose", a, axes=perm)


@_export
def swapaxes(a, axis1, axis2):
    """Axes ``axis1`` and ``axis2`` interchanged."""
    return _w(_run(torch.swapaxes, _t(a), int(axis1), int(axis2)), a)


@_export
def moveaxis(a, source, destination):
    """Axes moved from ``source`` to ``destination``."""
    return _w(_run(torch.movedim, _t(a), source, destination), a)


@_export
def rollaxis(a, axis, start=0):
    """Axis ``axis`` rolled back until it lies before ``start``."""
    n = _t(a).dim()
    axis = int(axis) % n
    start = int(start) % (n + 1) if start < 0 else int(start)
    if axis < start:
        start -= 1
    return moveaxis(a, axis, start)


@_export
def expand_dims(a, axis):
    """A new axis of length 1 inserted at ``axis``."""
    t = _t(a)
    axes = (axis,) if isinstance(axis, _int_types) else tuple(axis)
    nd = t.dim() + len(axes)
    for ax in sorted(int(x) % nd for x in axes):
        t = t.unsqueeze(ax)
    return _w(t, a)


@_export
def squeeze(a, axis=None, out=None):
    """Length-1 axes removed (all, or those of ``axis``; a 0-d array accepts
    axis 0 or -1)."""
    if axis is not None and not isinstance(axis, _int_types):
        axis = tuple(int(x) for x in axis)
    return _out(_invoke("_np_squeeze", a, axis=axis), out)


@_export
def broadcast_to(array, shape):  # noqa: A002
    """``array`` broadcast to ``shape`` (a copy, as in MXNet)."""
    if _is_number(array):
        array = full((), array)
    return _invoke("_npi_broadcast_to", array, shape=_shape(shape))


@_export
def broadcast_arrays(*args):
    """The arrays broadcast against each other."""
    ts = torch.broadcast_tensors(*[_t(x) for x in args])
    return [_w(t.clone(), x) for t, x in zip(ts, args, strict=True)]


@_export
def atleast_1d(*arys):
    """Inputs viewed as arrays with at least one dimension."""
    res = [_w(_t(x).reshape(1) if _t(x).dim() == 0 else _t(x), x) for x in arys]
    return res[0] if len(res) == 1 else res


@_export
def atleast_2d(*arys):
    """Inputs viewed as arrays with at least two dimensions."""
    res = []
    for x in arys:
        t = _t(x)
        res.append(_w(t.reshape(1, -1) if t.dim() < 2 else t, x))
    return res[0] if len(res) == 1 else res


@_export
def atleast_3d(*arys):
    """Inputs viewed as arrays with at least three dimensions."""
    res = []
    for x in arys:
        t = _t(x)
        if t.dim() == 0:
            t = t.reshape(1, 1, 1)
        elif t.dim() == 1:
            t = t.reshape(1, -1, 1)
        elif t.dim() == 2:
            t = t.unsqueeze(-1)
        res.append(_w(t, x))
    return res[0] if len(res) == 1 else res


def _seq(seq, name: str) -> list[torch.Tensor]:
    ts = [_t(x, name) for x in seq]
    if not ts:
        raise ValueError("need at least one array to concatenate")
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = promote(dt, t.dtype)
    return [t.to(dt) for t in ts]


@_export
def concatenate(seq, axis=0, out=None):
    """Arrays joined along an existing axis (flattened first when axis is None)."""
    ts = _seq(seq, "seq")
    if axis is None:
        ts, axis = [t.reshape(-1) for t in ts], 0
    op = _reg.get("_npi_concatenate").kernel
    res = _run(op, *ts, num_args=len(ts), axis=int(axis))
    return _out(_w(res, *seq), out)


@_export
def append(arr, values, axis=None):
    """``values`` appended to ``arr`` (flattened when axis is None)."""
    return concatenate([arr, values], axis=axis)


@_export
def stack(arrays, axis=0, out=None):
    """Arrays joined along a new axis."""
    ts = _seq(arrays, "arrays")
    res = _run(_reg.get("_npi_stack").kernel, *ts, axis=int(axis), num_args=len(ts))
    return _out(_w(res, *arrays), out)


@_export
def vstack(arrays, out=None):
    """Arrays stacked row-wise (1-d arrays become rows)."""
    return concatenate(atleast_2d_list(arrays), axis=0, out=out)


row_stack = vstack
__all__.append("row_stack")


def atleast_2d_list(arrays):
    return [atleast_2d(x) for x in arrays]


@_export
def hstack(arrays):
    """Arrays stacked column-wise (along axis 1; axis 0 for 1-d arrays; 0-d
    arrays and numbers count as 1-d)."""
    arrays = [atleast_1d(x if isinstance(x, ndarray) else array(x)) for x in arrays]
    axis = 0 if arrays and arrays[0].ndim == 1 else 1
    return concatenate(arrays, axis=axis)


@_export
def dstack(arrays):
    """Arrays stacked along the third axis."""
    return concatenate([atleast_3d(x) for x in arrays], axis=2)


@_export
def column_stack(tup):
    """1-d arrays as columns of a 2-d array."""
    cols = [_w(_t(x).reshape(-1, 1), x) if _t(x).dim() < 2 else x for x in tup]
    return concatenate(cols, axis=1)


def _split(ary, indices_or_sections, axis, strict: bool):
    t = _t(ary, "ary")
    axis = int(axis)
    n = t.shape[axis]
    if isinstance(indices_or_sections, _int_types):
        k = int(indices_or_sections)
        if strict and n % k:
            raise ValueError("array split does not result in an equal division")
        base, extra = divmod(n, k)
        sizes = [base + 1] * extra + [base] * (k - extra)
        bounds = [0]
        for s in sizes:
            bounds.append(bounds[-1] + s)
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), n]
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        lo = builtin_min(builtin_max(lo, 0), n)
        hi = builtin_min(builtin_max(hi, lo), n)
        parts.append(_w(_run(torch.narrow, t, axis, lo, hi - lo).clone(), ary))
    return parts


@_export
def split(ary, indices_or_sections, axis=0):
    """``ary`` split into equal sections or at the given indices."""
    return _split(ary, indices_or_sections, axis, True)


@_export
def array_split(ary, indices_or_sections, axis=0):
    """As :func:`split`, sections may differ in size by one."""
    return _split(ary, indices_or_sections, axis, False)


@_export
def hsplit(ary, indices_or_sections):
    """Split along axis 1 (axis 0 for 1-d arrays)."""
    _need_dims("hsplit", ary, 1)
    return split(ary, indices_or_sections, axis=1 if _t(ary).dim() > 1 else 0)


@_export
def vsplit(ary, indices_or_sections):
    """Split along axis 0 (``ary`` at least 2-d)."""
    _need_dims("vsplit", ary, 2)
    return split(ary, indices_or_sections, axis=0)


def _need_dims(name: str, ary, n: int) -> None:
    ndim = _t(ary, "ary").dim()
    if ndim < n:
        raise ValueError(
            f"np.{name} only works on arrays of {n} or more dimensions, got an array "
            f"of {ndim} dimension(s); reshape it or use np.split with an axis."
        )


@_export
def dsplit(ary, indices_or_sections):
    """Split along axis 2 (``ary`` at least 3-d)."""
    _need_dims("dsplit", ary, 3)
    return split(ary, indices_or_sections, axis=2)


@_export
def tile(A, reps):  # noqa: N803 - numpy's name
    """``A`` repeated ``reps`` times per axis."""
    reps = (reps,) if isinstance(reps, _int_types) else tuple(reps)
    return _w(_run(torch.tile, _t(A, "A"), tuple(int(r) for r in reps)), A)


@_export
def repeat(a, repeats, axis=None):
    """Each element repeated ``repeats`` times (flattened when axis is None)."""
    t = _t(a)
    if isinstance(repeats, ndarray):
        repeats = repeats._data
    if axis is None:
        t, axis = t.reshape(-1), 0
    return _w(_run(torch.repeat_interleave, t, repeats, dim=int(axis)), a)


@_export
def flip(m, axis=None, out=None):
    """Elements reversed along ``axis`` (all axes when None)."""
    t = _t(m, "m")
    dims = (
        tuple(range(t.dim()))
        if axis is None
        else (
            (int(axis),)
            if isinstance(axis, _int_types)
            else tuple(int(x) for x in axis)
        )
    )
    return _out(_w(_run(torch.flip, t, dims), m), out)


@_export
def flipud(m):
    """Reversed along axis 0."""
    return flip(m, 0)


@_export
def fliplr(m):
    """Reversed along axis 1."""
    return flip(m, 1)


@_export
def roll(a, shift, axis=None):
    """Elements shifted along ``axis`` (flattened when None), wrapping around."""
    t = _t(a)
    if axis is None:
        return _w(_run(torch.roll, t.reshape(-1), shift).reshape(t.shape), a)
    # numpy broadcasts shift against axis: roll(x, 1, axis=(0, 1))
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    return _w(_run(torch.roll, t, shifts.ravel().tolist(), axes.ravel().tolist()), a)


@_export
def rot90(m, k=1, axes=(0, 1)):
    """Rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    return _w(_run(torch.rot90, _t(m, "m"), int(k), tuple(axes)), m)


@_export
def pad(x, pad_width=None, mode="constant", **kwargs):
    """``x`` padded by ``pad_width`` (MXNet's ``_npi_pad``: modes constant,
    edge, reflect, symmetric, maximum, minimum, differentiable; other NumPy
    modes run NumPy's rules on the host, without gradient)."""
    t = _t(x, "x")
    n = t.dim()
    pw = tuple(
        (int(lo), int(hi))
        for lo, hi in np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (n, 2))
    )
    if mode in ("constant", "edge", "reflect", "symmetric", "maximum", "minimum"):
        return _invoke(
            "_npi_pad",
            x,
            pad_width=pw,
            mode=mode,
            constant_value=float(kwargs.get("constant_values", 0)),
            reflect_type=kwargs.get("reflect_type", "even"),
        )
    vals = np.pad(t.detach().cpu().numpy(), pw, mode=mode, **kwargs)
    return _w(torch.from_numpy(vals).to(t.device), x)


@_export
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis``."""
    t = _t(a)
    pre = None if prepend is None else _t(prepend)
    app = None if append is None else _t(append)
    return _w(_run(torch.diff, t, n=int(n), dim=int(axis), prepend=pre, append=app), a)


@_export
def diag(array, k=0):  # noqa: A002
    """The ``k``-th diagonal of a 2-d array, or a 2-d array with a 1-d diagonal."""
    return _w(_run(torch.diag, _t(array, "array"), int(k)), array)


@_export
def diagflat(array, k=0):  # noqa: A002 - MXNet's name
    """A 2-d array with the flattened input on the ``k``-th diagonal."""
    return _invoke("_np_diagflat", array, k=int(k))


@_export
def diag_indices_from(arr) -> tuple:
    """The indices of the main diagonal of ``arr`` (all dims equal), one int64
    array per axis."""
    rows = _invoke("_npi_diag_indices_from", arr)
    return tuple(rows[i] for i in range(rows.shape[0]))


@_export
def unravel_index(indices, shape, order="C"):
    """Flat indices into ``shape`` as a tuple of coordinate arrays (the dtype
    of ``indices``), NumPy's function as MXNet's fallback runs it."""
    if order != "C":
        raise NotImplementedError(
            "np.unravel_index: only order='C' (row-major) is supported, as in MXNet "
            f"1.9.1; got order={order!r}."
        )
    dims = _shape(shape)
    if _is_number(indices):
        return np.unravel_index(indices, dims)
    t = _t(indices, "indices")
    if t.is_floating_point() or t.dtype == torch.bool:
        raise TypeError(
            f"np.unravel_index: indices must be an integer array, got {t.dtype}; "
            "cast with .astype('int64')."
        )
    size = 1
    for d in dims:
        size *= d
    if t.numel() and (bool((t < 0).any()) or bool((t >= size).any())):
        bad = int(t[(t < 0) | (t >= size)].reshape(-1)[0])
        raise ValueError(
            f"np.unravel_index: index {bad} is out of bounds for an array of shape "
            f"{dims} (size {size})."
        )
    rows = _invoke("_unravel_index", indices, shape=dims)
    return tuple(rows[i] for i in range(len(dims)))


def _window(kind: str):
    def window(M, dtype=None, ctx=None):  # noqa: N803 - numpy's name
        return _create(f"_npi_{kind}", ctx, M=int(M), dtype=dtype or "float32")

    window.__name__ = window.__qualname__ = kind
    window.__doc__ = (
        f"The {kind} window of ``M`` points (float32 unless ``dtype`` is given; "
        "empty when ``M`` < 1)."
    )
    globals()[kind] = _export(window)


for _kind in ("hanning", "hamming", "blackman"):
    _window(_kind)


@_export
def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of the ``axis1``/``axis2`` planes."""
    return _w(
        _run(torch.diagonal, _t(a), int(offset), int(axis1), int(axis2)).clone(), a
    )


@_export
def trace(a, offset=0, axis1=0, axis2=1, out=None):
    """Sum along diagonals."""
    t = _t(a)
    n = t.dim()
    ax1, ax2 = int(axis1), int(axis2)
    if n < 2 or not (-n <= ax1 < n and -n <= ax2 < n) or ax1 % n == ax2 % n:
        raise MXNetError(
            f"trace: axis1={axis1} and axis2={axis2} must name two different axes "
            f"of an array with at least 2 dimensions; got shape {tuple(t.shape)}."
        )
    d = _run(torch.diagonal, t, int(offset), ax1, ax2)
    return _out(_w(_run(torch.sum, d, dim=-1), a), out)


@_export
def tril(m, k=0):
    """Lower triangle (elements above the ``k``-th diagonal zeroed); a 1-d
    ``m`` is taken as the rows of a square matrix, as in NumPy."""
    return _invoke("_npi_tril", m, k=int(k))


@_export
def triu(m, k=0):
    """Upper triangle (elements below the ``k``-th diagonal zeroed); a 1-d
    ``m`` is taken as the rows of a square matrix, as in NumPy."""
    t = _t(m, "m")
    if t.dim() == 1:
        t = t.expand(t.shape[0], t.shape[0])
    return _w(_run(torch.triu, t, int(k)), m)


# ---------------------------------------------------------------- selection
@_export
def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition``, else of ``y``; with one argument,
    the indices of the non-zero elements (as :func:`nonzero`)."""
    if x is None and y is None:
        return nonzero(condition)
    if _is_number(condition):  # MXNet returns the chosen branch itself
        return x if condition != 0 else y
    c = _t(condition, "condition")
    # MXNet's four operators: both arrays, a scalar on either side, two scalars
    if _is_number(x) and _is_number(y):
        res = _run(_where_kernels[3], c, float(x), float(y))
    elif _is_number(x):
        res = _run(_where_kernels[1], c, _t(y, "y"), float(x))
    elif _is_number(y):
        res = _run(_where_kernels[2], c, _t(x, "x"), float(y))
    else:
        res = _run(_where_kernels[0], c, _t(x, "x"), _t(y, "y"))
    return _w(res, condition, x, y)


_where_kernels = tuple(
    _reg.get(n).kernel
    for n in (
        "_npi_where",
        "_npi_where_lscalar",
        "_npi_where_rscalar",
        "_npi_where_scalar2",
    )
)


@_export
def nonzero(a):
    """A tuple of int64 index arrays, one per dimension, of the non-zero elements."""
    t = _t(a)
    idx = torch.nonzero(t).to(torch.int64)
    return tuple(_w(idx[:, i].contiguous(), a) for i in range(t.dim()))


@_export
def argwhere(a):
    """Indices of the non-zero elements, one row per element (int64)."""
    return _w(torch.nonzero(_t(a)).to(torch.int64), a)


@_export
def clip(a, a_min, a_max, out=None):
    """Values limited to ``[a_min, a_max]`` (either may be None)."""
    t = _t(a)
    if a_min is None and a_max is None:
        raise ValueError("One of max or min must be given")
    if isinstance(a_min, ndarray) or isinstance(a_max, ndarray):
        # array bounds (NumPy's; MXNet's np.clip takes scalars only)
        lo = a_min._data if isinstance(a_min, ndarray) else a_min
        hi = a_max._data if isinstance(a_max, ndarray) else a_max
        if not t.is_floating_point():
            lo = None if lo is None or isinstance(lo, torch.Tensor) else int(lo)
            hi = None if hi is None or isinstance(hi, torch.Tensor) else int(hi)
        return _out(_w(_run(torch.clamp, t, lo, hi), a), out)
    # MXNet's ``_npi_clip`` with a missing bound at -inf / inf (the dtype's
    # limits for an integer array, whose kernel casts the bounds to its dtype)
    if t.is_floating_point() or t.dtype == torch.bool:
        lo = -math.inf if a_min is None else float(a_min)
        hi = math.inf if a_max is None else float(a_max)
    else:
        info = torch.iinfo(t.dtype)
        lo = info.min if a_min is None else a_min
        hi = info.max if a_max is None else a_max
    return _out(_w(_run(_clip_kernel, t, lo, hi), a), out)


_clip_kernel = _reg.get("_npi_clip").kernel


@_export
def take(a, indices, axis=None, mode="raise", out=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (of the flattened
    array when None); ``mode`` 'raise', 'wrap' or 'clip' (MXNet's
    ``_npi_take``)."""
    if not isinstance(indices, ndarray):
        indices = array(indices, dtype="int64")
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    return _out(_invoke("_npi_take", a, indices, axis=int(axis), mode=mode), out)


# ---------------------------------------------------------------- sorting
@_export
def sort(a, axis=-1, kind=None, order=None):
    """A sorted copy (flattened first when axis is None)."""
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), -1
    return _w(_run(torch.sort, t, dim=int(axis), stable=True).values, a)


@_export
def argsort(a, axis=-1, kind=None, order=None):
    """Indices that sort ``a`` (int64, stable)."""
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), -1
    return _w(torch.sort(t.detach(), dim=int(axis), stable=True).indices, a)


@_export
def unique(
    ar, return_index=False, return_inverse=False, return_counts=False, axis=None
):
    """Sorted unique elements (optionally first indices, inverse, counts:
    int64), MXNet's ``_npi_unique``: with ``axis=None`` the inverse indices
    are those of the flattened array, as in MXNet 1.9.1."""
    res = _run(
        _reg.get("_npi_unique").kernel,
        _t(ar, "ar").detach(),
        return_index=bool(return_index),
        return_inverse=bool(return_inverse),
        return_counts=bool(return_counts),
        axis=None if axis is None else int(axis),
    )
    if isinstance(res, torch.Tensor):
        return _w(res, ar)
    outs = [_w(r, ar) for r in res]
    return outs[0] if len(outs) == 1 else tuple(outs)


@_export
def searchsorted(a, v, side="left", sorter=None):
    """Indices where ``v`` would be inserted to keep ``a`` sorted."""
    t = _t(a)
    vt = _t(v, "v") if not _is_number(v) else torch.tensor(v, dtype=t.dtype)
    srt = None if sorter is None else _t(sorter, "sorter").long()
    res = torch.searchsorted(t, vt.to(t.dtype), right=side == "right", sorter=srt)
    return _w(res.to(torch.int64), a)


# ---------------------------------------------------------------- linear algebra
def _mm_operands(a, b):
    ta, tb = _t(a, "a"), _t(b, "b")
    if ta.dtype == tb.dtype:
        return ta, tb
    dt = promote(ta.dtype, tb.dtype)
    return ta.to(dt), tb.to(dt)


@_export
def dot(a, b, out=None):
    """NumPy's dot: inner product of 1-d arrays, matrix product of 2-d ones,
    sum product over the last axis of ``a`` and second-to-last of ``b``."""
    if type(a) is ndarray and type(b) is ndarray and out is None:
        ta, tb = a._data, b._data
        if ta.dim() == 2 and tb.dim() == 2:
            # matrix product: the ``_np_dot`` kernel's function for 2-d operands
            # of one dtype (torch.matmul refuses two dtypes: the kernel below
            # promotes them, and raises MXNet's error for misaligned shapes)
            try:
                res = _dot_matrix(ta, tb)
            except RuntimeError:
                pass
            else:
                if res.requires_grad:
                    return wrap(res, a._ctx)
                arr = _alloc(ndarray)
                arr._data = res
                arr._ag = None
                arr._ctx = a._ctx
                return arr
    if _is_number(a) or _is_number(b):
        return multiply(a, b)  # type: ignore[name-defined]  # noqa: F821
    ta, tb = _mm_operands(a, b)
    res = _run(_reg.get("_np_dot").kernel, ta, tb)
    return _out(_w(res, a, b), out)


@_export
def matmul(a, b, out=None, **kwargs):
    """Matrix product with broadcasting over leading axes (MXNetError for a
    0-d operand or mismatched shapes, as MXNet's operator raises)."""
    return _out(_invoke("_npi_matmul", a, b), out)


@_export
def tensordot(a, b, axes=2):
    """Sum products over the given axes of ``a`` and ``b``."""
    ta, tb = _mm_operands(a, b)
    if isinstance(axes, _int_types):
        dims: object = int(axes)
    else:
        dims = tuple(
            [int(x)] if isinstance(x, _int_types) else [int(y) for y in x] for x in axes
        )
    return _w(_run(torch.tensordot, ta, tb, dims=dims), a, b)


@_export
def inner(a, b):
    """Inner product over the last axes."""
    ta, tb = _mm_operands(a, b)
    return _w(_run(torch.inner, ta, tb), a, b)


@_export
def outer(a, b):
    """Outer product of the flattened arrays."""
    ta, tb = _mm_operands(a, b)
    return _w(_run(torch.outer, ta.reshape(-1), tb.reshape(-1)), a, b)


@_export
def vdot(a, b):
    """Dot product of the flattened arrays."""
    ta, tb = _mm_operands(a, b)
    return _w(_run(torch.dot, ta.reshape(-1), tb.reshape(-1)), a, b)


@_export
def kron(a, b):
    """Kronecker product."""
    ta, tb = _mm_operands(a, b)
    return _w(_run(torch.kron, ta, tb), a, b)


@_export
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors."""
    ta, tb = _mm_operands(a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    ta, tb = ta.movedim(int(axisa), -1), tb.movedim(int(axisb), -1)
    res = _run(torch.linalg.cross, ta, tb)
    return _w(res.movedim(-1, int(axisc)), a, b)


@_export
def einsum(*operands, **kwargs):
    """Einstein summation (``optimize`` is accepted and ignored)."""
    kwargs.pop("optimize", None)
    out = kwargs.pop("out", None)
    if kwargs:
        raise TypeError(f"einsum() got unexpected keyword arguments {sorted(kwargs)}")
    subscripts, arrs = operands[0], operands[1:]
    ts = _seq(arrs, "operands")
    return _out(_w(_run(torch.einsum, subscripts, *ts), *arrs), out)


# ---------------------------------------------------------------- misc
@_export
def meshgrid(*xi, **kwargs):
    """Coordinate matrices from coordinate vectors (``indexing='xy'`` default)."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("sparse", None)
    kwargs.pop("copy", None)
    ts = torch.meshgrid(*[_t(x) for x in xi], indexing=indexing)
    return [_w(t.clone(), x) for t, x in zip(ts, xi, strict=True)]


@_export
def indices(dimensions, dtype=None, ctx=None):
    """An array of grid indices (int32 by default)."""
    dev, tag = _placement(ctx)
    vals = np.indices(tuple(dimensions))
    td = _dt(dtype) or torch.int32
    return from_tensor(torch.from_numpy(vals).to(device=dev, dtype=td), tag)


@_export
def shape(a):
    """The shape of ``a``."""
    return tuple(_t(a).shape)


@_export
def size(a, axis=None):
    """The number of elements (along ``axis`` when given)."""
    t = _t(a)
    return t.numel() if axis is None else t.shape[int(axis)]


@_export
def ndim(a):
    """The number of dimensions."""
    return _t(a).dim()


@_export
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Element-wise closeness (bool)."""
    ta, tb = _mm_operands(a, b)
    return _w(torch.isclose(ta, tb, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b)


@_export
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are close (a 0-d bool array)."""
    return all(isclose(a, b, rtol, atol, equal_nan))


@_export
def array_equal(a1, a2, equal_nan=False):
    """Whether the arrays have equal shapes and elements."""
    t1, t2 = _t(a1, "a1"), _t(a2, "a2")
    return bool(t1.shape == t2.shape and torch.equal(t1.to(t2.dtype), t2))


@_export
def shares_memory(a, b, max_work=None):
    """Whether the memory ranges of ``a`` and ``b`` overlap (MXNet's
    ``_npi_share_memory``; an empty array shares memory with nothing)."""
    return bool(_invoke("_npi_share_memory", a, b)._data)


may_share_memory = shares_memory
__all__.append("may_share_memory")


@_export
def bincount(x, weights=None, minlength=0):
    """Occurrences of each non-negative integer value."""
    w = None if weights is None else _t(weights, "weights")
    return _w(torch.bincount(_t(x, "x").long(), weights=w, minlength=minlength), x)


@_export
def percentile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=None,
    interpolation="linear",
    keepdims=False,
):
    """The ``q``-th percentile(s) along ``axis``."""
    qt = q._data if isinstance(q, ndarray) else q
    return quantile(
        a,
        torch.as_tensor(qt) / 100.0,
        axis,
        out,
        overwrite_input,
        interpolation,
        keepdims,
    )


@_export
def quantile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=None,
    interpolation="linear",
    keepdims=False,
):
    """The ``q``-th quantile(s) along ``axis``."""
    t = _t(a)
    qt = q._data if isinstance(q, ndarray) else torch.as_tensor(q)
    qt = qt.to(device=t.device, dtype=t.dtype)
    res = _run(
        torch.quantile,
        t,
        qt,
        dim=None if axis is None else int(axis),
        keepdim=bool(keepdims),
        interpolation=interpolation,
    )
    return _out(_w(res, a), out)


@_export
def median(a, axis=None, out=None, overwrite_input=None, keepdims=False):
    """The median along ``axis``."""
    return quantile(a, 0.5, axis=axis, out=out, keepdims=keepdims)


@_export
def polyval(p, x):
    """The polynomial with coefficients ``p`` evaluated at ``x``."""
    tp, tx = _mm_operands(p, x)
    res = torch.zeros_like(tx)
    for c in tp:
        res = res * tx + c
    return _w(res, p, x)


@_export
def interp(x, xp, fp, left=None, right=None, period=None):
    """One-dimensional linear interpolation (numpy's, on the host)."""
    tx = _t(x, "x") if not _is_number(x) else torch.tensor(x)
    vals = np.interp(
        tx.detach().cpu().numpy(),
        _t(xp, "xp").detach().cpu().numpy(),
        _t(fp, "fp").detach().cpu().numpy(),
        left,
        right,
        period,
    )
    return _w(torch.from_numpy(np.asarray(vals)).to(_t(fp, "fp").dtype), x, fp)


@_export
def histogram(a, bins=10, range=None, normed=None, weights=None, density=None):  # noqa: A002
    """Histogram of ``a``: (counts, bin edges)."""
    t = _t(a).detach()
    vals, edges = np.histogram(
        t.cpu().numpy(),
        bins=_to_host(bins),
        range=_to_host(range),
        weights=None,
        density=density,
    )
    counts = torch.from_numpy(vals)
    if counts.is_floating_point():  # density: the input's float dtype
        counts = counts.to(t.dtype if t.is_floating_point() else default_float())
    # a list [counts (int64), bin edges], as MXNet returns them
    return [_w(counts, a), _w(torch.from_numpy(edges).to(t.dtype), a)]


@_export
def resize(a, new_shape):
    """A new array of ``new_shape`` filled with repeated copies of ``a``."""
    t = _t(a).reshape(-1)
    shp = _shape(new_shape)
    n = int(np.prod(shp))
    if t.numel() == 0:  # numpy fills from nothing with zeros
        return _w(t.new_zeros(shp), a)
    reps = -(-n // t.numel())
    return _w(t.repeat(reps)[:n].reshape(shp), a)


@_export
def delete(arr, obj, axis=None):
    """``arr`` without the sub-arrays ``obj`` (an int, a slice or indices; out
    of range indices are ignored, as in MXNet) along ``axis`` (of the
    flattened array when None), MXNet's ``_npi_delete``."""
    attrs: dict = {"axis": None if axis is None else int(axis)}
    if isinstance(obj, slice):
        attrs.update(start=obj.start, stop=obj.stop, step=obj.step)
        return _invoke("_npi_delete", arr, **attrs)
    if isinstance(obj, _int_types):
        return _invoke("_npi_delete", arr, int_ind=int(obj), **attrs)
    if not isinstance(obj, ndarray):
        obj = array(obj, dtype="int64")
    return _invoke("_npi_delete", arr, obj, **attrs)


@_export
def insert(arr, obj, values, axis=None):
    """``values`` inserted before index ``obj`` along ``axis`` (numpy's rules)."""
    t = _t(arr, "arr").detach()
    v = _t(values, "values").detach() if not _is_number(values) else values
    res = np.insert(
        t.cpu().numpy(),
        obj._data.cpu().numpy() if isinstance(obj, ndarray) else obj,
        v.cpu().numpy() if isinstance(v, torch.Tensor) else v,
        axis=axis,
    )
    return _w(torch.from_numpy(np.ascontiguousarray(res)).to(t.device), arr)


@_export
def ediff1d(ary, to_end=None, to_begin=None):
    """Differences between consecutive elements of the flattened array."""
    t = _t(ary, "ary").reshape(-1)

    def part(v) -> torch.Tensor:
        # an mx.np array keeps its tensor (gradients flow to it, as in MXNet)
        if isinstance(v, ndarray):
            return _t(v).reshape(-1).to(t.dtype)
        return torch.as_tensor(np.asarray(v), dtype=t.dtype, device=t.device).reshape(
            -1
        )

    parts = []
    if to_begin is not None:
        parts.append(part(to_begin))
    parts.append(t[1:] - t[:-1])
    if to_end is not None:
        parts.append(part(to_end))
    return _w(torch.cat(parts), ary)


@_export
def fill_diagonal(a, val, wrap=False):
    """Fill the main diagonal of ``a`` in place."""
    t = _t(a)
    n = builtin_min(t.shape)
    idx = torch.arange(n, device=t.device)
    t[(idx,) * t.dim()] = val


# numpy's old aliases that MXNet 1.9.1 still exports.
round_ = around
product = prod
alltrue = all
sometrue = any
__all__ += ["round_", "product", "alltrue", "sometrue"]


# ---------------------------------------------------------------- numpy fallback
def _to_host(x):
    if isinstance(x, ndarray):
        return x.asnumpy()
    if isinstance(x, NDArray):
        raise TypeError(
            "a legacy mx.nd.NDArray was passed to an mx.np function; convert it "
            "with .as_np_ndarray() (no copy)."
        )
    if isinstance(x, list):
        return [_to_host(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_to_host(v) for v in x)
    return x


def _from_host(x):
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return from_tensor(torch.from_numpy(np.array(x, copy=True, order="C")))
    if isinstance(x, list):
        return [_from_host(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_from_host(v) for v in x)
    return x


def numpy_fallback(name: str):
    """``mx.np.<name>`` run by official NumPy on the host (MXNet's fallback):
    array arguments are copied to numpy, array results come back as
    ``mx.np.ndarray`` with numpy's dtype; not differentiable. None when the
    installed numpy has no such function."""
    fn = getattr(np, name, None)
    if fn is None or not callable(fn):
        return None

    def fallback(*args, **kwargs):
        res = fn(*_to_host(args), **{k: _to_host(v) for k, v in kwargs.items()})
        return _from_host(res)

    fallback.__name__ = fallback.__qualname__ = name
    fallback.__module__ = "neogluon.numpy"
    fallback.__doc__ = (
        f"numpy.{name} on the host (MXNet's NumPy fallback); array results are "
        "mx.np.ndarray."
    )
    return fallback


# ---------------------------------------------------------------- methods
# ``x.sum(...)`` is ``np.sum(x, ...)``: the functions themselves are the
# methods (a plain function binds its first argument to the array).


def _transpose_method(self, *axes):
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], _int_types)):
        axes = axes[0]
    return transpose(self, axes if axes else None)


def _flatten_method(self, order="C"):
    return reshape(self, (-1,))


for _m in (
    "sum mean std var max min prod all any argmax argmin cumsum clip sort "
    "argsort squeeze repeat tile swapaxes round dot nonzero take diagonal"
).split():
    setattr(ndarray, _m, globals()[_m])
ndarray.transpose = _transpose_method  # type: ignore[assignment]
ndarray.flatten = _flatten_method  # type: ignore[assignment]
ndarray.ravel = _flatten_method  # type: ignore[attr-defined]


def _clip_method(self, min=None, max=None, out=None):  # noqa: A002 - MXNet's names
    """``x.clip(min=None, max=None)``: MXNet's method names its bounds min/max."""
    return clip(self, min, max, out=out)


ndarray.clip = _clip_method  # type: ignore[assignment]
ndarray.expand_dims = expand_dims  # type: ignore[attr-defined]
ndarray.__matmul__ = matmul  # type: ignore[attr-defined]
# Bitwise operators: functions, not operator-table rows, until the registry has
# MXNet's ``_npi_bitwise_*`` operators (the table's rows name registered ops).
_bit_and, _bit_or, _bit_xor = (
    globals()[n] for n in ("bitwise_and", "bitwise_or", "bitwise_xor")
)
ndarray.__and__ = ndarray.__rand__ = _bit_and  # type: ignore[attr-defined]
ndarray.__or__ = ndarray.__ror__ = _bit_or  # type: ignore[attr-defined]
ndarray.__xor__ = ndarray.__rxor__ = _bit_xor  # type: ignore[attr-defined]
ndarray.__invert__ = bitwise_not  # type: ignore[attr-defined]
ndarray.__array_priority__ = 1000.0
