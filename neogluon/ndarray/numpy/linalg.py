"""``mx.nd.np.linalg``: the ``mx.np.linalg`` functions."""

from __future__ import annotations

from ... import _missing
from .._np_linalg import *  # noqa: F403
from .._np_linalg import __all__ as _implemented

_NAMES = {
    "cholesky": "function",
    "det": "function",
    "eig": "function",
    "eigh": "function",
    "eigvals": "function",
    "eigvalsh": "function",
    "inv": "function",
    "norm": "function",
    "pinv": "function",
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
    area="mx.nd.numpy (mx.np internals)",
    planned="issue 8",
    instead="mx.nd operators",
)
