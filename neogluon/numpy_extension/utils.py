"""``mx.numpy_extension.utils``: ``npx.save`` / ``npx.load`` of np arrays.

The same container as ``mx.nd.save`` (MXNet's ``.params`` format) with
numpy-shape records (magic ``0xF993FACA``), as MXNet 1.9.1 writes them; loaded
arrays are ``mx.np.ndarray``.
"""

from __future__ import annotations

from .. import _missing
from ..ndarray._np import as_np as _as_np
from ..ndarray._np import ndarray as _ndarray


def save(file, arr) -> None:
    """Save an np array, a list of them or a dict name -> array to ``file``
    (numpy-shape records, magic ``0xF993FACA``, as MXNet 1.9.1 writes them)."""
    from ..ndarray.serialization import save_np as _save

    if isinstance(arr, _ndarray):
        arr = [arr]
    if isinstance(arr, dict):
        data = {k: v.as_nd_ndarray() for k, v in arr.items()}
    else:
        data = [v.as_nd_ndarray() for v in arr]
    _save(file, data)


def load(file):
    """Load what :func:`save` wrote: a dict of np arrays (names) or a list."""
    from ..ndarray import load as _load

    res = _load(file)
    if isinstance(res, dict):
        return {k: _as_np(v) for k, v in res.items()}
    return [_as_np(v) for v in res]


_NAMES = {
    "load": "function",
    "save": "function",
}
__all__ = ["load", "save"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.npx, the numpy-extension interface",
    planned="issue 8",
    instead="mx.nd operators",
)
