"""MXNet's module-level NDArray arithmetic helpers (``nd.add``, ``nd.maximum``, ...).

MXNet 1.9.1 defines these in Python (``ndarray/ndarray.py``) on top of the
registered operators: two NDArrays go to the ``broadcast_*`` op, an NDArray and
a number to the ``_*_scalar`` op (``_r*_scalar`` when the number comes first),
two numbers to plain Python arithmetic. Here the arithmetic ones come from the
operator table (``ops/optable.py``) and share the NDArray dunders' code. Gluon itself calls some of them
(``gluon.utils.clip_global_norm`` uses ``nd.minimum``).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from ..ops import optable
from ._arith import function
from ._core import NDArray

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
    # ``nd`` imports this module before its op functions exist; by the time a
    # helper runs, the package is complete (a dict lookup, not an import).
    nd = sys.modules[__package__]
    return nd, nd._internal


# ``nd.add``, ``nd.subtract``, ..., ``nd.logical_xor``: the operator table's
# row functions, built once; ``nd.add`` is ``NDArray.__add__`` itself.
_FUNCTIONS = {name: function(r) for r in optable.BINARY for name in r.nd_functions}
add = _FUNCTIONS["add"]
subtract = _FUNCTIONS["subtract"]
multiply = _FUNCTIONS["multiply"]
divide = _FUNCTIONS["divide"]
true_divide = _FUNCTIONS["true_divide"]
modulo = _FUNCTIONS["modulo"]
maximum = _FUNCTIONS["maximum"]
minimum = _FUNCTIONS["minimum"]
equal = _FUNCTIONS["equal"]
not_equal = _FUNCTIONS["not_equal"]
greater = _FUNCTIONS["greater"]
greater_equal = _FUNCTIONS["greater_equal"]
lesser = _FUNCTIONS["lesser"]
lesser_equal = _FUNCTIONS["lesser_equal"]
logical_and = _FUNCTIONS["logical_and"]
logical_or = _FUNCTIONS["logical_or"]
logical_xor = _FUNCTIONS["logical_xor"]
_power = _FUNCTIONS["power"]


def power(base, exp):
    """``base ** exp`` element-wise with broadcasting; either may be a number."""
    return _power(base, exp)


power.optable_row = _power.optable_row  # MXNet's argument names, the same row


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
