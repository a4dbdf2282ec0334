"""Regression metrics: MAE, MSE, RMSE, PearsonCorrelation (MXNet 1.9.1).

PITFALL kept from MXNet: MAE/MSE/RMSE add the *batch mean* per output and
count ``num_inst += 1``, so ``get()`` is the mean of batch means (not the mean
over all samples), and 1-D labels/predictions are reshaped to ``(N, 1)`` first
so that ``(N,)`` vs ``(N, 1)`` does not broadcast to ``(N, N)``.
"""

from __future__ import annotations

import numpy

from .base import EvalMetric
from .base import _np
from .base import alias
from .base import check_label_shapes
from .base import register

__all__ = ["MAE", "MSE", "RMSE", "PearsonCorrelation"]


def _as_columns(label, pred) -> tuple:
    label, pred = _np(label), _np(pred)
    if len(label.shape) == 1:
        label = label.reshape(label.shape[0], 1)
    if len(pred.shape) == 1:
        pred = pred.reshape(pred.shape[0], 1)
    return label, pred


class _BatchMeanMetric(EvalMetric):
    """Adds ``_batch_value(label, pred)`` per output and counts one per output."""

    def __init__(self, name, output_names=None, label_names=None) -> None:
        super().__init__(
            name,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )

    @staticmethod
    def _batch_value(label: numpy.ndarray, pred: numpy.ndarray):
        raise NotImplementedError()

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            # float64 accumulation: numpy 2 (NEP 50) would keep float32 sums.
            value = numpy.float64(self._batch_value(*_as_columns(label, pred)))
            self.sum_metric += value
            self.global_sum_metric += value
            self.num_inst += 1
            self.global_num_inst += 1


@register
class MAE(_BatchMeanMetric):
    """Mean absolute error, averaged per update (mean of batch means).

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.MAE()
    >>> m.update([mx.nd.array([3, -0.5, 2, 7])], [mx.nd.array([2.5, 0.0, 2, 8])])
    >>> print(*m.get())
    mae 0.5
    """

    def __init__(self, name="mae", output_names=None, label_names=None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)

    @staticmethod
    def _batch_value(label, pred):
        return numpy.abs(label - pred).mean()


@register
class MSE(_BatchMeanMetric):
    """Mean squared error, averaged per update (mean of batch means).

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.MSE()
    >>> m.update([mx.nd.array([3, -0.5, 2, 7])], [mx.nd.array([2.5, 0.0, 2, 8])])
    >>> print(*m.get())
    mse 0.375
    """

    def __init__(self, name="mse", output_names=None, label_names=None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)

    @staticmethod
    def _batch_value(label, pred):
        return ((label - pred) ** 2.0).mean()


@register
class RMSE(_BatchMeanMetric):
    """Root mean squared error, averaged per update (mean of batch RMSEs).

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.RMSE()
    >>> m.update([mx.nd.array([3, -0.5, 2, 7])], [mx.nd.array([2.5, 0.0, 2, 8])])
    >>> print(round(m.get()[1], 6))
    0.612372
    """

    def __init__(self, name="rmse", output_names=None, label_names=None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)

    @staticmethod
    def _batch_value(label, pred):
        return numpy.sqrt(((label - pred) ** 2.0).mean())


@register
@alias("pearsonr")
class PearsonCorrelation(EvalMetric):
    """Pearson correlation between labels and predictions.

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.
    average : {'macro', 'micro'}, default 'macro'
        'macro' averages the per-output correlations; 'micro' keeps running
        moments over all updates (as MXNet 1.9.1 does, ``get_global()`` then
        reads the unused global sum and returns 0.0, and ``reset_local()``
        keeps the moments).

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.PearsonCorrelation()
    >>> m.update([mx.nd.array([1, 0, 1, 0])], [mx.nd.array([0.9, 0.2, 0.6, 0.3])])
    >>> print(round(m.get()[1], 4))
    0.9129
    """

    def __init__(
        self, name="pearsonr", output_names=None, label_names=None, average="macro"
    ) -> None:
        self.average = average
        super().__init__(
            name,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        if self.average == "micro":
            self.reset_micro()

    def reset_micro(self) -> None:
        self._sse_p = 0
        self._mean_p = 0
        self._sse_l = 0
        self._mean_l = 0
        self._pred_nums = 0
        self._label_nums = 0
        self._conv = 0

    def reset(self) -> None:
        super().reset()
        if self.average == "micro":
            self.reset_micro()

    def update_variance(self, new_values, *aggregate) -> tuple:
        """One batch step of the running (count, mean, M2) moments, as MXNet."""
        count, mean, m_2 = aggregate
        count += len(new_values)
        delta = new_values - mean
        mean += numpy.sum(delta / count)
        delta_2 = new_values - mean
        m_2 += numpy.sum(delta * delta_2)
        return count, mean, m_2

    def update_cov(self, label, pred) -> None:
        self._conv = self._conv + numpy.sum(
            (label - self._mean_l) * (pred - self._mean_p)
        )

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            check_label_shapes(label, pred, False, True)
            label = _np(label).ravel().astype(numpy.float64)
            pred = _np(pred).ravel().astype(numpy.float64)
            self.num_inst += 1
            self.global_num_inst += 1
            if self.average == "macro":
                pearson_corr = numpy.corrcoef(pred, label)[0, 1]
                self.sum_metric += pearson_corr
                self.global_sum_metric += pearson_corr
            else:
                self._label_nums, self._mean_l, self._sse_l = self.update_variance(
                    label, self._label_nums, self._mean_l, self._sse_l
                )
                self.update_cov(label, pred)
                self._pred_nums, self._mean_p, self._sse_p = self.update_variance(
                    pred, self._pred_nums, self._mean_p, self._sse_p
                )

    def get(self) -> tuple:
        if self.num_inst == 0:
            return (self.name, float("nan"))
        if self.average == "macro":
            return (self.name, self.sum_metric / self.num_inst)
        n = self._label_nums
        pearsonr = self._conv / (
            (n - 1)
            * numpy.sqrt(self._sse_p / (n - 1))
            * numpy.sqrt(self._sse_l / (n - 1))
        )
        return (self.name, pearsonr)
