"""``mx.numpy.random``: random sampling of ``mx.np`` (torch streams, MXNet dtypes and shapes).

The functions live in ``neogluon/ndarray/_np_random.py``; names of MXNet 1.9.1's
module not implemented resolve to placeholders that raise MXNetError.
"""

from __future__ import annotations

from .. import _missing
from ..ndarray._np_random import *  # noqa: F403
from ..ndarray._np_random import __all__ as _implemented

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
    "randn": "function",
    "rayleigh": "function",
    "shuffle": "function",
    "uniform": "function",
    "weibull": "function",
}
__all__ = list(_implemented)
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
