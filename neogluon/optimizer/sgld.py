"""SGLD (stochastic gradient Langevin dynamics), with MXNet 1.9.1's math."""

from __future__ import annotations

import math

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["SGLD"]


@register
class SGLD(Optimizer):
    """Stochastic Gradient Riemannian Langevin Dynamics.

    ``G = clip(rescale_grad*grad)`` (clipped whenever ``clip_gradient`` is not
    None, as in MXNet); ``w += -lr/2*(G + wd*w) + N(0, sqrt(lr))`` with fresh
    Gaussian noise of standard deviation ``sqrt(lr)`` at every update.
    """

    def create_state(self, index, weight: NDArray):
        return None

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("SGLD", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        weight[:] += -lr / 2 * (grad + wd * weight)
        weight[:] += nd.random.normal(
            0,
            math.sqrt(lr),
            shape=weight.shape,
            dtype=weight.dtype,
            ctx=weight.context,
        )
