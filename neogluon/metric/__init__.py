"""``mx.metric``: online evaluation metrics, as in MXNet 1.9.1.

Every metric accumulates over ``update(labels, preds)`` calls and reports
``get()`` (local, cleared by ``reset_local()``) and ``get_global()`` (cleared
only by ``reset()``). ``create(name_or_list_or_callable, ...)`` builds metrics
by registry name or alias.
"""

from __future__ import annotations

from .. import ndarray as ndarray  # MXNet exposes it here (gluonts imports it)
from .base import CompositeEvalMetric
from .base import EvalMetric
from .base import alias
from .base import check_label_shapes
from .base import create
from .base import register
from .classification import F1
from .classification import MCC
from .classification import PCC
from .classification import Accuracy
from .classification import TopKAccuracy
from .misc import Caffe
from .misc import CustomMetric
from .misc import Loss
from .misc import Torch
from .misc import np
from .probability import CrossEntropy
from .probability import NegativeLogLikelihood
from .probability import Perplexity
from .regression import MAE
from .regression import MSE
from .regression import RMSE
from .regression import PearsonCorrelation

__all__ = [
    "Accuracy",
    "Caffe",
    "CompositeEvalMetric",
    "CrossEntropy",
    "CustomMetric",
    "EvalMetric",
    "F1",
    "Loss",
    "MAE",
    "MCC",
    "MSE",
    "NegativeLogLikelihood",
    "PCC",
    "PearsonCorrelation",
    "Perplexity",
    "RMSE",
    "TopKAccuracy",
    "Torch",
    "alias",
    "check_label_shapes",
    "create",
    "np",
    "register",
]
