"""``gluon.loss``: MXNet 1.9.1's losses as HybridBlocks.

Unless noted, a loss returns one value per sample: the mean over every axis but
``batch_axis``. ``sample_weight`` multiplies the element-wise loss (broadcast)
before the scalar ``weight``.
"""

from __future__ import annotations

import numpy as np

from .. import ndarray
from ..base import numeric_types
from ..ndarray._fused_loss import softmax_ce_sparse
from .block import HybridBlock

__all__ = [
    "Loss",
    "L2Loss",
    "L1Loss",
    "SigmoidBinaryCrossEntropyLoss",
    "SigmoidBCELoss",
    "SoftmaxCrossEntropyLoss",
    "SoftmaxCELoss",
    "KLDivLoss",
    "HuberLoss",
    "HingeLoss",
    "SquaredHingeLoss",
    "LogisticLoss",
    "TripletLoss",
    "PoissonNLLLoss",
    "CosineEmbeddingLoss",
    "SDMLLoss",
]


def _apply_weighting(F, loss, weight=None, sample_weight=None):
    """``loss * sample_weight`` (broadcast), then ``* weight`` (a number)."""
    if sample_weight is not None:
        loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        if not isinstance(weight, numeric_types):
            raise TypeError(
                f"Loss weight must be a number, got {type(weight).__name__} "
                f"({weight!r}); pass per-sample weights as sample_weight."
            )
        loss = loss * weight
    return loss


def _reshape_like(F, x, y):
    """Reshape ``x`` (a label) to ``y``'s shape."""
    if F is ndarray:
        if x.size != y.size:
            raise ValueError(
                f"Loss: label of shape {x.shape} cannot be reshaped to the "
                f"prediction's shape {y.shape} (sizes {x.size} and {y.size} differ)."
            )
        return x.reshape(y.shape)
    return F.reshape_like(x, y)


class Loss(HybridBlock):
    """Base class of losses.

    Parameters
    ----------
    weight : float or None
        Global scalar weight of the loss.
    batch_axis : int
        The axis that holds samples; the result keeps only this axis.
    """

    def __init__(self, weight, batch_axis, **kwargs) -> None:
        super().__init__(**kwargs)
        self._weight = weight
        self._batch_axis = batch_axis

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_axis={self._batch_axis}, w={self._weight})"

    def _mean(self, F, loss):
        return F.mean(loss, axis=self._batch_axis, exclude=True)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} must define hybrid_forward(F, pred, label, ...)."
        )


class L2Loss(Loss):
    """``weight/2 * (label - pred)^2``, averaged per sample.

    Examples
    --------
    >>> import neogluon as mx
    >>> mx.gluon.loss.L2Loss()(mx.nd.array([[1, 2]]), mx.nd.array([[0, 0]])).asnumpy()
    array([1.25], dtype=float32)
    """

    def __init__(self, weight=1.0, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(label - pred)
        loss = _apply_weighting(F, loss, self._weight / 2, sample_weight)
        return self._mean(F, loss)


class L1Loss(Loss):
    """``abs(label - pred)``, averaged per sample."""

    def __init__(self, weight=None, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy on logits (stable form) or probabilities.

    Parameters
    ----------
    from_sigmoid : bool, default False
        Whether ``pred`` already went through a sigmoid.
    weight : float, optional
    batch_axis : int, default 0

    ``forward(pred, label, sample_weight=None, pos_weight=None)``; ``pos_weight``
    scales the positive term (broadcast).
    """

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(F, label, pred)
        if not self._from_sigmoid:
            if pos_weight is None:
                loss = (
                    F.relu(pred)
                    - pred * label
                    + F.Activation(-F.abs(pred), act_type="softrelu")
                )
            else:
                log_weight = 1 + F.broadcast_mul(pos_weight - 1, label)
                loss = (
                    pred
                    - pred * label
                    + log_weight
                    * (F.Activation(-F.abs(pred), act_type="softrelu") + F.relu(-pred))
                )
        else:
            eps = 1e-12
            if pos_weight is None:
                loss = -(
                    F.log(pred + eps) * label + F.log(1.0 - pred + eps) * (1.0 - label)
                )
            else:
                loss = -(
                    F.broadcast_mul(F.log(pred + eps) * label, pos_weight)
                    + F.log(1.0 - pred + eps) * (1.0 - label)
                )
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax cross-entropy with sparse (class index) or dense labels.

    Parameters
    ----------
    axis : int, default -1
        The class axis.
    sparse_label : bool, default True
        Labels are class indices (else a distribution of ``pred``'s shape).
    from_logits : bool, default False
        ``pred`` already holds log-probabilities.
    weight : float, optional
    batch_axis : int, default 0
    """

    def __init__(
        self,
        axis=-1,
        sparse_label=True,
        from_logits=False,
        weight=None,
        batch_axis=0,
        **kwargs,
    ) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if (
            F is ndarray
            and self._sparse_label
            and not self._from_logits
            and self._axis in (-1, 1)
            and self._batch_axis == 0
            and self._weight is None
            and sample_weight is None
        ):
            # the plain eager call: one fused kernel, the same numbers
            loss = softmax_ce_sparse(pred, label)
            if loss is not None:
                return loss
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        if self._sparse_label:
            loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
        else:
            label = _reshape_like(F, label, pred)
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    """``label * (log(label + 1e-12) - pred)``, **summed** per sample.

    ``pred`` must be log-probabilities unless ``from_logits=False`` (then a
    log_softmax over ``axis`` is applied first).
    """

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)


class HuberLoss(Loss):
    """Smoothed L1: ``abs(d) - rho/2`` if ``abs(d) > rho`` else ``d^2/(2 rho)``."""

    def __init__(self, rho=1, weight=None, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = F.where(
            loss > self._rho,
            loss - 0.5 * self._rho,
            (0.5 / self._rho) * F.square(loss),
        )
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


class HingeLoss(Loss):
    """``relu(margin - pred * label)`` with labels in {-1, 1}."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.relu(self._margin - pred * label)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


class SquaredHingeLoss(Loss):
    """``relu(margin - pred * label)^2`` with labels in {-1, 1}."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(F.relu(self._margin - pred * label))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


class LogisticLoss(Loss):
    """Logistic loss on logits; ``label_format`` 'signed' ({-1,1}) or 'binary'."""

    def __init__(self, weight=None, batch_axis=0, label_format="signed", **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._label_format = label_format
        if self._label_format not in ["signed", "binary"]:
            raise ValueError(
                f"label_format can only be signed or binary, recieved {label_format}."
            )

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        if self._label_format == "signed":
            label = (label + 1.0) / 2.0
        loss = (
            F.relu(pred)
            - pred * label
            + F.Activation(-F.abs(pred), act_type="softrelu")
        )
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean(F, loss)


class TripletLoss(Loss):
    """``relu(sum((pos - pred)^2 - (neg - pred)^2) + margin)`` per sample."""

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative):
        positive = _reshape_like(F, positive, pred)
        negative = _reshape_like(F, negative, pred)
        loss = F.sum(
            F.square(positive - pred) - F.square(negative - pred),
            axis=self._batch_axis,
            exclude=True,
        )
        loss = F.relu(loss + self._margin)
        return _apply_weighting(F, loss, self._weight, None)


class PoissonNLLLoss(Loss):
    """Poisson negative log-likelihood; returns the **mean over everything**.

    ``forward(pred, target, sample_weight=None, epsilon=1e-08)``; with
    ``from_logits=True`` the loss is ``exp(pred) - target*pred``, else
    ``pred - target*log(pred + epsilon)``; ``compute_full`` adds Stirling's term
    for targets > 1.
    """

    def __init__(
        self, weight=None, from_logits=True, batch_axis=0, compute_full=False, **kwargs
    ) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = _reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            stirling = target * F.log(target) - target + 0.5 * F.log(2 * target * np.pi)
            loss = loss + stirling * (target > 1)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss)


class CosineEmbeddingLoss(Loss):
    """``1 - cos(x1, x2)`` for label 1, ``max(0, cos - margin)`` for label -1.

    ``forward(input1, input2, label, sample_weight=None)``; result shape ``(N, 1)``.
    """

    def __init__(self, weight=None, batch_axis=0, margin=0, **kwargs) -> None:
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = _reshape_like(F, input1, input2)
        label = F.reshape(label, shape=(-1, 1))
        cos_sim = self._cosine_similarity(F, input1, input2)
        y_1 = label == 1
        y_minus_1 = label == -1
        cos_sim_a = (1 - cos_sim) * y_1
        # MXNet: broadcast_maximum(0, ...), i.e. a relu.
        cos_sim_b = F.relu(y_minus_1 * (cos_sim - self._margin))
        loss = cos_sim_a + cos_sim_b
        return _apply_weighting(F, loss, self._weight, sample_weight)

    def _cosine_similarity(self, F, x, y, axis=-1):
        x_norm = F.reshape(F.norm(x, axis=axis), shape=(-1, 1))
        y_norm = F.reshape(F.norm(y, axis=axis), shape=(-1, 1))
        x_dot_y = F.reshape(F.sum(x * y, axis=axis), shape=(-1, 1))
        # MXNet: broadcast_maximum(x_norm * y_norm, 1e-12).
        return x_dot_y / F.clip(x_norm * y_norm, 1e-12, 3.4028234663852886e38)


class SDMLLoss(Loss):
    """Smoothed deep metric learning loss over in-batch pairs ``(x1, x2)``.

    Needs concrete shapes (as in MXNet it cannot be hybridized).
    """

    def __init__(self, smoothing_parameter=0.3, weight=1.0, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        with self.name_scope():
            self.kl_loss = KLDivLoss(from_logits=True)
        self.smoothing_parameter = smoothing_parameter

    def _compute_distances(self, F, x1, x2):
        if x1.shape != x2.shape:
            raise ValueError(
                f"SDMLLoss: x1 and x2 must have the same shape, got {x1.shape} and "
                f"{x2.shape}."
            )
        batch_size, dim = x1.shape
        x1_ = F.broadcast_to(
            F.expand_dims(x1, axis=1), shape=(batch_size, batch_size, dim)
        )
        x2_ = F.broadcast_to(
            F.expand_dims(x2, axis=0), shape=(batch_size, batch_size, dim)
        )
        return F.sum(F.square(x1_ - x2_), axis=2)

    def _compute_labels(self, F, batch_size, ctx):
        gold = F.eye(batch_size, ctx=ctx)
        s = self.smoothing_parameter
        return gold * (1 - s) + (1 - gold) * s / (batch_size - 1)

    def hybrid_forward(self, F, x1, x2):
        batch_size = x1.shape[0]
        distances = self._compute_distances(F, x1, x2)
        labels = self._compute_labels(F, batch_size, distances.context)
        log_probabilities = F.log_softmax(-distances, axis=1)
        return self.kl_loss(log_probabilities, labels)


class CTCLoss(Loss):
    """Connectionist temporal classification loss (MXNet's ``blank_label='last'``).

    ``pred`` holds unnormalized activations (the softmax is applied inside); the
    last class ``C - 1`` is the blank and labels are padded with -1.

    Parameters
    ----------
    layout : {'NTC', 'TNC'}, default 'NTC'
        Layout of ``pred``.
    label_layout : {'NT', 'TN'}, default 'NT'
        Layout of ``label``; its ``N`` axis is the batch axis.
    weight : float, optional
        Global scalar weight of the loss.

    Inputs are ``(pred, label, pred_lengths=None, label_lengths=None,
    sample_weight=None)``; the result is one loss per sample, shape ``(N,)``.
    """

    def __init__(self, layout="NTC", label_layout="NT", weight=None, **kwargs) -> None:
        if layout not in ("NTC", "TNC"):
            raise ValueError(
                f"CTCLoss: layout must be 'NTC' or 'TNC' for pred, got {layout!r}."
            )
        if label_layout not in ("NT", "TN"):
            raise ValueError(
                "CTCLoss: label_layout must be 'NT' or 'TN' for label, got "
                f"{label_layout!r}."
            )
        self._layout = layout
        self._label_layout = label_layout
        super().__init__(weight, label_layout.find("N"), **kwargs)

    def hybrid_forward(
        self,
        F,
        pred,
        label,
        pred_lengths=None,
        label_lengths=None,
        sample_weight=None,
    ):
        if self._layout == "NTC":
            pred = F.swapaxes(pred, 0, 1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, 0, 1)
        lengths = {}
        if pred_lengths is not None:
            lengths["data_lengths"] = pred_lengths
        if label_lengths is not None:
            lengths["label_lengths"] = label_lengths
        loss = F.CTCLoss(
            pred,
            label,
            use_data_lengths=pred_lengths is not None,
            use_label_lengths=label_lengths is not None,
            blank_label="last",
            **lengths,
        )
        return _apply_weighting(F, loss, self._weight, sample_weight)


__all__ += ["CTCLoss"]
