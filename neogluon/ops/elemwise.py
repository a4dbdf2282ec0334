"""Operator family: element-wise math (unary, binary, broadcast, scalar).

One kernel per math function; the MXNet variants of a function (``broadcast_add``,
``elemwise_add``/``_plus``, ``_plus_scalar``) are registrations of the same kernel
with different shape rules ("variants are parameters, not copies").

MXNet dtype rules kept here:

* no promotion between arrays (checked by the frontends from ``same_dtype``);
* a scalar operand is cast to the array's dtype first (``int32 * 2.5`` multiplies
  by 2); integer ``/`` truncates toward zero, ``%`` takes the divisor's sign and
  ``**`` computes in float64 and truncates (``2 ** -1`` is 0);
* comparisons and logical ops return 0/1 in the input dtype;
* float math on an integer array computes in float64 and casts back (``sqrt`` of
  int32 ``[5]`` is ``[2]``), as MXNet's integer kernels do.

The shape-inference helpers at the top (:func:`merge_shapes`,
:func:`same_shape_infer`, :func:`broadcast_infer`) are shared by the other
families. Every rule takes an optional third argument ``out_shapes`` (known output
shapes) so that a graph pass can also infer inputs from outputs.

These kernels are also what NDArray's and Symbol's operators run: the operator
table (``optable.py``) maps ``+``, ``nd.add``, ... to the ops registered here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

from .._text import fmt_shape
from .registry import REQUIRED
from .registry import MaybeShape
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

if TYPE_CHECKING:
    import numpy as np


# --------------------------------------------------------------------------- shapes
def merge_shapes(a: MaybeShape, b: MaybeShape, op: str, what: str = "") -> MaybeShape:
    """Unify two partial shapes (0 = unknown dim, None = unknown rank)."""
    if a is None:
        return None if b is None else tuple(b)
    if b is None:
        return tuple(a)
    if len(a) != len(b):
        raise ShapeError(
            f"Operator {op}: {what or 'shapes'} {fmt_shape(a)} and {fmt_shape(b)} "
            f"have different ranks ({len(a)} vs {len(b)}); they must match."
        )
    out = []
    for x, y in zip(a, b, strict=True):
        if x == 0:
            out.append(y)
        elif y == 0 or x == y:
            out.append(x)
        else:
            raise ShapeError(
                f"Operator {op}: {what or 'shapes'} {fmt_shape(a)} and "
                f"{fmt_shape(b)} are incompatible; they must be equal."
            )
    return tuple(out)


def out0(out_shapes) -> MaybeShape:
    """The first known output shape passed to a rule, or None."""
    if not out_shapes:
        return None
    return out_shapes[0]


def same_shape_infer(op: str) -> Callable:
    """Rule for ops whose inputs and output all have one shape."""

    def infer(in_shapes, attrs, out_shapes=None):
        s = out0(out_shapes)
        for x in in_shapes:
            s = merge_shapes(s, x, op, "input shapes")
        return [s for _ in in_shapes], [s]

    return infer


def _broadcast_dim(a: int, b: int, c: int, op: str, la, ra) -> tuple[int, int, int]:
    """Resolve one dim of lhs ``a``, rhs ``b``, output ``c`` (0 = unknown)."""
    if a > 0 and b > 0:
        if a != b and a != 1 and b != 1:
            raise ShapeError(
                f"Operator {op}: shapes {fmt_shape(la)} and {fmt_shape(ra)} cannot "
                "be broadcast together (each dim must be equal or 1)."
            )
        res = b if a == 1 else a
        if c > 0 and c != res:
            raise ShapeError(
                f"Operator {op}: inputs {fmt_shape(la)}, {fmt_shape(ra)} give a dim "
                f"of {res} but the output has {c}."
            )
        return a, b, res
    if a == 0 and b == 0:
        if c == 1:
            return 1, 1, 1
        return 0, 0, c
    # Exactly one side unknown. A partner dim k > 1 fixes the output (k) but not
    # the unknown side, which may be k or 1: leave it unknown rather than guess
    # (a guess could give a deferred parameter a batch-sized shape, silently).
    # A partner of 1 makes the unknown side equal to the output dim.
    known, unknown_is_lhs = (b, True) if a == 0 else (a, False)
    if known != 1:
        fill, res = 0, known
    else:
        fill, res = c, c
    if c > 0 and res != c:
        raise ShapeError(
            f"Operator {op}: inputs {fmt_shape(la)}, {fmt_shape(ra)} are "
            f"incompatible with output dim {c}."
        )
    return (fill, b, res) if unknown_is_lhs else (a, fill, res)


def broadcast_infer(op: str) -> Callable:
    """NumPy-broadcast rule for two inputs.

    Fills an unknown input dim only where broadcasting determines it (the
    partner's dim is 1 and the output dim is known); an unknown input facing a
    partner dim > 1 stays unknown, as in MXNet.
    """

    def infer(in_shapes, attrs, out_shapes=None):
        lhs, rhs = in_shapes
        o = out0(out_shapes)
        if lhs is None or rhs is None:
            return [lhs, rhs], [o]
        n = max(len(lhs), len(rhs), len(o) if o is not None else 0)
        lp = (1,) * (n - len(lhs)) + tuple(lhs)
        rp = (1,) * (n - len(rhs)) + tuple(rhs)
        op_ = (0,) * n if o is None else (1,) * (n - len(o)) + tuple(o)
        nl, nr, no = [], [], []
        for a, b, c in zip(lp, rp, op_, strict=True):
            x, y, z = _broadcast_dim(a, b, c, op, lhs, rhs)
            nl.append(x)
            nr.append(y)
            no.append(z)
        return [tuple(nl[n - len(lhs) :]), tuple(nr[n - len(rhs) :])], [tuple(no)]

    return infer


# --------------------------------------------------------------------------- helpers
def _floatmath(fn: Callable) -> Callable:
    """Run float math on integer arrays in float64 and cast back (MXNet's rule)."""

    def kernel(data):
        if data.is_floating_point():
            return fn(data)
        return fn(data.double()).to(data.dtype)

    kernel.__name__ = getattr(fn, "__name__", "kernel")
    # What it runs on a float array: the eager frontend calls it directly there.
    kernel.on_float = fn  # type: ignore[attr-defined]
    return kernel


def scalar_for(t: torch.Tensor, s: float | int | np.generic):
    """A scalar cast to the array's dtype (``int32 * 2.5`` multiplies by 2)."""
    if t.is_floating_point():
        return float(s)
    if t.dtype == torch.bool:
        return bool(s)
    return int(s)


def _div(a, b):
    t = a if isinstance(a, torch.Tensor) else b
    if t.is_floating_point():
        return torch.div(a, b)
    return torch.div(a, b, rounding_mode="trunc")


def _mod(a, b):
    """``a % b`` (Python's sign rule) with MXNet's 0 where the divisor is 0.

    Integers and floats alike; torch raises for integers and gives NaN for
    floats. Used by the ops and by NDArray's ``%``/``%=``. The common case costs
    one extra reduction (float ``b.all()``) or nothing (integers: torch's own
    zero-division error sends them to the masked path).
    """
    if isinstance(b, torch.Tensor):
        if b.is_floating_point() or (
            isinstance(a, torch.Tensor) and a.is_floating_point()
        ):
            if bool(b.all()):
                return torch.remainder(a, b)
        else:
            try:
                return torch.remainder(a, b)
            except RuntimeError:
                pass  # a zero divisor (anything else raises again below)
        zero = b == 0
        out = torch.remainder(a, torch.where(zero, torch.ones_like(b), b))
        return torch.where(zero, torch.zeros_like(out), out)
    if b == 0:
        return torch.zeros_like(a)
    return torch.remainder(a, b)


def _recorded(a, b) -> bool:
    """Whether torch autograd records an op on ``a`` and ``b`` now."""
    return torch.is_grad_enabled() and (a.requires_grad or b.requires_grad)


def _maximum(a, b):
    # MXNet sends the whole gradient to lhs on ties (lhs >= rhs), torch splits
    # it; a NaN on either side propagates (as numpy's maximum). The values are
    # torch.maximum's, which is one kernel instead of four when not recorded.
    if not _recorded(a, b):
        return torch.maximum(a, b)
    return torch.where((a >= b) | torch.isnan(a), a, b)


def _minimum(a, b):
    if not _recorded(a, b):
        return torch.minimum(a, b)
    return torch.where((a <= b) | torch.isnan(a), a, b)


def _power(a, b):
    t = a if isinstance(a, torch.Tensor) else b
    if t.is_floating_point():
        return torch.pow(a, b)
    # Integer powers compute in float64 and truncate (2 ** -1 == 0), as in MXNet.
    af = a.double() if isinstance(a, torch.Tensor) else float(a)
    bf = b.double() if isinstance(b, torch.Tensor) else float(b)
    return torch.pow(af, bf).to(t.dtype)


# Reflected kernels: ``rfn(array, scalar)`` is ``scalar <op> array`` (the
# ``_r*_scalar`` operators and NDArray's ``__rsub__``/``__rtruediv__``/...).
def _rsub(a, s):
    return torch.rsub(a, s)


def _rdiv(a, s):
    if a.is_floating_point():
        return torch.div(s, a)
    return torch.div(torch.full_like(a, s), a, rounding_mode="trunc")


def _rmod(a, s):
    # A tensor left operand: torch's scalar-first remainder has no gradient.
    return _mod(torch.full_like(a, s), a)


def _rpower(a, s):
    if a.is_floating_point():
        return torch.pow(s, a)
    return torch.pow(float(s), a.double()).to(a.dtype)


#: Kernels that are exactly one torch function when no operand requires grad:
#: kernel -> (torch function, whether only for floating-point operands). A
#: frontend's fast path (nothing requiring grad) may call the function directly.
FAST_KERNELS: dict[Callable, tuple[Callable, bool]] = {
    _div: (torch.div, True),
    _power: (torch.pow, True),
    _maximum: (torch.maximum, False),
    _minimum: (torch.minimum, False),
}


def _hypot(a, b):
    if not (a.is_floating_point() if isinstance(a, torch.Tensor) else True):
        return torch.hypot(a.double(), b.double()).to(a.dtype)
    return torch.hypot(a, b)


def _cmp(fn: Callable) -> Callable:
    def kernel(a, b):
        t = a if isinstance(a, torch.Tensor) else b
        return fn(a, b).to(t.dtype)

    kernel.__name__ = fn.__name__
    return kernel


def _logical(fn: Callable) -> Callable:
    def kernel(a, b):
        t = a if isinstance(a, torch.Tensor) else b
        return fn(torch.as_tensor(a) != 0, torch.as_tensor(b) != 0).to(t.dtype)

    kernel.__name__ = fn.__name__
    return kernel


# name -> (kernel, doc). The shared math of the binary families.
_BINARY: dict[str, tuple[Callable, str]] = {
    "add": (torch.add, "lhs + rhs"),
    "sub": (torch.sub, "lhs - rhs"),
    "mul": (torch.mul, "lhs * rhs"),
    "div": (_div, "lhs / rhs (integer division truncates toward zero)"),
    "mod": (_mod, "lhs % rhs (result takes the divisor's sign)"),
    "power": (_power, "lhs ** rhs"),
    "maximum": (_maximum, "element-wise maximum"),
    "minimum": (_minimum, "element-wise minimum"),
    "hypot": (_hypot, "sqrt(lhs**2 + rhs**2)"),
    "equal": (_cmp(torch.eq), "lhs == rhs as 0/1 in the input dtype"),
    "not_equal": (_cmp(torch.ne), "lhs != rhs as 0/1 in the input dtype"),
    "greater": (_cmp(torch.gt), "lhs > rhs as 0/1 in the input dtype"),
    "greater_equal": (_cmp(torch.ge), "lhs >= rhs as 0/1 in the input dtype"),
    "lesser": (_cmp(torch.lt), "lhs < rhs as 0/1 in the input dtype"),
    "lesser_equal": (_cmp(torch.le), "lhs <= rhs as 0/1 in the input dtype"),
    "logical_and": (_logical(torch.logical_and), "lhs and rhs as 0/1"),
    "logical_or": (_logical(torch.logical_or), "lhs or rhs as 0/1"),
    "logical_xor": (_logical(torch.logical_xor), "lhs xor rhs as 0/1"),
}


# --------------------------------------------------------------------------- unary
def _psi(x):
    """MXNet's digamma: +inf at 0, -1, -2, ... (torch: -inf / nan)."""
    pole = (x <= 0) & (x == torch.floor(x))
    return torch.where(pole, torch.full_like(x, float("inf")), torch.digamma(x))


class _GammaFn(torch.autograd.Function):
    """Gamma with MXNet's gradient ``gamma(x) * psi(x)``."""

    @staticmethod
    def forward(ctx, x):
        y = _gamma_value(x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y * _psi(x)


class _GammalnFn(torch.autograd.Function):
    """log|gamma| with MXNet's gradient ``psi(x)``."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.lgamma(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _psi(x)


def _gamma_value(x):
    # Gamma's sign alternates on the negative axis: (-1)**ceil(-x) for x < 0.
    sign = torch.where(
        x > 0, torch.ones_like(x), 1.0 - 2.0 * torch.remainder(torch.ceil(-x), 2)
    )
    y = torch.exp(torch.lgamma(x)) * sign
    # MXNet: inf at 0, nan at the negative integers (the poles).
    return torch.where((x < 0) & (x == torch.floor(x)), torch.nan, y)


def _gamma(x):
    if x.requires_grad:
        return _GammaFn.apply(x)
    return _gamma_value(x)


def _gammaln(x):
    if x.requires_grad:
        return _GammalnFn.apply(x)
    return torch.lgamma(x)


def round_half_away(x):
    """MXNet's rounding (``round``, ``_contrib_round_ste``, ROI corners): halves
    away from zero, where ``torch.round`` rounds them to even."""
    if not x.is_floating_point():
        return x.clone()
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def _rint(x):
    # MXNet's rint picks the floor on ties (-2.5 -> -3, 2.5 -> 2).
    lo, hi = torch.floor(x), torch.ceil(x)
    return torch.where(x - lo <= hi - x, lo, hi)


class _CbrtFn(torch.autograd.Function):
    """Cube root with MXNet's gradient ``g / (3 * cbrt(x)**2)`` (inf at 0 for a
    nonzero ``g``; differentiating ``sign(x) * |x|**(1/3)`` gives nan there)."""

    @staticmethod
    def forward(ctx, x):
        y = torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g / (3.0 * y * y)


def _cbrt(x):
    if x.requires_grad:
        return _CbrtFn.apply(x)
    return torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)


def _int_ok(fn: Callable) -> Callable:
    """Rounding ops are the identity on integer arrays."""

    def kernel(data):
        if data.is_floating_point():
            return fn(data)
        return data.clone()

    kernel.__name__ = fn.__name__
    return kernel


def _softsign(x):
    return x / (1 + torch.abs(x))


def _logical_not(x):
    return (x == 0).to(x.dtype)


_UNARY: dict[str, tuple[Callable, str]] = {
    "sigmoid": (_floatmath(torch.sigmoid), "1 / (1 + exp(-x))"),
    "tanh": (_floatmath(torch.tanh), "hyperbolic tangent"),
    "softsign": (_floatmath(_softsign), "x / (1 + abs(x))"),
    "exp": (_floatmath(torch.exp), "e ** x"),
    "log": (_floatmath(torch.log), "natural logarithm"),
    "log2": (_floatmath(torch.log2), "base-2 logarithm"),
    "log10": (_floatmath(torch.log10), "base-10 logarithm"),
    "log1p": (_floatmath(torch.log1p), "log(1 + x)"),
    "expm1": (_floatmath(torch.expm1), "exp(x) - 1"),
    "sqrt": (_floatmath(torch.sqrt), "square root"),
    "rsqrt": (_floatmath(torch.rsqrt), "1 / sqrt(x)"),
    "cbrt": (_floatmath(_cbrt), "cube root"),
    "rcbrt": (_floatmath(lambda x: 1.0 / _cbrt(x)), "1 / cbrt(x)"),
    "square": (torch.square, "x ** 2"),
    "abs": (torch.abs, "absolute value"),
    "sign": (torch.sign, "sign of x (-1, 0 or 1)"),
    "negative": (torch.neg, "-x"),
    "reciprocal": (_floatmath(torch.reciprocal), "1 / x"),
    "floor": (_int_ok(torch.floor), "round down"),
    "ceil": (_int_ok(torch.ceil), "round up"),
    "round": (round_half_away, "round half away from zero"),
    "rint": (_int_ok(_rint), "round to the nearest integer (ties down)"),
    "trunc": (_int_ok(torch.trunc), "round toward zero"),
    "fix": (_int_ok(torch.trunc), "round toward zero"),
    "sin": (_floatmath(torch.sin), "sine"),
    "cos": (_floatmath(torch.cos), "cosine"),
    "tan": (_floatmath(torch.tan), "tangent"),
    "arcsin": (_floatmath(torch.asin), "inverse sine"),
    "arccos": (_floatmath(torch.acos), "inverse cosine"),
    "arctan": (_floatmath(torch.atan), "inverse tangent"),
    "sinh": (_floatmath(torch.sinh), "hyperbolic sine"),
    "cosh": (_floatmath(torch.cosh), "hyperbolic cosine"),
    "arcsinh": (_floatmath(torch.asinh), "inverse hyperbolic sine"),
    "arccosh": (_floatmath(torch.acosh), "inverse hyperbolic cosine"),
    "arctanh": (_floatmath(torch.atanh), "inverse hyperbolic tangent"),
    "degrees": (_floatmath(lambda x: x * (180.0 / math.pi)), "radians to degrees"),
    "radians": (_floatmath(lambda x: x * (math.pi / 180.0)), "degrees to radians"),
    "erf": (_floatmath(torch.erf), "Gauss error function"),
    "erfinv": (_floatmath(torch.erfinv), "inverse error function"),
    "gamma": (_floatmath(_gamma), "the gamma function"),
    "gammaln": (_floatmath(_gammaln), "log of the absolute gamma function"),
    "logical_not": (_logical_not, "not x as 0/1 in the input dtype"),
}


def _register_unary(name: str, fn: Callable, doc: str, **kw) -> None:
    register(
        OpDef(
            name,
            fn,
            infer_shape=same_shape_infer(name),
            doc=f"Element-wise {doc}.",
            **kw,
        )
    )


_register_unary("relu", torch.relu, "rectified linear unit, ``max(x, 0)``")
for _name, (_fn, _doc) in _UNARY.items():
    _register_unary(_name, _fn, _doc)


def _identity(data):
    return data.view_as(data)


def _block_grad(data):
    return data.detach().view_as(data)


_register_unary(
    "_copy", _identity, "copy of the input", aliases=("identity",), returns_view=True
)
_register_unary(
    "BlockGrad",
    _block_grad,
    "identity whose gradient is zero",
    aliases=("stop_gradient",),
    returns_view=True,
)


def _zeros_like(data):
    return torch.zeros_like(data)


def _ones_like(data):
    return torch.ones_like(data)


_register_unary("zeros_like", _zeros_like, "array of zeros with the input's shape")
_register_unary("ones_like", _ones_like, "array of ones with the input's shape")

_DTYPES = (
    "bfloat16",
    "bool",
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "int8",
    "uint8",
)


def _cast(data, dtype):
    from .._dtypes import to_torch_dtype

    # A new array also when the dtype stays (MXNet's outputs never alias inputs).
    return data.to(to_torch_dtype(dtype), copy=True)


def _cast_type(in_types, attrs):
    return in_types, [attrs["dtype"]]


#: The input dtypes amp_cast converts; any other passes through (MXNet).
_AMP_CASTABLE = (torch.float16, torch.float32, torch.bfloat16)


def _amp_cast(data, dtype):
    if data.dtype not in _AMP_CASTABLE:
        return data.clone()
    return _cast(data, dtype)


def _amp_cast_type(in_types, attrs):
    t = in_types[0]
    if t is None:
        return in_types, [None]
    return in_types, [attrs["dtype"] if t in ("float16", "float32", "bfloat16") else t]


for _name, _kernel, _infer_type, _aliases, _doc in (
    (
        "Cast",
        _cast,
        _cast_type,
        ("cast",),
        "Cast to ``dtype`` (the gradient is cast back).",
    ),
    (
        "amp_cast",
        _amp_cast,
        _amp_cast_type,
        (),
        "Cast float16/float32/bfloat16 inputs to ``dtype``; inputs of any other "
        "dtype (integers, float64) pass through unchanged, as in MXNet.",
    ),
):
    register(
        OpDef(
            _name,
            _kernel,
            params=(P("dtype", "dtype", REQUIRED, "Output dtype.", _DTYPES),),
            infer_shape=same_shape_infer(_name),
            infer_type=_infer_type,
            aliases=_aliases,
            doc=_doc,
        )
    )


def _clip(data, a_min, a_max):
    if data.is_floating_point():  # the bounds are parsed floats already
        return torch.clamp(data, a_min, a_max)
    return torch.clamp(data, scalar_for(data, a_min), scalar_for(data, a_max))


def _clip_fast(attrs: dict):
    """``_clip`` with its bounds bound (the eager frontend's call)."""
    a_min, a_max = attrs["a_min"], attrs["a_max"]

    def clip(data):
        if data.is_floating_point():
            return torch.clamp(data, a_min, a_max)
        return _clip(data, a_min, a_max)

    return clip


register(
    OpDef(
        "clip",
        _clip,
        fast_kernel=_clip_fast,
        params=(
            P("a_min", "float", REQUIRED, "Minimum value."),
            P("a_max", "float", REQUIRED, "Maximum value."),
        ),
        infer_shape=same_shape_infer("clip"),
        doc="Clip values to ``[a_min, a_max]`` (bounds cast to the array dtype).",
    )
)


def _hard_sigmoid(data, alpha, beta):
    return torch.clamp(data * alpha + beta, 0.0, 1.0)


register(
    OpDef(
        "hard_sigmoid",
        _hard_sigmoid,
        params=(P("alpha", "float", 0.2, "Slope."), P("beta", "float", 0.5, "Offset.")),
        infer_shape=same_shape_infer("hard_sigmoid"),
        doc="``clip(alpha * x + beta, 0, 1)``.",
    )
)


# --------------------------------------------------------------------------- binary
# Broadcast family: broadcast_<name>, with MXNet's extra aliases.
_BCAST_ALIASES = {"add": ("broadcast_plus",), "sub": ("broadcast_minus",)}
for _name, (_fn, _doc) in _BINARY.items():
    _op = f"broadcast_{_name}"
    register(
        OpDef(
            _op,
            _fn,
            inputs=("lhs", "rhs"),
            infer_shape=broadcast_infer(_op),
            aliases=_BCAST_ALIASES.get(_name, ()),
            doc=f"Broadcasting {_doc}.",
        )
    )

# Same-shape family (MXNet's ``elemwise_*`` and the ``_plus``-style names that
# symbol arithmetic produces).
_ELEMWISE = {
    "add": ("elemwise_add", ("_add", "_plus", "_Plus")),
    "sub": ("elemwise_sub", ("_sub", "_minus", "_Minus")),
    "mul": ("elemwise_mul", ("_mul", "_Mul")),
    "div": ("elemwise_div", ("_div", "_Div")),
    "mod": ("_mod", ("_Mod",)),
    "power": ("_power", ("_Power",)),
    "maximum": ("_maximum", ("_Maximum",)),
    "minimum": ("_minimum", ("_Minimum",)),
    "hypot": ("_hypot", ("_Hypot",)),
    "equal": ("_equal", ("_Equal",)),
    "not_equal": ("_not_equal", ("_Not_Equal",)),
    "greater": ("_greater", ("_Greater",)),
    "greater_equal": ("_greater_equal", ("_Greater_Equal",)),
    "lesser": ("_lesser", ("_Lesser",)),
    "lesser_equal": ("_lesser_equal", ("_Lesser_Equal",)),
    "logical_and": ("_logical_and", ("_Logical_And",)),
    "logical_or": ("_logical_or", ("_Logical_Or",)),
    "logical_xor": ("_logical_xor", ("_Logical_Xor",)),
}


def _same_shape_kernel(op: str, fn: Callable) -> Callable:
    def kernel(lhs, rhs):
        if lhs.shape != rhs.shape:
            raise ShapeError(
                f"Operator {op}: inputs must have the same shape, got lhs "
                f"{tuple(lhs.shape)} and rhs {tuple(rhs.shape)}; use broadcast_* "
                "ops to broadcast."
            )
        return fn(lhs, rhs)

    return kernel


for _key, (_op, _aliases) in _ELEMWISE.items():
    _fn, _doc = _BINARY[_key]
    register(
        OpDef(
            _op,
            _same_shape_kernel(_op, _fn),
            inputs=("lhs", "rhs"),
            infer_shape=same_shape_infer(_op),
            aliases=_aliases,
            doc=f"Element-wise {_doc}; both inputs must have the same shape.",
        )
    )


# --------------------------------------------------------------------------- scalar
def _scalar_kernel(fn: Callable) -> Callable:
    def kernel(data, scalar, is_int=True):
        return fn(data, scalar_for(data, scalar))

    kernel.core = fn
    return kernel


def _clamp_min(data, s):
    return torch.clamp(data, min=s)


def _clamp_max(data, s):
    return torch.clamp(data, max=s)


def _scalar_hypot(a, b):
    t = a if isinstance(a, torch.Tensor) else b
    other = b if t is a else a
    return _hypot(t, torch.full_like(t, other))


# name -> (kernel(array, scalar), reflected, aliases); a reflected op computes
# ``scalar <op> array``.
_SCALAR = {
    "_plus_scalar": (torch.add, False, ("_PlusScalar",)),
    "_minus_scalar": (torch.sub, False, ("_MinusScalar",)),
    "_rminus_scalar": (_rsub, True, ("_RMinusScalar",)),
    "_mul_scalar": (torch.mul, False, ("_MulScalar",)),
    "_div_scalar": (_div, False, ("_DivScalar",)),
    "_rdiv_scalar": (_rdiv, True, ("_RDivScalar",)),
    "_mod_scalar": (_mod, False, ("_ModScalar",)),
    "_rmod_scalar": (_rmod, True, ("_RModScalar",)),
    "_power_scalar": (_power, False, ("_PowerScalar",)),
    "_rpower_scalar": (_rpower, True, ("_RPowerScalar",)),
    "_maximum_scalar": (_clamp_min, False, ("_MaximumScalar",)),
    "_minimum_scalar": (_clamp_max, False, ("_MinimumScalar",)),
    "_hypot_scalar": (_scalar_hypot, False, ("_HypotScalar",)),
    "_equal_scalar": (_cmp(torch.eq), False, ("_EqualScalar",)),
    "_not_equal_scalar": (_cmp(torch.ne), False, ("_NotEqualScalar",)),
    "_greater_scalar": (_cmp(torch.gt), False, ("_GreaterScalar",)),
    "_greater_equal_scalar": (_cmp(torch.ge), False, ("_GreaterEqualScalar",)),
    "_lesser_scalar": (_cmp(torch.lt), False, ("_LesserScalar",)),
    "_lesser_equal_scalar": (_cmp(torch.le), False, ("_LesserEqualScalar",)),
    "_logical_and_scalar": (_logical(torch.logical_and), False, ("_LogicalAndScalar",)),
    "_logical_or_scalar": (_logical(torch.logical_or), False, ("_LogicalOrScalar",)),
    "_logical_xor_scalar": (_logical(torch.logical_xor), False, ("_LogicalXorScalar",)),
}
_SCALAR_PARAMS = (
    P("scalar", "float", 1.0, "Scalar operand (cast to the array's dtype)."),
    P("is_int", "bool", True, "Whether the scalar was an int (numpy frontends)."),
)
for _name, (_fn, _rev, _aliases) in _SCALAR.items():
    register(
        OpDef(
            _name,
            _scalar_kernel(_fn),
            params=_SCALAR_PARAMS,
            infer_shape=same_shape_infer(_name),
            aliases=_aliases,
            doc=f"``{_name}``: element-wise op with a scalar"
            + (" on the left." if _rev else "."),
        )
    )


# --------------------------------------------------------------------------- n-ary
def _add_n(*args, num_args=None):
    out = args[0]
    for a in args[1:]:
        out = out + a
    return out if len(args) > 1 else out.clone()


def _add_n_infer(in_shapes, attrs, out_shapes=None):
    return same_shape_infer("add_n")(in_shapes, attrs, out_shapes)


register(
    OpDef(
        "add_n",
        _add_n,
        inputs=("args",),
        params=(P("num_args", "int", REQUIRED, "Number of inputs."),),
        variadic=True,
        num_args_attr="num_args",
        infer_shape=_add_n_infer,
        aliases=("ElementWiseSum",),
        doc="Sum of all inputs (same shapes).",
    )
)


def _where(condition, x, y):
    cond = condition != 0
    if cond.shape != x.shape and (cond.dim() != 1 or cond.shape[0] != x.shape[0]):
        raise ShapeError(
            f"Operator where: condition shape {tuple(condition.shape)} must equal "
            f"x's shape {tuple(x.shape)} or be 1-D of length x.shape[0]."
        )
    if cond.dim() == 1 and x.dim() > 1:
        cond = cond.reshape((-1,) + (1,) * (x.dim() - 1))
    return torch.where(cond, x, y)


def _where_infer(in_shapes, attrs, out_shapes=None):
    c, x, y = in_shapes
    s = merge_shapes(out0(out_shapes), x, "where", "x and output shapes")
    s = merge_shapes(s, y, "where", "x and y shapes")
    if c is not None and s is not None and len(c) != 1:
        s = merge_shapes(s, c, "where", "condition and x shapes")
        c = s
    elif c is not None and s is not None and len(s) >= 1:
        if len(s) == 1:
            s = merge_shapes(s, c, "where", "condition and x shapes")
            c = s
        else:
            c = merge_shapes(c, (s[0],), "where", "condition and x.shape[0]")
            s = (c[0],) + s[1:]
    return [c, s, s], [s]


def _where_type(in_types, attrs):
    known = in_types[1] or in_types[2]
    return [in_types[0], known, known], [known]


register(
    OpDef(
        "where",
        _where,
        inputs=("condition", "x", "y"),
        infer_shape=_where_infer,
        infer_type=_where_type,
        dtype_free_inputs=("condition",),
        doc="``x`` where ``condition`` is nonzero, else ``y``.",
    )
)
