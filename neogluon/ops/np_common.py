"""Helpers shared by the NumPy-interface operator families (``np_*.py``).

MXNet 1.9.1 registers its ``mx.np`` operators as ``_npi_*`` / ``_np_*``. They
differ from the legacy ``nd`` operators in their dtype rules, which live here:

* :func:`promote` is MXNet's promotion of two array dtypes (what ``_npi_add``
  and friends do): ``bool`` yields to the other side, an integer meets a float
  as that float (``int64 + float16`` is ``float16``, unlike NumPy), two integers
  give the wider one except ``int8 + uint8 -> int32``, two floats the wider one;
* :func:`scalar_result` is the dtype of ``array <op> python scalar``: float arrays
  keep their dtype; an integer array stays integer with an int scalar and
  becomes float64 with a float scalar; a bool array becomes int64 / float64;
* :func:`default_float` is the dtype integer true division gives: float32, or
  float64 when ``npx.set_np(dtype=True)`` made float64 the default.

Shapes follow NumPy: ``()`` is a 0-d array (known), ``0`` inside a shape during
symbolic inference still means "unknown dim" (the registry's convention).
"""

from __future__ import annotations

import torch

from .._dtypes import dtype_name
from .._dtypes import to_torch_dtype
from ..base import MXNetError

__all__ = [
    "promote",
    "promote_names",
    "scalar_result",
    "default_float",
    "is_int_dtype",
    "norm_axis",
    "norm_axes",
]

_FLOAT_RANK = {torch.float16: 0, torch.bfloat16: 0, torch.float32: 1, torch.float64: 2}
_INT_RANK = {torch.int8: 0, torch.uint8: 0, torch.int32: 1, torch.int64: 2}


_DEFAULT_DTYPE_FLAG: list = []


def default_float() -> torch.dtype:
    """float32, or float64 when the NumPy default dtype is float64.

    Reads ``neogluon.util.is_np_default_dtype`` (set by ``npx.set_np(dtype=True)``)
    when the frontend defines it; float32 otherwise.
    """
    if not _DEFAULT_DTYPE_FLAG:
        from .. import util

        _DEFAULT_DTYPE_FLAG.append(getattr(util, "is_np_default_dtype", None))
    flag = _DEFAULT_DTYPE_FLAG[0]
    if flag is not None and flag():
        return torch.float64
    return torch.float32


def is_int_dtype(dt: torch.dtype) -> bool:
    return dt in _INT_RANK or dt in (torch.int16, torch.uint16, torch.uint32)


def promote(a: torch.dtype, b: torch.dtype) -> torch.dtype:
    """MXNet 1.9.1's result dtype for a binary ``_npi_`` op on arrays."""
    if a == b:
        return a
    if a == torch.bool:
        return b
    if b == torch.bool:
        return a
    fa, fb = a.is_floating_point, b.is_floating_point
    if fa and fb:
        if {a, b} == {torch.float16, torch.bfloat16}:
            return torch.float32
        return a if _FLOAT_RANK[a] >= _FLOAT_RANK[b] else b
    if fa:
        return a
    if fb:
        return b
    ra, rb = _INT_RANK.get(a, 1), _INT_RANK.get(b, 1)
    if ra == rb == 0:  # int8 with uint8
        return torch.int32
    return a if ra >= rb else b


def promote_names(a: str | None, b: str | None) -> str | None:
    """:func:`promote` on dtype names (``None`` = unknown)."""
    if a is None or b is None:
        return None
    return dtype_name(promote(to_torch_dtype(a), to_torch_dtype(b)))


def scalar_result(dt: torch.dtype, is_int: bool) -> torch.dtype:
    """Dtype of ``array <op> scalar`` for MXNet's arithmetic scalar ops."""
    if dt.is_floating_point:
        return dt
    if dt == torch.bool:
        return torch.int64 if is_int else torch.float64
    return dt if is_int else torch.float64


def norm_axis(op: str, axis: int, ndim: int) -> int:
    """``axis`` in ``[0, ndim)``; a clear error otherwise."""
    if not -ndim <= axis < max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise MXNetError(
            f"Operator {op}: axis {axis} is out of bounds for an array of "
            f"dimension {ndim}; use -{ndim} <= axis < {ndim}."
        )
    return axis % ndim if ndim else 0


def norm_axes(op: str, axis, ndim: int) -> tuple[int, ...]:
    """Sorted distinct non-negative axes; ``None`` means every axis."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out: list[int] = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise MXNetError(
                f"Operator {op}: axis {a} is out of bounds for an array of "
                f"dimension {ndim}; use -{ndim} <= axis < {ndim}."
            )
        a %= ndim
        if a in out:
            raise MXNetError(f"Operator {op}: axis {a} is repeated in {axis}.")
        out.append(a)
    return tuple(sorted(out))
