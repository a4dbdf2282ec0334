"""``mx.executor_manager``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.executor_manager`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (Symbol.simple_bind or a gluon.HybridBlock).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "DataParallelExecutorGroup": "class",
    "DataParallelExecutorManager": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.executor_manager, the Module API's data-parallel executors",
    planned="issue 12",
    instead="Symbol.simple_bind or a gluon.HybridBlock",
)
