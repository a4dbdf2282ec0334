"""d2lzh 1.0.0 on neogluon against MXNet 1.9.1 (fixture: clients/d2lzh)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture

from ._util import det_params
from ._util import import_client


@pytest.fixture(scope="module")
def d2l():
    return import_client("d2lzh")


def test_helpers_match_mxnet(d2l):
    ref = load_fixture("clients", "d2lzh")
    got = d2l.corr2d(mx.nd.array(ref["x"]), mx.nd.array(ref["k"]))
    np.testing.assert_allclose(got.asnumpy(), ref["corr2d"], rtol=1e-6)
    pairs = list(d2l.data_iter_consecutive(list(range(30)), 2, 4))
    np.testing.assert_array_equal(
        np.stack([a.asnumpy() for a, _ in pairs]), ref["consec_x"]
    )
    np.testing.assert_array_equal(
        np.stack([b.asnumpy() for _, b in pairs]), ref["consec_y"]
    )
    onehot = d2l.to_onehot(mx.nd.array([[0, 2], [1, 3]]), 4)
    np.testing.assert_array_equal(
        np.stack([o.asnumpy() for o in onehot]), ref["onehot"]
    )
    net = d2l.resnet18(10)
    net.initialize()
    img = mx.nd.array(ref["img"])
    net(img)
    det_params(net)
    np.testing.assert_allclose(net(img).asnumpy(), ref["resnet"], rtol=1e-4, atol=1e-5)


def _iters(n=128):
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.uniform(size=(n, 1, 28, 28)))
    y = mx.nd.array(rng.randint(0, 10, n))
    ds = mx.gluon.data.ArrayDataset(x, y)
    return (
        mx.gluon.data.DataLoader(ds, batch_size=32, shuffle=True),
        mx.gluon.data.DataLoader(ds, batch_size=32),
    )


def test_train_ch3_and_ch5(d2l, capsys):
    train_iter, test_iter = _iters()
    net = mx.gluon.nn.Sequential()
    net.add(mx.gluon.nn.Dense(10))
    net.initialize(mx.init.Normal(sigma=0.01))
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    d2l.train_ch3(net, train_iter, test_iter, loss, 2, 32, None, None, trainer)
    net = mx.gluon.nn.Sequential()
    net.add(
        mx.gluon.nn.Conv2D(6, kernel_size=5, activation="sigmoid"),
        mx.gluon.nn.MaxPool2D(2, 2),
        mx.gluon.nn.Dense(10),
    )
    net.initialize(mx.init.Xavier())
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    d2l.train_ch5(net, train_iter, test_iter, 32, trainer, mx.cpu(), 1)
    out = capsys.readouterr().out
    assert out.count("epoch 1") == 2 and "epoch 2" in out and "test acc" in out
    acc = d2l.evaluate_accuracy(test_iter, net)
    assert 0.0 <= acc <= 1.0


def test_rnn_helpers(d2l):
    model = d2l.RNNModel(mx.gluon.rnn.RNN(8), 10)
    model.initialize()
    idx_to_char = ["x", "a", "b"] + [f"c{i}" for i in range(7)]
    char_to_idx = {c: i for i, c in enumerate(idx_to_char)}
    text = d2l.predict_rnn_gluon("ab", 3, model, 10, mx.cpu(), idx_to_char, char_to_idx)
    assert text.startswith("ab") and len(text) >= 5
    p = mx.nd.ones(3) * 10
    p.attach_grad()
    with mx.autograd.record():
        (p * p).sum().backward()
    d2l.grad_clipping([p], 1.0, mx.cpu())
    np.testing.assert_allclose(float(p.grad.norm().asscalar()), 1.0, rtol=1e-5)


def test_contrib_text_vocab(d2l):
    vocab = d2l.get_vocab_imdb([("a b a a a a b b b b c", 1)])
    # min_freq=5: <unk>, then 'a' and 'b'
    assert vocab.idx_to_token == ["<unk>", "a", "b"]


_CORPUS = "the time machine by h g wells " * 4


def _corpus():
    idx_to_char = sorted(set(_CORPUS))
    char_to_idx = {c: i for i, c in enumerate(idx_to_char)}
    return [char_to_idx[c] for c in _CORPUS], idx_to_char, char_to_idx


@pytest.mark.parametrize("random_iter", [True, False])
def test_train_and_predict_rnn_from_scratch(d2l, capsys, random_iter):
    # Consecutive sampling carries the hidden state into the next recording
    # after a backward pass (d2l ch. 6.4): it must act as a constant there.
    indices, idx_to_char, char_to_idx = _corpus()
    vocab, hidden = len(idx_to_char), 16
    nd = mx.nd

    def get_params():
        shapes = [(vocab, hidden), (hidden, hidden), (hidden, vocab)]
        w_xh, w_hh, w_hq = (nd.random.normal(scale=0.1, shape=s) for s in shapes)
        params = [w_xh, w_hh, nd.zeros(hidden), w_hq, nd.zeros(vocab)]
        for p in params:
            p.attach_grad()
        return params

    def init_state(batch_size, num_hiddens, ctx):
        return (nd.zeros((batch_size, num_hiddens), ctx=ctx),)

    def rnn(inputs, state, params):
        w_xh, w_hh, b_h, w_hq, b_q = params
        (h,) = state
        outputs = []
        for x in inputs:
            h = nd.tanh(nd.dot(x, w_xh) + nd.dot(h, w_hh) + b_h)
            outputs.append(nd.dot(h, w_hq) + b_q)
        return outputs, (h,)

    d2l.train_and_predict_rnn(
        rnn, get_params, init_state, hidden, vocab, mx.cpu(), indices,
        idx_to_char, char_to_idx, random_iter, 30, 6, 50, 1e-2, 4, 15, 10,
        ["the "],
    )  # fmt: skip
    out = capsys.readouterr().out
    perplexities = [
        float(line.split()[3].rstrip(",")) for line in out.splitlines()[::2]
    ]
    assert perplexities[-1] < perplexities[0]


def test_train_and_predict_rnn_gluon(d2l, capsys):
    indices, idx_to_char, char_to_idx = _corpus()
    model = d2l.RNNModel(mx.gluon.rnn.LSTM(16), len(idx_to_char))
    d2l.train_and_predict_rnn_gluon(
        model, 16, len(idx_to_char), mx.cpu(), indices, idx_to_char,
        char_to_idx, 30, 6, 50, 1e-2, 4, 15, 10, ["the "],
    )  # fmt: skip
    out = capsys.readouterr().out
    perplexities = [
        float(line.split()[3].rstrip(",")) for line in out.splitlines()[::2]
    ]
    assert perplexities[-1] < perplexities[0]
