"""Loss-style and user-defined metrics: Loss, Torch, Caffe, np (and CustomMetric,
which lives in ``base.py`` beside the ``create`` that builds it from a callable)."""

from __future__ import annotations

from collections.abc import Callable

import numpy

from .. import ndarray
from ..ndarray.ndarray import NDArray
from .base import CustomMetric
from .base import EvalMetric
from .base import _np
from .base import register

__all__ = ["Loss", "Torch", "Caffe", "CustomMetric", "np"]


@register
class Loss(EvalMetric):
    """Mean of the predicted loss values; labels are ignored.

    Each update adds ``sum(pred)`` and counts ``pred.size`` elements.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.Loss()
    >>> m.update(None, [mx.nd.array([0.5, 1.5]), mx.nd.array([2.0])])
    >>> print(*m.get())
    loss 1.3333333333333333
    """

    def __init__(self, name="loss", output_names=None, label_names=None) -> None:
        super().__init__(
            name,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )

    def update(self, _, preds) -> None:
        if isinstance(preds, NDArray):
            preds = [preds]
        for pred in preds:
            if isinstance(pred, NDArray):
                loss = ndarray.sum(pred).asscalar()
            else:
                loss = _np(pred).sum()
            # float64 accumulation: numpy 2 (NEP 50) would keep float32 sums.
            loss = numpy.float64(loss)
            self.sum_metric += loss
            self.global_sum_metric += loss
            self.num_inst += pred.size
            self.global_num_inst += pred.size


@register
class Torch(Loss):
    """:class:`Loss` named ``'torch'`` (MXNet's metric for torch criterions)."""

    def __init__(self, name="torch", output_names=None, label_names=None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)


@register
class Caffe(Loss):
    """:class:`Loss` named ``'caffe'`` (MXNet's metric for caffe criterions)."""

    def __init__(self, name="caffe", output_names=None, label_names=None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)


def np(  # noqa: A001 - MXNet's public name mx.metric.np
    numpy_feval: Callable, name=None, allow_extra_outputs: bool = False
) -> CustomMetric:
    """A :class:`CustomMetric` whose ``numpy_feval(label, pred)`` gets numpy arrays.

    Parameters
    ----------
    numpy_feval : callable(label, pred)
        Returns the metric of one batch (a float, or ``(sum, count)``).
    name : str, optional
        Name of the metric (default: the function's name).
    allow_extra_outputs : bool, default False
        Allow more predictions than labels.

    Examples
    --------
    >>> import numpy
    >>> import neogluon as mx
    >>> def mae(label, pred):
    ...     return numpy.mean(numpy.abs(label - pred))
    >>> m = mx.metric.np(mae)
    >>> m.update([mx.nd.array([1, 2])], [mx.nd.array([2, 2])])
    >>> print(*m.get())
    mae 0.5
    """

    def feval(label, pred):
        return numpy_feval(label, pred)

    feval.__name__ = numpy_feval.__name__
    return CustomMetric(feval, name, allow_extra_outputs)
