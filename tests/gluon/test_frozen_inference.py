"""hybridize(freeze=...): frozen predict-mode graphs in Gluon blocks."""

from __future__ import annotations

import re

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon.gluon import nn
from neogluon.gluon.model_zoo import vision
from neogluon.symbol.executor import onednn_available
from tests.conftest import load_fixture
from tests.gluon.test_model_zoo import _with_recipe_weights
from tests.gluon.test_model_zoo import assert_close

# Frozen vs unfrozen float32: BatchNorm folded into the weights and oneDNN's
# convolution differ only in rounding (measured ~1e-6 relative on ResNet-18).
RTOL = 1e-5


def _close(actual, desired) -> None:
    desired = np.asarray(desired)
    atol = 1e-5 * max(1.0, float(np.abs(desired).max()))
    np.testing.assert_allclose(np.asarray(actual), desired, rtol=RTOL, atol=atol)


def _ran_frozen(net) -> bool:
    """Whether the block's last call could run frozen code (built and valid)."""
    fz = net._last_graph.frozen if net._last_graph is not None else None
    return fz is not None and fz._broken is None and len(fz._seen) > 0


def _small_net(seed: int = 0):
    rs = np.random.RandomState(seed)
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(6, 3, padding=1, in_channels=3),
        nn.BatchNorm(in_channels=6),
        nn.Activation("relu"),
        nn.Conv2D(6, 3, strides=2, use_bias=False, activation="relu", in_channels=6),
        nn.BatchNorm(in_channels=6),
        nn.Dense(4, in_units=6 * 3 * 3),
    )
    net.initialize()
    for name, p in sorted(net.collect_params().items()):
        lo, hi = (0.5, 1.5) if name.endswith(("gamma", "running_var")) else (-1, 1)
        p.set_data(mx.nd.array(rs.uniform(lo, hi, p.shape)))
    return net


def _x(shape=(2, 3, 7, 7), seed: int = 1):
    return mx.nd.array(np.random.RandomState(seed).uniform(-1, 1, shape))


def test_resnet18_v1_frozen_matches_mxnet():
    fx = load_fixture("model_zoo", "output_resnet18_v1")
    net = vision.get_model("resnet18_v1")
    x = _with_recipe_weights(net, fx)
    ref = net(x).asnumpy()  # eager
    net.hybridize(static_alloc=True, static_shape=True)
    for _ in range(3):  # first call validates unfrozen; then frozen code
        y = net(x).asnumpy()
        assert_close(y, fx["output"])
        _close(y, ref)
    assert _ran_frozen(net)
    src = net._last_graph.frozen.source
    # All 20 BatchNorms folded and ReLUs/adds fused: only the two poolings,
    # the flatten and the dense layer are kernel calls of their own.
    assert src.count("= k") <= 4
    if onednn_available():
        # oneDNN convolutions, and GEMMs for maps of at most 4 outputs
        tiny = re.findall(r"= T\d+\(\w+, (\w+)\)", src)
        assert src.count("_cpu(") + src.count("_cpb(") + len(tiny) == 20
        # residual add + relu as post-ops
        assert src.count("_cpb(") + sum(o != "None" for o in tiny) == 8


def test_resnet18_v1_32px_frozen_equals_unfrozen():
    net = vision.resnet18_v1()
    net.initialize()
    x = _x((1, 3, 32, 32))
    net(x)
    rs = np.random.RandomState(2)
    for name, p in net.collect_params().items():
        if name.endswith(("gamma", "running_var")):
            p.set_data(mx.nd.array(rs.uniform(0.5, 1.5, p.shape)))
        elif name.endswith(("beta", "running_mean")):
            p.set_data(mx.nd.array(rs.uniform(-0.2, 0.2, p.shape)))
    net.hybridize()
    ref = net(x).asnumpy()
    net.hybridize(freeze=True)
    net(x)
    _close(net(x).asnumpy(), ref)
    assert _ran_frozen(net)


def test_tiny_map_convolutions_run_as_one_gemm_and_other_sizes_still_work():
    # 32 px ResNet-18: layers 3 and 4 work on 2x2 and 1x1 maps, frozen as one
    # GEMM each (dead 3x3 taps dropped on the 1x1 maps); a larger input later
    # runs those nodes through the full folded weight.
    net = vision.resnet18_v1(classes=7)
    net.initialize(mx.init.Xavier())
    xs = [_x((1, 3, 32, 32)), _x((2, 3, 64, 48), seed=3)]
    refs = [net(x).asnumpy() for x in xs]
    net.hybridize(freeze=True)
    for _ in range(2):
        for x, ref in zip(xs, refs, strict=True):
            _close(net(x).asnumpy(), ref)
    fz = net._last_graph.frozen
    assert _ran_frozen(net)
    if onednn_available():
        # layers 3 and 4: four 3x3 and one 1x1 (downsample) convolution each
        assert fz.source.count("= T") == 10, fz.source


def test_conv_bn_relu_dense_frozen_equals_eager_and_shapes_may_change():
    net = _small_net()
    xs = [_x(), _x((1, 3, 8, 7), seed=2)]
    refs = [net(x).asnumpy() for x in xs]
    net.hybridize(freeze=True)
    for _ in range(2):
        for x, ref in zip(xs, refs, strict=True):
            _close(net(x).asnumpy(), ref)
    assert _ran_frozen(net)
    assert len(net._last_graph.frozen._seen) == 2


def test_freeze_flag_selection():
    x = _x()
    cases = [
        ({}, False),
        ({"static_alloc": True}, False),
        ({"static_alloc": True, "static_shape": True}, True),
        ({"static_alloc": True, "static_shape": True, "freeze": False}, False),
        ({"freeze": True}, True),
    ]
    for kwargs, frozen in cases:
        net = _small_net()
        net.hybridize(**kwargs)
        net(x)
        net(x)
        assert (net._last_graph.frozen is not None) == frozen, kwargs


def test_record_and_train_mode_never_use_the_frozen_graph():
    x = _x()
    net = _small_net()
    ref = _small_net()
    net.hybridize(freeze=True)
    ref.hybridize()
    with autograd.record(train_mode=False):  # predict mode, but recording
        y = net(x)
    assert net._last_graph.frozen is None
    y.backward()
    with autograd.train_mode():
        net(x)
    assert net._last_graph.frozen is None
    with autograd.record(train_mode=False):
        r = ref(x)
    r.backward()
    assert np.array_equal(y.asnumpy(), r.asnumpy())
    for (n, p), (_, q) in zip(
        net.collect_params().items(), ref.collect_params().items(), strict=True
    ):
        if p.grad_req != "null":
            assert np.array_equal(p.grad().asnumpy(), q.grad().asnumpy()), n


def test_training_after_freezing_matches_a_never_frozen_net():
    x = _x()
    label = mx.nd.array(np.arange(2) % 4)
    nets = [_small_net(), _small_net()]
    nets[0].hybridize(static_alloc=True, static_shape=True)
    nets[1].hybridize()
    for net in nets:
        net(x)
        net(x)
    assert _ran_frozen(nets[0]) and nets[1]._last_graph.frozen is None
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainers = [
        mx.gluon.Trainer(n.collect_params(), "sgd", {"learning_rate": 0.1})
        for n in nets
    ]
    for _step in range(2):
        losses = []
        for net, tr in zip(nets, trainers, strict=True):
            with autograd.record():
                loss = loss_fn(net(x), label)
            loss.backward()
            tr.step(2)
            losses.append(loss.asnumpy())
        assert np.array_equal(losses[0], losses[1])
        p0, p1 = (list(n.collect_params().values()) for n in nets)
        for a, b in zip(p0, p1, strict=True):
            # Same numbers bit for bit: weights, grads, running statistics.
            assert np.array_equal(a.data().asnumpy(), b.data().asnumpy()), a.name
            if a.grad_req != "null":
                assert np.array_equal(a.grad().asnumpy(), b.grad().asnumpy())
        # Predict mode after training: the frozen copy is rebuilt (new weights,
        # running statistics updated in place) and agrees with the unfrozen one.
        old = nets[0]._last_graph.frozen
        pred = [n(x).asnumpy() for n in nets]
        assert nets[0]._last_graph.frozen is not old
        _close(pred[0], pred[1])


def test_new_parameters_after_a_frozen_call_are_used(tmp_path):
    x = _x()
    a, b = _small_net(0), _small_net(7)
    b.save_parameters(str(tmp_path / "b.params"))
    expect_b = b(x).asnumpy()
    net = _small_net(0)
    net.hybridize(freeze=True)
    net(x)
    before = net(x).asnumpy()
    _close(before, a(x).asnumpy())
    assert _ran_frozen(net)

    net.load_parameters(str(tmp_path / "b.params"))
    _close(net(x).asnumpy(), expect_b)
    assert not np.allclose(net(x).asnumpy(), before)

    # One BatchNorm statistic replaced through set_data.
    bn = net[1]
    bn.running_mean.set_data(bn.running_mean.data() + 1)
    b[1].running_mean.set_data(b[1].running_mean.data() + 1)
    _close(net(x).asnumpy(), b(x).asnumpy())

    # A weight changed in place through NDArray indexing.
    net[0].weight.data()[:] = 0.5
    b[0].weight.data()[:] = 0.5
    _close(net(x).asnumpy(), b(x).asnumpy())
    net[5].bias.data()[:] += 3
    b[5].bias.data()[:] += 3
    _close(net(x).asnumpy(), b(x).asnumpy())


def test_symbolblock_import_with_freeze(tmp_path):
    x = _x()
    net = _small_net()
    net.hybridize()
    ref = net(x).asnumpy()
    net.export(str(tmp_path / "m"))
    blk = mx.gluon.SymbolBlock.imports(
        str(tmp_path / "m-symbol.json"), ["data"], str(tmp_path / "m-0000.params")
    )
    blk.hybridize(static_alloc=True, static_shape=True)
    for _ in range(2):
        _close(blk(x).asnumpy(), ref)
    assert blk._last_graph.frozen is not None and len(blk._last_graph.frozen._seen) == 1


def test_invalid_input_still_names_the_failing_layer():
    net = _small_net()
    net.hybridize(freeze=True)
    net(_x())
    net(_x())
    with pytest.raises(mx.base.MXNetError, match="Convolution"):
        net(_x((2, 4, 7, 7)))


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_other_dtypes_freeze_without_onednn(dtype):
    """float64 folds on the generic path; float16 keeps its BatchNorm nodes."""
    net = _small_net()
    net.cast(dtype)
    x = _x().astype(dtype)
    ref = net(x).asnumpy()
    net.hybridize(freeze=True)
    net(x)
    y = net(x).asnumpy()
    assert y.dtype == np.dtype(dtype)
    src = net._last_graph.frozen.source
    assert "_cpu(" not in src and "_cpb(" not in src
    if dtype == "float64":
        np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
    else:  # unfused: the same kernels in the same order
        np.testing.assert_array_equal(y, ref)
