"""``mx.io``: the pre-Gluon data iterators (``NDArrayIter``, ``DataBatch``, ...).

MXNet's C++ iterators (``MNISTIter``, ``ImageRecordIter``, ``CSVIter``,
``LibSVMIter``) are not built yet (planned: issue 12): their names resolve and
raise MXNetError; use ``gluon.data`` datasets and the ``DataLoader`` instead.
"""

from __future__ import annotations

from . import io
from . import utils
from .io import _CPP_ITERATORS
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
    "utils",
    *_CPP_ITERATORS,
]
globals().update({n: getattr(io, n) for n in _CPP_ITERATORS})
