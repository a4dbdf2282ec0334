"""gluon.contrib.data against MXNet 1.9.1 (tools/fixtures/gluon_contrib_data.py)."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon.contrib import data as cdata
from neogluon.gluon.contrib.data import text
from neogluon.gluon.contrib.data._vocab import Vocabulary
from neogluon.gluon.contrib.data._vocab import count_tokens_from_str
from tests.conftest import load_fixture

FAM = "gluon_contrib_data"


# --------------------------------------------------------------------- sampler
def test_interval_sampler_matches_mxnet():
    for length, interval, rollover, expected, mx_len in load_fixture(FAM, "sampler")[
        "rows"
    ]:
        s = cdata.IntervalSampler(length, interval, rollover=rollover)
        assert list(s) == expected
        # neogluon reports the number of indices produced (documented
        # difference: MXNet reports `length` also for rollover=False).
        assert len(s) == (mx_len if rollover else len(expected))
    assert cdata.sampler.IntervalSampler is mx.gluon.data.sampler.IntervalSampler


def test_interval_sampler_rejects_bad_interval():
    with pytest.raises(ValueError, match="interval 4 must be smaller"):
        cdata.IntervalSampler(3, 4)


def test_interval_sampler_in_dataloader():
    ds = mx.gluon.data.ArrayDataset(mx.nd.arange(10))
    loader = mx.gluon.data.DataLoader(
        ds, batch_size=4, sampler=cdata.IntervalSampler(10, 3), last_batch="keep"
    )
    got = np.concatenate([b.asnumpy() for b in loader])
    np.testing.assert_array_equal(got, [0, 3, 6, 9, 1, 4, 7, 2, 5, 8])


# --------------------------------------------------------------------- WikiText
@pytest.fixture(scope="module")
def wiki():
    return load_fixture(FAM, "wikitext")


def _write(root, files):
    os.makedirs(root, exist_ok=True)
    for name, content in files.items():
        with open(os.path.join(root, name), "w", encoding="utf8") as f:
            f.write(content)


def _check(ds, f, key):
    assert len(ds) == f[f"{key}_len"]
    assert ds.vocabulary.idx_to_token == f[f"{key}_vocab"]
    assert dict(ds.frequencies) == f[f"{key}_freqs"]
    np.testing.assert_array_equal(ds._data.asnumpy(), f[f"{key}_data"])
    np.testing.assert_array_equal(ds._label.asnumpy(), f[f"{key}_label"])
    data, label = ds[0]
    assert data.dtype == np.int32 and label.dtype == np.int32
    assert data.asnumpy().tolist() == f[f"{key}_item0"][0]
    assert label.asnumpy().tolist() == f[f"{key}_item0"][1]


@pytest.mark.parametrize("cls", ["WikiText2", "WikiText103"])
@pytest.mark.parametrize("seq_len", [35, 7])
def test_wikitext_matches_mxnet(tmp_path, wiki, cls, seq_len):
    root = str(tmp_path / "wiki")
    _write(root, wiki["files"])
    make = getattr(text, cls)
    train = make(root=root, segment="train", seq_len=seq_len)
    _check(train, wiki, f"train_{seq_len}")
    for seg in ("validation", "test"):
        _check(make(root=root, segment=seg, seq_len=seq_len), wiki, f"{seg}_{seq_len}")
    val = make(root=root, segment="validation", vocab=train.vocabulary, seq_len=seq_len)
    _check(val, wiki, f"valtrainvocab_{seq_len}")
    assert val.vocabulary is train.vocabulary


def test_wikitext_extracts_local_archive(tmp_path, wiki):
    root = tmp_path / "w2"
    root.mkdir()
    # The layout of MXNet's wikitext-2-v1.zip: files under a wikitext-2/ folder.
    with zipfile.ZipFile(root / "wikitext-2-v1.zip", "w") as zf:
        zf.writestr("wikitext-2/", "")
        for name, content in wiki["files"].items():
            zf.writestr(f"wikitext-2/{name}", content.encode("utf8"))
    ds = text.WikiText2(root=str(root), segment="test", seq_len=7)
    _check(ds, wiki, "test_7")
    assert sorted(os.listdir(root)) == [
        "wiki.test.tokens",
        "wiki.train.tokens",
        "wiki.valid.tokens",
        "wikitext-2-v1.zip",
    ]


def test_wikitext_default_root_and_batching(tmp_path, wiki, monkeypatch):
    monkeypatch.setenv("MXNET_HOME", str(tmp_path))
    _write(str(tmp_path / "datasets" / "wikitext-103"), wiki["files"])
    ds = text.WikiText103(segment="validation", seq_len=7)
    loader = mx.gluon.data.DataLoader(ds, batch_size=4, last_batch="discard")
    data, label = next(iter(loader))
    assert data.shape == (4, 7) and label.shape == (4, 7)
    np.testing.assert_array_equal(data.asnumpy(), wiki["validation_7_data"][:4])


def test_wikitext_missing_files_explain(tmp_path, monkeypatch):
    def no_network(url, path=None, sha1_hash=None, **kw):
        assert url.endswith("gluon/dataset/wikitext-2/wikitext-2-v1.zip")
        assert sha1_hash == "3c914d17d80b1459be871a5039ac23e752a53cbe"
        raise OSError("network unreachable")

    monkeypatch.setattr(text, "download", no_network)
    with pytest.raises(MXNetError, match="wiki.train.tokens is not in"):
        text.WikiText2(root=str(tmp_path), segment="train")
    with pytest.raises(ValueError, match="segment must be one of"):
        text.WikiText2(root=str(tmp_path), segment="valid")


def test_wikitext_repo_url_follows_env(tmp_path, monkeypatch):
    seen = []

    def fake_download(url, path=None, sha1_hash=None, **kw):
        seen.append(url)
        raise OSError("offline")

    monkeypatch.setattr(text, "download", fake_download)
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://mirror.example/repo")
    with pytest.raises(MXNetError):
        text.WikiText103(root=str(tmp_path))
    assert seen == [
        "http://mirror.example/repo/gluon/dataset/wikitext-103/wikitext-103-v1.zip"
    ]


# --------------------------------------------------------------------- vocab
def test_vocabulary_indexing_rules():
    counter = count_tokens_from_str(" b a c a \n b a d \n")
    assert counter == {"a": 3, "b": 2, "c": 1, "d": 1}
    v = Vocabulary(counter, reserved_tokens=["<eos>"])
    assert v.idx_to_token == ["<unk>", "<eos>", "a", "b", "c", "d"]
    assert v.to_indices(["a", "zzz", "d"]) == [2, 0, 5]
    assert v.to_indices("b") == 3
    assert v.to_tokens([1, 4]) == ["<eos>", "c"]
    assert len(Vocabulary(counter, most_freq_count=2)) == 3
    assert Vocabulary(counter, min_freq=2).idx_to_token == ["<unk>", "a", "b"]
    with pytest.raises(ValueError, match="invalid"):
        v.to_tokens(6)
    with pytest.raises(ValueError, match="unknown token"):
        Vocabulary(counter, reserved_tokens=["<unk>"])
    assert count_tokens_from_str("A a", to_lower=True) == {"a": 2}
