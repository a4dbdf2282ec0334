"""``mx.numpy.linalg``: linear algebra of ``mx.np`` (torch.linalg).

The functions live in ``neogluon/ndarray/_np_linalg.py``; names of MXNet 1.9.1's
module not implemented resolve to placeholders that raise MXNetError.
"""

from __future__ import annotations

from .. import _missing
from ..ndarray._np_linalg import *  # noqa: F403
from ..ndarray._np_linalg import __all__ as _implemented

_NAMES = {
    "cholesky": "function",
    "cond": "function",
    "det": "function",
    "eig": "function",
    "eigh": "function",
    "eigvals": "function",
    "eigvalsh": "function",
    "inv": "function",
    "lstsq": "function",
    "matrix_power": "function",
    "matrix_rank": "function",
    "multi_dot": "function",
    "norm": "function",
    "pinv": "function",
    "qr": "function",
    "slogdet": "function",
    "solve": "function",
    "svd": "function",
    "tensorinv": "function",
    "tensorsolve": "function",
}
__all__ = list(_implemented)
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
