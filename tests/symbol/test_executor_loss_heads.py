"""Bound executors compute a ``SoftmaxOutput`` output's gradient themselves (a
*loss head*, ``symbol/executor.py: _LossHeads``) instead of through the
operator's autograd function: the same outputs and gradients as the
recorded eager operator, for every attribute combination, with the head
gradient ignored, the label read at backward time, and the general path
kept where the head is not a plain graph output."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.symbol import executor as ex_mod

ATTRS = [
    {},
    {"grad_scale": 0.5},
    {"normalization": "batch"},
    {"normalization": "valid", "use_ignore": True, "ignore_label": 2},
    {"use_ignore": True, "ignore_label": 1},
    {"smooth_alpha": 0.1},
    {"out_grad": True, "grad_scale": 2.0},
    {"preserve_shape": True},
    {"multi_output": True},
    {"multi_output": True, "normalization": "valid"},
]


def _inputs(attrs, rng):
    if attrs.get("multi_output"):
        x = rng.randn(3, 4, 5).astype(np.float32)
        label = rng.randint(0, 4, size=(3, 5)).astype(np.float32)
    elif attrs.get("preserve_shape"):
        x = rng.randn(3, 2, 4).astype(np.float32)
        label = rng.randint(0, 4, size=(3, 2)).astype(np.float32)
    else:
        x = rng.randn(6, 4).astype(np.float32)
        label = rng.randint(0, 4, size=(6,)).astype(np.float32)
    return x, label


def _eager(x, label, attrs):
    """The recorded eager operator: output and the gradient of ``x``."""
    xa = mx.nd.array(x)
    xa.attach_grad()
    with mx.autograd.record():
        out = mx.nd.SoftmaxOutput(xa * 1.0, mx.nd.array(label), **attrs)
    out.backward()
    return out.asnumpy(), xa.grad.asnumpy()


def _bound(x, label, attrs, **bind):
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(data * 1.0, name="sm", **attrs)
    exe = net.simple_bind(mx.cpu(), data=x.shape, sm_label=label.shape, **bind)
    exe.arg_dict["data"][:] = x
    exe.arg_dict["sm_label"][:] = label
    return exe


@pytest.mark.parametrize("attrs", ATTRS, ids=lambda a: ",".join(a) or "default")
def test_loss_head_matches_the_recorded_operator(attrs):
    rng = np.random.RandomState(0)
    x, label = _inputs(attrs, rng)
    want_out, want_grad = _eager(x, label, attrs)
    exe = _bound(x, label, attrs)
    assert exe._heads is not None  # the loss-head path runs
    out = exe.forward(is_train=True)[0].asnumpy()
    exe.backward()
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(exe.grad_dict["data"].asnumpy(), want_grad)
    # The label gets no gradient (zeros with grad_req 'write').
    assert not exe.grad_dict["sm_label"].asnumpy().any()


def test_head_gradient_is_ignored_but_its_shape_checked():
    rng = np.random.RandomState(1)
    x, label = _inputs({}, rng)
    exe = _bound(x, label, {})
    exe.forward(is_train=True)
    exe.backward()
    want = exe.grad_dict["data"].asnumpy()
    exe.backward(out_grads=[mx.nd.ones(x.shape) * 7])
    np.testing.assert_array_equal(exe.grad_dict["data"].asnumpy(), want)
    with pytest.raises(mx.MXNetError, match="head gradient for output 'sm_output'"):
        exe.backward(out_grads=[mx.nd.ones((2, 2))])


def test_grad_req_add_accumulates_over_backward_calls():
    rng = np.random.RandomState(2)
    x, label = _inputs({}, rng)
    exe = _bound(x, label, {}, grad_req="add")
    exe.forward(is_train=True)
    exe.backward()
    once = exe.grad_dict["data"].asnumpy()
    exe.backward()
    np.testing.assert_array_equal(exe.grad_dict["data"].asnumpy(), once + once)


def test_label_is_read_at_backward_time():
    # MXNet's backward reads the bound label array as it is then.
    rng = np.random.RandomState(3)
    x, label = _inputs({}, rng)
    other = (label + 1) % 4
    exe = _bound(x, label, {})
    exe.forward(is_train=True)
    exe.arg_dict["sm_label"][:] = other
    exe.backward()
    _, want = _eager(x, other, {})
    np.testing.assert_array_equal(exe.grad_dict["data"].asnumpy(), want)


def test_computed_label_and_group_with_another_output():
    rng = np.random.RandomState(4)
    x, label = _inputs({}, rng)
    data = mx.sym.Variable("data")
    lab = mx.sym.Variable("lab")
    sm = mx.sym.SoftmaxOutput(data * 2.0, lab + 0.0, name="sm")
    other = mx.sym.sum(data * data, name="sq")
    net = mx.sym.Group([other, sm])
    exe = net.simple_bind(mx.cpu(), data=x.shape, lab=label.shape)
    assert exe._heads is not None
    exe.arg_dict["data"][:] = x
    exe.arg_dict["lab"][:] = label
    outs = exe.forward(is_train=True)
    exe.backward(out_grads=[mx.nd.ones((1,)), mx.nd.zeros(x.shape)])
    out, g_sm = _eager(2.0 * x, label, {})
    np.testing.assert_array_equal(outs[1].asnumpy(), out)
    np.testing.assert_allclose(outs[0].asnumpy(), [(x * x).sum()], rtol=1e-6)
    want = 2.0 * g_sm + 2.0 * x
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy(), want, rtol=1e-6)


def test_head_feeding_another_node_takes_the_general_path():
    rng = np.random.RandomState(5)
    x, label = _inputs({}, rng)
    data = mx.sym.Variable("data")
    sm = mx.sym.SoftmaxOutput(data, name="sm")
    net = mx.sym.Group([sm, mx.sym.sum(sm, name="total")])
    exe = net.simple_bind(mx.cpu(), data=x.shape, sm_label=label.shape)
    assert exe._heads is None
    exe.arg_dict["data"][:] = x
    exe.arg_dict["sm_label"][:] = label
    exe.forward(is_train=True)
    exe.backward(out_grads=[mx.nd.ones(x.shape), mx.nd.ones((1,))])
    # SoftmaxOutput passes no gradient from its output back: only its own.
    _, want = _eager(x, label, {})
    np.testing.assert_array_equal(exe.grad_dict["data"].asnumpy(), want)


def test_no_gradient_needed_for_the_head_data():
    # The head's data needs no gradient (fixed weight): only the label's
    # 'write' buffer is touched, zeroed.
    rng = np.random.RandomState(6)
    x, label = _inputs({}, rng)
    data = mx.sym.Variable("data")
    w = mx.sym.Variable("w")
    net = mx.sym.SoftmaxOutput(data * w, name="sm")
    exe = net.simple_bind(
        mx.cpu(),
        data=x.shape,
        w=x.shape,
        sm_label=label.shape,
        grad_req={"data": "null", "w": "null", "sm_label": "write"},
    )
    exe.grad_dict["sm_label"][:] = 5
    exe.forward(is_train=True)
    exe.backward()
    assert not exe.grad_dict["sm_label"].asnumpy().any()


def test_monitor_runs_the_whole_graph_with_the_same_results():
    rng = np.random.RandomState(7)
    x, label = _inputs({}, rng)
    seen = []
    exe = _bound(x, label, {})
    exe.set_monitor_callback(lambda name, arr: seen.append(name), monitor_all=True)
    exe.forward(is_train=True)
    exe.backward()
    names = [n.decode() if isinstance(n, bytes) else n for n in seen]
    assert "sm_output" in names and "sm_label" in names
    _, want = _eager(x, label, {})
    np.testing.assert_array_equal(exe.grad_dict["data"].asnumpy(), want)


def test_cut_graph_is_cached_per_symbol():
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=3), name="sm")
    a = net.simple_bind(mx.cpu(), data=(2, 4))
    b = net.simple_bind(mx.cpu(), data=(2, 4))
    assert a._heads is b._heads
    assert ex_mod._executor_loss_heads(a._optimized) is a._heads
