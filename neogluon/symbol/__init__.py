"""``mx.sym`` / ``mx.symbol``: symbolic graphs over the operator registry.

One function per registered operator (same names and signatures as ``mx.nd``),
placed in ``sym``, ``sym.contrib``, ``sym.random``, ``sym.linalg``,
``sym.image``, ``sym.sparse`` and ``sym._internal`` by MXNet's prefix rules.
"""

from __future__ import annotations

import sys
import types

from .. import ops as _ops  # noqa: F401  (registers every operator)
from . import _frontend
from . import infer  # noqa: F401
from . import json_io  # noqa: F401
from . import symbol  # noqa: F401
from .json_io import load
from .json_io import load_json
from .symbol import Group
from .symbol import Symbol
from .symbol import Variable
from .symbol import var

__all__ = ["Symbol", "var", "Variable", "Group", "load", "load_json"]


def _submodule(name: str) -> types.ModuleType:
    full = f"{__name__}.{name}"
    mod = sys.modules.get(full)
    if mod is None:
        mod = types.ModuleType(full, f"mx.sym.{name}: operators of the {name} family")
        sys.modules[full] = mod
    globals()[name] = mod
    return mod


_SUBMODULES = {
    ns: _submodule(ns)
    for ns in ("contrib", "random", "linalg", "image", "sparse", "_internal", "op")
}
# Python-level helpers first: they win over same-named registry functions.
for _n, _f in _frontend.HELPERS.items():
    globals()[_n] = _f
for _n, _f in _frontend.RANDOM_HELPERS.items():
    setattr(_SUBMODULES["random"], _n, _f)
_frontend.populate(sys.modules[__name__], _SUBMODULES)
# ``sym.op`` mirrors the top level op functions, as in MXNet.
for _n, _f in list(globals().items()):
    if callable(_f) and hasattr(_f, "op"):
        setattr(_SUBMODULES["op"], _n, _f)
