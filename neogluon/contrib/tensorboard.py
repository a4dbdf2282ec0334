"""``mx.contrib.tensorboard``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.contrib.tensorboard`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (torch.utils.tensorboard.SummaryWriter).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "LogMetricsCallback": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.tensorboard (Module API callback)",
    planned="issue 12",
    instead="torch.utils.tensorboard.SummaryWriter",
)
