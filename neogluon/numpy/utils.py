"""``mx.numpy.utils``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.numpy.utils`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd arrays and operators).
"""

from __future__ import annotations

from .. import _missing

newaxis = None  # numpy.newaxis

__neogluon_missing__ = True

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
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
__all__ += ["newaxis"]
