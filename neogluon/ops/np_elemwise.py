"""NumPy-interface element-wise operators: ``_npi_add``, ``_npi_sqrt``, ...

MXNet 1.9.1's ``mx.np`` arithmetic, as operators of the one registry. Unlike the
legacy ``broadcast_*`` ops these follow NumPy's rules as MXNet implements them:

* arithmetic (``add subtract multiply mod power``) promotes mixed dtypes with
  :func:`~.np_common.promote`; ``true_divide`` of integers gives the default
  float dtype; comparisons give ``bool``; the other binary ops (``arctan2``,
  ``hypot``, ``copysign``, ``lcm``, ``ldexp``, ``bitwise_*``, ``maximum``,
  ``minimum``) need both inputs in one dtype, as in MXNet;
* ``*_scalar`` ops take ``scalar`` and ``is_int`` (whether the Python scalar was
  an int) and give :func:`~.np_common.scalar_result` dtypes; ``r*`` variants
  compute ``scalar <op> array``;
* unary math keeps the input dtype (integer inputs compute in float64 and cast
  back, as MXNet's integer kernels do; the ``mx.np`` frontend casts integers to
  float before calling the transcendental ones); ``isnan`` and friends and
  ``logical_not`` give ``bool``.

Gradients come from torch autograd on the kernels.

Fast-path attributes (read by the ``mx.np`` frontend, ``ndarray/_np.py``): a
kernel may carry ``same_dtype_fn``, the function it is when both array
operands share one dtype, and ``float_fn``, the function it is on a
floating-point array (with a Python float scalar for the ``*_scalar`` ops).
Both are the kernel's own math, so the frontend calling them directly gives
the kernel's result.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .._dtypes import dtype_name
from .._dtypes import to_torch_dtype
from ..base import MXNetError
from .elemwise import _mod
from .elemwise import _power
from .elemwise import broadcast_infer
from .elemwise import same_shape_infer
from .np_common import default_float
from .np_common import is_int_dtype
from .np_common import promote
from .np_common import promote_names
from .np_common import scalar_result
from .registry import OpDef
from .registry import P
from .registry import register

__all__: list[str] = []


# --------------------------------------------------------------------------- types
def _binary_promote_type(in_types, attrs):
    a, b = in_types
    return in_types, [promote_names(a, b)]


def _binary_divide_type(in_types, attrs):
    out = promote_names(*in_types)
    if out is not None and not to_torch_dtype(out).is_floating_point:
        out = dtype_name(default_float())
    return in_types, [out]


def _bool_type(in_types, attrs):
    known = next((t for t in in_types if t is not None), None)
    ins = [known if t is None else t for t in in_types]
    return ins, ["bool" if known is not None else None]


def _same_type(in_types, attrs):
    known = next((t for t in in_types if t is not None), None)
    return [known if t is None else t for t in in_types], [known]


def _to_bool_type(in_types, attrs):
    return in_types, ["bool"]


def _scalar_type(in_types, attrs):
    (t,) = in_types
    if t is None:
        return in_types, [None]
    return in_types, [dtype_name(scalar_result(to_torch_dtype(t), attrs["is_int"]))]


def _scalar_divide_type(in_types, attrs):
    (t,) = in_types
    if t is None:
        return in_types, [None]
    dt = to_torch_dtype(t)
    return in_types, [dtype_name(dt if dt.is_floating_point else default_float())]


def _scalar_keep_type(in_types, attrs):
    return in_types, [in_types[0]]


# --------------------------------------------------------------------------- kernels
def _float_only(op: str, dt: torch.dtype) -> None:
    if not dt.is_floating_point:
        raise MXNetError(
            f"Operator {op}: inputs of dtype {dtype_name(dt)} are not supported; "
            "MXNet computes it for float16/float32/float64 only. Cast the inputs "
            "with .astype('float32') first."
        )


def _no_bool(op: str, dt: torch.dtype) -> None:
    if dt == torch.bool:
        raise MXNetError(
            f"Operator {op}: bool inputs are not supported (as in MXNet 1.9.1); "
            "cast with .astype('int32') first."
        )


def _int_only(op: str, dt: torch.dtype) -> None:
    if not (is_int_dtype(dt) or dt == torch.bool):
        raise MXNetError(
            f"Operator {op}: inputs of dtype {dtype_name(dt)} are not supported; "
            "it needs integer or bool inputs. Cast with .astype('int32') first."
        )


def _true_divide(a, b):
    out = a.dtype if a.dtype.is_floating_point else default_float()
    return torch.div(a.to(out), b.to(out) if isinstance(b, torch.Tensor) else b)


def _np_power(a, b):
    if a.dtype == torch.bool:
        return torch.logical_or(a, torch.logical_not(torch.as_tensor(b)))
    return _power(a, b)


def _np_maximum(a, b):
    return (
        torch.where((a >= b) | torch.isnan(a), a, b)
        if a.is_floating_point()
        else (torch.maximum(a, b))
    )


def _np_minimum(a, b):
    return (
        torch.where((a <= b) | torch.isnan(a), a, b)
        if a.is_floating_point()
        else (torch.minimum(a, b))
    )


def _copysign(a, b):
    if a.is_floating_point():
        return torch.copysign(a, b)
    neg = b < 0
    mag = torch.abs(a)
    return torch.where(neg, -mag, mag).to(a.dtype)


def _lcm(a, b):
    if a.dtype == torch.bool:
        return torch.logical_and(a, b)
    return torch.abs(torch.lcm(a, b))


def _ldexp(a, b):
    if a.is_floating_point():
        return a * torch.pow(2.0, b.to(a.dtype))
    return (a.double() * torch.pow(2.0, b.double())).to(a.dtype)


def _cmp(fn: Callable) -> Callable:
    def kernel(a, b):
        return fn(a, b)

    return kernel


def _typed(op: str, fn: Callable, check: Callable | None) -> Callable:
    """A same-dtype binary kernel with an optional input-dtype check."""

    def kernel(lhs, rhs):
        if check is not None:
            check(op, lhs.dtype)
        return fn(lhs, rhs)

    kernel.__name__ = op
    kernel.same_dtype_fn = fn if check is None else None  # type: ignore[attr-defined]
    return kernel


def _promoting(op: str, fn: Callable) -> Callable:
    """A binary kernel that first promotes both inputs to one dtype."""

    def kernel(lhs, rhs):
        dt = promote(lhs.dtype, rhs.dtype)
        if lhs.dtype != dt:
            lhs = lhs.to(dt)
        if rhs.dtype != dt:
            rhs = rhs.to(dt)
        return fn(lhs, rhs)

    kernel.__name__ = op
    kernel.same_dtype_fn = fn  # type: ignore[attr-defined]
    return kernel


def _sub(a, b):
    if a.dtype == torch.bool:  # MXNet: bool(a - b), i.e. a != b
        return torch.logical_xor(a, b)
    return torch.sub(a, b)


def _np_mod(a, b):
    if a.dtype == torch.bool:  # x % 1 and x % 0 are both 0 in MXNet
        return torch.zeros_like(a)
    return _mod(a, b)


# name -> (kernel, doc) for the promoting family.
_PROMOTING: dict[str, tuple[Callable, str]] = {
    "add": (torch.add, "lhs + rhs"),
    "subtract": (_sub, "lhs - rhs"),
    "multiply": (torch.mul, "lhs * rhs"),
    "mod": (_np_mod, "lhs % rhs (the divisor's sign; 0 where the divisor is 0)"),
    "power": (_np_power, "lhs ** rhs"),
}

# name -> (kernel, dtype check, doc) for the same-dtype family.
_SAME: dict[str, tuple[Callable, Callable | None, str]] = {
    "maximum": (_np_maximum, _no_bool, "element-wise maximum (NaN propagates)"),
    "minimum": (_np_minimum, _no_bool, "element-wise minimum (NaN propagates)"),
    "arctan2": (torch.atan2, _float_only, "arctan(x1 / x2) in the right quadrant"),
    "hypot": (torch.hypot, _float_only, "sqrt(x1**2 + x2**2)"),
    "copysign": (_copysign, None, "lhs with the sign of rhs"),
    "lcm": (_lcm, _int_only, "least common multiple"),
    "ldexp": (_ldexp, _no_bool, "lhs * 2 ** rhs"),
    "bitwise_and": (torch.bitwise_and, _int_only, "bit-wise and"),
    "bitwise_or": (torch.bitwise_or, _int_only, "bit-wise or"),
    "bitwise_xor": (torch.bitwise_xor, _int_only, "bit-wise xor"),
}

_COMPARE: dict[str, Callable] = {
    "equal": torch.eq,
    "not_equal": torch.ne,
    "greater": torch.gt,
    "greater_equal": torch.ge,
    "less": torch.lt,
    "less_equal": torch.le,
}

_X1X2 = ("arctan2", "hypot")

for _name, (_fn, _doc) in _PROMOTING.items():
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _promoting(_op, _fn),
            inputs=("lhs", "rhs"),
            infer_shape=broadcast_infer(_op),
            infer_type=_binary_promote_type,
            same_dtype=False,
            doc=f"NumPy-style broadcasting {_doc}; mixed dtypes promote "
            "(MXNet's rules: bool yields, int meets float as that float).",
        )
    )

register(
    OpDef(
        "_npi_true_divide",
        _promoting("_npi_true_divide", _true_divide),
        inputs=("lhs", "rhs"),
        infer_shape=broadcast_infer("_npi_true_divide"),
        infer_type=_binary_divide_type,
        same_dtype=False,
        doc="NumPy-style broadcasting ``lhs / rhs``; integer inputs give the "
        "default float dtype (float32, float64 under ``set_np(dtype=True)``).",
    )
)

for _name, (_fn, _check, _doc) in _SAME.items():
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _typed(_op, _fn, _check),
            inputs=("x1", "x2") if _name in _X1X2 else ("lhs", "rhs"),
            infer_shape=broadcast_infer(_op),
            infer_type=_same_type,
            doc=f"NumPy-style broadcasting {_doc}; both inputs share one dtype.",
        )
    )

for _name, _fn in _COMPARE.items():
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _typed(_op, _cmp(_fn), None),
            inputs=("lhs", "rhs"),
            infer_shape=broadcast_infer(_op),
            infer_type=_bool_type,
            doc=f"NumPy-style broadcasting ``{_name}`` comparison giving bool; "
            "both inputs share one dtype.",
        )
    )


# --------------------------------------------------------------------------- scalar
_SCALAR_PARAMS = (
    P("scalar", "float", 1.0, "The scalar operand."),
    P("is_int", "bool", True, "Whether the scalar was a Python int."),
)


def _scalar_value(scalar: float, is_int: bool, dt: torch.dtype):
    if is_int and not dt.is_floating_point:
        return int(scalar)
    if dt == torch.bool:
        return bool(scalar)
    if not dt.is_floating_point:
        return int(scalar)
    return float(scalar)


def _arith_scalar(fn: Callable, reflected: bool) -> Callable:
    def kernel(data, scalar=1.0, is_int=True):
        dt = scalar_result(data.dtype, is_int)
        x = data if data.dtype == dt else data.to(dt)
        s = _scalar_value(scalar, is_int, dt)
        if reflected:
            return fn(torch.full_like(x, s), x)
        return fn(x, torch.full_like(x, s) if _needs_tensor(fn) else s)

    if not reflected and not _needs_tensor(fn):
        kernel.float_fn = fn  # type: ignore[attr-defined]
    return kernel


def _needs_tensor(fn: Callable) -> bool:
    return fn in _TENSOR_ONLY


def _divide_scalar(reflected: bool) -> Callable:
    def kernel(data, scalar=1.0, is_int=True):
        dt = data.dtype if data.dtype.is_floating_point else default_float()
        x = data.to(dt)
        if reflected:
            return torch.div(float(scalar), x)
        return torch.div(x, float(scalar))

    if not reflected:
        kernel.float_fn = torch.div  # type: ignore[attr-defined]
    return kernel


def _cmp_scalar(fn: Callable) -> Callable:
    def kernel(data, scalar=1.0, is_int=True):
        if data.is_floating_point():
            return fn(data, float(scalar))
        if data.dtype == torch.bool:
            return fn(data.to(torch.int64), float(scalar))
        return fn(data.double(), float(scalar))

    kernel.float_fn = fn  # type: ignore[attr-defined]
    return kernel


def _int_scalar(op: str, fn: Callable, reflected: bool = False) -> Callable:
    def kernel(data, scalar=1.0, is_int=True):
        _int_only(op, data.dtype)
        if data.dtype == torch.bool:
            s = torch.full_like(data, bool(int(scalar)))
        else:
            s = torch.full_like(data, int(scalar))
        return fn(s, data) if reflected else fn(data, s)

    return kernel


def _atan2(a, b):
    return (
        torch.atan2(a, b)
        if a.is_floating_point()
        else (torch.atan2(a.double(), b.double()).to(a.dtype))
    )


def _hypot_any(a, b):
    return (
        torch.hypot(a, b)
        if a.is_floating_point()
        else (torch.hypot(a.double(), b.double()).to(a.dtype))
    )


_TENSOR_ONLY = {_atan2, _hypot_any, _copysign, _ldexp, _np_maximum, _np_minimum}

# name -> (kernel(array_like_lhs, rhs), reflected)
_ARITH_SCALAR: dict[str, tuple[Callable, bool]] = {
    "add_scalar": (torch.add, False),
    "subtract_scalar": (torch.sub, False),
    "rsubtract_scalar": (torch.sub, True),
    "multiply_scalar": (torch.mul, False),
    "mod_scalar": (_mod, False),
    "rmod_scalar": (_mod, True),
    "power_scalar": (_power, False),
    "rpower_scalar": (_power, True),
    "maximum_scalar": (_np_maximum, False),
    "minimum_scalar": (_np_minimum, False),
    "hypot_scalar": (_hypot_any, False),
    "arctan2_scalar": (_atan2, False),
    "rarctan2_scalar": (_atan2, True),
    "copysign_scalar": (_copysign, False),
    "rcopysign_scalar": (_copysign, True),
    "ldexp_scalar": (_ldexp, False),
    "rldexp_scalar": (_ldexp, True),
}

for _name, (_fn, _rev) in _ARITH_SCALAR.items():
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _arith_scalar(_fn, _rev),
            params=_SCALAR_PARAMS,
            infer_shape=same_shape_infer(_op),
            infer_type=_scalar_type,
            doc=f"``{_name}``: element-wise op with a Python scalar"
            + (" on the left" if _rev else "")
            + "; integer arrays with a float scalar give float64.",
        )
    )

for _name, _rev in (("true_divide_scalar", False), ("rtrue_divide_scalar", True)):
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _divide_scalar(_rev),
            params=_SCALAR_PARAMS,
            infer_shape=same_shape_infer(_op),
            infer_type=_scalar_divide_type,
            doc="True division with a Python scalar"
            + (" on the left" if _rev else "")
            + "; integer arrays give the default float dtype.",
        )
    )

for _name, _fn in _COMPARE.items():
    _op = f"_npi_{_name}_scalar"
    register(
        OpDef(
            _op,
            _cmp_scalar(_fn),
            params=_SCALAR_PARAMS,
            infer_shape=same_shape_infer(_op),
            infer_type=_to_bool_type,
            doc=f"``{_name}`` comparison with a Python scalar, giving bool.",
        )
    )

for _name, _fn in (
    ("lcm_scalar", _lcm),
    ("bitwise_and_scalar", torch.bitwise_and),
    ("bitwise_or_scalar", torch.bitwise_or),
    ("bitwise_xor_scalar", torch.bitwise_xor),
):
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _int_scalar(_op, _fn),
            params=_SCALAR_PARAMS,
            infer_shape=same_shape_infer(_op),
            infer_type=_scalar_keep_type,
            doc=f"``{_name}`` of an integer/bool array with a scalar (the "
            "scalar is truncated to an integer).",
        )
    )


# --------------------------------------------------------------------------- unary
def _keep(fn: Callable) -> Callable:
    """Float math that keeps the input dtype (integers: float64, cast back)."""

    def kernel(x):
        if x.is_floating_point():
            return fn(x)
        return fn(x.double()).to(x.dtype)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.float_fn = fn  # type: ignore[attr-defined]
    return kernel


def _rounding(fn: Callable) -> Callable:
    def kernel(x):
        if x.is_floating_point():
            return fn(x)
        return x.clone()

    kernel.float_fn = fn  # type: ignore[attr-defined]
    return kernel


def _cbrt(x):
    return torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)


def _rint(x):
    # MXNet's rint: the nearer integer, ties to the lower one (2.5 -> 2, -2.5 -> -3).
    lo, hi = torch.floor(x), torch.ceil(x)
    return torch.where(x - lo <= hi - x, lo, hi)


def _abs(x):
    if x.dtype == torch.bool:
        return x.clone()
    return torch.abs(x)


def _negative(x):
    if x.dtype == torch.bool:
        raise MXNetError(
            "Operator _npi_negative: negating a bool array is not supported (as "
            "in NumPy); use logical_not."
        )
    return torch.neg(x)


def _sign(x):
    if x.dtype == torch.bool:
        return x.clone()
    return torch.sign(x)


def _square(x):
    if x.dtype == torch.bool:
        return x.clone()
    return torch.square(x)


def _bitwise_not(x):
    _int_only("_npi_bitwise_not", x.dtype)
    return torch.bitwise_not(x)


def _isnan(x):
    return (
        torch.isnan(x)
        if x.is_floating_point()
        else torch.zeros_like(x, dtype=torch.bool)
    )


def _isinf(x):
    return (
        torch.isinf(x)
        if x.is_floating_point()
        else torch.zeros_like(x, dtype=torch.bool)
    )


def _isposinf(x):
    return (
        torch.isposinf(x)
        if x.is_floating_point()
        else (torch.zeros_like(x, dtype=torch.bool))
    )


def _isneginf(x):
    return (
        torch.isneginf(x)
        if x.is_floating_point()
        else (torch.zeros_like(x, dtype=torch.bool))
    )


def _isfinite(x):
    return torch.isfinite(x)


def _logical_not(x):
    return torch.logical_not(x)


_UNARY: dict[str, tuple[Callable, str]] = {
    "absolute": (_abs, "absolute value"),
    "negative": (_negative, "-x"),
    "sign": (_sign, "sign (-1, 0 or 1)"),
    "square": (_square, "x ** 2"),
    "reciprocal": (_keep(torch.reciprocal), "1 / x"),
    "sqrt": (_keep(torch.sqrt), "square root"),
    "cbrt": (_keep(_cbrt), "cube root"),
    "exp": (_keep(torch.exp), "e ** x"),
    "expm1": (_keep(torch.expm1), "exp(x) - 1"),
    "log": (_keep(torch.log), "natural logarithm"),
    "log10": (_keep(torch.log10), "base-10 logarithm"),
    "log2": (_keep(torch.log2), "base-2 logarithm"),
    "log1p": (_keep(torch.log1p), "log(1 + x)"),
    "sin": (_keep(torch.sin), "sine"),
    "cos": (_keep(torch.cos), "cosine"),
    "tan": (_keep(torch.tan), "tangent"),
    "arcsin": (_keep(torch.asin), "inverse sine"),
    "arccos": (_keep(torch.acos), "inverse cosine"),
    "arctan": (_keep(torch.atan), "inverse tangent"),
    "sinh": (_keep(torch.sinh), "hyperbolic sine"),
    "cosh": (_keep(torch.cosh), "hyperbolic cosine"),
    "tanh": (_keep(torch.tanh), "hyperbolic tangent"),
    "arcsinh": (_keep(torch.asinh), "inverse hyperbolic sine"),
    "arccosh": (_keep(torch.acosh), "inverse hyperbolic cosine"),
    "arctanh": (_keep(torch.atanh), "inverse hyperbolic tangent"),
    "degrees": (_keep(lambda x: x * (180.0 / math.pi)), "radians to degrees"),
    "radians": (_keep(lambda x: x * (math.pi / 180.0)), "degrees to radians"),
    "floor": (_rounding(torch.floor), "round down"),
    "ceil": (_rounding(torch.ceil), "round up"),
    "trunc": (_rounding(torch.trunc), "round toward zero"),
    "fix": (_rounding(torch.trunc), "round toward zero"),
    "rint": (_rounding(_rint), "round to the nearest integer (ties down)"),
    "bitwise_not": (_bitwise_not, "bit-wise not (integers and bool)"),
}
_UNARY_BOOL: dict[str, tuple[Callable, str]] = {
    "isnan": (_isnan, "whether x is NaN"),
    "isinf": (_isinf, "whether x is infinite"),
    "isposinf": (_isposinf, "whether x is +inf"),
    "isneginf": (_isneginf, "whether x is -inf"),
    "isfinite": (_isfinite, "whether x is finite"),
    "logical_not": (_logical_not, "not x"),
}

for _name, (_fn, _doc) in _UNARY.items():
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _fn,
            inputs=("x",),
            infer_shape=same_shape_infer(_op),
            aliases=("_npi_abs",) if _name == "absolute" else (),
            doc=f"Element-wise {_doc}, in the input dtype.",
        )
    )

for _name, (_fn, _doc) in _UNARY_BOOL.items():
    _op = f"_npi_{_name}"
    register(
        OpDef(
            _op,
            _fn,
            inputs=("x",),
            infer_shape=same_shape_infer(_op),
            infer_type=_to_bool_type,
            doc=f"Element-wise {_doc}, as bool.",
        )
    )


def _around(x, decimals=0):
    if not x.is_floating_point():
        if decimals >= 0:
            return x.clone()
        # MXNet rounds integer ties toward zero here (15 -> 10, -35 -> -30).
        f = 10 ** (-decimals)
        v = x.double() / f
        t = torch.trunc(v)
        r = torch.where(torch.abs(v - t) == 0.5, t, torch.round(v))
        return (r * f).to(x.dtype)
    return torch.round(x, decimals=decimals)


register(
    OpDef(
        "_npi_around",
        _around,
        inputs=("x",),
        params=(P("decimals", "int", 0, "Number of decimals (negative: tens...)."),),
        infer_shape=same_shape_infer("_npi_around"),
        doc="Round to ``decimals`` places, ties to even (NumPy's ``around``).",
    )
)


def _nan_to_num(data, copy=True, nan=0.0, posinf=None, neginf=None):
    if not data.is_floating_point():
        return data.clone()
    return torch.nan_to_num(data, nan=nan, posinf=posinf, neginf=neginf)


register(
    OpDef(
        "_npi_nan_to_num",
        _nan_to_num,
        params=(
            P("copy", "bool", True, "Return a copy (always one here)."),
            P("nan", "float", 0.0, "Value for NaN."),
            P("posinf", "float", None, "Value for +inf (None: the dtype's max)."),
            P("neginf", "float", None, "Value for -inf (None: the dtype's min)."),
        ),
        infer_shape=same_shape_infer("_npi_nan_to_num"),
        doc="Replace NaN and infinities with finite numbers.",
    )
)


def _copy(a):
    return a.clone()


register(
    OpDef(
        "_np_copy",
        _copy,
        inputs=("a",),
        infer_shape=same_shape_infer("_np_copy"),
        doc="A copy of the array.",
    )
)


# --------------------------------------------------------------------------- where
def _where_any(cond, x, y):
    return torch.where(cond != 0 if cond.dtype != torch.bool else cond, x, y)


def _np_where(condition, x, y):
    dt = promote(x.dtype, y.dtype)
    return _where_any(condition, x.to(dt), y.to(dt))


def _where3_infer(in_shapes, attrs, out_shapes=None):
    c, x, y = in_shapes
    if c is None or x is None or y is None:
        return list(in_shapes), [None]
    _, (cx,) = broadcast_infer("_npi_where")([c, x], attrs)
    _, (out,) = broadcast_infer("_npi_where")([cx, y], attrs)
    return list(in_shapes), [out]


def _where3_type(in_types, attrs):
    return in_types, [promote_names(in_types[1], in_types[2])]


register(
    OpDef(
        "_npi_where",
        _np_where,
        inputs=("condition", "x", "y"),
        infer_shape=_where3_infer,
        infer_type=_where3_type,
        same_dtype=False,
        doc="``x`` where ``condition`` is true, else ``y`` (all three broadcast).",
    )
)


def _where_lscalar(condition, x, scalar=0.0):
    # "lscalar": the scalar is the left (true) branch, the array the right one.
    s = torch.full_like(x, _scalar_value(scalar, False, x.dtype))
    return _where_any(condition, s, x)


def _where_rscalar(condition, y, scalar=0.0):
    # "rscalar": the array is the true branch, the scalar the false one.
    s = torch.full_like(y, _scalar_value(scalar, False, y.dtype))
    return _where_any(condition, y, s)


def _where_scalar2(condition, x=0.0, y=0.0):
    dt = default_float()
    xs = torch.full_like(condition, x, dtype=dt)
    return torch.where(condition != 0, xs, torch.full_like(xs, y))


def _where2_infer(in_shapes, attrs, out_shapes=None):
    c, v = in_shapes
    if c is None or v is None:
        return list(in_shapes), [None]
    return broadcast_infer("_npi_where")([c, v], attrs)


def _where2_type(in_types, attrs):
    return in_types, [in_types[1]]


for _op, _fn, _ins in (
    ("_npi_where_lscalar", _where_lscalar, ("condition", "x")),
    ("_npi_where_rscalar", _where_rscalar, ("condition", "y")),
):
    register(
        OpDef(
            _op,
            _fn,
            inputs=_ins,
            params=(P("scalar", "float", 0.0, "The scalar branch."),),
            infer_shape=_where2_infer,
            infer_type=_where2_type,
            dtype_free_inputs=("condition",),
            doc="``where`` with one branch a scalar (cast to the array's dtype).",
        )
    )

register(
    OpDef(
        "_npi_where_scalar2",
        _where_scalar2,
        inputs=("condition",),
        params=(
            P("x", "float", 0.0, "Value where condition is true."),
            P("y", "float", 0.0, "Value where condition is false."),
        ),
        infer_shape=same_shape_infer("_npi_where_scalar2"),
        infer_type=lambda in_types, attrs: (in_types, [dtype_name(default_float())]),
        doc="``where`` with both branches scalars (default float dtype).",
    )
)
