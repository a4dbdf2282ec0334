"""FTML (Follow the Moving Leader), with MXNet 1.9.1's math."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["FTML"]


@register
class FTML(Optimizer):
    """The FTML optimizer (Zheng & Kwok, 2017).

    With ``t`` the parameter's update count and
    ``G = clip(rescale_grad*grad + wd*w)``: ``v = b2*v + (1-b2)*G^2;
    d_t = (1-b1^t)/lr*(sqrt(v/(1-b2^t)) + epsilon);
    z = b1*z + (1-b1)*G - (d_t - b1*d_{t-1})*w; w = -z/d_t``
    (:func:`mx.nd.ftml_update`).

    Parameters
    ----------
    beta1 : float, default 0.6
    beta2 : float, default 0.999
    epsilon : float, default 1e-8
    """

    def __init__(
        self, beta1: float = 0.6, beta2: float = 0.999, epsilon: float = 1e-8, **kwargs
    ):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # d_0
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # v_0
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # z_0
        )

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("FTML", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        t = self._index_update_count[index]
        kwargs = {
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "rescale_grad": self.rescale_grad,
            "t": t,
        }
        if self.clip_gradient:
            kwargs["clip_grad"] = self.clip_gradient
        prev_d, prev_v, prev_z = state
        nd.ftml_update(
            weight, grad, prev_d, prev_v, prev_z, out=weight, lr=lr, wd=wd, **kwargs
        )
