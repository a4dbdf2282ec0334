"""gluonnlp 0.10.0 on neogluon against MXNet 1.9.1 (fixtures: clients/gluonnlp_*)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture

from ._util import det_params
from ._util import flat_outputs
from ._util import import_client

TOL = {"rtol": 1e-4, "atol": 1e-5}


@pytest.fixture(scope="module")
def nlp():
    return import_client("gluonnlp")


def _vocab(nlp):
    ref = load_fixture("clients", "gluonnlp_vocab")
    return nlp.Vocab(nlp.data.count_tokens(ref["tokens"])), ref


def test_vocab(nlp):
    vocab, ref = _vocab(nlp)
    assert vocab.idx_to_token == ref["idx_to_token"]
    assert vocab[["the", "mat", "zzz"]] == ref["indices"]


@pytest.mark.parametrize("hybridize", [False, True])
def test_bert_matches_mxnet(nlp, hybridize):
    ref = load_fixture("clients", "gluonnlp_bert")
    enc = nlp.model.BERTEncoder(
        num_layers=2, units=16, hidden_size=32, max_length=16, num_heads=2, dropout=0.0
    )
    bert = nlp.model.BERTModel(
        enc,
        vocab_size=ref["vocab_size"],
        token_type_vocab_size=2,
        units=16,
        embed_size=16,
        word_embed=None,
        use_pooler=True,
        use_decoder=True,
        use_classifier=True,
    )
    bert.initialize()
    args = [mx.nd.array(ref[k]) for k in ("tok", "seg", "vl", "pos")]
    bert(*args)
    det_params(bert)
    if hybridize:
        bert.hybridize()
    for i, o in enumerate(flat_outputs(bert(*args))):
        np.testing.assert_allclose(o, ref[f"out{i}"], **TOL)


def test_standard_lstm_lm_matches_mxnet(nlp):
    ref = load_fixture("clients", "gluonnlp_lm")
    vocab, _ = _vocab(nlp)
    lm = nlp.model.StandardRNN("lstm", len(vocab), 8, 12, 2, 0.0, False)
    lm.initialize()
    x = mx.nd.array(ref["x"])
    lm(x, lm.begin_state(batch_size=2, func=mx.nd.zeros))
    det_params(lm)
    out, state = lm(x, lm.begin_state(batch_size=2, func=mx.nd.zeros))
    np.testing.assert_allclose(out.asnumpy(), ref["out"], **TOL)
    for i, s in enumerate(flat_outputs(state)):
        np.testing.assert_allclose(s, ref[f"state{i}"], **TOL)


def test_transformer_nmt_matches_mxnet(nlp):
    ref = load_fixture("clients", "gluonnlp_nmt")
    vocab, _ = _vocab(nlp)
    enc, dec, one = nlp.model.transformer.get_transformer_encoder_decoder(
        num_layers=1, units=16, hidden_size=32, num_heads=2, dropout=0.0
    )
    nmt = nlp.model.translation.NMTModel(
        src_vocab=vocab,
        tgt_vocab=vocab,
        encoder=enc,
        decoder=dec,
        one_step_ahead_decoder=one,
        embed_size=16,
        prefix="nmt_",
    )
    nmt.initialize()
    args = [mx.nd.array(ref[k]) for k in ("src", "tgt", "svl", "tvl")]
    nmt(*args)
    det_params(nmt)
    out, _ = nmt(*args)
    np.testing.assert_allclose(out.asnumpy(), ref["out"], **TOL)


def test_beam_search_matches_mxnet(nlp):
    ref = load_fixture("clients", "gluonnlp_beam")
    table = mx.nd.array(ref["table"])

    class Dec:
        def __call__(self, inputs, states):
            logits = mx.nd.dot(mx.nd.one_hot(inputs, 10), table) + states
            return mx.nd.log_softmax(logits), states

    sampler = nlp.model.BeamSearchSampler(
        beam_size=3,
        decoder=Dec(),
        eos_id=1,
        scorer=nlp.model.BeamSearchScorer(),
        max_length=6,
    )
    samples, scores, lens = sampler(mx.nd.array([2, 5]), mx.nd.zeros((2, 10)))
    np.testing.assert_array_equal(samples.asnumpy(), ref["samples"])
    np.testing.assert_allclose(scores.asnumpy(), ref["scores"], **TOL)
    np.testing.assert_array_equal(lens.asnumpy(), ref["lens"])


def test_data_helpers_match_mxnet(nlp):
    ref = load_fixture("clients", "gluonnlp_data")
    batch = nlp.data.batchify.Tuple(
        nlp.data.batchify.Pad(pad_val=0), nlp.data.batchify.Stack()
    )([([1, 2, 3], 1), ([4, 5], 2)])
    np.testing.assert_array_equal(batch[0].asnumpy(), ref["pad"])
    np.testing.assert_array_equal(batch[1].asnumpy(), ref["stack"])
    bvocab = nlp.Vocab(
        nlp.data.count_tokens("hello , world ! un ##aff ##able".split()),
        padding_token="[PAD]",
        bos_token=None,
        eos_token=None,
        unknown_token="[UNK]",
    )
    assert (
        nlp.data.BERTBasicTokenizer(lower=True)("Hello, World! Unaffable")
        == ref["basic"]
    )
    assert (
        nlp.data.BERTTokenizer(bvocab, lower=True)("Hello, World! Unaffable")
        == ref["bert"]
    )
    sampler = nlp.data.FixedBucketSampler(
        [3, 2, 5, 4, 6, 9, 1], batch_size=2, num_buckets=2
    )
    assert [list(map(int, b)) for b in sampler] == ref["buckets"]
    assert len(sampler) == ref["bucket_count"]


def test_attention_cell_reads_amp_state(nlp):
    # gluonnlp's attention masks check mx.contrib.amp.amp._amp_initialized
    from gluonnlp.model import attention_cell

    cell = attention_cell.DotProductAttentionCell()
    cell.initialize()
    q = mx.nd.random.uniform(shape=(2, 3, 4))
    mask = mx.nd.ones((2, 3, 3))
    out, w = cell(q, q, q, mask)
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(w.sum(axis=-1).asnumpy(), np.ones((2, 3)), rtol=1e-5)


@pytest.mark.parametrize("aggregate", [1, 4])
def test_bertadam_optimizer(nlp, aggregate):
    # aggregate_num > 1 (gluonnlp's default) goes through
    # nd.contrib.multi_adamw_update, 1 through adamw_update; both follow
    # MXNet's AdamW kernels, written out here in numpy for two steps.
    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize()
    w0 = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "float32")
    net.weight.set_data(mx.nd.array(w0))
    net.bias.set_data(mx.nd.zeros(2))
    opt = nlp.optimizer.BERTAdam(learning_rate=0.01, wd=0.1)
    opt.aggregate_num = aggregate
    trainer = mx.gluon.Trainer(net.collect_params(), opt)
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]], "float32")
    ref_w, ref_b = w0.astype("float64"), np.zeros(2)
    ref_m = [np.zeros_like(ref_w), np.zeros_like(ref_b)]
    ref_v = [np.zeros_like(ref_w), np.zeros_like(ref_b)]
    for _ in range(2):
        with mx.autograd.record():
            loss = (net(mx.nd.array(x)) ** 2).sum()
        loss.backward()
        trainer.step(2)
        out = x @ ref_w.T + ref_b
        grads = [(2 * out).T @ x / 2, (2 * out).sum(0) / 2]
        params = [ref_w, ref_b]
        for i, g in enumerate(grads):
            ref_m[i] = 0.9 * ref_m[i] + 0.1 * g
            ref_v[i] = 0.999 * ref_v[i] + 0.001 * g * g
            params[i] = params[i] - 0.01 * (
                ref_m[i] / (np.sqrt(ref_v[i]) + 1e-6) + 0.1 * params[i]
            )
        ref_w, ref_b = params
    np.testing.assert_allclose(net.weight.data().asnumpy(), ref_w, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(net.bias.data().asnumpy(), ref_b, rtol=1e-5, atol=1e-5)
