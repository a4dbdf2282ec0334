"""``mx.nd``: imperative arrays and one eager function per registered operator."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

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
    """``nd.<name>``: the real module file when there is one (``nd.random`` has
    MXNet's Python samplers), else a fresh namespace. Generated op functions are
    added afterwards without replacing what the module defines."""
    full = f"{__name__}.{name}"
    mod = sys.modules.get(full)
    if mod is None:
        if importlib.util.find_spec(full) is not None:
            mod = importlib.import_module(full)
        else:
            mod = types.ModuleType(
                full, f"mx.nd.{name}: operators of the {name} family"
            )
            sys.modules[full] = mod
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
