"""``mx.onnx.mx2onnx``: MXNet's module path of the ONNX exporter.

``export_model`` is :func:`neogluon.onnx.export_model`;
:func:`get_operator_support` lists the operators an exported graph may use.
"""

from __future__ import annotations

from . import export_model

__all__ = ["export_model", "get_operator_support"]


def get_operator_support(opset_version: int | None = None) -> list[str]:
    """Sorted names of the operators that export to ONNX.

    neogluon exports by compiling the graph to torch and running
    ``torch.onnx.export``: every registered operator (and alias) goes through
    the same path, so all of them are listed. Whether a kernel maps to ONNX
    ops at ``opset_version`` is decided by torch's exporter at export time
    (it raises naming the torch op it cannot convert). ``opset_version``
    must be None or an int >= 7 (the lowest opset torch's exporter writes).
    """
    if opset_version is not None and (
        not isinstance(opset_version, int) or opset_version < 7
    ):
        raise ValueError(
            f"get_operator_support: opset_version must be None or an int >= 7, got "
            f"{opset_version!r}"
        )
    from ..ops import registry

    return sorted(n for n in registry.all_names() if not n.startswith("_backward"))
