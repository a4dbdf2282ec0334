"""``mx.module``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.module`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (a gluon.HybridBlock trained with gluon.Trainer (or gluon.contrib.estimator.Estimator)).
"""

from __future__ import annotations

from .. import _missing
from . import base_module  # noqa: F401
from . import bucketing_module  # noqa: F401
from . import executor_group  # noqa: F401
from . import module  # noqa: F401
from . import python_module  # noqa: F401
from . import sequential_module  # noqa: F401

__neogluon_missing__ = True

_NAMES = {
    "BaseModule": "class",
    "BucketingModule": "class",
    "Module": "class",
    "PythonLossModule": "class",
    "PythonModule": "class",
    "SequentialModule": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.module, MXNet's Module API",
    planned="issue 12",
    instead="a gluon.HybridBlock trained with gluon.Trainer (or gluon.contrib.estimator.Estimator)",
)
__all__ += [
    "base_module",
    "bucketing_module",
    "executor_group",
    "module",
    "python_module",
    "sequential_module",
]
