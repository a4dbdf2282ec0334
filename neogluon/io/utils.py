"""``mx.io.utils``: helpers shared by the data iterators (MXNet's module layout)."""

from __future__ import annotations

from ..ndarray import NDArray
from .io import _getdata_by_idx  # noqa: F401  (re-exported as in MXNet)
from .io import _init_data  # noqa: F401

__all__: list[str] = []


def _has_instance(data: list, dtype) -> bool:
    """Whether any array of ``data`` (``[(name, array), ...]``, as returned by
    ``_init_data``) is an instance of ``dtype``."""
    return any(isinstance(arr, dtype) for _, arr in data)


def _slice_along_batch_axis(data: NDArray, s: slice, batch_axis: int) -> NDArray:
    """``data[s]`` along ``batch_axis``."""
    return data.slice_axis(axis=batch_axis, begin=s.start, end=s.stop)
