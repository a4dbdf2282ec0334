"""Deterministic runs of the d2l book's MXNet helpers, for real MXNet and neogluon.

tools/fixtures/d2l_book.py runs each case with MXNet 1.9.1 and stores what it
returns; tests/clients/test_d2l_book.py runs the same case with ``mxnet`` served
by neogluon and compares. Every input comes from ``numpy.random.RandomState``
(the same stream under numpy 1 and 2) or from the Time Machine text; every
parameter is set to fixed values before use, and no case draws from MXNet's own
random generator, so both libraries compute the same numbers.

Each case takes ``(d2l, mx)`` (the loaded book library and the ``mxnet`` module)
and returns a dict of numpy arrays / strings / floats.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import numpy as onp

#: The Time Machine text the book's language-model chapters use (sha1 as in d2l's DATA_HUB).
TIME_MACHINE = Path("/work/shared/data/timemachine.txt")


def det_values(shape, k: int) -> onp.ndarray:
    """``0.1*sin(0.37*i + k)`` over a flat parameter (same as the client fixtures)."""
    v = 0.1 * onp.sin(onp.arange(int(onp.prod(shape))) * 0.37 + k)
    return v.reshape(shape).astype("float32")


def set_det_params(block, mx) -> None:
    """The k-th parameter (sorted structural names) gets :func:`det_values`."""
    items = sorted(block._collect_params_with_prefix().items())
    for k, (_name, p) in enumerate(items):
        p.set_data(mx.np.array(det_values(p.shape, k)))


def masked_softmax(d2l, mx) -> dict:
    np = mx.np
    rng = onp.random.RandomState(0)
    x = rng.uniform(size=(2, 3, 5)).astype("float32")
    return {
        "x": x,
        "lens1": d2l.masked_softmax(np.array(x), np.array([2, 4])).asnumpy(),
        "lens2": d2l.masked_softmax(
            np.array(x), np.array([[1, 3, 5], [2, 2, 4]])
        ).asnumpy(),
        "none": d2l.masked_softmax(np.array(x), None).asnumpy(),
    }


def attention(d2l, mx) -> dict:
    np = mx.np
    rng = onp.random.RandomState(1)
    q = rng.normal(size=(2, 3, 6)).astype("float32")
    k = rng.normal(size=(2, 5, 6)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    lens = np.array([2, 5])
    out = {}
    dot = d2l.DotProductAttention(dropout=0.5)
    dot.initialize()
    out["dot"] = dot(np.array(q), np.array(k), np.array(v), lens).asnumpy()
    out["dot_weights"] = dot.attention_weights.asnumpy()
    add = d2l.AdditiveAttention(num_hiddens=8, dropout=0.5)
    add.initialize()
    add(np.array(q), np.array(k), np.array(v), lens)  # deferred shapes
    set_det_params(add, mx)
    out["additive"] = add(np.array(q), np.array(k), np.array(v), lens).asnumpy()
    mha = d2l.MultiHeadAttention(num_hiddens=8, num_heads=2, dropout=0.5)
    mha.initialize()
    mha(np.array(q), np.array(k), np.array(k), lens)
    set_det_params(mha, mx)
    out["multihead"] = mha(np.array(q), np.array(k), np.array(k), lens).asnumpy()
    pe = d2l.PositionalEncoding(6, 0.5, max_len=50)
    pe.initialize()
    out["pos_enc"] = pe(np.zeros((1, 7, 6))).asnumpy()
    return out


def transformer(d2l, mx) -> dict:
    np = mx.np
    rng = onp.random.RandomState(2)
    tokens = rng.randint(0, 20, size=(2, 7)).astype("float32")
    enc = d2l.TransformerEncoder(20, 8, 16, 2, 2, 0.5)
    enc.initialize()
    lens = np.array([3, 7])
    enc(np.array(tokens), lens)
    set_det_params(enc, mx)
    out = enc(np.array(tokens), lens)
    return {
        "tokens": tokens,
        "encoded": out.asnumpy(),
        "weights": onp.stack(
            [b.attention.attention.attention_weights.asnumpy() for b in enc.blks]
        ),
    }


def linreg(d2l, mx) -> dict:
    """The chapter 3 scratch linear regression with given data and initial weights."""
    np, autograd = mx.np, mx.autograd
    rng = onp.random.RandomState(3)
    x = rng.normal(size=(1000, 2)).astype("float32")
    y = (x @ onp.array([2.0, -3.4], "float32") + 4.2).reshape(-1, 1)
    y = (y + 0.01 * rng.normal(size=y.shape)).astype("float32")
    features, labels = np.array(x), np.array(y)
    w = np.array(det_values((2, 1), 0))
    b = np.zeros(1)
    w.attach_grad()
    b.attach_grad()
    losses = []
    for _ in range(3):
        for xb, yb in d2l.load_array((features, labels), 10, is_train=False):
            with autograd.record():
                loss = d2l.squared_loss(d2l.linreg(xb, w, b), yb)
            loss.backward()
            d2l.sgd([w, b], 0.03, 10)
        losses.append(
            float(d2l.squared_loss(d2l.linreg(features, w, b), labels).mean())
        )
    return {"w": w.asnumpy(), "b": b.asnumpy(), "losses": onp.array(losses)}


def classification_data(mx, n: int = 96):
    """A small 10-class set of 1x28x28 'images' (class centres plus noise)."""
    rng = onp.random.RandomState(4)
    centres = rng.normal(size=(10, 784)).astype("float32")
    y = rng.randint(0, 10, n)
    x = centres[y] + 0.5 * rng.normal(size=(n, 784)).astype("float32")
    return mx.np.array(x.reshape(n, 1, 28, 28)), mx.np.array(y)


def epoch_ch3(d2l, mx) -> dict:
    """One ``train_epoch_ch3`` of softmax regression (fixed weights, no shuffle)."""
    gluon = mx.gluon
    features, labels = classification_data(mx)
    data = d2l.load_array((features, labels), 32, is_train=False)
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(10))
    net.initialize()
    net(features[:1])
    set_det_params(net, mx)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    metrics = [d2l.train_epoch_ch3(net, data, loss, trainer) for _ in range(2)]
    return {
        "metrics": onp.array(metrics),
        "test_acc": d2l.evaluate_accuracy(net, data),
        "weight": net[0].weight.data().asnumpy(),
    }


def _time_machine_cwd(tmp: Path) -> Path:
    """A working folder whose ``../data`` holds the text: d2l's download() finds it
    there with the right sha1 and reads it without going online."""
    (tmp / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(TIME_MACHINE, tmp / "data" / "timemachine.txt")
    (tmp / "work").mkdir(exist_ok=True)
    return tmp / "work"


def _scratch_params(vocab_size: int, num_hiddens: int, mx):
    shapes = [
        (vocab_size, num_hiddens),
        (num_hiddens, num_hiddens),
        (num_hiddens,),
        (num_hiddens, vocab_size),
        (vocab_size,),
    ]
    params = [mx.np.array(det_values(s, k)) for k, s in enumerate(shapes)]
    for p in params:
        p.attach_grad()
    return params


def scratch_rnn(mx):
    """The book's scratch RNN (section 8.5): ``(init_rnn_state, rnn)``."""
    np = mx.np

    def init_state(batch_size, num_hiddens, device):
        return (np.zeros((batch_size, num_hiddens), ctx=device),)

    def rnn(inputs, state, params):
        w_xh, w_hh, b_h, w_hq, b_q = params
        (h,) = state
        outputs = []
        for x in inputs:
            h = np.tanh(np.dot(x, w_xh) + np.dot(h, w_hh) + b_h)
            outputs.append(np.dot(h, w_hq) + b_q)
        return np.concatenate(outputs, axis=0), (h,)

    return init_state, rnn


def language_model(d2l, mx, tmp: Path) -> dict:
    """Time Machine vocab and sequential batches; train_epoch_ch8 / predict_ch8
    with the scratch RNN and with ``RNNModel(rnn.RNN)``, fixed initial weights."""
    npx, gluon = mx.npx, mx.gluon
    cwd = os.getcwd()
    os.chdir(_time_machine_cwd(tmp))
    try:
        lines = d2l.read_time_machine()
        words = d2l.Vocab(d2l.tokenize(lines, "word"), min_freq=3)
        random.seed(0)
        train_iter, vocab = d2l.load_data_time_machine(4, 8, max_tokens=600)
    finally:
        os.chdir(cwd)
    first_x, first_y = next(iter(train_iter))
    out = {
        "n_lines": len(lines),
        "word_vocab": len(words),
        "top_words": [t for t, _ in words.token_freqs[:5]],
        "char_vocab": vocab.idx_to_token,
        "corpus_head": onp.array(train_iter.corpus[:20]),
        "first_x": first_x.asnumpy(),
        "first_y": first_y.asnumpy(),
    }
    num_hiddens = 16

    init_state, rnn = scratch_rnn(mx)
    device = d2l.try_gpu()
    net = d2l.RNNModelScratch(
        len(vocab),
        num_hiddens,
        device,
        lambda v, h, d: _scratch_params(v, h, mx),
        init_state,
        rnn,
    )
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    out["scratch_predict0"] = d2l.predict_ch8("time ", 5, net, vocab, device)
    ppl = []
    for _ in range(2):
        random.seed(1)
        ppl.append(
            d2l.train_epoch_ch8(
                net,
                train_iter,
                loss,
                lambda batch_size: d2l.sgd(net.params, 1.0, batch_size),
                device,
                False,
            )[0]
        )
    out["scratch_ppl"] = onp.array(ppl)
    out["scratch_w_hq"] = net.params[3].asnumpy()
    out["scratch_predict"] = d2l.predict_ch8("time ", 8, net, vocab, device)

    model = d2l.RNNModel(gluon.rnn.RNN(num_hiddens), len(vocab))
    model.initialize()
    state = model.begin_state(batch_size=4, ctx=device)
    model(first_x, state)
    set_det_params(model, mx)
    trainer = gluon.Trainer(model.collect_params(), "sgd", {"learning_rate": 1.0})
    ppl = []
    for _ in range(2):
        random.seed(1)
        ppl.append(
            d2l.train_epoch_ch8(model, train_iter, loss, trainer.step, device, False)[0]
        )
    out["concise_ppl"] = onp.array(ppl)
    out["concise_dense"] = model.dense.weight.data().asnumpy()
    out["concise_predict"] = d2l.predict_ch8("time ", 8, model, vocab, device)
    npx.waitall()
    return out


def boxes(d2l, mx) -> dict:
    """Anchor boxes (chapter 13.4): multibox_prior, box_iou, multibox_target,
    multibox_detection (nms with ``argsort()[::-1]``, ``clip(min=0)``)."""
    np = mx.np
    img = np.zeros((1, 3, 6, 8))
    anchors = d2l.multibox_prior(img, sizes=[0.75, 0.5], ratios=[1, 2])
    ground_truth = np.array([[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88]])
    some = np.array(
        [
            [0, 0.1, 0.2, 0.3],
            [0.15, 0.2, 0.4, 0.4],
            [0.63, 0.05, 0.88, 0.98],
            [0.66, 0.45, 0.8, 0.8],
            [0.57, 0.3, 0.92, 0.9],
        ]
    )
    offset, mask, cls = d2l.multibox_target(
        np.expand_dims(some, 0), np.expand_dims(ground_truth, 0)
    )
    cls_probs = np.array(
        [[0.0] * 5, [0.9, 0.8, 0.7, 0.1, 0.2], [0.1, 0.2, 0.3, 0.9, 0.8]]
    )
    offsets = np.array(onp.sin(onp.arange(20) * 0.7).astype("float32") * 0.1)
    detected = d2l.multibox_detection(
        np.expand_dims(cls_probs, 0),
        np.expand_dims(offsets, 0),
        np.expand_dims(some, 0),
        0.5,
    )
    return {
        "prior": anchors.asnumpy(),
        "iou": d2l.box_iou(some, ground_truth[:, 1:]).asnumpy(),
        "target_offset": offset.asnumpy(),
        "target_mask": mask.asnumpy(),
        "target_cls": cls.asnumpy(),
        "detected": detected.asnumpy(),
    }


NMT_TEXT = "Go.\tVa !\nHi.\tSalut !\nRun!\tCours !\nWho?\tQui ?\nWow!\tÇa alors !\n"


def nmt(d2l, mx) -> dict:
    """Machine-translation data helpers and MaskedSoftmaxCELoss (chapter 9.5, 9.7)."""
    np = mx.np
    text = d2l.preprocess_nmt(NMT_TEXT)
    source, target = d2l.tokenize_nmt(text)
    reserved = ["<pad>", "<bos>", "<eos>"]
    src_vocab = d2l.Vocab(source, min_freq=1, reserved_tokens=reserved)
    src_array, src_valid = d2l.build_array_nmt(source, src_vocab, 4)
    rng = onp.random.RandomState(5)
    logits = rng.normal(size=(3, 4, 6)).astype("float32")
    labels = rng.randint(0, 6, size=(3, 4)).astype("float32")
    loss = d2l.MaskedSoftmaxCELoss()
    return {
        "text": text,
        "source": source,
        "target": target,
        "src_tokens": src_vocab.idx_to_token,
        "src_array": src_array.asnumpy(),
        "src_valid": src_valid.asnumpy(),
        "masked_ce": loss(
            np.array(logits), np.array(labels), np.array([4, 2, 0])
        ).asnumpy(),
        "bleu": onp.array(
            [
                d2l.bleu("he is calm .", "he is calm .", 2),
                d2l.bleu("he is .", "he is calm .", 2),
            ]
        ),
    }


def seq2seq_decoder(d2l, mx):
    """The book's ``Seq2SeqDecoder`` (chapter 9.7, MXNet tab; the library has no copy)."""
    np, nn, rnn = mx.np, mx.gluon.nn, mx.gluon.rnn

    class Seq2SeqDecoder(d2l.Decoder):
        def __init__(
            self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs
        ):
            super().__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = rnn.GRU(num_hiddens, num_layers, dropout=dropout)
            self.dense = nn.Dense(vocab_size, flatten=False)

        def init_state(self, enc_outputs, *args):
            return enc_outputs[1]

        def forward(self, X, state):  # noqa: N803 - the book's names
            X = self.embedding(X).swapaxes(0, 1)  # noqa: N806
            context = state[0][-1]
            context = np.broadcast_to(
                context, (X.shape[0], context.shape[0], context.shape[1])
            )
            output, state = self.rnn(np.concatenate((X, context), 2), state)
            return self.dense(output).swapaxes(0, 1), state

    return Seq2SeqDecoder
