"""The ``sym`` frontend: one graph-building function per registered operator.

Same binding as ``nd`` (``ops/_signature.py``), so ``hybrid_forward(F, ...)``
runs unchanged on either. Each call adds one node named by the current
:class:`~neogluon.name.NameManager` (``<function name lower><n>`` unless
``name=`` is given) and creates missing inputs as ``<node>_<input>`` variables.
"""

from __future__ import annotations

import inspect
import numbers
import sys
import types

from ..base import _Null
from ..ops import optable
from ..ops import registry as _reg
from ..ops._signature import bind
from ..ops._signature import build_doc
from ..ops._signature import build_signature
from ..ops._signature import namespace_of
from .symbol import Symbol
from .symbol import create
from .symbol import graph_binary
from .symbol import graph_reflected

__all__ = ["make_function", "populate", "lookup", "HELPERS", "RANDOM_HELPERS"]


def _is_input(x) -> bool:
    return isinstance(x, Symbol)


def _signature(op: _reg.OpDef) -> inspect.Signature:
    sig = build_signature(op)
    params = [p for p in sig.parameters.values() if p.name not in ("out", "name")]
    kw = inspect.Parameter.KEYWORD_ONLY
    params += [
        inspect.Parameter("name", kw, default=None),
        inspect.Parameter("attr", kw, default=None),
        inspect.Parameter("out", kw, default=None),
        inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD),
    ]
    return sig.replace(parameters=params)


def make_function(op: _reg.OpDef, public_name: str):
    """The graph-building function for ``op`` exposed as ``public_name``."""
    hint = public_name.lower()

    def fn(*args, name=None, attr=None, out=None, **kwargs):
        inputs, given = bind(op, args, kwargs, _is_input)
        if op.creation:
            inputs = []
        return create(op, inputs, given, name=name, attr=attr, hint=hint)

    fn.__name__ = public_name
    fn.__qualname__ = public_name
    fn.__doc__ = build_doc(op)
    fn.__signature__ = _signature(op)
    fn.__module__ = "neogluon.symbol"
    fn.op = op
    return fn


def populate(root: types.ModuleType, submodules: dict[str, types.ModuleType]) -> None:
    """Place every op under ``root`` or its sub-namespaces by MXNet's rules."""
    for name, op in _reg.all_names().items():
        ns, short = namespace_of(name)
        if ns == "":
            if not hasattr(root, short):
                setattr(root, short, make_function(op, short))
            continue
        mod = submodules[ns]
        if not hasattr(mod, short):
            setattr(mod, short, make_function(op, short))
        if ns == "_internal":
            continue
        flat = name.lstrip("_")
        if not hasattr(root, flat):
            setattr(root, flat, make_function(op, flat))


def lookup(name: str):
    """The ``mx.sym`` function called ``name`` (None when not registered)."""
    root = sys.modules.get("neogluon.symbol")
    return getattr(root, name, None) if root is not None else None


def _internal(name: str):
    """The op function ``sym._internal.<name>`` (built on demand)."""
    mod = sys.modules["neogluon.symbol._internal"]
    fn = getattr(mod, name, None)
    if fn is None:
        op = _reg.get(name)
        fn = make_function(op, name)
    return fn


# --------------------------------------------------------------------------- helpers
def _sym_function(r: optable.Binary, name: str):
    """``sym.<name>(left, right)`` for an operator-table row: the Symbol
    dunders' node builders behind MXNet's operand dispatch."""
    rmethod = (
        graph_binary(r)
        if r.symmetric
        else graph_reflected(r, r.sym_function_rscalar or r.graph_ops.rscalar)
    )
    return optable.make_function(r, name, Symbol, graph_binary(r), rmethod)


_SYM_FUNCTIONS = {
    name: _sym_function(r, name) for r in optable.BINARY for name in r.sym_functions
}
_pow = _SYM_FUNCTIONS["pow"]
_maximum = _SYM_FUNCTIONS["maximum"]
_minimum = _SYM_FUNCTIONS["minimum"]
_hypot = _SYM_FUNCTIONS["hypot"]


def pow(base, exp):  # noqa: A001 - MXNet's name
    """``base ** exp`` for Symbols and/or scalars."""
    return _pow(base, exp)


def power(base, exp):
    """``base ** exp`` for Symbols and/or scalars."""
    return _pow(base, exp)


def maximum(left, right):
    """Element-wise maximum of Symbols and/or scalars."""
    return _maximum(left, right)


def minimum(left, right):
    """Element-wise minimum of Symbols and/or scalars."""
    return _minimum(left, right)


def hypot(left, right):
    """Element-wise hypotenuse of Symbols and/or scalars."""
    return _hypot(left, right)


def _dt(dtype):
    return "float32" if dtype is None else dtype


def zeros(shape, dtype=None, **kwargs) -> Symbol:
    """A symbol of zeros (float32 by default)."""
    return _internal("_zeros")(shape=shape, dtype=_dt(dtype), **kwargs)


def ones(shape, dtype=None, **kwargs) -> Symbol:
    """A symbol of ones (float32 by default)."""
    return _internal("_ones")(shape=shape, dtype=_dt(dtype), **kwargs)


def full(shape, val, dtype=None, **kwargs) -> Symbol:
    """A symbol filled with ``val``."""
    return _internal("_full")(shape=shape, dtype=_dt(dtype), value=float(val), **kwargs)


def eye(N, M=0, k=0, dtype=None, **kwargs) -> Symbol:
    """A 2-D symbol with ones on the k-th diagonal."""
    return _internal("_eye")(N=N, M=M, k=k, dtype=_dt(dtype), **kwargs)


def arange(
    start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None
) -> Symbol:
    """Evenly spaced values in ``[start, stop)``."""
    return _internal("_arange")(
        start=start,
        stop=stop,
        step=step,
        repeat=repeat,
        infer_range=infer_range,
        name=name,
        dtype=_dt(dtype),
    )


def linspace(start, stop, num, endpoint=True, name=None, dtype=None) -> Symbol:
    """``num`` evenly spaced values over ``[start, stop]``."""
    return _internal("_linspace")(
        start=start, stop=stop, num=num, endpoint=endpoint, name=name, dtype=_dt(dtype)
    )


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False) -> Symbol:
    """numpy-style split into sections or at indices."""
    indices: list = []
    sections = 0
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
    elif isinstance(indices_or_sections, tuple):
        indices = [0, *indices_or_sections]
    else:
        raise ValueError("indices_or_sections must either int or tuple of ints")
    return _internal("_split_v2")(
        ary, indices=indices, axis=axis, squeeze_axis=squeeze_axis, sections=sections
    )


def histogram(a, bins=10, range=None):  # noqa: A002 - MXNet's argument name
    """Histogram of ``a``: ``bins`` equal bins over ``range``, or given edges.

    Returns a Symbol with two outputs (counts, bin edges). In a graph ``range``
    is required with integer ``bins`` (the data is not known when tracing).
    """
    if isinstance(bins, Symbol):
        return _internal("_histogram")(a, bins)
    if isinstance(bins, int):
        if range is None:
            raise ValueError(
                "sym.histogram: range=(low, high) is required with an integer "
                "bins in a graph."
            )
        return _internal("_histogram")(a, bin_cnt=bins, range=range)
    raise ValueError("bins argument should be either an integer or a Symbol")


HELPERS = {
    f.__name__: f
    for f in (
        histogram,
        pow,
        power,
        maximum,
        minimum,
        hypot,
        zeros,
        ones,
        full,
        eye,
        arange,
        linspace,
        split_v2,
    )
}


# --------------------------------------------------------------------------- random
def _random_helper(random_op, sampler_op, params, shape, dtype, kwargs):
    if isinstance(params[0], Symbol):
        for p in params[1:]:
            if not isinstance(p, Symbol):
                raise TypeError(
                    f"Distribution parameters must all have the same type, but got both {type(params[0])} and {type(p)}."
                )
        if sampler_op is None:
            raise TypeError("this distribution does not accept Symbol parameters")
        return _internal(sampler_op)(*params, shape=shape, dtype=dtype, **kwargs)
    if isinstance(params[0], numbers.Number):
        for p in params[1:]:
            if not isinstance(p, numbers.Number):
                raise TypeError(
                    f"Distribution parameters must all have the same type, but got both {type(params[0])} and {type(p)}."
                )
        names = _reg.get(random_op).params
        given = {spec.name: v for spec, v in zip(names, params, strict=False)}
        return _internal(random_op)(shape=shape, dtype=dtype, **given, **kwargs)
    raise ValueError(
        f"Distribution parameters must be either Symbol or numbers, but got {type(params[0])}."
    )


def uniform(low=0, high=1, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Samples from U[low, high)."""
    return _random_helper(
        "_random_uniform", "_sample_uniform", [low, high], shape, dtype, kwargs
    )


def normal(loc=0, scale=1, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Samples from N(loc, scale^2)."""
    return _random_helper(
        "_random_normal", "_sample_normal", [loc, scale], shape, dtype, kwargs
    )


def randn(*shape, **kwargs) -> Symbol:
    """Standard normal samples of the given shape."""
    loc = kwargs.pop("loc", 0)
    scale = kwargs.pop("scale", 1)
    dtype = kwargs.pop("dtype", _Null)
    return _random_helper(
        "_random_normal", "_sample_normal", [loc, scale], shape, dtype, kwargs
    )


def poisson(lam=1, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Poisson samples."""
    return _random_helper(
        "_random_poisson", "_sample_poisson", [lam], shape, dtype, kwargs
    )


def exponential(scale=1, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Exponential samples with mean ``scale``."""
    return _random_helper(
        "_random_exponential",
        "_sample_exponential",
        [1.0 / scale],
        shape,
        dtype,
        kwargs,
    )


def gamma(alpha=1, beta=1, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Gamma samples."""
    return _random_helper(
        "_random_gamma", "_sample_gamma", [alpha, beta], shape, dtype, kwargs
    )


def negative_binomial(k=1, p=1, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Negative binomial samples."""
    return _random_helper(
        "_random_negative_binomial",
        "_sample_negative_binomial",
        [k, p],
        shape,
        dtype,
        kwargs,
    )


def generalized_negative_binomial(
    mu=1, alpha=1, shape=_Null, dtype=_Null, **kwargs
) -> Symbol:
    """Generalized negative binomial samples."""
    return _random_helper(
        "_random_generalized_negative_binomial",
        "_sample_generalized_negative_binomial",
        [mu, alpha],
        shape,
        dtype,
        kwargs,
    )


def randint(low, high, shape=_Null, dtype=_Null, **kwargs) -> Symbol:
    """Integer samples in ``[low, high)``."""
    return _random_helper("_random_randint", None, [low, high], shape, dtype, kwargs)


def multinomial(data, shape=_Null, get_prob=True, dtype="int32", **kwargs) -> Symbol:
    """Category samples from each row of probabilities ``data``."""
    return _internal("_sample_multinomial")(
        data, shape=shape, get_prob=get_prob, dtype=dtype, **kwargs
    )


def shuffle(data, **kwargs) -> Symbol:
    """Shuffle along the first axis."""
    return _internal("_shuffle")(data, **kwargs)


RANDOM_HELPERS = {
    f.__name__: f
    for f in (
        uniform,
        normal,
        randn,
        poisson,
        exponential,
        gamma,
        negative_binomial,
        generalized_negative_binomial,
        randint,
        multinomial,
        shuffle,
    )
}
