"""Signum and signSGD, with MXNet 1.9.1's math."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["Signum"]


@register
class Signum(Optimizer):
    """The Signum optimizer: the sign of the momentum (or of the gradient).

    ``mom = momentum*mom - (1-momentum)*(wd*w + clip(rescale_grad*grad));
    w = (1 - lr*wd_lh)*w + lr*sign(mom)`` (:func:`mx.nd.signum_update`). With
    ``momentum=0`` no state is kept and ``w = (1 - lr*wd)*w - lr*sign(grad)``
    (:func:`mx.nd.signsgd_update`).

    Parameters
    ----------
    learning_rate : float, default 0.01
    momentum : float, default 0.9
    wd_lh : float, default 0.0
        Decoupled weight decay (Loshchilov & Hutter).
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.9,
        wd_lh: float = 0.0,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index, weight: NDArray):
        if self.momentum != 0.0:
            return nd.zeros(weight.shape, weight.context, dtype=weight.dtype)
        return None

    def _update_impl(self, index, weight, grad, state) -> None:
        _check_arrays("Signum", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        if self.wd_lh:
            # As in MXNet, signsgd_update (momentum=0) rejects wd_lh.
            kwargs["wd_lh"] = self.wd_lh
        if state is not None:
            nd.signum_update(weight, grad, state, out=weight, lr=lr, wd=wd, **kwargs)
        else:
            nd.signsgd_update(weight, grad, out=weight, lr=lr, wd=wd, **kwargs)

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        self._update_impl(index, weight, grad, state)
