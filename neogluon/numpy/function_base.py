"""``mx.numpy.function_base``: ``meshgrid``."""

from __future__ import annotations

from .. import _missing
from ..ndarray._np_functions import meshgrid  # noqa: F401

_NAMES = {
    "meshgrid": "function",
}
__all__ = ["meshgrid"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
