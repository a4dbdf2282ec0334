"""``mx.mod`` / ``mx.module``: MXNet 1.9.1's Module API.

:class:`Module` (a symbol bound to executors, trained with ``fit`` or the
forward/backward/update loop), :class:`BucketingModule` (one Module per
bucket key, parameters shared) and :class:`BaseModule` run on neogluon's
symbol executor. ``SequentialModule``, ``PythonModule`` and
``PythonLossModule`` are not implemented yet (issue 12): their names resolve
so that imports work and using one raises MXNetError.
"""

from __future__ import annotations

from .. import _missing
from . import base_module  # noqa: F401
from . import bucketing_module  # noqa: F401
from . import executor_group  # noqa: F401
from . import module  # noqa: F401
from . import python_module  # noqa: F401
from . import sequential_module  # noqa: F401
from .base_module import BaseModule
from .bucketing_module import BucketingModule
from .module import Module

__all__ = ["BaseModule", "BucketingModule", "Module"]

_NAMES = {
    "PythonLossModule": "class",
    "PythonModule": "class",
    "SequentialModule": "class",
}
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.module's SequentialModule / PythonModule",
    planned="issue 12",
    instead="mx.mod.Module (one symbol), or a gluon.HybridBlock trained with gluon.Trainer",
)
__all__ += [
    "base_module",
    "bucketing_module",
    "executor_group",
    "module",
    "python_module",
    "sequential_module",
]
