"""``mx.numpy.stride_tricks``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.numpy.stride_tricks`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd arrays and operators).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "broadcast_arrays": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
