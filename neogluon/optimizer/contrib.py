"""``mx.optimizer.contrib``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.optimizer.contrib`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (optimizer.AdaGrad).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "GroupAdaGrad": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="optimizer.contrib (GroupAdaGrad)",
    planned=None,
    instead="optimizer.AdaGrad",
)
