"""``mx.io``: the pre-Gluon data iterators (``NDArrayIter``, ``DataBatch``, ...).

MXNet's C++ iterators (``MNISTIter``, ``ImageRecordIter``, ``CSVIter``,
``LibSVMIter``) are not provided; use ``gluon.data`` datasets and the
``DataLoader`` instead.
"""

from __future__ import annotations

from . import io
from .io import DataBatch
from .io import DataDesc
from .io import DataIter
from .io import NDArrayIter
from .io import PrefetchingIter
from .io import ResizeIter

__all__ = [
    "DataBatch",
    "DataDesc",
    "DataIter",
    "NDArrayIter",
    "PrefetchingIter",
    "ResizeIter",
    "io",
]
