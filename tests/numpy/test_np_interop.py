"""``mx.np.ndarray`` <-> ``mx.nd.NDArray`` sharing, autograd across both types,
the np switches, float64 default, operand-mixing errors and Gluon under
``npx.set_np()``. Expected values are computed with numpy from the inputs."""

from __future__ import annotations

import pickle

import numpy as onp
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import gluon
from neogluon import np
from neogluon import npx
from neogluon.base import MXNetError


@pytest.fixture(autouse=True)
def _np_mode():
    npx.set_np()
    yield
    npx.reset_np()


def test_views_share_memory_both_ways():
    x = mx.nd.array([[1, 2], [3, 4]])
    y = x.as_np_ndarray()
    assert type(y) is np.ndarray and isinstance(y, mx.nd.NDArray)
    assert y.to_torch() is x.to_torch()
    y[0, 0] = 10
    assert x.asnumpy()[0, 0] == 10
    z = y.as_nd_ndarray()
    assert type(z) is mx.nd.NDArray and z.to_torch() is x.to_torch()
    z[1] = 0
    assert y.tolist() == [[10.0, 2.0], [0.0, 0.0]]
    assert y.as_np_ndarray() is y


def test_attach_grad_seen_through_the_other_type():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    xn = x.as_nd_ndarray()
    with autograd.record():
        y = (xn * xn).as_np_ndarray().sum()
    y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [2.0, 4.0, 6.0])
    assert type(x.grad) is np.ndarray and type(xn.grad) is mx.nd.NDArray
    onp.testing.assert_allclose(xn.grad.asnumpy(), [2.0, 4.0, 6.0])


def test_switches_and_default_dtype():
    assert npx.is_np_array() and mx.util.is_np_shape()
    npx.reset_np()
    assert not npx.is_np_array() and not mx.util.is_np_shape()
    npx.set_np(dtype=True)
    try:
        assert np.array([1, 2]).dtype == onp.float64
        assert np.ones(2).dtype == onp.float64
        assert (np.array([1, 2], dtype="int32") / 2).dtype == onp.float64
        assert repr(np.zeros(1)) == "array([0.], dtype=float64)"
    finally:
        npx.set_np()
    assert np.array([1, 2]).dtype == onp.float32
    with pytest.raises(ValueError, match="shape semantics"):
        npx.set_np(shape=False, array=True)


def test_mixing_errors_name_the_fix():
    a = np.ones((2,))
    with pytest.raises(TypeError, match="as_np_ndarray"):
        a + mx.nd.ones((2,))
    with pytest.raises(TypeError, match="np.array"):
        a * onp.ones(2)
    with pytest.raises(TypeError, match="as_np_ndarray"):
        np.exp(mx.nd.ones((2,)))
    with pytest.raises(TypeError, match="as_np_ndarray"):
        npx.relu(mx.nd.ones((2,)))
    with pytest.raises(MXNetError, match="cannot reshape"):
        a.reshape(3)
    with pytest.raises(IndexError):
        a[0.5]


def test_pickle_and_save_load(tmp_path):
    a = np.array([[1, 2], [3, 4]], dtype="int32")
    b = pickle.loads(pickle.dumps(a))
    assert type(b) is np.ndarray and b.dtype == onp.int32 and b.tolist() == a.tolist()
    f = str(tmp_path / "arrs")
    npx.save(f, {"a": a, "v": np.arange(3)})
    got = npx.load(f)
    assert type(got["a"]) is np.ndarray and got["a"].tolist() == [[1, 2], [3, 4]]
    assert got["v"].tolist() == [0.0, 1.0, 2.0]


def test_linalg_matches_numpy():
    rs = onp.random.RandomState(0)
    m = rs.rand(4, 4).astype("float32") + 4 * onp.eye(4, dtype="float32")
    a = np.array(m)
    onp.testing.assert_allclose(
        np.linalg.inv(a).asnumpy(), onp.linalg.inv(m), rtol=1e-4
    )
    onp.testing.assert_allclose(float(np.linalg.det(a)), onp.linalg.det(m), rtol=1e-4)
    q, r = np.linalg.qr(a)
    onp.testing.assert_allclose((q @ r).asnumpy(), m, rtol=1e-4, atol=1e-5)
    u, s, vh = np.linalg.svd(a)
    onp.testing.assert_allclose(s.asnumpy(), onp.linalg.svd(m)[1], rtol=1e-4)
    w = np.linalg.eigvals(np.array(m + m.T))
    onp.testing.assert_allclose(
        onp.sort(w.asnumpy()), onp.linalg.eigvalsh(m + m.T), rtol=1e-4
    )


def test_random_shapes_dtypes_and_seed():
    mx.random.seed(3)
    a = np.random.uniform(size=(2, 3))
    mx.random.seed(3)
    b = np.random.uniform(size=(2, 3))
    assert a.tolist() == b.tolist() and a.dtype == onp.float32
    assert np.random.randint(0, 4, size=(5,)).dtype == onp.int64
    assert np.random.normal(np.zeros(3), 1).shape == (3,)
    c = np.random.choice(np.array([5.0, 6.0]), size=(4,))
    assert set(c.tolist()) <= {5.0, 6.0}


# ------------------------------------------------------------------ Gluon
def test_dense_forward_and_params_as_np():
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize()
    w = onp.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]], dtype="float32")
    net.weight.set_data(np.array(w))
    x = onp.array([[1.0, 2.0, 3.0]], dtype="float32")
    out = net(np.array(x))
    assert type(out) is np.ndarray
    assert type(net.weight.data()) is np.ndarray
    onp.testing.assert_allclose(out.asnumpy(), x @ w.T, rtol=1e-6)


def test_block_forward_with_np_ops_and_deferred_init():
    class Net(gluon.nn.Block):
        def __init__(self):
            super().__init__()
            self.fc = gluon.nn.Dense(4)

        def forward(self, x):
            return np.maximum(self.fc(x), 0).sum(axis=1)

    net = Net()
    net.initialize()
    out = net(np.ones((3, 5)))
    assert type(out) is np.ndarray and out.shape == (3,)
    assert net.fc.weight.shape == (4, 5)


def test_training_step_hybridized_and_dataloader():
    mx.random.seed(0)
    X = np.random.normal(0, 1, size=(64, 2))
    y = np.dot(X, np.array([2.0, -3.4])) + 4.2
    ds = gluon.data.ArrayDataset(X, y)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(1))
    net.initialize(mx.init.Normal(0.01))
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss = gluon.loss.L2Loss()
    for _ in range(20):
        for xb, yb in gluon.data.DataLoader(ds, batch_size=16):
            assert type(xb) is np.ndarray
            with autograd.record():
                out = loss(net(xb), yb.reshape(-1, 1))
            out.backward()
            trainer.step(16)
    w = net[0].weight.data().asnumpy().reshape(-1)
    onp.testing.assert_allclose(w, [2.0, -3.4], atol=1e-2)
    onp.testing.assert_allclose(net[0].bias.data().asnumpy(), [4.2], atol=1e-2)
    assert type(net[0].weight.grad()) is np.ndarray


def test_save_load_parameters_roundtrip(tmp_path):
    net = gluon.nn.Dense(3, in_units=2)
    net.initialize()
    f = str(tmp_path / "dense.params")
    net.save_parameters(f)
    net2 = gluon.nn.Dense(3, in_units=2)
    net2.load_parameters(f)
    assert net2.weight.data().tolist() == net.weight.data().tolist()


@pytest.mark.parametrize("thread_pool", [False, True])
def test_dataloader_workers_give_np_batches(thread_pool):
    ds = gluon.data.ArrayDataset(np.arange(8).reshape(4, 2), np.arange(4))
    loader = gluon.data.DataLoader(
        ds, batch_size=2, num_workers=2, thread_pool=thread_pool
    )
    batches = list(loader)
    assert len(batches) == 2
    for xb, yb in batches:
        assert type(xb) is np.ndarray and type(yb) is np.ndarray
    assert batches[1][0].tolist() == [[4.0, 5.0], [6.0, 7.0]]


def test_hybrid_forward_with_f_np_eagerly():
    class Net(gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.np.exp(x) * F.np.linalg.norm(x)

    net = Net()
    net.initialize()
    x = onp.array([3.0, 4.0], dtype="float32")
    out = net(np.array(x))
    assert type(out) is np.ndarray
    onp.testing.assert_allclose(out.asnumpy(), onp.exp(x) * 5.0, rtol=1e-6)
