"""Adam, with MXNet 1.9.1's math (L2 weight decay inside the clip)."""

from __future__ import annotations

import math

from .. import ndarray as nd
from ..ndarray import NDArray
from ..ops.optimizer_updates import adam_foreach
from ..ops.sparse_updates import adam_lazy
from .optimizer import Optimizer
from .optimizer import _aggregation_size
from .optimizer import _update_dense_copies
from .optimizer import register

__all__ = ["Adam"]


@register
class Adam(Optimizer):
    """The Adam optimizer.

    With ``t`` the parameter's update count and ``g = rescale_grad*grad``:
    ``G = clip(g + wd*w); m = b1*m + (1-b1)*G; v = b2*v + (1-b2)*G^2;
    w -= lr*sqrt(1-b2^t)/(1-b1^t) * m/(sqrt(v) + eps)``.

    Parameters
    ----------
    learning_rate : float, default 0.001
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    epsilon : float, default 1e-8
    lazy_update : bool, default True
        Accepted for API parity (gradients are dense).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        lazy_update: bool = True,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update
        # MXNet updates Adam one weight at a time; grouping gives the same numbers.
        self.aggregate_num = _aggregation_size(1 << 16)

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),
        )

    def update(self, index, weight, grad, state) -> None:
        if not isinstance(index, (tuple, list)):
            index, weight, grad, state = [index], [weight], [grad], [state]
        for w, g in zip(weight, grad, strict=True):
            if not isinstance(w, NDArray) or not isinstance(g, NDArray):
                raise TypeError(
                    "Adam.update expects NDArray weights and gradients, got "
                    f"{type(w).__name__} and {type(g).__name__}."
                )
        if any(w.stype != "default" for w in weight):
            _update_dense_copies(self.update, index, weight, grad, state)
            return
        self._update_count(index)
        lrs = self._get_lrs(index)
        wds = self._get_wds(index)
        for i, idx in enumerate(index):
            t = self._index_update_count[idx]
            coef1 = 1.0 - self.beta1**t
            coef2 = 1.0 - self.beta2**t
            lrs[i] *= math.sqrt(coef2) / coef1
        if self.lazy_update:
            lazy = [i for i, g in enumerate(grad) if g.stype == "row_sparse"]
            for i in lazy:
                g = grad[i]
                adam_lazy(
                    weight[i].to_torch(),
                    g._values,
                    g._aux[0],
                    state[i][0].to_torch(),
                    state[i][1].to_torch(),
                    lrs[i],
                    wds[i],
                    beta1=self.beta1,
                    beta2=self.beta2,
                    epsilon=self.epsilon,
                    rescale_grad=self.rescale_grad,
                    clip_gradient=self.clip_gradient if self.clip_gradient else -1.0,
                )
            if lazy:
                keep = [i for i in range(len(grad)) if i not in set(lazy)]
                weight, grad, state, lrs, wds = (
                    [seq[i] for i in keep] for seq in (weight, grad, state, lrs, wds)
                )
        adam_foreach(
            [w.to_torch() for w in weight],
            [g.to_torch() for g in grad],
            [s[0].to_torch() for s in state],
            [s[1].to_torch() for s in state],
            lrs,
            wds,
            beta1=self.beta1,
            beta2=self.beta2,
            epsilon=self.epsilon,
            rescale_grad=self.rescale_grad,
            clip_gradient=self.clip_gradient if self.clip_gradient else -1.0,
        )

    def update_multi_precision(self, index, weight, grad, state) -> None:
        if not isinstance(index, (tuple, list)):
            super().update_multi_precision(index, weight, grad, state)
            return
        for i, w, g, s in zip(index, weight, grad, state, strict=True):
            super().update_multi_precision(i, w, g, s)
