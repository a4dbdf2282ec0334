"""Data iterators of the pre-Gluon API: ``DataDesc``, ``DataBatch``, ``NDArrayIter``."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections import namedtuple

import numpy as np

from .. import ndarray as nd
from ..ndarray import NDArray

__all__ = [
    "DataBatch",
    "DataDesc",
    "DataIter",
    "NDArrayIter",
    "PrefetchingIter",
    "ResizeIter",
]


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Name, shape, dtype and layout of one data or label input.

    Parameters
    ----------
    name : str
        Input name.
    shape : tuple of int
        Shape, batch axis included.
    dtype : numpy dtype, default float32
        Element type.
    layout : str, default 'NCHW'
        Meaning of each axis; ``'N'`` marks the batch axis.

    Examples
    --------
    >>> DataDesc('data', (32, 3, 28, 28))
    DataDesc[data,(32, 3, 28, 28),<class 'numpy.float32'>,NCHW]
    """

    def __new__(cls, name, shape, dtype=np.float32, layout="NCHW"):
        ret = super().__new__(cls, name, shape)
        ret.dtype = dtype
        ret.layout = layout
        return ret

    def __repr__(self) -> str:
        return f"DataDesc[{self.name},{self.shape},{self.dtype},{self.layout}]"

    @staticmethod
    def get_batch_axis(layout) -> int:
        """Index of ``'N'`` in ``layout`` (0 when ``layout`` is None, -1 if absent)."""
        if layout is None:
            return 0
        return layout.find("N")

    @staticmethod
    def get_list(shapes, types) -> list:
        """``DataDesc`` list from ``[(name, shape)]`` and optional ``[(name, dtype)]``."""
        if types is not None:
            type_dict = dict(types)
            return [DataDesc(x[0], x[1], type_dict[x[0]]) for x in shapes]
        return [DataDesc(x[0], x[1]) for x in shapes]


class DataBatch:
    """One batch from a data iterator.

    Parameters
    ----------
    data : list of NDArray
        The inputs, each with ``batch_size`` examples.
    label : list of NDArray, optional
        The labels.
    pad : int, optional
        Number of padding examples at the end of the batch.
    index : numpy.ndarray, optional
        Indices of the examples.
    bucket_key : int, optional
        Bucket key for bucketing modules.
    provide_data, provide_label : list of DataDesc, optional
        Descriptions of ``data`` and ``label``.
    """

    def __init__(
        self,
        data,
        label=None,
        pad=None,
        index=None,
        bucket_key=None,
        provide_data=None,
        provide_label=None,
    ) -> None:
        if data is not None and not isinstance(data, (list, tuple)):
            raise TypeError(
                f"DataBatch: data must be a list of NDArrays, got "
                f"{type(data).__name__}; wrap it as [data]."
            )
        if label is not None and not isinstance(label, (list, tuple)):
            raise TypeError(
                f"DataBatch: label must be a list of NDArrays, got "
                f"{type(label).__name__}; wrap it as [label]."
            )
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self) -> str:
        data_shapes = [d.shape for d in self.data]
        label_shapes = [lab.shape for lab in self.label] if self.label else None
        return (
            f"{type(self).__name__}: data shapes: {data_shapes} "
            f"label shapes: {label_shapes}"
        )


class DataIter:
    """Base class of data iterators: ``next()`` returns a :class:`DataBatch`.

    Subclasses implement ``iter_next``, ``getdata``, ``getlabel``, ``getpad``
    (and ``reset``), or override ``next`` directly.

    Parameters
    ----------
    batch_size : int, default 0
        Number of examples per batch.
    """

    def __init__(self, batch_size: int = 0) -> None:
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self) -> None:
        """Go back to the start of the data."""

    def next(self) -> DataBatch:
        """The next batch; raises ``StopIteration`` at the end of the data."""
        if self.iter_next():
            return DataBatch(
                data=self.getdata(),
                label=self.getlabel(),
                pad=self.getpad(),
                index=self.getindex(),
            )
        raise StopIteration

    def __next__(self) -> DataBatch:
        return self.next()

    def iter_next(self) -> bool:
        """Advance to the next batch; False at the end."""
        raise NotImplementedError(
            f"{type(self).__name__} must define iter_next() or next()."
        )

    def getdata(self):
        """The data of the current batch (list of NDArray)."""
        raise NotImplementedError(f"{type(self).__name__} must define getdata().")

    def getlabel(self):
        """The labels of the current batch (list of NDArray)."""
        raise NotImplementedError(f"{type(self).__name__} must define getlabel().")

    def getindex(self):
        """The indices of the current batch's examples, or None."""
        return None

    def getpad(self):
        """Number of padding examples in the current batch."""
        raise NotImplementedError(f"{type(self).__name__} must define getpad().")


class ResizeIter(DataIter):
    """Makes ``data_iter`` yield exactly ``size`` batches per epoch.

    Restarts the inner iterator when it runs out before ``size`` batches.

    Parameters
    ----------
    data_iter : DataIter
        The iterator to resize.
    size : int
        Batches per epoch.
    reset_internal : bool, default True
        Whether ``reset()`` also resets ``data_iter``.
    """

    def __init__(self, data_iter, size: int, reset_internal: bool = True) -> None:
        super().__init__()
        self.data_iter = data_iter
        self.size = size
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label
        self.batch_size = data_iter.batch_size
        if hasattr(data_iter, "default_bucket_key"):
            self.default_bucket_key = data_iter.default_bucket_key

    def reset(self) -> None:
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self) -> bool:
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            self.current_batch = self.data_iter.next()
        self.cur += 1
        return True

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


class PrefetchingIter(DataIter):
    """Reads the next batch of one or more iterators in background threads.

    Parameters
    ----------
    iters : DataIter or list of DataIter
        Iterators read in lockstep; their batches are concatenated.
    rename_data, rename_label : list of dict, optional
        Per iterator, ``{old_name: new_name}`` for ``provide_data``/``provide_label``.
    """

    def __init__(self, iters, rename_data=None, rename_label=None) -> None:
        super().__init__()
        if not isinstance(iters, list):
            iters = [iters]
        if not iters:
            raise ValueError("PrefetchingIter needs at least one iterator, got [].")
        self.n_iter = len(iters)
        self.iters = iters
        self.rename_data = rename_data
        self.rename_label = rename_label
        self.batch_size = self.provide_data[0][1][0]
        self.data_ready = [threading.Event() for _ in range(self.n_iter)]
        self.data_taken = [threading.Event() for _ in range(self.n_iter)]
        for e in self.data_taken:
            e.set()
        self.started = True
        self.current_batch = None
        self.next_batch = [None] * self.n_iter
        self._errors = [None] * self.n_iter
        self.prefetch_threads = [
            threading.Thread(target=self._prefetch, args=(i,), daemon=True)
            for i in range(self.n_iter)
        ]
        for t in self.prefetch_threads:
            t.start()

    def _prefetch(self, i: int) -> None:
        while True:
            self.data_taken[i].wait()
            if not self.started:
                return
            try:
                self.next_batch[i] = self.iters[i].next()
            except StopIteration:
                self.next_batch[i] = None
            except Exception as err:  # noqa: BLE001 - re-raised by iter_next
                self.next_batch[i] = None
                self._errors[i] = err
            self.data_taken[i].clear()
            self.data_ready[i].set()

    def close(self) -> None:
        """Stop the prefetch threads."""
        if not getattr(self, "started", False):
            return
        self.started = False
        for e in self.data_taken:
            e.set()
        for t in self.prefetch_threads:
            t.join()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def _renamed(self, attr: str, renames):
        out = []
        for k, it in enumerate(self.iters):
            descs = getattr(it, attr)
            if renames is None:
                out.extend(descs)
                continue
            r = renames[k]
            for x in descs:
                if isinstance(x, DataDesc):
                    out.append(DataDesc(r[x.name], x.shape, x.dtype))
                else:
                    out.append(DataDesc(*x))
        return out

    @property
    def provide_data(self) -> list:
        return self._renamed("provide_data", self.rename_data)

    @property
    def provide_label(self) -> list:
        return self._renamed("provide_label", self.rename_label)

    def reset(self) -> None:
        for e in self.data_ready:
            e.wait()
        for it in self.iters:
            it.reset()
        for e in self.data_ready:
            e.clear()
        for e in self.data_taken:
            e.set()

    def iter_next(self) -> bool:
        for e in self.data_ready:
            e.wait()
        for err in self._errors:
            if err is not None:
                self._errors = [None] * self.n_iter
                raise err
        if self.next_batch[0] is None:
            if any(b is not None for b in self.next_batch):
                raise ValueError(
                    "PrefetchingIter: the iterators ran out at different batches; "
                    "they must yield the same number of batches."
                )
            return False
        pad = self.next_batch[0].pad
        if any(b is None or b.pad != pad for b in self.next_batch):
            raise ValueError(
                "PrefetchingIter: the iterators' batches differ in length (pad); "
                "they must hold the same number of examples."
            )
        self.current_batch = DataBatch(
            sum([list(b.data) for b in self.next_batch], []),
            sum([list(b.label or []) for b in self.next_batch], []),
            pad,
            self.next_batch[0].index,
            provide_data=self.provide_data,
            provide_label=self.provide_label,
        )
        for e in self.data_ready:
            e.clear()
        for e in self.data_taken:
            e.set()
        return True

    def next(self) -> DataBatch:
        if self.iter_next():
            return self.current_batch
        raise StopIteration

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


def _init_data(data, allow_empty: bool, default_name: str) -> list:
    """Canonical form of NDArrayIter inputs: sorted ``[(name, NDArray)]``."""
    if data is None:
        if not allow_empty:
            raise ValueError("NDArrayIter: data must not be None.")
        data = []
    if isinstance(data, (np.ndarray, NDArray)):
        data = [data]
    if isinstance(data, list):
        if not allow_empty and not data:
            raise ValueError("NDArrayIter: data must not be an empty list.")
        if len(data) == 1:
            data = OrderedDict([(default_name, data[0])])
        else:
            data = OrderedDict((f"_{i}_{default_name}", d) for i, d in enumerate(data))
    if not isinstance(data, dict):
        raise TypeError(
            "Input must be NDArray, numpy.ndarray, a list of them or dict with them "
            f"as values; got {type(data).__name__}."
        )
    out = {}
    for k, v in data.items():
        if isinstance(v, NDArray):
            out[k] = v
            continue
        if _is_scipy_csr(v):
            out[k] = nd.sparse.array(v)  # a CSRNDArray, as MXNet converts it
            continue
        try:
            out[k] = nd.array(v)  # float32, as MXNet converts non-NDArray inputs
        except (TypeError, ValueError):
            raise TypeError(
                f"Invalid type '{type(v)}' for {k}, should be NDArray or numpy.ndarray."
            ) from None
    return sorted(out.items())


def _is_scipy_csr(v) -> bool:
    return (
        type(v).__module__.startswith("scipy.sparse")
        and getattr(v, "format", None) == "csr"
    )


def _is_csr(v) -> bool:
    return getattr(v, "stype", "default") == "csr"


def _getdata_by_idx(data: list, idx) -> list:
    # MXNet rebuilds shuffled inputs with nd.array (float32 default); CSR
    # inputs stay CSR (their rows taken through scipy, as MXNet does).
    return [
        (
            k,
            nd.sparse.array(v.asscipy()[idx], ctx=v.context)
            if _is_csr(v)
            else nd.array(v.asnumpy()[idx], v.context),
        )
        for k, v in data
    ]


class NDArrayIter(DataIter):
    """Iterates over NDArrays / numpy arrays in mini-batches.

    Parameters
    ----------
    data : array, list of arrays or dict of name -> array
        The inputs (non-NDArray inputs are converted to float32 NDArrays).
    label : same forms as ``data``, optional
        The labels.
    batch_size : int, default 1
        Batch size.
    shuffle : bool, default False
        Shuffle the examples at each reset (numpy RNG).
    last_batch_handle : {'pad', 'discard', 'roll_over'}, default 'pad'
        ``'pad'`` fills the last batch with examples from the start (``pad``
        counts them); ``'discard'`` drops it; ``'roll_over'`` carries the
        remaining examples into the first batch of the next epoch. CSR inputs
        (``CSRNDArray`` or ``scipy.sparse.csr_matrix``) need ``'discard'``
        (NotImplementedError otherwise, as in MXNet).
    data_name : str, default 'data'
        Name of a single data input.
    label_name : str, default 'softmax_label'
        Name of a single label input.
    layout : str, default 'NCHW'
        Data layout; ``'N'`` marks the batch axis.

    Examples
    --------
    >>> import numpy as np
    >>> it = NDArrayIter(np.arange(10).reshape(5, 2), np.arange(5), batch_size=2)
    >>> [(b.data[0].shape, b.pad) for b in it]
    [((2, 2), 0), ((2, 2), 0), ((2, 2), 1)]
    """

    def __init__(
        self,
        data,
        label=None,
        batch_size=1,
        shuffle=False,
        last_batch_handle="pad",
        data_name="data",
        label_name="softmax_label",
        layout="NCHW",
    ) -> None:
        super().__init__(batch_size)
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise ValueError(
                f"NDArrayIter: last_batch_handle must be 'pad', 'discard' or "
                f"'roll_over', got {last_batch_handle!r}."
            )
        self.data = _init_data(data, allow_empty=False, default_name=data_name)
        self.label = _init_data(label, allow_empty=True, default_name=label_name)
        if last_batch_handle != "discard" and any(
            _is_csr(v) for _, v in self.data + self.label
        ):
            raise NotImplementedError(
                "NDArrayIter: CSR inputs (CSRNDArray or scipy.sparse.csr_matrix) "
                "are only supported with last_batch_handle='discard' (as in MXNet); "
                f"got last_batch_handle={last_batch_handle!r}."
            )
        self.idx = np.arange(self.data[0][1].shape[0])
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.batch_size = batch_size
        self.cursor = -self.batch_size
        self.num_data = self.idx.shape[0]
        self.reset()
        self.data_list = [x[1] for x in self.data] + [x[1] for x in self.label]
        self.num_source = len(self.data_list)
        self._cache_data = None
        self._cache_label = None
        self.layout = layout

    def _desc(self, source) -> list:
        axis = self.layout.find("N")
        return [
            DataDesc(
                k,
                tuple(
                    list(v.shape[:axis]) + [self.batch_size] + list(v.shape[axis + 1 :])
                ),
                v.dtype,
                layout=self.layout,
            )
            for k, v in source
        ]

    @property
    def provide_data(self) -> list:
        """``DataDesc`` of each data input (batch axis = batch_size)."""
        return self._desc(self.data)

    @property
    def provide_label(self) -> list:
        """``DataDesc`` of each label input."""
        return self._desc(self.label)

    def hard_reset(self) -> None:
        """Go back to the start, dropping any rolled-over examples."""
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._cache_data = None
        self._cache_label = None

    def reset(self) -> None:
        """Go back to the start (keeping a ``roll_over`` remainder)."""
        if self.shuffle:
            self._shuffle_data()
        if (
            self.last_batch_handle == "roll_over"
            and self.num_data - self.batch_size < self.cursor < self.num_data
        ):
            # cursor - num_data examples are left over for the next first batch
            self.cursor = self.cursor - self.num_data - self.batch_size
        else:
            self.cursor = -self.batch_size

    def iter_next(self) -> bool:
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def next(self) -> DataBatch:
        if not self.iter_next():
            raise StopIteration
        data = self.getdata()
        label = self.getlabel()
        if data[0].shape[self.layout.find("N")] != self.batch_size:
            # incomplete last batch ('discard'/'roll_over'): keep it for next epoch
            self._cache_data = data
            self._cache_label = label
            raise StopIteration
        return DataBatch(data=data, label=label, pad=self.getpad(), index=None)

    def _getdata(self, data_source, start=None, end=None) -> list:
        start = start if start is not None else 0
        if end is None:
            end = data_source[0][1].shape[0] if data_source else 0
        axis = self.layout.find("N")
        if axis == 0:
            # A copy, as MXNet's slice_axis (writing into a batch leaves the
            # data alone); CSR inputs are sliced by rows.
            return [
                x[1][start:end] if _is_csr(x[1]) else x[1][start:end].copy()
                for x in data_source
            ]
        return [
            x[1][start:end]  # CSR: row slicing (batch axis 0, as in MXNet)
            if _is_csr(x[1])
            else nd.slice_axis(x[1], axis=axis, begin=start, end=end)
            for x in data_source
        ]

    def _concat(self, first_data, second_data) -> list:
        if not first_data or not second_data:
            return first_data if first_data else second_data
        axis = self.layout.find("N")
        return [
            nd.concat(a, b, dim=axis)
            for a, b in zip(first_data, second_data, strict=True)
        ]

    def _tile(self, data, repeats: int) -> list:
        res = []
        for datum in data:
            reps = [1] * len(datum.shape)
            reps[0] = repeats
            res.append(nd.tile(datum, reps=tuple(reps)))
        return res

    def _batchify(self, data_source) -> list:
        if 0 <= self.cursor and self.cursor + self.batch_size <= self.num_data:
            # A whole batch inside the data (no cache, no padding): the common case.
            return self._getdata(
                data_source, self.cursor, self.cursor + self.batch_size
            )
        if self.cursor >= self.num_data:
            raise ValueError("NDArrayIter: the iterator is exhausted; call reset().")
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            # first batch of an epoch: the cached remainder + the head of the data
            cache = (
                self._cache_data if self._cache_data is not None else self._cache_label
            )
            if cache is None:
                raise ValueError(
                    "NDArrayIter: the next epoch should have cached data; call "
                    "hard_reset() to start over."
                )
            second = self._getdata(data_source, end=self.cursor + self.batch_size)
            if self._cache_data is not None:
                self._cache_data = None
            else:
                self._cache_label = None
            return self._concat(cache, second)
        if (
            self.last_batch_handle == "pad"
            and self.cursor + self.batch_size > self.num_data
        ):
            pad = self.batch_size - self.num_data + self.cursor
            first = self._getdata(data_source, start=self.cursor)
            if pad > self.num_data:
                second = self._tile(
                    self._getdata(data_source, end=self.num_data), pad // self.num_data
                )
                if pad % self.num_data:
                    second = self._concat(
                        second, self._getdata(data_source, end=pad % self.num_data)
                    )
            else:
                second = self._getdata(data_source, end=pad)
            return self._concat(first, second)
        end = min(self.cursor + self.batch_size, self.num_data)
        return self._getdata(data_source, self.cursor, end)

    def getdata(self) -> list:
        return self._batchify(self.data)

    def getlabel(self) -> list:
        return self._batchify(self.label)

    def getpad(self) -> int:
        if (
            self.last_batch_handle == "pad"
            and self.cursor + self.batch_size > self.num_data
        ):
            return self.cursor + self.batch_size - self.num_data
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            return -self.cursor
        return 0

    def _shuffle_data(self) -> None:
        np.random.shuffle(self.idx)
        self.data = _getdata_by_idx(self.data, self.idx)
        self.label = _getdata_by_idx(self.label, self.idx)


# MXNet's C++ data iterators, written in Python here (native.py,
# image_record.py); in MXNet they are attributes of mx.io.io too.
from .image_det_record import ImageDetRecordIter  # noqa: E402
from .image_record import ImageRecordInt8Iter  # noqa: E402
from .image_record import ImageRecordIter  # noqa: E402
from .image_record import ImageRecordUInt8Iter  # noqa: E402
from .libsvm import LibSVMIter  # noqa: E402
from .native import CSVIter  # noqa: E402
from .native import MNISTIter  # noqa: E402
from .native import MXDataIter  # noqa: E402

_CPP_ITERATORS = (
    "CSVIter",
    "ImageDetRecordIter",
    "ImageRecordInt8Iter",
    "ImageRecordIter",
    "ImageRecordIter_v1",
    "ImageRecordUInt8Iter",
    "ImageRecordUInt8Iter_v1",
    "LibSVMIter",
    "MNISTIter",
    "MXDataIter",
)
__all__ += [
    "CSVIter",
    "ImageDetRecordIter",
    "ImageRecordInt8Iter",
    "ImageRecordIter",
    "ImageRecordUInt8Iter",
    "LibSVMIter",
    "MNISTIter",
    "MXDataIter",
]
# MXNet 1.9.1's older record iterators: the same iterators here.
ImageRecordIter_v1 = ImageRecordIter
ImageRecordUInt8Iter_v1 = ImageRecordUInt8Iter
__all__ += ["ImageRecordIter_v1", "ImageRecordUInt8Iter_v1"]
