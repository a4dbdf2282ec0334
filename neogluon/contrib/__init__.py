"""``mx.contrib``: MXNet's experimental packages.

``contrib.autograd``, ``contrib.io``, ``contrib.ndarray``/``nd``,
``contrib.symbol``/``sym``, ``text``, ``amp`` (float16; the graph conversion
functions are missing) and ``onnx`` (import and export) work;
``quantization``, ``svrg_optimization`` and ``tensorboard`` resolve but raise
MXNetError when used (see each module).
"""

from __future__ import annotations

from . import amp
from . import autograd
from . import io
from . import ndarray
from . import onnx
from . import quantization
from . import svrg_optimization
from . import symbol
from . import tensorboard
from . import text

nd = ndarray
sym = symbol
quant = quantization

__all__ = [
    "amp",
    "autograd",
    "io",
    "nd",
    "ndarray",
    "onnx",
    "quant",
    "quantization",
    "svrg_optimization",
    "sym",
    "symbol",
    "tensorboard",
    "text",
]
