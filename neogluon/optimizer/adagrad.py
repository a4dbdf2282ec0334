"""AdaGrad, with MXNet 1.9.1's math (computed on the Python side, as in MXNet)."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["AdaGrad"]


@register
class AdaGrad(Optimizer):
    """The AdaGrad optimizer.

    ``G = clip(rescale_grad*grad); h += G^2; w -= lr*(G/sqrt(h + eps) + wd*w)``.
    As in MXNet, ``clip_gradient`` applies whenever it is not None (0 clips
    every gradient to 0).

    Parameters
    ----------
    eps : float, default 1e-7
        Added to the history inside the square root.
    """

    def __init__(self, eps: float = 1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight: NDArray):
        return nd.zeros(weight.shape, weight.context)  # history (float32)

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("AdaGrad", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        history = state
        if grad.stype == "row_sparse":
            # MXNet: lazy update of the stored rows (sparse.adagrad_update).
            kwargs = {
                "epsilon": self.float_stable_eps,
                "rescale_grad": self.rescale_grad,
            }
            if self.clip_gradient:
                kwargs["clip_gradient"] = self.clip_gradient
            nd.sparse.adagrad_update(
                weight, grad, history, out=weight, lr=lr, wd=wd, **kwargs
            )
            return
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        history[:] += nd.square(grad)
        div = grad / nd.sqrt(history + self.float_stable_eps)
        weight[:] += (div + weight * wd) * -lr
