"""mx.contrib.amp: MXNet's op-wrapping AMP (float16) and dynamic loss scaling."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.contrib import amp


@pytest.fixture
def amp_on():
    amp.init()
    yield
    amp.amp._reset()


def _net():
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(4, activation="relu"), mx.gluon.nn.Dense(2))
    net.initialize(mx.init.Xavier())
    return net


def test_lists_are_mxnets():
    assert amp.list_lp16_ops("float16") == [
        "Convolution",
        "Deconvolution",
        "FullyConnected",
        "RNN",
    ]
    assert ("Activation", "act_type", ["softrelu"]) in amp.list_conditional_fp32_ops(
        "float16"
    )
    assert "softmax" in amp.list_fp32_ops("float16")
    assert "elemwise_add" in amp.list_widest_type_cast("float16")
    assert amp.list_lp16_use_fp32_params("float16") is None
    assert "BatchNorm" in amp.list_lp16_use_fp32_params("bfloat16")
    with pytest.raises(mx.base.MXNetError, match="float16"):
        amp.list_lp16_ops("int8")


def test_init_casts_eager_and_hybridized(amp_on):
    assert amp.amp._amp_initialized
    net = _net()
    x = mx.nd.random.uniform(shape=(3, 5))
    y = net(x)
    assert y.dtype == np.float16
    assert mx.nd.softmax(y).dtype == np.float32  # fp32 op casts up
    assert mx.nd.Activation(y, act_type="softrelu").dtype == np.float32
    assert mx.nd.Activation(y, act_type="relu").dtype == np.float16
    # widest type: mixed float16/float32 -> float32
    assert mx.nd.elemwise_add(y, mx.nd.ones((3, 2))).dtype == np.float32
    net.hybridize()
    y2 = net(x)
    assert y2.dtype == np.float16
    np.testing.assert_allclose(y2.asnumpy(), y.asnumpy(), rtol=1e-3, atol=1e-3)
    # the graph carries amp_cast nodes on the inputs of FullyConnected
    data = mx.sym.var("data")
    graph = json.loads(net(data).tojson(remove_amp_cast=False))
    ops = [n["op"] for n in graph["nodes"]]
    assert ops.count("amp_cast") == 6 and ops.count("FullyConnected") == 2
    # float32 reference within float16 precision
    amp.amp._reset()
    net.hybridize(active=False)  # the cached graph keeps its casts
    y32 = net(x)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), y32.asnumpy(), rtol=2e-2, atol=2e-2)


def test_second_init_is_a_no_op_and_bad_dtype_refused(amp_on):
    before = mx.nd.FullyConnected
    amp.init()
    assert mx.nd.FullyConnected is before
    amp.amp._reset()
    with pytest.raises(mx.base.MXNetError, match="float16' or 'bfloat16"):
        amp.init("float64")
    assert not amp.amp._amp_initialized


def _storage(x):
    return str(x.to_torch().dtype).replace("torch.", "")


def test_init_bfloat16():
    amp.init("bfloat16")
    try:
        net = _net()
        x = mx.nd.random.uniform(shape=(3, 5))
        y = net(x)
        # bfloat16 storage (numpy has no bfloat16: dtype reports float32)
        assert _storage(y) == "bfloat16"
        assert _storage(mx.nd.softmax(y)) == "float32"
        assert _storage(mx.nd.elemwise_add(y, mx.nd.ones((3, 2)))) == "float32"
        assert _storage(mx.nd.elemwise_add(y, y)) == "bfloat16"
        net.hybridize()
        y2 = net(x)
        assert _storage(y2) == "bfloat16"
        graph = json.loads(net(mx.sym.var("data")).tojson(remove_amp_cast=False))
        casts = [n["attrs"]["dtype"] for n in graph["nodes"] if n["op"] == "amp_cast"]
        assert casts and set(casts) == {"bfloat16"}
    finally:
        amp.amp._reset()
    net.hybridize(active=False)
    y32 = net(x)
    np.testing.assert_allclose(
        y.astype("float32").asnumpy(), y32.asnumpy(), rtol=3e-2, atol=3e-2
    )


def test_scale_loss_and_trainer(amp_on):
    net = _net()
    x = mx.nd.random.uniform(shape=(4, 5))
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with pytest.raises(mx.base.MXNetError, match="init_trainer"):
        with amp.scale_loss(mx.nd.ones(1), trainer):
            pass
    amp.init_trainer(trainer)
    scaler = trainer._amp_loss_scaler
    assert scaler.loss_scale == 2.0**16
    loss = mx.nd.ones((2,))
    with amp.scale_loss(loss, trainer) as scaled:
        np.testing.assert_array_equal(scaled.asnumpy(), [2.0**16] * 2)
    assert trainer._scale == 1.0 / 2.0**16
    with amp.scale_loss([loss, loss], trainer) as scaled:
        assert len(scaled) == 2

    # A float16 network overflows at scale 2**16: steps are skipped and the
    # scale halves until the gradients are finite, then the weights move.
    net(x)
    w0 = net[0].weight.data().copy()
    scales = []
    for _ in range(12):
        with mx.autograd.record():
            out = mx.nd.log_softmax(net(x))
            loss = -out[:, 0].sum()
            with amp.scale_loss(loss, trainer) as scaled:
                scaled.backward()
        trainer.step(4)
        scales.append(scaler.loss_scale)
        if not np.array_equal(net[0].weight.data().asnumpy(), w0.asnumpy()):
            break
    assert scales[0] == 2.0**16 and scales[-1] < 2.0**16
    assert all(b == a / 2 for a, b in zip(scales[:-1], scales[1:], strict=False))
    assert not np.array_equal(net[0].weight.data().asnumpy(), w0.asnumpy())


def test_unscale_and_wrong_types(amp_on):
    net = _net()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    amp.init_trainer(trainer)
    x = mx.nd.random.uniform(shape=(2, 5))
    with mx.autograd.record():
        loss = net(x).astype("float32").sum()
        with amp.scale_loss(loss, trainer) as scaled:
            scaled.backward()
    g_scaled = net[1].bias.grad().asnumpy().copy()
    amp.unscale(trainer)
    np.testing.assert_allclose(net[1].bias.grad().asnumpy(), g_scaled / 2.0**16)
    assert trainer._scale == 1.0
    with pytest.raises(TypeError, match="Trainer"):
        amp.init_trainer(mx.optimizer.SGD())
    with pytest.raises(TypeError, match="Trainer"):
        amp.unscale(object())


def test_loss_scaler_schedule():
    ls = amp.LossScaler()
    p = mx.gluon.Parameter("w", shape=(2,))
    p.initialize()
    ls._scale_seq_len = 3
    for _ in range(3):
        assert not ls.has_overflow([p])
    assert ls.has_overflow([p]) is False
    assert ls.loss_scale == 2.0**17  # doubled after 3 clean steps
    p.grad()[:] = float("inf")
    assert ls.has_overflow([p])
    assert ls.has_overflow([p])  # scale applied lazily, as MXNet's
    assert ls.loss_scale == 2.0**16


def test_init_trainer_needs_init():
    net = _net()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd")
    with pytest.raises(mx.base.MXNetError, match="amp.init"):
        amp.init_trainer(trainer)
