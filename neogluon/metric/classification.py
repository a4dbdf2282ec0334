"""Classification metrics: Accuracy, TopKAccuracy, F1, MCC, PCC (MXNet 1.9.1)."""

from __future__ import annotations

import math

import numpy

from ..registry import AssertionValueError
from .base import EvalMetric
from .base import _np
from .base import alias
from .base import check_label_shapes
from .base import register

__all__ = ["Accuracy", "TopKAccuracy", "F1", "MCC", "PCC"]


@register
@alias("acc")
class Accuracy(EvalMetric):
    """Classification accuracy.

    A prediction whose shape differs from its label's is reduced with
    ``argmax`` over ``axis`` first; both sides are then cast to int32
    (truncating float labels) and compared element-wise.

    Parameters
    ----------
    axis : int, default 1
        The axis of ``pred`` holding the classes.
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.Accuracy()
    >>> m.update([mx.nd.array([0, 1, 1])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]])])
    >>> print(*m.get())
    accuracy 0.6666666666666666
    """

    def __init__(
        self, axis=1, name="accuracy", output_names=None, label_names=None
    ) -> None:
        super().__init__(
            name,
            axis=axis,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        self.axis = axis

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred_label in zip(labels, preds, strict=False):
            reduce = pred_label.shape != label.shape
            # The host copy first, then numpy's argmax: the same indices as
            # nd.argmax (the first maximum, NaN counting as the largest).
            pred = _np(pred_label)
            if reduce:
                # int64 indices: equal to them as int32 (MXNet's cast)
                pred = pred.argmax(axis=self.axis).ravel()
            else:
                pred = pred.astype("int32").ravel()
            # Flat, as MXNet compares them (label.flat == pred.flat).
            flat = _np(label).astype("int32").ravel()
            if flat.size != pred.size:
                check_label_shapes(flat, pred)  # raises MXNet's error
            num_correct = (pred == flat).sum()
            self.sum_metric += num_correct
            self.global_sum_metric += num_correct
            self.num_inst += pred.size
            self.global_num_inst += pred.size


@register
@alias("top_k_accuracy", "top_k_acc")
class TopKAccuracy(EvalMetric):
    """Top-k accuracy: a sample counts if its label is among the k best classes.

    Parameters
    ----------
    top_k : int
        Number of best classes considered; must be > 1 (use :class:`Accuracy`
        otherwise) and at most the number of classes.
    name : str
        Base name; the metric is named ``'<name>_<top_k>'``.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.TopKAccuracy(top_k=2)
    >>> m.update([mx.nd.array([2, 0])],
    ...          [mx.nd.array([[0.1, 0.5, 0.4], [0.2, 0.1, 0.7]])])
    >>> print(*m.get())
    top_k_accuracy_2 1.0
    """

    def __init__(
        self, top_k=1, name="top_k_accuracy", output_names=None, label_names=None
    ) -> None:
        super().__init__(
            name,
            top_k=top_k,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        self.top_k = top_k
        if not self.top_k > 1:
            raise AssertionValueError(
                "Please use Accuracy if top_k is no more than 1 "
                f"(TopKAccuracy got top_k={top_k!r})."
            )
        self.name += f"_{self.top_k}"

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred_label in zip(labels, preds, strict=False):
            if len(pred_label.shape) > 2:
                raise AssertionValueError(
                    "Predictions should be no more than 2 dims: TopKAccuracy got "
                    f"predictions of shape {tuple(pred_label.shape)}; reshape them "
                    "to (batch_size, num_classes)."
                )
            # argpartition is enough: only the set of the k best matters.
            pred_label = numpy.argpartition(
                _np(pred_label).astype("float32"), -self.top_k
            )
            label = _np(label).astype("int32")
            check_label_shapes(label, pred_label)
            num_samples = pred_label.shape[0]
            if pred_label.ndim == 1:
                # MXNet 1.9.1 leaves the global sum untouched here.
                self.sum_metric += (pred_label.flat == label.flat).sum()
            elif pred_label.ndim == 2:
                num_classes = pred_label.shape[1]
                top_k = min(num_classes, self.top_k)
                for j in range(top_k):
                    column = pred_label[:, num_classes - 1 - j].flat
                    num_correct = (column == label.flat).sum()
                    self.sum_metric += num_correct
                    self.global_sum_metric += num_correct
            self.num_inst += num_samples
            self.global_num_inst += num_samples


class _BinaryClassificationMetrics:
    """Local and global confusion counts of a binary classifier across batches."""

    def __init__(self) -> None:
        self.reset_stats()

    def update_binary_stats(self, label, pred) -> None:
        """Add the counts of one ``(label, pred)`` pair; ``pred`` is (N, 2) scores."""
        pred = _np(pred)
        label = _np(label).astype("int32")
        pred_label = numpy.argmax(pred, axis=1)
        check_label_shapes(label, pred)
        if len(numpy.unique(label)) > 2:
            raise ValueError(
                f"{self.__class__.__name__} currently only supports binary "
                f"classification: got labels {sorted(numpy.unique(label).tolist())}. "
                "Use PCC for multiclass problems."
            )
        pred_true = pred_label == 1
        pred_false = 1 - pred_true
        label_true = label == 1
        label_false = 1 - label_true
        true_pos = (pred_true * label_true).sum()
        false_pos = (pred_true * label_false).sum()
        false_neg = (pred_false * label_true).sum()
        true_neg = (pred_false * label_false).sum()
        self.true_positives += true_pos
        self.global_true_positives += true_pos
        self.false_positives += false_pos
        self.global_false_positives += false_pos
        self.false_negatives += false_neg
        self.global_false_negatives += false_neg
        self.true_negatives += true_neg
        self.global_true_negatives += true_neg

    @staticmethod
    def _ratio(num, other) -> float:
        return float(num) / (num + other) if num + other > 0 else 0.0

    @staticmethod
    def _harmonic(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    @property
    def precision(self) -> float:
        return self._ratio(self.true_positives, self.false_positives)

    @property
    def global_precision(self) -> float:
        return self._ratio(self.global_true_positives, self.global_false_positives)

    @property
    def recall(self) -> float:
        return self._ratio(self.true_positives, self.false_negatives)

    @property
    def global_recall(self) -> float:
        return self._ratio(self.global_true_positives, self.global_false_negatives)

    @property
    def fscore(self) -> float:
        return self._harmonic(self.precision, self.recall)

    @property
    def global_fscore(self) -> float:
        return self._harmonic(self.global_precision, self.global_recall)

    def matthewscc(self, use_global: bool = False) -> float:
        """Matthews correlation coefficient; zero factors of the denominator are 1."""
        prefix = "global_" if use_global else ""
        total = self.global_total_examples if use_global else self.total_examples
        if not total:
            return 0.0
        tp = float(getattr(self, prefix + "true_positives"))
        fp = float(getattr(self, prefix + "false_positives"))
        fn = float(getattr(self, prefix + "false_negatives"))
        tn = float(getattr(self, prefix + "true_negatives"))
        denom = 1.0
        for t in (tp + fp, tp + fn, tn + fp, tn + fn):
            if t != 0.0:
                denom *= t
        return (tp * tn - fp * fn) / math.sqrt(denom)

    @property
    def total_examples(self):
        return (
            self.false_negatives
            + self.false_positives
            + self.true_negatives
            + self.true_positives
        )

    @property
    def global_total_examples(self):
        return (
            self.global_false_negatives
            + self.global_false_positives
            + self.global_true_negatives
            + self.global_true_positives
        )

    def local_reset_stats(self) -> None:
        self.false_positives = 0
        self.false_negatives = 0
        self.true_positives = 0
        self.true_negatives = 0

    def reset_stats(self) -> None:
        self.local_reset_stats()
        self.global_false_positives = 0
        self.global_false_negatives = 0
        self.global_true_positives = 0
        self.global_true_negatives = 0


class _BinaryMetric(EvalMetric):
    """Shared update rule of F1 and MCC ('macro' or 'micro' over batches)."""

    def __init__(self, name, output_names, label_names, average) -> None:
        self._average = average
        self._metrics = _BinaryClassificationMetrics()
        EvalMetric.__init__(
            self,
            name=name,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )

    def _score(self, use_global: bool) -> float:
        raise NotImplementedError()

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        stats = self._metrics
        for label, pred in zip(labels, preds, strict=False):
            stats.update_binary_stats(label, pred)
        if self._average == "macro":
            self.sum_metric += self._score(False)
            self.global_sum_metric += self._score(True)
            self.num_inst += 1
            self.global_num_inst += 1
            stats.reset_stats()
        else:
            self.sum_metric = self._score(False) * stats.total_examples
            self.global_sum_metric = self._score(True) * stats.global_total_examples
            self.num_inst = stats.total_examples
            self.global_num_inst = stats.global_total_examples

    def reset(self) -> None:
        self.sum_metric = 0.0
        self.num_inst = 0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0
        self._metrics.reset_stats()

    def reset_local(self) -> None:
        self.sum_metric = 0.0
        self.num_inst = 0
        self._metrics.local_reset_stats()


@register
class F1(_BinaryMetric):
    """F1 score of a binary classifier (``pred`` holds two class scores).

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.
    average : {'macro', 'micro'}, default 'macro'
        'macro' averages the per-update F1 scores, 'micro' computes one F1
        from the counts of all updates.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.F1()
    >>> m.update([mx.nd.array([0, 1, 1])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]])])
    >>> print(*m.get())
    f1 0.8
    """

    def __init__(
        self, name="f1", output_names=None, label_names=None, average="macro"
    ) -> None:
        super().__init__(name, output_names, label_names, average)

    # MXNet 1.9.1 names these two attributes without the underscore on F1.
    @property
    def average(self) -> str:
        return self._average

    @average.setter
    def average(self, value: str) -> None:
        self._average = value

    @property
    def metrics(self) -> _BinaryClassificationMetrics:
        return self._metrics

    @metrics.setter
    def metrics(self, value: _BinaryClassificationMetrics) -> None:
        self._metrics = value

    def _score(self, use_global: bool) -> float:
        return self._metrics.global_fscore if use_global else self._metrics.fscore


@register
class MCC(_BinaryMetric):
    """Matthews correlation coefficient of a binary classifier.

    Zero factors in the denominator are replaced by 1. For multiclass
    problems use :class:`PCC`.

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.
    average : {'macro', 'micro'}, default 'macro'
        'macro' averages the per-update MCC, 'micro' uses all counts.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.MCC()
    >>> m.update([mx.nd.array([0, 1, 1, 0])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6], [0.8, 0.2]])])
    >>> print(round(m.get()[1], 4))
    0.5774
    """

    def __init__(
        self, name="mcc", output_names=None, label_names=None, average="macro"
    ) -> None:
        super().__init__(name, output_names, label_names, average)

    def _score(self, use_global: bool) -> float:
        return self._metrics.matthewscc(use_global=use_global)

    def reset(self) -> None:
        super().reset()
        # MXNet 1.9.1 keeps MCC's counts as floats.
        self.num_inst = 0.0
        self.global_num_inst = 0.0

    def reset_local(self) -> None:
        super().reset_local()
        self.num_inst = 0.0


@register
class PCC(EvalMetric):
    """Multiclass Matthews correlation from a growing K x K confusion matrix.

    ``pred`` is either class scores (argmax over axis 1) or class indices of
    the label's shape. ``num_inst`` counts updates; the value is the MCC of
    the accumulated confusion matrix (``nan`` when a marginal is constant).

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.
    has_global_stats : bool, default True
        Whether :meth:`get_global` reads the global confusion matrix.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.PCC()
    >>> m.update([mx.nd.array([0, 1, 2, 1])], [mx.nd.array([0, 1, 2, 2])])
    >>> print(round(m.get()[1], 4))
    0.7
    """

    def __init__(
        self, name="pcc", output_names=None, label_names=None, has_global_stats=True
    ) -> None:
        self.k = 2
        super().__init__(
            name=name,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=has_global_stats,
        )

    def _grow(self, inc: int) -> None:
        self.lcm = numpy.pad(self.lcm, ((0, inc), (0, inc)), "constant")
        self.gcm = numpy.pad(self.gcm, ((0, inc), (0, inc)), "constant")
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat: numpy.ndarray) -> float:
        n = cmat.sum()
        x = cmat.sum(axis=1)
        y = cmat.sum(axis=0)
        cov_xx = numpy.sum(x * (n - x))
        cov_yy = numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float("nan")
        cov_xy = numpy.sum(cmat.diagonal() * n - x * y)
        return cov_xy / (cov_xx * cov_yy) ** 0.5

    def update(self, labels, preds) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            label = _np(label).astype("int32", copy=False)
            pred = _np(pred)
            if pred.shape != label.shape:
                pred = pred.argmax(axis=1)
            else:
                pred = pred.astype("int32", copy=False)
            n = max(pred.max(), label.max())
            if n >= self.k:
                self._grow(int(n) + 1 - self.k)
            bcm = numpy.zeros((self.k, self.k))
            for i, j in zip(pred, label, strict=False):
                bcm[i, j] += 1
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    @property
    def sum_metric(self) -> float:
        return self._calc_mcc(self.lcm) * self.num_inst

    @property
    def global_sum_metric(self) -> float:
        return self._calc_mcc(self.gcm) * self.global_num_inst

    def reset(self) -> None:
        self.global_num_inst = 0.0
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self) -> None:
        self.num_inst = 0.0
        self.lcm = numpy.zeros((self.k, self.k))
