"""MXNet's C++ data iterators, in Python: the batching they share and the
in-memory ones (:class:`CSVIter`, :class:`MNISTIter`).

MXNet 1.9.1 builds these iterators in C++ (``src/io``) and hands them to
Python through ``mx.io.MXDataIter``. Here :class:`MXDataIter` is the base
class of the Python versions, with the same surface (``provide_data`` /
``provide_label`` from the first batch, ``first_batch``, ``batch_size``,
``debug_skip_load``, ``getdata`` / ``getlabel`` / ``getindex`` / ``getpad``).

Batching follows MXNet's ``BatchLoader``: instances are read as a stream, in
passes over the data. A pass that ends inside a batch either fills the batch
from the start of the next pass (``round_batch=True``, the default;
``pad`` is the number of examples taken from it, and the next epoch then
continues the stream after them) or leaves the last slots as padding
(``round_batch=False``; like MXNet, the padding slots hold the previous
batch's examples).

The label given to Python is 1-D ``(batch_size,)`` when one example's label
has one value in its first axis (``label_shape`` ``(1,)``), as MXNet's C API
reshapes it.
"""

from __future__ import annotations

import gzip
import logging
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ndarray as nd
from .._idx import parse_idx
from ..base import MXNetError
from .io import DataBatch
from .io import DataDesc
from .io import DataIter

__all__ = ["CSVIter", "IterParamError", "MNISTIter", "MXDataIter"]


class IterParamError(MXNetError, ValueError):
    """A data iterator was given an invalid parameter (an MXNetError, as
    MXNet's C++ iterators raise, and a ValueError)."""


def _unknown_params(names, where: str) -> None:
    """MXNet's C++ iterators ignore parameters they do not know; here they
    are ignored too, with a warning naming them (a typo shows)."""
    if names:
        warnings.warn(
            f"{where}: ignoring unknown parameter(s) {sorted(names)}",
            UserWarning,
            stacklevel=4,
        )


def _positive_int(value, name: str, where: str) -> int:
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise IterParamError(
            f"{where}: {name} must be a positive integer, got {value!r}"
        )
    return int(value)


def _shape(value, name: str, where: str) -> tuple:
    if isinstance(value, int):
        value = (value,)
    try:
        shape = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise IterParamError(
            f"{where}: {name} must be a tuple of positive ints, got {value!r}"
        ) from None
    if not shape or any(v < 1 for v in shape):
        raise IterParamError(
            f"{where}: {name} must be a tuple of positive ints, got {value!r}"
        )
    return shape


def _check_part(part_index: int, num_parts: int, where: str) -> None:
    if num_parts < 1 or not 0 <= part_index < num_parts:
        raise IterParamError(
            f"{where}: part_index={part_index} / num_parts={num_parts}: need "
            "num_parts >= 1 and 0 <= part_index < num_parts"
        )


class _Stream:
    """MXNet's BatchLoader over ``n`` instances: which instances make each
    batch. ``order(pass_no)`` gives the instance order of a pass."""

    def __init__(self, n: int, batch_size: int, round_batch: bool, order, where: str):
        self.n = n
        self.batch_size = batch_size
        self.round_batch = round_batch
        self.order = order
        self.where = where
        self.pass_no = 0
        self.current = order(0)
        self.pos = 0
        self.overflow = False

    def _new_pass(self) -> None:
        self.pass_no += 1
        self.current = self.order(self.pass_no)
        self.pos = 0

    def reset(self) -> None:
        if self.round_batch and self.overflow:
            # The wrapped batch already started the next pass: continue it.
            self.overflow = False
        else:
            self._new_pass()

    def next(self):
        """``(instance ids, pad)`` of the next batch, or None at the end of
        the epoch. With ``round_batch=False`` the ids of a padded batch are
        fewer than ``batch_size``."""
        if self.overflow:
            return None
        take = self.current[self.pos : self.pos + self.batch_size]
        self.pos += len(take)
        if len(take) == self.batch_size:
            return take, 0
        if len(take) == 0:
            return None
        need = self.batch_size - len(take)
        if not self.round_batch:
            return take, need
        self.overflow = True
        self._new_pass()
        extra = self.current[:need]
        if len(extra) < need:
            raise MXNetError(
                f"{self.where}: the data holds {self.n} examples, fewer than "
                f"batch_size={self.batch_size}; round_batch=True cannot fill a batch. "
                "Use a smaller batch_size."
            )
        self.pos = need
        return np.concatenate([take, extra]), need


class MXDataIter(DataIter):
    """Base of MXNet's (C++ in MXNet) data iterators.

    The first batch is read at construction (``first_batch``) to fix
    ``provide_data`` / ``provide_label`` and ``batch_size``. Subclasses
    provide ``_read_batch()`` -> ``(data, label, pad, index)`` numpy arrays
    or None at the end of the epoch, and ``_reset()``.

    neogluon has no C iterator handles: ``MXDataIter(handle)`` raises.
    """

    def __init__(
        self,
        handle=None,
        data_name: str = "data",
        label_name: str = "softmax_label",
        **_,
    ):
        if type(self) is MXDataIter:
            raise MXNetError(
                "mx.io.MXDataIter(handle) wraps a C iterator handle, which neogluon "
                "does not have; create the iterator by its name (mx.io.CSVIter, "
                "mx.io.MNISTIter, mx.io.ImageRecordIter, ...)."
            )
        super().__init__()
        self.handle = None
        self._debug_skip_load = False
        self._debug_at_begin = True
        self._current: Any = None
        self.first_batch = None
        self.first_batch = self.next()
        data = self.first_batch.data[0]
        label = self.first_batch.label[0]
        self.provide_data = [DataDesc(data_name, data.shape, data.dtype)]
        self.provide_label = [DataDesc(label_name, label.shape, label.dtype)]
        self.batch_size = data.shape[0]

    # -- subclass interface
    def _read_batch(self):
        raise NotImplementedError(f"{type(self).__name__} must define _read_batch()")

    def _reset(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _reset()")

    # -- MXDataIter surface
    def debug_skip_load(self) -> None:
        """Return the first batch again and again (to time a network without
        the loading)."""
        self._debug_skip_load = True

    def reset(self) -> None:
        self._debug_at_begin = True
        self.first_batch = None
        self._reset()

    @staticmethod
    def _label_1d(label: np.ndarray) -> np.ndarray:
        # MXNet's C API: a (batch, 1, ...) label is handed over as (batch,).
        if label.ndim > 1 and label.shape[1] == 1:
            return label.reshape(-1)[: label.shape[0]]
        return label

    def _advance(self) -> bool:
        got = self._read_batch()
        if got is None:
            return False
        data, label, pad, index = got
        if not isinstance(data, nd.NDArray):
            data = nd.array(data, dtype=data.dtype)
        self._current = (
            data,
            nd.array(self._label_1d(label), dtype=label.dtype),
            int(pad),
            None if index is None else np.asarray(index, dtype=np.uint64),
        )
        return True

    def _batch(self) -> DataBatch:
        data, label, pad, index = self._current
        return DataBatch(data=[data], label=[label], pad=pad, index=index)

    def next(self) -> DataBatch:
        if self._debug_skip_load and not self._debug_at_begin:
            return self._batch()
        if self.first_batch is not None:
            batch, self.first_batch = self.first_batch, None
            return batch
        self._debug_at_begin = False
        if self._advance():
            return self._batch()
        raise StopIteration

    def iter_next(self) -> bool:
        if self.first_batch is not None:
            return True
        return self._advance()

    def getdata(self):
        return self._current[0]

    def getlabel(self):
        return self._current[1]

    def getindex(self):
        return self._current[3]

    def getpad(self) -> int:
        return self._current[2]


class _KeywordIter(MXDataIter):
    """An iterator configured by keywords only, as MXNet's generated
    constructors are (``_configure`` holds the real signature)."""

    def __init__(self, *args, **kwargs) -> None:
        if args:
            raise TypeError(
                f"{type(self).__name__} can only accept keyword arguments, got "
                f"{len(args)} positional"
            )
        self._configure(**kwargs)

    # Each subclass defines ``_configure`` with its own keyword signature (the
    # documented parameters); declared here as a callable so that the subclasses'
    # differing signatures do not read as overrides of one base signature.
    _configure: Callable[..., None]


class _InMemoryIter(_KeywordIter):
    """An MXDataIter over arrays held in memory (``self._data``,
    ``self._label``: one row per example)."""

    def _setup(self, batch_size, round_batch, where: str, order=None) -> None:
        n = len(self._data)
        if order is None:
            order = lambda _p: np.arange(n)  # noqa: E731
        self._stream = _Stream(n, batch_size, round_batch, order, where)
        self._batch_size = batch_size
        self._last = None
        self._with_index = True

    def _reset(self) -> None:
        self._stream.reset()

    def _read_batch(self):
        got = self._stream.next()
        if got is None:
            return None
        ids, pad = got
        data = self._data[ids]
        label = self._label[ids]
        index = (
            ids.astype(np.uint64) if self._with_index else np.zeros(len(ids), np.uint64)
        )
        if len(ids) < self._batch_size:
            # round_batch=False: MXNet leaves the previous batch's examples in
            # the padding slots.
            fill = self._batch_size - len(ids)
            if self._last is not None:
                prev_d, prev_l, prev_i = self._last
                data = np.concatenate([data, prev_d[len(ids) :]])
                label = np.concatenate([label, prev_l[len(ids) :]])
                index = np.concatenate([index, prev_i[len(ids) :]])
            else:
                data = np.concatenate(
                    [data, np.zeros((fill,) + data.shape[1:], data.dtype)]
                )
                label = np.concatenate(
                    [label, np.zeros((fill,) + label.shape[1:], label.dtype)]
                )
                index = np.concatenate([index, np.zeros(fill, np.uint64)])
        self._last = (data, label, index)
        return data, label, pad, index


def _read_csv(path: str, row_size: int, dtype, where: str, what: str) -> np.ndarray:
    """Rows of a CSV file (or of every file of a directory, in name order)."""
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, f)
            for f in os.listdir(path)
            if os.path.isfile(os.path.join(path, f))
        )
    elif os.path.isfile(path):
        files = [path]
    else:
        raise FileNotFoundError(f"{where}: {what}={path!r}: no such file or directory")
    rows = []
    for fname in files:
        with open(fname) as f:
            for lineno, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    values = [float(v) if v.strip() else 0.0 for v in line.split(",")]
                except ValueError as err:
                    raise MXNetError(
                        f"{where}: {fname}, line {lineno}: not a row of numbers ({err})"
                    ) from None
                if len(values) != row_size:
                    raise MXNetError(
                        f"{where}: {fname}, line {lineno}: the row has {len(values)} "
                        f"values but {what.replace('_csv', '_shape')} needs {row_size}; "
                        "the data size in CSV does not match the shape"
                    )
                rows.append(values)
    return np.asarray(rows, dtype=np.float64).astype(dtype).reshape(-1, row_size)


class CSVIter(_InMemoryIter):
    """Batches from CSV files (MXNet's ``mx.io.CSVIter``).

    Parameters
    ----------
    data_csv : str
        CSV file (or a directory of CSV files) with one example per row.
    data_shape : tuple of int
        Shape of one example (the row is reshaped to it).
    label_csv : str, optional
        CSV file of labels, one row per example; without it every label is 0.
    label_shape : tuple of int, default (1,)
    batch_size : int
    round_batch : bool, default True
        Fill the last batch from the start of the data (see the module notes).
    dtype : {'float32', 'int32', 'int64'}, default 'float32'
    data_name, label_name : str, default 'data', 'softmax_label'
    prefetch_buffer, ctx :
        Accepted for compatibility (the data is read into memory).

    Differs from MXNet 1.9.1: the files are read into memory at construction.
    """

    def _configure(
        self,
        data_csv: str,
        data_shape,
        batch_size: int,
        label_csv: str = "NULL",
        label_shape=(1,),
        round_batch: bool = True,
        dtype: str = "float32",
        data_name: str = "data",
        label_name: str = "softmax_label",
        prefetch_buffer: int = 4,
        ctx: str = "gpu",
        **kwargs,
    ) -> None:
        where = "CSVIter"
        _unknown_kwargs(kwargs, where)
        if dtype not in ("float32", "int32", "int64"):
            raise MXNetError(
                f"{where}: dtype {dtype!r} is not supported for CSVIter; use float32, int32 or int64"
            )
        data_shape = _shape(data_shape, "data_shape", where)
        label_shape = _shape(label_shape, "label_shape", where)
        batch_size = _positive_int(batch_size, "batch_size", where)
        np_dtype = np.dtype(dtype)
        size = int(np.prod(data_shape))
        self._data = _read_csv(data_csv, size, np_dtype, where, "data_csv").reshape(
            (-1,) + data_shape
        )
        n = len(self._data)
        if label_csv not in (None, "NULL"):
            lsize = int(np.prod(label_shape))
            label = _read_csv(label_csv, lsize, np_dtype, where, "label_csv")
            if len(label) < n:
                raise MXNetError(
                    f"{where}: label_csv={label_csv!r} has {len(label)} rows but "
                    f"data_csv={data_csv!r} has {n}; every example needs a label row"
                )
            self._label = label[:n].reshape((-1,) + label_shape)
        else:
            self._label = np.zeros((n, 1), dtype=np_dtype)
        if n == 0:
            raise MXNetError(f"{where}: data_csv={data_csv!r} holds no rows")
        self._setup(batch_size, bool(round_batch), where)
        MXDataIter.__init__(self, data_name=data_name, label_name=label_name)


def _unknown_kwargs(kwargs: dict, where: str) -> None:
    _unknown_params(kwargs, where)


def _open_maybe_gz(path: str, where: str, what: str):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: {what}={path!r}: no such file")
    with open(path, "rb") as f:
        head = f.read(2)
    return gzip.open(path, "rb") if head == b"\x1f\x8b" else open(path, "rb")


def _read_idx(path: str, where: str, what: str, ndim: int) -> np.ndarray:
    with _open_maybe_gz(path, where, what) as f:
        raw = f.read()
    try:
        return parse_idx(raw, ndim)
    except ValueError as err:
        raise MXNetError(f"{where}: {what}={path!r} {err}") from None


def _std_mt19937_shuffle(n: int, seed: int) -> np.ndarray:
    """The permutation ``std::shuffle(0..n-1, std::mt19937(seed))`` as the
    libstdc++ MXNet 1.9.1 was built with draws it (Fisher-Yates from the
    front, one ``uniform_int_distribution`` draw per swap, by downscaling with
    rejection): MXNet's MNISTIter order, checked against it."""
    rng = np.random.RandomState(seed)  # a scalar seed: mt19937's init_genrand
    perm = np.arange(n)
    for i in range(1, n):
        urange = i + 1
        scaling = 0xFFFFFFFF // urange
        past = urange * scaling
        while True:
            r = int(rng.randint(0, 2**32, dtype=np.uint64))
            if r < past:
                break
        j = r // scaling
        perm[i], perm[j] = perm[j], perm[i]
    return perm


class MNISTIter(_InMemoryIter):
    """Batches of MNIST idx files (MXNet's ``mx.io.MNISTIter``).

    Images are scaled by 1/256 (as MXNet does) to float32, shaped
    ``(batch, 1, rows, cols)`` (``flat=True``: ``(batch, rows * cols)``);
    labels are float32 ``(batch,)``. The last incomplete batch is dropped.

    Parameters
    ----------
    image, label : str
        idx3 / idx1 ubyte files (gzip-compressed files are read too).
    batch_size : int, default 128
    shuffle : bool, default True
        Shuffle once, at construction, with ``seed``.
    flat : bool, default False
    seed : int, default 0
    num_parts, part_index : int
        Read only part ``part_index`` of ``num_parts`` equal parts.
    silent : bool
        Do not log the data size.
    """

    def _configure(
        self,
        image: str = "./train-images-idx3-ubyte",
        label: str = "./train-labels-idx1-ubyte",
        batch_size: int = 128,
        shuffle: bool = True,
        flat: bool = False,
        seed: int = 0,
        silent: bool = False,
        num_parts: int = 1,
        part_index: int = 0,
        prefetch_buffer: int = 4,
        ctx: str = "gpu",
        dtype=None,
        data_name: str = "data",
        label_name: str = "softmax_label",
        **kwargs,
    ) -> None:
        where = "MNISTIter"
        _unknown_kwargs(kwargs, where)
        batch_size = _positive_int(batch_size, "batch_size", where)
        _check_part(part_index, num_parts, where)
        images = _read_idx(image, where, "image", 3)
        labels = _read_idx(label, where, "label", 1)

        def part(count: int) -> slice:
            start = int(count / num_parts * part_index)
            end = int(count / num_parts * (part_index + 1))
            return slice(start, end)

        images = images[part(images.shape[0])]
        labels = labels[part(labels.shape[0])]
        if len(labels) < len(images):
            raise MXNetError(
                f"{where}: label={label!r} has {len(labels)} labels for "
                f"{len(images)} images in image={image!r}"
            )
        data = images.astype(np.float32) * np.float32(1.0 / 256.0)
        lab = labels[: len(images)].astype(np.float32)
        if shuffle:
            perm = _std_mt19937_shuffle(len(data), int(seed))
            data, lab = data[perm], lab[perm]
        rows, cols = data.shape[1:]
        if flat:
            data = data.reshape(len(data), rows * cols)
        else:
            data = data.reshape(len(data), 1, rows, cols)
        full = len(data) // batch_size * batch_size
        if full == 0:
            raise MXNetError(
                f"{where}: {image!r} holds {len(data)} images in this part, fewer than "
                f"batch_size={batch_size}"
            )
        self._data = data[:full]
        self._label = lab[:full]
        if not silent:
            logging.info(
                "MNISTIter: load %d images, shuffle=%d, shape=%s",
                len(data),
                int(bool(shuffle)),
                (batch_size,) + data.shape[1:],
            )
        self._setup(batch_size, False, where)
        self._with_index = False  # MXNet's MNISTIter leaves the indices 0
        MXDataIter.__init__(self, data_name=data_name, label_name=label_name)
