"""``mx.numpy.arrayprint``: ``set_printoptions`` (numpy's: arrays print
through numpy)."""

from __future__ import annotations

from numpy import set_printoptions  # noqa: F401

from .. import _missing

_NAMES = {
    "set_printoptions": "function",
}
__all__ = ["set_printoptions"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
