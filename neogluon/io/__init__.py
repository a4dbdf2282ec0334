"""``mx.io``: the pre-Gluon data iterators (``NDArrayIter``, ``DataBatch``, ...).

MXNet's C++ iterators are written in Python here: ``CSVIter``, ``MNISTIter``
(:mod:`.native`), ``ImageRecordIter`` and its UInt8 / Int8 variants
(:mod:`.image_record`), ``ImageDetRecordIter`` (:mod:`.image_det_record`),
``LibSVMIter`` (CSR batches, :mod:`.libsvm`).
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
