"""Probability metrics: CrossEntropy, NegativeLogLikelihood, Perplexity.

Predictions are class probabilities (already soft-maxed), as in MXNet 1.9.1.
"""

from __future__ import annotations

import math

import numpy

from .. import ndarray
from ..ndarray.ndarray import NDArray
from ..registry import AssertionValueError
from .base import EvalMetric
from .base import _np
from .base import alias
from .base import check_label_shapes
from .base import register

__all__ = ["CrossEntropy", "NegativeLogLikelihood", "Perplexity"]


class _LogLossMetric(EvalMetric):
    """Sum of ``-log(p[label] + eps)`` over samples; ``num_inst`` counts samples."""

    def __init__(self, eps, name, output_names, label_names) -> None:
        super().__init__(
            name,
            eps=eps,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        self.eps = eps

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            label = _np(label).ravel()
            pred = _np(pred)
            num_examples = pred.shape[0]
            if label.shape[0] != num_examples:
                raise AssertionValueError(
                    f"{type(self).__name__}: {(label.shape[0], num_examples)}: got "
                    f"{label.shape[0]} labels for predictions of shape "
                    f"{tuple(pred.shape)}; expected one label per row of the "
                    "(batch_size, num_classes) predictions."
                )
            rows = numpy.arange(num_examples, dtype=numpy.int64)
            prob = pred[rows, numpy.int64(label)]
            # float64 accumulation: numpy 2 (NEP 50) would keep float32 sums.
            loss = numpy.float64((-numpy.log(prob + self.eps)).sum())
            self.sum_metric += loss
            self.global_sum_metric += loss
            self.num_inst += num_examples
            self.global_num_inst += num_examples


@register
@alias("ce")
class CrossEntropy(_LogLossMetric):
    """Cross entropy of probability predictions: mean of ``-log(p[label] + eps)``.

    Parameters
    ----------
    eps : float, default 1e-12
        Added to the picked probability before the log.
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.CrossEntropy()
    >>> m.update([mx.nd.array([0, 1, 1])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]])])
    >>> print(round(m.get()[1], 4))
    0.5716
    """

    def __init__(
        self, eps=1e-12, name="cross-entropy", output_names=None, label_names=None
    ) -> None:
        super().__init__(eps, name, output_names, label_names)


@register
@alias("nll_loss")
class NegativeLogLikelihood(_LogLossMetric):
    """Negative log-likelihood of probability predictions (same rule as CrossEntropy).

    Parameters
    ----------
    eps : float, default 1e-12
        Added to the picked probability before the log.
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.NegativeLogLikelihood()
    >>> m.update([mx.nd.array([0, 1, 1])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]])])
    >>> print(round(m.get()[1], 4))
    0.5716
    """

    def __init__(
        self, eps=1e-12, name="nll-loss", output_names=None, label_names=None
    ) -> None:
        super().__init__(eps, name, output_names, label_names)


@register
class Perplexity(EvalMetric):
    """Perplexity: ``exp(mean(-log(max(1e-10, p[label]))))`` over counted labels.

    Parameters
    ----------
    ignore_label : int or None
        Label value not counted (required, positional; ``None`` counts all).
        Out-of-range labels are clipped when picking, as ``nd.pick`` does.
    axis : int, default -1
        The class axis of the predictions.
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.Perplexity(ignore_label=None)
    >>> m.update([mx.nd.array([0, 1, 1])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]])])
    >>> print(round(m.get()[1], 6))
    1.771098
    """

    def __init__(
        self,
        ignore_label,
        axis=-1,
        name="perplexity",
        output_names=None,
        label_names=None,
    ) -> None:
        super().__init__(
            name,
            ignore_label=ignore_label,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels, preds) -> None:
        # MXNet 1.9.1 does not wrap single NDArrays here: they are iterated
        # row by row.
        if len(labels) != len(preds):
            raise AssertionValueError(
                f"Perplexity: got {len(labels)} labels and {len(preds)} predictions; "
                "pass one label array per prediction array."
            )
        loss = 0.0
        num = 0
        for label, pred in zip(labels, preds, strict=False):
            if not isinstance(label, NDArray):
                label = ndarray.array(label)
            if not isinstance(pred, NDArray):
                pred = ndarray.array(pred)
            if label.size != pred.size / pred.shape[-1]:
                raise AssertionValueError(
                    f"shape mismatch: {label.shape} vs. {pred.shape}: Perplexity "
                    "expects one label per prediction vector along the last axis "
                    "(label.size == pred.size / pred.shape[-1])."
                )
            label = label.as_in_context(pred.context).reshape((label.size,))
            pred = ndarray.pick(pred, label.astype(dtype="int32"), axis=self.axis)
            if self.ignore_label is not None:
                ignore = (label == self.ignore_label).astype(pred.dtype)
                num -= numpy.float64(ndarray.sum(ignore).asscalar())
                pred = pred * (1 - ignore) + ignore
            log_p = ndarray.log(ndarray.maximum(1e-10, pred))
            loss -= numpy.float64(ndarray.sum(log_p).asscalar())
            num += pred.size
        self.sum_metric += loss
        self.global_sum_metric += loss
        self.num_inst += num
        self.global_num_inst += num

    def get(self) -> tuple:
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self) -> tuple:
        if self.global_num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))
