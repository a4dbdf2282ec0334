"""``mx.numpy.fallback_linalg``: the ``np.linalg`` functions MXNet 1.9.1 runs
with official NumPy; neogluon implements them on torch (:mod:`.linalg`)."""

from __future__ import annotations

from .. import _missing
from .linalg import cond  # noqa: F401
from .linalg import lstsq  # noqa: F401
from .linalg import matrix_power  # noqa: F401
from .linalg import matrix_rank  # noqa: F401
from .linalg import multi_dot  # noqa: F401
from .linalg import qr  # noqa: F401

_NAMES = {
    "cond": "function",
    "lstsq": "function",
    "matrix_power": "function",
    "matrix_rank": "function",
    "multi_dot": "function",
    "qr": "function",
}
__all__ = ["cond", "lstsq", "matrix_power", "matrix_rank", "multi_dot", "qr"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
