"""``mx.misc``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.misc`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.lr_scheduler).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "FactorScheduler": "class",
    "LearningRateScheduler": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.misc, MXNet's pre-1.0 learning-rate schedulers",
    planned=None,
    instead="mx.lr_scheduler",
)
