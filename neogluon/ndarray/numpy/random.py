"""``mx.nd.np.random``: the ``mx.np.random`` samplers."""

from __future__ import annotations

from ... import _missing
from .._np_random import *  # noqa: F403
from .._np_random import __all__ as _implemented

_NAMES = {
    "beta": "function",
    "chisquare": "function",
    "choice": "function",
    "exponential": "function",
    "gamma": "function",
    "gumbel": "function",
    "logistic": "function",
    "lognormal": "function",
    "multinomial": "function",
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
__all__ = list(_implemented)
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.nd.numpy (mx.np internals)",
    planned="issue 8",
    instead="mx.nd operators",
)
