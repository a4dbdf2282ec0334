"""SoftmaxCrossEntropyLoss's plain eager call runs one fused kernel
(``ndarray/_fused_loss.py``); it must give the general path's numbers bit for
bit: losses, gradients (any head gradient), shapes, dtypes, with MXNet's
``pick`` rules for the labels (float labels truncated, out-of-range clipped).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd as ag
from neogluon import nd
from neogluon.gluon import loss as gloss


def _run(pred, label, head=None, fused=True, monkeypatch=None, **kw):
    if not fused:
        monkeypatch.setattr(gloss, "softmax_ce_sparse", lambda p, lab: None)
    lf = gloss.SoftmaxCrossEntropyLoss(**kw)
    x = pred.copy()
    x.attach_grad()
    with ag.record():
        out = lf(x, label)
    out.backward(head)
    if not fused:
        monkeypatch.undo()
    return out, x.grad


LABELS = [
    np.arange(8) % 10,
    np.array([0, 3, 9, 12, -2, 4.7, -0.5, 9.99]),  # clipped and truncated
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("labels", LABELS)
@pytest.mark.parametrize("axis", [-1, 1])
def test_fused_call_matches_the_general_path_bit_for_bit(
    dtype, labels, axis, monkeypatch
):
    rs = np.random.RandomState(3)
    pred = nd.array(rs.randn(8, 10), dtype=dtype)
    label = nd.array(labels)
    head = nd.array(rs.rand(8), dtype=dtype)
    fast = _run(pred, label, head, axis=axis)
    slow = _run(pred, label, head, fused=False, monkeypatch=monkeypatch, axis=axis)
    for a, b in zip(fast, slow, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


def test_value_is_the_negative_log_softmax_at_the_label():
    pred = nd.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    out = gloss.SoftmaxCrossEntropyLoss()(pred, nd.array([2, 0]))
    p = pred.asnumpy().astype(np.float64)
    logp = p - np.log(np.exp(p).sum(1, keepdims=True))
    np.testing.assert_allclose(out.asnumpy(), [-logp[0, 2], -logp[1, 0]], rtol=1e-6)


def test_outside_record_no_graph_is_built():
    net = mx.gluon.nn.Dense(3, in_units=4)
    net.initialize()
    out = gloss.SoftmaxCrossEntropyLoss()(net(nd.ones((2, 4))), nd.array([0, 1]))
    assert not out.to_torch().requires_grad


@pytest.mark.parametrize(
    "kw, pred_shape, label",
    [
        ({}, (2, 3, 4), nd.zeros((2, 3))),  # 3-D predictions
        ({}, (2, 4), nd.zeros((2, 1))),  # a column of labels
        ({"weight": 0.5}, (2, 4), nd.zeros((2,))),
        ({"sparse_label": False}, (2, 4), nd.ones((2, 4)) / 4),
        ({"from_logits": True}, (2, 4), nd.zeros((2,))),
    ],
)
def test_other_calls_take_the_general_path(kw, pred_shape, label, monkeypatch):
    calls = []
    real = gloss.softmax_ce_sparse

    def spy(p, lab):
        out = real(p, lab)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(gloss, "softmax_ce_sparse", spy)
    pred = nd.array(np.random.RandomState(0).randn(*pred_shape))
    lf = gloss.SoftmaxCrossEntropyLoss(**kw)
    out = lf(pred, label)
    assert not any(calls)
    monkeypatch.undo()
    ref = gloss.SoftmaxCrossEntropyLoss(**kw)(pred, label)
    np.testing.assert_array_equal(out.asnumpy(), ref.asnumpy())


def test_np_arrays_take_the_fused_call_and_stay_np(monkeypatch):
    # Under set_np (the d2l loop) the same fused call runs for mx.np arrays,
    # with the general path's numbers and an mx.np result; nd and np mixed
    # take the general path.
    calls = []
    real = gloss.softmax_ce_sparse

    def spy(p, lab):
        out = real(p, lab)
        calls.append(out is not None)
        return out

    rs = np.random.RandomState(5)
    p_np, l_np = rs.randn(6, 4).astype("float32"), np.array([0, 3, 1, 2, 2, 9.5])
    h_np = rs.rand(6).astype("float32")
    mx.npx.set_np()
    try:
        res = {}
        for fused in (True, False):
            if fused:
                monkeypatch.setattr(gloss, "softmax_ce_sparse", spy)
            else:
                monkeypatch.setattr(gloss, "softmax_ce_sparse", lambda p, lab: None)
            x = mx.np.array(p_np)
            x.attach_grad()
            with ag.record():
                out = gloss.SoftmaxCrossEntropyLoss()(x, mx.np.array(l_np))
            out.backward(mx.np.array(h_np))
            assert isinstance(out, mx.np.ndarray)
            res[fused] = (out.asnumpy(), x.grad.asnumpy())
            monkeypatch.undo()
        assert calls == [True]
        for a, b in zip(res[True], res[False], strict=True):
            np.testing.assert_array_equal(a, b)
    finally:
        mx.npx.reset_np()
    assert real(nd.array(p_np), mx.np.array(l_np)) is None
