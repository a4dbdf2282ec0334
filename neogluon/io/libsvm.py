"""``mx.io.LibSVMIter``: batches of CSR arrays from LibSVM text files.

The format is MXNet's (zero-based, sorted feature indices): one example per
line, ``label idx:value idx:value ...``. Without a label file the label is
the line's first number, as a dense ``(batch_size,)`` array; with
``label_libsvm`` the labels are rows of a second LibSVM file (their leading
number is ignored), as a CSR ``(batch_size,) + label_shape`` array.

``num_parts`` / ``part_index`` split the bytes of the input (all files of a
directory, in name order, as one stream) into ``num_parts`` equal ranges;
a part holds the lines that begin inside its range, so the parts are not
of equal length (dmlc-core's text split, as in MXNet).

Batching is MXNet's sparse batch loader: ``round_batch`` must be True; the
last batch of a pass is filled from the start of the data, ``pad`` counts
those examples and the next epoch continues after them.
"""

from __future__ import annotations

import os

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from .native import IterParamError
from .native import MXDataIter
from .native import _check_part
from .native import _InMemoryIter
from .native import _positive_int
from .native import _shape
from .native import _unknown_kwargs

__all__ = ["LibSVMIter"]


def _files(path: str, where: str, what: str) -> list[str]:
    if os.path.isdir(path):
        return sorted(
            os.path.join(path, f)
            for f in os.listdir(path)
            if os.path.isfile(os.path.join(path, f))
        )
    if os.path.isfile(path):
        return [path]
    raise FileNotFoundError(f"{where}: {what}={path!r}: no such file or directory")


def _part_lines(files: list[str], part_index: int, num_parts: int):
    """``(file, line number, text)`` of the lines in part ``part_index``.

    A line belongs to the part whose byte range holds its first byte, except
    that a range starting inside the stream skips to the next line start (so
    the line at a boundary goes to the earlier part), as dmlc-core does.
    """
    blobs = []
    for fname in files:
        with open(fname, "rb") as f:
            blobs.append((fname, f.read()))
    total = sum(len(b) for _, b in blobs)
    step = (total + num_parts - 1) // num_parts
    begin, end = min(step * part_index, total), min(step * (part_index + 1), total)
    offset = 0
    for fname, blob in blobs:
        pos = 0
        lineno = 0
        while pos < len(blob):
            nl = blob.find(b"\n", pos)
            stop = len(blob) if nl < 0 else nl + 1
            lineno += 1
            start = offset + pos
            # The line's owner: the part whose range holds the byte before it
            # (a part starting mid-line or at a line start skips to the next
            # line start); a line opening a file goes by its own first byte.
            owner_byte = start if pos == 0 else start - 1
            owned = begin <= owner_byte < end
            if owned:
                yield fname, lineno, blob[pos:stop].decode("utf-8", "replace")
            pos = stop
        offset += len(blob)


def _parse(files, part_index, num_parts, width: int, where: str, what: str):
    """Labels, indptr, indices and values of the part's rows."""
    labels: list[float] = []
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for fname, lineno, line in _part_lines(files, part_index, num_parts):
        tokens = line.split()
        if not tokens:
            continue
        head = tokens[0].split(":")[0]
        try:
            labels.append(float(head))
        except ValueError:
            raise MXNetError(
                f"{where}: {fname}, line {lineno}: the line must start with a number "
                f"(the label), got {tokens[0]!r}"
            ) from None
        last = -1
        for tok in tokens[1:]:
            if tok.startswith("qid:"):
                continue
            idx_s, sep, val_s = tok.partition(":")
            try:
                idx = int(idx_s)
                val = float(val_s) if sep else 1.0
            except ValueError:
                raise MXNetError(
                    f"{where}: {fname}, line {lineno}: {tok!r} is not an "
                    "index:value pair"
                ) from None
            if not 0 <= idx < width:
                raise MXNetError(
                    f"{where}: {fname}, line {lineno}: feature index {idx} is out of "
                    f"range for {what} {width} (LibSVMIter indices are zero-based: "
                    f"0 <= index < {width})"
                )
            if idx <= last:
                raise MXNetError(
                    f"{where}: {fname}, line {lineno}: feature indices must be sorted "
                    f"in ascending order without repeats, got {idx} after {last}"
                )
            last = idx
            indices.append(idx)
            values.append(val)
        indptr.append(len(indices))
    return (
        np.asarray(labels, np.float32),
        np.asarray(indptr, np.int64),
        np.asarray(indices, np.int64),
        np.asarray(values, np.float32),
    )


class _Rows:
    """CSR rows held in memory; ``take(ids)`` builds a batch CSRNDArray."""

    def __init__(self, indptr, indices, values, width: int) -> None:
        self.indptr, self.indices, self.values = indptr, indices, values
        self.width = width

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def take(self, ids: np.ndarray):
        rows = np.asarray(ids, np.int64)
        starts, stops = self.indptr[rows], self.indptr[rows + 1]
        lengths = stops - starts
        indptr = np.zeros(len(rows) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        pos = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
        return nd.sparse.csr_matrix(
            (self.values[pos], self.indices[pos], indptr),
            shape=(len(rows), self.width),
        )


class LibSVMIter(_InMemoryIter):
    """Batches of CSR data from LibSVM files (MXNet's ``mx.io.LibSVMIter``).

    Parameters
    ----------
    data_libsvm : str
        LibSVM file (or a directory of them) with zero-based, sorted indices.
    data_shape : tuple of int
        ``(num_features,)``: the width of a data row (1-D only).
    label_libsvm : str, optional
        LibSVM file of labels, one row per example; without it the label is
        each data line's leading number.
    label_shape : tuple of int, default (1,)
        ``(num_label_columns,)``; must be larger than ``(1,)`` with
        ``label_libsvm`` and ``(1,)`` without it.
    batch_size : int
    round_batch : bool, default True
        Must be True (MXNet's sparse batch loader has no other mode).
    num_parts, part_index : int, default 1, 0
        Read only part ``part_index`` of ``num_parts`` (see the module notes).
    data_name, label_name : str, default 'data', 'softmax_label'
    prefetch_buffer, ctx, dtype :
        Accepted for compatibility (the data is read into memory; values are
        float32, as in MXNet).

    Differs from MXNet 1.9.1: the files are read into memory at construction;
    a directory's files are read in name order (MXNet: the file system's
    listing order); an out-of-range or unsorted index raises MXNetError naming the file and
    line (MXNet reads it unchecked).
    """

    def _configure(
        self,
        data_libsvm: str,
        data_shape,
        batch_size: int,
        label_libsvm: str = "NULL",
        label_shape=(1,),
        num_parts: int = 1,
        part_index: int = 0,
        round_batch: bool = True,
        data_name: str = "data",
        label_name: str = "softmax_label",
        prefetch_buffer: int = 4,
        ctx: str = "gpu",
        dtype=None,
        **kwargs,
    ) -> None:
        where = "LibSVMIter"
        _unknown_kwargs(kwargs, where)
        data_shape = _shape(data_shape, "data_shape", where)
        label_shape = _shape(label_shape, "label_shape", where)
        batch_size = _positive_int(batch_size, "batch_size", where)
        if len(data_shape) != 1:
            raise IterParamError(
                f"{where}: data_shape must be 1-D (the number of features), got "
                f"{data_shape}"
            )
        num_parts, part_index = int(num_parts), int(part_index)
        _check_part(part_index, num_parts, where)
        if not round_batch:
            raise IterParamError(
                f"{where}: round_batch=False is not supported for sparse data "
                "iterators (MXNet's rule); use round_batch=True and batch.pad"
            )
        with_label_file = label_libsvm not in (None, "NULL")
        label_size = int(np.prod(label_shape))
        if with_label_file and (len(label_shape) != 1 or label_size <= 1):
            raise IterParamError(
                f"{where}: with label_libsvm, label_shape must be 1-D and larger "
                f"than (1,), got {label_shape}"
            )
        if not with_label_file and label_size != 1:
            raise IterParamError(
                f"{where}: without label_libsvm the label is one number per line; "
                f"label_shape must be (1,), got {label_shape}"
            )
        files = _files(data_libsvm, where, "data_libsvm")
        labels, indptr, indices, values = _parse(
            files, part_index, num_parts, data_shape[0], where, "data_shape"
        )
        self._rows = _Rows(indptr, indices, values, data_shape[0])
        n = len(self._rows)
        if n == 0:
            raise MXNetError(
                f"{where}: data_libsvm={data_libsvm!r} holds no rows"
                + (f" in part {part_index} of {num_parts}" if num_parts > 1 else "")
            )
        self._label_rows: _Rows | None = None
        if with_label_file:
            lfiles = _files(label_libsvm, where, "label_libsvm")
            _, lptr, lind, lval = _parse(
                lfiles, part_index, num_parts, label_size, where, "label_shape"
            )
            self._label_rows = _Rows(lptr, lind, lval, label_size)
            if len(self._label_rows) < n:
                raise MXNetError(
                    f"{where}: label_libsvm={label_libsvm!r} has "
                    f"{len(self._label_rows)} rows but data_libsvm={data_libsvm!r} "
                    f"has {n}; every example needs a label row"
                )
        self._data = labels  # one entry per example (used for its length)
        self._label = labels
        if n < batch_size:
            raise MXNetError(
                f"{where}: the data holds {n} examples, fewer than batch_size="
                f"{batch_size}; round_batch=True cannot fill a batch. Use a smaller "
                "batch_size."
            )
        self._setup(batch_size, True, where)
        MXDataIter.__init__(self, data_name=data_name, label_name=label_name)

    def _read_batch(self):
        got = self._stream.next()
        if got is None:
            return None
        ids, pad = got
        data = self._rows.take(ids)
        if self._label_rows is not None:
            label = self._label_rows.take(ids)
        else:
            label = self._label[ids]
        return data, label, pad, None
