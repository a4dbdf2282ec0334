"""Optimizers updating sparse (row_sparse / csr) weights in place.

A sparse weight's ``to_torch()`` is a dense copy, so an update written into it
used to be lost (MXNet 1.9.1 test_optimizer.py ``test_sgd`` with csr weights,
``test_sparse_sgd``, ``test_std_sparse_sgd``, ``test_adam``). Expected values
are the update formulas in numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx

W = np.array(
    [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.5], [0.1, 0.2, 0.3]],
    dtype=np.float32,
)
ROWS = np.array([0, 2])
G_ROWS = np.array([[0.4, -0.8, 1.2], [-0.6, 0.2, 0.9]], dtype=np.float32)


def _grad_rsp():
    return mx.nd.sparse.row_sparse_array((G_ROWS, ROWS), shape=W.shape)


def _grad_dense():
    g = np.zeros_like(W)
    g[ROWS] = G_ROWS
    return g


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_lazy_update_of_row_sparse_weight_touches_grad_rows(momentum):
    lr, wd = 0.1, 0.05
    opt = mx.optimizer.SGD(learning_rate=lr, wd=wd, momentum=momentum)
    weight = mx.nd.array(W).tostype("row_sparse")
    state = opt.create_state_multi_precision(0, weight)
    for _ in range(2):
        opt.update_multi_precision(0, weight, _grad_rsp(), state)
    expected = W.copy()
    mom = np.zeros_like(W)
    for _ in range(2):
        step = G_ROWS + wd * expected[ROWS]
        mom[ROWS] = momentum * mom[ROWS] - lr * step
        expected[ROWS] += mom[ROWS]
    assert weight.stype == "row_sparse"
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=1e-6, atol=1e-7)
    assert np.array_equal(weight.asnumpy()[[1, 3]], W[[1, 3]])


def test_sgd_standard_update_of_row_sparse_weight_decays_every_row():
    lr, wd = 0.1, 0.05
    opt = mx.optimizer.SGD(learning_rate=lr, wd=wd, lazy_update=False)
    weight = mx.nd.array(W).tostype("row_sparse")
    opt.update(0, weight, _grad_rsp(), opt.create_state(0, weight))
    expected = W - lr * (_grad_dense() + wd * W)
    assert weight.stype == "row_sparse"
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=1e-6, atol=1e-7)


def test_sgd_updates_csr_weight_and_keeps_it_csr():
    lr = 0.5
    opt = mx.optimizer.SGD(learning_rate=lr, rescale_grad=2.0, clip_gradient=1.0)
    weight = mx.nd.array(W).tostype("csr")
    grad = mx.nd.array(_grad_dense()).tostype("csr")
    opt.update(0, weight, grad, opt.create_state(0, weight))
    expected = W - lr * np.clip(2.0 * _grad_dense(), -1.0, 1.0)
    assert weight.stype == "csr"
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_adam_lazy_update_of_row_sparse_weight(dtype):
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, 0.03
    opt = mx.optimizer.Adam(
        learning_rate=lr, beta1=b1, beta2=b2, epsilon=eps, wd=wd, multi_precision=True
    )
    weight = mx.nd.array(W, dtype=dtype).tostype("row_sparse")
    state = opt.create_state_multi_precision(0, weight)
    opt.update_multi_precision(0, weight, _grad_rsp().astype(dtype), state)
    w32 = W.astype(dtype).astype(np.float32)
    g = G_ROWS.astype(dtype).astype(np.float32) + wd * w32[ROWS]
    mean, var = (1 - b1) * g, (1 - b2) * g * g
    expected = w32.copy()
    expected[ROWS] -= lr * np.sqrt(1 - b2) / (1 - b1) * mean / (np.sqrt(var) + eps)
    assert weight.stype == "row_sparse"
    tol = 1e-3 if dtype == np.float16 else 1e-6
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=tol, atol=tol)
    assert np.array_equal(weight.asnumpy()[[1, 3]], W.astype(dtype)[[1, 3]])
