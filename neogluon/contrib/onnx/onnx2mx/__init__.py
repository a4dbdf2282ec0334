"""``mx.contrib.onnx.onnx2mx``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.onnx.onnx2mx`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.onnx.export_model / neogluon.onnx for export).
"""

from __future__ import annotations

from .... import _missing
from . import import_model  # noqa: F401
from . import import_onnx  # noqa: F401
from . import import_to_gluon  # noqa: F401

__neogluon_missing__ = True

_NAMES = {}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.onnx (ONNX import)",
    planned="issue 9",
    instead="mx.onnx.export_model / neogluon.onnx for export",
)
__all__ += ["import_model", "import_onnx", "import_to_gluon"]
