"""Operator family: optimizer updates (``sgd_update``, ``adam_update``, ...).

Each MXNet update operator is registered with MXNet's name, inputs and
attributes. The kernels return the new weight (the frontends write it into
``out=``, normally the weight itself) and update the optimizer states
(momentum, mean, variance, float32 master weights) **in place**, as MXNet does.

Besides the per-tensor operators, :func:`sgd_foreach` is the multi-tensor path
(``torch._foreach_*``) that ``optimizer.SGD`` uses to update every parameter of
a step in a few fused calls; ``multi_sgd_*`` operators share it.

Math (``g = rescale_grad * grad``, ``clip`` only when ``clip_gradient >= 0``):

* sgd: ``w = (1 - lr*wd)*w - lr*clip(g)`` (weight decay outside the clip);
* sgd with momentum: ``m = momentum*m - lr*wd*w - lr*clip(g); w = w + m``;
* nag: ``G = clip(g) + wd*w; m = momentum*m - lr*G; w = w + momentum*m - lr*G``;
* adam: ``G = clip(g + wd*w); mean = b1*mean + (1-b1)*G;
  var = b2*var + (1-b2)*G^2; w = w - lr*mean/(sqrt(var) + eps)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .registry import OpDef
from .registry import P
from .registry import register

__all__ = ["sgd_foreach", "adam_foreach", "nag_mom_inplace"]


def _clip(g: torch.Tensor, clip_gradient: float) -> torch.Tensor:
    if clip_gradient >= 0:
        return g.clamp(-clip_gradient, clip_gradient)
    return g


def _scaled_grad(grad: torch.Tensor, lr: float, rescale_grad: float, clip: float):
    """``lr * clip(rescale_grad * grad)`` with MXNet's operation order."""
    if clip >= 0:
        return lr * _clip(rescale_grad * grad, clip)
    return (lr * rescale_grad) * grad


# --------------------------------------------------------------------------- sgd
def _sgd_kernel(weight, grad, *, lr, wd, rescale_grad, clip_gradient, lazy_update):
    return (1.0 - lr * wd) * weight - _scaled_grad(
        grad, lr, rescale_grad, clip_gradient
    )


def _sgd_mom_kernel(
    weight, grad, mom, *, lr, momentum, wd, rescale_grad, clip_gradient, lazy_update
):
    new_mom = (
        momentum * mom
        - (lr * wd) * weight
        - _scaled_grad(grad, lr, rescale_grad, clip_gradient)
    )
    mom.copy_(new_mom)
    return weight + mom


def _mp_sgd_kernel(
    weight, grad, weight32, *, lr, wd, rescale_grad, clip_gradient, lazy_update
):
    new32 = _sgd_kernel(
        weight32,
        grad.float(),
        lr=lr,
        wd=wd,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
        lazy_update=lazy_update,
    )
    weight32.copy_(new32)
    return weight32.to(weight.dtype)


def _mp_sgd_mom_kernel(
    weight,
    grad,
    mom,
    weight32,
    *,
    lr,
    momentum,
    wd,
    rescale_grad,
    clip_gradient,
    lazy_update,
):
    new32 = _sgd_mom_kernel(
        weight32,
        grad.float(),
        mom,
        lr=lr,
        momentum=momentum,
        wd=wd,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
        lazy_update=lazy_update,
    )
    weight32.copy_(new32)
    return weight32.to(weight.dtype)


def _nag_mom_kernel(
    weight, grad, mom, *, lr, momentum, wd, rescale_grad, clip_gradient
):
    big_g = _clip(rescale_grad * grad, clip_gradient) + wd * weight
    mom.copy_(momentum * mom - lr * big_g)
    return weight + momentum * mom - lr * big_g


def _mp_nag_mom_kernel(
    weight, grad, mom, weight32, *, lr, momentum, wd, rescale_grad, clip_gradient
):
    new32 = _nag_mom_kernel(
        weight32,
        grad.float(),
        mom,
        lr=lr,
        momentum=momentum,
        wd=wd,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
    )
    weight32.copy_(new32)
    return weight32.to(weight.dtype)


def _adam_kernel(
    weight,
    grad,
    mean,
    var,
    *,
    lr,
    beta1,
    beta2,
    epsilon,
    wd,
    rescale_grad,
    clip_gradient,
    lazy_update,
):
    g = _clip(rescale_grad * grad + wd * weight, clip_gradient)
    mean.mul_(beta1).add_((1.0 - beta1) * g)
    var.mul_(beta2).add_((1.0 - beta2) * g * g)
    return weight - lr * mean / (var.sqrt() + epsilon)


_COMMON = (
    P("wd", "float", 0.0, "Weight decay (L2 penalty) coefficient."),
    P("rescale_grad", "float", 1.0, "Gradients are multiplied by this first."),
    P("clip_gradient", "float", -1.0, "Clip to [-c, c] when c >= 0."),
)
_LAZY = P("lazy_update", "bool", True, "Accepted for row_sparse API parity.")
_LR = P("lr", "float", doc="Learning rate.")
_MOM = P("momentum", "float", 0.0, "Momentum.")


def _same_type(in_types, attrs):
    known = next((t for t in in_types if t is not None), None)
    return [known if t is None else t for t in in_types], [known]


def _mp_type(in_types, attrs):
    return in_types, [in_types[0]]


def _elementwise_shape(in_shapes, attrs):
    known = next((s for s in in_shapes if s is not None), None)
    return [known if s is None else s for s in in_shapes], [known]


def _reg(name, kernel, inputs, params, doc, mp=False):
    register(
        OpDef(
            name,
            kernel,
            inputs=inputs,
            params=params,
            infer_shape=_elementwise_shape,
            infer_type=_mp_type if mp else _same_type,
            same_dtype=not mp,
            doc=doc,
        )
    )


_reg(
    "sgd_update",
    _sgd_kernel,
    ("weight", "grad"),
    (_LR, *_COMMON, _LAZY),
    "SGD update: ``w = (1 - lr*wd)*w - lr*clip(rescale_grad*grad)``.",
)
_reg(
    "sgd_mom_update",
    _sgd_mom_kernel,
    ("weight", "grad", "mom"),
    (_LR, _MOM, *_COMMON, _LAZY),
    "SGD with momentum; ``mom`` is updated in place.",
)
_reg(
    "mp_sgd_update",
    _mp_sgd_kernel,
    ("weight", "grad", "weight32"),
    (_LR, *_COMMON, _LAZY),
    "Mixed precision SGD: updates the float32 ``weight32`` in place.",
    mp=True,
)
_reg(
    "mp_sgd_mom_update",
    _mp_sgd_mom_kernel,
    ("weight", "grad", "mom", "weight32"),
    (_LR, _MOM, *_COMMON, _LAZY),
    "Mixed precision SGD with momentum (``mom``, ``weight32`` in place).",
    mp=True,
)
_reg(
    "nag_mom_update",
    _nag_mom_kernel,
    ("weight", "grad", "mom"),
    (_LR, _MOM, *_COMMON),
    "Nesterov momentum update; ``mom`` is updated in place.",
)
_reg(
    "mp_nag_mom_update",
    _mp_nag_mom_kernel,
    ("weight", "grad", "mom", "weight32"),
    (_LR, _MOM, *_COMMON),
    "Mixed precision Nesterov momentum update.",
    mp=True,
)
_reg(
    "adam_update",
    _adam_kernel,
    ("weight", "grad", "mean", "var"),
    (
        _LR,
        P("beta1", "float", 0.9),
        P("beta2", "float", 0.999),
        P("epsilon", "float", 1e-8),
        *_COMMON,
        _LAZY,
    ),
    "Adam update (no bias correction; the optimizer folds it into ``lr``).",
)


# --------------------------------------------------------------------------- foreach
@torch.no_grad()
def nag_mom_inplace(
    weight: torch.Tensor,
    grad: torch.Tensor,
    mom: torch.Tensor,
    *,
    lr: float,
    momentum: float,
    wd: float,
    rescale_grad: float = 1.0,
    clip_gradient: float = -1.0,
) -> None:
    """``nag_mom_update(weight, grad, mom, out=weight)`` exactly as MXNet runs it.

    MXNet's kernel writes the new weight before it finishes the momentum, and
    with ``out=weight`` (how ``optimizer.NAG`` calls it) the momentum's weight
    decay term reads the *updated* weight: ``m = momentum*m - lr*(clip(g) +
    wd*w_new)``. The weight itself follows the documented formula.
    """
    g = _clip(rescale_grad * grad, clip_gradient)
    mom.mul_(momentum)
    big_g = g + wd * weight
    weight.add_(momentum * (mom - lr * big_g) - lr * big_g)
    mom.sub_(lr * (g + wd * weight))


def _scalars(v, n: int) -> list[float]:
    if isinstance(v, (int, float)):
        return [float(v)] * n
    return [float(x) for x in v]


@torch.no_grad()
def sgd_foreach(
    weights: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    moms: Sequence[torch.Tensor] | None,
    lrs: Sequence[float] | float,
    wds: Sequence[float] | float,
    *,
    momentum: float = 0.0,
    rescale_grad: float = 1.0,
    clip_gradient: float = -1.0,
) -> None:
    """Update every weight (and momentum) in place with ``torch._foreach_*``.

    Same math as ``sgd_update`` / ``sgd_mom_update`` applied to each tensor;
    ``moms=None`` means plain SGD. All lists have the same length.
    """
    weights = list(weights)
    n = len(weights)
    if n == 0:
        return
    grads = list(grads)
    lrs = _scalars(lrs, n)
    wds = _scalars(wds, n)
    if clip_gradient < 0 and len(set(lrs)) == 1 and len(set(wds)) == 1:
        # Shared lr/wd (the common case): scalar alphas, no temporaries.
        lr, wd = float(lrs[0]), float(wds[0])
        if moms is None:
            if wd:
                torch._foreach_mul_(weights, 1.0 - lr * wd)
            torch._foreach_add_(weights, grads, alpha=-lr * rescale_grad)
            return
        moms = list(moms)
        torch._foreach_mul_(moms, float(momentum))
        if wd:
            torch._foreach_add_(moms, weights, alpha=-lr * wd)
        torch._foreach_add_(moms, grads, alpha=-lr * rescale_grad)
        torch._foreach_add_(weights, moms)
        return
    if clip_gradient >= 0:
        step = torch._foreach_mul(grads, float(rescale_grad))
        torch._foreach_clamp_min_(step, -float(clip_gradient))
        torch._foreach_clamp_max_(step, float(clip_gradient))
        torch._foreach_mul_(step, lrs)
    else:
        step = torch._foreach_mul(grads, [lr * rescale_grad for lr in lrs])
    if moms is None:
        decay = [1.0 - lr * wd for lr, wd in zip(lrs, wds, strict=True)]
        if any(d != 1.0 for d in decay):
            torch._foreach_mul_(weights, decay)
        torch._foreach_sub_(weights, step)
        return
    moms = list(moms)
    torch._foreach_mul_(moms, float(momentum))
    lr_wd = [lr * wd for lr, wd in zip(lrs, wds, strict=True)]
    if any(x != 0.0 for x in lr_wd):
        torch._foreach_sub_(moms, torch._foreach_mul(weights, lr_wd))
    torch._foreach_sub_(moms, step)
    torch._foreach_add_(weights, moms)


@torch.no_grad()
def adam_foreach(
    weights: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    means: Sequence[torch.Tensor],
    variances: Sequence[torch.Tensor],
    lrs: Sequence[float] | float,
    wds: Sequence[float] | float,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    rescale_grad: float = 1.0,
    clip_gradient: float = -1.0,
) -> None:
    """Multi-tensor ``adam_update`` (``lrs`` already bias-corrected), in place."""
    weights = list(weights)
    n = len(weights)
    if n == 0:
        return
    lrs = _scalars(lrs, n)
    wds = _scalars(wds, n)
    g = torch._foreach_mul(list(grads), float(rescale_grad))
    if any(wd != 0.0 for wd in wds):
        torch._foreach_add_(g, torch._foreach_mul(weights, wds))
    if clip_gradient >= 0:
        torch._foreach_clamp_min_(g, -float(clip_gradient))
        torch._foreach_clamp_max_(g, float(clip_gradient))
    means = list(means)
    variances = list(variances)
    torch._foreach_mul_(means, beta1)
    torch._foreach_add_(means, g, alpha=1.0 - beta1)
    torch._foreach_mul_(variances, beta2)
    torch._foreach_add_(variances, torch._foreach_mul(g, g), alpha=1.0 - beta2)
    denom = torch._foreach_sqrt(variances)
    torch._foreach_add_(denom, epsilon)
    upd = torch._foreach_div(means, denom)
    torch._foreach_mul_(upd, lrs)
    torch._foreach_sub_(weights, upd)


# --------------------------------------------------------------------------- multi_*
def _split(tensors, per: int, num_weights: int, name: str):
    if len(tensors) != per * num_weights:
        raise ValueError(
            f"{name}: expected {per} inputs per weight for num_weights={num_weights} "
            f"({per * num_weights} arrays), got {len(tensors)}."
        )
    return [tensors[i::per] for i in range(per)]


def _multi_sgd_kernel(*tensors, lrs, wds, rescale_grad, clip_gradient, num_weights):
    weights, grads = _split(tensors, 2, num_weights, "multi_sgd_update")
    new = [w.clone() for w in weights]
    sgd_foreach(
        new,
        grads,
        None,
        lrs,
        wds,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
    )
    return tuple(new)


def _multi_sgd_mom_kernel(
    *tensors, lrs, wds, momentum, rescale_grad, clip_gradient, num_weights
):
    weights, grads, moms = _split(tensors, 3, num_weights, "multi_sgd_mom_update")
    new = [w.clone() for w in weights]
    sgd_foreach(
        new,
        grads,
        moms,
        lrs,
        wds,
        momentum=momentum,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
    )
    return tuple(new)


def _multi_mp_sgd_kernel(*tensors, lrs, wds, rescale_grad, clip_gradient, num_weights):
    weights, grads, w32 = _split(tensors, 3, num_weights, "multi_mp_sgd_update")
    sgd_foreach(
        w32,
        [g.float() for g in grads],
        None,
        lrs,
        wds,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
    )
    return tuple(m.to(w.dtype) for m, w in zip(w32, weights, strict=True))


def _multi_mp_sgd_mom_kernel(
    *tensors, lrs, wds, momentum, rescale_grad, clip_gradient, num_weights
):
    weights, grads, moms, w32 = _split(
        tensors, 4, num_weights, "multi_mp_sgd_mom_update"
    )
    sgd_foreach(
        w32,
        [g.float() for g in grads],
        moms,
        lrs,
        wds,
        momentum=momentum,
        rescale_grad=rescale_grad,
        clip_gradient=clip_gradient,
    )
    return tuple(m.to(w.dtype) for m, w in zip(w32, weights, strict=True))


def _multi_shape(per):
    def infer(in_shapes, attrs):
        n = attrs["num_weights"]
        outs = []
        for i in range(n):
            group = in_shapes[i * per : (i + 1) * per]
            known = next((s for s in group if s is not None), None)
            outs.append(known)
        return in_shapes, outs

    return infer


def _multi_type(per):
    def infer(in_types, attrs):
        return in_types, [in_types[i * per] for i in range(attrs["num_weights"])]

    return infer


_MULTI = (
    P("lrs", "floats", doc="Learning rates, one per weight."),
    P("wds", "floats", doc="Weight decays, one per weight."),
)
_MULTI_TAIL = (
    P("rescale_grad", "float", 1.0),
    P("clip_gradient", "float", -1.0),
    P("num_weights", "int", 1, "Number of weights updated."),
)

for _name, _kernel, _per, _mom, _doc in (
    ("multi_sgd_update", _multi_sgd_kernel, 2, False, "(weight, grad) pairs"),
    ("multi_sgd_mom_update", _multi_sgd_mom_kernel, 3, True, "(weight, grad, mom)"),
    ("multi_mp_sgd_update", _multi_mp_sgd_kernel, 3, False, "(weight, grad, w32)"),
    (
        "multi_mp_sgd_mom_update",
        _multi_mp_sgd_mom_kernel,
        4,
        True,
        "(weight, grad, mom, w32)",
    ),
):
    register(
        OpDef(
            _name,
            _kernel,
            inputs=("data",),
            params=(*_MULTI, *((_MOM,) if _mom else ()), *_MULTI_TAIL),
            variadic=True,
            num_outputs=lambda attrs: attrs["num_weights"],
            infer_shape=_multi_shape(_per),
            infer_type=_multi_type(_per),
            same_dtype=False,
            doc=f"Aggregated SGD over several weights; inputs are {_doc} in turn.",
        )
    )
