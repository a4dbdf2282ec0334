"""sockeye 2.3.17 on neogluon: a tiny transformer is built, trained and decodes."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx

from ._util import import_client


@pytest.fixture(scope="module")
def sockeye():
    return import_client("sockeye")


def _model(sockeye):
    from sockeye import constants as C
    from sockeye import encoder
    from sockeye import model
    from sockeye import transformer

    tcfg = transformer.TransformerConfig(
        model_size=16,
        attention_heads=2,
        feed_forward_num_hidden=32,
        act_type="relu",
        num_layers=1,
        dropout_attention=0.0,
        dropout_act=0.0,
        dropout_prepost=0.0,
        positional_embedding_type=C.FIXED_POSITIONAL_EMBEDDING,
        preprocess_sequence="n",
        postprocess_sequence="r",
        max_seq_len_source=10,
        max_seq_len_target=10,
    )
    ecfg = encoder.EmbeddingConfig(vocab_size=12, num_embed=16, dropout=0.0)
    mcfg = model.ModelConfig(
        config_data=None,
        vocab_source_size=12,
        vocab_target_size=12,
        config_embed_source=ecfg,
        config_embed_target=ecfg,
        config_encoder=tcfg,
        config_decoder=tcfg,
        config_length_task=None,
        weight_tying_type=C.WEIGHT_TYING_SRC_TRG_SOFTMAX,
        lhuc=False,
    )
    m = model.SockeyeModel(mcfg)
    m.initialize(mx.init.Xavier())
    return m, C


def test_transformer_trains_copy_task(sockeye):
    m, C = _model(sockeye)
    trainer = mx.gluon.Trainer(m.collect_params(), "adam", {"learning_rate": 0.01})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.RandomState(0)
    seqs = rng.randint(3, 12, (16, 5))
    src = mx.nd.array(seqs[:, :, None])
    bos = np.full((16, 1), 2)
    tgt_in = mx.nd.array(np.concatenate([bos, seqs[:, :-1]], 1)[:, :, None])
    labels = mx.nd.array(seqs)
    lens = mx.nd.array([5] * 16)
    m.hybridize()
    losses = []
    for _ in range(50):
        with mx.autograd.record():
            logits = m(src, lens, tgt_in, lens)[C.LOGITS_NAME]
            loss = loss_fn(logits, labels).mean()
        loss.backward()
        trainer.step(1)
        losses.append(float(loss.asscalar()))
    assert losses[-1] < 0.5 * losses[0]
    # greedy decoding of the copy task with the trained model
    logits = m(src, lens, tgt_in, lens)[C.LOGITS_NAME]
    acc = float((logits.argmax(axis=-1) == labels).mean().asscalar())
    assert acc > 0.5
