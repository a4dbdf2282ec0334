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
        np.testing.assert_allclose(
            net.weight.data().asnumpy(), expected, rtol=1e-5, atol=1e-6
        )
    g = net.weight.grad()
    assert g.stype == str(f["grad_stype"]) == "row_sparse"
    np.testing.assert_array_equal(g.indices.asnumpy(), f["grad_indices"])
    np.testing.assert_allclose(g.data.asnumpy(), f["grad_data"], rtol=1e-6)


def test_fixtures_present():
    assert len(NAMES) == 10


def test_adagrad_row_sparse_matches_mxnet():
    f = load_fixture("sparse_train", "adagrad_rsp")
    opt = mx.optimizer.AdaGrad(learning_rate=0.1, clip_gradient=0.5, rescale_grad=0.5)
    w = mx.nd.array(f["w0"])
    state = opt.create_state(0, w)
    for g, expected in zip(f["grads"], f["steps"], strict=True):
        opt.update(0, w, mx.nd.array(g).tostype("row_sparse"), state)
        np.testing.assert_allclose(w.asnumpy(), expected, rtol=1e-5, atol=1e-6)
