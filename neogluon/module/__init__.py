"""``mx.mod`` / ``mx.module``: MXNet 1.9.1's Module API.

:class:`Module` (a symbol bound to executors, trained with ``fit`` or the
forward/backward/update loop), :class:`BucketingModule` (one Module per
bucket key, parameters shared), :class:`SequentialModule` (modules chained)
and :class:`BaseModule` run on neogluon's symbol executor;
:class:`PythonModule` / :class:`PythonLossModule` are modules computed in
Python (a loss whose gradient a Python function gives).
"""

from __future__ import annotations

from . import base_module  # noqa: F401
from . import bucketing_module  # noqa: F401
from . import executor_group  # noqa: F401
from . import module  # noqa: F401
from . import python_module  # noqa: F401
from . import sequential_module  # noqa: F401
from .base_module import BaseModule
from .bucketing_module import BucketingModule
from .module import Module
from .python_module import PythonLossModule
from .python_module import PythonModule
from .sequential_module import SequentialModule

__all__ = [
    "BaseModule",
    "BucketingModule",
    "Module",
    "PythonLossModule",
    "PythonModule",
    "SequentialModule",
]

__all__ += [
    "base_module",
    "bucketing_module",
    "executor_group",
    "module",
    "python_module",
    "sequential_module",
]
