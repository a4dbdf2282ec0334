"""``mx.space``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.space`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (nothing (neogluon has no TVM operators)).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "ConfigSpace": "class",
    "ConfigSpaces": "class",
    "OtherOptionEntity": "class",
    "OtherOptionSpace": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.space, the TVM operator auto-tuning configuration space",
    planned=None,
    instead="nothing (neogluon has no TVM operators)",
)
