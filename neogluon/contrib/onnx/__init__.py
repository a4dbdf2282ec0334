"""``mx.contrib.onnx``: ONNX import (:mod:`.onnx2mx`) and the old export path.

``import_model`` / ``get_model_metadata`` / ``import_to_gluon`` read an ONNX file
into a neogluon Symbol or SymbolBlock (needs ``pip install onnx``);
``export_model`` forwards to ``mx.onnx.export_model``.
"""

from __future__ import annotations

import warnings

from ...onnx import export_model as export_model_
from . import onnx2mx
from .onnx2mx.import_model import get_model_metadata
from .onnx2mx.import_model import import_model
from .onnx2mx.import_to_gluon import import_to_gluon

# MXNet 1.9.1 also exposes the functions under these names.
get_model_metadata_ = get_model_metadata
import_model_ = import_model
import_to_gluon_ = import_to_gluon


def export_model(*args, **kwargs):
    """Deprecated path of :func:`mx.onnx.export_model` (same arguments).

    MXNet 1.9.1 forwards this to ``mx.onnx.export_model`` after a notice;
    neogluon issues a DeprecationWarning and forwards (export via torch.onnx).
    """
    warnings.warn(
        "mx.contrib.onnx.export_model is deprecated (removed in MXNet 1.10); use "
        "mx.onnx.export_model",
        DeprecationWarning,
        stacklevel=2,
    )
    return export_model_(*args, **kwargs)


__all__ = [
    "export_model",
    "export_model_",
    "get_model_metadata",
    "get_model_metadata_",
    "import_model",
    "import_model_",
    "import_to_gluon",
    "import_to_gluon_",
    "onnx2mx",
]
