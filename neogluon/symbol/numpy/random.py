"""``mx.symbol.numpy.random``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.symbol.numpy.random`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from ... import _missing

__neogluon_missing__ = True

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
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy (mx.np symbols)",
    planned="issue 8",
    instead="mx.sym operators",
)
