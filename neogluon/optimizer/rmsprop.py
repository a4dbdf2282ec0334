"""RMSProp (Tieleman & Hinton, and Graves's centered variant), MXNet 1.9.1 math."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["RMSProp"]


@register
class RMSProp(Optimizer):
    """The RMSProp optimizer.

    With ``G = clip(rescale_grad*grad + wd*w)`` (weight decay inside the clip):
    ``n = (1-gamma1)*G^2 + gamma1*n; w -= lr*G/sqrt(n + epsilon)``
    (:func:`mx.nd.rmsprop_update`). ``centered=True`` also tracks
    ``g = (1-gamma1)*G + gamma1*g`` and a momentum
    ``delta = gamma2*delta - lr*G/sqrt(n - g^2 + epsilon); w += delta``
    (:func:`mx.nd.rmspropalex_update`).

    Parameters
    ----------
    learning_rate : float, default 0.001
    gamma1 : float, default 0.9
        Decay of the moving averages.
    gamma2 : float, default 0.9
        Momentum of ``delta`` (centered only).
    epsilon : float, default 1e-8
        Added inside the square root.
    centered : bool, default False
        Use Graves's centered version.
    clip_weights : float, optional
        Clip the updated weights to ``[-clip_weights, clip_weights]`` (when truthy).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        gamma1: float = 0.9,
        gamma2: float = 0.9,
        epsilon: float = 1e-8,
        centered: bool = False,
        clip_weights: float | None = None,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight: NDArray):
        # MXNet allocates float32 states whatever the weight's dtype.
        n = nd.zeros(weight.shape, weight.context)
        if self.centered:
            return (
                n,
                nd.zeros(weight.shape, weight.context),
                nd.zeros(weight.shape, weight.context),
            )
        return (n,)

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("RMSProp", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {
            "gamma1": self.gamma1,
            "epsilon": self.epsilon,
            "rescale_grad": self.rescale_grad,
        }
        if self.centered:
            kwargs["gamma2"] = self.gamma2
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        if self.clip_weights:
            kwargs["clip_weights"] = self.clip_weights
        if self.centered:
            n, g, delta = state
            nd.rmspropalex_update(
                weight, grad, n, g, delta, out=weight, lr=lr, wd=wd, **kwargs
            )
        else:
            (n,) = state
            nd.rmsprop_update(weight, grad, n, out=weight, lr=lr, wd=wd, **kwargs)
