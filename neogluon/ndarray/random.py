"""``mx.nd.random``: MXNet's Python-level samplers over the random operators.

As in MXNet 1.9.1, ``uniform``/``normal``/... take scalar *or* NDArray
parameters: scalars draw with the ``_random_*`` ops (no ``shape`` -> ``(1,)``),
NDArrays draw per element with the ``_sample_*`` ops (output shape
``param.shape + shape``). ``exponential`` takes a *scale* (the op takes
``lam = 1 / scale``). The registry's other functions in this namespace
(``uniform_like``, ``normal_like``, ...) are kept as generated.
"""

from __future__ import annotations

from ..base import _Null
from ..base import numeric_types
from ..context import current_context
from ..ops import registry as _reg
from . import _frontend
from .ndarray import NDArray

__all__ = [
    "uniform",
    "normal",
    "randn",
    "poisson",
    "exponential",
    "gamma",
    "multinomial",
    "negative_binomial",
    "generalized_negative_binomial",
    "shuffle",
    "randint",
]


_FUNCS: dict = {}


def _op(name: str):
    fn = _FUNCS.get(name)
    if fn is None:
        fn = _FUNCS[name] = _frontend.make_function(_reg.get(name), name)
    return fn


def _given(**kw) -> dict:
    return {k: v for k, v in kw.items() if v is not _Null and v is not None}


def _random_helper(scalar_op, sample_op, names, params, shape, dtype, ctx, out, kwargs):
    """Dispatch on the parameter type, as MXNet's ``_random_helper`` does."""
    if isinstance(params[0], NDArray):
        for p in params[1:]:
            if not isinstance(p, NDArray):
                raise ValueError(
                    "Distribution parameters must all have the same type, but got "
                    f"both {type(params[0]).__name__} and {type(p).__name__}."
                )
        if sample_op is None:
            raise ValueError(
                f"{scalar_op}: parameters must be numbers, got an NDArray."
            )
        attrs = _given(shape=shape, dtype=dtype)
        return _op(sample_op)(*params, out=out, **attrs, **kwargs)
    if isinstance(params[0], numeric_types):
        for p in params[1:]:
            if not isinstance(p, numeric_types):
                raise ValueError(
                    "Distribution parameters must all have the same type, but got "
                    f"both {type(params[0]).__name__} and {type(p).__name__}."
                )
        if ctx is None:
            ctx = current_context()
        if shape is _Null and out is None:
            shape = 1
        if shape is _Null:
            shape = out.shape
        attrs = dict(zip(names, params, strict=True))
        attrs.update(_given(shape=shape, dtype=dtype))
        return _op(scalar_op)(ctx=ctx, out=out, **attrs, **kwargs)
    raise ValueError(
        "Distribution parameters must be either NDArray or numbers, but got "
        f"{type(params[0]).__name__}."
    )


def uniform(low=0, high=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Samples from ``U[low, high)``; NDArray bounds sample per element."""
    return _random_helper(
        "_random_uniform",
        "_sample_uniform",
        ("low", "high"),
        [low, high],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def normal(loc=0, scale=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Samples from ``N(loc, scale**2)``; NDArray parameters sample per element."""
    return _random_helper(
        "_random_normal",
        "_sample_normal",
        ("loc", "scale"),
        [loc, scale],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def randn(*shape, **kwargs):
    """Standard normal samples of ``shape`` (kw ``loc, scale, dtype, ctx, out``)."""
    loc = kwargs.pop("loc", 0)
    scale = kwargs.pop("scale", 1)
    dtype = kwargs.pop("dtype", _Null)
    ctx = kwargs.pop("ctx", None)
    out = kwargs.pop("out", None)
    for what, v in (("loc", loc), ("scale", scale)):
        if not isinstance(v, (*numeric_types, NDArray)):
            raise ValueError(
                f"randn: {what} must be a number or an NDArray, got {type(v).__name__}."
            )
    return _random_helper(
        "_random_normal",
        "_sample_normal",
        ("loc", "scale"),
        [loc, scale],
        shape if shape else _Null,
        dtype,
        ctx,
        out,
        kwargs,
    )


def poisson(lam=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Poisson samples with rate ``lam``."""
    return _random_helper(
        "_random_poisson",
        "_sample_poisson",
        ("lam",),
        [lam],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def exponential(scale=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Exponential samples with mean ``scale`` (the op's ``lam`` is ``1/scale``)."""
    return _random_helper(
        "_random_exponential",
        "_sample_exponential",
        ("lam",),
        [1.0 / scale],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def gamma(alpha=1, beta=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Gamma samples with shape ``alpha`` and scale ``beta``."""
    return _random_helper(
        "_random_gamma",
        "_sample_gamma",
        ("alpha", "beta"),
        [alpha, beta],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def negative_binomial(k=1, p=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Failures before the ``k``-th success with success probability ``p``."""
    return _random_helper(
        "_random_negative_binomial",
        "_sample_negative_binomial",
        ("k", "p"),
        [k, p],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def generalized_negative_binomial(
    mu=1, alpha=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs
):
    """Negative binomial with mean ``mu`` and dispersion ``alpha``."""
    return _random_helper(
        "_random_generalized_negative_binomial",
        "_sample_generalized_negative_binomial",
        ("mu", "alpha"),
        [mu, alpha],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )


def multinomial(data, shape=_Null, get_prob=False, out=None, dtype="int32", **kwargs):
    """Category indices drawn from the probability rows of ``data`` (int32)."""
    attrs = _given(shape=shape)
    return _op("_sample_multinomial")(
        data, get_prob=get_prob, dtype=dtype, out=out, **attrs, **kwargs
    )


def shuffle(data, **kwargs):
    """A copy of ``data`` randomly permuted along axis 0."""
    return _op("_shuffle")(data, **kwargs)


def randint(low, high, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Random integers in ``[low, high)`` (int32 by default)."""
    return _random_helper(
        "_random_randint",
        None,
        ("low", "high"),
        [low, high],
        shape,
        dtype,
        ctx,
        out,
        kwargs,
    )
