"""Adamax (Adam with the infinity norm), with MXNet 1.9.1's math."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["Adamax"]


@register
class Adamax(Optimizer):
    """The AdaMax optimizer (Kingma & Ba, section 7).

    ``G = clip(rescale_grad*grad + wd*w); m = b1*m + (1-b1)*G;
    u = max(b2*u, |G|); w -= lr/(1 - b1^t) * m/u`` with ``t`` the parameter's
    update count. ``clip_gradient`` applies whenever it is not None.

    Parameters
    ----------
    learning_rate : float, default 0.002
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    """

    def __init__(
        self,
        learning_rate: float = 0.002,
        beta1: float = 0.9,
        beta2: float = 0.999,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # mean
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # inf norm
        )

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("Adamax", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        lr /= 1.0 - self.beta1**t
        grad = grad * self.rescale_grad + wd * weight
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        m_t, u_t = state
        m_t[:] *= self.beta1
        m_t[:] += (1.0 - self.beta1) * grad
        u_t[:] = nd.maximum(self.beta2 * u_t, nd.abs(grad))
        weight[:] -= lr * m_t / u_t
