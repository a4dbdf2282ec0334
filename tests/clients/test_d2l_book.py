"""The d2l book's own MXNet library (``d2l/mxnet.py`` of d2l-ai/d2l-en) on neogluon.

Release 0.17.6 (the function API: train_ch3/ch6/ch8, predict_ch8...) and 1.0.3
(the class API of the current book: d2l.Trainer, d2l.Module..., ``test_v1_*``).

The library is a copy under tests/data_scripts/ (MIT-0 sample-code license,
see its header), loaded with ``mxnet`` served by neogluon. The deterministic
cases of tests/data_scripts/d2l_cases.py are compared with MXNet 1.9.1
(fixture family ``d2l_book``, tools/fixtures/d2l_book.py); the training loops
that draw from MXNet's random generator (train_ch3/ch6/ch8 with Xavier or
Normal init, shuffled loaders) run end to end and are checked for sane output.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

import neogluon as mx
from neogluon import _mxnet_alias
from tests.conftest import load_fixture

_SCRIPTS = Path(__file__).resolve().parents[1] / "data_scripts"
_LIBRARY = _SCRIPTS / "d2l_mxnet_v0.17.6.txt"


@pytest.fixture(scope="module")
def book():
    """(d2l, cases) with ``mxnet`` aliased to neogluon and np semantics on."""
    if not _LIBRARY.exists():
        pytest.skip(f"the d2l library copy {_LIBRARY} is absent")
    real = sys.modules.get("mxnet")
    if real is not None and not _mxnet_alias._is_neogluon(real):
        pytest.skip("the real mxnet is imported in this process")
    had_alias = _mxnet_alias.installed()
    _mxnet_alias.install()
    sys.path.insert(0, str(_SCRIPTS))
    try:
        import d2l_cases  # noqa: PLC0415
        import d2l_loader  # noqa: PLC0415

        d2l = d2l_loader.load()
    finally:
        sys.path.remove(str(_SCRIPTS))
    mx.npx.set_np()
    yield d2l, d2l_cases, d2l_loader
    mx.npx.reset_np()
    # Leave the process as found: later tests check that a plain
    # ``import mxnet`` is not aliased.
    for version in d2l_loader.VERSIONS:
        sys.modules.pop(d2l_loader.module_name(version), None)
    for name in ("d2l_cases", "d2l_loader"):
        sys.modules.pop(name, None)
    if not had_alias:
        _mxnet_alias.uninstall()


@pytest.fixture
def np_mode():
    mx.npx.set_np()
    yield
    mx.npx.reset_np()


# ---- neogluon fixes the book needed (no d2l code involved) -------------------


def test_np_outputs_of_a_consumed_graph_are_constants_later(np_mode):
    # train_epoch_ch8 carries the RNN state across backward passes; in MXNet
    # an array a consumed graph computed is a constant in the next recording.
    # mx.np arrays are new wrapper objects over the tensor, so each must be
    # detached too. Same value as the nd case in tests/test_client_core.py.
    y = mx.np.ones(2)
    y.attach_grad()
    with mx.autograd.record():
        h = mx.np.tanh(y * 0.5)
        h_nd = h.as_nd_ndarray()
        first = h.sum()
    first.backward()
    with mx.autograd.record():
        second = mx.np.tanh(h * 0.5 * y).sum()
    second.backward()
    np.testing.assert_allclose(y.grad.asnumpy(), [0.21914893] * 2, rtol=1e-6)
    with mx.autograd.record():
        third = (h_nd.as_np_ndarray() * y).sum()
    third.backward()
    np.testing.assert_allclose(y.grad.asnumpy(), [np.tanh(0.5)] * 2, rtol=1e-6)
    with pytest.raises(mx.base.MXNetError, match="retain_graph=True"):
        first.backward()


def test_np_rnn_state_carried_across_backward_passes(np_mode):
    layer = mx.gluon.rnn.GRU(4)
    layer.initialize()
    x = mx.np.ones((3, 2, 5))

    def step(state):
        with mx.autograd.record():
            out, state = layer(x, state)
            loss = out.sum()
        loss.backward()
        return state, layer.l0_i2h_weight.grad().asnumpy().copy()

    state, _ = step(layer.begin_state(batch_size=2))
    carried = [s.copy() for s in state]
    _, grad_carried = step(state)  # outputs of a consumed graph
    _, grad_fresh = step(carried)  # the same values, never recorded
    np.testing.assert_allclose(grad_carried, grad_fresh, rtol=1e-6, atol=1e-7)


def test_np_slices_with_negative_steps(np_mode):
    # d2l.nms sorts with ``scores.argsort()[::-1]``; MXNet's np slices
    # backwards like NumPy (a copy), with gradients flowing back.
    a = np.arange(60, dtype="float32").reshape(3, 4, 5)
    x = mx.np.array(a)
    keys = [
        slice(None, None, -1),
        (1, slice(None, None, -2)),
        (Ellipsis, slice(3, 0, -1)),
        (None, slice(2, None, -1), 0, slice(None, None, -3)),
        (slice(0, 3, -1),),  # empty
        (slice(-1, -5, -2), Ellipsis),
    ]
    for key in keys:
        got = x[key].asnumpy()
        assert got.shape == a[key].shape, key
        np.testing.assert_array_equal(got, a[key])
    x.attach_grad()
    with mx.autograd.record():
        y = (x[::-1, :, ::-2] * mx.np.arange(3).reshape(3, 1, 1)).sum()
    y.backward()
    np.testing.assert_array_equal(
        x.grad.asnumpy()[:, 0], [[2, 0, 2, 0, 2], [1, 0, 1, 0, 1], [0] * 5]
    )
    with pytest.raises(IndexError, match="negative step"):
        x[mx.np.array([0, 1]), ::-1]


def test_np_clip_method_takes_min_max(np_mode):
    # MXNet's ndarray.clip(min=None, max=None); d2l.box_iou calls clip(min=0).
    x = mx.np.array([-1.0, 0.5, 3.0])
    np.testing.assert_array_equal(x.clip(min=0).asnumpy(), [0, 0.5, 3])
    np.testing.assert_array_equal(x.clip(max=1).asnumpy(), [-1, 0.5, 1])
    np.testing.assert_array_equal(x.clip(0, 1).asnumpy(), [0, 0.5, 1])


def test_trainer_step_takes_a_one_element_array(np_mode):
    # d2l.train_seq2seq calls trainer.step(Y_valid_len.sum()); MXNet divides
    # the gradients by that array's value.
    w = mx.gluon.Parameter("w", shape=(2,), init=mx.init.One())
    w.initialize()
    trainer = mx.gluon.Trainer([w], "sgd", {"learning_rate": 1.0})
    with mx.autograd.record():
        loss = (w.data() * mx.np.array([4.0, 8.0])).sum()
    loss.backward()
    trainer.step(mx.np.array([1, 3]).sum())
    np.testing.assert_allclose(w.data().asnumpy(), [0.0, -1.0])
    with pytest.raises(mx.base.MXNetError, match="batch_size must be a number"):
        trainer.step(mx.np.array([1, 3]))


# ---- the book's library -------------------------------------------------------


def _close(got, ref, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(got), ref, rtol=rtol, atol=atol)


def test_library_imports_under_the_alias(book):
    d2l, _, _ = book
    assert d2l.np is mx.np and d2l.npx is mx.npx
    assert d2l.nn is mx.gluon.nn and d2l.rnn is mx.gluon.rnn
    for name in (
        "train_ch3",
        "train_ch6",
        "train_ch8",
        "predict_ch8",
        "RNNModelScratch",
        "RNNModel",
        "masked_softmax",
        "MultiHeadAttention",
        "TransformerEncoder",
    ):
        assert callable(getattr(d2l, name)), name
    # The helpers bound to MXNet calls resolve to neogluon's.
    assert d2l.size(mx.np.ones((2, 3))) == 6
    assert isinstance(d2l.tensor([1, 2]), mx.np.ndarray)


@pytest.mark.parametrize(
    "case", ["masked_softmax", "attention", "transformer", "boxes"]
)
def test_attention_blocks_match_mxnet(book, case):
    d2l, cases, _ = book
    ref = load_fixture("d2l_book", case)
    got = getattr(cases, case)(d2l, mx)
    assert set(got) == set(ref)
    for key, value in got.items():
        if not isinstance(ref[key], np.ndarray):  # text, token lists
            assert value == ref[key], key
            continue
        assert np.asarray(value).dtype == ref[key].dtype, key
        _close(value, ref[key], rtol=1e-4, atol=1e-6)


def test_linreg_scratch_matches_mxnet(book):
    d2l, cases, _ = book
    ref = load_fixture("d2l_book", "linreg")
    got = cases.linreg(d2l, mx)
    for key in ("w", "b", "losses"):
        _close(got[key], ref[key], rtol=1e-4, atol=1e-6)
    assert ref["losses"][-1] < 1e-3 < ref["losses"][0]  # it did learn


def test_train_epoch_ch3_matches_mxnet(book):
    d2l, cases, _ = book
    ref = load_fixture("d2l_book", "epoch_ch3")
    got = cases.epoch_ch3(d2l, mx)
    _close(
        got["metrics"], ref["metrics"], rtol=1e-4, atol=1e-5
    )  # fp32 sums of 96 losses
    assert got["test_acc"] == pytest.approx(float(ref["test_acc"]))
    _close(got["weight"], ref["weight"], rtol=1e-4, atol=1e-6)


@pytest.fixture
def time_machine(book):
    _, cases, _ = book
    if not cases.TIME_MACHINE.exists():
        pytest.skip(f"{cases.TIME_MACHINE} is absent (the book's Time Machine text)")


def test_language_model_matches_mxnet(book, time_machine, tmp_path):
    d2l, cases, _ = book
    ref = load_fixture("d2l_book", "language_model")
    got = cases.language_model(d2l, mx, tmp_path)
    for key in ("n_lines", "word_vocab", "top_words", "char_vocab"):
        assert got[key] == ref[key], key
    for key in ("corpus_head", "first_x", "first_y"):
        np.testing.assert_array_equal(got[key], ref[key])
    for key in ("scratch_ppl", "scratch_w_hq", "concise_ppl", "concise_dense"):
        _close(got[key], ref[key], rtol=1e-4, atol=1e-6)
    for key in ("scratch_predict0", "scratch_predict", "concise_predict"):
        assert got[key] == ref[key], key


def test_train_ch3_and_ch6_run(book, capsys):
    d2l, cases, _ = book
    gluon = mx.gluon
    features, labels = cases.classification_data(mx, 160)
    train_iter = d2l.load_array((features, labels), 32)
    test_iter = d2l.load_array((features, labels), 32, is_train=False)
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(10))
    net.initialize(mx.init.Normal(sigma=0.01))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    # train_ch3 asserts train loss < 0.5 and accuracies > 0.7 itself.
    d2l.train_ch3(
        net, train_iter, test_iter, gluon.loss.SoftmaxCrossEntropyLoss(), 3, trainer
    )

    lenet = gluon.nn.Sequential()
    lenet.add(
        gluon.nn.Conv2D(6, kernel_size=5, padding=2, activation="sigmoid"),
        gluon.nn.AvgPool2D(pool_size=2, strides=2),
        gluon.nn.Conv2D(16, kernel_size=5, activation="sigmoid"),
        gluon.nn.AvgPool2D(pool_size=2, strides=2),
        gluon.nn.Dense(120, activation="sigmoid"),
        gluon.nn.Dense(84, activation="sigmoid"),
        gluon.nn.Dense(10),
    )
    lenet.hybridize()
    d2l.train_ch6(lenet, train_iter, test_iter, 2, 0.9, d2l.try_gpu())
    out = capsys.readouterr().out
    assert "test acc" in out and "examples/sec on cpu(0)" in out
    acc = d2l.evaluate_accuracy_gpu(lenet, test_iter)
    assert 0.0 <= acc <= 1.0


def test_train_ch8_runs_scratch_and_concise(
    book, time_machine, tmp_path, capsys, monkeypatch
):
    d2l, cases, _ = book
    monkeypatch.chdir(cases._time_machine_cwd(tmp_path))
    random.seed(0)
    train_iter, vocab = d2l.load_data_time_machine(8, 10, max_tokens=2000)
    num_hiddens = 32
    device = d2l.try_gpu()

    def get_params(vocab_size, hiddens, device):
        def normal(shape):
            return mx.np.random.normal(scale=0.01, size=shape, ctx=device)

        params = [
            normal((vocab_size, hiddens)),
            normal((hiddens, hiddens)),
            mx.np.zeros(hiddens, ctx=device),
            normal((hiddens, vocab_size)),
            mx.np.zeros(vocab_size, ctx=device),
        ]
        for p in params:
            p.attach_grad()
        return params

    init_state, rnn = cases.scratch_rnn(mx)
    net = d2l.RNNModelScratch(
        len(vocab), num_hiddens, device, get_params, init_state, rnn
    )
    d2l.train_ch8(net, train_iter, vocab, 1, 2, device)
    d2l.train_ch8(net, train_iter, vocab, 1, 1, device, use_random_iter=True)
    for layer in (
        mx.gluon.rnn.RNN(num_hiddens),
        mx.gluon.rnn.GRU(num_hiddens),
        mx.gluon.rnn.LSTM(num_hiddens),
    ):
        model = d2l.RNNModel(layer, len(vocab))
        d2l.train_ch8(model, train_iter, vocab, 1, 2, device)
        text = d2l.predict_ch8("time traveller", 10, model, vocab, device)
        assert text.startswith("time traveller") and len(text) == 24
    out = capsys.readouterr().out
    ppl = [
        float(line.split()[1].rstrip(","))
        for line in out.splitlines()
        if line.startswith("perplexity")
    ]
    assert len(ppl) == 5
    # A character model starts near the vocabulary size (28) and cannot pass it by much.
    assert all(1.0 < p < 40.0 and math.isfinite(p) for p in ppl), ppl


def test_train_seq2seq_and_predict(book, capsys):
    d2l, cases, _ = book
    text = d2l.preprocess_nmt(cases.NMT_TEXT * 4)
    source, target = d2l.tokenize_nmt(text)
    reserved = ["<pad>", "<bos>", "<eos>"]
    src_vocab = d2l.Vocab(source, min_freq=1, reserved_tokens=reserved)
    tgt_vocab = d2l.Vocab(target, min_freq=1, reserved_tokens=reserved)
    src, src_len = d2l.build_array_nmt(source, src_vocab, 5)
    tgt, tgt_len = d2l.build_array_nmt(target, tgt_vocab, 5)
    data = d2l.load_array((src, src_len, tgt, tgt_len), 4)
    encoder = d2l.Seq2SeqEncoder(len(src_vocab), 8, 16, 2, 0.1)
    decoder = cases.seq2seq_decoder(d2l, mx)(len(tgt_vocab), 8, 16, 2, 0.1)
    net = d2l.EncoderDecoder(encoder, decoder)
    d2l.train_seq2seq(net, data, 0.01, 40, tgt_vocab, d2l.try_gpu())
    out = capsys.readouterr().out
    final_loss = float(out.split("loss ")[1].split(",")[0])
    assert final_loss < 0.5, out  # five pairs, learnt by heart
    translation, weights = d2l.predict_seq2seq(
        net, "go .", src_vocab, tgt_vocab, 5, d2l.try_gpu()
    )
    assert weights == []
    assert d2l.bleu(translation, "va !", k=2) == pytest.approx(1.0), translation


def test_train_ch11_and_ch13_run(book, capsys):
    d2l, cases, _ = book
    gluon = mx.gluon
    rng = np.random.RandomState(6)
    x = rng.normal(size=(200, 5)).astype("float32")
    y = (x @ np.arange(1, 6, dtype="float32") + 0.5).astype("float32")
    data = d2l.load_array((mx.np.array(x), mx.np.array(y)), 10)

    def sgd(params, states, hyperparams):
        for p in params:
            p[:] -= hyperparams["lr"] * p.grad

    _, losses = d2l.train_ch11(
        sgd, None, {"lr": 0.01}, data, feature_dim=5, num_epochs=2
    )
    assert losses[-1] < losses[0]
    d2l.train_concise_ch11("sgd", {"learning_rate": 0.01}, data, num_epochs=2)

    features, labels = cases.classification_data(mx, 160)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Conv2D(4, 3, activation="relu"), gluon.nn.GlobalAvgPool2D())
    net.add(gluon.nn.Dense(10))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    images = d2l.load_array((features, labels), 32)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    d2l.train_ch13(net, images, images, loss, trainer, 2, [d2l.try_gpu()])
    out = capsys.readouterr().out
    assert out.count("sec/epoch") == 2 and "test acc" in out


def test_bert_forward(book):
    d2l, _, _ = book
    net = d2l.BERTModel(
        vocab_size=50,
        num_hiddens=8,
        ffn_num_hiddens=16,
        num_heads=2,
        num_layers=2,
        dropout=0.1,
        max_len=20,
    )
    net.initialize()
    tokens = mx.np.array(np.random.RandomState(7).randint(0, 50, (2, 8)))
    segments = mx.np.array([[0] * 4 + [1] * 4] * 2)
    encoded, mlm, nsp = net(
        tokens, segments, mx.np.array([6, 8]), mx.np.array([[1, 5, 2], [6, 1, 5]])
    )
    assert (
        encoded.shape == (2, 8, 8) and mlm.shape == (2, 3, 50) and nsp.shape == (2, 2)
    )


# ---- d2l 1.0.3, the class API of the current book -----------------------------


@pytest.fixture(scope="module")
def book_v1(book):
    _, cases, loader = book
    if not loader.source("1.0.3").exists():
        pytest.skip("the d2l 1.0.3 library copy is absent")
    return loader.load("1.0.3"), cases


def test_v1_linear_regression_fit(book_v1):
    d2l, _ = book_v1
    assert d2l.np is mx.np and issubclass(d2l.Module, mx.gluon.nn.Block)
    data = d2l.SyntheticRegressionData(w=mx.np.array([2, -3.4]), b=4.2)
    model = d2l.LinearRegression(lr=0.03)
    d2l.Trainer(max_epochs=3).fit(model, data)
    w, b = model.get_w_b()
    np.testing.assert_allclose(w.asnumpy().ravel(), [2, -3.4], atol=0.3)
    np.testing.assert_allclose(b.asnumpy(), [4.2], atol=0.3)
    scratch = d2l.LinearRegressionScratch(2, lr=0.03)
    d2l.Trainer(max_epochs=3).fit(scratch, data)
    np.testing.assert_allclose(scratch.w.asnumpy().ravel(), [2, -3.4], atol=0.3)


def test_v1_lenet_and_rnn_language_models_fit(
    book_v1, time_machine, tmp_path, monkeypatch
):
    d2l, cases = book_v1
    features, labels = cases.classification_data(mx, 64)

    class Images(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = 16

        def get_dataloader(self, train):
            return self.get_tensorloader((features, labels), train)

    lenet = d2l.LeNet(lr=0.1)
    lenet.initialize(mx.init.Xavier())
    d2l.Trainer(max_epochs=1).fit(lenet, Images())
    assert lenet(features[:2]).shape == (2, 10)

    monkeypatch.chdir(cases._time_machine_cwd(tmp_path))  # d2l.download finds ../data
    data = d2l.TimeMachine(batch_size=32, num_steps=16, num_train=2000, num_val=500)
    assert len(data.vocab) == 28
    rnn = d2l.RNNScratch(num_inputs=len(data.vocab), num_hiddens=32)
    model = d2l.RNNLMScratch(rnn, vocab_size=len(data.vocab), lr=1)
    d2l.Trainer(max_epochs=1, gradient_clip_val=1).fit(model, data)
    assert model.predict("it has", 10, data.vocab).startswith("it has")
    gru = d2l.RNNLM(
        d2l.GRU(num_hiddens=32, num_layers=1), vocab_size=len(data.vocab), lr=1
    )
    d2l.Trainer(max_epochs=1, gradient_clip_val=1).fit(gru, data)
    text = gru.predict("it has", 10, data.vocab)
    assert text.startswith("it has") and len(text) == 16
