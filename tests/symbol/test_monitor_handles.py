"""Monitor callbacks follow MXNet 1.9.1's protocol: ``(name: bytes, handle)``
for executors, ``(name, op_name, handle)`` for ``register_op_hook``, where the
handle is an NDArrayHandle value (an int, as ctypes hands a ``c_void_p``
callback argument over in MXNet) that ``NDArray(handle)`` turns into the array.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.base import NDArrayHandle
from neogluon.base import py_str
from neogluon.gluon import nn


def _fc_exe(x_val: float = 1.5):
    x = mx.sym.Variable("x")
    sym = mx.sym.relu(mx.sym.FullyConnected(x, num_hidden=2, name="fc"), name="r")
    exe = sym.simple_bind(mx.cpu(), grad_req="null", x=(2, 3))
    exe.arg_dict["x"][:] = x_val
    exe.arg_dict["fc_weight"][:] = mx.nd.array([[1, 2, 3], [-1, -2, -3]])
    exe.arg_dict["fc_bias"][:] = mx.nd.array([0.5, -0.5])
    return exe


def test_executor_callback_gets_bytes_and_handle():
    exe = _fc_exe()
    got = {}

    def cb(name, handle):
        assert isinstance(name, bytes)
        assert isinstance(handle, int) and handle != 0
        # the two ways MXNet code wraps the handle
        a = mx.nd.NDArray(handle)
        b = mx.nd.NDArray(ctypes.cast(handle, NDArrayHandle), writable=False)
        assert isinstance(a, mx.nd.NDArray) and isinstance(b, mx.nd.NDArray)
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
        got[py_str(name)] = b.asnumpy().copy()

    exe.set_monitor_callback(cb, True)
    exe.forward()
    assert list(got) == ["x", "fc_data", "fc_weight", "fc_bias", "fc_output"] + [
        "r_input0",
        "r_output",
    ]
    np.testing.assert_array_equal(got["x"], np.full((2, 3), 1.5, np.float32))
    np.testing.assert_allclose(got["fc_output"], [[9.5, -9.5], [9.5, -9.5]])
    np.testing.assert_allclose(got["r_output"], exe.outputs[0].asnumpy())


def test_wrapped_handles_share_the_live_array():
    exe = _fc_exe()
    seen = []

    def cb(name, handle):
        if py_str(name) != "fc_data":
            return
        a = mx.nd.NDArray(handle)
        b = mx.nd.NDArray(ctypes.c_void_p(handle))
        a[0, 0] = 42.0  # one wrap writes, the other (same data) sees it
        seen.append(b[0, 0].asscalar())

    exe.set_monitor_callback(cb, True)
    exe.forward()
    assert seen == [42.0]


def test_handle_is_stale_after_the_callback():
    exe = _fc_exe()
    handles = []
    exe.set_monitor_callback(lambda _n, h: handles.append(h))
    exe.forward()
    assert len(handles) == 2 and len(set(handles)) == 2
    for h in handles:
        with pytest.raises(MXNetError, match="names no live array"):
            mx.nd.NDArray(h)
    # a second run never hands out an earlier handle again
    later = []
    exe.set_monitor_callback(lambda _n, h: later.append(h))
    exe.forward()
    assert not set(later) & set(handles)


def test_unknown_or_bad_handles_raise():
    with pytest.raises(MXNetError, match="handle 12345 names no live array"):
        mx.nd.NDArray(12345)
    with pytest.raises(MXNetError, match="names no live array"):
        mx.nd.NDArray(ctypes.c_void_p(None))
    with pytest.raises(MXNetError, match="names no live array"):
        mx.nd.NDArray(ctypes.cast(99, NDArrayHandle), writable=False)
    with pytest.raises(TypeError, match="wraps a torch.Tensor"):
        mx.nd.NDArray([1, 2])
    with pytest.raises(TypeError, match="wraps a torch.Tensor"):
        mx.nd.NDArray(True)


def test_callbacks_in_threads_get_their_own_arrays():
    errors = []

    def work(val: float):
        try:
            exe = _fc_exe(val)
            got = []

            def cb(name, handle):
                if py_str(name) == "x":
                    got.append(float(mx.nd.NDArray(handle).asnumpy()[0, 0]))

            exe.set_monitor_callback(cb, True)
            for _ in range(20):
                exe.forward()
            assert got == [val] * 20
        except Exception as err:  # noqa: BLE001 - reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=work, args=(float(i),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_op_hook_passes_handles():
    net = nn.HybridSequential(prefix="m_")
    with net.name_scope():
        net.add(nn.Dense(2, in_units=3))
        net.add(nn.Activation("relu"))
    net.initialize()
    net.hybridize()
    x = mx.nd.ones((1, 3))
    got = []

    def cb(node, op, handle):
        assert isinstance(node, bytes) and isinstance(op, bytes)
        assert isinstance(handle, int)
        got.append((py_str(node), mx.nd.NDArray(handle).asnumpy().copy()))

    net.register_op_hook(cb, False)
    out = net(x)
    assert [n for n, _ in got] == ["m_dense0_fwd_output", "m_relu0_fwd_output"]
    np.testing.assert_allclose(got[-1][1], out.asnumpy())


def test_monitor_with_variable_input_shape_as_mxnet_writes_it():
    ns: dict = {}
    exec("from neogluon.operator import *", ns)  # noqa: S102 - the star import
    for name in ("ctypes", "NDArrayHandle", "NDArray", "py_str", "c_void_p", "cast"):
        assert name in ns, name
    assert ns["NDArray"] is mx.nd.NDArray and ns["NDArrayHandle"] is ctypes.c_void_p
    output = {}

    def cb(name, arr):
        name = ns["py_str"](name)
        handle = ns["ctypes"].cast(arr, ns["NDArrayHandle"])
        arr = ns["NDArray"](handle, writable=False)
        output[name] = mx.nd.min(arr).asscalar()

    sym = mx.sym.Convolution(
        mx.sym.Variable("data"), kernel=(1, 1), num_filter=1, name="conv"
    )
    mod = mx.mod.Module(symbol=sym, label_names=None)
    mod.bind(for_training=False, data_shapes=[("data", (1, 3, 10, 10))])
    mod.init_params()
    mod._exec_group.execs[0].set_monitor_callback(cb, monitor_all=True)
    data = mx.nd.random.uniform(shape=(1, 3, 10, 14))
    mod.predict(mx.io.NDArrayIter(data=data, batch_size=1))
    assert set(output) == {
        "data",
        "conv_data",
        "conv_weight",
        "conv_bias",
        "conv_output",
    }
    assert output["data"] == pytest.approx(float(data.min().asscalar()))
