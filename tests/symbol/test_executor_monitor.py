"""Executor.set_monitor_callback / debug_str / get_optimized_symbol."""

from __future__ import annotations

import numpy as np

import neogluon as mx
from neogluon.base import py_str


def _exe():
    x = mx.sym.var("x")
    s = mx.sym.relu(mx.sym.FullyConnected(x, num_hidden=2, name="fc"), name="r")
    return s, s.simple_bind(mx.cpu(), x=(2, 3))


def test_monitor_reports_operator_values_and_keeps_gradients():
    s, ex = _exe()
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 3)))
    ex.arg_dict["fc_weight"][:] = mx.nd.array(
        np.random.RandomState(1).uniform(-1, 1, (2, 3))
    )
    ex.forward(is_train=True, x=x)
    ex.backward(mx.nd.ones((2, 2)))
    want_out = ex.outputs[0].asnumpy()
    want_grad = ex.grad_dict["fc_weight"].asnumpy()
    seen = {}
    ex.set_monitor_callback(
        lambda n, h: seen.setdefault(py_str(n), mx.nd.NDArray(h).asnumpy()), True
    )
    ex.forward(is_train=True, x=x)
    ex.backward(mx.nd.ones((2, 2)))
    assert list(seen) == [
        "x",
        "fc_data",
        "fc_weight",
        "fc_bias",
        "fc_output",
        "r_input0",
        "r_output",
        # backward, in backward order: each operator's input gradients
        "r_backward_output",
        "fc_backward_output0",
        "fc_backward_output1",
        "fc_backward_output2",
    ]
    np.testing.assert_allclose(seen["r_output"], want_out)
    np.testing.assert_allclose(seen["fc_backward_output1"], want_grad)
    np.testing.assert_allclose(seen["r_backward_output"], (want_out > 0) * 1.0)
    # x is bound with a gradient buffer: its gradient through fc is computed
    np.testing.assert_allclose(
        seen["fc_backward_output0"], seen["r_backward_output"] @ seen["fc_weight"]
    )
    np.testing.assert_allclose(seen["fc_data"], x.asnumpy())
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), want_out)
    np.testing.assert_allclose(ex.grad_dict["fc_weight"].asnumpy(), want_grad)
    seen.clear()
    ex.set_monitor_callback(lambda n, a: seen.setdefault(py_str(n), a))
    ex.forward(x=x)
    assert list(seen) == ["fc_output", "r_output"]
    ex.set_monitor_callback(None)
    seen.clear()
    ex.forward(x=x)
    assert not seen


def test_debug_str_and_optimized_symbol():
    s, ex = _exe()
    assert ex.debug_str() == s.debug_str()
    assert "Op:FullyConnected, Name=fc" in ex.debug_str()
    opt = ex.get_optimized_symbol()
    assert opt.tojson() == s.tojson()
    assert opt.list_arguments() == ["x", "fc_weight", "fc_bias"]
