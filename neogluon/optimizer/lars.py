"""LARS (layer-wise adaptive rate scaling on top of SGD), MXNet 1.9.1 math."""

from __future__ import annotations

import numpy

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import _aggregation_size
from .optimizer import register
from .sgd import _check_arrays
from .sgd import _momentum_state

__all__ = ["LARS"]

_NO_LARS_SUFFIXES = ("gamma", "beta", "bias")


@register
class LARS(Optimizer):
    """The LARS optimizer (You et al., "Large Batch Training of Convolutional
    Networks"): SGD (with momentum) whose learning rate is scaled per layer.

    ``lr_layer = lr * eta * |w| / (|rescale_grad*g| + wd*|w| + eps)`` when both
    norms are positive, else ``lr``; parameters whose name (``param_idx2name``)
    ends in ``gamma``/``beta``/``bias`` keep ``lr`` (Gluon passes no names, so
    every parameter is scaled). The update is then MXNet's SGD
    (:func:`mx.nd.preloaded_multi_sgd_update` and friends).

    Parameters
    ----------
    momentum : float, default 0.0
    lazy_update : bool, default True
        Accepted for API parity (gradients are dense).
    eta : float, default 0.001
        LARS coefficient.
    eps : float, default 0
        Added to the denominator.
    momentum_correction : bool, default True
        Scale the momentum by ``lr / previous lr`` when the learning rate changes.
    """

    def __init__(
        self,
        momentum: float = 0.0,
        lazy_update: bool = True,
        eta: float = 0.001,
        eps: float = 0,
        momentum_correction: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.aggregate_num = _aggregation_size(4)
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _get_lrs(self, indices) -> list[float]:
        if self.cur_lr is not None:
            self.last_lr = self.cur_lr
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler else self.lr
        if self.cur_lr is None:
            self.last_lr = lr
        self.cur_lr = lr
        return super()._get_lrs(indices)

    def set_wd_mult(self, args_wd_mult: dict) -> None:
        """Like :meth:`Optimizer.set_wd_mult`, but only ``*_weight`` decays."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not n.endswith("_weight"):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])
        self.wd_mult.update(args_wd_mult)

    # Multi-precision state is (momentum, float32 master copy), as in MXNet.
    _master_copy_first = False
    _fp16_warning_name = "SGD"

    def create_state(self, index, weight: NDArray):
        """Momentum (None without momentum)."""
        return _momentum_state(self.momentum, weight)

    def _name(self, index) -> str:
        return self.idx2name[index] if index in self.idx2name else str(index)

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        single = not isinstance(indices, (tuple, list))
        if single:
            indices, weights, grads, states = [indices], [weights], [grads], [states]
        _check_arrays("LARS", weights, grads)
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            correct = self.momentum_correction and self.last_lr != 0
            kwargs["momentum"] = (
                self.momentum * (self.cur_lr / self.last_lr)
                if correct
                else self.momentum
            )
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        ctx = weights[0].context
        lars_pos = [
            i
            for i, idx in enumerate(indices)
            if not self._name(idx).endswith(_NO_LARS_SUFFIXES)
        ]
        if lars_pos:
            n = len(lars_pos)
            w_sum_sq = nd.multi_sum_sq(*[weights[i] for i in lars_pos], num_arrays=n)
            g_sum_sq = nd.multi_sum_sq(*[grads[i] for i in lars_pos], num_arrays=n)
            scaled = nd.multi_lars(
                nd.array([lrs[i] for i in lars_pos], ctx=ctx, dtype="float32"),
                w_sum_sq,
                g_sum_sq,
                nd.array([wds[i] for i in lars_pos], ctx=ctx, dtype="float32"),
                eta=self.eta,
                eps=self.eps,
                rescale_grad=self.rescale_grad,
            ).asnumpy()
            for k, i in enumerate(lars_pos):
                lrs[i] = float(scaled[k])
        new_lrs = nd.array(lrs, ctx=ctx, dtype="float32")
        new_wds = nd.array(wds, ctx=ctx, dtype="float32")
        size = max(1, self.aggregate_num)
        for s in range(0, len(indices), size):
            e = min(s + size, len(indices))
            self._sgd(
                weights[s:e],
                grads[s:e],
                states[s:e],
                new_lrs[s:e],
                new_wds[s:e],
                multi_precision,
                kwargs,
            )

    @staticmethod
    def _sgd(weights, grads, states, lrs, wds, multi_precision, kwargs) -> None:
        num = len(weights)
        momentum = "momentum" in kwargs
        data: list = []
        for k in range(num):
            data += [weights[k], grads[k]]
            if multi_precision:
                mom, weight32 = states[k]
                data += [mom, weight32] if momentum else [weight32]
            elif momentum:
                data.append(states[k])
        if multi_precision:
            op = (
                nd.preloaded_multi_mp_sgd_mom_update
                if momentum
                else nd.preloaded_multi_mp_sgd_update
            )
        else:
            op = (
                nd.preloaded_multi_sgd_mom_update
                if momentum
                else nd.preloaded_multi_sgd_update
            )
        op(*data, lrs, wds, out=list(weights), num_weights=num, **kwargs)

    def update(self, index, weight, grad, state) -> None:
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state) -> None:
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        use_mp = self.multi_precision and first.dtype == numpy.float16
        self._update_impl(index, weight, grad, state, multi_precision=use_mp)
