"""``mx.contrib.onnx.onnx2mx.import_to_gluon``: ONNX file -> gluon.SymbolBlock."""

from __future__ import annotations

from typing import Any

from .import_model import _graph_proto
from .import_model import _load

__all__ = ["import_to_gluon"]


def import_to_gluon(model_file: str, ctx: Any = None):
    """A ``gluon.SymbolBlock`` running the ONNX model, parameters loaded on ``ctx``."""
    model = _load(model_file)
    return _graph_proto(model).graph_to_gluon(model.graph, ctx)
