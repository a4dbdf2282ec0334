"""Samplers: which dataset indices to visit, and how to group them in batches."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator

import numpy as np

__all__ = [
    "BatchSampler",
    "FilterSampler",
    "IntervalSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
]

_LAST_BATCH = ("keep", "discard", "rollover")


class Sampler:
    """Base class for samplers: subclasses define ``__iter__`` and ``__len__``."""

    def __iter__(self) -> Iterator:
        raise NotImplementedError(
            f"{type(self).__name__} must define __iter__ (a Sampler subclass)."
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__ (a Sampler subclass)."
        )


class SequentialSampler(Sampler):
    """Indices ``start, start + 1, ..., start + length - 1`` in order.

    Parameters
    ----------
    length : int
        Number of indices.
    start : int, default 0
        First index.

    Examples
    --------
    >>> list(SequentialSampler(3, start=2))
    [2, 3, 4]
    """

    def __init__(self, length: int, start: int = 0) -> None:
        self._length = length
        self._start = start

    def __iter__(self) -> Iterator[int]:
        return iter(range(self._start, self._start + self._length))

    def __len__(self) -> int:
        return self._length


class RandomSampler(Sampler):
    """A random permutation of ``[0, length)`` per epoch, drawn with numpy.

    Shuffles with ``numpy.random`` as MXNet does, so seed it with
    ``np.random.seed`` (``mx.random.seed`` does not affect it).

    Parameters
    ----------
    length : int
        Number of indices.
    """

    def __init__(self, length: int) -> None:
        self._length = length

    def __iter__(self) -> Iterator:
        indices = np.arange(self._length)
        np.random.shuffle(indices)
        return iter(indices)

    def __len__(self) -> int:
        return self._length


class FilterSampler(Sampler):
    """Indices of the samples of ``dataset`` for which ``fn(sample)`` is true.

    Parameters
    ----------
    fn : callable
        Takes a sample, returns a bool.
    dataset : Dataset
        The dataset to filter (scanned once, at construction).
    """

    def __init__(self, fn: Callable, dataset) -> None:
        self._fn = fn
        self._dataset = dataset
        self._indices = [i for i in range(len(dataset)) if fn(dataset[i])]

    def __iter__(self) -> Iterator[int]:
        return iter(self._indices)

    def __len__(self) -> int:
        return len(self._indices)


class IntervalSampler(Sampler):
    """Indices of ``[0, length)`` taken every ``interval`` steps.

    With ``rollover=True`` it then restarts from each skipped offset until
    every index is visited (``13, interval=3`` gives 0 3 6 9 12 1 4 7 10 2 5 8
    11); with ``rollover=False`` it stops after the first pass (0 3 6 9 12).

    Parameters
    ----------
    length : int
        Number of indices.
    interval : int
        Step between two samples (at most ``length``).
    rollover : bool, default True
        Whether to restart from the skipped offsets.

    Notes
    -----
    Differs from MXNet 1.9.1 (``gluon.contrib.data.IntervalSampler``): with
    ``rollover=False``, ``len()`` is the number of indices actually produced
    (MXNet reports ``length``).
    """

    def __init__(self, length: int, interval: int, rollover: bool = True) -> None:
        if interval > length:
            raise ValueError(
                f"IntervalSampler: interval {interval} must be smaller than or equal "
                f"to length {length}."
            )
        if interval < 1:
            raise ValueError(f"IntervalSampler: interval must be >= 1, got {interval}.")
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __iter__(self) -> Iterator[int]:
        for i in range(self._interval if self._rollover else 1):
            yield from range(i, self._length, self._interval)

    def __len__(self) -> int:
        if self._rollover:
            return self._length
        return len(range(0, self._length, self._interval))


class BatchSampler(Sampler):
    """Groups the indices of another sampler into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler
        The source of indices.
    batch_size : int
        Size of a mini-batch.
    last_batch : {'keep', 'discard', 'rollover'}, default 'keep'
        What to do with a last batch shorter than ``batch_size``: ``'keep'``
        returns it, ``'discard'`` drops it, ``'rollover'`` carries its indices
        over to the start of the next epoch.

    Examples
    --------
    >>> list(BatchSampler(SequentialSampler(10), 3, 'keep'))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler, batch_size: int, last_batch: str = "keep") -> None:
        if last_batch not in _LAST_BATCH:
            raise ValueError(
                "last_batch must be one of 'keep', 'discard', or 'rollover', "
                f"but got {last_batch}"
            )
        if batch_size is None or int(batch_size) < 1:
            raise ValueError(
                f"BatchSampler: batch_size must be a positive integer, got {batch_size}."
            )
        self._sampler = sampler
        self._batch_size = batch_size
        self._last_batch = last_batch
        self._prev: list = []

    def __iter__(self) -> Iterator[list]:
        batch, self._prev = self._prev, []
        for i in self._sampler:
            batch.append(i)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        if batch:
            if self._last_batch == "keep":
                yield batch
            elif self._last_batch == "rollover":
                self._prev = batch

    def __len__(self) -> int:
        if self._last_batch == "keep":
            return (len(self._sampler) + self._batch_size - 1) // self._batch_size
        if self._last_batch == "discard":
            return len(self._sampler) // self._batch_size
        return (len(self._prev) + len(self._sampler)) // self._batch_size
