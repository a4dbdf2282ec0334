"""The ``nd`` frontend: one eager function per registered operator.

Walks the registry once and builds real closures (with ``__signature__`` and
``__doc__`` from the OpDef); nothing is generated as source text.
"""

from __future__ import annotations

import types

from ..ops import registry as _reg
from ..ops._signature import bind
from ..ops._signature import build_doc
from ..ops._signature import build_signature
from ..ops._signature import check_inputs
from ..ops._signature import namespace_of
from .ndarray import NDArray
from .ndarray import invoke


def _is_input(x) -> bool:
    return isinstance(x, NDArray)


#: Attribute value types whose equal values always parse alike (``type``: a
#: dtype given as a class, equal only to itself).
_KEY_TYPES = frozenset({int, str, bool, type(None), type})


def attr_key(kwargs: dict) -> tuple | None:
    """A cache key for keyword attributes, or None when they are not cacheable.

    Values that compare equal but parse differently must not share a key:
    ``1``, ``1.0`` and ``True`` are equal in Python (and hash alike) but an
    ``str`` or ``any`` attribute keeps the difference and a ``bool`` one
    rejects ``1.0``; ``0.0 == -0.0``; ``(1, 2) == (1.0, 2)``. So the key holds
    each value's type, and only values of exact types are cached: ints, strs,
    bools, None, classes, non-zero floats and tuples of ints.
    """
    key = []
    for k, v in kwargs.items():
        t = type(v)
        if t is tuple:
            for e in v:
                if type(e) is not int:
                    return None
        elif t is float:
            if not v or v != v:  # 0.0 / -0.0, NaN
                return None
        elif t not in _KEY_TYPES:
            return None
        key.append((k, t, v))
    return tuple(key)


def _leading_inputs(op: _reg.OpDef, attrs: dict) -> int:
    """How many inputs ``attrs`` make present when they are the leading
    declared ones (data and weight without bias), else -1."""
    names = op.input_names(attrs)
    return len(names) if names == op.inputs[: len(names)] else -1


def make_function(op: _reg.OpDef, public_name: str):
    """The eager function for ``op``.

    The common call, positional NDArray inputs with attributes by keyword or
    left at their defaults, binds in a few steps: each distinct set of keyword
    values is parsed once (call sites repeat them) and the inputs go straight
    to :func:`invoke`; so do the arrays of a variadic op (``concat``) and
    attributes given positionally after all the inputs (``clip(x, 0, 1)``).
    Everything else (inputs by keyword, absent optional inputs, a list of
    arrays, creation ops) binds through ``ops._signature``.
    """
    n_in = len(op.inputs)
    defaults = op.defaults
    plain = not op.variadic and not op.creation
    # Inputs present with no attribute given (-1: bind them the long way).
    n_default = (
        _leading_inputs(op, defaults)
        if plain and len(defaults) == len(op.params)
        else -1
    )
    attr_cache: dict = {}
    input_names = frozenset(op.inputs)
    variadic = op.variadic and not op.creation
    num_args_attr = op.num_args_attr
    param_names = tuple(p.name for p in op.params)

    def fn(*args, out=None, name=None, **kwargs):
        if plain and len(args) > n_in and len(args) - n_in <= len(param_names):
            # ``clip(x, 0, 1)``: attributes after every input, given
            # positionally, join the keyword ones (a clash binds the long way)
            names = param_names[: len(args) - n_in]
            if not kwargs or kwargs.keys().isdisjoint(names):
                kwargs = {**dict(zip(names, args[n_in:], strict=True)), **kwargs}
                args = args[:n_in]
        if variadic and args and input_names.isdisjoint(kwargs):
            # ``concat(x, y, dim=0)``: the arrays are the inputs, num_args
            # their count unless given.
            for a in args:
                if type(a) is not NDArray:
                    break
            else:
                if num_args_attr is not None and num_args_attr not in kwargs:
                    kwargs[num_args_attr] = len(args)
                key = attr_key(kwargs)
                parsed = attr_cache.get(key) if key is not None else None
                if parsed is None:
                    parsed = op.parse_attrs(kwargs)
                    if key is not None and len(attr_cache) < 256:
                        attr_cache[key] = parsed
                return invoke(op, args, parsed, out)
        attrs = defaults
        n_present = n_default
        if kwargs:
            n_present = -1
            if plain and len(args) <= n_in:
                key = attr_key(kwargs)
                cached = attr_cache.get(key) if key is not None else None
                if cached is None and input_names.isdisjoint(kwargs):
                    parsed = op.parse_attrs(kwargs)
                    cached = (parsed, _leading_inputs(op, parsed))
                    if key is not None and len(attr_cache) < 256:
                        attr_cache[key] = cached
                if cached is not None:
                    attrs, n_present = cached
        if len(args) == n_present:
            for a in args:
                if type(a) is not NDArray:
                    break
            else:
                return invoke(op, args, attrs, out)
        inputs, given = bind(op, args, kwargs, _is_input)
        attrs = op.parse_attrs(given)
        if op.creation:
            return invoke(op, [], attrs, out)
        return invoke(op, check_inputs(op, inputs, attrs), attrs, out)

    fn.__name__ = public_name
    fn.__qualname__ = public_name
    fn.__doc__ = build_doc(op)
    fn.__signature__ = build_signature(op)
    fn.__module__ = "neogluon.ndarray"
    fn.op = op
    return fn


def populate(root: types.ModuleType, submodules: dict[str, types.ModuleType]) -> None:
    """Place every op under ``root`` or its sub-namespaces by MXNet's rules."""
    for name, op in _reg.all_names().items():
        ns, short = namespace_of(name)
        f = make_function(op, short)
        if ns == "":
            if not hasattr(root, short):
                setattr(root, short, f)
        else:
            mod = submodules[ns]
            if not hasattr(mod, short):
                setattr(mod, short, f)
            if ns == "_internal":
                continue
            # MXNet also exposes e.g. ``nd.random_uniform``/``nd.linalg_gemm2``.
            flat = name.lstrip("_")
            if not hasattr(root, flat):
                setattr(root, flat, f)
