"""``mx.contrib.onnx``: ONNX import (:mod:`.onnx2mx`) and the old export path.

``import_model`` / ``get_model_metadata`` / ``import_to_gluon`` read an ONNX file
into a neogluon Symbol or SymbolBlock (needs ``pip install onnx``);
``export_model`` forwards to ``mx.onnx.export_model``.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...onnx import export_model as export_model_
from . import onnx2mx
from .onnx2mx.import_model import get_model_metadata as get_model_metadata_
from .onnx2mx.import_model import import_model as import_model_
from .onnx2mx.import_to_gluon import import_to_gluon as import_to_gluon_

_IMPORT_NOTICE = (
    "Importing ONNX models through mx.contrib.onnx is deprecated in MXNet 1.9.1 "
    "(it moves out of contrib in later releases); the function works as before."
)


def import_model(*args: Any, **kwargs: Any):
    """:func:`.onnx2mx.import_model.import_model` (``model_file``), with MXNet's notice."""
    warnings.warn(_IMPORT_NOTICE, DeprecationWarning, stacklevel=2)
    return import_model_(*args, **kwargs)


def get_model_metadata(*args: Any, **kwargs: Any):
    """:func:`.onnx2mx.import_model.get_model_metadata` (``model_file``)."""
    warnings.warn(_IMPORT_NOTICE, DeprecationWarning, stacklevel=2)
    return get_model_metadata_(*args, **kwargs)


def import_to_gluon(*args: Any, **kwargs: Any):
    """:func:`.onnx2mx.import_to_gluon.import_to_gluon` (``model_file, ctx``)."""
    warnings.warn(_IMPORT_NOTICE, DeprecationWarning, stacklevel=2)
    return import_to_gluon_(*args, **kwargs)


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
