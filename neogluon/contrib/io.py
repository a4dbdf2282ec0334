"""``mx.contrib.io``: a Gluon ``DataLoader`` as a Module-style ``DataIter``."""

from __future__ import annotations

from .. import ndarray as nd
from ..io import DataDesc
from ..io import DataIter

__all__ = ["DataLoaderIter"]


class DataLoaderIter(DataIter):
    """Iterate a ``gluon.data.DataLoader`` of ``(data, label)`` batches as a DataIter.

    The last, smaller batch is padded to ``batch_size`` with zeros and
    ``getpad()`` reports how many rows are padding.
    """

    def __init__(
        self, loader, data_name="data", label_name="softmax_label", dtype="float32"
    ):
        super().__init__()
        self._loader = loader
        first = next(iter(loader), None)
        if first is None or len(first) != 2:
            raise ValueError(
                "DataLoaderIter needs a non-empty loader of (data, label) batches, got "
                f"{'an empty loader' if first is None else f'batches of {len(first)} items'}"
            )
        data, label = first
        self.batch_size = data.shape[0]
        self.dtype = dtype
        self.provide_data = [DataDesc(data_name, data.shape, dtype)]
        self.provide_label = [DataDesc(label_name, label.shape, dtype)]
        self._current_batch = None
        self.reset()

    def reset(self) -> None:
        self._iter = iter(self._loader)

    def iter_next(self) -> bool:
        self._current_batch = next(self._iter, None)
        return self._current_batch is not None

    def _padded(self, x):
        x = x.astype(self.dtype)
        pad = self.getpad()
        if not pad:
            return [x]
        out = nd.zeros((self.batch_size, *x.shape[1:]), ctx=x.context, dtype=self.dtype)
        out[: x.shape[0]] = x
        return [out]

    def getdata(self):
        return self._padded(self._current_batch[0])

    def getlabel(self):
        return self._padded(self._current_batch[1])

    def getpad(self) -> int:
        return self.batch_size - self._current_batch[0].shape[0]

    def getindex(self):
        return None
