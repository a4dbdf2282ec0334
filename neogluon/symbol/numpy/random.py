"""``mx.symbol.numpy.random``: ``uniform`` and ``normal`` graph nodes (issue 8);
the other names are placeholders.

MXNet 1.9.1's public names of ``mxnet.symbol.numpy.random`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from ... import _missing
from .._np_symbol import _op
from .._np_symbol import _Symbol
from ..symbol import Symbol


def _two_param(op_name: str, names: tuple[str, str], a, b, size, dtype) -> _Symbol:
    """A sampling node: Symbol parameters are inputs, numbers attributes (as
    MXNet's ``sym.np.random`` passes them)."""
    inputs = [v for v in (a, b) if isinstance(v, Symbol)]
    attrs = {
        n: (None if isinstance(v, Symbol) else float(v))
        for n, v in zip(names, (a, b), strict=True)
    }
    return _op(op_name)(
        *inputs, size=size, dtype="float32" if dtype is None else dtype, **attrs
    )


def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None, out=None) -> _Symbol:
    """Samples from U[low, high) (``_npi_uniform``); ``low``/``high`` may be
    Symbols."""
    return _two_param("_npi_uniform", ("low", "high"), low, high, size, dtype)


def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None) -> _Symbol:
    """Samples from N(loc, scale^2) (``_npi_normal``); ``loc``/``scale`` may
    be Symbols."""
    return _two_param("_npi_normal", ("loc", "scale"), loc, scale, size, dtype)


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
__all__ = ["uniform", "normal"] + _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy (mx.np symbols)",
    planned="issue 8",
    instead="mx.np.random eagerly (without hybridize) or mx.sym.random",
)
