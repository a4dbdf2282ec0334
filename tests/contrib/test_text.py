"""mx.contrib.text against MXNet 1.9.1 (fixtures: tests/fixtures/mxnet-1.9.1/contrib_text)."""

from __future__ import annotations

import collections
import os

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture

text = mx.contrib.text


def test_vocabulary_and_counter():
    ref = load_fixture("contrib_text", "vocab")
    emb = load_fixture("contrib_text", "embedding")
    counter = text.utils.count_tokens_from_str(emb["text"])
    counter_low = text.utils.count_tokens_from_str(emb["text"], to_lower=True)
    assert dict(counter) == ref["counter"]
    assert dict(counter_low) == ref["counter_low"]
    vocab = text.vocab.Vocabulary(counter, reserved_tokens=["<pad>"])
    vocab2 = text.vocab.Vocabulary(counter_low, most_freq_count=3, min_freq=2)
    assert vocab.idx_to_token == ref["idx_to_token"]
    assert vocab2.idx_to_token == ref["idx_to_token2"]
    assert vocab.to_indices(["the", "zzz", "sat", "<pad>"]) == ref["indices"]
    assert vocab.to_indices("cat") == ref["index_one"]
    assert vocab.to_tokens([0, 1, 3]) == ref["tokens"]


def _files(tmp_path, ref):
    p1, p2 = tmp_path / "e1.txt", tmp_path / "e2.txt"
    p1.write_text(ref["file_text"], encoding="utf8")
    p2.write_text(ref["file2_text"], encoding="utf8")
    return str(p1), str(p2)


def test_custom_and_composite_embedding(tmp_path):
    ref = load_fixture("contrib_text", "embedding")
    p1, p2 = _files(tmp_path, ref)
    vocab = text.vocab.Vocabulary(
        text.utils.count_tokens_from_str(ref["text"]), reserved_tokens=["<pad>"]
    )
    with pytest.warns(UserWarning) as caught:
        e1 = text.embedding.CustomEmbedding(p1)
    messages = [str(w.message) for w in caught]
    assert any("likely a header" in m for m in messages)
    assert any("duplicate embedding for the same token" in m for m in messages)
    assert e1.idx_to_token == ref["e1_tokens"]
    assert e1.vec_len == ref["e1_vec_len"]
    with pytest.warns(UserWarning):
        e1v = text.embedding.CustomEmbedding(p1, vocabulary=vocab)
    assert e1v.idx_to_token == ref["e1v_tokens"]
    np.testing.assert_allclose(e1v.idx_to_vec.asnumpy(), ref["e1v_vec"], rtol=1e-6)
    e2 = text.embedding.CustomEmbedding(p2, init_unknown_vec=mx.nd.ones)
    assert e2.idx_to_token == ref["e2_tokens"]
    np.testing.assert_allclose(e2.idx_to_vec.asnumpy(), ref["e2_vec"], rtol=1e-6)
    look = e1.get_vecs_by_tokens(["the", "cat", "Cat", "nope"])
    np.testing.assert_allclose(look.asnumpy(), ref["look"], rtol=1e-6)
    low = e1.get_vecs_by_tokens(["CAT", "The", "Cat"], lower_case_backup=True)
    np.testing.assert_allclose(low.asnumpy(), ref["look_low"], rtol=1e-6)
    np.testing.assert_allclose(e1.get_vecs_by_tokens("sat").asnumpy(), ref["one"])
    e1.update_token_vectors(["the", "sat"], mx.nd.array([[1, 1, 1], [2, 2, 2]]))
    e1.update_token_vectors("<unk>", mx.nd.array([5, 5, 5]))
    np.testing.assert_allclose(e1.idx_to_vec.asnumpy(), ref["e1_updated"], rtol=1e-6)
    comp = text.embedding.CompositeEmbedding(vocab, [e1v, e2])
    assert comp.idx_to_token == ref["comp_tokens"]
    assert comp.vec_len == ref["comp_vec_len"]
    np.testing.assert_allclose(comp.idx_to_vec.asnumpy(), ref["comp_vec"], rtol=1e-6)


def test_embedding_errors(tmp_path):
    ref = load_fixture("contrib_text", "embedding")
    p1, _ = _files(tmp_path, ref)
    with pytest.raises(ValueError, match="no such file"):
        text.embedding.CustomEmbedding(str(tmp_path / "missing.txt"))
    with pytest.warns(UserWarning):
        e1 = text.embedding.CustomEmbedding(p1)
    with pytest.raises(ValueError, match="unknown"):
        e1.update_token_vectors("zebra", mx.nd.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        e1.update_token_vectors(["the", "sat"], mx.nd.ones((2, 4)))
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1 2 3\n", encoding="utf8")
    with pytest.raises(mx.base.MXNetError, match="same length"):
        text.embedding.CustomEmbedding(str(bad))


def test_registry_and_pretrained_files(tmp_path, monkeypatch):
    ref = load_fixture("contrib_text", "registry")
    names = text.embedding.get_pretrained_file_names()
    assert {k: sorted(v) for k, v in names.items()} == ref["names"]
    assert sorted(text.embedding.get_pretrained_file_names("glove")) == ref["glove"]
    with pytest.raises(KeyError, match="Cannot find"):
        text.embedding.create("glove", pretrained_file_name="nope.txt")

    @text.embedding.register
    class TinyEmbed(text.embedding.CustomEmbedding):
        pass

    p = tmp_path / "t.txt"
    p.write_text("x 1 2\ny 3 4\n", encoding="utf8")
    e = text.embedding.create("tinyembed", pretrained_file_path=str(p))
    assert isinstance(e, TinyEmbed) and e.idx_to_token == ["<unk>", "x", "y"]


def test_glove_reads_local_file_without_network(tmp_path, monkeypatch):
    # A file with the registered SHA-1 is used as is; simulate it by patching
    # the table entry to the SHA-1 of a small local file.
    import hashlib

    content = b"the 1 2\ncat 3 4\n"
    folder = tmp_path / "glove"
    folder.mkdir()
    (folder / "glove.6B.50d.txt").write_bytes(content)
    table = dict(text.embedding.GloVe.pretrained_file_name_sha1)
    table["glove.6B.50d.txt"] = hashlib.sha1(content).hexdigest()
    monkeypatch.setattr(text.embedding.GloVe, "pretrained_file_name_sha1", table)

    def no_download(*args, **kwargs):
        raise AssertionError("must not download a present file")

    monkeypatch.setattr(mx.gluon.utils, "download", no_download)
    vocab = text.vocab.Vocabulary(collections.Counter(["cat", "dog"]))
    g = text.embedding.create(
        "glove",
        pretrained_file_name="glove.6B.50d.txt",
        embedding_root=str(tmp_path),
        vocabulary=vocab,
    )
    assert g.idx_to_token == ["<unk>", "cat", "dog"]
    np.testing.assert_array_equal(g.idx_to_vec.asnumpy(), [[0, 0], [3, 4], [0, 0]])
    assert os.path.basename(
        text.embedding.GloVe._get_pretrained_file_url("glove.6B.50d.txt")
    ) == ("glove.6B.zip")
