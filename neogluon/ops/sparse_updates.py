"""Lazy (row_sparse) optimizer updates: only the rows a gradient stores.

MXNet 1.9.1 updates a weight with a row_sparse gradient row by row when
``lazy_update`` is on: rows the gradient does not store keep their weight and
their optimizer state (no weight decay, no momentum decay). The math per row
is the dense update's.
"""

from __future__ import annotations

import torch

__all__ = [
    "adam_lazy",
    "ftrl_lazy",
    "nag_mom_copies",
    "row_sparse_weight",
    "sgd_lazy",
]


def row_sparse_weight(param_dict: dict, index, weight) -> bool:
    """Whether MXNet would hold this weight in row_sparse storage: a
    RowSparseNDArray, or the dense copy that neogluon's kvstore keeps of a
    Gluon Parameter created with ``stype='row_sparse'`` (MXNet's kvstore holds
    it row_sparse, which changes some optimizers' updates)."""
    if getattr(weight, "stype", "default") == "row_sparse":
        return True
    param = param_dict.get(index) if param_dict else None
    return getattr(param, "stype", "default") == "row_sparse"


def _step(values: torch.Tensor, rescale_grad: float, clip_gradient: float):
    g = values * rescale_grad
    if clip_gradient >= 0:
        g = g.clamp(-clip_gradient, clip_gradient)
    return g


@torch.no_grad()
def sgd_lazy(weight, values, rows, mom, lr, wd, *, momentum=0.0, rescale_grad=1.0,
             clip_gradient=-1.0) -> None:  # fmt: skip
    """SGD (with momentum when ``mom`` is given) on ``weight[rows]`` in place."""
    if rows.numel() == 0:
        return
    g = _step(values.to(weight.dtype), rescale_grad, clip_gradient)
    if mom is None and wd == 0:
        weight.index_add_(0, rows, g, alpha=-lr)
        return
    # index_select / index_copy_ are several times faster than w[rows].
    w = weight.index_select(0, rows)
    if mom is None:
        weight.index_copy_(0, rows, (1.0 - lr * wd) * w - lr * g)
        return
    m = momentum * mom.index_select(0, rows) - lr * wd * w - lr * g
    mom.index_copy_(0, rows, m)
    weight.index_copy_(0, rows, w + m)


@torch.no_grad()
def adam_lazy(weight, values, rows, mean, var, lr, wd, *, beta1, beta2, epsilon,
              rescale_grad=1.0, clip_gradient=-1.0) -> None:  # fmt: skip
    """Adam on ``weight[rows]`` (and its mean / var rows) in place; ``lr`` is
    already bias-corrected, as in MXNet's Python Adam."""
    if rows.numel() == 0:
        return
    w = weight.index_select(0, rows)
    g = values.to(w.dtype) * rescale_grad + wd * w
    if clip_gradient >= 0:
        g = g.clamp(-clip_gradient, clip_gradient)
    m = beta1 * mean.index_select(0, rows) + (1.0 - beta1) * g
    v = beta2 * var.index_select(0, rows) + (1.0 - beta2) * g * g
    mean.index_copy_(0, rows, m)
    var.index_copy_(0, rows, v)
    weight.index_copy_(0, rows, w - lr * m / (v.sqrt() + epsilon))


@torch.no_grad()
def ftrl_lazy(weight, values, rows, z, n, lr, wd, *, lamda1, beta, rescale_grad=1.0,
              clip_gradient=-1.0) -> None:  # fmt: skip
    """FTRL on ``weight[rows]`` (and its ``z`` / ``n`` rows) in place: MXNet's
    update for a row_sparse weight and states (rows not in the gradient keep
    their weight, where the dense update would recompute them from ``z``)."""
    if rows.numel() == 0:
        return
    w = weight.index_select(0, rows)
    g = _step(values.to(w.dtype), rescale_grad, clip_gradient)
    n_rows = n.index_select(0, rows)
    z_rows = (
        z.index_select(0, rows) + g - ((n_rows + g * g).sqrt() - n_rows.sqrt()) * w / lr
    )
    n_rows = n_rows + g * g
    new = (torch.sign(z_rows) * lamda1 - z_rows) / ((beta + n_rows.sqrt()) / lr + wd)
    new = new * (z_rows.abs() > lamda1).to(new.dtype)
    z.index_copy_(0, rows, z_rows)
    n.index_copy_(0, rows, n_rows)
    weight.index_copy_(0, rows, new)


@torch.no_grad()
def nag_mom_copies(weight, grad, mom, lr, wd, *, momentum, rescale_grad=1.0,
                   clip_gradient=-1.0) -> None:  # fmt: skip
    """``nag_mom_update`` on every row as MXNet runs it for a row_sparse weight
    (its storage fallback computes on copies, so the momentum's weight decay
    reads the old weight; ``ops.optimizer_updates.nag_mom_inplace`` is the
    in-place variant for dense weights)."""
    g = _step(grad.to(weight.dtype), rescale_grad, clip_gradient) + wd * weight
    mom.mul_(momentum).add_(g)
    weight.sub_(lr * (g + momentum * mom))
