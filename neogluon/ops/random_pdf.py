"""Operator family: densities of the sampling distributions and Zipfian sampling.

``_random_pdf_<dist>(sample, *params, is_log=False)`` (aliases
``random_pdf_<dist>``) evaluate the probability density (or mass) function of
``sample`` under distributions whose parameter arrays share one shape ``P``
that must be the leading part of ``sample.shape``: every sample at index
``i + j`` uses the parameters at index ``i``, and the output has the shape of
``sample``. ``_random_pdf_dirichlet`` takes a parameter vector per distribution
(``alpha`` shaped ``P + (k,)``, samples ``P + extra + (k,)``) and returns one
density per sample vector (shape ``P + extra``; ``(1,)`` for one vector).

Parameterisations follow MXNet 1.9.1 (not always those of the samplers):
``normal(mu, sigma)``, ``uniform(low, high)``, ``gamma(alpha, beta)`` with
``beta`` the *rate*, ``exponential(lam)`` (rate), ``poisson(lam)``,
``negative_binomial(k, p)`` (failures before the ``k``-th success of
probability ``p``), ``generalized_negative_binomial(mu, alpha)`` (mean and
dispersion) and ``dirichlet(alpha)``.

Gradients flow to the parameters and, for the continuous distributions, to the
sample, exactly as the analytic derivatives MXNet's backward kernels compute.
For the discrete distributions (and ``uniform``, whose density does not depend
on the sample) MXNet defines the sample's gradient as zero, and so does this
module (the sample still receives a zero gradient, it is not skipped).

``_sample_unique_zipfian(range_max, shape=(batch, n))`` draws ``n`` distinct
classes per row from the log-uniform (Zipfian) distribution
``P(c) = (log(c + 2) - log(c + 1)) / log(range_max + 1)`` and returns the int64
samples and, per row, the number of draws it took.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ..base import MXNetError
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


class _ZeroSampleGrad(torch.autograd.Function):
    """Pass ``out`` through and give ``sample`` a zero gradient (MXNet writes
    zeros into the sample's gradient of the discrete densities)."""

    @staticmethod
    def forward(ctx, out, sample):
        ctx.sample_meta = (sample.shape, sample.dtype, sample.device)
        return out.clone()

    @staticmethod
    def backward(ctx, grad):
        shape, dtype, device = ctx.sample_meta
        return grad, torch.zeros(shape, dtype=dtype, device=device)


# ------------------------------------------------------------------ log-densities
# Each takes the sample and the parameters already broadcast against it and
# returns the log-density elementwise; ``_p_*`` compute the density itself
# where MXNet does so directly (not as ``exp`` of the log-density).
def _lp_uniform(x, low, high):
    # MXNet does not check that the sample lies in [low, high).
    return -torch.log(high - low) + torch.zeros_like(x)


def _p_uniform(x, low, high):
    return 1.0 / (high - low) + torch.zeros_like(x)


def _lp_normal(x, mu, sigma):
    return -0.5 * ((x - mu) / sigma) ** 2 - torch.log(math.sqrt(2.0 * math.pi) * sigma)


def _p_normal(x, mu, sigma):
    return torch.exp(-0.5 * ((x - mu) / sigma) ** 2) / (
        math.sqrt(2.0 * math.pi) * sigma
    )


def _lp_gamma(x, alpha, beta):
    return (
        alpha * torch.log(beta)
        + (alpha - 1) * torch.log(x)
        - beta * x
        - torch.lgamma(alpha)
    )


def _lp_exponential(x, lam):
    return torch.log(lam) - lam * x


def _p_exponential(x, lam):
    return lam * torch.exp(-lam * x)


def _lp_poisson(x, lam):
    return x * torch.log(lam) - torch.lgamma(x + 1) - lam


def _lp_negative_binomial(x, k, p):
    return (
        torch.lgamma(x + k)
        - torch.lgamma(x + 1)
        - torch.lgamma(k)
        + k * torch.log(p)
        + x * torch.log1p(-p)
    )


def _lp_generalized_negative_binomial(x, mu, alpha):
    # Negative binomial with k = 1 / alpha and p = 1 / (mu * alpha + 1).
    return _lp_negative_binomial(x, 1.0 / alpha, 1.0 / (mu * alpha + 1.0))


def _lp_dirichlet(x, alpha):
    # x: (..., k), alpha broadcast to it; reduces the last axis.
    return (
        ((alpha - 1) * torch.log(x)).sum(-1)
        + torch.lgamma(alpha.sum(-1))
        - torch.lgamma(alpha).sum(-1)
    )


# ------------------------------------------------------------------ shapes
def _check_shapes(op: str, names: tuple[str, ...], shapes: list, vector: bool):
    """Validate (sample, *params) shapes; return the output shape."""
    sample, first = shapes[0], shapes[1]
    for name, s in zip(names[2:], shapes[2:], strict=True):
        if tuple(s) != tuple(first):
            raise ShapeError(
                f"Operator {op}: the parameter arrays must have one shape, got "
                f"{names[1]}={tuple(first)} and {name}={tuple(s)}."
            )
    if len(first) == 0:
        raise ShapeError(f"Operator {op}: {names[1]} must have at least one dimension.")
    if len(first) > len(sample):
        raise ShapeError(
            f"Operator {op}: {names[0]} has {len(sample)} dimension(s), fewer than "
            f"the {len(first)} of the parameters ({names[1]}={tuple(first)})."
        )
    lead = tuple(sample[: len(first)])
    if vector:
        expected = lead[:-1] + (sample[-1],)
        what = (
            f"{names[1]} must have the leading shape of {names[0]} with its last "
            f"dimension (the vector length {sample[-1]})"
        )
    else:
        expected = lead
        what = f"the parameters must have the leading shape of {names[0]}"
    if tuple(first) != expected:
        raise ShapeError(
            f"Operator {op}: {what}: expected {expected} for {names[0]} of shape "
            f"{tuple(sample)}, got {names[1]}={tuple(first)}."
        )
    if vector:
        return (1,) if len(sample) == 1 else tuple(sample[:-1])
    return tuple(sample)


def _pdf_infer_shape(op: str, names: tuple[str, ...], vector: bool) -> Callable:
    def infer(in_shapes, attrs, out_shapes=None):
        shapes = list(in_shapes)
        known = [s is not None and all(d > 0 for d in s) for s in shapes]
        # The parameter arrays share one shape: fill unknown ones from a known one.
        ref = next((s for s, k in zip(shapes[1:], known[1:], strict=True) if k), None)
        if ref is not None:
            for i in range(1, len(shapes)):
                if not known[i]:
                    shapes[i] = tuple(ref)
        if all(s is not None and all(d > 0 for d in s) for s in shapes):
            return shapes, [_check_shapes(op, names, shapes, vector)]
        return shapes, [None]

    return infer


def _pdf_kernel(
    op: str,
    names: tuple[str, ...],
    logpdf: Callable,
    pdf: Callable | None,
    zero_sample_grad: bool,
    vector: bool,
) -> Callable:
    def kernel(sample, *params, is_log=False):
        tensors = (sample, *params)
        for name, t in zip(names, tensors, strict=True):
            if t.dtype not in _FLOAT_DTYPES:
                raise MXNetError(
                    f"Operator {op}: input '{name}' has dtype {t.dtype}; the density "
                    "operators take float16, float32 or float64 arrays."
                )
        _check_shapes(op, names, [tuple(t.shape) for t in tensors], vector)
        dtype = sample.dtype
        work = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
        x = sample.to(work)
        # Parameters of shape P (+ (k,)) viewed against samples P + extra (+ (k,)).
        n_extra = sample.dim() - params[0].dim()
        if vector:
            view = tuple(params[0].shape[:-1]) + (1,) * n_extra + (params[0].shape[-1],)
        else:
            view = tuple(params[0].shape) + (1,) * n_extra
        ps = [p.to(work).reshape(view) for p in params]
        x_in = x.detach() if zero_sample_grad else x
        if is_log:
            out = logpdf(x_in, *ps)
        elif pdf is not None:
            out = pdf(x_in, *ps)
        else:
            out = torch.exp(logpdf(x_in, *ps))
        if vector and sample.dim() == 1:
            out = out.reshape(1)
        if zero_sample_grad and sample.requires_grad:
            out = _ZeroSampleGrad.apply(out, x)
        return out.to(dtype)

    return kernel


_PDFS: tuple = (
    (
        "uniform",
        _lp_uniform,
        _p_uniform,
        (("low", "Lower bounds."), ("high", "Upper bounds (exclusive).")),
        True,
        False,
        "uniform distributions on [low, high)",
    ),
    (
        "normal",
        _lp_normal,
        _p_normal,
        (("mu", "Means."), ("sigma", "Standard deviations.")),
        False,
        False,
        "normal distributions",
    ),
    (
        "gamma",
        _lp_gamma,
        None,
        (("alpha", "Shapes."), ("beta", "Rates (inverse scales).")),
        False,
        False,
        "gamma distributions (beta is the rate)",
    ),
    (
        "exponential",
        _lp_exponential,
        _p_exponential,
        (("lam", "Rates (1 / scale)."),),
        False,
        False,
        "exponential distributions",
    ),
    (
        "poisson",
        _lp_poisson,
        None,
        (("lam", "Rates."),),
        True,
        False,
        "Poisson distributions",
    ),
    (
        "negative_binomial",
        _lp_negative_binomial,
        None,
        (("k", "Numbers of successes (limits)."), ("p", "Success probabilities.")),
        True,
        False,
        "negative binomial distributions",
    ),
    (
        "generalized_negative_binomial",
        _lp_generalized_negative_binomial,
        None,
        (("mu", "Means."), ("alpha", "Dispersions.")),
        True,
        False,
        "generalized negative binomial distributions",
    ),
    (
        "dirichlet",
        _lp_dirichlet,
        None,
        (("alpha", "Concentration vectors (last axis)."),),
        False,
        True,
        "Dirichlet distributions (one density per sample vector)",
    ),
)

# (name, log-density, density or None, parameters, zero sample gradient,
#  vector parameters, description)
for _dist, _lp, _pf, _pspecs, _zero, _vector, _what in _PDFS:
    _name = f"_random_pdf_{_dist}"
    _inputs = ("sample", *(n for n, _ in _pspecs))
    register(
        OpDef(
            _name,
            _pdf_kernel(_name, _inputs, _lp, _pf, _zero, _vector),
            inputs=_inputs,
            params=(
                P(
                    "is_log",
                    "bool",
                    False,
                    "Return the log-density instead of the density.",
                ),
            ),
            infer_shape=_pdf_infer_shape(_name, _inputs, _vector),
            aliases=(f"random_pdf_{_dist}",),
            doc=f"Density of ``sample`` under {_what}; parameters "
            + ", ".join(f"``{n}`` ({d.rstrip('.').lower()})" for n, d in _pspecs)
            + " share a shape that leads ``sample``'s. ``is_log`` gives the "
            "log-density.",
        )
    )


# ------------------------------------------------------------------ zipfian
def _unique_zipfian(range_max=REQUIRED, shape=None):
    if shape is None or len(shape) != 2:
        raise ShapeError(
            "Operator _sample_unique_zipfian: shape must be 2-D (batch_size, "
            f"num_sampled), got {shape}."
        )
    batch, num = (int(d) for d in shape)
    if range_max <= 0:
        raise MXNetError(
            f"Operator _sample_unique_zipfian: range_max must be positive, got {range_max}."
        )
    if num > range_max:
        raise MXNetError(
            "Operator _sample_unique_zipfian: number of samples cannot exceed the "
            f"number of possible classes: num_sampled={num} > range_max={range_max}."
        )
    log_range = math.log(range_max)
    samples = np.empty((batch, num), dtype=np.int64)
    tries = np.empty((batch,), dtype=np.int64)
    for row in range(batch):
        # Draw candidates in blocks; the row keeps the first ``num`` distinct
        # values in draw order and counts every draw up to the last one kept.
        drawn = np.empty((0,), dtype=np.int64)
        block = max(2 * num, 64)
        while True:
            u = torch.rand(block, dtype=torch.float64).numpy()
            # Values in [0, range_max): round(exp(u * log(range_max))) - 1.
            vals = np.floor(np.exp(u * log_range) + 0.5).astype(np.int64) - 1
            drawn = np.concatenate([drawn, vals])
            uniq, first = np.unique(drawn, return_index=True)
            if uniq.size >= num:
                order = np.sort(first)[:num]
                samples[row] = drawn[order]
                tries[row] = int(order[-1]) + 1 if num else 0
                break
            block *= 2
    return torch.from_numpy(samples), torch.from_numpy(tries)


def _unique_zipfian_infer(in_shapes, attrs, out_shapes=None):
    shape = attrs.get("shape")
    if shape is None or len(shape) != 2:
        return list(in_shapes), [None, None]
    return list(in_shapes), [tuple(shape), (shape[0],)]


register(
    OpDef(
        "_sample_unique_zipfian",
        _unique_zipfian,
        inputs=(),
        params=(
            P("range_max", "int", REQUIRED, "The number of possible classes."),
            P("shape", "shape", None, "2-D (batch_size, num_sampled)."),
        ),
        num_outputs=2,
        creation=True,
        infer_shape=_unique_zipfian_infer,
        infer_type=lambda in_types, attrs: (in_types, ["int64", "int64"]),
        doc="Distinct classes per row drawn from the log-uniform (Zipfian) "
        "distribution over [0, range_max), with the number of draws each row took.",
        cse=False,
    )
)
