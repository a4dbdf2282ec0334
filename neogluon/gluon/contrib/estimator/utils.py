"""Metric checks shared by the Estimator and its event handlers."""

from __future__ import annotations

from ....metric import Accuracy
from ....metric import CompositeEvalMetric
from ....metric import EvalMetric
from ...loss import SoftmaxCrossEntropyLoss


def _check_metrics(metrics) -> list:
    """Flatten ``metrics`` (a metric, a composite, a list, or None) to a list."""
    if isinstance(metrics, CompositeEvalMetric):
        return [m for metric in metrics.metrics for m in _check_metrics(metric)]
    if isinstance(metrics, EvalMetric):
        return [metrics]
    metrics = list(metrics or [])
    bad = [m for m in metrics if not isinstance(m, EvalMetric)]
    if bad:
        raise ValueError(
            "metrics must be an EvalMetric or a list of EvalMetric (see "
            f"mxnet.metric.EvalMetric), got {bad!r} in {metrics!r}."
        )
    return metrics


def _check_handler_metric_ref(handler, known_metrics) -> None:
    """Every metric a handler refers to must be one of the estimator's metrics."""
    # MXNet 1.9.1 scans the attributes whose name contains 'metric' (its
    # keyword list reads ['metric' or 'monitor'], which is ['metric']); a
    # handler's ``monitor`` is therefore not checked, and neither is it here.
    for attribute in dir(handler):
        if "metric" not in attribute:
            continue
        reference = getattr(handler, attribute)
        if not reference:
            continue
        refs = reference if isinstance(reference, list) else [reference]
        for metric in refs:
            _check_metric_known(handler, metric, known_metrics)


def _check_metric_known(handler, metric, known_metrics) -> None:
    if metric not in known_metrics:
        raise ValueError(
            f"Event handler {type(handler).__name__} refers to a metric instance "
            f"{metric} outside of the known training and validation metrics. "
            "Please use the metrics from estimator.train_metrics and "
            "estimator.val_metrics instead."
        )


def _suggest_metric_for_loss(loss):
    """Accuracy for a softmax cross-entropy loss, else None (MXNet's rule)."""
    if isinstance(loss, SoftmaxCrossEntropyLoss):
        return Accuracy()
    return None
