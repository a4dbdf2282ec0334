"""The ``nd`` frontend: one eager function per registered operator.

Walks the registry once and builds real closures (with ``__signature__`` and
``__doc__`` from the OpDef); nothing is generated as source text.
"""

from __future__ import annotations

import types

from .. import _opprof
from .. import _state
from .._opprof import State as _PROF
from ..ops import registry as _reg
from ..ops._signature import bind
from ..ops._signature import build_doc
from ..ops._signature import build_signature
from ..ops._signature import check_inputs
from ..ops._signature import namespace_of
from .ndarray import NDArray
from .ndarray import _new
from .ndarray import invoke

_flags = _state.flags


def _is_input(x) -> bool:
    return isinstance(x, NDArray)


def make_function(op: _reg.OpDef, public_name: str):
    """The eager function for ``op``."""
    n_in = len(op.inputs)
    fast_ok = not op.variadic and len(op.defaults) == len(op.params)
    defaults = op.defaults
    all_required_inputs = op.present_inputs is None
    # Direct path: all inputs positional NDArrays, default attrs, one output,
    # nothing requiring grad (or recording): call the kernel with no helper.
    direct = (
        fast_ok
        and all_required_inputs
        and not op.creation
        and not op.returns_view
        and op.num_outputs == 1
        and n_in in (1, 2)
    )
    kernel = op.kernel
    no_attrs = not defaults
    same_dtype = op.same_dtype and not op.dtype_free_inputs
    attr_cache: dict = {}
    input_names = frozenset(op.inputs)

    op_name = op.name

    def fn(*args, out=None, name=None, **kwargs):
        if _PROF.on and not _opprof.entered():
            return _opprof.op_range(op_name, fn, *args, out=out, name=name, **kwargs)
        if direct and not kwargs and out is None and len(args) == n_in:
            if n_in == 1:
                a = args[0]
                if type(a) is NDArray:
                    t = a._data
                    if not t.requires_grad or _flags.recording:
                        try:
                            res = kernel(t) if no_attrs else kernel(t, **defaults)
                        except Exception:  # noqa: BLE001 - invoke reports it
                            return invoke(op, args, defaults, None)
                        return _new(res, a._ctx)
            else:
                a, b = args
                if type(a) is NDArray and type(b) is NDArray:
                    ta = a._data
                    tb = b._data
                    if (not same_dtype or ta.dtype is tb.dtype) and (
                        not (ta.requires_grad or tb.requires_grad) or _flags.recording
                    ):
                        try:
                            res = (
                                kernel(ta, tb)
                                if no_attrs
                                else kernel(ta, tb, **defaults)
                            )
                        except Exception:  # noqa: BLE001 - invoke reports it
                            return invoke(op, args, defaults, None)
                        return _new(res, a._ctx)
        # Attrs given by keyword with positional NDArray inputs: parse each
        # distinct set of keyword values once (call sites repeat them).
        if (
            kwargs
            and not op.variadic
            and not op.creation
            and len(args) <= n_in
            and input_names.isdisjoint(kwargs)
        ):
            try:
                key = tuple(kwargs.items())
                cached = attr_cache.get(key)
            except TypeError:  # unhashable attribute value
                key = cached = None
            if cached is None and key is not None:
                attrs = op.parse_attrs(kwargs)
                names = op.input_names(attrs)
                # (attrs, number of present inputs when they are the leading
                # declared ones, e.g. data+weight without bias; else -1)
                cached = (attrs, len(names) if names == op.inputs[: len(names)] else -1)
                if len(attr_cache) < 256:
                    attr_cache[key] = cached
            if cached is not None:
                attrs, n_present = cached
                for a in args:
                    if type(a) is not NDArray:
                        break
                else:
                    if len(args) == n_present:
                        return invoke(op, args, attrs, out)
                    inputs = list(args) + [None] * (n_in - len(args))
                    return invoke(op, check_inputs(op, inputs, attrs), attrs, out)
        # Fast path: all inputs positional, no attributes given.
        if fast_ok and not kwargs and len(args) == n_in and all_required_inputs:
            for a in args:
                if not isinstance(a, NDArray):
                    break
            else:
                return invoke(op, args, defaults, out)
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
