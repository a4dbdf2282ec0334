"""mx.contrib.quantization.quantize_net against MXNet 1.9.1's oneDNN INT8 path
(fixtures: contrib_quantization)."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.contrib import quantization
from tests.conftest import load_fixture

FAM = "contrib_quantization"
CASES = [
    "naive",
    "entropy",
    "naive_int8",
    "naive_few",
    "naive_exclude_layer",
    "none_int8",
    "resnet_naive",
    "resnet_entropy",
]


def _block(name="net"):
    """The fixture's data (from ``net``) with network ``name`` as a block;
    ``ref`` is that network's float32 output."""
    fx = dict(load_fixture(FAM, "net"))
    net = load_fixture(FAM, name)
    sym = mx.sym.load_json(net["symbol"])
    block = mx.gluon.SymbolBlock(sym, [mx.sym.var("data")])
    block.collect_params().load_dict(
        {k: mx.nd.array(net[f"p:{k}"]) for k in net["param_names"]}
    )
    block.hybridize()
    fx["ref"] = net["ref"]
    return fx, block


@functools.cache
def _quantize(case):
    """(fixture, float32 block, MXNet's case, quantized net); made once per
    case (entropy calibration takes seconds)."""
    fx, block = _block("resnet" if case.startswith("resnet_") else "net")
    want = load_fixture(FAM, case)
    it = mx.io.NDArrayIter(mx.nd.array(fx["calib"]), batch_size=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qnet = quantization.quantize_net(block, calib_data=it, **want["kwargs"])
    return fx, block, want, qnet


@pytest.mark.parametrize("case", CASES)
def test_calibration_thresholds_are_mxnets(case):
    fx, block, want, qnet = _quantize(case)
    assert set(qnet.calib_table) == set(want["calib"])
    if case == "none_int8":
        assert qnet.calib_table == {}
    for name, (lo, hi) in want["calib"].items():
        got = qnet.calib_table[name]
        if want["kwargs"]["calib_mode"] == "naive":
            # min / max of the same float32 tensors (MXNet prints 6 digits)
            np.testing.assert_allclose(got, (lo, hi), rtol=1e-5, atol=2e-6)
        else:
            # KL threshold: the same bin edge of an 8001-bin histogram; the
            # float32 activations differ in the last bits, so allow a bin.
            bin_width = 2 * max(abs(lo), abs(hi)) / 8001
            np.testing.assert_allclose(got, (lo, hi), atol=bin_width + 2e-6)


@pytest.mark.parametrize("case", CASES)
def test_quantized_outputs_close_to_mxnets(case):
    fx, block, want, qnet = _quantize(case)
    x = mx.nd.array(fx["test"])
    out = qnet(x).asnumpy()
    # Outputs reach 0.6; one int8 step of the last layer's input is ~0.003.
    # MXNet's oneDNN kernels round the requantization scales differently,
    # so the two quantized nets differ by a few steps (at most 0.015 here).
    np.testing.assert_allclose(out, want["out"], atol=0.025)
    np.testing.assert_allclose(out, fx["ref"], atol=0.08)


def test_exclude_operators_excludes_the_layers():
    # MXNet's CPU path ignores exclude_operators=['FullyConnected'] (its fused
    # nodes are named _sg_mkldnn_fully_connected); neogluon excludes them.
    mxnet = load_fixture(FAM, "naive_exclude_fc")
    assert "netq_dense0_relu_fwd" in mxnet["calib"]  # MXNet quantized it anyway
    fx, block = _block()
    it = mx.io.NDArrayIter(mx.nd.array(fx["calib"]), batch_size=4)
    qnet = quantization.quantize_net_v2(
        block, calib_data=it, calib_mode="naive", exclude_operators=["FullyConnected"]
    )
    assert "netq_dense0_relu_fwd" not in qnet.calib_table
    names = qnet(mx.sym.var("data")).get_internals().list_outputs()
    assert not any(n.startswith("netq_dense0_fwd_quantize") for n in names)
    assert any(n.startswith("netq_conv0_fwd_quantize") for n in names)
    out = qnet(mx.nd.array(fx["test"])).asnumpy()
    np.testing.assert_allclose(out, fx["ref"], atol=0.05)


def test_int8_parameters_and_none_mode():
    fx, block = _block()
    qnet = quantization.quantize_net_v2(block, data_shapes=[(4, 3, 8, 8)])
    params = qnet.collect_params()
    assert params["netq_conv0_fwd_weight_quantize"].data().dtype == np.int8
    assert qnet.calib_table == {}
    out = qnet(mx.nd.array(fx["test"])).asnumpy()
    np.testing.assert_allclose(out, fx["ref"], atol=0.05)


def test_combine_histogram_widens_by_whole_bins():
    arr = np.array([-1.0, 0.0, 1.0])
    hist, edges = np.histogram(arr, bins=5, range=(-1, 1))
    old = (hist, edges, -1.0, 1.0, 1.0)
    new = quantization.combine_histogram(old, np.array([1.5]), 1.5, 1.5, 1.5)
    counts, new_edges, lo, hi, th = new
    # step 0.4: two extra bins on each side, threshold 1.8
    assert counts.size == 9 and th == pytest.approx(1.8)
    assert counts.sum() == 4 and (lo, hi) == (-1.0, 1.5)
    np.testing.assert_array_equal(counts[2:7] - hist, [0, 0, 0, 0, 0])


def test_quantized_net_keeps_toy_accuracy():
    rng = np.random.RandomState(3)
    n = 256
    x = rng.uniform(-1, 1, (n, 2, 6, 6)).astype(np.float32)
    y = (x[:, 0].mean(axis=(1, 2)) > x[:, 1].mean(axis=(1, 2))).astype(np.float32)
    net = mx.gluon.nn.HybridSequential()
    net.add(
        mx.gluon.nn.Conv2D(8, 3, activation="relu"),
        mx.gluon.nn.Flatten(),
        mx.gluon.nn.Dense(16, activation="relu"),
        mx.gluon.nn.Dense(2),
    )
    net.initialize(mx.init.Xavier())
    trainer = mx.gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    xs, ys = mx.nd.array(x), mx.nd.array(y)
    for _ in range(60):
        with mx.autograd.record():
            loss = loss_fn(net(xs), ys)
        loss.backward()
        trainer.step(n)
    net.hybridize()
    acc32 = (net(xs).asnumpy().argmax(1) == y).mean()
    assert acc32 > 0.9
    loader = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(xs, ys), batch_size=32)
    for mode in ("naive", "entropy"):
        qnet = quantization.quantize_net_v2(
            net, calib_mode=mode, calib_data=loader, num_calib_batches=4
        )
        acc8 = (qnet(xs).asnumpy().argmax(1) == y).mean()
        assert acc8 >= acc32 - 0.03, (mode, acc8, acc32)


def test_errors():
    fx, block = _block()
    it = mx.io.NDArrayIter(mx.nd.array(fx["calib"]), batch_size=4)
    with pytest.raises(MXNetError, match="data_min < 0"):
        quantization.quantize_net_v2(
            block, calib_data=it, calib_mode="naive", quantized_dtype="uint8"
        )
    with pytest.raises(MXNetError, match="calib_data must be provided"):
        quantization.quantize_net_v2(block, calib_mode="naive")
    with pytest.raises(MXNetError, match="calib_mode"):
        quantization.quantize_net_v2(block, calib_mode="kl", calib_data=[])
    with pytest.raises(MXNetError, match="quantized_dtype"):
        quantization.quantize_net_v2(block, quantized_dtype="int4")
    with pytest.raises(MXNetError, match="channel-wise|tensor-wise"):
        quantization.quantize_net_v2(block, quantize_granularity="channel-wise")
    with pytest.raises(MXNetError, match="HybridBlock"):
        quantization.quantize_net_v2(mx.gluon.nn.Sequential())
    with pytest.raises(MXNetError, match="quantize_net"):
        quantization.quantize_model(None, {}, {})


@pytest.mark.parametrize(
    "case",
    ["entropy_normal", "entropy_relu", "entropy_laplace_sparse", "entropy_small"],
)
def test_calibrate_entropy_is_mxnets(case):
    fx = load_fixture(FAM, case)
    th, div = mx.nd.contrib.calibrate_entropy(
        mx.nd.array(fx["hist"]),
        mx.nd.array(fx["hist_edges"]),
        num_quantized_bins=int(fx["num_quantized_bins"]),
    )
    assert th.shape == (1,) and div.shape == (1,)
    # the same bin edge, and the divergence to float32 rounding (MXNet's
    # float32 arithmetic and summation order are reproduced)
    np.testing.assert_array_equal(th.asnumpy(), fx["threshold"])
    np.testing.assert_allclose(div.asnumpy(), fx["divergence"], rtol=1e-6)


def test_calibrate_entropy_checks_its_inputs():
    with pytest.raises(MXNetError, match="odd number of bins"):
        mx.nd.contrib.calibrate_entropy(mx.nd.ones(10), mx.nd.ones(11))
    with pytest.raises(MXNetError, match="hist_edges"):
        mx.nd.contrib.calibrate_entropy(mx.nd.ones(301), mx.nd.ones(300))


def test_quantized_net_exports_and_reloads(tmp_path):
    fx, block, want, _ = _quantize("naive")
    it = mx.io.NDArrayIter(mx.nd.array(fx["calib"]), batch_size=4)
    qnet = quantization.quantize_net_v2(block, calib_data=it, calib_mode="naive")
    x = mx.nd.array(fx["test"])
    out = qnet(x).asnumpy()
    qnet.hybridize()
    qnet(x)
    sym_file, params_file = qnet.export(str(tmp_path / "q"))
    back = mx.gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    assert (
        back.collect_params()["netq_conv0_fwd_weight_quantize"].data().dtype == np.int8
    )
    np.testing.assert_array_equal(back(x).asnumpy(), out)


def test_exclude_layers_match():
    fx, block = _block()
    it = mx.io.NDArrayIter(mx.nd.array(fx["calib"]), batch_size=4)
    qnet = quantization.quantize_net_v2(
        block, calib_data=it, calib_mode="naive", exclude_layers_match=["dense"]
    )
    # both Dense layers stay float32; the convolutions are quantized
    assert set(qnet.calib_table) == {"data", "netq_relu0_fwd", "netq_conv1_relu_fwd"}
    names = qnet(mx.sym.var("data")).get_internals().list_outputs()
    assert not any("dense" in n and "quantize" in n for n in names)
    np.testing.assert_allclose(
        qnet(mx.nd.array(fx["test"])).asnumpy(), fx["ref"], atol=0.05
    )
