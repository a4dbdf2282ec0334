"""``mx.rnn.io``: sentence encoding and a bucketing iterator for language
models (MXNet 1.9.1's legacy ``mx.rnn.io``)."""

from __future__ import annotations

import bisect
import random

import numpy as np

from .. import ndarray
from ..io import DataBatch
from ..io import DataDesc
from ..io import DataIter
from ..registry import AssertionValueError

__all__ = ["encode_sentences", "BucketSentenceIter"]


def encode_sentences(
    sentences,
    vocab=None,
    invalid_label=-1,
    invalid_key="\n",
    start_label=0,
    unknown_token=None,
):
    """Map token sentences to integer sentences, growing the vocabulary.

    Parameters
    ----------
    sentences : list of list of str
    vocab : dict of str -> int, optional
        Existing vocabulary (extended in place). When None, a new one is made
        holding ``{invalid_key: invalid_label}``.
    invalid_label : int, default -1
        Index never handed out to a token.
    invalid_key : str, default '\\n'
    start_label : int, default 0
        First index handed out.
    unknown_token : str, optional
        With a given ``vocab``: tokens not in it map to this token (added with
        the next free index). Without it, an unknown token is an error when a
        vocabulary was given.

    Returns
    -------
    (encoded sentences, vocab)
    """
    idx = start_label
    if vocab is None:
        vocab = {invalid_key: invalid_label}
        new_vocab = True
    else:
        new_vocab = False
    result = []
    for sent in sentences:
        coded = []
        for word in sent:
            if word not in vocab:
                if not (new_vocab or unknown_token):
                    raise AssertionValueError(
                        f"Unknown token {word} (not in the given vocab and no "
                        "unknown_token given)"
                    )
                if idx == invalid_label:
                    idx += 1
                if unknown_token:
                    word = unknown_token
                vocab[word] = idx
                idx += 1
            coded.append(vocab[word])
        result.append(coded)
    return result, vocab


class BucketSentenceIter(DataIter):
    """Batches of equal-length (bucketed) sentences for language models; the
    label of each step is the next token (``invalid_label`` after the last).

    Sentences are padded with ``invalid_label`` up to the smallest bucket that
    holds them; longer ones are dropped. Each batch comes from one bucket and
    carries ``bucket_key`` = its length. ``reset`` reshuffles the batch order
    (Python's ``random``) and the sentences inside each bucket
    (``numpy.random``).

    Parameters
    ----------
    sentences : list of list of int
        Encoded sentences.
    batch_size : int
    buckets : list of int, optional
        Bucket lengths; default: every length that at least ``batch_size``
        sentences have.
    invalid_label : int, default -1
    data_name : str, default 'data'
    label_name : str, default 'softmax_label'
    dtype : str, default 'float32'
    layout : str, default 'NT'
        ``'NT'`` (batch, length) or ``'TN'`` (length, batch).
    """

    def __init__(
        self,
        sentences,
        batch_size: int,
        buckets=None,
        invalid_label=-1,
        data_name: str = "data",
        label_name: str = "softmax_label",
        dtype="float32",
        layout: str = "NT",
    ) -> None:
        super().__init__()
        if not buckets:
            counts = np.bincount([len(s) for s in sentences])
            buckets = [n for n, c in enumerate(counts) if c >= batch_size]
        buckets.sort()
        major_axis = layout.find("N")
        if major_axis not in (0, 1):
            raise ValueError(
                f"Invalid layout {layout}: Must by NT (batch major) or TN (time major)"
            )

        discarded = 0
        per_bucket: list[list[np.ndarray]] = [[] for _ in buckets]
        used = [False] * len(buckets)
        for sent in sentences:
            b = bisect.bisect_left(buckets, len(sent))
            if b == len(buckets):
                discarded += 1
                continue
            used[b] = True
            row = np.full((buckets[b],), invalid_label, dtype=dtype)
            row[: len(sent)] = sent
            per_bucket[b].append(row)
        buckets = [n for b, n in enumerate(buckets) if used[b]]
        self.data = [np.asarray(rows, dtype=dtype) for rows in per_bucket if rows]
        if not buckets:
            raise ValueError(
                f"BucketSentenceIter: no bucket holds a sentence ({len(sentences)} "
                f"sentences, batch_size={batch_size}, buckets={buckets})"
            )

        print(
            f"WARNING: discarded {discarded} sentences longer than the largest bucket."
        )

        self.batch_size = batch_size
        self.buckets = buckets
        self.data_name = data_name
        self.label_name = label_name
        self.dtype = dtype
        self.invalid_label = invalid_label
        self.nddata = []
        self.ndlabel = []
        self.major_axis = major_axis
        self.layout = layout
        self.default_bucket_key = max(buckets)

        if major_axis == 0:
            shape = (batch_size, self.default_bucket_key)
        else:
            shape = (self.default_bucket_key, batch_size)
        self.provide_data = [DataDesc(name=data_name, shape=shape, layout=layout)]
        self.provide_label = [DataDesc(name=label_name, shape=shape, layout=layout)]

        self.idx = []
        for i, rows in enumerate(self.data):
            self.idx.extend(
                (i, j) for j in range(0, len(rows) - batch_size + 1, batch_size)
            )
        self.curr_idx = 0
        self.reset()

    def reset(self) -> None:
        """Start over: reshuffle batch order and the sentences of each bucket."""
        self.curr_idx = 0
        random.shuffle(self.idx)
        for rows in self.data:
            np.random.shuffle(rows)
        self.nddata = []
        self.ndlabel = []
        for rows in self.data:
            label = np.empty_like(rows)
            label[:, :-1] = rows[:, 1:]
            label[:, -1] = self.invalid_label
            self.nddata.append(ndarray.array(rows, dtype=self.dtype))
            self.ndlabel.append(ndarray.array(label, dtype=self.dtype))

    def next(self) -> DataBatch:
        """The next batch; raises StopIteration at the end."""
        if self.curr_idx == len(self.idx):
            raise StopIteration
        i, j = self.idx[self.curr_idx]
        self.curr_idx += 1
        data = self.nddata[i][j : j + self.batch_size]
        label = self.ndlabel[i][j : j + self.batch_size]
        if self.major_axis == 1:
            data = data.T
            label = label.T
        return DataBatch(
            [data],
            [label],
            pad=0,
            bucket_key=self.buckets[i],
            provide_data=[
                DataDesc(name=self.data_name, shape=data.shape, layout=self.layout)
            ],
            provide_label=[
                DataDesc(name=self.label_name, shape=label.shape, layout=self.layout)
            ],
        )
