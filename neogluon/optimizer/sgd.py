"""SGD (with momentum) and Nesterov momentum (NAG), with MXNet 1.9.1's math.

SGD updates every weight of a step in one multi-tensor call
(:func:`neogluon.ops.optimizer_updates.sgd_foreach`) when weights and gradients
are dense; MXNet aggregates four weights per ``multi_sgd_*`` call with the same
math.
"""

from __future__ import annotations

import numpy

from .. import ndarray as nd
from ..ndarray import NDArray
from ..ops.optimizer_updates import nag_mom_inplace
from ..ops.optimizer_updates import sgd_foreach
from ..ops.sparse_updates import nag_mom_copies
from ..ops.sparse_updates import row_sparse_weight
from ..ops.sparse_updates import sgd_lazy
from .optimizer import Optimizer
from .optimizer import _aggregation_size
from .optimizer import _update_dense_copies
from .optimizer import register

__all__ = ["SGD", "NAG", "ccSGD"]


def _as_lists(indices, weights, grads, states):
    if not isinstance(indices, (tuple, list)):
        return [indices], [weights], [grads], [states]
    return list(indices), list(weights), list(grads), list(states)


def _check_arrays(name: str, weights, grads) -> None:
    for w, g in zip(weights, grads, strict=True):
        if not isinstance(w, NDArray) or not isinstance(g, NDArray):
            raise TypeError(
                f"{name}.update expects NDArray weights and gradients, got "
                f"{type(w).__name__} and {type(g).__name__}."
            )


def _momentum_state(momentum: float, weight: NDArray) -> NDArray | None:
    """The SGD family's state: zeros like ``weight``, or None without momentum."""
    if momentum != 0.0:
        return nd.zeros(weight.shape, weight.context, dtype=weight.dtype)
    return None


@register
class SGD(Optimizer):
    """Stochastic gradient descent with momentum and weight decay.

    Without momentum ``w = (1 - lr*wd)*w - lr*clip(rescale_grad*grad)``; with
    momentum ``m = momentum*m - lr*wd*w - lr*clip(rescale_grad*grad); w += m``
    (weight decay is outside the clip, as in MXNet).

    Parameters
    ----------
    momentum : float, default 0.0
        Momentum; a momentum state is kept only when it is non-zero.
    lazy_update : bool, default True
        With a row_sparse gradient, update only the rows it stores (their
        weight decay and momentum included), as MXNet does; False updates
        every row with the densified gradient.
    **kwargs
        See :class:`Optimizer` (``learning_rate``, ``wd``, ``clip_gradient``, ...).

    Examples
    --------
    >>> import neogluon as mx
    >>> opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    >>> w, g = mx.nd.ones((2,)), mx.nd.ones((2,))
    >>> opt.update(0, w, g, opt.create_state(0, w)); w.asnumpy()
    array([0.9, 0.9], dtype=float32)
    """

    def __init__(self, momentum: float = 0.0, lazy_update: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        # MXNet groups 4 weights per aggregated call; one fused call for all
        # weights gives identical numbers and is faster.
        self.aggregate_num = _aggregation_size(1 << 16)

    # Multi-precision state is (momentum, float32 master copy), as in MXNet.
    _master_copy_first = False
    _fp16_warning_name = "SGD"

    def create_state(self, index, weight: NDArray):
        """Momentum (None without momentum)."""
        return _momentum_state(self.momentum, weight)

    def _kwargs(self) -> dict:
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        return kwargs

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        _check_arrays("SGD", weights, grads)
        if any(w.stype != "default" for w in weights):
            _update_dense_copies(
                lambda *a: self._update_impl(*a, multi_precision=multi_precision),
                indices, weights, grads, states,
            )  # fmt: skip
            return
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        kwargs = self._kwargs()
        if not multi_precision and self.lazy_update:
            # Row-sparse gradients: MXNet's lazy update of the stored rows only.
            lazy = [i for i, g in enumerate(grads) if g.stype == "row_sparse"]
            for i in lazy:
                g = grads[i]
                sgd_lazy(
                    weights[i].to_torch(),
                    g._values,
                    g._aux[0],
                    states[i].to_torch() if self.momentum > 0 else None,
                    lrs[i],
                    wds[i],
                    momentum=self.momentum,
                    rescale_grad=self.rescale_grad,
                    clip_gradient=kwargs.get("clip_gradient", -1.0),
                )
            if lazy:
                keep = [i for i in range(len(grads)) if i not in set(lazy)]
                weights, grads, states, lrs, wds = (
                    [seq[i] for i in keep] for seq in (weights, grads, states, lrs, wds)
                )
        if not multi_precision:
            use_mom = self.momentum > 0
            moms = None
            if use_mom:
                moms = [s.to_torch() for s in states]
            sgd_foreach(
                [w.to_torch() for w in weights],
                [g.to_torch() for g in grads],
                moms,
                lrs,
                wds,
                momentum=kwargs.get("momentum", 0.0),
                rescale_grad=self.rescale_grad,
                clip_gradient=kwargs.get("clip_gradient", -1.0),
            )
            return
        for weight, grad, state, lr, wd in zip(
            weights, grads, states, lrs, wds, strict=True
        ):
            if state[0] is not None:
                nd.mp_sgd_mom_update(
                    weight, grad, state[0], state[1], out=weight, lr=lr, wd=wd, **kwargs
                )
            else:
                nd.mp_sgd_update(
                    weight, grad, state[1], out=weight, lr=lr, wd=wd, **kwargs
                )

    def update(self, index, weight, grad, state) -> None:
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state) -> None:
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        use_mp = self.multi_precision and first.dtype == numpy.float16
        self._update_impl(index, weight, grad, state, multi_precision=use_mp)


@register
class ccSGD(SGD):  # noqa: N801 - MXNet's name
    """[DEPRECATED] Same as :class:`SGD` (MXNet's constructor takes ``*args``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient.

    ``G = clip(rescale_grad*grad) + wd*w; m = momentum*m - lr*G;
    w = w + momentum*m - lr*G``; without momentum it is plain SGD.

    Parameters
    ----------
    momentum : float, default 0.0
        Momentum.
    """

    def __init__(self, momentum: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    # Multi-precision state is (momentum, float32 master copy), as in MXNet.
    _master_copy_first = False
    _fp16_warning_name = "NAG"

    def create_state(self, index, weight: NDArray):
        """Momentum (None without momentum)."""
        return _momentum_state(self.momentum, weight)

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        _check_arrays("NAG", [weight], [grad])
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        if not multi_precision:
            if state is not None and (
                grad.stype == "row_sparse"
                and row_sparse_weight(self.param_dict, index, weight)
            ):
                # MXNet's storage fallback for a row_sparse weight runs on
                # copies (no in-place aliasing).
                w = weight.to_torch()
                nag_mom_copies(w, grad.to_torch(), state.to_torch(), lr, wd,
                               momentum=self.momentum, rescale_grad=self.rescale_grad,
                               clip_gradient=kwargs.get("clip_gradient", -1.0))  # fmt: skip
                if weight.stype != "default":  # to_torch() was a dense copy
                    nd.from_torch(w).copyto(weight)
            elif state is not None:
                # Same numbers as MXNet's nag_mom_update(..., out=weight).
                nag_mom_inplace(
                    weight.to_torch(),
                    grad.to_torch(),
                    state.to_torch(),
                    lr=lr,
                    momentum=kwargs.get("momentum", 0.0),
                    wd=wd,
                    rescale_grad=self.rescale_grad,
                    clip_gradient=kwargs.get("clip_gradient", -1.0),
                )
            else:
                kwargs.pop("momentum", None)
                nd.sgd_update(weight, grad, out=weight, lr=lr, wd=wd, **kwargs)
        elif state[0] is not None:
            nd.mp_nag_mom_update(
                weight, grad, state[0], state[1], out=weight, lr=lr, wd=wd, **kwargs
            )
        else:
            kwargs.pop("momentum", None)
            nd.mp_sgd_update(weight, grad, state[1], out=weight, lr=lr, wd=wd, **kwargs)

    def update(self, index, weight, grad, state) -> None:
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state) -> None:
        use_mp = (
            self.multi_precision
            and weight.dtype == numpy.float16
            and isinstance(state, (tuple, list))
        )
        self._update_impl(index, weight, grad, state, multi_precision=use_mp)
