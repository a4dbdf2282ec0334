"""``mx.callback``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.callback`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (gluon.contrib.estimator event handlers).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "LogValidationMetricsCallback": "class",
    "ProgressBar": "class",
    "Speedometer": "class",
    "do_checkpoint": "function",
    "log_train_metric": "function",
    "module_checkpoint": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.callback, the Module API's training callbacks",
    planned="issue 12",
    instead="gluon.contrib.estimator event handlers",
)
