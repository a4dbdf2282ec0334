"""``mx.sym`` / ``mx.symbol``: symbolic graphs over the operator registry.

One function per registered operator (same names and signatures as ``mx.nd``),
placed in ``sym``, ``sym.contrib``, ``sym.random``, ``sym.linalg``,
``sym.image``, ``sym.sparse`` and ``sym._internal`` by MXNet's prefix rules.
"""

from __future__ import annotations

import importlib
import sys
import types

from .. import ops as _ops  # noqa: F401  (registers every operator)
from ..ops import custom as _custom
from . import _frontend
from . import fluent  # noqa: F401  (adds Symbol's fluent methods)
from . import infer  # noqa: F401
from . import json_io  # noqa: F401
from . import symbol  # noqa: F401
from .symbol import Group
from .symbol import Symbol
from .symbol import Variable
from .symbol import load
from .symbol import load_json
from .symbol import var

__all__ = ["Symbol", "var", "Variable", "Group", "load", "load_json"]


def _submodule(name: str) -> types.ModuleType:
    """``sym.<name>``: the module file ``neogluon/symbol/<name>.py`` (a real,
    importable module); op functions are added by ``populate``."""
    mod = importlib.import_module(f"{__name__}.{name}")
    globals()[name] = mod
    return mod


_SUBMODULES = {
    ns: _submodule(ns)
    for ns in ("contrib", "random", "linalg", "image", "sparse", "_internal", "op")
}
# Python-level helpers first: they win over same-named registry functions.
for _n, _f in _frontend.HELPERS.items():
    globals()[_n] = _f
_frontend.populate(sys.modules[__name__], _SUBMODULES)
# ``sym.op`` mirrors the top level op functions, as in MXNet.
for _n, _f in list(globals().items()):
    if callable(_f) and hasattr(_f, "op"):
        setattr(_SUBMODULES["op"], _n, _f)
# cast_storage (dense only) and Custom (mx.operator custom operators).
cast_storage = _SUBMODULES["sparse"].cast_storage
Custom = _custom.sym_function()
_SUBMODULES["op"].cast_storage = cast_storage
_SUBMODULES["op"].Custom = Custom

for _mod in _SUBMODULES.values():
    _mod.__all__ = sorted(
        set(getattr(_mod, "__all__", ()))
        | {
            n
            for n, f in vars(_mod).items()
            if hasattr(f, "op") and not n.startswith("_")
        }
    )

# MXNet defines these creation/arithmetic helpers in ``mxnet.symbol.symbol``.
for _n, _f in _frontend.HELPERS.items():
    if not hasattr(symbol, _n):
        setattr(symbol, _n, _f)

# MXNet's numpy-interface twins.
from . import numpy  # noqa: E402
from . import numpy_extension  # noqa: E402

np = numpy
npx = numpy_extension
