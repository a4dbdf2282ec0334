"""``mx.metric`` core: :class:`EvalMetric`, the factory, the composite and custom metrics.

Matches ``mxnet/metric.py`` of MXNet 1.9.1: every metric keeps a local pair
(``sum_metric``, ``num_inst``) cleared by :meth:`EvalMetric.reset_local` and a
global pair (``global_sum_metric``, ``global_num_inst``) cleared only by
:meth:`EvalMetric.reset`. Inputs are NDArrays (numpy arrays are accepted where
a value is only read); the arithmetic runs in numpy after ``asnumpy()`` as in
MXNet, so float32 inputs give MXNet's float32 partial sums.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy

from .. import registry
from ..base import numeric_types
from ..base import string_types
from ..ndarray.ndarray import NDArray

__all__ = [
    "EvalMetric",
    "CompositeEvalMetric",
    "check_label_shapes",
    "create",
    "register",
    "alias",
    "CustomMetric",
]


def _len_or_shape(x: Any, shape: bool):
    return x.shape if shape else len(x)


def check_label_shapes(labels, preds, wrap: bool = False, shape: bool = False):
    """Check that labels and predictions match in length (or shape).

    Parameters
    ----------
    labels, preds : list of NDArray, NDArray or numpy array
        The labels and the predictions.
    wrap : bool
        If True, a single NDArray is wrapped in a list.
    shape : bool
        If True compare ``.shape``; otherwise compare ``len()`` (for a list the
        number of outputs, for a single array its first dimension).

    Returns
    -------
    (labels, preds)

    Raises
    ------
    ValueError
        ``"Shape of labels {} does not match shape of predictions {}"``, as in
        MXNet 1.9.1.
    """
    label_shape = _len_or_shape(labels, shape)
    pred_shape = _len_or_shape(preds, shape)
    if label_shape != pred_shape:
        what = "shapes" if shape else "lengths (number of outputs, or first dimension)"
        raise ValueError(
            f"Shape of labels {label_shape} does not match shape of predictions "
            f"{pred_shape}. The metric compares their {what}: pass one label "
            "per prediction output (lists of equal length) with matching batch sizes."
        )
    if wrap:
        if isinstance(labels, NDArray):
            labels = [labels]
        if isinstance(preds, NDArray):
            preds = [preds]
    return labels, preds


def _np(x) -> numpy.ndarray:
    """``x.asnumpy()`` for an NDArray, ``numpy.asarray(x)`` otherwise."""
    return x.asnumpy() if hasattr(x, "asnumpy") else numpy.asarray(x)


class EvalMetric:
    """Base class of all evaluation metrics.

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names : list of str, or None
        Names of the predictions :meth:`update_dict` uses (default: all).
    label_names : list of str, or None
        Names of the labels :meth:`update_dict` uses (default: all).
    **kwargs
        Extra constructor arguments, kept for :meth:`get_config`.
        ``has_global_stats=True`` makes :meth:`get_global` read the global
        accumulators instead of the local ones.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.Accuracy()
    >>> m.update([mx.nd.array([0, 1])], [mx.nd.array([[0.9, 0.1], [0.8, 0.2]])])
    >>> print(*m.get())
    accuracy 0.5
    """

    def __init__(self, name, output_names=None, label_names=None, **kwargs) -> None:
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop("has_global_stats", False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self) -> str:
        # Plain floats, so numpy 2 prints the values as MXNet (numpy 1.x) does.
        values = {
            name: value.item() if isinstance(value, numpy.generic) else value
            for name, value in self.get_name_value()
        }
        return f"EvalMetric: {values}"

    def get_config(self) -> dict:
        """The constructor configuration; ``mx.metric.create(**config)`` rebuilds it."""
        config = self._kwargs.copy()
        config.update(
            {
                "metric": self.__class__.__name__,
                "name": self.name,
                "output_names": self.output_names,
                "label_names": self.label_names,
            }
        )
        return config

    def update_dict(self, label: dict, pred: dict) -> None:
        """Update with name -> array mappings, selected by label/output names."""
        if self.output_names is not None:
            pred = [pred[name] for name in self.output_names]
        else:
            pred = list(pred.values())
        if self.label_names is not None:
            label = [label[name] for name in self.label_names]
        else:
            label = list(label.values())
        self.update(label, pred)

    def update(self, labels, preds) -> None:
        """Accumulate one batch of ``labels`` and ``preds`` (lists of NDArray)."""
        raise NotImplementedError()

    def reset(self) -> None:
        """Reset the local and the global accumulators."""
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self) -> None:
        """Reset only the local accumulators (the global ones keep counting)."""
        self.num_inst = 0
        self.sum_metric = 0.0

    def get(self) -> tuple:
        """``(name, value)`` of the local accumulators; value ``nan`` when empty."""
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, self.sum_metric / self.num_inst)

    def get_global(self) -> tuple:
        """``(name, value)`` of the global accumulators (or :meth:`get`)."""
        if self._has_global_stats:
            if self.global_num_inst == 0:
                return (self.name, float("nan"))
            return (self.name, self.global_sum_metric / self.global_num_inst)
        return self.get()

    @staticmethod
    def _zip_name_value(name, value) -> list:
        if not isinstance(name, list):
            name = [name]
        if not isinstance(value, list):
            value = [value]
        return list(zip(name, value, strict=False))

    def get_name_value(self) -> list:
        """``[(name, value), ...]`` of :meth:`get`."""
        return self._zip_name_value(*self.get())

    def get_global_name_value(self) -> list:
        """``[(name, value), ...]`` of :meth:`get_global`."""
        if self._has_global_stats:
            return self._zip_name_value(*self.get_global())
        return self.get_name_value()


register = registry.get_register_func(EvalMetric, "metric")
alias = registry.get_alias_func(EvalMetric, "metric")
_create = registry.get_create_func(EvalMetric, "metric")


def create(metric, *args, **kwargs) -> EvalMetric:
    """Create a metric from a name, an instance, a list or a callable.

    Parameters
    ----------
    metric : str, EvalMetric, list, dict or callable
        A registered name or alias (case-insensitive, e.g. ``'acc'``,
        ``'top_k_accuracy'``, ``'ce'``), a JSON string or config dict, an
        :class:`EvalMetric` (returned as is), a list (a
        :class:`CompositeEvalMetric` of the created children) or a callable
        ``feval(label, pred)`` (a :class:`CustomMetric`).
    *args, **kwargs
        Passed to the metric constructor (to every child for a list).

    Examples
    --------
    >>> import neogluon as mx
    >>> mx.metric.create(["acc", "rmse"]).get()
    (['accuracy', 'rmse'], [nan, nan])
    """
    if callable(metric):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, list):
        composite = CompositeEvalMetric()
        for child in metric:
            composite.add(create(child, *args, **kwargs))
        return composite
    return _create(metric, *args, **kwargs)


@register
@alias("composite")
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; ``get()`` returns lists of names/values.

    Parameters
    ----------
    metrics : list, or None
        Child metrics (anything :func:`create` accepts).
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Filter the dicts given to :meth:`update_dict` before the children see them.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.CompositeEvalMetric(["acc", "f1"])
    >>> m.update([mx.nd.array([0, 1, 1])],
    ...          [mx.nd.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]])])
    >>> names, values = m.get()
    >>> print(names, [float(v) for v in values])
    ['accuracy', 'f1'] [0.6666666666666666, 0.8]
    """

    def __init__(
        self, metrics=None, name="composite", output_names=None, label_names=None
    ) -> None:
        super().__init__(
            name,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        if metrics is None:
            metrics = []
        self.metrics = [create(i) for i in metrics]

    def add(self, metric) -> None:
        """Append a child metric (anything :func:`create` accepts)."""
        self.metrics.append(create(metric))

    def get_metric(self, index: int):
        """The child metric at ``index``.

        As in MXNet 1.9.1 an out-of-range index *returns* (does not raise) a
        ``ValueError`` instance.
        """
        try:
            return self.metrics[index]
        except IndexError:
            return ValueError(
                f"Metric index {index} is out of range 0 and {len(self.metrics)}"
            )

    def update_dict(self, labels: dict, preds: dict) -> None:
        if self.label_names is not None:
            labels = OrderedDict(
                [i for i in labels.items() if i[0] in self.label_names]
            )
        if self.output_names is not None:
            preds = OrderedDict([i for i in preds.items() if i[0] in self.output_names])
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def update(self, labels, preds) -> None:
        for metric in self.metrics:
            metric.update(labels, preds)

    def reset(self) -> None:
        # EvalMetric.__init__ calls reset() before self.metrics exists.
        for metric in getattr(self, "metrics", ()):
            metric.reset()

    def reset_local(self) -> None:
        for metric in getattr(self, "metrics", ()):
            metric.reset_local()

    @staticmethod
    def _collect(pairs) -> tuple:
        names, values = [], []
        for name, value in pairs:
            if isinstance(name, string_types):
                name = [name]
            if isinstance(value, numeric_types):
                value = [value]
            names.extend(name)
            values.extend(value)
        return (names, values)

    def get(self) -> tuple:
        return self._collect(metric.get() for metric in self.metrics)

    def get_global(self) -> tuple:
        return self._collect(metric.get_global() for metric in self.metrics)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"metrics": [i.get_config() for i in self.metrics]})
        return config


@register
class CustomMetric(EvalMetric):
    """A metric computed by ``feval(label, pred)`` on numpy arrays.

    ``feval`` returns either a value (added, counting one) or a tuple
    ``(sum_metric, num_inst)``.

    Parameters
    ----------
    feval : callable(label, pred)
        The evaluation function, called once per (label, pred) pair.
    name : str, optional
        Display name; default ``feval.__name__``, wrapped as
        ``'custom(<lambda>)'`` when it contains ``'<'``.
    allow_extra_outputs : bool, default False
        Allow more predictions than labels (the extra ones are ignored).
    output_names, label_names : list of str, or None
        Names used by :meth:`update_dict`.

    Examples
    --------
    >>> import neogluon as mx
    >>> m = mx.metric.CustomMetric(lambda l, p: float((l == p).sum()))
    >>> m.update([mx.nd.array([1, 2])], [mx.nd.array([1, 3])])
    >>> print(*m.get())
    custom(<lambda>) 1.0
    """

    def __init__(
        self,
        feval: Callable,
        name=None,
        allow_extra_outputs=False,
        output_names=None,
        label_names=None,
    ) -> None:
        if name is None:
            name = feval.__name__
            if "<" in name:
                name = f"custom({name})"
        super().__init__(
            name,
            feval=feval,
            allow_extra_outputs=allow_extra_outputs,
            output_names=output_names,
            label_names=label_names,
            has_global_stats=True,
        )
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels, preds) -> None:
        if not self._allow_extra_outputs:
            labels, preds = check_label_shapes(labels, preds, True)
        for pred, label in zip(preds, labels, strict=False):
            reval = self._feval(_np(label), _np(pred))
            if isinstance(reval, tuple):
                sum_metric, num_inst = reval
            else:
                sum_metric, num_inst = reval, 1
            self.sum_metric += sum_metric
            self.global_sum_metric += sum_metric
            self.num_inst += num_inst
            self.global_num_inst += num_inst

    def get_config(self) -> dict:
        raise NotImplementedError(
            "CustomMetric cannot be serialized: its feval is a Python callable. "
            "Recreate it with mx.metric.CustomMetric(feval, ...)."
        )
