"""``mx.contrib.onnx``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.onnx`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.onnx.export_model / neogluon.onnx for export).
"""

from __future__ import annotations

import warnings

from ... import _missing
from ...onnx import export_model as export_model_
from . import onnx2mx  # noqa: F401


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


_NAMES = {
    "get_model_metadata": "function",
    "get_model_metadata_": "function",
    "import_model": "function",
    "import_model_": "function",
    "import_to_gluon": "function",
    "import_to_gluon_": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.onnx ONNX import (export works: mx.onnx.export_model)",
    planned="issue 9",
    instead="mx.onnx.export_model / neogluon.onnx for export",
)
__all__ += ["onnx2mx"]
__all__ += ["export_model", "export_model_"]
