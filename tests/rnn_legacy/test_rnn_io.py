"""mx.rnn.io (encode_sentences, BucketSentenceIter) vs MXNet 1.9.1 (fixtures
from tools/fixtures/legacy_rnn.py). Both sides seed Python's ``random`` and
numpy's global generator right before creating the iterator; the shuffles
draw from them in the same order, so every batch matches exactly."""

from __future__ import annotations

import random

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import legacy_rnn as L

FAM = "legacy_rnn"


@pytest.mark.parametrize("name", sorted(L.ENCODE_CASES))
def test_encode_sentences_matches_mxnet(name):
    fx = load_fixture(FAM, f"encode_{name}")
    kw = {
        k: (dict(v) if isinstance(v, dict) else v)
        for k, v in L.ENCODE_CASES[name].items()
    }
    res, vocab = mx.rnn.encode_sentences(**kw)
    assert res == fx["result"]
    assert vocab == fx["vocab"]
    assert list(vocab) == list(fx["vocab"])  # insertion order too


def test_encode_sentences_unknown_without_token():
    with pytest.raises(AssertionError, match="Unknown token z"):
        mx.rnn.encode_sentences([["a", "z"]], vocab={"a": 0})
    # the MXNet test (test_rnn.py::test_encode_sentences)
    res, vocab = mx.rnn.io.encode_sentences(
        [["a", "b", "c"], ["b", "c", "d"]],
        vocab={"a": 1, "b": 2, "c": 3},
        unknown_token="UNK",
    )
    assert vocab == {"a": 1, "b": 2, "c": 3, "UNK": 0}
    assert res == [[1, 2, 3], [2, 3, 0]]


def _desc(descs):
    return [[d.name, list(d.shape), d.layout] for d in descs]


@pytest.mark.parametrize("name", sorted(L.ITER_CASES))
def test_bucket_sentence_iter_matches_mxnet(name, capsys):
    fx = load_fixture(FAM, f"iter_{name}")
    kw = dict(L.ITER_CASES[name])
    sentences, _ = mx.rnn.encode_sentences(
        L.corpus(), invalid_label=kw.get("invalid_label", -1), start_label=1
    )
    assert sentences == fx["sentences"]
    if "buckets" in kw:
        kw["buckets"] = list(kw["buckets"])
    random.seed(7)
    np.random.seed(7)
    it = mx.rnn.BucketSentenceIter(sentences, **kw)
    assert "WARNING: discarded" in capsys.readouterr().out
    assert it.buckets == fx["buckets"]
    assert it.default_bucket_key == fx["default_bucket_key"]
    assert _desc(it.provide_data) == fx["provide_data"]
    assert _desc(it.provide_label) == fx["provide_label"]
    assert [list(p) for p in it.idx] == fx["idx"]
    got = []
    for epoch in range(2):
        for k, batch in enumerate(it):
            data, label = batch.data[0], batch.label[0]
            np.testing.assert_array_equal(data.asnumpy(), fx[f"data_{epoch}_{k}"])
            np.testing.assert_array_equal(label.asnumpy(), fx[f"label_{epoch}_{k}"])
            assert data.dtype == fx[f"data_{epoch}_{k}"].dtype
            got.append(
                [
                    epoch,
                    batch.bucket_key,
                    batch.pad,
                    _desc(batch.provide_data),
                    _desc(batch.provide_label),
                ]
            )
        it.reset()
    assert got == [b[:5] for b in fx["batches"]]


def test_bucket_sentence_iter_layout_and_errors():
    sents = [[1, 2, 3], [4, 5, 6], [7, 8], [9, 1]]
    it = mx.rnn.BucketSentenceIter(sents, 2, buckets=[3], layout="TN")
    batch = next(iter(it))
    assert batch.data[0].shape == (3, 2)
    assert it.provide_data[0].layout == "TN"
    # labels are the next token, invalid_label after the last one
    d, lab = batch.data[0].asnumpy().T, batch.label[0].asnumpy().T
    np.testing.assert_array_equal(lab[:, :-1], d[:, 1:])
    assert np.all(lab[:, -1] == -1)
    with pytest.raises(ValueError, match="Invalid layout"):
        mx.rnn.BucketSentenceIter(sents, 2, buckets=[3], layout="CT")
    with pytest.raises(ValueError, match="no bucket holds a sentence"):
        mx.rnn.BucketSentenceIter(sents, 2, buckets=[1])
    assert isinstance(it, mx.io.DataIter)
