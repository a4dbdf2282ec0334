"""``Block.save`` / ``Block.load`` and ``register_op_hook`` (MXNet 1.9.1 semantics).

The op-hook names are those MXNet 1.9.1's test_op_hook_output_names expects
(and, for input naming, what MXNet's monitor reports per operator).
"""

from __future__ import annotations

import ctypes
import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import NDArrayHandle
from neogluon.base import py_str
from neogluon.gluon import nn


def _net():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu"))
        net.add(nn.BatchNorm())
        net.add(nn.Dense(2))
    return net


def test_save_load_roundtrip(tmp_path):
    net = _net()
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (3, 5)))
    y = net(x)
    net.save(str(tmp_path / "m"))
    model = json.loads((tmp_path / "m-model.json").read_text())
    (top_key,) = model
    assert top_key == "hybridsequential0"
    top = model[top_key]
    assert top["orig_name"] == net.name
    assert top["hybridized"] is False
    assert list(top["children"].values()) == ["0", "1", "2"]
    # depth-first numbering: dense1 owns its activation (activation2)
    assert ["dense1", "batchnorm3", "dense4"] == [k for k in top if k[-1].isdigit()]
    assert "activation2" in top["dense1"]
    # a second, identically built model gets other auto names; load renames
    other = _net()
    assert other.name != net.name
    other.load(str(tmp_path / "m"))
    assert other.name == net.name
    assert [c.name for c in other._children.values()] == [
        c.name for c in net._children.values()
    ]
    assert sorted(other.params.keys()) == sorted(net.params.keys())
    child = next(iter(other._children.values()))
    assert all(k.startswith(child.name + "_") for k in child.params.keys())
    np.testing.assert_allclose(other(x).asnumpy(), y.asnumpy(), rtol=1e-6)


def test_save_load_hybridized(tmp_path):
    net = _net()
    net.initialize()
    net.hybridize()
    x = mx.nd.ones((2, 5))
    y = net(x)
    net.save(str(tmp_path / "h"))
    top = next(iter(json.loads((tmp_path / "h-model.json").read_text()).values()))
    assert top["hybridized"] is True
    assert "FullyConnected" in top["symbol"]
    other = _net()
    other.load(str(tmp_path / "h"))
    assert other._active
    np.testing.assert_allclose(other(x).asnumpy(), y.asnumpy(), rtol=1e-6)


def test_load_mismatched_structure(tmp_path):
    net = _net()
    net.initialize()
    net(mx.nd.ones((1, 5)))
    net.save(str(tmp_path / "m"))
    wrong = nn.HybridSequential()
    wrong.add(nn.BatchNorm())
    with pytest.raises(ValueError, match="built by the same code"):
        wrong.load(str(tmp_path / "m"))


def _hook_names(model, x, monitor_all=False):
    names, ops, arrays = [], [], []

    def cb(node_name, opr_name, handle):
        # MXNet's protocol: bytes names and an NDArrayHandle, wrapped in the callback
        assert isinstance(node_name, bytes) and isinstance(opr_name, bytes)
        names.append(py_str(node_name))
        ops.append(py_str(opr_name))
        arr = mx.nd.NDArray(ctypes.cast(handle, NDArrayHandle), writable=False)
        arrays.append(arr.copy())

    model.register_op_hook(cb, monitor_all)
    out = model(x)
    return names, ops, arrays, out


def test_op_hook_names_as_mxnet():
    x = mx.nd.ones((2, 3, 4))
    model = nn.HybridSequential(prefix="dense_")
    with model.name_scope():
        model.add(nn.Dense(2))
    model.initialize()
    model.hybridize()
    names, _, _, _ = _hook_names(model, x)
    assert names == ["dense_dense0_fwd_output"]

    model = nn.HybridSequential(prefix="pool_")
    with model.name_scope():
        model.add(nn.AvgPool1D())
    model.initialize()
    model.hybridize()
    names, ops, _, _ = _hook_names(model, x, monitor_all=True)
    assert names == ["pool_pool0_fwd_data", "pool_pool0_fwd_output"]
    assert ops == ["Pooling", "Pooling"]

    model = nn.HybridSequential(prefix="dense_")
    with model.name_scope():
        model.add(nn.Dense(2))
        model.add(nn.Activation("relu"))
    model.initialize()
    for kwargs in ({}, {"static_alloc": True}):
        model.hybridize(**kwargs)
        names, _, arrays, out = _hook_names(model, x, monitor_all=True)
        assert names == [
            "dense_dense0_fwd_data",
            "dense_dense0_fwd_weight",
            "dense_dense0_fwd_bias",
            "dense_dense0_fwd_output",
            "dense_relu0_fwd_input0",
            "dense_relu0_fwd_output",
        ]
        # the reported arrays are the values flowing through the graph
        np.testing.assert_allclose(arrays[-1].asnumpy(), out.asnumpy())
        np.testing.assert_allclose(arrays[0].asnumpy(), x.asnumpy())


def test_op_hook_keeps_values_and_gradients():
    net = _net()
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, (4, 5)))
    net.hybridize()
    with mx.autograd.record():
        ref = net(x)
    ref.backward()
    g_ref = {
        k: p.grad().copy()
        for k, p in net.collect_params().items()
        if p.grad_req != "null"
    }
    seen = []
    net.register_op_hook(lambda n, o, a: seen.append(py_str(o)))
    with mx.autograd.record():
        y = net(x)
    y.backward()
    assert "FullyConnected" in seen and "BatchNorm" in seen
    for k, g in g_ref.items():
        np.testing.assert_allclose(
            net.collect_params()[k].grad().asnumpy(), g.asnumpy(), rtol=1e-5, atol=1e-6
        )


def test_op_hook_not_called_eagerly():
    net = nn.Dense(2, in_units=3)
    net.initialize()
    seen = []
    net.register_op_hook(lambda *a: seen.append(a))
    net(mx.nd.ones((1, 3)))
    assert seen == []
