"""``mx.contrib.onnx.onnx2mx``: import ONNX models as neogluon graphs."""

from __future__ import annotations

from . import import_model
from . import import_onnx
from . import import_to_gluon

__all__ = ["import_model", "import_onnx", "import_to_gluon"]
