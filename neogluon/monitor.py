"""``mx.monitor``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.monitor`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (Block.register_forward_hook).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "Monitor": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.monitor, the Module API's output monitor",
    planned="issue 12",
    instead="Block.register_forward_hook",
)
