"""MXNet 1.9.1's ``LBSGD`` (large-batch SGD with warm-up / LARS) and ``Test``."""

from __future__ import annotations

import logging
import math
import warnings

import numpy

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import register

__all__ = ["LBSGD", "Test"]

_log = logging.getLogger(__name__)


@register
class LBSGD(Optimizer):
    """Large-batch SGD: gradient accumulation, learning-rate warm-up or LARS.

    Gradients of ``batch_scale`` consecutive updates of a weight are summed;
    every ``batch_scale``-th update applies SGD (momentum, weight decay, clip as
    :class:`SGD`) with their mean and the learning rate scaled by a warm-up
    factor, the other updates leave the weight unchanged. The factor ramps from
    1 to ``batch_scale`` over ``warmup_epochs * updates_per_epoch`` updates by
    ``warmup_strategy`` ``'linear'``, ``'power2'`` or ``'sqrt'`` (any other
    name: 1), or is the layer's LARS ratio ``sqrt(|w|^2 / (|g|^2 + wd*|w|^2))``
    clipped to [0.01, 100] for ``'lars'``.

    Parameters
    ----------
    momentum : float, default 0.0
    multi_precision : bool, default False
    warmup_strategy : str, default 'linear'
    warmup_epochs : int, default 5
    batch_scale : int, default 1
        Number of updates accumulated per applied step.
    updates_per_epoch : int, default 32
    begin_epoch : int, default 0
        The update count starts at ``begin_epoch * updates_per_epoch``.
    num_epochs : int, default 60
        Stored, as in MXNet (unused by the update).
    """

    def __init__(
        self,
        momentum: float = 0.0,
        multi_precision: bool = False,
        warmup_strategy: str = "linear",
        warmup_epochs: int = 5,
        batch_scale: int = 1,
        updates_per_epoch: int = 32,
        begin_epoch: int = 0,
        num_epochs: int = 60,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        _log.info(
            "Running Large-Batch SGD Algorithm (batch_scale=%s, warmup_epochs=%s, "
            "warmup_strategy=%s, updates_per_epoch=%s)",
            batch_scale,
            warmup_epochs,
            warmup_strategy,
            updates_per_epoch,
        )
        self.momentum = momentum
        self.multi_precision = multi_precision
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs
        self.lbmult = 1
        self.cumgrads: dict = {}
        self.adaptive = False
        self.admult = 1

    def create_state(self, index, weight: NDArray):
        """Momentum (None without momentum); ``(momentum, float32 master copy)``
        for a float16 weight with ``multi_precision``."""
        if self.multi_precision and weight.dtype == numpy.float16:
            master = weight.astype(numpy.float32)
            mom = nd.zeros(weight.shape, weight.context, dtype=numpy.float32)
            return (mom if self.momentum != 0.0 else None, master)
        if weight.dtype == numpy.float16 and not self.multi_precision:
            warnings.warn(
                "Accumulating with float16 in optimizer can lead to poor accuracy or "
                "slow convergence. Consider using multi_precision=True option of the "
                "SGD optimizer",
                stacklevel=2,
            )
        if self.momentum != 0.0:
            return nd.zeros(weight.shape, weight.context, dtype=weight.dtype)
        return None

    def _get_lbmult(self, nup: int) -> float:
        """The warm-up factor after ``nup`` accumulated updates."""
        nwup = self.warmup_epochs * self.updates_per_epoch
        maxmult = float(self.batch_scale)
        if nup >= nwup:
            return maxmult
        if nwup <= 1:
            return 1.0
        frac = nup / nwup
        if self.warmup_strategy == "linear":
            return 1.0 + (maxmult - 1) * frac
        if self.warmup_strategy == "power2":
            return 1.0 + (maxmult - 1) * frac * frac
        if self.warmup_strategy == "sqrt":
            return 1.0 + (maxmult - 1) * math.sqrt(frac)
        return 1.0

    def _l2norm(self, v: NDArray) -> float:
        """Squared L2 norm (MXNet's name)."""
        return float((v * v).asnumpy().sum())

    def _get_lars(self, weight: NDArray, g: NDArray, wd: float) -> float:
        w2 = self._l2norm(weight)
        g2 = self._l2norm(g)
        return min(max(math.sqrt(w2 / (g2 + wd * w2 + 1e-18)), 0.01), 100.0)

    def _reset_cum_gradient(self, index) -> None:
        self.cumgrads[index]["cum_grad"] = 0

    def _get_cum_gradient(self, index) -> dict:
        return self.cumgrads.get(index, {})

    def _put_cum_gradient(self, index, cgrad: dict) -> None:
        self.cumgrads[index] = cgrad

    def _cumulate_gradient(self, grad: NDArray, index) -> dict:
        cgrad = self._get_cum_gradient(index)
        if cgrad and cgrad["num_cums"] > 0:
            cum_grad = cgrad["cum_grad"] + grad
            num_cums = cgrad["num_cums"] + 1
        else:
            cum_grad = grad
            num_cums = self.init_updates + 1
        cgrad = {"cum_grad": cum_grad, "num_cums": num_cums}
        self._put_cum_gradient(index, cgrad)
        return cgrad

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        if not isinstance(weight, NDArray) or not isinstance(grad, NDArray):
            raise TypeError(
                "LBSGD.update expects NDArray weight and grad, got "
                f"{type(weight).__name__} and {type(grad).__name__}"
            )
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        self._update_count(index)
        cgrad = self._cumulate_gradient(grad, index)
        if cgrad["num_cums"] % self.batch_scale != 0:
            return  # accumulating: MXNet runs sgd_update with lr=0, a no-op
        grad = cgrad["cum_grad"] / self.batch_scale
        if self.warmup_strategy == "lars":
            lr *= self._get_lars(weight, grad, wd)
        else:
            lr *= self._get_lbmult(cgrad["num_cums"])
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        if isinstance(state, (list, tuple)):
            mom, master = state
            if mom is not None:
                nd.mp_sgd_mom_update(
                    weight, grad, mom, master, out=weight, lr=lr, wd=wd, **kwargs
                )
            else:
                nd.mp_sgd_update(
                    weight, grad, master, out=weight, lr=lr, wd=wd, **kwargs
                )
        elif state is not None:
            nd.sgd_mom_update(weight, grad, state, out=weight, lr=lr, wd=wd, **kwargs)
        else:
            nd.sgd_update(weight, grad, out=weight, lr=lr, wd=wd, **kwargs)
        self._reset_cum_gradient(index)


@register
class Test(Optimizer):
    """MXNet's test optimizer: ``w += rescale_grad * grad``; the state mirrors
    the weight after each update."""

    def create_state(self, index, weight: NDArray) -> NDArray:
        return nd.zeros(weight.shape, weight.context)

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        weight[:] += grad * self.rescale_grad
        state[:] = weight
