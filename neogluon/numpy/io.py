"""``mx.numpy.io``: ``genfromtxt`` (numpy's, result as ``mx.np.ndarray``)."""

from __future__ import annotations

from .. import _missing
from ..ndarray._np_functions import numpy_fallback as _numpy_fallback

genfromtxt = _numpy_fallback("genfromtxt")

_NAMES = {
    "genfromtxt": "function",
}
__all__ = ["genfromtxt"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
