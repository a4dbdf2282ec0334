"""Operator family: random sampling.

Streams come from torch's generator (``torch.manual_seed``), so they cannot match
MXNet's; distributions, shapes, dtypes and defaults do. ``_random_*`` ops draw
with scalar parameters (no ``shape`` -> ``(1,)``), ``_sample_*`` ops draw per
element of parameter arrays (output shape ``param.shape + shape``), and
``_random_*_like`` ops take the shape of an input. None of them has a gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..base import MXNetError
from .creation import attr_dtype_infer
from .creation import device_of
from .creation import dtype_of
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

_FLOATS = (None, "float16", "float32", "float64")


def _shape(shape) -> tuple[int, ...]:
    return tuple(shape) if shape else (1,)


def _shape_infer(in_shapes, attrs, out_shapes=None):
    shape = attrs.get("shape")
    if shape:
        return list(in_shapes), [tuple(shape)]
    # No shape: in a graph the consumer decides (MXNet leaves it unknown for
    # backward inference); alone, eager or at bind, the op draws shape (1,).
    return list(in_shapes), [out_shapes[0] if out_shapes else None]


def _float_tensor(shape, ctx, dtype) -> torch.Tensor:
    return torch.empty(_shape(shape), dtype=dtype_of(dtype), device=device_of(ctx))


def _gamma_sample(alpha: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return torch._standard_gamma(alpha) * scale


# Samplers over parameter tensors already broadcast to the output shape.
def _s_uniform(low, high):
    # low + (high - low) * U[0, 1), bit for bit, with two fewer temporaries
    return torch.rand_like(low).mul_(high - low).add_(low)


def _s_normal(loc, scale):
    return loc + scale * torch.randn_like(loc)


def _s_exponential(lam):
    return torch.empty_like(lam).exponential_() / lam


def _s_gamma(alpha, beta):
    return _gamma_sample(alpha, beta)


def _s_poisson(lam):
    return torch.poisson(lam)


def _s_negative_binomial(k, p):
    # Failures before the k-th success: Poisson(Gamma(k, (1 - p) / p)).
    rate = _gamma_sample(k, (1 - p) / p)
    return torch.poisson(rate)


def _s_gen_negative_binomial(mu, alpha):
    rate = torch.where(
        alpha > 0,
        _gamma_sample(
            torch.where(alpha > 0, 1 / alpha, torch.ones_like(alpha)), alpha * mu
        ),
        mu,
    )
    return torch.poisson(rate)


_DISTS: dict[str, tuple[Callable, tuple]] = {
    "uniform": (
        _s_uniform,
        (("low", 0.0, "Lower bound."), ("high", 1.0, "Upper bound (exclusive).")),
    ),
    "normal": (
        _s_normal,
        (("loc", 0.0, "Mean."), ("scale", 1.0, "Standard deviation.")),
    ),
    "exponential": (_s_exponential, (("lam", 1.0, "Rate (1 / scale)."),)),
    "gamma": (_s_gamma, (("alpha", 1.0, "Shape."), ("beta", 1.0, "Scale."))),
    "poisson": (_s_poisson, (("lam", 1.0, "Rate."),)),
    "negative_binomial": (
        _s_negative_binomial,
        (("k", 1, "Successes."), ("p", 1.0, "Success probability.")),
    ),
    "generalized_negative_binomial": (
        _s_gen_negative_binomial,
        (("mu", 1.0, "Mean."), ("alpha", 1.0, "Dispersion.")),
    ),
}


# MXNet's parameter checks of the scalar and ``_like`` samplers:
# (parameter, strict) -> must be > 0 (strict) or >= 0.
_CHECKS: dict[str, tuple[tuple[str, bool], ...]] = {
    "normal": (("scale", True),),
    "gamma": (("alpha", True), ("beta", True)),
    "exponential": (("lam", True),),
    "poisson": (("lam", False),),
    "negative_binomial": (("k", False), ("p", False)),
    "generalized_negative_binomial": (("mu", False), ("alpha", False)),
}


def fill_(t: torch.Tensor, dist: str, a: float, b: float) -> None:
    """Overwrite ``t`` in place with a draw of ``_random_uniform`` (``dist``
    'uniform', ``a`` low, ``b`` high) or ``_random_normal`` ('normal', loc,
    scale) of ``t``'s shape, dtype and device.

    The same numbers as the operator for the same generator state (its
    sampler's steps, each rounded in ``t``'s dtype, done in place: one standard
    draw, a multiply, an add), without its temporaries (an initializer fills
    millions of weights). Half-precision and other dtypes take the operator
    and a copy. The operator's parameter checks apply.
    """
    names = ("low", "high") if dist == "uniform" else ("loc", "scale")
    _check_params(dist, f"_random_{dist}", dict(zip(names, (a, b), strict=True)))
    with torch.no_grad():
        if t.dtype not in (torch.float32, torch.float64):
            sampler = _s_uniform if dist == "uniform" else _s_normal
            work = torch.empty(t.shape, dtype=torch.float32, device=t.device)
            t.copy_(sampler(work.fill_(a), torch.full_like(work, b)))
            return
        # the operator's parameters as t's dtype: (high - low) rounds as there
        np_type = torch.empty((), dtype=t.dtype).numpy().dtype.type
        a_t, b_t = np_type(a), np_type(b)
        if dist == "uniform":
            t.uniform_(0.0, 1.0).mul_(float(b_t - a_t)).add_(float(a_t))
        else:
            t.normal_(0.0, 1.0).mul_(float(b_t)).add_(float(a_t))


def _check_params(dist: str, op: str, params: dict) -> None:
    if dist == "uniform":
        if params["high"] < params["low"]:
            raise MXNetError(
                f"Operator {op}: low must be less or equal to high in the uniform "
                f"distribution, got low={params['low']}, high={params['high']}."
            )
        return
    for name, strict in _CHECKS.get(dist, ()):
        v = params[name]
        if v < 0 or (strict and v == 0):
            need = "positive" if strict else "non-negative"
            raise MXNetError(
                f"Operator {op}: {name} of the {dist.replace('_', ' ')} distribution "
                f"has to be {need}, got {name}={v}."
            )


def _scalar_kernel(sampler: Callable, names: tuple[str, ...], dist: str) -> Callable:
    op = f"_random_{dist}"

    def kernel(shape=None, ctx="", dtype=None, **params):
        _check_params(dist, op, params)
        out = _float_tensor(shape, ctx, dtype)
        if out.dtype in (torch.float16, torch.bfloat16):
            work = out.float()
        else:
            work = out
        args = [torch.full_like(work, float(params[n])) for n in names]
        with torch.no_grad():
            return sampler(*args).to(out.dtype)

    return kernel


def _like_kernel(sampler: Callable, names: tuple[str, ...], dist: str) -> Callable:
    op = f"_random_{dist}_like"

    def kernel(data, **params):
        _check_params(dist, op, params)
        base = data.detach()
        if not base.is_floating_point() or base.dtype in (
            torch.float16,
            torch.bfloat16,
        ):
            # torch has no half-precision gamma/poisson samplers on CPU.
            base = base.float()
        args = [torch.full_like(base, float(params[n])) for n in names]
        with torch.no_grad():
            return sampler(*args).to(data.dtype)

    return kernel


def _sample_kernel(op: str, sampler: Callable) -> Callable:
    def kernel(*params, shape=(), dtype=None):
        first = params[0]
        for p in params[1:]:
            if p.shape != first.shape:
                raise ShapeError(
                    f"Operator {op}: parameter arrays must have the same shape, got "
                    f"{[tuple(q.shape) for q in params]}."
                )
        extra = tuple(shape or ())
        out_shape = tuple(first.shape) + extra
        view = tuple(first.shape) + (1,) * len(extra)
        args = [p.detach().double().reshape(view).expand(out_shape) for p in params]
        # MXNet samples float32 unless told otherwise, whatever the params' dtype.
        td = dtype_of(dtype)
        with torch.no_grad():
            return sampler(*[a.contiguous() for a in args]).to(td)

    return kernel


def _sample_infer(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    return list(in_shapes), [
        None if s is None else tuple(s) + tuple(attrs["shape"] or ())
    ]


def _sample_type(in_types, attrs):
    return in_types, [attrs.get("dtype") or "float32"]


_ALIASES = {
    "uniform": ("random_uniform", "uniform"),
    "normal": ("random_normal", "normal"),
}
for _dist, (_sampler, _pspecs) in _DISTS.items():
    _names = tuple(n for n, _, _ in _pspecs)
    _kinds = {"k": "int"}
    _params = tuple(P(n, _kinds.get(n, "float"), d, doc) for n, d, doc in _pspecs)
    register(
        OpDef(
            f"_random_{_dist}",
            _scalar_kernel(_sampler, _names, _dist),
            inputs=(),
            params=_params
            + (
                P("shape", "shape", None, "Output shape (default (1,))."),
                P("ctx", "any", "", "Device; empty = current context."),
                P("dtype", "dtype", None, "Output dtype (float32 default).", _FLOATS),
            ),
            creation=True,
            infer_shape=_shape_infer,
            infer_type=attr_dtype_infer("float32"),
            aliases=_ALIASES.get(_dist, (f"random_{_dist}",)),
            cse=False,
            doc=f"Samples from the {_dist.replace('_', ' ')} distribution.",
        )
    )
    register(
        OpDef(
            f"_random_{_dist}_like",
            _like_kernel(_sampler, _names, _dist),
            params=_params,
            cse=False,
            doc=f"{_dist.replace('_', ' ').capitalize()} samples shaped like ``data``.",
        )
    )
    register(
        OpDef(
            f"_sample_{_dist}",
            _sample_kernel(f"_sample_{_dist}", _sampler),
            inputs=_names if _dist != "normal" else ("mu", "sigma"),
            params=(
                P("shape", "shape", (), "Samples per parameter element."),
                P("dtype", "dtype", None, "Output dtype.", _FLOATS),
            ),
            infer_shape=_sample_infer,
            infer_type=_sample_type,
            aliases=(f"sample_{_dist}",),
            cse=False,
            doc=f"Per-element {_dist.replace('_', ' ')} sampling: shape "
            "``param.shape + shape``.",
        )
    )


def _randint(low, high, shape=None, ctx="", dtype=None):
    if high <= low:
        raise ShapeError(
            f"Operator _random_randint: need low < high, got low={low}, high={high}."
        )
    return torch.randint(
        low, high, _shape(shape), dtype=dtype_of(dtype, "int32"), device=device_of(ctx)
    )


register(
    OpDef(
        "_random_randint",
        _randint,
        inputs=(),
        params=(
            P("low", "int", REQUIRED, "Lowest value (inclusive)."),
            P("high", "int", REQUIRED, "Upper bound (exclusive)."),
            P("shape", "shape", None, "Output shape (default (1,))."),
            P("ctx", "any", "", "Device; empty = current context."),
            P(
                "dtype",
                "dtype",
                None,
                "int32 (default) or int64.",
                (None, "int32", "int64"),
            ),
        ),
        creation=True,
        infer_shape=_shape_infer,
        infer_type=attr_dtype_infer("int32"),
        aliases=("random_randint",),
        doc="Uniform random integers in ``[low, high)`` (int32 by default).",
        cse=False,
    )
)


def _shuffle(data):
    perm = torch.randperm(data.shape[0], device=data.device)
    return data.detach()[perm]


register(
    OpDef(
        "_shuffle",
        _shuffle,
        aliases=("shuffle",),
        doc="Random permutation of the array along axis 0.",
        cse=False,
    )
)


def _multinomial(data, shape=(), get_prob=False, dtype="int32"):
    k = data.shape[-1]
    lead = tuple(data.shape[:-1])
    extra = tuple(shape or ())
    n = 1
    for d in extra:
        n *= d
    probs = data.detach().reshape(-1, k).float()
    idx = torch.multinomial(probs, n, replacement=True)
    # A single distribution without ``shape`` still gives shape (1,).
    out_shape = lead + extra or (1,)
    samples = idx.reshape(out_shape).to(dtype_of(dtype))
    if not get_prob:
        return samples
    flat = data.reshape(-1, k)
    logp = torch.log(torch.gather(flat, 1, idx)).reshape(out_shape)
    return samples, logp


def _multinomial_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    num_outputs = 2 if attrs.get("get_prob") else 1
    if s is None:
        return [None], [None] * num_outputs
    return [s], [tuple(s[:-1]) + tuple(attrs.get("shape") or ()) or (1,)] * num_outputs


def _multinomial_type(in_types, attrs):
    d = attrs.get("dtype") or "int32"
    return in_types, [d, in_types[0]] if attrs.get("get_prob") else [d]


register(
    OpDef(
        "_sample_multinomial",
        _multinomial,
        params=(
            P("shape", "shape", (), "Samples per distribution."),
            P("get_prob", "bool", False, "Also return the log-probability of each."),
            P(
                "dtype",
                "dtype",
                "int32",
                "Dtype of the samples.",
                ("float16", "float32", "float64", "int32", "uint8"),
            ),
        ),
        num_outputs=lambda a: 2 if a.get("get_prob") else 1,
        infer_shape=_multinomial_infer,
        infer_type=_multinomial_type,
        aliases=("sample_multinomial",),
        doc="Category indices drawn from probability rows (last axis).",
        cse=False,
    )
)
