"""Several CPU contexts (cpu(0), cpu(1)) standing in for several GPUs."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import gluon
from neogluon import nd

C0, C1 = mx.cpu(0), mx.cpu(1)


def test_creation_reports_context():
    for arr in (
        nd.array([[1, 2], [3, 4]], ctx=C1),
        nd.zeros((2, 2), ctx=C1),
        nd.ones((2, 2), ctx=C1),
        nd.full((2, 2), 3.0, ctx=C1),
        nd.empty((2, 2), ctx=C1),
        nd.arange(4, ctx=C1),
        nd.eye(2, ctx=C1),
        nd.linspace(0, 1, 3, ctx=C1),
        nd.random.uniform(shape=(2,), ctx=C1),
        nd.zeros(shape=(2,), ctx="cpu(1)"),
    ):
        assert arr.context == C1
    assert nd.ones((2,)).context == C0
    assert nd.zeros_like(nd.ones((2,), ctx=C1)).context == C1


def test_ops_keep_context():
    x = nd.array([[1, 2, 3], [4, 5, 6]], ctx=C1)
    w = nd.ones((4, 3), ctx=C1)
    b = nd.zeros((4,), ctx=C1)
    outs = [
        x + x,
        x * 2.0,
        2.0 - x,
        -x,
        nd.relu(x),
        nd.sum(x),
        nd.dot(x, w.T),
        nd.FullyConnected(x, w, b, num_hidden=4),
        nd.FullyConnected(data=x, weight=w, no_bias=True, num_hidden=4),
        x[1],
        x[0:1],
        x[:, 1],
        x[[0, 1]],
        x.reshape((3, 2)),
        x.reshape((-1,)),
        x.astype("float64"),
        x.copy(),
        x.detach(),
        nd.split(x, num_outputs=2, axis=0)[1],
        nd.concat(x, x, dim=0),
    ]
    for out in outs:
        assert out.context == C1
    y = x.copy()
    y += 1
    y[0] = 0
    assert y.context == C1
    np.testing.assert_array_equal(y.asnumpy(), [[0, 0, 0], [5, 6, 7]])


def test_as_in_context_copies_between_cpu_contexts():
    a = nd.array([1.0, 2.0])
    b = a.as_in_context(C1)
    assert b is not a and b.context == C1 and a.context == C0
    b[:] = 7
    np.testing.assert_array_equal(a.asnumpy(), [1.0, 2.0])
    assert b.as_in_context(C1) is b
    c = b.as_in_context(C0)
    assert c is not b and c.context == C0
    assert a.copyto(C1).context == C1
    assert a.as_in_context(C0) is a


def test_autograd_buffers_and_grads_keep_context():
    x = nd.array([1.0, 2.0], ctx=C1)
    x.attach_grad()
    assert x.grad.context == C1
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert x.grad.context == C1
    np.testing.assert_allclose(x.grad.asnumpy(), [2.0, 4.0])
    with autograd.record():
        y = (x * x).sum()
    (g,) = autograd.grad(y, [x])
    assert g.context == C1


def test_save_load_writes_device_id(tmp_path):
    a = nd.array([1.0, 2.0], ctx=C1)
    fname = str(tmp_path / "a.nd")
    nd.save(fname, a)
    with open(fname, "rb") as f:
        raw = f.read()
    # MXNet 1.9.1's bytes for ``mx.nd.save(f, mx.nd.array([1, 2], ctx=mx.cpu(1)))``:
    # the record's context is written as (dev_type 1, dev_id 1).
    mxnet_bytes = bytes.fromhex(
        "120100000000000000000000000000000100000000000000c9fa93f900000000"
        "0100000002000000000000000100000001000000000000000000803f00000040"
        "0000000000000000"
    )
    assert raw == mxnet_bytes
    (b,) = nd.load(fname)
    np.testing.assert_array_equal(b.asnumpy(), [1.0, 2.0])
    # MXNet 1.9.1 loads CPU arrays onto cpu(0) whatever the saved dev_id.
    assert b.context == C0
    assert pickle.loads(pickle.dumps(a)).context == C0


def _net(hybridize: bool, ctx):
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(5, activation="tanh", in_units=4))
    net.add(gluon.nn.Dense(3, in_units=5))
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if hybridize:
        net.hybridize()
    return net


def _set_weights(net, values):
    for p, v in zip(net.collect_params().values(), values, strict=True):
        p.set_data(nd.array(v))


@pytest.mark.parametrize("hybridize", [False, True])
def test_two_cpu_context_training_matches_single_context(hybridize):
    rng = np.random.RandomState(0)
    data = rng.uniform(-1, 1, (8, 4)).astype(np.float32)
    label = rng.uniform(-1, 1, (8, 3)).astype(np.float32)
    ref = _net(hybridize, C0)
    init = [p.data().asnumpy() for p in ref.collect_params().values()]
    ctx = [C0, C1]
    net = _net(hybridize, ctx)
    _set_weights(net, init)
    loss_fn = gluon.loss.L2Loss()

    def trainer(n):
        return gluon.Trainer(
            n.collect_params(), "sgd", {"learning_rate": 0.5}, kvstore="device"
        )

    tr, tr_ref = trainer(net), trainer(ref)
    for _ in range(2):
        xs = gluon.utils.split_and_load(nd.array(data), ctx)
        ys = gluon.utils.split_and_load(nd.array(label), ctx)
        assert [x.context for x in xs] == ctx
        with autograd.record():
            losses = [loss_fn(net(x), y) for x, y in zip(xs, ys, strict=True)]
        assert [ls.context for ls in losses] == ctx
        for ls in losses:
            ls.backward()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tr.step(data.shape[0])
        with autograd.record():
            loss = loss_fn(ref(nd.array(data)), nd.array(label))
        loss.backward()
        tr_ref.step(data.shape[0])
    for p, q in zip(
        net.collect_params().values(), ref.collect_params().values(), strict=True
    ):
        d0, d1 = p.list_data()
        assert d0.context == C0 and d1.context == C1
        assert p.list_grad()[1].context == C1
        np.testing.assert_array_equal(d0.asnumpy(), d1.asnumpy())
        np.testing.assert_allclose(d0.asnumpy(), q.data().asnumpy(), rtol=1e-6)
