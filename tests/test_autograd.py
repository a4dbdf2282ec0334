"""mx.autograd against MXNet 1.9.1 fixtures (tools/fixtures/autograd.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon import autograd as ag
from neogluon import nd
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

FACTS = json.loads((FIXTURES / "autograd" / "facts.json").read_text())
G = load_fixture("autograd", "grads")
TOL = {"rtol": 1e-5, "atol": 1e-6}


def _flags():
    return [ag.is_recording(), ag.is_training()]


def test_scope_flags_match_mxnet():
    assert _flags() == FACTS["outside"]
    with ag.record():
        assert _flags() == FACTS["record"]
        with ag.pause():
            assert _flags() == FACTS["record_pause"]
        with ag.predict_mode():
            assert _flags() == FACTS["record_predict"]
    with ag.record(train_mode=False):
        assert _flags() == FACTS["record_eval"]
    with ag.train_mode():
        assert _flags() == FACTS["train_mode"]
    with ag.pause(train_mode=True):
        assert _flags() == FACTS["pause_train"]
    assert _flags() == FACTS["outside"]


def test_set_recording_and_training_return_previous():
    assert ag.set_recording(True) is False
    assert ag.set_recording(False) is True
    assert ag.set_training(True) is False
    assert ag.set_training(False) is True


def test_grad_req_write_and_add():
    for req, key in (("add", "add_grad"), ("write", "write_grad")):
        x = nd.array(G["x"])
        x.attach_grad(grad_req=req)
        for _ in range(2):
            with ag.record():
                y = (x * x).sum()
            y.backward()
        np.testing.assert_allclose(x.grad.asnumpy(), G[key], **TOL)


def test_grad_req_null_leaves_no_gradient():
    x = nd.array(G["x"])
    x.attach_grad(grad_req="null")
    w = nd.array(G["x"])
    w.attach_grad()
    with ag.record():
        y = (x * w).sum()
    np.testing.assert_allclose(x.grad.asnumpy(), np.zeros_like(G["x"]))
    y.backward(retain_graph=True)  # a retained graph keeps the zero buffer
    np.testing.assert_allclose(x.grad.asnumpy(), np.zeros_like(G["x"]))
    np.testing.assert_allclose(w.grad.asnumpy(), G["x"], **TOL)
    y.backward()
    # MXNet 1.9.1 drops the buffer of a 'null' variable the freed graph used
    assert x.grad is None
    np.testing.assert_allclose(w.grad.asnumpy(), G["x"], **TOL)
    unused = nd.array(G["x"])
    unused.attach_grad(grad_req="null")
    with ag.record():
        (w * 2).sum().backward()
    np.testing.assert_allclose(unused.grad.asnumpy(), np.zeros_like(G["x"]))


def test_grad_req_null_only_graph_raises():
    x = nd.array(G["x"])
    x.attach_grad(grad_req="null")
    with ag.record():
        y = (x * 2).sum()
    with pytest.raises(MXNetError, match="grad_req='null'"):
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), np.zeros_like(G["x"]))


def test_head_gradients_and_implicit_ones():
    x = nd.array(G["x"])
    x.attach_grad()
    with ag.record():
        z = nd.exp(x) * x
    z.backward(nd.array(G["head"]))
    np.testing.assert_allclose(x.grad.asnumpy(), G["head_grad"], rtol=1e-5, atol=1e-5)
    x4 = nd.array(G["x"])
    x4.attach_grad()
    with ag.record():
        z = nd.tanh(x4)
    z.backward()
    np.testing.assert_allclose(x4.grad.asnumpy(), G["ones_grad"], **TOL)


def test_grad_with_create_graph_second_order():
    x = nd.array(G["x"])
    x.attach_grad()
    with ag.record():
        y = nd.sin(x)
        g = ag.grad(y, x, create_graph=True)
        assert type(g).__name__ == FACTS["grad_returns"] == "list"
        g = g[0]
    g.backward()
    np.testing.assert_allclose(g.asnumpy(), G["first"], **TOL)
    np.testing.assert_allclose(x.grad.asnumpy(), G["second"], **TOL)


def test_grad_does_not_touch_grad_buffers():
    x = nd.array(G["x"])
    x.attach_grad()
    with ag.record():
        y = (x * 3).sum()
    (gx,) = ag.grad(y, [x])
    np.testing.assert_allclose(gx.asnumpy(), np.full_like(G["x"], 3))
    np.testing.assert_allclose(x.grad.asnumpy(), np.zeros_like(G["x"]))


def test_second_backward_without_retain_graph_raises():
    assert FACTS["second_backward"] == "MXNetError"
    x = nd.array(G["x"])
    x.attach_grad()
    with ag.record():
        y = (x * 2).sum()
    y.backward()
    with pytest.raises(mx.MXNetError, match="retain_graph=True"):
        y.backward()
    with ag.record():
        y = (x * 2).sum()
    y.backward(retain_graph=True)
    y.backward()  # allowed after retain_graph


def test_nothing_recorded_outside_record():
    assert FACTS["outside_backward"] == "MXNetError"
    w = nd.array(G["x"])
    w.attach_grad()
    out = w * 2
    assert not out.to_torch().requires_grad
    with pytest.raises(mx.MXNetError, match="autograd.record"):
        out.backward()


def test_pause_inside_record_stops_recording():
    w = nd.array(G["x"])
    w.attach_grad()
    with ag.record():
        with ag.pause():
            p = w * 2
        r = w * 2
    assert not p.to_torch().requires_grad
    assert r.to_torch().requires_grad


def test_custom_function_uses_user_backward():
    class Sigmoid(ag.Function):
        def forward(self, v):
            out = 1 / (1 + nd.exp(-v))
            self.save_for_backward(out)
            return out

        def backward(self, dy):
            (out,) = self.saved_tensors
            return dy * out * (1 - out) * 3  # deliberately not the true gradient

    x = nd.array(G["x"])
    x.attach_grad()
    with ag.record():
        s = Sigmoid()(x)
    s.backward(nd.array(G["head"]))
    np.testing.assert_allclose(s.asnumpy(), G["func_out"], **TOL)
    np.testing.assert_allclose(x.grad.asnumpy(), G["func_grad"], **TOL)


def test_function_instance_is_single_use():
    class Double(ag.Function):
        def forward(self, v):
            return v * 2

        def backward(self, dy):
            return dy * 2

    f = Double()
    x = nd.ones((2,))
    x.attach_grad()
    with ag.record():
        f(x)
        with pytest.raises(mx.MXNetError, match="only be called once"):
            f(x)


def test_mark_variables_with_given_buffers():
    x = nd.array(G["x"])
    gbuf = nd.ones(x.shape)
    ag.mark_variables([x], [gbuf], grad_reqs="add")
    with ag.record():
        y = (x * 2).sum()
    y.backward()
    np.testing.assert_allclose(gbuf.asnumpy(), np.full_like(G["x"], 3.0))
    assert x.grad is gbuf


def test_mark_variables_length_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="2 variables, 1 gradients"):
        ag.mark_variables([nd.ones(1), nd.ones(1)], [nd.ones(1)])


def test_dropout_follows_training_flag_not_recording():
    ones = nd.ones((1000,))
    with ag.record(train_mode=False):
        zeros = int((nd.Dropout(ones, p=0.5) == 0).sum().asscalar())
    assert zeros == FACTS["dropout_record_eval_zeros"] == 0
    with ag.train_mode():
        has = bool((nd.Dropout(ones, p=0.5) == 0).sum().asscalar() > 0)
    assert has is FACTS["dropout_train_mode_has_zeros"] is True


def test_torch_grad_mode_restored_after_scopes():
    assert torch.is_grad_enabled()
    with ag.record():
        assert torch.is_grad_enabled()
        with ag.pause():
            assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


@pytest.mark.parametrize(
    "fn",
    [
        mx.nd.radians,
        mx.nd.abs,
        lambda x: mx.nd.clip(x, -0.5, 0.5),
        lambda x: mx.nd.Dropout(x, p=0.0),
    ],
    ids=["radians", "abs", "clip", "dropout"],
)
def test_second_order_of_piecewise_linear_ops_is_zero(fn):
    # MXNet's test_higher_order_grad: differentiating a recorded gradient that
    # no longer depends on x gives zeros (not "not in a graph", not torch's
    # lazy ZeroTensor that asnumpy cannot read).
    x = mx.nd.array([0.3, -0.7, 0.2])
    x.attach_grad()
    with ag.record():
        y = fn(x)
        g = ag.grad(y, x, head_grads=mx.nd.ones(3), create_graph=True)[0]
        g2 = ag.grad(g, x, head_grads=mx.nd.ones(3), create_graph=True)[0]
    assert g2.asnumpy().tolist() == [0.0, 0.0, 0.0]
    g2.backward()  # still part of the graph
    assert x.grad.asnumpy().tolist() == [0.0, 0.0, 0.0]


def test_arcsinh_second_derivative_is_the_true_one():
    # MXNet 1.9.1 returns +x/(1+x^2)^1.5 (wrong sign; its test encodes it).
    x = mx.nd.array([0.5, 1.0])
    x.attach_grad()
    with ag.record():
        g = ag.grad(mx.nd.arcsinh(x), x, create_graph=True)[0]
    g.backward()
    xs = np.array([0.5, 1.0])
    np.testing.assert_allclose(x.grad.asnumpy(), -xs / (1 + xs**2) ** 1.5, rtol=1e-5)


def test_integer_variable_gradient_through_topk():
    # MXNet 1.9.1: [0 0 0 0 0 0 0 2 2 2], int32 (an integer variable's
    # gradient, recorded through its float shadow).
    a = mx.nd.arange(0, 10, dtype="int32")
    a.attach_grad()
    with ag.record():
        b = mx.nd.topk(a, k=3, ret_typ="value")
    b.backward(mx.nd.ones((3,), dtype="int32") * 2)
    assert a.grad.dtype == np.int32
    assert a.grad.asnumpy().tolist() == [0] * 7 + [2] * 3


def test_graph_of_a_gradient_freed_leaves_the_forward_graph_usable():
    # MXNet's test_higher_order_grad dense cases: a second-order gradient taken
    # without retain_graph frees the gradient's graph, not the forward graph
    # that shares the weight's transpose (F.linear records w.t()).
    from neogluon import gluon

    x = nd.array(np.arange(12, dtype="float32").reshape(4, 3) / 10)
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize(mx.init.Constant(0.5))
    x.attach_grad()
    with ag.record():
        y = net(x)
        o_y = nd.ones_like(y)
        w = net.weight.data()
        x_grad = ag.grad(y, x, o_y, create_graph=True, retain_graph=True)[0]
        ag.grad(x_grad, w, nd.ones_like(x_grad), create_graph=False)
        w_grad = ag.grad(y, w, o_y, create_graph=True, retain_graph=True)[0]
    np.testing.assert_allclose(
        w_grad.asnumpy(), o_y.asnumpy().T @ x.asnumpy(), rtol=1e-6
    )
    np.testing.assert_allclose(x_grad.asnumpy(), o_y.asnumpy() @ w.asnumpy())
