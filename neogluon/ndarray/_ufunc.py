"""MXNet's module-level NDArray arithmetic helpers (``nd.add``, ``nd.maximum``, ...).

MXNet 1.9.1 defines these in Python (``ndarray/ndarray.py``) on top of the
registered operators: two NDArrays go to the ``broadcast_*`` op, an NDArray and
a number to the ``_*_scalar`` op (``_r*_scalar`` when the number comes first),
two numbers to plain Python arithmetic. Gluon itself calls some of them
(``gluon.utils.clip_global_norm`` uses ``nd.minimum``).
"""

from __future__ import annotations

import numbers
import operator
import warnings

import numpy as np

from .ndarray import NDArray

__all__ = [
    "add",
    "divide",
    "equal",
    "greater",
    "greater_equal",
    "histogram",
    "lesser",
    "lesser_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "maximum",
    "minimum",
    "modulo",
    "moveaxis",
    "multiply",
    "not_equal",
    "onehot_encode",
    "power",
    "split_v2",
    "subtract",
    "true_divide",
]


def _ops():
    from .. import ndarray as nd

    return nd, nd._internal


def _ufunc(name: str, array_op: str, py_fn, lscalar: str, rscalar: str | None):
    """Build ``name(lhs, rhs)`` with MXNet's dispatch on operand types.

    ``rscalar`` is the op for ``number <op> array``; ``None`` means the
    operation is symmetric and ``lscalar`` is used with the operands swapped.
    """

    def fn(lhs, rhs):
        nd, internal = _ops()
        if isinstance(lhs, numbers.Number) and isinstance(rhs, numbers.Number):
            return py_fn(lhs, rhs)
        if isinstance(lhs, numbers.Number) and isinstance(rhs, NDArray):
            op = getattr(internal, rscalar or lscalar)
            return op(rhs, scalar=float(lhs))
        if isinstance(lhs, NDArray) and isinstance(rhs, numbers.Number):
            return getattr(internal, lscalar)(lhs, scalar=float(rhs))
        if isinstance(lhs, NDArray) and isinstance(rhs, NDArray):
            return getattr(nd, array_op)(lhs, rhs)
        raise TypeError(
            f"nd.{name}: operands must be NDArrays or numbers, got "
            f"{type(lhs).__name__} and {type(rhs).__name__}."
        )

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"Element-wise ``{name}`` with broadcasting (``{array_op}``); either "
        "operand may be a number."
    )
    return fn


def _flag(fn):
    return lambda x, y: 1 if fn(x, y) else 0


add = _ufunc("add", "broadcast_add", operator.add, "_plus_scalar", None)
subtract = _ufunc(
    "subtract", "broadcast_sub", operator.sub, "_minus_scalar", "_rminus_scalar"
)
multiply = _ufunc("multiply", "broadcast_mul", operator.mul, "_mul_scalar", None)
divide = _ufunc(
    "divide", "broadcast_div", operator.truediv, "_div_scalar", "_rdiv_scalar"
)
true_divide = divide
modulo = _ufunc("modulo", "broadcast_mod", operator.mod, "_mod_scalar", "_rmod_scalar")
_power = _ufunc(
    "power", "broadcast_power", operator.pow, "_power_scalar", "_rpower_scalar"
)


def power(base, exp):
    """``base ** exp`` element-wise with broadcasting; either may be a number."""
    return _power(base, exp)


maximum = _ufunc(
    "maximum",
    "broadcast_maximum",
    lambda x, y: x if x > y else y,
    "_maximum_scalar",
    None,
)
minimum = _ufunc(
    "minimum",
    "broadcast_minimum",
    lambda x, y: x if x < y else y,
    "_minimum_scalar",
    None,
)
equal = _ufunc("equal", "broadcast_equal", _flag(operator.eq), "_equal_scalar", None)
not_equal = _ufunc(
    "not_equal", "broadcast_not_equal", _flag(operator.ne), "_not_equal_scalar", None
)
greater = _ufunc(
    "greater",
    "broadcast_greater",
    _flag(operator.gt),
    "_greater_scalar",
    "_lesser_scalar",
)
greater_equal = _ufunc(
    "greater_equal",
    "broadcast_greater_equal",
    _flag(operator.ge),
    "_greater_equal_scalar",
    "_lesser_equal_scalar",
)
lesser = _ufunc(
    "lesser",
    "broadcast_lesser",
    _flag(operator.lt),
    "_lesser_scalar",
    "_greater_scalar",
)
lesser_equal = _ufunc(
    "lesser_equal",
    "broadcast_lesser_equal",
    _flag(operator.le),
    "_lesser_equal_scalar",
    "_greater_equal_scalar",
)
logical_and = _ufunc(
    "logical_and",
    "broadcast_logical_and",
    _flag(lambda x, y: x and y),
    "_logical_and_scalar",
    None,
)
logical_or = _ufunc(
    "logical_or",
    "broadcast_logical_or",
    _flag(lambda x, y: x or y),
    "_logical_or_scalar",
    None,
)
logical_xor = _ufunc(
    "logical_xor",
    "broadcast_logical_xor",
    _flag(lambda x, y: bool(x) != bool(y)),
    "_logical_xor_scalar",
    None,
)


def _normalize_axes(axes, ndim: int, what: str) -> tuple[int, ...]:
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(
                f"nd.moveaxis: {what} axis {a} is out of range for an array with "
                f"{ndim} dimensions; use -{ndim} <= axis < {ndim}."
            )
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"nd.moveaxis: repeated {what} axis in {axes}.")
    return tuple(out)


def moveaxis(tensor: NDArray, source, destination) -> NDArray:
    """Move axes of ``tensor`` from ``source`` to ``destination`` (a transpose)."""
    nd, _ = _ops()
    src = _normalize_axes(source, tensor.ndim, "source")
    dst = _normalize_axes(destination, tensor.ndim, "destination")
    if len(src) != len(dst):
        raise ValueError(
            "nd.moveaxis: `source` and `destination` arguments must have the same "
            f"number of elements, got {source} and {destination}."
        )
    order = [n for n in range(tensor.ndim) if n not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return nd.transpose(tensor, axes=tuple(order))


def onehot_encode(indices: NDArray, out: NDArray) -> NDArray:
    """One-hot encode ``indices`` into ``out`` (deprecated in MXNet: use one_hot)."""
    nd, _ = _ops()
    out[:] = nd.one_hot(indices, depth=out.shape[1], dtype=out.dtype)
    return out


def split_v2(ary: NDArray, indices_or_sections, axis: int = 0, squeeze_axis=False):
    """Split ``ary`` into equal sections or at the given indices along ``axis``."""
    _, internal = _ops()
    axis_size = ary.shape[axis]
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0 or axis_size % sections:
            raise ValueError(
                f"nd.split_v2: axis {axis} of size {axis_size} cannot be split into "
                f"{sections} equal sections; pass a tuple of split indices instead."
            )
        step = axis_size // sections
        indices = [i * step for i in range(sections)]
    elif isinstance(indices_or_sections, tuple):
        indices = [0, *indices_or_sections]
    else:
        raise ValueError(
            "nd.split_v2: indices_or_sections must be an int or a tuple of ints, "
            f"got {type(indices_or_sections).__name__}."
        )
    return internal._split_v2(
        ary, indices=tuple(indices), axis=axis, squeeze_axis=squeeze_axis
    )


def histogram(a: NDArray, bins=10, range=None):  # noqa: A002 - MXNet's argument name
    """Histogram of ``a``: ``(counts, bin_edges)``.

    ``bins`` is a number of equal bins over ``range`` or an NDArray of edges.
    With an integer ``bins`` and no ``range``, numpy computes it (MXNet does the
    same, warning that it does so for consistency with numpy).
    """
    nd, internal = _ops()
    if isinstance(bins, NDArray):
        return internal._histogram(a, bins)
    if isinstance(bins, (int, np.integer)):
        if range is None:
            warnings.warn(
                "range is not specified, using numpy's result to ensure "
                "consistency with numpy",
                stacklevel=2,
            )
            counts, edges = np.histogram(a.asnumpy(), bins=int(bins))
            # MXNet wraps numpy's result with nd.array: float32 both.
            return nd.array(counts), nd.array(edges)
        return internal._histogram(a, bin_cnt=int(bins), range=range)
    raise ValueError("bins argument should be either an integer or an NDArray")
