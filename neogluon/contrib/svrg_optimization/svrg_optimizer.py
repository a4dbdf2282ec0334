"""``mx.contrib.svrg_optimization.svrg_optimizer``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.contrib.svrg_optimization.svrg_optimizer`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (a gluon.Trainer).
"""

from __future__ import annotations

from ... import _missing

__neogluon_missing__ = True

_NAMES = {"_SVRGOptimizer": "class"}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.svrg_optimization (SVRG on the Module API)",
    planned="issue 12",
    instead="a gluon.Trainer",
)
