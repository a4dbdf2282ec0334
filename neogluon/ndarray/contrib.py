"""``mx.nd.contrib``: Python-level helpers over the ``_contrib_*`` operators.

The generated operator functions are added to this module by ``nd``'s
populate step (without replacing what is defined here).
"""

from __future__ import annotations

from .ndarray import NDArray
from .ndarray import full

__all__ = ["adamw_update", "mp_adamw_update"]


def _rescale_array(rescale_grad, weight: NDArray) -> NDArray:
    # MXNet's wrapper accepts a Python number and makes it a (1,) array on the
    # weight's context (the op reads it as an input so it can be a traced value).
    if isinstance(rescale_grad, NDArray):
        return rescale_grad.as_in_context(weight.context)
    return full((1,), rescale_grad, ctx=weight.context)


def adamw_update(
    weight,
    grad,
    mean,
    var,
    rescale_grad,
    lr,
    eta,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    wd=0,
    clip_gradient=-1,
    out=None,
    name=None,
    **kwargs,
):
    """AdamW update (decoupled weight decay); ``rescale_grad`` may be a number."""
    from . import _internal

    return _internal._adamw_update(
        weight,
        grad,
        mean,
        var,
        _rescale_array(rescale_grad, weight),
        lr=lr,
        eta=eta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        wd=wd,
        clip_gradient=clip_gradient,
        out=out,
        **kwargs,
    )


def mp_adamw_update(
    weight,
    grad,
    mean,
    var,
    weight32,
    rescale_grad,
    lr,
    eta,
    beta1=0.9,
    beta2=0.999,
    epsilon=1e-8,
    wd=0,
    clip_gradient=-1,
    out=None,
    name=None,
    **kwargs,
):
    """Multi-precision AdamW update; ``rescale_grad`` may be a number."""
    from . import _internal

    return _internal._mp_adamw_update(
        weight,
        grad,
        mean,
        var,
        weight32,
        _rescale_array(rescale_grad, weight),
        lr=lr,
        eta=eta,
        beta1=beta1,
        beta2=beta2,
        epsilon=epsilon,
        wd=wd,
        clip_gradient=clip_gradient,
        out=out,
        **kwargs,
    )
