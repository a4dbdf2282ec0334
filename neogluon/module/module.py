"""``mx.module.module``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.module.module`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (a gluon.HybridBlock trained with gluon.Trainer (or gluon.contrib.estimator.Estimator)).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "Module": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.module, MXNet's Module API",
    planned="issue 12",
    instead="a gluon.HybridBlock trained with gluon.Trainer (or gluon.contrib.estimator.Estimator)",
)
