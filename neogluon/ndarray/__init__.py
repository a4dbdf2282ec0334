"""``mx.nd``: imperative arrays and one eager function per registered operator."""

from __future__ import annotations

import builtins
import importlib
import sys
import types

import numpy as _np

from .. import ops as _ops  # noqa: F401  (registers every operator)
from . import _frontend
from . import _ufunc
from . import ndarray  # noqa: F401
from .ndarray import NDArray
from .ndarray import arange
from .ndarray import array
from .ndarray import concatenate
from .ndarray import empty
from .ndarray import eye
from .ndarray import from_dlpack
from .ndarray import from_numpy
from .ndarray import from_torch
from .ndarray import full
from .ndarray import linspace
from .ndarray import ones
from .ndarray import ones_like
from .ndarray import to_dlpack_for_read
from .ndarray import to_dlpack_for_write
from .ndarray import waitall
from .ndarray import zeros
from .ndarray import zeros_like
from .serialization import load
from .serialization import load_frombuffer
from .serialization import save

__all__ = [
    "NDArray",
    "arange",
    "array",
    "concatenate",
    "empty",
    "eye",
    "from_dlpack",
    "from_numpy",
    "from_torch",
    "full",
    "linspace",
    "load",
    "load_frombuffer",
    "ones",
    "ones_like",
    "save",
    "to_dlpack_for_read",
    "to_dlpack_for_write",
    "waitall",
    "zeros",
    "zeros_like",
]


def _submodule(name: str) -> types.ModuleType:
    """``nd.<name>``: the module file ``neogluon/ndarray/<name>.py`` (a real,
    importable module; ``nd.random`` and ``nd.contrib`` hold MXNet's Python
    helpers). Generated op functions are added afterwards without replacing
    what the module defines."""
    mod = importlib.import_module(f"{__name__}.{name}")
    globals()[name] = mod
    return mod


_SUBMODULES = {
    ns: _submodule(ns)
    for ns in ("contrib", "random", "linalg", "image", "sparse", "_internal", "op")
}
_frontend.populate(sys.modules[__name__], _SUBMODULES)
# MXNet's Python-level helpers (``nd.add``, ``nd.maximum``, ``nd.moveaxis``, ...).
for _n in _ufunc.__all__:
    globals()[_n] = getattr(_ufunc, _n)
__all__ += _ufunc.__all__
# ``nd.op`` mirrors the top level op functions, as in MXNet.
for _n, _f in list(globals().items()):
    if callable(_f) and hasattr(_f, "op"):
        setattr(_SUBMODULES["op"], _n, _f)
# Fluent methods (``x.sum()``, ``x.relu()``, ...) for the ops registered now.
ndarray.install_fluent_methods(sys.modules[__name__])

for _mod in _SUBMODULES.values():
    _mod.__all__ = sorted(
        set(getattr(_mod, "__all__", ()))
        | {
            n
            for n, f in vars(_mod).items()
            if hasattr(f, "op") and not n.startswith("_")
        }
    )

# Names MXNet's ``mxnet.ndarray.ndarray`` module also carries (the arithmetic
# helpers are defined there in MXNet; user code imports them from it).
for _n in _ufunc.__all__:
    setattr(ndarray, _n, getattr(_ufunc, _n))
ndarray.py_slice = builtins.slice
ndarray._STORAGE_TYPE_STR_TO_ID = {
    "undefined": -1,
    "default": 0,
    "row_sparse": 1,
    "csr": 2,
}
ndarray._STORAGE_TYPE_ID_TO_STR = {
    v: k for k, v in ndarray._STORAGE_TYPE_STR_TO_ID.items()
}
ndarray._GRAD_REQ_MAP = {"null": 0, "write": 1, "add": 3}
ndarray._DTYPE_NP_TO_MX = {
    None: -1,
    _np.float32: 0,
    _np.float64: 1,
    _np.float16: 2,
    _np.uint8: 3,
    _np.int32: 4,
    _np.int8: 5,
    _np.int64: 6,
    _np.bool_: 7,
}
ndarray._DTYPE_MX_TO_NP = {v: k for k, v in ndarray._DTYPE_NP_TO_MX.items()}
_DTYPE_NP_TO_MX = ndarray._DTYPE_NP_TO_MX
_DTYPE_MX_TO_NP = ndarray._DTYPE_MX_TO_NP
_GRAD_REQ_MAP = ndarray._GRAD_REQ_MAP

# MXNet's other ``ndarray.ndarray`` names (DLPack layouts, indexing helpers),
# the ones its star import puts on ``nd``, and cast_storage / Custom / CachedOp
# on nd and nd.op (see ``_mx_compat``; Custom: mx.operator, ``ops/custom.py``).
from ..ops import custom as _ops_custom  # noqa: E402
from . import _mx_compat  # noqa: E402

for _n in (*_mx_compat.__all__, "_new_empty_handle"):
    setattr(ndarray, _n, getattr(_mx_compat, _n))
    if not _n.startswith("DL"):
        globals()[_n] = getattr(_mx_compat, _n)
cast_storage = _SUBMODULES["sparse"].cast_storage
Custom = _ops_custom.nd_function()
CachedOp = _mx_compat.CachedOp
for _n in ("cast_storage", "Custom", "CachedOp", "ones_like", "zeros_like"):
    setattr(_SUBMODULES["op"], _n, globals()[_n])

# MXNet's numpy-interface twins and the creation helpers module.
from . import numpy  # noqa: E402
from . import numpy_extension  # noqa: E402
from . import utils  # noqa: E402, F401

np = numpy
npx = numpy_extension

# Sparse-only functions MXNet places outside ``nd.sparse`` (the operators'
# CSR / row_sparse implementations run inside ``invoke``).
_SUBMODULES["op"].retain = _SUBMODULES["sparse"].retain
_SUBMODULES["contrib"].getnnz = _SUBMODULES["sparse"].getnnz
_SUBMODULES["_internal"]._square_sum = _SUBMODULES["sparse"]._square_sum
