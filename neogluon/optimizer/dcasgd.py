"""DCASGD (delay-compensated asynchronous SGD), with MXNet 1.9.1's math."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["DCASGD"]


@register
class DCASGD(Optimizer):
    """The DCASGD optimizer (Zheng et al., 2016).

    ``G = clip(rescale_grad*grad)`` (clipped whenever ``clip_gradient`` is not
    None, as in MXNet); ``step = -lr*(G + wd*w + lamda*G^2*(w - w_prev))``;
    with momentum ``mom = momentum*mom + step`` and the step is ``mom``; then
    ``w_prev = w; w += step``.

    Parameters
    ----------
    momentum : float, default 0.0
    lamda : float, default 0.04
        Scale of the delay compensation.

    Notes
    -----
    MXNet 1.9.1 tests its momentum array with ``if mom:``, which raises for
    arrays of more than one element; neogluon runs the documented momentum
    update instead.
    """

    def __init__(self, momentum: float = 0.0, lamda: float = 0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous: dict = {}
        self.lamda = lamda

    def create_state(self, index, weight: NDArray):
        if self.momentum == 0.0:
            return (None, weight.copy())  # previous weight
        return (
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # momentum
            weight.copy(),  # previous weight
        )

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("DCASGD", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        mom, previous_weight = state
        step = -lr * (
            grad + wd * weight + self.lamda * grad * grad * (weight - previous_weight)
        )
        if mom is not None:
            mom[:] *= self.momentum
            mom[:] += step
            step = mom
        previous_weight[:] = weight
        weight[:] += step
