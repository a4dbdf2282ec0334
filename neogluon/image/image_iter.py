"""``mx.image.ImageIter``: batches of images from a RecordIO file, an image
list or a Python list, decoded and augmented in Python (MXNet 1.9.1's
Python-level iterator, as opposed to the record iterators of ``mx.io``).

Examples are read in order (``shuffle`` reshuffles the order with Python's
``random`` at every ``reset``, as MXNet does, so a seeded ``random`` gives
MXNet's order), decoded with :func:`~neogluon.image.imdecode`, passed through
the augmenter list (``aug_list``, or ``CreateAugmenter(data_shape,
**kwargs)``) and transposed to CHW. The last incomplete batch follows
``last_batch_handle``: ``'pad'`` fills it from the start of the data
(``pad`` = number of filled examples), ``'discard'`` drops it,
``'roll_over'`` keeps it and completes it at the start of the next epoch.

The per-example steps are methods (``next_sample``, ``imdecode``,
``read_image``, ``augmentation_transform``, ``postprocess_data``,
``check_valid_image``), which subclasses override as with MXNet.
"""

from __future__ import annotations

import logging
import os
import random

from .. import ndarray as nd
from .. import recordio
from ..base import MXNetError
from ..base import numeric_types
from ..io import DataBatch
from ..io import DataIter

__all__ = ["ImageIter"]


class ImageIter(DataIter):
    """Image iterator with augmentation (see the module notes).

    Parameters
    ----------
    batch_size : int
    data_shape : tuple (3, height, width)
    label_width : int, default 1
    path_imgrec : str, optional
        RecordIO file (``im2rec``).
    path_imglist : str, optional
        ``index<TAB>label...<TAB>path`` lines (labels for the records, or the
        images themselves under ``path_root``).
    path_root : str, optional
        Directory of the images of ``path_imglist`` / ``imglist``.
    path_imgidx : str, optional
        Index file of ``path_imgrec`` (needed for ``shuffle`` and parts).
    shuffle : bool, default False
    part_index, num_parts : int
        Read only one part of the examples.
    aug_list : list of Augmenter, optional
        Default: ``CreateAugmenter(data_shape, **kwargs)``.
    imglist : list, optional
        ``[[label..., path], ...]`` instead of a list file.
    data_name, label_name : str
    dtype : {'float32', 'float64', 'int32', 'int64'}
        Type of the labels read from a list.
    last_batch_handle : {'pad', 'discard', 'roll_over'}
    **kwargs
        Arguments of ``CreateAugmenter``.
    """

    def __init__(
        self,
        batch_size: int,
        data_shape,
        label_width: int = 1,
        path_imgrec=None,
        path_imglist=None,
        path_root=None,
        path_imgidx=None,
        shuffle: bool = False,
        part_index: int = 0,
        num_parts: int = 1,
        aug_list=None,
        imglist=None,
        data_name: str = "data",
        label_name: str = "softmax_label",
        dtype: str = "float32",
        last_batch_handle: str = "pad",
        **kwargs,
    ) -> None:
        from .image import CreateAugmenter

        super().__init__()
        if not (path_imgrec or path_imglist or isinstance(imglist, list)):
            raise ValueError(
                "ImageIter needs path_imgrec, path_imglist or an imglist list of "
                "[label..., path] entries"
            )
        if dtype not in ("int32", "float32", "int64", "float64"):
            raise ValueError(
                f"ImageIter: label dtype {dtype!r} not supported; use int32, float32, "
                "int64 or float64"
            )
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise ValueError(
                f"ImageIter: last_batch_handle={last_batch_handle!r}; use 'pad', "
                "'discard' or 'roll_over'"
            )
        name = type(self).__name__
        imgkeys: list = []
        if path_imgrec:
            logging.info("%s: loading recordio %s...", name, path_imgrec)
            if path_imgidx:
                self.imgrec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
                self.imgidx = list(self.imgrec.keys)
            else:
                self.imgrec = recordio.MXRecordIO(path_imgrec, "r")
                self.imgidx = None
        else:
            self.imgrec = None
        if path_imglist:
            logging.info("%s: loading image list %s...", name, path_imglist)
            table = {}
            with open(path_imglist) as fin:
                for lineno, line in enumerate(fin, 1):
                    parts = line.strip().split("\t")
                    if len(parts) < 3:
                        raise MXNetError(
                            f"ImageIter: {path_imglist!r} line {lineno}: expected "
                            f"'index<TAB>label...<TAB>path', got {line.strip()!r}"
                        )
                    key = int(parts[0])
                    table[key] = (nd.array(parts[1:-1], dtype=dtype), parts[-1])
                    imgkeys.append(key)
            self.imglist = table
        elif isinstance(imglist, list):
            logging.info("%s: loading image list...", name)
            table = {}
            for index, img in enumerate(imglist, 1):
                key = str(index)
                if len(img) > 2:
                    label = nd.array(img[:-1], dtype=dtype)
                elif isinstance(img[0], numeric_types):
                    label = nd.array([img[0]], dtype=dtype)
                else:
                    label = nd.array(img[0], dtype=dtype)
                table[key] = (label, img[-1])
                imgkeys.append(key)
            self.imglist = table
        else:
            self.imglist = None
        self.path_root = path_root
        data_shape = tuple(data_shape)
        self.check_data_shape(data_shape)
        self.provide_data = [(data_name, (batch_size,) + data_shape)]
        self.provide_label: list[tuple[str, tuple[int, ...]]]
        if label_width > 1:
            self.provide_label = [(label_name, (batch_size, label_width))]
        else:
            self.provide_label = [(label_name, (batch_size,))]
        self.batch_size = batch_size
        self.data_shape = data_shape
        self.label_width = label_width
        self.shuffle = shuffle
        if self.imgrec is None:
            self.seq = imgkeys
        elif shuffle or num_parts > 1 or path_imgidx:
            if self.imgidx is None:
                raise ValueError(
                    "ImageIter: shuffle / num_parts > 1 with a record file need its "
                    "index: give path_imgidx"
                )
            self.seq = self.imgidx
        else:
            self.seq = None
        if num_parts > 1:
            if not 0 <= part_index < num_parts:
                raise ValueError(
                    f"ImageIter: part_index={part_index} out of range for "
                    f"num_parts={num_parts}"
                )
            size = len(self.seq) // num_parts
            self.seq = self.seq[part_index * size : (part_index + 1) * size]
        self.auglist = (
            CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        )
        self.cur = 0
        self._allow_read = True
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq) if self.seq is not None else None
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None
        self.reset()

    # ------------------------------------------------------------ epochs
    def reset(self) -> None:
        """Start a new epoch (reshuffling with Python's ``random``); with
        ``roll_over`` a kept partial batch is completed first."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != "roll_over" or self._cache_data is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur = 0
            self._allow_read = True

    def hard_reset(self) -> None:
        """Start a new epoch, dropping a kept partial batch."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.imgrec is not None:
            self.imgrec.reset()
        self.cur = 0
        self._allow_read = True
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None

    # ------------------------------------------------------------ examples
    def next_sample(self):
        """``(label, encoded image bytes)`` of the next example."""
        if not self._allow_read:
            raise StopIteration
        if self.seq is not None:
            if self.cur >= self.num_image:
                if self.last_batch_handle != "discard":
                    self.cur = 0
                raise StopIteration
            idx = self.seq[self.cur]
            self.cur += 1
            if self.imgrec is not None:
                header, img = recordio.unpack(self.imgrec.read_idx(idx))
                if self.imglist is None:
                    return header.label, img
                return self.imglist[idx][0], img
            label, fname = self.imglist[idx]
            return label, self.read_image(fname)
        s = self.imgrec.read()
        if s is None:
            if self.last_batch_handle != "discard":
                self.imgrec.reset()
            raise StopIteration
        header, img = recordio.unpack(s)
        return header.label, img

    def _batchify(self, batch_data, batch_label, start: int = 0) -> int:
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    self.check_valid_image(data)
                except RuntimeError as err:
                    logging.debug("Invalid image, skipping: %s", err)
                    continue
                data = self.augmentation_transform(data)
                if i >= self.batch_size:
                    raise AssertionError(
                        "Batch size must be multiples of augmenter output length"
                    )
                batch_data[i] = self.postprocess_data(data)
                batch_label[i] = label
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def next(self) -> DataBatch:
        """The next batch (see ``last_batch_handle``)."""
        c, h, w = self.data_shape
        if self._cache_data is not None:
            batch_data, batch_label = self._cache_data, self._cache_label
            i = self._cache_idx
        else:
            batch_data = nd.zeros((self.batch_size, c, h, w))
            batch_label = self._new_label_batch()
            i = self._batchify(batch_data, batch_label)
        pad = self.batch_size - i
        if pad != 0:
            if self.last_batch_handle == "discard":
                raise StopIteration
            if self.last_batch_handle == "roll_over" and self._cache_data is None:
                self._cache_data, self._cache_label, self._cache_idx = (
                    batch_data,
                    batch_label,
                    i,
                )
                raise StopIteration
            self._batchify(batch_data, batch_label, i)
            if self.last_batch_handle == "pad":
                self._allow_read = False
            else:
                self._cache_data = self._cache_label = self._cache_idx = None
        return DataBatch([batch_data], [batch_label], pad=pad)

    def _new_label_batch(self):
        """The label array a new batch is filled into."""
        return nd.empty(self.provide_label[0][1])

    def check_data_shape(self, data_shape) -> None:
        """``data_shape`` must be ``(3, height, width)``."""
        if len(data_shape) != 3:
            raise ValueError(
                f"data_shape should have length 3, with dimensions CxHxW; got {data_shape}"
            )
        if data_shape[0] != 3:
            raise ValueError(
                f"This iterator expects inputs to have 3 channels; data_shape={data_shape}"
            )

    def check_valid_image(self, data) -> None:
        """Raise RuntimeError (the example is skipped) for an empty image."""
        if len(data[0].shape) == 0:
            raise RuntimeError("Data shape is wrong")

    def _locate(self) -> str:
        if self.seq is not None:
            idx = self.seq[(self.cur % self.num_image) - 1]
        else:
            idx = self.cur - 1
        if self.imglist is not None and idx in self.imglist:
            return f"filename: {self.imglist[idx][1]}"
        return f"index: {idx}"

    def imdecode(self, s):
        """Decode the image bytes ``s`` (RGB HWC uint8); a broken image
        raises RuntimeError naming its file or index."""
        from .image import imdecode

        try:
            return imdecode(s)
        except Exception as err:  # noqa: BLE001 - any decoder failure
            raise RuntimeError(f"Broken image {self._locate()}, {err}") from None

    def read_image(self, fname: str) -> bytes:
        """The bytes of image ``fname`` under ``path_root``."""
        path = os.path.join(self.path_root or "", fname)
        try:
            with open(path, "rb") as fin:
                return fin.read()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"ImageIter: image file {path!r} (from the image list) does not exist"
            ) from None

    def augmentation_transform(self, data):
        """Apply the augmenters in order."""
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum):
        """HWC -> CHW."""
        return nd.transpose(datum, axes=(2, 0, 1))
