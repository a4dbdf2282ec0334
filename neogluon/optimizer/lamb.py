"""LAMB (layer-wise adaptive moments), with MXNet 1.9.1's math."""

from __future__ import annotations

import numpy

from .. import ndarray as nd
from ..ndarray import NDArray
from .optimizer import Optimizer
from .optimizer import _aggregation_size
from .optimizer import register
from .sgd import _check_arrays

__all__ = ["LAMB"]


@register
class LAMB(Optimizer):
    """The LAMB optimizer (You et al., 2019).

    With ``t`` the parameter's update count and ``G = clip(rescale_grad*grad)``:
    ``m``, ``v`` as in Adam; ``u = m_hat/(sqrt(v_hat) + epsilon) + wd*w`` (no
    bias correction when ``bias_correction=False``); ``r1 = norm(w)`` clamped to
    ``[lower_bound, upper_bound]`` (each only when truthy), ``r2 = norm(u)``;
    ``w -= lr * (r1/r2 if r1 and r2 are non-zero else 1) * u``
    (:func:`mx.nd.lamb_update_phase1` / :func:`mx.nd.lamb_update_phase2`).

    Parameters
    ----------
    learning_rate : float, default 0.001
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    epsilon : float, default 1e-6
    lower_bound : float, optional
    upper_bound : float, optional
    bias_correction : bool, default True

    Notes
    -----
    With ``multi_precision=True`` the float32 master copy is updated on every
    path. (MXNet 1.9.1's single-index ``update_multi_precision`` never writes
    it back, so its weights do not accumulate updates; its Trainer path, which
    neogluon matches, does.)
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-6,
        lower_bound: float | None = None,
        upper_bound: float | None = None,
        bias_correction: bool = True,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = max(1, min(45, _aggregation_size(45)))

    def create_state(self, index, weight: NDArray):
        return (
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # mean
            nd.zeros(weight.shape, weight.context, dtype=weight.dtype),  # var
        )

    def _one(self, index, weight, grad, state, multi_precision: bool) -> None:
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
            "bias_correction": self.bias_correction,
            "rescale_grad": self.rescale_grad,
            "t": self._index_update_count[index],
        }
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        bounds = {}
        if self.lower_bound:
            bounds["lower_bound"] = self.lower_bound
        if self.upper_bound:
            bounds["upper_bound"] = self.upper_bound
        if multi_precision:
            weight32 = state[0]
            mean, var = state[1]
            g = nd.mp_lamb_update_phase1(
                weight, grad, mean, var, weight32, wd=wd, **kwargs
            )
            # MXNet's multi_mp_lamb_update takes r1 from the float16 weight,
            # squaring in float16 and summing in float32.
            r_1 = nd.sqrt((weight * weight).astype("float32").sum())
            r_2 = g.norm()
            nd.lamb_update_phase2(weight32, g, r_1, r_2, lr=lr, out=weight32, **bounds)
            weight[:] = weight32.astype(weight.dtype)
        else:
            mean, var = state
            g = nd.lamb_update_phase1(weight, grad, mean, var, wd=wd, **kwargs)
            r_1 = weight.norm()
            r_2 = g.norm()
            nd.lamb_update_phase2(weight, g, r_1, r_2, lr=lr, out=weight, **bounds)

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        if not isinstance(index, (tuple, list)):
            index, weight, grad, state = [index], [weight], [grad], [state]
        _check_arrays("LAMB", weight, grad)
        # MXNet's aggregated multi_lamb_update applies the same math per tensor.
        for i, w, g, s in zip(index, weight, grad, state, strict=True):
            self._one(i, w, g, s, multi_precision)

    def update(self, index, weight, grad, state) -> None:
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state) -> None:
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        use_mp = self.multi_precision and first.dtype == numpy.float16
        self._update_impl(index, weight, grad, state, multi_precision=use_mp)
