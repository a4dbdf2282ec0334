"""``mx.np.random``: samplers returning ``mx.np.ndarray``.

Streams come from torch's generators (``mx.random.seed`` seeds them), so the
values differ from MXNet's; distributions, shapes and dtypes are MXNet's
(float32 by default, ``randint`` int64). Parameters may be scalars or arrays
(broadcast against ``size``).
"""

from __future__ import annotations

import numpy as np
import torch

from ..ops import registry as _reg
from ._core import NDArray
from ._core import _resolve_ctx
from ._np import _run
from ._np import default_float
from ._np import from_tensor
from ._np import ndarray
from ._np import write_out

__all__ = [
    "uniform",
    "normal",
    "randint",
    "choice",
    "shuffle",
    "rand",
    "randn",
    "exponential",
    "gamma",
    "beta",
    "chisquare",
    "lognormal",
    "logistic",
    "gumbel",
    "laplace",
    "rayleigh",
    "pareto",
    "power",
    "weibull",
    "multinomial",
    "multivariate_normal",
    "seed",
]


def _param(x, dev, td) -> torch.Tensor:
    if isinstance(x, ndarray):
        return x._data.detach().to(device=dev, dtype=td)
    return torch.as_tensor(np.asarray(x), dtype=td, device=dev)


def _size(size, *params: torch.Tensor) -> tuple[int, ...]:
    if size is None:
        return tuple(torch.broadcast_shapes(*(p.shape for p in params)))
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(d) for d in size)


def _ctx_of(params, ctx):
    if ctx is None:
        for p in params:
            if isinstance(p, ndarray):
                return p._data.device, p._ctx
    return _resolve_ctx(ctx)


def _sample(params, size, dtype, ctx, out, draw):
    dev, tag = _ctx_of(params, ctx)
    td = torch.float32 if dtype is None else _dtype(dtype)
    ps = [_param(p, dev, torch.float64) for p in params]
    shape = _size(size, *ps)
    ps = [torch.broadcast_to(p, shape) for p in ps]
    res = from_tensor(draw(shape, dev, *ps).to(td), tag)
    if out is not None:
        return write_out(out, res)
    return res


def _registered(op_name: str, params: dict, size, ctx, out, **attrs):
    """Draw with the registered sampler ``op_name`` (MXNet's ``_npi_*``).

    A parameter that is an array becomes an input of the operator (its
    attribute None, as MXNet's ``np.random`` passes it) so that, under
    ``autograd.record()``, the samples of a reparameterised sampler carry
    gradients back to it; a number stays an attribute."""
    op = _reg.get(op_name)
    dev, tag = _ctx_of(tuple(params.values()), ctx)
    tensors = []
    kw = {}
    for name, v in params.items():
        if isinstance(v, ndarray):
            tensors.append(v._data.to(dev))
            kw[name] = None
        elif isinstance(v, NDArray):
            raise TypeError(
                f"np.random: parameter {name!r} is a legacy mx.nd.NDArray; convert it "
                "with .as_np_ndarray() (no copy)."
            )
        elif isinstance(v, (list, tuple, np.ndarray)):
            tensors.append(torch.as_tensor(np.asarray(v, dtype=np.float64), device=dev))
            kw[name] = None
        else:
            kw[name] = float(v)
    if size == ():
        size = None
    elif isinstance(size, (int, np.integer)):
        size = (int(size),)
    elif size is not None:
        size = tuple(int(d) for d in size)
    res = from_tensor(_run(op.kernel, *tensors, size=size, ctx=dev, **kw, **attrs), tag)
    if out is not None:
        return write_out(out, res)
    return res


def _dtype(dtype) -> torch.dtype:
    from .._dtypes import to_torch_dtype

    return to_torch_dtype(dtype)


def _fdt(dtype) -> str:
    """The dtype name of a sampler's output (float32 unless given)."""
    if dtype is None:
        return "float32"
    return np.dtype(dtype).name


def _u(shape, dev):
    return torch.rand(shape, device=dev, dtype=torch.float64)


def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples from ``[low, high)`` (MXNet gives no gradient to the bounds)."""
    return _registered(
        "_npi_uniform", {"low": low, "high": high}, size, ctx, out, dtype=_fdt(dtype)
    )


def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples from N(loc, scale**2); array parameters get reparameterised
    gradients (d/dloc = 1, d/dscale = the standard normal draw)."""
    return _registered(
        "_npi_normal", {"loc": loc, "scale": scale}, size, ctx, out, dtype=_fdt(dtype)
    )


def lognormal(mean=0.0, sigma=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples of exp(N(mean, sigma**2)) (differentiable in ``mean``/``sigma``)."""
    from ._np_functions import exp

    res = exp(normal(mean, sigma, size=size, dtype=dtype, ctx=ctx))
    if out is not None:
        return write_out(out, res)
    return res


def exponential(scale=1.0, size=None, ctx=None, out=None):
    """Samples of the exponential distribution with mean ``scale``
    (differentiable in an array ``scale``)."""
    return _registered("_npi_exponential", {"scale": scale}, size, ctx, out)


def gamma(shape, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples of Gamma(shape, scale) (MXNet gives no gradient)."""
    return _registered(
        "_npi_gamma",
        {"shape": shape, "scale": scale},
        size,
        ctx,
        out,
        dtype=_fdt(dtype),
    )


def beta(a, b, size=None, dtype=None, ctx=None):
    """Samples of Beta(a, b)."""

    def draw(s, d, a_, b_):
        x = torch._standard_gamma(a_.contiguous())
        y = torch._standard_gamma(b_.contiguous())
        return x / (x + y)

    return _sample((a, b), size, dtype, ctx, None, draw)


def chisquare(df, size=None, dtype=None, ctx=None):
    """Samples of the chi-square distribution with ``df`` degrees of freedom."""
    return _sample(
        (df,), size, dtype, ctx, None, lambda s, d, k: 2 * torch._standard_gamma(k / 2)
    )


def logistic(loc=0.0, scale=1.0, size=None, ctx=None, out=None):
    """Samples of the logistic distribution (differentiable in array parameters)."""
    return _registered("_npi_logistic", {"loc": loc, "scale": scale}, size, ctx, out)


def gumbel(loc=0.0, scale=1.0, size=None, ctx=None, out=None):
    """Samples of the Gumbel distribution (differentiable in array parameters)."""
    return _registered("_npi_gumbel", {"loc": loc, "scale": scale}, size, ctx, out)


def laplace(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples of the Laplace distribution."""

    def draw(s, d, m, b):
        u = _u(s, d) - 0.5
        return m - b * torch.sign(u) * torch.log1p(-2 * u.abs())

    return _sample((loc, scale), size, dtype, ctx, out, draw)


def rayleigh(scale=1.0, size=None, ctx=None, out=None):
    """Samples of the Rayleigh distribution (differentiable in an array ``scale``)."""
    return _registered("_npi_rayleigh", {"scale": scale}, size, ctx, out)


def pareto(a, size=None, ctx=None, out=None):
    """Samples of the Pareto II (Lomax) distribution, as numpy's
    (differentiable in an array ``a``)."""
    return _registered("_npi_pareto", {"a": a}, size, ctx, out)


def power(a, size=None):
    """Samples in [0, 1] of the power distribution with exponent ``a - 1``."""
    return _registered("_npi_powerd", {"a": a}, size, None, None)


def weibull(a, size=None, ctx=None, out=None):
    """Samples of the Weibull distribution (differentiable in an array ``a``)."""
    return _registered("_npi_weibull", {"a": a}, size, ctx, out)


def rand(*size, **kwargs):
    """Uniform samples in [0, 1) of shape ``size``."""
    return uniform(size=size, **kwargs)


def randn(*size, **kwargs):
    """Standard normal samples of shape ``size``."""
    return normal(size=size, **kwargs)


def randint(low, high=None, size=None, dtype=None, ctx=None, out=None):
    """Integers from ``[low, high)`` (``[0, low)`` when ``high`` is None); int64."""
    if high is None:
        low, high = 0, low
    dev, tag = _resolve_ctx(ctx)
    td = torch.int64 if dtype is None else _dtype(dtype)
    shape = () if size is None else _size(size)
    res = from_tensor(torch.randint(int(low), int(high), shape, device=dev).to(td), tag)
    if out is not None:
        return write_out(out, res)
    return res


def choice(a, size=None, replace=True, p=None, ctx=None, out=None):
    """Samples from ``a`` (an int: ``arange(a)``, int64), with or without
    replacement, uniformly or with probabilities ``p`` (``_npi_choice``)."""
    dev, tag = _ctx_of((a, p), ctx)
    tensors = []
    if isinstance(a, (int, np.integer)):
        n = int(a)
    else:
        pool = a._data if isinstance(a, ndarray) else torch.as_tensor(np.asarray(a))
        tensors.append(pool.to(dev))
        n = None
    if p is not None:
        tensors.append(_param(p, dev, torch.float64))
    if isinstance(size, (int, np.integer)):
        size = (int(size),)
    elif size is not None:
        size = tuple(int(d) for d in size)
    op = _reg.get("_npi_choice")
    res_t = _run(
        op.kernel,
        *tensors,
        a=n,
        size=size,
        ctx=dev,
        replace=bool(replace),
        weighted=p is not None,
    )
    res = from_tensor(res_t, tag)
    if out is not None:
        return write_out(out, res)
    return res


def shuffle(x) -> None:
    """Shuffle ``x`` in place along its first axis."""
    t = x._data
    perm = torch.randperm(t.shape[0], device=t.device)
    with torch.no_grad():
        t.copy_(t[perm])


def multinomial(n, pvals, size=None, **kwargs):
    """Counts of ``n`` draws over the categories of ``pvals`` (int64)."""
    probs = _param(pvals, torch.device("cpu"), torch.float64)
    shape = () if size is None else _size(size)
    k = int(np.prod(shape)) if shape else 1
    if k == 0 or probs.numel() == 0:  # nothing to draw: an empty result, as in MXNet
        return from_tensor(torch.zeros(*shape, probs.shape[0], dtype=torch.int64))
    draws = torch.multinomial(probs.expand(k, -1), int(n), replacement=True)
    counts = torch.zeros(k, probs.shape[0], dtype=torch.int64)
    counts.scatter_add_(1, draws, torch.ones_like(draws))
    return from_tensor(counts.reshape(*shape, probs.shape[0]))


def multivariate_normal(mean, cov, size=None, check_valid=None, tol=None):
    """Samples of N(mean, cov)."""
    m = _param(mean, torch.device("cpu"), torch.float64)
    c = _param(cov, torch.device("cpu"), torch.float64)
    shape = () if size is None else _size(size)
    dist = torch.distributions.MultivariateNormal(m, covariance_matrix=c)
    return from_tensor(dist.sample(shape).to(default_float()))


def seed(seed=None, ctx="all") -> None:  # noqa: A002 - numpy's name
    """Seed the generators (``mx.random.seed``; a neogluon convenience)."""
    from ..random import seed as _seed

    _seed(0 if seed is None else int(seed), ctx)
