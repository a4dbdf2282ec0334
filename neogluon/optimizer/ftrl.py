"""FTRL-proximal, with MXNet 1.9.1's math (:func:`mx.nd.ftrl_update`)."""

from __future__ import annotations

from .. import ndarray as nd
from ..ndarray import NDArray
from ..ops.sparse_updates import ftrl_lazy
from ..ops.sparse_updates import row_sparse_weight
from .optimizer import Optimizer
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["Ftrl"]


@register
class Ftrl(Optimizer):
    """The FTRL optimizer (McMahan et al., "Ad Click Prediction").

    ``G = clip(rescale_grad*grad); z += G - (sqrt(n + G^2) - sqrt(n))*w/lr;
    n += G^2; w = (sign(z)*lamda1 - z)/((beta + sqrt(n))/lr + wd) * (|z| > lamda1)``.

    With a row_sparse gradient and a row_sparse weight (a Parameter created
    with ``stype='row_sparse'``, e.g. ``contrib.nn.SparseEmbedding``) only the
    gradient's rows are updated, as in MXNet; a dense weight gets the dense
    update (MXNet's storage fallback), which recomputes every row from z.

    Parameters
    ----------
    lamda1 : float, default 0.01
        L1 regularization coefficient.
    learning_rate : float, default 0.1
    beta : float, default 1
        Per-coordinate learning-rate correlation parameter.
    """

    def __init__(
        self,
        lamda1: float = 0.01,
        learning_rate: float = 0.1,
        beta: float = 1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context, stype=weight.stype),  # z
            nd.zeros(weight.shape, weight.context, stype=weight.stype),  # n
        )

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        _check_arrays("Ftrl", [weight], [grad])
        self._update_count(index)
        wd = self._get_wd(index)
        lr = self._get_lr(index)
        kwargs = {
            "lamda1": self.lamda1,
            "beta": self.beta,
            "rescale_grad": self.rescale_grad,
        }
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        z, n = state
        if (
            grad.stype == "row_sparse"
            and weight.stype == "default"
            and row_sparse_weight(self.param_dict, index, weight)
        ):
            # A row_sparse Parameter as the kvstore holds it (dense): MXNet's
            # row_sparse update.
            ftrl_lazy(weight.to_torch(), grad._values, grad._aux[0], z.to_torch(),
                      n.to_torch(), lr, wd, lamda1=self.lamda1, beta=self.beta,
                      rescale_grad=self.rescale_grad,
                      clip_gradient=kwargs.get("clip_gradient", -1.0))  # fmt: skip
            return
        # All row_sparse (weight, grad, z, n): the lazy update inside
        # nd.ftrl_update; otherwise the dense update (MXNet's fallback).
        nd.ftrl_update(weight, grad, z, n, out=weight, lr=lr, wd=wd, **kwargs)
