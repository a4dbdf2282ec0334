"""``mx.contrib.onnx.onnx2mx.import_model``: ONNX file -> Symbol and parameters."""

from __future__ import annotations

from typing import Any

from .import_onnx import GraphProto
from .import_onnx import _require_onnx

__all__ = ["get_model_metadata", "import_model"]


def _load(model_file: str):
    onnx, _ = _require_onnx()
    model = onnx.load(model_file)
    return model


def _graph_proto(model) -> GraphProto:
    g = GraphProto()
    for op in model.opset_import:
        if op.domain in ("", "ai.onnx"):
            g.opset_version = int(op.version)
    return g


def import_model(model_file: str) -> tuple[Any, dict, dict]:
    """``(sym, arg_params, aux_params)`` of the ONNX model in ``model_file``.

    See :mod:`.import_onnx` for the operators that convert.
    """
    model = _load(model_file)
    return _graph_proto(model).from_onnx(model.graph)


def get_model_metadata(model_file: str) -> dict[str, list[tuple[str, tuple]]]:
    """``{'input_tensor_data': [(name, shape)], 'output_tensor_data': [...]}``."""
    model = _load(model_file)
    return _graph_proto(model).get_graph_metadata(model.graph)
