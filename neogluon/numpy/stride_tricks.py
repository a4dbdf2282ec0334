"""``mx.numpy.stride_tricks``: ``broadcast_arrays``."""

from __future__ import annotations

from .. import _missing
from ..ndarray._np_functions import broadcast_arrays  # noqa: F401

_NAMES = {
    "broadcast_arrays": "function",
}
__all__ = ["broadcast_arrays"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
