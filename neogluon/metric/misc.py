"""Loss-style and user-defined metrics: Loss, Torch, Caffe, CustomMetric, np."""

from __future__ import annotations

from collections.abc import Callable

import numpy

from .. import ndarray
from ..ndarray.ndarray import NDArray
from .base import EvalMetric
from .base import _np
from .base import check_label_shapes
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
