"""``mx.numpy.utils``: dtype names and constants of ``mx.np`` (numpy's)."""

from __future__ import annotations

import numpy as _np

from .. import _missing

bool_ = _np.bool_
bool = _np.bool_  # noqa: A001 - MXNet's name
int8 = _np.int8
uint8 = _np.uint8
int32 = _np.int32
int64 = _np.int64
float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
finfo = _np.finfo
pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
NAN = NaN = _np.nan
PINF = _np.inf
NINF = -_np.inf
PZERO = 0.0
NZERO = -0.0
newaxis = None
_STR_2_DTYPE_ = {
    "float16": float16,
    "float32": float32,
    "float64": float64,
    "float": float64,
    "uint8": uint8,
    "int8": int8,
    "int32": int32,
    "int64": int64,
    "int": int64,
    "bool": bool_,
    "bool_": bool_,
    "None": None,
}

_NAMES = {
    "NAN": "value",
    "NINF": "value",
    "NZERO": "value",
    "NaN": "value",
    "PINF": "value",
    "PZERO": "value",
    "_STR_2_DTYPE_": "value",
    "bool": "class",
    "bool_": "class",
    "e": "value",
    "finfo": "class",
    "float16": "class",
    "float32": "class",
    "float64": "class",
    "inf": "value",
    "int32": "class",
    "int64": "class",
    "int8": "class",
    "nan": "value",
    "pi": "value",
    "uint8": "class",
}
__all__ = [n for n in _NAMES if not n.startswith("_")] + ["newaxis"]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
