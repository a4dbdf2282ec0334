"""``mx.contrib.onnx.onnx2mx.import_to_gluon``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.onnx.onnx2mx.import_to_gluon`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.onnx.export_model / neogluon.onnx for export).
"""

from __future__ import annotations

from .... import _missing

__neogluon_missing__ = True

_NAMES = {
    "import_to_gluon": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.onnx (ONNX import)",
    planned="issue 9",
    instead="mx.onnx.export_model / neogluon.onnx for export",
)
