"""Fused RNN/LSTM/GRU layers against MXNet 1.9.1 (tools/fixtures/rnn_layers.py)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon import rnn
from tests.conftest import FIXTURES
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "rnn_layers"
# MXNet 1.9.1's CPU RNN ignores sequence_length (only cuDNN honours it): the
# seqlen case is checked by test_sequence_length_semantics instead.
LAYER_CASES = [
    n for n in fixture_names(FAM) if n.startswith("layer_") and n != "layer_lstm_seqlen"
]

# MXNet's reference ran the fused op through oneDNN, we run torch's kernels;
# float32 sums over time and gates accumulate in a different order.
RTOL, ATOL = 1e-5, 1e-5
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-5


def _unflatten(flat, names, shapes):
    out, pos = {}, 0
    for n, s in zip(names, shapes, strict=True):
        size = int(np.prod(s))
        out[n] = flat[pos : pos + size].reshape(s)
        pos += size
    return out


def _build_layer(f):
    layer = getattr(rnn, f["cls"])(prefix="rnn_", input_size=3, **f["kwargs"])
    layer.initialize()
    params = _unflatten(f["params"], f["param_names"], f["param_shapes"])
    for name, value in params.items():
        layer.collect_params()["rnn_" + name].set_data(mx.nd.array(value))
    return layer


def test_layer_cases_exist():
    assert len(LAYER_CASES) >= 10


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", LAYER_CASES)
def test_layer_matches_mxnet(name, hybridize):
    f = load_fixture(FAM, name)
    layer = _build_layer(f)
    assert repr(layer) == f["repr"]
    if hybridize:
        layer.hybridize()
    x = mx.nd.array(f["x"])
    n_states = f["n_states"]
    states = [mx.nd.array(f[f"state_{i}"]) for i in range(n_states) if f["with_states"]]
    record = not f["fwd_only"]
    if record:
        x.attach_grad()
        for s in states:
            s.attach_grad()
    with mx.autograd.record() if record else mx.autograd.pause():
        if f["with_states"]:
            out, new_states = layer(x, states)
        else:
            out, new_states = layer(x, None), []
    assert isinstance(out, mx.nd.NDArray)
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)
    assert len(new_states) == (n_states if f["with_states"] else 0)
    for i, s in enumerate(new_states):
        np.testing.assert_allclose(
            s.asnumpy(), f[f"outstate_{i}"], rtol=RTOL, atol=ATOL
        )
    if not record:
        return
    heads = [mx.nd.array(f["head_out"])] + [
        mx.nd.array(f[f"headstate_{i}"]) for i in range(len(new_states))
    ]
    mx.autograd.backward([out, *new_states], heads)
    np.testing.assert_allclose(
        x.grad.asnumpy(), f["grad_x"], rtol=GRAD_RTOL, atol=GRAD_ATOL
    )
    if f["with_states"]:
        for i, s in enumerate(states):
            np.testing.assert_allclose(
                s.grad.asnumpy(), f[f"gradstate_{i}"], rtol=GRAD_RTOL, atol=GRAD_ATOL
            )
    want = _unflatten(f["gradparams"], f["param_names"], f["param_shapes"])
    for pname, g in want.items():
        got = layer.collect_params()["rnn_" + pname].grad().asnumpy()
        np.testing.assert_allclose(
            got, g, rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=pname
        )


@pytest.mark.parametrize("hybridize", [False, True])
def test_sequence_length_semantics(hybridize):
    """Valid steps equal MXNet's full-sequence outputs, later steps are zero and
    the returned states are each sequence's last valid step (cuDNN semantics)."""
    f = load_fixture(FAM, "layer_lstm_seqlen")
    layer = _build_layer(f)
    if hybridize:
        layer.hybridize()
    states = [mx.nd.array(f[f"state_{i}"]) for i in range(2)]
    lengths = f["seq_len"].astype(int)
    out, (h, c) = layer(mx.nd.array(f["x"]), states, mx.nd.array(f["seq_len"]))
    out, h = out.asnumpy(), h.asnumpy()
    for b, n in enumerate(lengths):
        np.testing.assert_allclose(out[:n, b], f["out"][:n, b], rtol=RTOL, atol=ATOL)
        assert np.all(out[n:, b] == 0)
        np.testing.assert_allclose(h[0, b], f["out"][n - 1, b], rtol=RTOL, atol=ATOL)
    assert c.shape == (1, 3, 4)


# ------------------------------------------------------------------ names, repr
def _meta_blocks():
    return {
        "lstm_2l": rnn.LSTM(20, 2, input_size=10, prefix="lstm0_"),
        "lstm_deferred": rnn.LSTM(20, prefix="lstm1_"),
        "gru_bi_ntc_drop": rnn.GRU(
            8,
            3,
            layout="NTC",
            dropout=0.5,
            bidirectional=True,
            input_size=5,
            prefix="gru0_",
        ),
        "rnn_tanh": rnn.RNN(7, activation="tanh", input_size=2, prefix="rnn0_"),
        "lstm_proj_bi": rnn.LSTM(
            6,
            2,
            bidirectional=True,
            projection_size=3,
            input_size=4,
            prefix="lstm2_",
        ),
    }


@pytest.mark.parametrize("key", list(_meta_blocks()))
def test_layer_names_shapes_repr(key):
    meta = load_fixture(FAM, "meta")["meta"][key]
    b = _meta_blocks()[key]
    assert repr(b) == meta["repr"]
    got = [[k, list(v.shape)] for k, v in b.collect_params().items()]
    assert got == meta["params"]
    assert list(b._collect_params_with_prefix().keys()) == meta["structural"]
    info = [
        {
            "shape": list(i["shape"]),
            "__layout__": i["__layout__"],
            "dtype": str(i["dtype"]),
        }
        for i in b.state_info(3)
    ]
    assert info == meta["state_info"]
    names = [s.name for s in b.begin_state(3, func=mx.sym.zeros)]
    assert names == meta["begin_state_names"]


def test_rnn_default_activation_is_relu():
    layer = rnn.RNN(3, input_size=2)
    assert layer._mode == "rnn_relu"
    layer.initialize(mx.init.Constant(-1.0))
    out = layer(mx.nd.ones((2, 1, 2)))
    assert out.asnumpy().min() == 0.0  # relu clips the all-negative sums


def test_begin_state_and_state_shape_error():
    layer = rnn.LSTM(4, 2, bidirectional=True, input_size=3, layout="NTC")
    layer.initialize()
    st = layer.begin_state(5)
    assert [s.shape for s in st] == [(4, 5, 4), (4, 5, 4)]
    assert all(s.asnumpy().sum() == 0 for s in st)
    st = layer.begin_state(2, func=mx.nd.ones, dtype="float64")
    assert st[0].dtype == np.float64 and st[0].asnumpy().min() == 1.0
    x = mx.nd.ones((2, 6, 3))
    bad = [mx.nd.zeros((2, 2, 4)), mx.nd.zeros((4, 2, 4))]
    with pytest.raises(ValueError, match=r"Invalid recurrent state shape. "):
        layer(x, bad)
    with pytest.raises(ValueError, match=r"Expecting \(4, 2, 4\), got \(2, 2, 4\)"):
        layer(x, bad)


def test_single_state_may_be_bare():
    layer = rnn.GRU(4, input_size=3)
    layer.initialize()
    x = mx.nd.ones((5, 2, 3))
    out, states = layer(x, mx.nd.zeros((1, 2, 4)))
    assert isinstance(states, list) and states[0].shape == (1, 2, 4)
    np.testing.assert_allclose(out.asnumpy(), layer(x).asnumpy(), rtol=1e-6)


def test_hybridized_switches_between_output_and_states():
    layer = rnn.LSTM(4, input_size=3)
    layer.initialize()
    layer.hybridize()
    x = mx.nd.ones((5, 2, 3))
    a = layer(x)
    out, states = layer(x, layer.begin_state(2))
    b = layer(x)
    assert isinstance(a, mx.nd.NDArray) and isinstance(b, mx.nd.NDArray)
    np.testing.assert_allclose(a.asnumpy(), out.asnumpy(), rtol=1e-6)
    assert len(states) == 2


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layout", ["TNC", "NTC"])
def test_deferred_input_size(bidirectional, layout):
    layer = rnn.GRU(4, 2, bidirectional=bidirectional, layout=layout)
    layer.initialize()
    assert repr(layer).startswith("GRU(None -> 4")
    x = mx.nd.ones((2, 5, 7) if layout == "NTC" else (5, 2, 7))
    out = layer(x)
    assert out.shape == x.shape[:2] + (4 * (2 if bidirectional else 1),)
    assert layer.l0_i2h_weight.shape == (12, 7)
    if bidirectional:
        assert layer.r0_i2h_weight.shape == (12, 7)
        assert layer.l1_i2h_weight.shape == (12, 8)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_deferred_inside_hybridized_parent(bidirectional):
    net = mx.gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(rnn.LSTM(4, layout="NTC", bidirectional=bidirectional))
        net.add(mx.gluon.nn.Dense(2, flatten=False))
    net.initialize()
    net.hybridize()
    x = mx.nd.random.uniform(shape=(2, 5, 3))
    out = net(x)
    assert out.shape == (2, 5, 2)
    assert net[0].l0_i2h_weight.shape == (16, 3)
    net.hybridize(False)
    np.testing.assert_allclose(net(x).asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_training():
    x = mx.nd.random.uniform(shape=(6, 3, 4))
    one = rnn.LSTM(8, 1, dropout=0.9, input_size=4)
    one.initialize()
    with mx.autograd.record(train_mode=True):
        train_out = one(x)
    # One layer: nothing between layers, so dropout never applies.
    np.testing.assert_allclose(train_out.asnumpy(), one(x).asnumpy(), rtol=1e-6)
    two = rnn.LSTM(8, 2, dropout=0.5, input_size=4)
    two.initialize()
    pred = two(x).asnumpy()
    np.testing.assert_allclose(two(x).asnumpy(), pred, rtol=0)
    with mx.autograd.record(train_mode=True):
        tr = two(x).asnumpy()
    assert not np.allclose(tr, pred)


def test_state_clip_raises_clear_error():
    layer = rnn.LSTM(4, input_size=3, state_clip_min=-1.0, state_clip_max=1.0)
    layer.initialize()
    with pytest.raises(ValueError, match="state_clip_min/state_clip_max"):
        layer(mx.nd.ones((2, 1, 3)))


def test_invalid_layout():
    with pytest.raises(ValueError, match="invalid layout 'NCT'"):
        rnn.GRU(4, layout="NCT")


def test_projection_backward_runs():
    # MXNet 1.9.1 has no CPU backward for projections (no reference numbers):
    # check the gradient of one weight against a central finite difference.
    layer = rnn.LSTM(4, projection_size=2, input_size=3, dtype="float64")
    layer.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(np.random.uniform(-1, 1, (3, 2, 3)), dtype="float64")
    w = layer.l0_h2r_weight
    with mx.autograd.record():
        loss = layer(x).sum()
    loss.backward()
    g = w.grad().asnumpy()
    base = w.data().asnumpy()
    eps = 1e-6
    for idx in [(0, 0), (1, 3)]:
        plus, minus = base.copy(), base.copy()
        plus[idx] += eps
        minus[idx] -= eps
        w.set_data(mx.nd.array(plus, dtype="float64"))
        lp = layer(x).sum().asscalar()
        w.set_data(mx.nd.array(minus, dtype="float64"))
        lm = layer(x).sum().asscalar()
        w.set_data(mx.nd.array(base, dtype="float64"))
        assert abs((lp - lm) / (2 * eps) - g[idx]) < 1e-6


# ------------------------------------------------------------------ files
def _lstm_model():
    net = mx.gluon.nn.HybridSequential(prefix="model_")
    with net.name_scope():
        net.add(rnn.LSTM(4, 2, layout="NTC", input_size=3))
        net.add(mx.gluon.nn.Dense(2, flatten=False, in_units=4))
    return net


def _bigru_model():
    net = mx.gluon.nn.HybridSequential(prefix="model2_")
    with net.name_scope():
        net.add(rnn.GRU(3, bidirectional=True, input_size=2))
    return net


@pytest.mark.parametrize(
    ("case", "make"), [("save_lstm", _lstm_model), ("save_bigru", _bigru_model)]
)
@pytest.mark.parametrize("deferred_init", [False, True])
def test_load_mxnet_params_file(case, make, deferred_init, tmp_path):
    f = load_fixture(FAM, case)
    net = make()
    if deferred_init:
        net.initialize()
    net.load_parameters(str(FIXTURES / FAM / f"{case}.params"))
    out = net(mx.nd.array(f["x"]))
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)
    assert sorted(net._collect_params_with_prefix()) == list(f["keys"])
    path = str(tmp_path / "ours.params")
    net.save_parameters(path)
    assert sorted(mx.nd.load(path).keys()) == list(f["keys"])
    again = make()
    again.load_parameters(path)
    np.testing.assert_allclose(
        again(mx.nd.array(f["x"])).asnumpy(), f["out"], rtol=RTOL, atol=ATOL
    )


def test_trainer_step_updates_lstm():
    layer = rnn.LSTM(4, input_size=3)
    layer.initialize()
    trainer = mx.gluon.Trainer(layer.collect_params(), "sgd", {"learning_rate": 0.1})
    before = layer.l0_i2h_weight.data().asnumpy().copy()
    with mx.autograd.record():
        loss = layer(mx.nd.ones((5, 2, 3))).sum()
    loss.backward()
    trainer.step(2)
    assert not np.allclose(before, layer.l0_i2h_weight.data().asnumpy())


@pytest.mark.parametrize(
    "layer",
    [
        lambda: mx.gluon.rnn.LSTM(3, num_layers=2, bidirectional=True, input_size=4),
        lambda: mx.gluon.rnn.GRU(3, num_layers=2, input_size=4),
        lambda: mx.gluon.rnn.RNN(3, activation="relu", input_size=4),
    ],
    ids=["lstm-bi", "gru", "rnn_relu"],
)
def test_unfuse_is_the_same_network_as_cells(layer):
    # MXNet's _RNNLayer._unfuse: a stack of cells sharing the layer's Parameters.
    net = layer()
    net.initialize(mx.init.Uniform(0.5))
    cells = net._unfuse()
    x = mx.nd.random.uniform(shape=(5, 2, 4))
    fused = net(x).asnumpy()
    unfused = cells.unroll(5, x, layout="TNC", merge_outputs=True)[0].asnumpy()
    np.testing.assert_allclose(unfused, fused, rtol=1e-5, atol=1e-6)
    assert set(cells.collect_params()) == set(net.collect_params())


def test_unfuse_matches_mxnets_lstm_values():
    # The values MXNet 1.9.1's test_gluon_rnn::test_lstm_cpu_inference expects.
    expected = np.array(
        [
            [[0.72045636, 0.72045636, 0.95215213, 0.95215213]] * 2,
            [[0.95215213, 0.95215213, 0.72045636, 0.72045636]] * 2,
        ]
    )
    model = mx.gluon.rnn.LSTM(2, num_layers=6, bidirectional=True)
    cells = model._unfuse()
    model.initialize(mx.init.One())
    x = mx.nd.ones((2, 2, 2))
    np.testing.assert_allclose(model(x).asnumpy(), expected, rtol=1e-3, atol=1e-5)
    out = cells.unroll(2, x, layout="TNC", merge_outputs=True)[0]
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-3, atol=1e-5)
