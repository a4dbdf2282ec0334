"""``mx.symbol.numpy.random``: graph nodes of ``mx.np.random``'s samplers.

Each sampler adds MXNet's ``_npi_<distribution>`` node; a parameter given as a
Symbol is an input of the node (its attribute None), a number an attribute, as
MXNet 1.9.1's ``sym.np.random`` records them.
"""

from __future__ import annotations

from typing import Any

from ... import _missing
from ...base import MXNetError
from .._np_symbol import _op
from .._np_symbol import _Symbol
from ..symbol import Symbol


def _size(size: Any) -> Any:
    return None if size == () else size


def _params(names: tuple[str, ...], values: tuple) -> tuple[list, dict]:
    """Symbol parameters become inputs (their attribute None), numbers
    attributes, as MXNet's ``sym.np.random`` passes them."""
    inputs = [v for v in values if isinstance(v, Symbol)]
    attrs = {
        n: (None if isinstance(v, Symbol) else float(v))
        for n, v in zip(names, values, strict=True)
    }
    return inputs, attrs


def _sampler(
    op_name: str, names: tuple[str, ...], values: tuple, size, **kw
) -> _Symbol:
    inputs, attrs = _params(names, values)
    return _op(op_name)(*inputs, size=_size(size), **attrs, **kw)


def _float_dtype(dtype: Any) -> Any:
    return "float32" if dtype is None else dtype


def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None, out=None) -> _Symbol:
    """Samples from U[low, high) (``_npi_uniform``); ``low``/``high`` may be
    Symbols."""
    return _sampler(
        "_npi_uniform", ("low", "high"), (low, high), size, dtype=_float_dtype(dtype)
    )


def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None) -> _Symbol:
    """Samples from N(loc, scale^2) (``_npi_normal``); ``loc``/``scale`` may
    be Symbols."""
    return _sampler(
        "_npi_normal", ("loc", "scale"), (loc, scale), size, dtype=_float_dtype(dtype)
    )


def lognormal(
    mean=0.0, sigma=1.0, size=None, dtype=None, ctx=None, out=None
) -> _Symbol:
    """``exp`` of samples from N(mean, sigma^2)."""
    return _op("_npi_exp")(normal(mean, sigma, size=size, dtype=dtype))


def gamma(shape, scale=1.0, size=None, dtype=None, ctx=None, out=None) -> _Symbol:
    """Samples from Gamma(shape, scale) (``_npi_gamma``)."""
    return _sampler(
        "_npi_gamma",
        ("shape", "scale"),
        (shape, scale),
        size,
        dtype=_float_dtype(dtype),
    )


def beta(a, b, size=None, dtype=None, ctx=None) -> _Symbol:
    """Samples from Beta(a, b): ``X / (X + Y)`` of two Gamma samples (in
    float64, as MXNet draws them)."""
    x = gamma(a, 1, size=size, dtype="float64")
    y = gamma(b, 1, size=size, dtype="float64")
    return (x / (x + y)).astype(_float_dtype(dtype))


def chisquare(df, size=None, dtype=None, ctx=None) -> _Symbol:
    """Samples from the chi-square distribution: Gamma(df / 2, 2)."""
    return gamma(df / 2, 2, size=size, dtype=dtype)


def _one(op_name: str, name: str, value, size, **kw) -> _Symbol:
    return _sampler(op_name, (name,), (value,), size, **kw)


def exponential(scale=1.0, size=None, ctx=None, out=None) -> _Symbol:
    """Samples from the exponential distribution (``_npi_exponential``)."""
    return _one("_npi_exponential", "scale", scale, size)


def rayleigh(scale=1.0, size=None, ctx=None, out=None) -> _Symbol:
    """Samples from the Rayleigh distribution (``_npi_rayleigh``)."""
    return _one("_npi_rayleigh", "scale", scale, size)


def weibull(a, size=None, ctx=None, out=None) -> _Symbol:
    """Samples from the Weibull distribution (``_npi_weibull``)."""
    return _one("_npi_weibull", "a", a, size)


def pareto(a, size=None, ctx=None, out=None) -> _Symbol:
    """Samples from the Pareto II (Lomax) distribution (``_npi_pareto``)."""
    return _one("_npi_pareto", "a", a, size)


def power(a, size=None) -> _Symbol:
    """Samples from the power distribution (``_npi_powerd``)."""
    return _one("_npi_powerd", "a", a, size)


def gumbel(loc=0.0, scale=1.0, size=None, ctx=None, out=None) -> _Symbol:
    """Samples from the Gumbel distribution (``_npi_gumbel``)."""
    return _sampler("_npi_gumbel", ("loc", "scale"), (loc, scale), size)


def logistic(loc=0.0, scale=1.0, size=None, ctx=None, out=None) -> _Symbol:
    """Samples from the logistic distribution (``_npi_logistic``)."""
    return _sampler("_npi_logistic", ("loc", "scale"), (loc, scale), size)


def rand(*size, **kwargs) -> _Symbol:
    """Samples from U[0, 1) of shape ``size``."""
    return uniform(0, 1, size=tuple(size), **kwargs)


def randint(low, high=None, size=None, dtype=None, ctx=None, out=None) -> _Symbol:
    """Random integers from ``[low, high)`` (``[0, low)`` without ``high``)."""
    if high is None:
        low, high = 0, low
    return _op("_npi_random_randint")(
        low=low,
        high=high,
        shape=() if size is None else size,
        dtype="int32" if dtype is None else dtype,
    )


def choice(a, size=None, replace=True, p=None, ctx=None, out=None) -> _Symbol:
    """Samples from ``range(a)`` (an int) or the elements of the Symbol ``a``,
    uniformly or with probabilities ``p``."""
    size = _size(size)
    weighted = p is not None
    probs = [p] if weighted else []
    if isinstance(a, Symbol):
        idx = _op("_npi_choice")(
            a, *probs, a=None, size=size, replace=replace, weighted=weighted
        )
        return _op("_npi_take")(a, idx)
    return _op("_npi_choice")(
        *probs, a=int(a), size=size, replace=replace, weighted=weighted
    )


def multivariate_normal(mean, cov, size=None, check_valid=None, tol=None) -> _Symbol:
    """Samples of N(mean, cov) (MXNet's ``Custom`` node ``mvn_fallback``)."""
    if check_valid is not None or tol is not None:
        raise NotImplementedError(
            "sym.np.random.multivariate_normal: check_valid and tol are not supported"
        )
    from ...numpy_op_fallback import symbol_node

    return symbol_node("mvn_fallback", [mean, cov], size=size)


def shuffle(x) -> None:
    """In-place shuffling has no graph form."""
    raise MXNetError(
        "sym.np.random.shuffle shuffles in place, which a graph cannot express; "
        "use mx.np.random.shuffle eagerly (MXNet's graph form writes to x as an "
        "out= argument)."
    )


_BUILT = (
    "uniform normal lognormal gamma beta chisquare exponential rayleigh weibull "
    "pareto power gumbel logistic rand randint choice multivariate_normal shuffle"
).split()

_NAMES = {
    "beta": "function",
    "chisquare": "function",
    "choice": "function",
    "exponential": "function",
    "gamma": "function",
    "gumbel": "function",
    "logistic": "function",
    "lognormal": "function",
    "multivariate_normal": "function",
    "normal": "function",
    "pareto": "function",
    "power": "function",
    "rand": "function",
    "randint": "function",
    "rayleigh": "function",
    "shuffle": "function",
    "uniform": "function",
    "weibull": "function",
}
__all__ = _BUILT + _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy (mx.np symbols)",
    planned="issue 8",
    instead="mx.np.random eagerly (without hybridize) or mx.sym.random",
)
