"""Row-sparse gradients in training against MXNet 1.9.1 (fixtures
``sparse_train``): Embedding(sparse_grad=True) and contrib SparseEmbedding
under SGD / Adam, lazy and standard updates, weight after every step."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

NAMES = [n for n in fixture_names("sparse_train") if "Embedding" in n]


@pytest.mark.parametrize("name", NAMES)
def test_training_matches_mxnet(name):
    f = load_fixture("sparse_train", name)
    layer = name.split("_", 1)[0]
    if layer == "Embedding":
        net = mx.gluon.nn.Embedding(12, 4, sparse_grad=True)
    else:
        net = mx.gluon.contrib.nn.SparseEmbedding(12, 4)
    net.initialize(mx.init.Constant(0))
    net.weight.set_data(mx.nd.array(f["w0"]))
    tr = mx.gluon.Trainer(net.collect_params(), str(f["opt"]), dict(f["params"]))
    for x, h, expected in zip(f["batches"], f["heads"], f["steps"], strict=True):
        with mx.autograd.record():
            y = net(mx.nd.array(x))
        y.backward(mx.nd.array(h))
        tr.step(2)
        if layer == "Embedding":
            value = net.weight.data()
        else:  # a row_sparse weight is read from the Trainer's kvstore (MXNet)
            value = net.weight.row_sparse_data(mx.nd.arange(12))
        np.testing.assert_allclose(value.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    g = net.weight.grad()
    assert g.stype == str(f["grad_stype"]) == "row_sparse"
    np.testing.assert_array_equal(g.indices.asnumpy(), f["grad_indices"])
    np.testing.assert_allclose(g.data.asnumpy(), f["grad_data"], rtol=1e-6)


def test_fixtures_present():
    assert len(NAMES) == 22


def test_adagrad_row_sparse_matches_mxnet():
    f = load_fixture("sparse_train", "adagrad_rsp")
    opt = mx.optimizer.AdaGrad(learning_rate=0.1, clip_gradient=0.5, rescale_grad=0.5)
    w = mx.nd.array(f["w0"])
    state = opt.create_state(0, w)
    for g, expected in zip(f["grads"], f["steps"], strict=True):
        opt.update(0, w, mx.nd.array(g).tostype("row_sparse"), state)
        np.testing.assert_allclose(w.asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_ftrl_update_all_row_sparse_is_lazy():
    # MXNet's FtrlUpdateEx: weight, grad, z, n all row_sparse -> only the
    # gradient's rows change; a dense weight gets the dense update, which
    # recomputes untouched rows from z (0 here).
    w0 = np.arange(1, 9, dtype="float32").reshape(4, 2)
    g = mx.nd.sparse.row_sparse_array((np.ones((1, 2), "float32"), [1]), shape=(4, 2))
    w = mx.nd.array(w0).tostype("row_sparse")
    z = mx.nd.zeros((4, 2), stype="row_sparse")
    n = mx.nd.zeros((4, 2), stype="row_sparse")
    mx.nd.ftrl_update(w, g, z, n, out=w, lr=0.1, lamda1=0.01)
    got = w.asnumpy()
    np.testing.assert_array_equal(got[[0, 2, 3]], w0[[0, 2, 3]])
    # row 1: z = g - (sqrt(g^2) - 0) * w / lr, n = g^2
    zz = 1 - w0[1] / 0.1
    expected = (np.sign(zz) * 0.01 - zz) / ((1 + 1) / 0.1)
    np.testing.assert_allclose(got[1], expected, rtol=1e-6)
    wd = mx.nd.array(w0)
    mx.nd.ftrl_update(wd, g, mx.nd.zeros((4, 2)), mx.nd.zeros((4, 2)), out=wd,
                      lr=0.1, lamda1=0.01)  # fmt: skip
    np.testing.assert_array_equal(wd.asnumpy()[[0, 2, 3]], 0)
