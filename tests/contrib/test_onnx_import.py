"""mx.contrib.onnx import: ONNX models built with onnx.helper, checked against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto  # noqa: E402
from onnx import helper  # noqa: E402
from onnx import numpy_helper  # noqa: E402

RNG = np.random.RandomState(0)


def _init(name, shape, positive=False):
    v = RNG.uniform(-1, 1, shape).astype("float32")
    if positive:
        v = np.abs(v) + 0.5
    return numpy_helper.from_array(v, name)


def _save(tmp_path, nodes, inits, in_shape, out_shape, opset=13):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, out_shape)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = str(tmp_path / "m.onnx")
    onnx.save(model, path)
    return path


def _ort(path, x):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {"data": x})[0]


def _cnn(tmp_path):
    nodes = [
        helper.make_node(
            "Conv", ["data", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]
        ),
        helper.make_node(
            "BatchNormalization", ["c1", "g", "be", "mu", "var"], ["bn"], epsilon=1e-3
        ),
        helper.make_node("Relu", ["bn"], ["r"]),
        helper.make_node(
            "MaxPool",
            ["r"],
            ["p"],
            kernel_shape=[2, 2],
            strides=[2, 2],
            pads=[0, 0, 1, 1],
        ),
        helper.make_node(
            "Conv", ["p", "w2"], ["c2"], kernel_shape=[3, 3], strides=[2, 2]
        ),
        helper.make_node(
            "AveragePool", ["c2"], ["ap"], kernel_shape=[2, 2], ceil_mode=1
        ),
        helper.make_node("GlobalAveragePool", ["c2"], ["gp"]),
        helper.make_node("Flatten", ["gp"], ["f"]),
        helper.make_node("Reshape", ["ap", "shape"], ["ra"]),
        helper.make_node("Concat", ["f", "ra"], ["cat"], axis=1),
        helper.make_node(
            "Gemm", ["cat", "wd", "bd"], ["fc"], transB=1, alpha=0.5, beta=2.0
        ),
        helper.make_node("Sigmoid", ["fc"], ["s"]),
        helper.make_node("Unsqueeze", ["s", "axes"], ["u"]),
        helper.make_node("Mul", ["u", "scale"], ["m"]),
        helper.make_node("Squeeze", ["m", "axes"], ["sq"]),
        helper.make_node("MatMul", ["sq", "wm"], ["mm"]),
        helper.make_node("Clip", ["mm", "lo", "hi"], ["cl"]),
        helper.make_node("Softmax", ["cl"], ["out"], axis=-1),
    ]
    inits = [
        _init("w1", (4, 3, 3, 3)),
        _init("b1", (4,)),
        _init("g", (4,)),
        _init("be", (4,)),
        _init("mu", (4,)),
        _init("var", (4,), positive=True),
        _init("w2", (6, 4, 3, 3)),
        numpy_helper.from_array(np.array([0, -1], dtype="int64"), "shape"),
        _init("wd", (5, 6 + 6)),
        _init("bd", (5,)),
        numpy_helper.from_array(np.array([1], dtype="int64"), "axes"),
        _init("scale", (1, 1, 5)),
        _init("wm", (5, 3)),
        numpy_helper.from_array(np.array(-0.3, dtype="float32"), "lo"),
        numpy_helper.from_array(np.array(0.4, dtype="float32"), "hi"),
    ]
    return _save(tmp_path, nodes, inits, [2, 3, 9, 9], [2, 3])


def test_import_model_matches_onnxruntime(tmp_path):
    path = _cnn(tmp_path)
    x = RNG.uniform(-1, 1, (2, 3, 9, 9)).astype("float32")
    ref = _ort(path, x)
    sym, args, auxs = mx.contrib.onnx.onnx2mx.import_model.import_model(path)
    assert set(auxs) == {"mu", "var"}
    assert {"w1", "b1", "w2", "wd", "bd", "scale", "wm"} <= set(args)
    assert sym.list_arguments()[0] == "data"
    exe = sym.bind(
        mx.cpu(), {"data": mx.nd.array(x), **args}, aux_states=auxs, grad_req="null"
    )
    out = exe.forward(is_train=False)[0]
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-4, atol=1e-5)


def test_import_to_gluon_and_metadata(tmp_path):
    path = _cnn(tmp_path)
    x = RNG.uniform(-1, 1, (2, 3, 9, 9)).astype("float32")
    meta = mx.contrib.onnx.onnx2mx.import_model.get_model_metadata(path)
    assert meta == {
        "input_tensor_data": [("data", (2, 3, 9, 9))],
        "output_tensor_data": [("out", (2, 3))],
    }
    net = mx.contrib.onnx.onnx2mx.import_to_gluon.import_to_gluon(path, mx.cpu())
    np.testing.assert_allclose(
        net(mx.nd.array(x)).asnumpy(), _ort(path, x), rtol=1e-4, atol=1e-5
    )
    net.hybridize()
    np.testing.assert_allclose(
        net(mx.nd.array(x)).asnumpy(), _ort(path, x), rtol=1e-4, atol=1e-5
    )


def test_roundtrip_with_neogluon_export(tmp_path):
    net = mx.gluon.nn.HybridSequential()
    net.add(
        mx.gluon.nn.Conv2D(4, 3, padding=1, activation="relu"),
        mx.gluon.nn.MaxPool2D(2),
        mx.gluon.nn.Flatten(),
        mx.gluon.nn.Dense(5, activation="tanh"),
        mx.gluon.nn.Dense(3),
    )
    net.initialize(mx.init.Xavier())
    x = mx.nd.random.uniform(shape=(2, 3, 8, 8))
    y = net(x)
    path = str(tmp_path / "n.onnx")
    mx.onnx.export_onnx(net, path, x)
    back = mx.contrib.onnx.onnx2mx.import_to_gluon.import_to_gluon(path)
    np.testing.assert_allclose(back(x).asnumpy(), y.asnumpy(), rtol=1e-5, atol=1e-6)


def test_unsupported_op_is_named(tmp_path):
    nodes = [helper.make_node("Hardmax", ["data"], ["out"])]
    path = _save(tmp_path, nodes, [], [2, 3], [2, 3])
    with pytest.raises(mx.base.MXNetError, match="'Hardmax'.*Supported: Abs"):
        mx.contrib.onnx.onnx2mx.import_model.import_model(path)
    nodes = [
        helper.make_node("Shape", ["data"], ["s"]),
        helper.make_node("Reshape", ["data", "s"], ["out"]),
    ]
    path = _save(tmp_path, nodes, [], [2, 3], [2, 3])
    with pytest.raises(mx.base.MXNetError, match="'Shape'"):
        mx.contrib.onnx.onnx2mx.import_model.import_model(path)


def test_contrib_onnx_entry_points_warn_and_forward(tmp_path):
    path = _cnn(tmp_path)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        meta = mx.contrib.onnx.get_model_metadata(path)
    assert meta["output_tensor_data"] == [("out", (2, 3))]
    with pytest.warns(DeprecationWarning):
        sym, args, auxs = mx.contrib.onnx.import_model(path)
    assert set(auxs) == {"mu", "var"}
    with pytest.warns(DeprecationWarning):
        net = mx.contrib.onnx.import_to_gluon(path, mx.cpu())
    assert isinstance(net, mx.gluon.SymbolBlock)
