"""``mx.sym.np`` / ``mx.sym.npx``: graph builders for MXNet's numpy interface.

Under ``npx.set_np()`` a hybridized block's ``hybrid_forward(F, x)`` calls
``F.np.<f>`` / ``F.npx.<f>`` with ``F = mx.sym``; each call adds one node named
by MXNet's numpy-interface operator (``_npi_add``, ``_np_sum``, ``_npx_relu``)
so the graph exports to the same ``-symbol.json`` MXNet 1.9.1 writes and runs
through the operator registry like any other graph.

The functions come from the registry (``_npi_<f>`` / ``_np_<f>`` for ``np``,
``_npx_<f>`` for ``npx``) bound with the same rules as ``mx.sym``'s
(``ops/_signature.py``); those whose numpy signature differs from the operator's
(arithmetic on Symbols and scalars, ``zeros``, ``arange``, ``concatenate``,
``where``, ``einsum``...) are written here. Results are :class:`_Symbol`, whose
operators (``+``, ``*``, ``<``, ``-x``...) add the ``_npi_`` nodes of the
operator table (``ops/optable.py``, each row's ``np_ops``).
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from ..ops import np_alias
from ..ops import optable
from ..ops import registry as _reg
from . import _frontend
from .symbol import Symbol
from .symbol import create
from .symbol import graph_binary
from .symbol import graph_reflected

__all__ = ["_Symbol", "as_np_symbol", "np_functions", "npx_functions"]


class _Symbol(Symbol):
    """A Symbol under numpy semantics (MXNet's ``mxnet.symbol.numpy._Symbol``):
    its arithmetic adds ``_npi_`` operator nodes."""

    __slots__ = ()

    def as_nd_ndarray(self) -> Symbol:
        """The same graph as a legacy Symbol (legacy operators for ``+``...)."""
        return Symbol(self._outputs)

    def as_np_ndarray(self) -> _Symbol:
        return self

    def __getitem__(self, key) -> _Symbol:  # type: ignore[override]
        """Basic indexing (ints, slices, tuples of them) as MXNet's np Symbol:
        a ``slice`` node, then ``_npx_reshape`` dropping integer-indexed axes.
        A Symbol with several outputs selects outputs instead."""
        if len(self._outputs) > 1 or isinstance(key, str):
            picked = Symbol.__getitem__(self, key)
            return as_np_symbol(picked)
        if isinstance(key, slice):
            if key.step == 0:
                raise ValueError("slice step cannot be zero")
            return _op("_npi_slice")(
                self, begin=(key.start,), end=(key.stop,), step=(key.step,)
            )
        keys = key if isinstance(key, tuple) else (key,)
        if not keys:
            return self
        begin: list = []
        end: list = []
        step: list = []
        codes: list[int] = []
        for k in keys:
            if isinstance(k, slice):
                if k.step == 0:
                    raise ValueError("slice step cannot be zero")
                begin.append(k.start)
                end.append(k.stop)
                step.append(k.step)
                codes.append(-2)
            elif isinstance(k, numbers.Integral) and not isinstance(k, bool):
                k = int(k)
                # a negative index counts backwards: k-1 is past it (MXNet's
                # single-int form, [k, k+1), is empty for -1: not copied)
                begin.append(k)
                end.append(k + 1 if k >= 0 else k - 1)
                step.append(1 if k >= 0 else -1)
                codes.append(-3)
            else:
                raise IndexError(
                    "np Symbol indexing: only integers, slices and tuples of them "
                    f"are supported in a graph, got {key!r}. Use F.np.take or "
                    "F.npx.pick for array indices."
                )
        sliced = _op("_npi_slice")(
            self, begin=tuple(begin), end=tuple(end), step=tuple(step)
        )
        return _op("_npx_reshape")(sliced, newshape=(*codes, -4))

    def reshape(self, *shape, **kwargs) -> _Symbol:  # type: ignore[override]
        """``np.reshape(self, shape)``: numpy's reshape (``-1`` infers one dim)."""
        order = kwargs.pop("order", "C")
        if kwargs:
            raise TypeError(f"reshape: unexpected keyword arguments {sorted(kwargs)}")
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if any(isinstance(d, int) and (d == 0 or d < -1) for d in shape):
            # MXNet's legacy special values (0 = copy, -2, -3, -4), which
            # Gluon layers written for both semantics pass: the legacy node.
            return as_np_symbol(Symbol.reshape(self, shape))
        return _op("_np_reshape")(self, newshape=shape, order=order)

    def transpose(self, *axes) -> _Symbol:  # type: ignore[override]
        """``np.transpose(self, axes)``."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _op("_np_transpose")(self, axes=axes if axes else None)

    @property
    def T(self) -> _Symbol:  # type: ignore[override]  # noqa: N802 - numpy's name
        """The transpose (axes reversed)."""
        return _op("_np_transpose")(self)

    def sum(self, axis=None, dtype=None, keepdims=False, **kw) -> _Symbol:  # type: ignore[override]
        """``np.sum(self, axis)``."""
        if kw:  # legacy arguments (exclude=...): the legacy node
            return as_np_symbol(Symbol.sum(self, axis=axis, keepdims=keepdims, **kw))
        return _op("_np_sum")(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False, **kw) -> _Symbol:  # type: ignore[override]
        """``np.mean(self, axis)``."""
        if kw:  # legacy arguments (exclude=...): the legacy node
            return as_np_symbol(Symbol.mean(self, axis=axis, keepdims=keepdims, **kw))
        return _op("_npi_mean")(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def max(self, axis=None, keepdims=False, **kw) -> _Symbol:  # type: ignore[override]
        """``np.max(self, axis)``."""
        if kw:  # legacy arguments (exclude=...): the legacy node
            return as_np_symbol(Symbol.max(self, axis=axis, keepdims=keepdims, **kw))
        return _op("_np_max")(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False, **kw) -> _Symbol:  # type: ignore[override]
        """``np.min(self, axis)``."""
        if kw:  # legacy arguments (exclude=...): the legacy node
            return as_np_symbol(Symbol.min(self, axis=axis, keepdims=keepdims, **kw))
        return _op("_np_min")(self, axis=axis, keepdims=keepdims)

    def astype(self, dtype, *args, **kwargs) -> _Symbol:  # type: ignore[override]
        """A cast node (``_npi_cast``)."""
        return _op("_npi_cast")(self, dtype=dtype)

    # numpy's methods, as the ``sym.np`` functions of the same name (MXNet's
    # ``_Symbol`` methods): the legacy fluent methods they replace would add
    # legacy nodes with legacy semantics (``flatten`` to 2-D, ``round``...).
    def dot(self, b, out=None) -> _Symbol:
        """``np.dot(self, b)``."""
        return _np_fn("dot")(self, b)

    def argmax(self, axis=None, out=None) -> _Symbol:  # type: ignore[override]
        """``np.argmax(self, axis)``."""
        return _np_fn("argmax")(self, axis=axis)

    def argmin(self, axis=None, out=None) -> _Symbol:  # type: ignore[override]
        """``np.argmin(self, axis)``."""
        return _np_fn("argmin")(self, axis=axis)

    def argsort(self, axis=-1, kind=None, order=None) -> _Symbol:  # type: ignore[override]
        """``np.argsort(self, axis)``."""
        return argsort(self, axis=axis, kind=kind, order=order)

    def sort(self, axis=-1, kind=None, order=None) -> _Symbol:  # type: ignore[override]
        """``np.sort(self, axis)``."""
        return sort(self, axis=axis, kind=kind, order=order)

    def repeat(self, repeats, axis=None) -> _Symbol:  # type: ignore[override]
        """``np.repeat(self, repeats, axis)``."""
        return _np_fn("repeat")(self, repeats=repeats, axis=axis)

    def take(self, indices, axis=None, mode="raise") -> _Symbol:  # type: ignore[override]
        """``np.take(self, indices, axis, mode)``."""
        return _np_fn("take")(self, indices, axis=axis, mode=mode)

    def clip(self, min=None, max=None, out=None) -> _Symbol:  # type: ignore[override]  # noqa: A002 - numpy's names
        """``np.clip(self, min, max)``."""
        return clip(self, min, max)

    def flatten(self, order="C") -> _Symbol:  # type: ignore[override]
        """``self`` as one dimension (numpy's flatten, not the legacy 2-D one)."""
        return ravel(self, order=order)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False) -> _Symbol:  # type: ignore[override]
        """``np.prod(self, axis)``."""
        return _np_fn("prod")(self, axis=axis, dtype=dtype, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False) -> _Symbol:
        """``np.std(self, axis, ddof=ddof)``."""
        return _np_fn("std")(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False) -> _Symbol:
        """``np.var(self, axis, ddof=ddof)``."""
        return _np_fn("var")(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None, out=None) -> _Symbol:
        """``np.cumsum(self, axis)``."""
        return _np_fn("cumsum")(self, axis=axis, dtype=dtype)

    def round(self, decimals=0, out=None, **kwargs) -> _Symbol:  # type: ignore[override]
        """``np.round(self, decimals)``."""
        return _np_fn("round")(self, decimals=decimals)

    def squeeze(self, axis=None) -> _Symbol:  # type: ignore[override]
        """``np.squeeze(self, axis)``."""
        return _np_fn("squeeze")(self, axis=axis)

    def swapaxes(self, axis1, axis2) -> _Symbol:  # type: ignore[override]
        """``np.swapaxes(self, axis1, axis2)``."""
        return swapaxes(self, axis1, axis2)


Symbol._np_class = _Symbol


@functools.cache
def _np_fn(name: str) -> Callable:
    """The ``sym.np`` function ``name`` (as ``np_functions`` builds it for
    ``symbol/numpy``; looked up when a method is first called)."""
    name = "around" if name == "round" else name
    return np_functions([name])[name]


def as_np_symbol(s: Any) -> Any:
    """``s`` as a :class:`_Symbol` (other values unchanged)."""
    if isinstance(s, Symbol) and not isinstance(s, _Symbol):
        return _Symbol(s._outputs)
    return s


def _wrap(fn: Callable, public: str) -> Callable:
    def np_fn(*args, **kwargs):
        kwargs.pop("ctx", None)
        kwargs.pop("device", None)
        if kwargs.get("out") is not None:
            raise TypeError(f"sym.np.{public}: out= is not supported for Symbols")
        kwargs.pop("out", None)
        return as_np_symbol(fn(*args, **kwargs))

    np_fn.__name__ = np_fn.__qualname__ = public
    np_fn.__doc__ = fn.__doc__
    np_fn.__wrapped__ = fn  # type: ignore[attr-defined]
    np_fn.op = fn.op  # type: ignore[attr-defined]
    return np_fn


_OPS: dict[str, Callable] = {}


#: ``_npi_`` / ``_npx_`` names that MXNet 1.9.1 registers as aliases of another
#: operator (``_npi_clip`` of ``clip``, ``_npx_softmax`` of ``softmax``): its
#: graphs record that operator, and so do ours (the registry's alias runs the
#: same kernel). ``_npx_relu`` and ``_npx_sigmoid`` are operators of their own.
_CANONICAL = {
    k: v
    for k, v in {**np_alias.ALIASES, **np_alias.NPX_ALIASES}.items()
    if k not in ("_npx_relu", "_npx_sigmoid")
}


def _op(op_name: str) -> Callable:
    """The graph function of one registered operator. As in MXNet, the node is
    named after the function (``add0`` for ``_npi_add``) and an alias records
    the operator it names (``clip`` for ``_npi_clip``)."""
    fn = _OPS.get(op_name)
    if fn is None:
        hint = op_name
        for prefix in ("_npx__image_", "_npi_", "_np_", "_npx_"):
            if op_name.startswith(prefix):
                hint = op_name[len(prefix) :]
                break
        op = _reg.get(_CANONICAL.get(op_name, op_name))
        fn = _wrap(_frontend.make_function(op, hint), hint)
        _OPS[op_name] = fn
    return fn


# --------------------------------------------------------------------------- arithmetic
def _is_scalar(x: Any) -> bool:
    return isinstance(x, numbers.Number)


def _scalar_attrs(value: Any) -> dict:
    v = value.item() if hasattr(value, "item") else value
    return {"scalar": float(v), "is_int": isinstance(v, (int, bool))}


def _np_binary(r: optable.Binary) -> Callable:
    """``x <op> other`` for a numpy Symbol: the row's ``_npi_`` nodes."""
    if r.np_ops is None or _reg.find(r.np_ops.array) is None:
        legacy = graph_binary(r)

        def fallback(self, other):
            return as_np_symbol(legacy(self, other))

        return fallback
    array_op, scalar_op = r.np_ops.array, r.np_ops.scalar

    def method(self, other):
        if isinstance(other, Symbol):
            return _op(array_op)(self, other)
        if _is_scalar(other):
            return _op(scalar_op)(self, **_scalar_attrs(other))
        return NotImplemented

    return method


def _np_reflected(r: optable.Binary) -> Callable:
    """``number <op> x`` for a numpy Symbol."""
    rscalar = r.np_ops.rscalar if r.np_ops is not None else None
    if rscalar is None or _reg.find(rscalar) is None:
        legacy = graph_reflected(r)

        def fallback(self, other):
            return as_np_symbol(legacy(self, other))

        return fallback

    def method(self, other):
        if _is_scalar(other):
            return _op(rscalar)(self, **_scalar_attrs(other))
        return NotImplemented

    return method


def _np_unary(u: optable.Unary) -> Callable:
    if u.np_op is not None and (_reg.find(u.np_op) is not None):
        name = u.np_op

        def method(self):
            return _op(name)(self)

    else:
        attrs = dict(u.graph_attrs)
        op_name = u.graph_op

        def method(self):
            return as_np_symbol(create(op_name, [self], dict(attrs)))

    return method


optable.install_operators(
    _Symbol, binary=_np_binary, reflected=_np_reflected, unary=_np_unary
)


def _negate(self):
    """``-x``: MXNet's numpy Symbol multiplies by the float -1.0."""
    return _op("_npi_multiply_scalar")(self, scalar=-1.0, is_int=False)


_negate.optable_row = _Symbol.__neg__.optable_row  # type: ignore[attr-defined]
_Symbol.__neg__ = _negate  # type: ignore[method-assign]


def _binary_function(r: optable.Binary, public: str) -> Callable:
    """``np.<public>(x1, x2)`` on Symbols and/or scalars."""
    forward = _np_binary(r)
    backward = _np_reflected(r) if r.reflected and not r.symmetric else None
    rscalar = r.np_ops.rscalar if r.np_ops is not None else None

    def fn(x1, x2, out=None, **kwargs):
        if out is not None:
            raise TypeError(f"sym.np.{public}: out= is not supported for Symbols")
        if isinstance(x1, Symbol):
            return forward(as_np_symbol(x1), x2)
        if isinstance(x2, Symbol) and _is_scalar(x1):
            if r.symmetric:
                return forward(as_np_symbol(x2), x1)
            if backward is not None:
                return backward(as_np_symbol(x2), x1)
            if rscalar is not None:  # comparisons: the mirrored operator
                return _op(rscalar)(x2, **_scalar_attrs(x1))
        raise TypeError(
            f"sym.np.{public}: expected Symbols and/or numbers with at least one "
            f"Symbol, got {type(x1).__name__} and {type(x2).__name__}."
        )

    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = f"``{public}(x1, x2)`` element-wise (MXNet's ``{r.np_ops.array if r.np_ops else r.array_op}``)."
    return fn


# --------------------------------------------------------------------------- helpers
def _dtype(dtype: Any) -> Any:
    return "float32" if dtype is None else dtype


def zeros(shape, dtype=None, order="C", ctx=None, **kwargs) -> _Symbol:
    """A graph node of zeros (float32 by default, as ``mx.np``)."""
    return _op("_npi_zeros")(shape=_shape(shape), dtype=_dtype(dtype), **kwargs)


def ones(shape, dtype=None, order="C", ctx=None, **kwargs) -> _Symbol:
    """A graph node of ones (float32 by default)."""
    return _op("_npi_ones")(shape=_shape(shape), dtype=_dtype(dtype), **kwargs)


def full(shape, fill_value, dtype=None, order="C", ctx=None, **kwargs) -> _Symbol:
    """A graph node filled with the number ``fill_value``."""
    if order != "C":
        raise NotImplementedError(f"sym.np.full: order {order!r} is not supported")
    if isinstance(fill_value, Symbol):
        # an array value: broadcast to the shape (MXNet does the same)
        out = _op("_npi_broadcast_to")(fill_value, shape=_shape(shape))
        return out if dtype is None else out.astype(dtype)
    if isinstance(fill_value, bool):
        fill_value = int(fill_value)
        dtype = "bool" if dtype is None else dtype
    return _op("_npi_full")(
        shape=_shape(shape), value=float(fill_value), dtype=_dtype(dtype), **kwargs
    )


def _shape(shape: Any) -> tuple:
    return (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)


def arange(start, stop=None, step=1, dtype=None, ctx=None, **kwargs) -> _Symbol:
    """``[start, stop)`` by ``step`` (``arange(n)`` counts from 0)."""
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise ZeroDivisionError("sym.np.arange: step cannot be 0")
    return _op("_npi_arange")(
        start=start, stop=stop, step=step, dtype=_dtype(dtype), **kwargs
    )


def _seq(fname: str, seq: Any) -> list:
    if isinstance(seq, Symbol):
        return [seq[i] for i in range(len(seq.list_outputs()))]
    if not isinstance(seq, (list, tuple)) or not seq:
        raise TypeError(
            f"sym.np.{fname}: expected a non-empty list or tuple of Symbols, got "
            f"{type(seq).__name__}."
        )
    return list(seq)


def concatenate(seq, axis=0, out=None) -> _Symbol:
    """Join Symbols along an existing axis (``_npi_concatenate``)."""
    items = _seq("concatenate", seq)
    return _op("_npi_concatenate")(*items, axis=axis, num_args=len(items))


def stack(arrays, axis=0, out=None) -> _Symbol:
    """Join Symbols along a new axis (``_npi_stack``)."""
    items = _seq("stack", arrays)
    return _op("_npi_stack")(*items, axis=axis, num_args=len(items))


def vstack(arrays, out=None) -> _Symbol:
    """Stack Symbols row-wise (``_npi_vstack``)."""
    items = _seq("vstack", arrays)
    return _op("_npi_vstack")(*items, num_args=len(items))


def hstack(arrays) -> _Symbol:
    """Stack Symbols column-wise (``_npi_hstack``)."""
    items = _seq("hstack", arrays)
    return _op("_npi_hstack")(*items, num_args=len(items))


def dstack(arrays) -> _Symbol:
    """Stack Symbols depth-wise (``_npi_dstack``)."""
    items = _seq("dstack", arrays)
    return _op("_npi_dstack")(*items, num_args=len(items))


def where(condition, x=None, y=None) -> _Symbol:
    """``x`` where ``condition`` else ``y`` (Symbols or numbers)."""
    if x is None or y is None:
        raise TypeError(
            "sym.np.where: the one-argument form (indices of nonzero entries) "
            "has a data-dependent shape; use npx.nonzero, or pass x and y."
        )
    xs, ys = isinstance(x, Symbol), isinstance(y, Symbol)
    if xs and ys:
        return _op("_npi_where")(condition, x, y)
    if xs:
        return _op("_npi_where_rscalar")(condition, x, scalar=float(y))
    if ys:
        return _op("_npi_where_lscalar")(condition, y, scalar=float(x))
    return _op("_npi_where_scalar2")(condition, x=float(x), y=float(y))


def einsum(*operands, **kwargs) -> _Symbol:
    """``einsum(subscripts, *operands)`` (``_npi_einsum``)."""
    if not operands or not isinstance(operands[0], str):
        raise TypeError(
            "sym.np.einsum: the first argument must be the subscripts string "
            "(einsum('ij,jk->ik', a, b))."
        )
    subscripts, arrays = operands[0], operands[1:]
    optimize = kwargs.pop("optimize", False)
    kwargs.pop("out", None)
    if kwargs:
        raise TypeError(f"sym.np.einsum: unexpected keyword arguments {sorted(kwargs)}")
    return _op("_npi_einsum")(
        *arrays,
        subscripts=subscripts,
        num_args=len(arrays),
        optimize=int(bool(optimize)),
    )


def clip(a, a_min=None, a_max=None, out=None) -> _Symbol:
    """Limit values to ``[a_min, a_max]`` (either may be None)."""
    if a_min is None and a_max is None:
        raise ValueError("sym.np.clip: a_min and a_max cannot both be None")
    # a missing bound is infinite, as MXNet records it
    return _op("_npi_clip")(
        a,
        a_min=float("-inf") if a_min is None else float(a_min),
        a_max=float("inf") if a_max is None else float(a_max),
    )


def swapaxes(a, axis1, axis2) -> _Symbol:
    """Interchange two axes (``_npi_swapaxes``)."""
    return _op("_npi_swapaxes")(a, dim1=axis1, dim2=axis2)


def split(ary, indices_or_sections, axis=0) -> list:
    """Split into equal sections or at indices (``_npi_split``): a list of
    one Symbol per piece, as MXNet's."""
    return _pieces(
        _op("_npi_split")(ary, axis=axis, **_split_attrs("split", indices_or_sections))
    )


def _reduce(op_name: str, public: str) -> Callable:
    has_dtype = any(p.name == "dtype" for p in _reg.get(op_name).params)

    def fn(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        if out is not None:
            raise TypeError(f"sym.np.{public}: out= is not supported for Symbols")
        if has_dtype:
            kwargs["dtype"] = dtype
        return _op(op_name)(a, axis=axis, keepdims=keepdims, **kwargs)

    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = f"``{public}`` over ``axis`` (MXNet's ``{op_name}``)."
    return fn


def _minmax(op_name: str, public: str) -> Callable:
    def fn(a, axis=None, out=None, keepdims=False, **kwargs):
        if out is not None:
            raise TypeError(f"sym.np.{public}: out= is not supported for Symbols")
        return _op(op_name)(a, axis=axis, keepdims=keepdims, **kwargs)

    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = f"``{public}`` over ``axis`` (MXNet's ``{op_name}``)."
    return fn


def zeros_like(a, dtype=None, order="C", ctx=None, out=None) -> _Symbol:
    """Zeros shaped like ``a`` (``_npi_full_like``)."""
    return _op("_npi_full_like")(a, fill_value=0, dtype=dtype)


def ones_like(a, dtype=None, order="C", ctx=None, out=None) -> _Symbol:
    """Ones shaped like ``a`` (``_npi_full_like``)."""
    return _op("_npi_full_like")(a, fill_value=1, dtype=dtype)


def ravel(x, order="C") -> _Symbol:
    """``x`` flattened to one dimension."""
    return _op("_np_reshape")(x, newshape=(-1,), order=order)


def flipud(m) -> _Symbol:
    """``m`` reversed along axis 0."""
    return _op("_npi_flip")(m, axis=0)


def fliplr(m) -> _Symbol:
    """``m`` reversed along axis 1."""
    return _op("_npi_flip")(m, axis=1)


def _pieces(node: Symbol) -> list:
    """The outputs of a split node as a list of Symbols (MXNet's ``sym.np``
    split functions return lists, of one Symbol too)."""
    n = len(node.list_outputs())
    return [node] if n == 1 else [node[i] for i in range(n)]


def _split_attrs(fname: str, indices_or_sections: Any) -> dict:
    """``indices_or_sections`` as ``_npi_*split``'s ``indices`` / ``sections``."""
    if isinstance(indices_or_sections, numbers.Integral) and not isinstance(
        indices_or_sections, bool
    ):
        return {"indices": [], "sections": int(indices_or_sections)}
    if isinstance(indices_or_sections, (list, tuple, set)):
        return {"indices": [0, *indices_or_sections], "sections": 0}
    raise ValueError(
        f"sym.np.{fname}: indices_or_sections must be an int or a list/tuple of "
        f"ints, got {type(indices_or_sections).__name__}."
    )


def array_split(ary, indices_or_sections, axis=0) -> list:
    """Split into (possibly unequal) sections or at indices (``_npi_split``);
    always a list, of one Symbol too, as MXNet's."""
    return _pieces(
        _op("_npi_split")(
            ary, axis=axis, **_split_attrs("array_split", indices_or_sections)
        )
    )


def vsplit(ary, indices_or_sections) -> list:
    """Split along the first axis (``_npi_split`` with ``axis=0``; a list)."""
    return _pieces(
        _op("_npi_split")(ary, axis=0, **_split_attrs("vsplit", indices_or_sections))
    )


def hsplit(ary, indices_or_sections) -> list:
    """Split along the second axis (the first for 1-d input; ``_npi_hsplit``;
    a list)."""
    return _pieces(
        _op("_npi_hsplit")(
            ary,
            axis=1,
            squeeze_axis=False,
            **_split_attrs("hsplit", indices_or_sections),
        )
    )


def dsplit(ary, indices_or_sections) -> Any:
    """Split along the third axis (``_npi_dsplit``): a list of Symbols, the
    Symbol itself for one piece (as MXNet's)."""
    ret = _op("_npi_dsplit")(
        ary, axis=2, squeeze_axis=False, **_split_attrs("dsplit", indices_or_sections)
    )
    return ret if len(ret.list_outputs()) == 1 else _pieces(ret)


def append(arr, values, axis=None) -> _Symbol:
    """``values`` appended to ``arr`` along ``axis`` (both flattened when
    ``axis`` is None: ``_npi_concatenate`` with ``axis=None``)."""
    return _op("_npi_concatenate")(arr, values, axis=axis, num_args=2)


def tensordot(a, b, axes=2) -> _Symbol:
    """Sum of products over ``axes`` (an int: the last ``axes`` of ``a`` and
    the first of ``b``, ``_npi_tensordot_int_axes``; a pair of axis lists:
    ``_npi_tensordot``)."""
    if isinstance(axes, numbers.Integral):
        return _op("_npi_tensordot_int_axes")(a, b, axes=int(axes))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(
            f"sym.np.tensordot: axes must be an int or a pair of axis lists, got {axes!r}."
        )
    a_axes, b_axes = (
        (x,) if isinstance(x, numbers.Integral) else tuple(x) for x in axes
    )
    if len(a_axes) != len(b_axes):
        raise ValueError(
            f"sym.np.tensordot: axes length mismatch: {a_axes} of a against "
            f"{b_axes} of b."
        )
    return _op("_npi_tensordot")(a, b, a_axes_summed=a_axes, b_axes_summed=b_axes)


def inner(a, b) -> _Symbol:
    """Inner product over the last axes of ``a`` and ``b``."""
    return tensordot(a, b, [-1, -1])


def outer(a, b) -> _Symbol:
    """Outer product of ``a`` and ``b`` flattened."""
    return tensordot(ravel(a), ravel(b), 0)


def vdot(a, b) -> _Symbol:
    """Dot product of ``a`` and ``b`` flattened."""
    return tensordot(ravel(a), ravel(b), 1)


def _check_order(fname: str, order: Any) -> None:
    if order is not None:
        raise NotImplementedError(f"sym.np.{fname}: order is not supported")


def sort(a, axis=-1, kind=None, order=None) -> _Symbol:
    """``a`` sorted along ``axis`` (``_npi_sort``; ``kind`` is accepted and
    ignored, as MXNet does)."""
    _check_order("sort", order)
    return _op("_npi_sort")(a, axis=axis, is_ascend=True)


def argsort(a, axis=-1, kind=None, order=None) -> _Symbol:
    """Indices (int64) that sort ``a`` along ``axis`` (``_npi_argsort``)."""
    _check_order("argsort", order)
    return _op("_npi_argsort")(a, axis=axis, is_ascend=True, dtype="int64")


def take(a, indices, axis=None, mode="raise", out=None) -> _Symbol:
    """Elements of ``a`` at ``indices`` along ``axis`` (of ``a`` flattened
    when ``axis`` is None)."""
    if mode not in ("wrap", "clip", "raise"):
        raise NotImplementedError(f"sym.np.take: mode {mode!r} is not supported")
    if axis is None:
        flat = _op("_npi_reshape")(a, newshape=(-1,))
        return _op("_npi_take")(flat, indices, axis=0, mode=mode)
    return _op("_npi_take")(a, indices, axis=axis, mode=mode)


def ediff1d(ary, to_end=None, to_begin=None) -> _Symbol:
    """Differences of consecutive elements of ``ary`` flattened, with
    ``to_begin`` / ``to_end`` (Symbols or numbers) around them."""
    inputs = [ary]
    begin_sym, end_sym = isinstance(to_begin, Symbol), isinstance(to_end, Symbol)
    if begin_sym:
        inputs.append(to_begin)
    if end_sym:
        inputs.append(to_end)
    return _op("_npi_ediff1d")(
        *inputs,
        to_begin_arr_given=begin_sym,
        to_end_arr_given=end_sym,
        to_begin_scalar=None if begin_sym else to_begin,
        to_end_scalar=None if end_sym else to_end,
    )


def _percentile(
    fname: str, a, q, axis, overwrite_input, interpolation, keepdims, scale
):
    if overwrite_input is not None:
        raise NotImplementedError(f"sym.np.{fname}: overwrite_input is not supported")
    common = {"axis": axis, "interpolation": interpolation, "keepdims": keepdims}
    if _is_scalar(q):
        return _op("_npi_percentile")(a, q_scalar=float(q) * scale, **common)
    if scale != 1:
        q = q * scale
    return _op("_npi_percentile")(a, q, q_scalar=None, **common)


def percentile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=None,
    interpolation="linear",
    keepdims=False,
) -> _Symbol:
    """The ``q``-th percentile(s) of ``a`` (``q`` a number or a Symbol)."""
    return _percentile(
        "percentile", a, q, axis, overwrite_input, interpolation, keepdims, 1
    )


def quantile(
    a,
    q,
    axis=None,
    out=None,
    overwrite_input=None,
    interpolation="linear",
    keepdims=False,
) -> _Symbol:
    """The ``q``-th quantile(s) of ``a`` (``q`` in [0, 1])."""
    return _percentile(
        "quantile", a, q, axis, overwrite_input, interpolation, keepdims, 100
    )


def bincount(x, weights=None, minlength=0) -> _Symbol:
    """Occurrences of each value of the non-negative int ``x`` (summed
    ``weights`` when given)."""
    if minlength < 0:
        raise ValueError(f"sym.np.bincount: minlength must be >= 0, got {minlength}")
    if weights is None:
        return _op("_npi_bincount")(x, minlength=minlength, has_weights=False)
    return _op("_npi_bincount")(x, weights, minlength=minlength, has_weights=True)


def average(a, axis=None, weights=None, returned=False, out=None) -> _Symbol:
    """The average of ``a`` over ``axis``, weighted by ``weights`` when given
    (``_npi_average``; with ``returned`` also the sum of the weights)."""
    if weights is None:
        return _op("_npi_average")(a, axis=axis, returned=returned, weighted=False)
    return _op("_npi_average")(a, weights, axis=axis, returned=returned, weighted=True)


def _no_axis(fname: str, start, stop, axis) -> None:
    if isinstance(start, (list, tuple, Symbol)) or isinstance(
        stop, (list, tuple, Symbol)
    ):
        raise NotImplementedError(f"sym.np.{fname}: start and stop must be numbers")
    if axis != 0:
        raise NotImplementedError(f"sym.np.{fname}: only axis=0 is supported")


def linspace(
    start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, ctx=None
):
    """``num`` evenly spaced numbers over ``[start, stop]`` (with the step
    when ``retstep``)."""
    _no_axis("linspace", start, stop, axis)
    out = _op("_npi_linspace")(
        start=start, stop=stop, num=num, endpoint=endpoint, dtype=_dtype(dtype)
    )
    if retstep:
        return out, (stop - start) / ((num - 1) if endpoint else num)
    return out


def logspace(
    start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0, ctx=None
) -> _Symbol:
    """``num`` numbers spaced evenly on a log scale: ``base ** linspace``."""
    _no_axis("logspace", start, stop, axis)
    return _op("_npi_logspace")(
        start=start,
        stop=stop,
        num=num,
        endpoint=endpoint,
        base=base,
        dtype=_dtype(dtype),
    )


def identity(n, dtype=None, ctx=None) -> _Symbol:
    """The ``n`` x ``n`` identity matrix (``_npi_identity``)."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"sym.np.identity: n must be an integer, got {n!r}")
    if n < 0:
        raise ValueError(f"sym.np.identity: n cannot be negative, got {n}")
    return _op("_npi_identity")(shape=(int(n), int(n)), dtype=_dtype(dtype))


def argmax(a, axis=None, out=None) -> _Symbol:
    """Indices of the maxima along ``axis`` (of ``a`` flattened if None)."""
    return _op("_npi_argmax")(a, axis=axis, keepdims=False)


def argmin(a, axis=None, out=None) -> _Symbol:
    """Indices of the minima along ``axis`` (of ``a`` flattened if None)."""
    return _op("_npi_argmin")(a, axis=axis, keepdims=False)


def resize(a, new_shape) -> _Symbol:
    """A new array of ``new_shape`` filled with ``a``'s elements repeated
    (MXNet's ``Custom`` node with ``op_type='resize_fallback'``)."""
    from .. import numpy_op_fallback

    return numpy_op_fallback.symbol_node("resize_fallback", [a], new_shape=new_shape)


def unravel_index(indices, shape, order="C") -> _Symbol:
    """The coordinates of flat ``indices`` in an array of ``shape``, stacked
    (one row per dim; MXNet's ``Custom`` node ``unravel_index_fallback``)."""
    if order != "C":
        raise NotImplementedError("sym.np.unravel_index: only order='C' is supported")
    from .. import numpy_op_fallback

    return numpy_op_fallback.symbol_node(
        "unravel_index_fallback", [indices], shape=shape
    )


def tensorsolve(a, b, axes=None) -> _Symbol:
    """``x`` with ``tensordot(a, x, b.ndim) == b`` (``_npi_tensorsolve``)."""
    if axes is None:
        return _op("_npi_tensorsolve")(a, b)
    return _op("_npi_tensorsolve")(a, b, a_axes=axes)


_HELPERS: tuple[Callable, ...] = (
    array_split,
    vsplit,
    hsplit,
    dsplit,
    append,
    tensordot,
    inner,
    outer,
    vdot,
    sort,
    argsort,
    take,
    ediff1d,
    percentile,
    quantile,
    bincount,
    average,
    linspace,
    logspace,
    identity,
    argmax,
    argmin,
    resize,
    unravel_index,
    tensorsolve,
    zeros_like,
    ones_like,
    ravel,
    flipud,
    fliplr,
    zeros,
    ones,
    full,
    arange,
    concatenate,
    stack,
    vstack,
    hstack,
    dstack,
    where,
    einsum,
    clip,
    swapaxes,
    split,
)


def np_functions(public: Sequence[str]) -> dict[str, Callable]:
    """The ``sym.np`` functions: MXNet's ``public`` names that the registry
    (or this module) can build, by name."""
    out: dict[str, Callable] = {}
    for name in public:
        for prefix in ("_np_", "_npi_"):
            op_name = prefix + name
            if _reg.find(op_name) is not None:
                out[name] = _op(op_name)
                break
    for r in optable.BINARY:
        for name in r.np_functions:
            out[name] = _binary_function(r, name)
    for op_name, name in (
        ("_np_sum", "sum"),
        ("_npi_mean", "mean"),
        ("_np_prod", "prod"),
        ("_np_prod", "product"),
    ):
        out[name] = _reduce(op_name, name)
    for op_name, name in (
        ("_np_max", "max"),
        ("_np_max", "amax"),
        ("_np_min", "min"),
        ("_np_min", "amin"),
    ):
        out[name] = _minmax(op_name, name)
    for f in _HELPERS:
        out[f.__name__] = f
    for alias, name in (
        ("absolute", "abs"),
        ("fabs", "abs"),
        ("round", "around"),
        ("round_", "around"),
        ("deg2rad", "radians"),
        ("rad2deg", "degrees"),
        ("row_stack", "vstack"),
        ("invert", "bitwise_not"),
    ):
        if name in out:
            out[alias] = out[name]
    return {k: v for k, v in out.items() if k in public}


def npx_functions(public: Sequence[str], prefix: str = "_npx_") -> dict[str, Callable]:
    """The ``sym.npx`` functions (``_npx_<name>`` operators) of ``public``."""
    return {n: _op(prefix + n) for n in public if _reg.find(prefix + n) is not None}
