"""The ``nd`` frontend: one eager function per registered operator.

Walks the registry once and builds real closures (with ``__signature__`` and
``__doc__`` from the OpDef); nothing is generated as source text. The common
call runs in one frame (:func:`make_function`).
"""

from __future__ import annotations

import sys
import types

import torch

from .. import _state
from .._opprof import State as _PROF
from ..base import MXNetError
from ..ops import registry as _reg
from ..ops._signature import bind
from ..ops._signature import build_doc
from ..ops._signature import build_signature
from ..ops._signature import check_inputs
from ..ops._signature import namespace_of
from ._core import NDArray
from ._core import _alloc
from ._core import _new
from ._core import note_recorded
from ._invoke import _own_copy
from ._invoke import _with_block
from ._invoke import invoke
from ._invoke import op_error

_flags = _state.flags
_Tensor = torch.Tensor
_set_grad = torch._C._set_grad_enabled
_grad_enabled = torch.is_grad_enabled
#: What a failing kernel raises (reported as ``invoke`` reports it).
_KERNEL_ERRORS = (MXNetError, RuntimeError, ValueError, IndexError, TypeError)


class _NoArg:
    """The default of an input not given positionally."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no argument>"


_NO = _NoArg()


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


# ----------------------------------------------------------------- bound calls
#: Parameter kinds whose equal values always parse alike (``1``, ``1.0`` and
#: ``True`` give the same int; a cached str value is a str). A cache entry
#: made of these kinds only is looked up without comparing types. Not
#: ``axis``: ``axis=1.0`` is an error where ``axis=1`` is not.
_UNTYPED_KINDS = frozenset({"int", "shape", "str"})


class _Bound:
    """One parsed set of attributes of one op, ready to run.

    ``call(*tensors, *pos)`` (``kw`` None) or ``call(*tensors, **kw)`` runs
    the kernel with these attributes; ``n_present`` is how many leading
    inputs they make present (-1: not the leading ones, bind the long way);
    ``types`` the value types the cache entry was made from (None: the op's
    attribute kinds need no type check, see :data:`_UNTYPED_KINDS`).
    """

    __slots__ = ("call", "pos", "kw", "direct", "fast", "attrs", "n_present", "types")

    def __init__(self, op: _reg.OpDef, attrs: dict, n_present: int, types) -> None:
        call, pos, kw = _bind_kernel(op, attrs, n_present)
        self.call = call
        self.pos = pos
        self.kw = kw
        #: ``call(*tensors)`` alone runs it (no ``pos``, no ``kw``)
        self.direct = kw is None and not pos
        #: ``call`` is the op's fast kernel: a failure reruns the kernel
        self.fast = call is not op.kernel
        self.attrs = attrs
        self.n_present = n_present
        self.types = types


def _bind_kernel(op: _reg.OpDef, attrs: dict, n_present: int):
    """``(call, pos, kw)``: the cheapest way to run ``op.kernel`` on
    ``n_present`` tensors with ``attrs`` (see :class:`_Bound`)."""
    if op.fast_kernel is not None:
        fast = op.fast_kernel(attrs)
        if fast is not None:
            return fast, (), None
    kernel = op.kernel
    if not attrs or (op.bare_defaults and attrs == op.defaults and _same(attrs, op)):
        return kernel, (), None
    code = getattr(kernel, "__code__", None)
    names = tuple(attrs)
    if (
        code is not None
        and n_present >= 0
        and code.co_argcount >= n_present + len(names)
        and code.co_varnames[n_present : n_present + len(names)] == names
    ):
        return kernel, tuple(attrs.values()), None
    return kernel, (), attrs


def _same(attrs: dict, op: _reg.OpDef) -> bool:
    """``attrs`` are the op's defaults value for value and type."""
    return all(type(v) is type(op.defaults[k]) for k, v in attrs.items())


def _cacheable(op: _reg.OpDef, given: dict) -> bool:
    """Whether a call with these given values may be cached (see
    :func:`attr_key`; a str attribute is cached for a str value only)."""
    if attr_key(given) is None:
        return False
    spec_map = op.spec_map
    for k, v in given.items():
        spec = spec_map.get(k)
        if spec is not None and spec.kind == "str" and type(v) is not str:
            return False
    return True


#: ``mx.np.ndarray``, registered by ``ndarray/_np.py`` (which imports this module).
_NP_ARRAY_TYPES: list[type] = []


class _NoArray:
    """Stands for ``mx.np.ndarray`` in :data:`_NP_TYPE` until it is registered."""


#: ``mx.np.ndarray`` once registered (:func:`register_np_array_type`): the
#: one-frame paths take it as they take a dense NDArray (same tensor slots;
#: the result is an NDArray, what ``invoke`` returns for it).
_NP_TYPE: type = _NoArray


def register_np_array_type(cls: type) -> None:
    """Let the nd operators' one-frame paths take ``cls`` (``mx.np.ndarray``)
    inputs like dense NDArrays."""
    global _NP_TYPE
    _NP_ARRAY_TYPES.append(cls)
    _NP_TYPE = cls


def _only_np_arrays(args: tuple) -> bool:
    """Whether ``args`` hold an ``mx.np.ndarray`` and no array of another
    kind than it and the dense ``NDArray`` (``invoke`` treats the two alike)."""
    if not _NP_ARRAY_TYPES:
        return False
    np_type = _NP_ARRAY_TYPES[0]
    seen = False
    for a in args:
        t = type(a)
        if t is np_type:
            seen = True
        elif t is not NDArray and isinstance(a, NDArray):
            return False
    return seen


def make_function(op: _reg.OpDef, public_name: str):
    """The eager function for ``op``.

    Two layers, both built once per op. :func:`_general_function` binds any
    call MXNet accepts (inputs by keyword, absent optional inputs, a list of
    arrays, creation ops) and runs it through :func:`invoke`. In front of it,
    for ops with fixed inputs or ``*data`` inputs, :func:`_fast_function`
    runs the common call in one frame: dense ``NDArray`` inputs given
    positionally, attributes by keyword or after the inputs (``clip(x, 0,
    1)``) or left at their defaults, no ``out=``, no profiler session. Each
    distinct set of attribute values is parsed once and kept with the kernel
    call it binds to (:class:`_Bound`); the kernel runs directly (grad mode
    off when an input requires grad outside ``record()``) and its tensor is
    wrapped in place (a list for a multi-output op). Anything else (a sparse
    array or another NDArray subclass, mixed dtypes, ``out=``, the profiler)
    is handed to the general function, which does what ``invoke`` always did.
    """
    general = _general_function(op)
    if op.creation:
        fn = general
    else:
        fast: list = []

        def slow(*args, out=None, name=None, **kwargs):
            # ``mx.np`` arrays given positionally (Gluon layers under
            # ``npx.set_np()`` call these operators on them, also beside
            # NDArrays): their NDArray views (no copy, gradients shared) take
            # the fast path, which returns what ``invoke`` returns for them,
            # an NDArray.
            if out is None and _only_np_arrays(args):
                views = [
                    a.as_nd_ndarray() if isinstance(a, NDArray) else a for a in args
                ]
                return fast[0](*views, name=name, **kwargs)
            return general(*args, out=out, name=name, **kwargs)

        fn = _fast_function(op, slow)
        fast.append(fn)
    fn.__name__ = public_name
    fn.__qualname__ = public_name
    fn.__doc__ = build_doc(op)
    fn.__signature__ = build_signature(op)
    fn.__module__ = "neogluon.ndarray"
    fn.op = op
    return fn


def _fast_function(op: _reg.OpDef, general):  # noqa: C901 - one frame on purpose
    """The one-frame function of ``op`` (see :func:`make_function`): ``fn_1``
    (one input, or a second optional one), ``fn_2`` (two) or ``fn_many`` (three
    or more, ``*data``), each handing what it does not run to ``general``."""
    n_in = len(op.inputs)
    defaults = op.defaults
    params = op.params
    param_names = tuple(p.name for p in params)
    input_names = frozenset(op.inputs)
    kinds = {p.name: p.kind for p in params}
    same_dtype = op.same_dtype
    returns_view = op.returns_view
    variadic = op.variadic
    num_args_attr = op.num_args_attr
    if variadic:
        n_default = -1
    elif len(defaults) == len(params):
        n_default = _leading_inputs(op, defaults)
    else:
        n_default = -1
    bound0 = _Bound(op, defaults, n_default, None) if n_default > 0 else None
    # Which one-frame form: one input (or a second optional one), two, or
    # many (three or more, or ``*data``). ``many`` keys every cache entry by
    # the number of arrays given too.
    one = not variadic and (n_in == 1 or (n_in == 2 and n_default == 1))
    many = not one and (variadic or n_in != 2)
    max_in = sys.maxsize if variadic else n_in
    #: keyword attributes only -> _Bound (``fn_1``, ``fn_2``)
    kw_cache: dict = {}
    #: (array count, positional attributes, keyword items) -> _Bound
    pos_cache: dict = {}
    #: The value of the one keyword ``hot_name`` -> _Bound: the first
    #: keyword an op is called with alone (``act_type``, ``axis``, ``dim``)
    #: is looked up by its value, without building the items tuple.
    hot: dict = {}
    hot_name = ""
    #: attributes given after the one input alone (``clip(x, 0, 1)``):
    #: the positional tuple -> _Bound (``fn_1``)
    pos1_cache: dict = {}

    def entry(pos: tuple, kwargs: dict, n_args: int) -> _Bound | None:
        # A cache miss: parse once (None: the general function binds it).
        nonlocal hot_name
        if not input_names.isdisjoint(kwargs) or len(pos) > len(params):
            return None
        given = dict(zip(param_names, pos, strict=False))
        if not given.keys().isdisjoint(kwargs):
            return None
        given.update(kwargs)
        if variadic and num_args_attr is not None and num_args_attr not in given:
            given[num_args_attr] = n_args
        try:
            attrs = op.parse_attrs(given)
        except MXNetError:
            return None
        if variadic:
            n_present = attrs.get(num_args_attr, n_args) if num_args_attr else n_args
        else:
            n_present = _leading_inputs(op, attrs)
        values = (*pos, *kwargs.values())
        typed = any(kinds.get(k) not in _UNTYPED_KINDS for k in given)
        types = tuple(map(type, values)) if typed else None
        bound = _Bound(op, attrs, n_present, types)
        if _cacheable(op, given):
            if not pos and len(kwargs) == 1 and len(hot) < 256:
                (k,) = kwargs
                if not hot_name:
                    hot_name = k
                if k == hot_name:
                    hot[kwargs[k]] = bound
            cache = pos_cache if pos or many else kw_cache
            if one and pos and not kwargs and len(pos1_cache) < 256:
                pos1_cache[pos] = bound
            if len(cache) < 256:
                key = (
                    (n_args, pos, tuple(kwargs.items()))
                    if pos or many
                    else (tuple(kwargs.items()))
                )
                cache[key] = bound
        return bound

    def lookup(pos: tuple, kwargs: dict, n_args: int) -> _Bound | None:
        try:
            if pos or many:
                bound = pos_cache.get((n_args, pos, tuple(kwargs.items())))
            else:
                bound = kw_cache.get(tuple(kwargs.items()))
        except (TypeError, ValueError):  # unhashable (a list): not cached
            bound = None
        if bound is None:
            return entry(pos, kwargs, n_args)
        types = bound.types
        if types is not None:
            i = 0
            for v in pos:
                if type(v) is not types[i]:
                    return entry(pos, kwargs, n_args)
                i += 1
            for v in kwargs.values():
                if type(v) is not types[i]:
                    return entry(pos, kwargs, n_args)
                i += 1
        return bound

    kernel = op.kernel

    def recover(bound: _Bound, tensors, err: Exception):
        # The bound call failed. A fast kernel (``OpDef.fast_kernel``) only
        # runs the common case: the kernel decides the rest, MXNet's result
        # or MXNet's error; a kernel's failure is reported as ``invoke`` does.
        if bound.fast:
            try:
                return kernel(*tensors, **bound.attrs)
            except _KERNEL_ERRORS as again:
                err = again
        if isinstance(err, MXNetError):
            raise _with_block(err) from None
        raise op_error(op, tensors, bound.attrs, err) from None

    def wrap(res, ctx):
        # The result tensor(s) as NDArrays (the inline form of ``_new``).
        if isinstance(res, _Tensor):
            if returns_view and res._is_view():
                res = _own_copy(res)
            arr = _alloc(NDArray)
            arr._data = res
            arr._ag = None
            arr._ctx = ctx
            if res.requires_grad:
                note_recorded(arr)
            return arr
        return [_new(r, ctx) for r in res]

    # The call with no attribute given, when the defaults bind to a bare
    # kernel call: ``call0(*tensors)``; ``float0(t)`` instead on a float
    # array where the kernel is float math wrapped for integer arrays.
    call0 = None
    float0 = None
    if bound0 is not None and bound0.kw is None and not bound0.pos:
        call0 = bound0.call
        float0 = getattr(call0, "on_float", None)

    if one:
        pos_ok = n_in == 1

        def fn_1(a=_NO, /, *args, out=None, name=None, **kwargs):
            if (
                (type(a) is NDArray or type(a) is _NP_TYPE)
                and out is None
                and not _PROF.on
            ):
                t = a._data
                if not (args or kwargs):
                    if call0 is not None and not t.requires_grad:
                        # The most common call: no attribute, no grad.
                        try:
                            if float0 is not None and t.is_floating_point():
                                res = float0(t)
                            else:
                                res = call0(t)
                        except _KERNEL_ERRORS as err:
                            res = recover(bound0, (t,), err)
                        if type(res) is _Tensor:
                            if returns_view and res._is_view():
                                res = _own_copy(res)
                            arr = _alloc(NDArray)
                            arr._data = res
                            arr._ag = None
                            arr._ctx = a._ctx
                            return arr
                        return wrap(res, a._ctx)
                    bound = bound0
                elif not args:
                    # attributes by keyword: :func:`lookup`, inlined; one
                    # keyword by its value (``hot``)
                    bound = None
                    if len(kwargs) == 1:
                        v = kwargs.get(hot_name, _NO)
                        if v is not _NO:
                            try:
                                bound = hot.get(v)
                            except (TypeError, ValueError):  # unhashable, an array
                                bound = None
                            if (
                                bound is not None
                                and bound.types is not None
                                and type(v) is not bound.types[0]
                            ):
                                bound = None
                    if bound is None:
                        try:
                            bound = kw_cache.get(tuple(kwargs.items()))
                        except (TypeError, ValueError):  # unhashable, an array
                            bound = None
                        if bound is None:
                            bound = entry((), kwargs, 1)
                        elif bound.types is not None:
                            types = bound.types
                            i = 0
                            for v in kwargs.values():
                                if type(v) is not types[i]:
                                    bound = entry((), kwargs, 1)
                                    break
                                i += 1
                elif pos_ok and not kwargs:
                    # attributes after the input (``clip(x, 0, 1)``), inlined
                    try:
                        bound = pos1_cache.get(args)
                    except (TypeError, ValueError):  # unhashable (a list), or an array
                        bound = None
                    if bound is None:
                        bound = entry(args, kwargs, 1)
                    elif bound.types is not None:
                        types = bound.types
                        i = 0
                        for v in args:
                            if type(v) is not types[i]:
                                bound = entry(args, kwargs, 1)
                                break
                            i += 1
                elif pos_ok:
                    bound = lookup(args, kwargs, 1)
                else:
                    bound = None
                if bound is not None and bound.n_present == 1:
                    grad = t.requires_grad
                    if bound.direct and not grad:
                        # attributes bound into one callable, no grad
                        try:
                            res = bound.call(t)
                        except _KERNEL_ERRORS as err:
                            res = recover(bound, (t,), err)
                        if type(res) is _Tensor:
                            if returns_view and res._is_view():
                                res = _own_copy(res)
                            arr = _alloc(NDArray)
                            arr._data = res
                            arr._ag = None
                            arr._ctx = a._ctx
                            return arr
                        return wrap(res, a._ctx)
                    guard = grad and not _flags.recording
                    if guard:
                        prev = _grad_enabled()
                        _set_grad(False)
                    try:
                        kw = bound.kw
                        if kw is not None:
                            res = bound.call(t, **kw)
                        elif bound.pos:
                            res = bound.call(t, *bound.pos)
                        else:
                            res = bound.call(t)
                    except _KERNEL_ERRORS as err:
                        res = recover(bound, (t,), err)
                    finally:
                        if guard:
                            _set_grad(prev)
                    if type(res) is _Tensor:
                        if returns_view and res._is_view():
                            res = _own_copy(res)
                        arr = _alloc(NDArray)
                        arr._data = res
                        arr._ag = None
                        arr._ctx = a._ctx
                        if grad and res.requires_grad:
                            note_recorded(arr)
                        return arr
                    return wrap(res, a._ctx)
            if a is _NO:
                return general(*args, out=out, name=name, **kwargs)
            return general(a, *args, out=out, name=name, **kwargs)

        return fn_1

    if not many:

        def fn_2(a=_NO, b=_NO, /, *args, out=None, name=None, **kwargs):
            if (
                (type(a) is NDArray or type(a) is _NP_TYPE)
                and (type(b) is NDArray or type(b) is _NP_TYPE)
                and out is None
                and not args
                and not _PROF.on
            ):
                ta = a._data
                tb = b._data
                if ta.dtype is tb.dtype or not same_dtype:
                    if not (
                        kwargs or call0 is None or ta.requires_grad or tb.requires_grad
                    ):
                        # The most common call: no attribute, no grad.
                        try:
                            res = call0(ta, tb)
                        except _KERNEL_ERRORS as err:
                            res = recover(bound0, (ta, tb), err)
                        if type(res) is _Tensor:
                            if returns_view and res._is_view():
                                res = _own_copy(res)
                            arr = _alloc(NDArray)
                            arr._data = res
                            arr._ag = None
                            arr._ctx = a._ctx
                            return arr
                        return wrap(res, a._ctx)
                    if kwargs:
                        try:
                            bound = kw_cache.get(tuple(kwargs.items()))
                        except (
                            TypeError,
                            ValueError,
                        ):  # unhashable (a list), or an array
                            bound = None
                        if bound is None or bound.types is not None:
                            bound = lookup((), kwargs, 2)
                    else:
                        bound = bound0
                    if bound is not None and bound.n_present == 2:
                        grad = ta.requires_grad or tb.requires_grad
                        guard = grad and not _flags.recording
                        if guard:
                            prev = _grad_enabled()
                            _set_grad(False)
                        try:
                            kw = bound.kw
                            if kw is not None:
                                res = bound.call(ta, tb, **kw)
                            elif bound.pos:
                                res = bound.call(ta, tb, *bound.pos)
                            else:
                                res = bound.call(ta, tb)
                        except _KERNEL_ERRORS as err:
                            res = recover(bound, (ta, tb), err)
                        finally:
                            if guard:
                                _set_grad(prev)
                        if type(res) is _Tensor:
                            if returns_view and res._is_view():
                                res = _own_copy(res)
                            arr = _alloc(NDArray)
                            arr._data = res
                            arr._ag = None
                            arr._ctx = a._ctx
                            if grad and res.requires_grad:
                                note_recorded(arr)
                            return arr
                        return wrap(res, a._ctx)
            if a is _NO:
                return general(*args, out=out, name=name, **kwargs)
            if b is _NO:
                return general(a, *args, out=out, name=name, **kwargs)
            return general(a, b, *args, out=out, name=name, **kwargs)

        return fn_2

    def fn_many(*args, out=None, name=None, **kwargs):
        n = len(args)
        if out is None and 0 < n <= max_in and not _PROF.on:
            if kwargs or bound0 is None:
                # one keyword by its value (``hot``, kept for one array count)
                bound = None
                if len(kwargs) == 1:
                    v = kwargs.get(hot_name, _NO)
                    if v is not _NO:
                        try:
                            bound = hot.get(v)
                        except (TypeError, ValueError):  # unhashable, an array
                            bound = None
                        if bound is not None and (
                            bound.n_present != n
                            or (
                                bound.types is not None
                                and type(v) is not bound.types[0]
                            )
                        ):
                            bound = None
                if bound is None:
                    try:
                        bound = pos_cache.get((n, (), tuple(kwargs.items())))
                    except (TypeError, ValueError):  # unhashable, an array
                        bound = None
                    if bound is None:
                        bound = entry((), kwargs, n)
                    elif bound.types is not None:
                        types = bound.types
                        i = 0
                        for v in kwargs.values():
                            if type(v) is not types[i]:
                                bound = entry((), kwargs, n)
                                break
                            i += 1
            else:
                bound = bound0
            if bound is not None and bound.n_present == n:
                # The tensors (None: not all exact NDArrays, or mixed dtypes
                # under the no-promotion rule); two and three arrays unrolled.
                tensors = None
                if n == 2:
                    a0, a1 = args
                    if (type(a0) is NDArray or type(a0) is _NP_TYPE) and (
                        type(a1) is NDArray or type(a1) is _NP_TYPE
                    ):
                        t0 = a0._data
                        t1 = a1._data
                        if t0.dtype is t1.dtype or not same_dtype:
                            tensors = (t0, t1)
                            grad = t0.requires_grad or t1.requires_grad
                elif n == 3:
                    a0, a1, a2 = args
                    if (
                        (type(a0) is NDArray or type(a0) is _NP_TYPE)
                        and (type(a1) is NDArray or type(a1) is _NP_TYPE)
                        and (type(a2) is NDArray or type(a2) is _NP_TYPE)
                    ):
                        t0 = a0._data
                        t1 = a1._data
                        t2 = a2._data
                        d0 = t0.dtype
                        if (t1.dtype is d0 and t2.dtype is d0) or not same_dtype:
                            tensors = (t0, t1, t2)
                            grad = (
                                t0.requires_grad or t1.requires_grad or t2.requires_grad
                            )
                else:
                    gathered = []
                    d0 = None
                    grad = False
                    for a in args:
                        if type(a) is not NDArray and type(a) is not _NP_TYPE:
                            break
                        t = a._data
                        if t.dtype is not d0:
                            if d0 is None:
                                d0 = t.dtype
                            elif same_dtype:
                                break
                        if t.requires_grad:
                            grad = True
                        gathered.append(t)
                    else:
                        tensors = tuple(gathered)
                if tensors is not None:
                    if bound.direct and not grad:
                        try:
                            res = bound.call(*tensors)
                        except _KERNEL_ERRORS as err:
                            res = recover(bound, tensors, err)
                        if type(res) is _Tensor:
                            if returns_view and res._is_view():
                                res = _own_copy(res)
                            arr = _alloc(NDArray)
                            arr._data = res
                            arr._ag = None
                            arr._ctx = args[0]._ctx
                            return arr
                        return wrap(res, args[0]._ctx)
                    guard = grad and not _flags.recording
                    if guard:
                        prev = _grad_enabled()
                        _set_grad(False)
                    try:
                        kw = bound.kw
                        if bound.direct:
                            res = bound.call(*tensors)
                        elif kw is None:
                            res = bound.call(*tensors, *bound.pos)
                        else:
                            res = bound.call(*tensors, **kw)
                    except _KERNEL_ERRORS as err:
                        res = recover(bound, tensors, err)
                    finally:
                        if guard:
                            _set_grad(prev)
                    if type(res) is _Tensor:
                        if returns_view and res._is_view():
                            res = _own_copy(res)
                        arr = _alloc(NDArray)
                        arr._data = res
                        arr._ag = None
                        arr._ctx = args[0]._ctx
                        if grad and res.requires_grad:
                            note_recorded(arr)
                        return arr
                    return wrap(res, args[0]._ctx)
        return general(*args, out=out, name=name, **kwargs)

    return fn_many


def _general_function(op: _reg.OpDef):
    """The function that binds every call of ``op`` MXNet accepts.

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
