"""``BatchProcessor``: how the Estimator trains and evaluates one batch."""

from __future__ import annotations

from .... import autograd
from ...utils import split_and_load

__all__ = ["BatchProcessor"]


class BatchProcessor:
    """Default ``fit_batch``/``evaluate_batch`` of :class:`Estimator`.

    Subclass and override either method to customize the per-batch step, then
    pass an instance as ``Estimator(..., batch_processor=...)``.
    """

    def _get_data_and_label(self, batch, ctx, batch_axis: int = 0):
        data = split_and_load(batch[0], ctx_list=ctx, batch_axis=batch_axis)
        label = split_and_load(batch[1], ctx_list=ctx, batch_axis=batch_axis)
        return data, label

    def evaluate_batch(self, estimator, val_batch, batch_axis: int = 0):
        """Run ``val_net`` and ``val_loss`` on one validation batch.

        Returns
        -------
        (data, label, pred, loss) : lists of NDArray, one entry per context.
        """
        data, label = self._get_data_and_label(val_batch, estimator.context, batch_axis)
        pred = [estimator.val_net(x) for x in data]
        loss = [
            estimator.val_loss(y_hat, y) for y_hat, y in zip(pred, label, strict=True)
        ]
        return data, label, pred, loss

    def fit_batch(self, estimator, train_batch, batch_axis: int = 0):
        """Forward ``net`` and ``loss`` under ``autograd.record()``, then backward.

        The parameter update is done by :class:`GradientUpdateHandler` at batch
        end. Returns ``(data, label, pred, loss)``, lists with one entry per
        context (the batch is split with ``gluon.utils.split_and_load``).
        """
        data, label = self._get_data_and_label(
            train_batch, estimator.context, batch_axis
        )
        with autograd.record():
            pred = [estimator.net(x) for x in data]
            loss = [
                estimator.loss(y_hat, y) for y_hat, y in zip(pred, label, strict=True)
            ]
        for loss_i in loss:
            loss_i.backward()
        return data, label, pred, loss
