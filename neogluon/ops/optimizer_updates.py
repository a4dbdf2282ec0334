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


def _multi_precision(kernel, n_states: int):
    """The ``mp_*`` variant of an update kernel.

    Inputs are ``(weight, grad, *states, weight32)``: the update runs on the
    float32 master copy ``weight32`` (written in place) and the result is cast
    back to the weight's dtype, as MXNet's ``mp_*`` ops do.
    """

    def mp_kernel(weight, grad, *rest, **attrs):
        states, weight32 = rest[:n_states], rest[n_states]
        new32 = kernel(weight32, grad.float(), *states, **attrs)
        weight32.copy_(new32)
        return weight32.to(weight.dtype)

    mp_kernel.__name__ = f"_mp{kernel.__name__}"
    return mp_kernel


_mp_sgd_kernel = _multi_precision(_sgd_kernel, 0)
_mp_sgd_mom_kernel = _multi_precision(_sgd_mom_kernel, 1)


def _nag_mom_kernel(
    weight, grad, mom, *, lr, momentum, wd, rescale_grad, clip_gradient
):
    big_g = _clip(rescale_grad * grad, clip_gradient) + wd * weight
    mom.copy_(momentum * mom - lr * big_g)
    return weight + momentum * mom - lr * big_g


_mp_nag_mom_kernel = _multi_precision(_nag_mom_kernel, 1)


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
            cse=False,  # writes its state inputs in place
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
            cse=False,  # writes its inputs in place
            doc=f"Aggregated SGD over several weights; inputs are {_doc} in turn.",
        )
    )


# =========================================================================== others
# The update operators of RMSProp, Ftrl, FTML, Signum, LAMB, LARS and AdamW
# (MXNet 1.9.1 math; states are updated in place, the new weight is returned).
def _rmsprop_kernel(
    weight,
    grad,
    n,
    *,
    lr,
    gamma1,
    epsilon,
    wd,
    rescale_grad,
    clip_gradient,
    clip_weights,
):
    g = _clip(rescale_grad * grad + wd * weight, clip_gradient)
    n.copy_((1.0 - gamma1) * g * g + gamma1 * n)
    out = weight - lr * (g / torch.sqrt(n + epsilon))
    if clip_weights >= 0:
        out = out.clamp(-clip_weights, clip_weights)
    return out


def _rmspropalex_kernel(
    weight,
    grad,
    n,
    g_avg,
    delta,
    *,
    lr,
    gamma1,
    gamma2,
    epsilon,
    wd,
    rescale_grad,
    clip_gradient,
    clip_weights,
):
    g = _clip(rescale_grad * grad + wd * weight, clip_gradient)
    n.copy_((1.0 - gamma1) * g * g + gamma1 * n)
    g_avg.copy_((1.0 - gamma1) * g + gamma1 * g_avg)
    delta.copy_(gamma2 * delta - lr * (g / torch.sqrt(n - g_avg * g_avg + epsilon)))
    out = weight + delta
    if clip_weights >= 0:
        out = out.clamp(-clip_weights, clip_weights)
    return out


def _ftrl_kernel(
    weight, grad, z, n, *, lr, lamda1, beta, wd, rescale_grad, clip_gradient
):
    g = _clip(rescale_grad * grad, clip_gradient)
    z.add_(g - (torch.sqrt(n + g * g) - torch.sqrt(n)) * weight / lr)
    n.add_(g * g)
    out = (torch.sign(z) * lamda1 - z) / ((beta + torch.sqrt(n)) / lr + wd)
    return out * (z.abs() > lamda1).to(out.dtype)


def _ftml_kernel(
    weight, grad, d, v, z, *, lr, beta1, beta2, epsilon, t, wd, rescale_grad, clip_grad
):
    g = _clip(rescale_grad * grad + wd * weight, clip_grad)
    v.copy_(beta2 * v + (1.0 - beta2) * g * g)
    d_t = (1.0 - beta1**t) / lr * (torch.sqrt(v / (1.0 - beta2**t)) + epsilon)
    z.copy_(beta1 * z + (1.0 - beta1) * g - (d_t - beta1 * d) * weight)
    d.copy_(d_t)
    return -z / d_t


def _signsgd_kernel(weight, grad, *, lr, wd, rescale_grad, clip_gradient):
    # MXNet's kernel takes the sign of the raw gradient (rescale/clip unused).
    return (1.0 - lr * wd) * weight - lr * torch.sign(grad)


def _signum_kernel(
    weight, grad, mom, *, lr, momentum, wd, rescale_grad, clip_gradient, wd_lh
):
    g = _clip(rescale_grad * grad, clip_gradient)
    mom.copy_(momentum * mom - (1.0 - momentum) * (wd * weight + g))
    return (1.0 - lr * wd_lh) * weight + lr * torch.sign(mom)


def _lamb_direction(
    weight, grad, mean, var, beta1, beta2, epsilon, t, bias_correction, wd, scale, clip
):
    """LAMB phase 1: moments in place, returns ``m_hat/(sqrt(v_hat)+eps) + wd*w``."""
    g = _clip(scale * grad, clip)
    mean.copy_(beta1 * mean + (1.0 - beta1) * g)
    var.copy_(beta2 * var + (1.0 - beta2) * g * g)
    if bias_correction:
        m_hat = mean / (1.0 - beta1**t)
        v_hat = var / (1.0 - beta2**t)
        return m_hat / (torch.sqrt(v_hat) + epsilon) + wd * weight
    return mean / (torch.sqrt(var) + epsilon) + wd * weight


def _lamb_step(weight, g, r1, r2, lr, lower_bound, upper_bound):
    """LAMB phase 2: ``w - lr * (r1/r2 or 1) * g`` with ``r1`` clamped to bounds."""
    if lower_bound >= 0:
        r1 = torch.clamp(r1, min=lower_bound)
    if upper_bound >= 0:
        r1 = torch.clamp(r1, max=upper_bound)
    ratio = torch.where((r1 == 0) | (r2 == 0), torch.ones_like(r1), r1 / r2)
    return weight - lr * ratio * g


def _lamb_phase1_kernel(
    weight,
    grad,
    mean,
    var,
    *,
    beta1,
    beta2,
    epsilon,
    t,
    bias_correction,
    wd,
    rescale_grad,
    clip_gradient,
):
    return _lamb_direction(
        weight,
        grad,
        mean,
        var,
        beta1,
        beta2,
        epsilon,
        t,
        bias_correction,
        wd,
        rescale_grad,
        clip_gradient,
    )


def _mp_lamb_phase1_kernel(
    weight,
    grad,
    mean,
    var,
    weight32,
    *,
    beta1,
    beta2,
    epsilon,
    t,
    bias_correction,
    wd,
    rescale_grad,
    clip_gradient,
):
    return _lamb_direction(
        weight32,
        grad.float(),
        mean,
        var,
        beta1,
        beta2,
        epsilon,
        t,
        bias_correction,
        wd,
        rescale_grad,
        clip_gradient,
    )


def _lamb_phase2_kernel(weight, g, r1, r2, *, lr, lower_bound, upper_bound):
    return _lamb_step(weight, g, r1, r2, lr, lower_bound, upper_bound)


def _mp_lamb_phase2_kernel(
    weight, g, r1, r2, weight32, *, lr, lower_bound, upper_bound
):
    # As in MXNet, weight32 is read, not written (the optimizer updates it).
    new32 = _lamb_step(weight32, g, r1, r2, lr, lower_bound, upper_bound)
    return new32.to(weight.dtype)


def _adamw_core(weight, grad, mean, var, scale, lr, beta1, beta2, eps, wd, eta, clip):
    """AdamW in place on float32 ``weight``; False when ``scale`` is not finite."""
    s = float(scale.reshape(-1)[0])
    if not torch.isfinite(torch.tensor(s)):
        return False
    g = _clip(s * grad, clip)
    mean.copy_(beta1 * mean + (1.0 - beta1) * g)
    var.copy_(beta2 * var + (1.0 - beta2) * g * g)
    weight.sub_(eta * (lr * mean / (torch.sqrt(var) + eps) + wd * weight))
    return True


def _adamw_kernel(
    weight,
    grad,
    mean,
    var,
    rescale_grad,
    *,
    lr,
    beta1,
    beta2,
    epsilon,
    wd,
    eta,
    clip_gradient,
):
    # A non-finite rescale_grad skips the update (MXNet's dynamic loss scaling).
    new = weight.clone()
    _adamw_core(
        new,
        grad,
        mean,
        var,
        rescale_grad,
        lr,
        beta1,
        beta2,
        epsilon,
        wd,
        eta,
        clip_gradient,
    )
    return new


def _mp_adamw_kernel(
    weight,
    grad,
    mean,
    var,
    weight32,
    rescale_grad,
    *,
    lr,
    beta1,
    beta2,
    epsilon,
    wd,
    eta,
    clip_gradient,
):
    _adamw_core(
        weight32,
        grad.float(),
        mean,
        var,
        rescale_grad,
        lr,
        beta1,
        beta2,
        epsilon,
        wd,
        eta,
        clip_gradient,
    )
    return weight32.to(weight.dtype)


def _shape_like_first(scalar_inputs: tuple[int, ...] = ()):
    """Elementwise shape rule; inputs at ``scalar_inputs`` are ``(1,)`` arrays."""

    def infer(in_shapes, attrs):
        known = next(
            (
                s
                for i, s in enumerate(in_shapes)
                if s is not None and i not in scalar_inputs
            ),
            None,
        )
        filled = [
            ((1,) if i in scalar_inputs else known) if s is None else s
            for i, s in enumerate(in_shapes)
        ]
        return filled, [known]

    return infer


def _reg_op(name, kernel, inputs, params, doc, *, mp=False, scalars=(), aliases=()):
    register(
        OpDef(
            name,
            kernel,
            inputs=inputs,
            params=params,
            infer_shape=_shape_like_first(scalars),
            infer_type=_mp_type if mp else _same_type,
            same_dtype=not mp,
            aliases=aliases,
            cse=False,  # writes its state inputs in place
            doc=doc,
        )
    )


_CLIPW = P("clip_weights", "float", -1.0, "Clip weights to [-c, c] when c >= 0.")
_EPS8 = P("epsilon", "float", 1e-8, "Added inside the square root.")
_RMS = (
    _LR,
    P("gamma1", "float", 0.95, "Decay of the squared-gradient average."),
)
_reg_op(
    "rmsprop_update",
    _rmsprop_kernel,
    ("weight", "grad", "n"),
    (*_RMS, _EPS8, *_COMMON, _CLIPW),
    "RMSProp (Tieleman & Hinton): ``G = clip(rescale_grad*grad + wd*w); "
    "n = (1-gamma1)*G^2 + gamma1*n; w -= lr*G/sqrt(n + epsilon)``.",
)
_reg_op(
    "rmspropalex_update",
    _rmspropalex_kernel,
    ("weight", "grad", "n", "g", "delta"),
    (*_RMS, P("gamma2", "float", 0.9, "Momentum of delta."), _EPS8, *_COMMON, _CLIPW),
    "Centered RMSProp (Graves): also ``g = (1-gamma1)*G + gamma1*g; delta = "
    "gamma2*delta - lr*G/sqrt(n - g^2 + epsilon); w += delta``.",
)
_reg_op(
    "ftrl_update",
    _ftrl_kernel,
    ("weight", "grad", "z", "n"),
    (
        _LR,
        P("lamda1", "float", 0.01, "L1 regularization coefficient."),
        P("beta", "float", 1.0, "Per-coordinate learning-rate correlation."),
        *_COMMON,
    ),
    "FTRL-proximal update; ``z`` and ``n`` are updated in place.",
)
_reg_op(
    "ftml_update",
    _ftml_kernel,
    ("weight", "grad", "d", "v", "z"),
    (
        _LR,
        P("beta1", "float", 0.6),
        P("beta2", "float", 0.999),
        P("epsilon", "float", 1e-8),
        P("t", "int", doc="Number of updates so far (starting at 1)."),
        P("wd", "float", 0.0),
        P("rescale_grad", "float", 1.0),
        P("clip_grad", "float", -1.0, "Clip to [-c, c] when c >= 0."),
    ),
    "FTML update; ``d``, ``v`` and ``z`` are updated in place.",
)
_reg_op(
    "signsgd_update",
    _signsgd_kernel,
    ("weight", "grad"),
    (_LR, *_COMMON),
    "signSGD: ``w = (1 - lr*wd)*w - lr*sign(grad)``.",
)
_reg_op(
    "signum_update",
    _signum_kernel,
    ("weight", "grad", "mom"),
    (_LR, _MOM, *_COMMON, P("wd_lh", "float", 0.0, "Decoupled weight decay.")),
    "Signum: ``mom = momentum*mom - (1-momentum)*(wd*w + clip(g)); "
    "w = (1 - lr*wd_lh)*w + lr*sign(mom)``.",
)
_LAMB1 = (
    P("beta1", "float", 0.9),
    P("beta2", "float", 0.999),
    P("epsilon", "float", 1e-6),
    P("t", "int", doc="Number of updates so far (starting at 1)."),
    P("bias_correction", "bool", True),
    P("wd", "float", doc="Weight decay."),
    P("rescale_grad", "float", 1.0),
    P("clip_gradient", "float", -1.0),
)
_LAMB2 = (
    _LR,
    P("lower_bound", "float", -1.0, "Lower bound of r1 when >= 0."),
    P("upper_bound", "float", -1.0, "Upper bound of r1 when >= 0."),
)
_reg_op(
    "lamb_update_phase1",
    _lamb_phase1_kernel,
    ("weight", "grad", "mean", "var"),
    _LAMB1,
    "LAMB phase 1: updates ``mean``/``var`` in place and returns the direction "
    "``m_hat/(sqrt(v_hat)+epsilon) + wd*w``.",
)
_reg_op(
    "mp_lamb_update_phase1",
    _mp_lamb_phase1_kernel,
    ("weight", "grad", "mean", "var", "weight32"),
    _LAMB1,
    "Mixed precision LAMB phase 1 (float32 direction from ``weight32``).",
    mp=True,
)
_reg_op(
    "lamb_update_phase2",
    _lamb_phase2_kernel,
    ("weight", "g", "r1", "r2"),
    _LAMB2,
    "LAMB phase 2: ``w - lr*(r1/r2)*g`` (ratio 1 when r1 or r2 is 0).",
    scalars=(2, 3),
)
_reg_op(
    "mp_lamb_update_phase2",
    _mp_lamb_phase2_kernel,
    ("weight", "g", "r1", "r2", "weight32"),
    _LAMB2,
    "Mixed precision LAMB phase 2 (reads ``weight32``; returns the low precision "
    "weight).",
    mp=True,
    scalars=(2, 3),
)
_ADAMW = (
    _LR,
    P("beta1", "float", 0.9),
    P("beta2", "float", 0.999),
    P("epsilon", "float", 1e-8),
    P("wd", "float", 0.0),
    P("eta", "float", doc="Learning-rate schedule multiplier."),
    P("clip_gradient", "float", -1.0),
)
_reg_op(
    "_adamw_update",
    _adamw_kernel,
    ("weight", "grad", "mean", "var", "rescale_grad"),
    _ADAMW,
    "AdamW: ``w -= eta*(lr*m/(sqrt(v)+epsilon) + wd*w)``; ``rescale_grad`` is a "
    "1-element array and a non-finite value skips the update.",
    scalars=(4,),
    aliases=("_contrib_adamw_update",),
)
_reg_op(
    "_mp_adamw_update",
    _mp_adamw_kernel,
    ("weight", "grad", "mean", "var", "weight32", "rescale_grad"),
    _ADAMW,
    "Mixed precision AdamW (``weight32``, ``mean``, ``var`` in place).",
    mp=True,
    scalars=(5,),
    aliases=("_contrib_mp_adamw_update",),
)


def _multi_adamw_step(name, targets, grads, means, vars_, scale, attrs) -> None:
    """AdamW in place on each of ``targets`` with MXNet's multi-tensor kernel.

    That kernel writes the moving averages as ``beta*(m - g) + g``, which rounds
    differently from ``beta*m + (1 - beta)*g`` in float32. A non-finite
    ``scale`` (rescale_grad) skips the step.
    """
    n = attrs["num_weights"]
    lrs, wds, etas = attrs["lrs"], attrs["wds"], attrs["etas"]
    _check_lists(name, n, lrs=lrs, wds=wds, etas=etas)
    s = float(scale.reshape(-1)[0])
    if not torch.isfinite(torch.tensor(s)):
        return
    b1, b2, eps = attrs["beta1"], attrs["beta2"], attrs["epsilon"]
    for i, w in enumerate(targets):
        g = _clip(s * grads[i].to(w.dtype), attrs["clip_gradient"])
        means[i].copy_(b1 * (means[i] - g) + g)
        g2 = g * g
        vars_[i].copy_(b2 * (vars_[i] - g2) + g2)
        w.sub_(
            etas[i] * (lrs[i] * means[i] / (torch.sqrt(vars_[i]) + eps) + wds[i] * w)
        )


def _multi_adamw_kernel(*tensors, **attrs):
    # Inputs: (weight, grad, mean, var) per weight, then rescale_grad.
    name = "_multi_adamw_update"
    weights, grads, means, vars_ = _split(tensors[:-1], 4, attrs["num_weights"], name)
    news = [w.clone() for w in weights]
    _multi_adamw_step(name, news, grads, means, vars_, tensors[-1], attrs)
    return tuple(news)


def _multi_mp_adamw_kernel(*tensors, **attrs):
    # Inputs: (weight, grad, mean, var, weight32) per weight, then rescale_grad.
    name = "_multi_mp_adamw_update"
    weights, grads, means, vars_, w32 = _split(
        tensors[:-1], 5, attrs["num_weights"], name
    )
    _multi_adamw_step(name, w32, grads, means, vars_, tensors[-1], attrs)
    return tuple(m.to(w.dtype) for m, w in zip(w32, weights, strict=True))


def _check_lists(name: str, n: int, **lists: Sequence[float]) -> None:
    for key, values in lists.items():
        if len(values) != n:
            raise ValueError(
                f"{name}: {key} has {len(values)} values for num_weights={n}; "
                f"give one value per weight."
            )


def _multi_adamw_shape(per: int):
    base = _multi_shape(per)

    def infer(in_shapes, attrs):
        _, outs = base(in_shapes[:-1], attrs)
        return in_shapes, outs

    return infer


for _name, _kernel, _per, _doc in (
    ("_multi_adamw_update", _multi_adamw_kernel, 4, "(weight, grad, mean, var)"),
    (
        "_multi_mp_adamw_update",
        _multi_mp_adamw_kernel,
        5,
        "(weight, grad, mean, var, weight32)",
    ),
):
    register(
        OpDef(
            _name,
            _kernel,
            inputs=("data",),
            params=(
                *_MULTI,
                P("etas", "floats", doc="Schedule multipliers, one per weight."),
                P("beta1", "float", 0.9),
                P("beta2", "float", 0.999),
                P("epsilon", "float", 1e-8),
                P("clip_gradient", "float", -1.0),
                P("num_weights", "int", 1, "Number of weights updated."),
            ),
            variadic=True,
            num_outputs=lambda attrs: attrs["num_weights"],
            infer_shape=_multi_adamw_shape(_per),
            infer_type=_multi_type(_per),
            same_dtype=False,
            cse=False,  # writes its state inputs in place
            aliases=("_contrib" + _name,),
            doc=f"AdamW over several weights; inputs are {_doc} in turn, then a "
            "1-element rescale_grad (non-finite: the update is skipped).",
        )
    )


# --------------------------------------------------------------------------- LARS
def _multi_sum_sq_kernel(*arrays, num_arrays):
    if len(arrays) != num_arrays:
        raise ValueError(
            f"multi_sum_sq: num_arrays={num_arrays} but {len(arrays)} arrays were given."
        )
    return torch.stack([a.float().square().sum() for a in arrays])


def _multi_lars_kernel(
    lrs, weights_sum_sq, grads_sum_sq, wds, *, eta, eps, rescale_grad
):
    w_norm = torch.sqrt(weights_sum_sq)
    g_norm = rescale_grad * torch.sqrt(grads_sum_sq)
    valid = (w_norm > 0) & (g_norm > 0)
    lars = lrs * eta * w_norm / (g_norm + wds * w_norm + eps)
    return torch.where(valid, lars, lrs)


def _preloaded_split(tensors, per, num_weights, name):
    if len(tensors) != per * num_weights + 2:
        raise ValueError(
            f"{name}: expected {per} inputs per weight for num_weights={num_weights} "
            f"plus the lrs and wds arrays ({per * num_weights + 2} arrays), got "
            f"{len(tensors)}."
        )
    groups = [list(tensors[i : per * num_weights : per]) for i in range(per)]
    lrs = [float(x) for x in tensors[-2].reshape(-1).tolist()]
    wds = [float(x) for x in tensors[-1].reshape(-1).tolist()]
    return groups, lrs, wds


def _preloaded_sgd(per, mom, mp, name):
    def kernel(*tensors, rescale_grad, clip_gradient, num_weights, momentum=0.0):
        groups, lrs, wds = _preloaded_split(tensors, per, num_weights, name)
        weights, grads = groups[0], groups[1]
        moms = groups[2] if mom else None
        if mp:
            targets = groups[-1]
            grads = [g.float() for g in grads]
        else:
            targets = [w.clone() for w in weights]
        sgd_foreach(
            targets,
            grads,
            moms,
            lrs,
            wds,
            momentum=momentum,
            rescale_grad=rescale_grad,
            clip_gradient=clip_gradient,
        )
        return tuple(t.to(w.dtype) for t, w in zip(targets, weights, strict=True))

    return kernel


register(
    OpDef(
        "multi_sum_sq",
        _multi_sum_sq_kernel,
        inputs=("data",),
        params=(P("num_arrays", "int", doc="Number of arrays."),),
        variadic=True,
        num_args_attr="num_arrays",
        infer_shape=lambda in_shapes, attrs: (in_shapes, [(attrs["num_arrays"],)]),
        infer_type=lambda in_types, attrs: (in_types, ["float32"]),
        same_dtype=False,
        doc="Sum of squares of each array, as one float32 array of num_arrays.",
    )
)
register(
    OpDef(
        "multi_lars",
        _multi_lars_kernel,
        inputs=("lrs", "weights_sum_sq", "grads_sum_sq", "wds"),
        params=(
            P("eta", "float", doc="LARS coefficient."),
            P("eps", "float", doc="Added to the denominator."),
            P("rescale_grad", "float", 1.0),
        ),
        infer_shape=_elementwise_shape,
        infer_type=_same_type,
        doc="Layer-wise LARS learning rates ``lr*eta*|w|/(|g|*rescale_grad + wd*|w| "
        "+ eps)`` (``lr`` where a norm is 0).",
        cse=False,
    )
)
for _name, _per, _mom, _mp in (
    ("preloaded_multi_sgd_update", 2, False, False),
    ("preloaded_multi_sgd_mom_update", 3, True, False),
    ("preloaded_multi_mp_sgd_update", 3, False, True),
    ("preloaded_multi_mp_sgd_mom_update", 4, True, True),
):
    register(
        OpDef(
            _name,
            _preloaded_sgd(_per, _mom, _mp, _name),
            inputs=("data",),
            params=(
                *((_MOM,) if _mom else ()),
                P("rescale_grad", "float", 1.0),
                P("clip_gradient", "float", -1.0),
                P("num_weights", "int", 1, "Number of weights updated."),
            ),
            variadic=True,
            num_outputs=lambda attrs: attrs["num_weights"],
            infer_shape=_multi_shape(_per),
            infer_type=_multi_type(_per),
            same_dtype=False,
            cse=False,  # writes its inputs in place
            doc="Aggregated SGD whose learning rates and weight decays are the last "
            "two input arrays (``lrs``, ``wds``).",
        )
    )
