"""Dataset containers: ``Dataset``, ``SimpleDataset``, ``ArrayDataset``, ...."""

from __future__ import annotations

import os
from collections.abc import Callable

from ... import recordio
from ...ndarray import NDArray

__all__ = ["ArrayDataset", "Dataset", "RecordFileDataset", "SimpleDataset"]


class Dataset:
    """Abstract dataset: subclasses define ``__getitem__`` and ``__len__``.

    A numpy array, an NDArray or a list can be used directly as a dataset too.
    """

    def __getitem__(self, idx):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__ (a Dataset subclass)."
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__ (a Dataset subclass)."
        )

    def filter(self, fn: Callable) -> Dataset:
        """A dataset of the samples for which ``fn(sample)`` is true.

        ``fn`` runs over every sample once, now; a lazily transformed dataset
        is transformed again whenever a kept sample is read.
        """
        from .sampler import FilterSampler

        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards: int, index: int) -> Dataset:
        """The ``index``-th of ``num_shards`` contiguous, near-equal parts.

        The first ``len(self) % num_shards`` shards get one extra sample.
        Shard before shuffling so that each worker sees a distinct subset.
        """
        if num_shards <= 0:
            raise ValueError(
                f"Dataset.shard: number of shards must be greater than 0, got "
                f"{num_shards}."
            )
        if not 0 <= index < num_shards:
            raise ValueError(
                f"Dataset.shard: shard index out of bound: {index} out of {num_shards} "
                f"(expected 0 <= index < num_shards)."
            )
        length = len(self)
        shard_len, rest = divmod(length, num_shards)
        start = shard_len * index + min(index, rest)
        end = start + shard_len + (index < rest)
        from .sampler import SequentialSampler

        return _SampledDataset(self, SequentialSampler(end - start, start))

    def take(self, count: int | None) -> Dataset:
        """The first ``count`` samples (all of them if ``count`` is None or larger)."""
        if count is None or count > len(self):
            count = len(self)
        from .sampler import SequentialSampler

        return _SampledDataset(self, SequentialSampler(count))

    def sample(self, sampler) -> Dataset:
        """The samples at the indices a :class:`Sampler` produces (read once)."""
        from .sampler import Sampler

        if not isinstance(sampler, Sampler):
            raise TypeError(
                f"Invalid sampler type: {type(sampler)}. Expected gluon.data.Sampler "
                "instead."
            )
        return _SampledDataset(self, sampler)

    def transform(self, fn: Callable, lazy: bool = True) -> Dataset:
        """A dataset of ``fn(*sample)`` (``fn(sample)`` for non-tuple samples).

        Parameters
        ----------
        fn : callable
            Receives the fields of a tuple sample as separate arguments.
        lazy : bool, default True
            Transform on access; ``False`` transforms everything now into a
            :class:`SimpleDataset` (a random ``fn`` is then fixed for all epochs).
        """
        trans = _LazyTransformDataset(self, fn)
        if lazy:
            return trans
        return SimpleDataset([trans[i] for i in range(len(trans))])

    def transform_first(self, fn: Callable, lazy: bool = True) -> Dataset:
        """Like :meth:`transform` but applies ``fn`` to the first field only."""
        return self.transform(_TransformFirstClosure(fn), lazy)


class SimpleDataset(Dataset):
    """A dataset over any object with ``len()`` and ``[]`` (list, array, ...).

    Parameters
    ----------
    data : sequence
        The samples.

    Examples
    --------
    >>> ds = SimpleDataset([1, 2, 3]).transform(lambda x: x * 10)
    >>> [ds[i] for i in range(len(ds))]
    [10, 20, 30]
    """

    def __init__(self, data) -> None:
        self._data = data

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class _LazyTransformDataset(Dataset):
    """Applies ``fn`` to each sample on access (tuples are unpacked)."""

    def __init__(self, data, fn: Callable) -> None:
        self._data = data
        self._fn = fn

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure:
    """``fn`` applied to the first field; a class so that it pickles to workers."""

    def __init__(self, fn: Callable) -> None:
        self._fn = fn

    def __call__(self, x, *args):
        if args:
            return (self._fn(x),) + args
        return self._fn(x)


class _SampledDataset(Dataset):
    """The samples of ``dataset`` at the indices ``sampler`` produced."""

    def __init__(self, dataset, sampler) -> None:
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(iter(sampler))

    def __len__(self) -> int:
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class ArrayDataset(Dataset):
    """Zips dataset-like objects: sample ``i`` is ``(x1[i], x2[i], ...)``.

    With a single argument the sample is ``x1[i]`` itself, not a 1-tuple.
    1-D NDArrays are converted to numpy first (as MXNet does), so their
    samples are numpy scalars rather than shape-(1,) arrays.

    Parameters
    ----------
    *args : Dataset, list, numpy.ndarray or NDArray
        The arrays, all of the same length.

    Examples
    --------
    >>> import numpy as np
    >>> ds = ArrayDataset(np.arange(6).reshape(3, 2), [0, 1, 0])
    >>> ds[1]
    (array([2, 3]), 1)
    """

    def __init__(self, *args) -> None:
        if not args:
            raise ValueError("ArrayDataset needs at least 1 array, got none.")
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if len(data) != self._length:
                raise ValueError(
                    "ArrayDataset: all arrays must have the same length; "
                    f"array 0 has length {self._length} while array {i} has "
                    f"{len(data)}."
                )
            if isinstance(data, NDArray) and len(data.shape) == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self) -> int:
        return self._length


class RecordFileDataset(Dataset):
    """The raw records (bytes) of a RecordIO ``.rec`` file, in ``.idx`` order.

    Parameters
    ----------
    filename : str
        Path to the ``.rec`` file; the index is the sibling ``.idx`` file.
    """

    def __init__(self, filename) -> None:
        filename = os.fspath(filename)
        self.idx_file = os.path.splitext(filename)[0] + ".idx"
        self.filename = filename
        self._record = recordio.MXIndexedRecordIO(self.idx_file, self.filename, "r")

    def __getitem__(self, idx) -> bytes:
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self) -> int:
        return len(self._record.keys)


class _DownloadedDataset(Dataset):
    """Base of the downloadable datasets (MNIST, CIFAR10, ...).

    Subclasses fill ``self._data`` and ``self._label`` in ``_get_data``;
    samples are ``(data[i], label[i])``, or ``transform(data[i], label[i])``.
    """

    def __init__(self, root, transform) -> None:
        super().__init__()
        self._transform = transform
        self._data = None
        self._label = None
        root = os.path.expanduser(os.fspath(root))
        self._root = root
        os.makedirs(root, exist_ok=True)
        self._get_data()

    def __getitem__(self, idx):
        if self._transform is not None:
            return self._transform(self._data[idx], self._label[idx])
        return self._data[idx], self._label[idx]

    def __len__(self) -> int:
        return len(self._label)

    def _get_data(self) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} must define _get_data (a _DownloadedDataset)."
        )
