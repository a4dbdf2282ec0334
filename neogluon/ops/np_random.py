"""NumPy-interface random sampling: ``_npi_uniform``, ``_npi_normal``, ...

Streams come from torch's generator, so values cannot match MXNet's;
distributions, shapes, dtypes and attributes do. A distribution parameter is
either a scalar attribute (``low=0.0``) or, when that attribute is None, an
array input (``input1`` for the first parameter, ``input2`` for the second),
as MXNet's ``np.random`` passes them. Without ``size`` the output has the
broadcast shape of the array parameters, ``()`` when all are scalars. The
``*_n`` variants put ``size`` in front of that broadcast shape.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..base import MXNetError
from .creation import device_of
from .creation import dtype_of
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import register

__all__: list[str] = []

_FLOATS = ("float16", "float32", "float64")


class InvalidParameter(MXNetError, ValueError):
    """A distribution parameter out of its range (MXNet raises ValueError)."""


#: operator -> (parameter, strict): the parameter must be > 0 (strict) or >= 0.
_POSITIVE = {
    "normal": ("scale", False),
    "normal_n": ("scale", False),
    "gumbel": ("scale", False),
    "logistic": ("scale", False),
    "gamma": ("scale", True),
    "exponential": ("scale", False),
    "rayleigh": ("scale", False),
    "pareto": ("a", True),
    "weibull": ("a", True),
    "powerd": ("a", True),
}


def _check_param(op: str, name: str, value) -> None:
    """Raise InvalidParameter when ``value`` (scalar or tensor) of ``op``'s
    ``name`` is out of range (MXNet's checks, with its ValueError type)."""
    rule = _POSITIVE.get(op)
    checks = [rule] if rule and rule[0] == name else []
    if op == "gamma" and name == "shape":
        checks.append(("shape", True))
    for _, strict in checks:
        if isinstance(value, torch.Tensor):
            bad = bool((value <= 0).any()) if strict else bool((value < 0).any())
        else:
            bad = value <= 0 if strict else value < 0
        if bad:
            need = "> 0" if strict else ">= 0"
            raise InvalidParameter(
                f"Operator _npi_{op}: expect {name} {need}, got "
                f"{value.tolist() if isinstance(value, torch.Tensor) else value}."
            )


def _ctx():
    return P("ctx", "any", "cpu", "Device (Context or 'cpu(0)').")


def _size():
    return P("size", "axis", None, "Output shape (None: the parameters' shape).")


def _out_shape(size, params, prefix: bool) -> tuple[int, ...]:
    shapes = [tuple(p.shape) for p in params if isinstance(p, torch.Tensor)]
    bshape = torch.broadcast_shapes(*shapes) if shapes else ()
    if size is None:
        return tuple(bshape)
    size = (size,) if isinstance(size, int) else tuple(size)
    return size + tuple(bshape) if prefix else size


def _device(params, ctx):
    for p in params:
        if isinstance(p, torch.Tensor):
            return p.device
    return device_of(ctx if ctx not in ("cpu",) else "")


def _zero_gradients(samples: torch.Tensor, params) -> torch.Tensor:
    """``samples`` joined to the autograd graph of the array parameters with a
    zero gradient (MXNet's samplers without a reparameterisation give their
    array parameters zero gradients, not an error)."""
    linked = [p for p in params if isinstance(p, torch.Tensor) and p.requires_grad]
    if not linked:
        return samples
    zero = sum((p * 0).to(samples.dtype).expand(samples.shape) for p in linked)
    return samples + zero


def _two_param(
    op: str,
    names: tuple[str, str],
    sampler: Callable,
    prefix: bool,
    differentiable: bool,
) -> Callable:
    """The kernel of a two-parameter sampler. A ``differentiable`` one keeps
    the autograd graph from the array parameters to the samples (MXNet's
    reparameterised gradients); the others give no gradient (MXNet's zeros)."""

    def kernel(*tensors, size=None, ctx="cpu", dtype="float32", **attrs):
        it = iter(tensors)
        vals = [attrs[n] if attrs[n] is not None else next(it) for n in names]
        for n, v in zip(names, vals, strict=True):
            _check_param(op, n, v)
        shape = _out_shape(size, vals, prefix)
        dt = dtype_of(dtype)
        dev = _device(vals, ctx)
        ps = [
            (
                v.to(dt)
                if isinstance(v, torch.Tensor)
                else torch.tensor(v, dtype=dt, device=dev)
            )
            for v in vals
        ]
        ps = [p.expand(shape) if p.dim() or shape else p for p in ps]
        if differentiable:
            return sampler(shape, dt, dev, *ps)
        track = torch.is_grad_enabled()
        with torch.no_grad():
            samples = sampler(shape, dt, dev, *ps)
        return _zero_gradients(samples, ps) if track else samples

    return kernel


def _one_param(op: str, name: str, sampler: Callable, differentiable: bool) -> Callable:
    def kernel(*tensors, size=None, ctx="cpu", dtype="float32", **attrs):
        v = attrs[name] if attrs[name] is not None else tensors[0]
        _check_param(op, name, v)
        shape = _out_shape(size, [v], False)
        dt = dtype_of(dtype)
        dev = _device([v], ctx)
        p = (
            v.to(dt)
            if isinstance(v, torch.Tensor)
            else torch.tensor(v, dtype=dt, device=dev)
        )
        p = p.expand(shape) if shape else p
        if differentiable:
            return sampler(shape, dt, dev, p)
        track = torch.is_grad_enabled()
        with torch.no_grad():
            samples = sampler(shape, dt, dev, p)
        return _zero_gradients(samples, [p]) if track else samples

    return kernel


def _u(shape, dt, dev):
    return torch.rand(shape, dtype=dt, device=dev)


def _uniform(shape, dt, dev, low, high):
    return low + (high - low) * _u(shape, dt, dev)


def _normal(shape, dt, dev, loc, scale):
    return loc + scale * torch.randn(shape, dtype=dt, device=dev)


def _gamma(shape, dt, dev, k, theta):
    # torch has no half-precision gamma sampler: draw in float32, then cast.
    wide = torch.float32 if dt in (torch.float16, torch.bfloat16) else dt
    draw = torch._standard_gamma(k.expand(shape).to(wide).contiguous())
    return (draw * theta.to(wide)).to(dt)


def _gumbel(shape, dt, dev, loc, scale):
    u = _u(shape, dt, dev).clamp_min(torch.finfo(dt).tiny)
    return loc - scale * torch.log(-torch.log(u))


def _logistic(shape, dt, dev, loc, scale):
    u = _u(shape, dt, dev).clamp(torch.finfo(dt).tiny, 1 - torch.finfo(dt).eps)
    return loc + scale * torch.log(u / (1 - u))


def _exponential(shape, dt, dev, scale):
    return torch.empty(shape, dtype=dt, device=dev).exponential_() * scale


def _pareto(shape, dt, dev, a):
    # NumPy's pareto is the Lomax (Pareto II) distribution: exp(E / a) - 1.
    return torch.expm1(torch.empty(shape, dtype=dt, device=dev).exponential_() / a)


def _powerd(shape, dt, dev, a):
    return torch.pow(
        1 - torch.exp(-torch.empty(shape, dtype=dt, device=dev).exponential_()), 1 / a
    )


def _rayleigh(shape, dt, dev, scale):
    return scale * torch.sqrt(
        2 * torch.empty(shape, dtype=dt, device=dev).exponential_()
    )


def _weibull(shape, dt, dev, a):
    return torch.pow(torch.empty(shape, dtype=dt, device=dev).exponential_(), 1 / a)


def _present2(names: tuple[str, str]) -> Callable:
    def present(attrs):
        return tuple(
            inp
            for inp, n in zip(("input1", "input2"), names, strict=True)
            if attrs[n] is None
        )

    return present


def _shape_rule(prefix: bool, names: tuple[str, ...]) -> Callable:
    def infer(in_shapes, attrs, out_shapes=None):
        size = attrs.get("size")
        if any(s is None for s in in_shapes):
            return list(in_shapes), [None]
        size_t = (
            () if size is None else ((size,) if isinstance(size, int) else tuple(size))
        )
        b: tuple[int, ...] = ()
        if in_shapes:
            b = tuple(torch.broadcast_shapes(*[tuple(s) for s in in_shapes]))
        if size is None:
            return list(in_shapes), [b]
        return list(in_shapes), [size_t + b if prefix else size_t]

    return infer


def _dtype_rule(in_types, attrs):
    return in_types, [attrs.get("dtype") or "float32"]


#: samplers MXNet gives zero gradients (the others are reparameterised).
_NO_GRADIENT = ("uniform", "gamma", "powerd")
_TWO = {
    "uniform": (("low", "high"), _uniform, True),
    "normal": (("loc", "scale"), _normal, True),
    "gamma": (("shape", "scale"), _gamma, True),
    "gumbel": (("loc", "scale"), _gumbel, False),
    "logistic": (("loc", "scale"), _logistic, False),
}
for _name, (_names, _fn, _has_dtype) in _TWO.items():
    for _suffix, _prefix in (("", False), ("_n", True)):
        if _suffix and _name not in ("uniform", "normal"):
            continue
        _params = (
            P(_names[0], "float", REQUIRED, "First parameter (None: array input1)."),
            P(_names[1], "float", REQUIRED, "Second parameter (None: array input2)."),
            _size(),
            _ctx(),
        )
        if _has_dtype:
            _params += (P("dtype", "dtype", "float32", "Output dtype.", _FLOATS),)
        register(
            OpDef(
                f"_npi_{_name}{_suffix}",
                _two_param(
                    _name + _suffix,
                    _names,
                    _fn,
                    _prefix,
                    _name not in _NO_GRADIENT,
                ),
                inputs=("input1", "input2"),
                params=_params,
                present_inputs=_present2(_names),
                infer_shape=_shape_rule(_prefix, _names),
                infer_type=_dtype_rule,
                same_dtype=False,
                cse=False,  # random draws: never merged by graph passes
                doc=f"Samples from the {_name} distribution"
                + (" (``size`` prefixes the parameters' shape)." if _prefix else "."),
            )
        )


def _present1(name: str) -> Callable:
    def present(attrs) -> tuple[str, ...]:
        return ("input1",) if attrs[name] is None else ()

    return present


_ONE = {
    "exponential": ("scale", 1.0, _exponential),
    "pareto": ("a", None, _pareto),
    "powerd": ("a", None, _powerd),
    "rayleigh": ("scale", 1.0, _rayleigh),
    "weibull": ("a", None, _weibull),
}
for _name, (_pname, _pdef, _fn) in _ONE.items():
    _params = (
        P(_pname, "float", _pdef, "The parameter (None: array input1)."),
        _size(),
    )
    if _name != "powerd":
        _params += (_ctx(),)
    register(
        OpDef(
            f"_npi_{_name}",
            _one_param(_name, _pname, _fn, _name not in _NO_GRADIENT),
            inputs=("input1",),
            params=_params,
            present_inputs=_present1(_pname),
            infer_shape=_shape_rule(False, (_pname,)),
            infer_type=lambda in_types, attrs: (in_types, ["float32"]),
            cse=False,  # random draws: never merged by graph passes
            doc=f"Samples from the {_name} distribution.",
        )
    )


def _bernoulli(
    *tensors,
    prob=None,
    logit=None,
    size=None,
    ctx="cpu",
    dtype="float32",
    is_logit=False,
):
    v = logit if is_logit else prob
    if v is None:
        v = tensors[0]
    shape = _out_shape(size, [v], False)
    dev = _device([v], ctx)
    p = (
        v.double()
        if isinstance(v, torch.Tensor)
        else torch.tensor(float(v), device=dev, dtype=torch.float64)
    )
    if is_logit:
        p = torch.sigmoid(p)
    elif bool(((p < 0) | (p > 1)).any()):
        raise InvalidParameter(
            "Operator _npi_bernoulli: expect probs >= 0 && probs <= 1, got "
            f"{p.tolist()}."
        )
    p = p.expand(shape) if shape else p
    with torch.no_grad():
        return torch.bernoulli(p).to(dtype_of(dtype))


register(
    OpDef(
        "_npi_bernoulli",
        _bernoulli,
        inputs=("input1",),
        params=(
            P("prob", "float", REQUIRED, "Probability of 1 (None: array input1)."),
            P("logit", "float", REQUIRED, "Log-odds of 1 (None: array input1)."),
            _size(),
            _ctx(),
            P(
                "dtype",
                "dtype",
                "float32",
                "Output dtype.",
                ("bool", "float16", "float32", "float64", "int32", "uint8"),
            ),
            P("is_logit", "bool", REQUIRED, "Whether ``logit`` is given."),
        ),
        present_inputs=lambda attrs: (
            ("input1",)
            if (attrs["logit"] if attrs["is_logit"] else attrs["prob"]) is None
            else ()
        ),
        infer_shape=_shape_rule(False, ("prob",)),
        infer_type=_dtype_rule,
        cse=False,  # random draws: never merged by graph passes
        doc="Bernoulli samples (0/1) with probability ``prob`` or ``sigmoid(logit)``.",
    )
)


def _randint(low, high, shape=None, ctx="", dtype=None):
    if high <= low:
        raise MXNetError(
            f"Operator _npi_random_randint: low ({low}) must be less than high ({high})."
        )
    dt = dtype_of(dtype, "int32")
    return torch.randint(low, high, tuple(shape or ()), dtype=dt, device=device_of(ctx))


register(
    OpDef(
        "_npi_random_randint",
        _randint,
        inputs=(),
        params=(
            P("low", "int", REQUIRED, "Lowest value (inclusive)."),
            P("high", "int", REQUIRED, "Upper bound (exclusive)."),
            P("shape", "shape", None, "Output shape."),
            P("ctx", "any", "", "Device."),
            P(
                "dtype",
                "dtype",
                None,
                "Output dtype (default int32).",
                (None, "int32", "int64"),
            ),
        ),
        creation=True,
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            [],
            [tuple(attrs.get("shape") or ())],
        ),
        infer_type=lambda in_types, attrs: (in_types, [attrs.get("dtype") or "int32"]),
        cse=False,  # random draws: never merged by graph passes
        doc="Random integers in ``[low, high)``.",
    )
)


def _choice(*tensors, a=None, size=None, ctx="cpu", replace=True, weighted=False):
    it = iter(tensors)
    n = int(a) if a is not None else None
    pool = None
    if n is None:
        pool = next(it)
        n = pool.shape[0]
    p = next(it) if weighted else None
    shape = () if size is None else ((size,) if isinstance(size, int) else tuple(size))
    k = 1
    for d in shape:
        k *= d
    dev = pool.device if pool is not None else device_of(ctx if ctx != "cpu" else "")
    if not replace and k > n:
        raise MXNetError(
            f"Operator _npi_choice: cannot take a larger sample ({k}) than the "
            f"population ({n}) when replace=False."
        )
    w = p.double() if p is not None else torch.ones(n, dtype=torch.float64, device=dev)
    with torch.no_grad():
        idx = torch.multinomial(w, max(k, 1) if k else 1, replacement=replace)[:k]
    idx = idx.reshape(shape)
    return pool[idx] if pool is not None else idx.to(torch.int64)


def _choice_present(attrs):
    names = () if attrs["a"] is not None else ("input1",)
    return names + (("input2",) if attrs["weighted"] else ())


register(
    OpDef(
        "_npi_choice",
        _choice,
        inputs=("input1", "input2"),
        params=(
            P("a", "int", REQUIRED, "Population size (None: array input1)."),
            P("size", "axis", REQUIRED, "Output shape."),
            _ctx(),
            P("replace", "bool", True, "Sample with replacement."),
            P("weighted", "bool", False, "Probabilities given as input2."),
        ),
        present_inputs=_choice_present,
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            list(in_shapes),
            [
                ()
                if attrs.get("size") is None
                else (
                    (attrs["size"],)
                    if isinstance(attrs["size"], int)
                    else tuple(attrs["size"])
                )
            ],
        ),
        infer_type=lambda in_types, attrs: (
            in_types,
            [in_types[0] if attrs["a"] is None and in_types else "int64"],
        ),
        same_dtype=False,
        cse=False,  # random draws: never merged by graph passes
        doc="Random sample from ``arange(a)`` or the array input1.",
    )
)


def _multinomial(*tensors, n=1, pvals=None, size=None):
    if pvals is None:
        pv = tensors[0].double()
    else:
        pv = torch.tensor([float(v) for v in pvals], dtype=torch.float64)
    dev = pv.device
    if float(pv[:-1].sum()) > 1.0 + 1e-12:
        raise MXNetError("Operator _npi_multinomial: sum(pvals[:-1]) must be <= 1.")
    shape = () if size is None else ((size,) if isinstance(size, int) else tuple(size))
    k = 1
    for d in shape:
        k *= d
    with torch.no_grad():
        draws = torch.multinomial(pv.expand(k, -1), n, replacement=True)
        counts = torch.zeros(k, pv.shape[0], dtype=torch.int64, device=dev)
        counts.scatter_add_(1, draws, torch.ones_like(draws))
    return counts.reshape(shape + (pv.shape[0],))


def _pvals(v):
    from .registry import _literal

    if isinstance(v, str):
        v = _literal(v)
    return None if v is None else tuple(float(x) for x in v)


register(
    OpDef(
        "_npi_multinomial",
        lambda *t, n=1, pvals=None, size=None: _multinomial(
            *t, n=n, pvals=_pvals(pvals), size=size
        ),
        inputs=("a",),
        params=(
            P("n", "int", REQUIRED, "Number of experiments."),
            P("pvals", "any", None, "Probabilities (None: array input a)."),
            _size(),
        ),
        present_inputs=lambda attrs: ("a",) if attrs.get("pvals") is None else (),
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (list(in_shapes), [None]),
        infer_type=lambda in_types, attrs: (in_types, ["int64"]),
        cse=False,  # random draws: never merged by graph passes
        doc="Counts of ``n`` draws over ``len(pvals)`` outcomes.",
    )
)


def _shuffle(data):
    if data.dim() == 0:
        return data.clone()
    perm = torch.randperm(data.shape[0], device=data.device)
    return data[perm]


register(
    OpDef(
        "_npi_shuffle",
        _shuffle,
        infer_shape=lambda in_shapes, attrs, out_shapes=None: (
            list(in_shapes),
            [in_shapes[0]],
        ),
        cse=False,  # random draws: never merged by graph passes
        doc="A copy with the first axis randomly permuted.",
    )
)
