"""AdaDelta, with MXNet 1.9.1's math and its in-place gradient rescale."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["AdaDelta"]


@register
class AdaDelta(Optimizer):
    """The AdaDelta optimizer (Zeiler, 2012).

    ``G = clip(rescale_grad*grad); acc_g = rho*acc_g + (1-rho)*G^2;
    delta = sqrt(acc_delta + eps)/sqrt(acc_g + eps)*G;
    acc_delta = rho*acc_delta + (1-rho)*delta^2; w -= delta + wd*w``.

    As in MXNet: ``learning_rate`` is accepted but **ignored**, the gradient
    array passed in is multiplied by ``rescale_grad`` **in place** (a Trainer's
    parameter gradients are rescaled after ``step``), and ``clip_gradient``
    applies whenever it is not None.

    Parameters
    ----------
    rho : float, default 0.9
        Decay rate of both accumulators.
    epsilon : float, default 1e-5
        Added inside both square roots.
    """

    def __init__(self, rho: float = 0.90, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context),  # accumulated g
            nd.zeros(weight.shape, weight.context),  # accumulated delta
        )

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("AdaDelta", [weight], [grad])
        wd = self._get_wd(index)
        self._update_count(index)
        grad *= self.rescale_grad  # in place, like MXNet
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        acc_g, acc_delta = state
        acc_g[:] *= self.rho
        acc_g[:] += (1.0 - self.rho) * grad * grad
        delta = nd.sqrt(acc_delta + self.epsilon) / nd.sqrt(acc_g + self.epsilon) * grad
        acc_delta[:] *= self.rho
        acc_delta[:] += (1.0 - self.rho) * delta * delta
        weight[:] -= delta + wd * weight
