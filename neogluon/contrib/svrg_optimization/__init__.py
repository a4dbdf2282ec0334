"""``mx.contrib.svrg_optimization``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.contrib.svrg_optimization`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (a gluon.Trainer).
"""

from __future__ import annotations

from ... import _missing
from . import svrg_module  # noqa: F401
from . import svrg_optimizer  # noqa: F401

__neogluon_missing__ = True

_NAMES = {}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.svrg_optimization (SVRG on the Module API)",
    planned="issue 12",
    instead="a gluon.Trainer",
)
__all__ += ["svrg_module", "svrg_optimizer"]
