"""neogluon.onnx: ONNX export through torch.onnx, checked with onnxruntime."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon import interop
from neogluon.base import MXNetError
from neogluon.gluon import nn
from neogluon.onnx import export_model
from neogluon.onnx import export_onnx

RTOL, ATOL = 1e-5, 1e-6
# torch.onnx writes through the onnx package (make test installs it).
needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None, reason="needs the onnx package"
)


def _run(path: str, feeds: dict) -> list:
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _mlp() -> nn.HybridSequential:
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dropout(0.3), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    return net


def _convnet() -> nn.HybridSequential:
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(4, 3, padding=1),
        nn.BatchNorm(),
        nn.Activation("relu"),
        nn.MaxPool2D(2),
        nn.Conv2D(6, 3, strides=1),
        # Not ceil_mode=True: its count mask (torch.zeros + slice assignment in
        # ops/nn.py) hides the static shape the global pool below needs.
        nn.AvgPool2D(pool_size=2),
        nn.GlobalAvgPool2D(),
        nn.Flatten(),
        nn.Dense(5),
    )
    net.initialize(mx.init.Xavier())
    return net


@needs_onnx
def test_export_writes_file(tmp_path):
    net = _mlp()
    path = export_onnx(net, str(tmp_path / "m.onnx"), mx.nd.ones((2, 5)))
    data = Path(path).read_bytes()
    assert len(data) > 16 * 5 * 4  # holds at least the first weight
    assert b"data" in data  # the input name


@needs_onnx
@pytest.mark.parametrize("hybridize", [False, True])
def test_mlp_matches_onnxruntime(tmp_path, hybridize):
    net = _mlp()
    x = mx.nd.random.uniform(shape=(2, 5))
    if hybridize:
        net.hybridize()
    ref = net(x).asnumpy()
    path = export_onnx(
        net, str(tmp_path / "mlp.onnx"), x, dynamic_axes={"data": {0: "batch"}}
    )
    (out,) = _run(path, {"data": x.asnumpy()})
    np.testing.assert_allclose(out, ref, RTOL, ATOL)
    x7 = mx.nd.random.uniform(shape=(7, 5))  # dynamic batch
    (out7,) = _run(path, {"data": x7.asnumpy()})
    np.testing.assert_allclose(out7, net(x7).asnumpy(), RTOL, ATOL)


@needs_onnx
def test_convnet_matches_onnxruntime(tmp_path):
    net = _convnet()
    x = mx.nd.random.uniform(shape=(2, 3, 10, 10))
    net.hybridize()
    for _ in range(3):  # non-trivial BatchNorm running statistics
        with mx.autograd.record():
            net(x).sum().backward()
    assert abs(net[1].running_mean.data().asnumpy()).sum() > 0
    ref = net(x).asnumpy()
    path = export_onnx(net, str(tmp_path / "conv.onnx"), x, opset_version=13)
    (out,) = _run(path, {"data": x.asnumpy()})
    np.testing.assert_allclose(out, ref, RTOL, ATOL)


@needs_onnx
def test_deferred_block_and_torch_child_export(tmp_path):
    net = nn.HybridSequential()
    net.add(interop.from_torch_module(torch.nn.Linear(4, 6)), nn.Dense(2))
    net.initialize()  # Dense in_units still unknown: export's forward infers it
    x = mx.nd.random.uniform(shape=(3, 4))
    path = export_onnx(net, str(tmp_path / "t.onnx"), [x])
    (out,) = _run(path, {"data": x.asnumpy()})
    np.testing.assert_allclose(out, net(x).asnumpy(), RTOL, ATOL)


@needs_onnx
def test_plain_block_and_two_inputs(tmp_path):
    class Add(mx.gluon.Block):
        def __init__(self):
            super().__init__()
            self.d = nn.Dense(3, in_units=4)

        def forward(self, a, b):
            return self.d(a) + b

    class HAdd(nn.HybridBlock):
        def __init__(self):
            super().__init__()
            self.d = nn.Dense(3, in_units=4)

        def hybrid_forward(self, F, a, b):
            return self.d(a) * b

    a = mx.nd.random.uniform(shape=(2, 4))
    b = mx.nd.random.uniform(shape=(2, 3))
    for blk, names in ((Add(), ["a", "b"]), (HAdd(), None), (Add(), None)):
        blk.initialize()
        path = export_onnx(blk, str(tmp_path / "two.onnx"), (a, b), input_names=names)
        keys = names or ["data0", "data1"]
        feeds = dict(zip(keys, [a.asnumpy(), b.asnumpy()], strict=True))
        (out,) = _run(path, feeds)
        np.testing.assert_allclose(out, blk(a, b).asnumpy(), RTOL, ATOL)


@needs_onnx
def test_export_model_from_symbol_files(tmp_path):
    net = _convnet()
    x = mx.nd.random.uniform(shape=(1, 3, 10, 10))
    net.hybridize()
    ref = net(x).asnumpy()
    prefix = str(tmp_path / "cnet")
    net.export(prefix)
    path = export_model(
        prefix + "-symbol.json",
        prefix + "-0000.params",
        [(1, 3, 10, 10)],
        np.float32,
        onnx_file_path=str(tmp_path / "cnet.onnx"),
    )
    (out,) = _run(path, {"data": x.asnumpy()})
    np.testing.assert_allclose(out, ref, RTOL, ATOL)
    with pytest.raises(ValueError, match="in_shapes"):
        export_model(prefix + "-symbol.json", prefix + "-0000.params", [])


@needs_onnx
def test_dynamic_axes_through_shape_arithmetic_is_explained(tmp_path):
    net = _convnet()
    x = mx.nd.random.uniform(shape=(2, 3, 10, 10))
    with (
        pytest.warns(torch.jit.TracerWarning),
        pytest.raises(MXNetError, match="dynamic_axes=None"),
    ):
        export_onnx(
            net, str(tmp_path / "d.onnx"), x, dynamic_axes={"data": {0: "batch"}}
        )


def test_missing_onnx_package_is_a_clear_error(tmp_path, monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        return None if name == "onnx" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(MXNetError, match="pip install onnx"):
        export_onnx(_mlp(), str(tmp_path / "m.onnx"), mx.nd.ones((2, 5)))
    assert not (tmp_path / "m.onnx").exists()
