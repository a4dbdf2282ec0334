"""Lazy (row_sparse) optimizer updates: only the rows a gradient stores.

MXNet 1.9.1 updates a weight with a row_sparse gradient row by row when
``lazy_update`` is on: rows the gradient does not store keep their weight and
their optimizer state (no weight decay, no momentum decay). The math per row
is the dense update's.
"""

from __future__ import annotations

import torch

__all__ = ["sgd_lazy", "adam_lazy"]


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
