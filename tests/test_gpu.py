"""CUDA checks: the same computations on gpu(0) and cpu(0) agree.

Marked ``gpu``: skipped on machines without CUDA (CI never has one); run them on a
device machine with ``pytest -m gpu tests/test_gpu.py``. Written without a GPU at
hand (session 1 had no device machine): the first run on one is their first run.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import gluon
from neogluon.gluon import nn

pytestmark = pytest.mark.gpu

# cuDNN/cuBLAS vs oneDNN: float32 results differ by rounding only (TF32 is off,
# see tests/conftest.py).
RTOL, ATOL = 1e-4, 1e-5


def _net():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1, in_channels=2))
        net.add(nn.BatchNorm(in_channels=4))
        net.add(nn.Activation("relu"))
        net.add(nn.MaxPool2D(2))
        net.add(nn.Dense(3, in_units=4 * 3 * 3))
    return net


def _same_weights(src, dst, ctx):
    for (_, p), (_, q) in zip(
        sorted(src.collect_params().items()),
        sorted(dst.collect_params().items()),
        strict=True,
    ):
        q.set_data(p.data().as_in_context(ctx))


def test_context_and_memory_info():
    assert mx.num_gpus() >= 1
    x = mx.nd.ones((2, 3), ctx=mx.gpu(0))
    assert x.context == mx.gpu(0)
    free, total = mx.gpu_memory_info(0)
    assert 0 < free <= total
    assert x.as_in_context(mx.gpu(0)) is x
    np.testing.assert_array_equal(x.as_in_context(mx.cpu()).asnumpy(), 1)


def test_ops_match_cpu():
    rs = np.random.RandomState(0)
    a, b = rs.randn(4, 5).astype("float32"), rs.randn(5, 3).astype("float32")
    for ctx_res in (mx.cpu(), mx.gpu(0)):
        x, w = mx.nd.array(a, ctx=ctx_res), mx.nd.array(b, ctx=ctx_res)
        out = (mx.nd.dot(x, w).relu() + 1).sum(axis=0)
        if ctx_res == mx.cpu():
            ref = out.asnumpy()
        else:
            assert out.context == mx.gpu(0)
            np.testing.assert_allclose(out.asnumpy(), ref, RTOL, ATOL)


@pytest.mark.parametrize("hybridize", [False, True])
def test_training_step_matches_cpu(hybridize):
    rs = np.random.RandomState(1)
    x_np = rs.rand(4, 2, 6, 6).astype("float32")
    y_np = np.array([0, 1, 2, 1], dtype="float32")
    results = []
    cpu_net = _net()
    cpu_net.initialize(mx.init.Xavier(), ctx=mx.cpu())
    gpu_net = _net()
    gpu_net.initialize(ctx=mx.gpu(0))
    _same_weights(cpu_net, gpu_net, mx.gpu(0))
    for net, ctx in ((cpu_net, mx.cpu()), (gpu_net, mx.gpu(0))):
        if hybridize:
            net.hybridize()
        trainer = gluon.Trainer(
            net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9}
        )
        loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
        x, y = mx.nd.array(x_np, ctx=ctx), mx.nd.array(y_np, ctx=ctx)
        for _ in range(2):
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(4)
        results.append(
            {
                k: p.data().asnumpy()
                for k, p in net._collect_params_with_prefix().items()
            }
        )
    for k in results[0]:
        np.testing.assert_allclose(results[1][k], results[0][k], RTOL, ATOL, err_msg=k)


def test_frozen_inference_matches_unfrozen_on_gpu():
    net = _net()
    net.initialize(mx.init.Xavier(), ctx=mx.gpu(0))
    x = mx.nd.random.uniform(shape=(2, 2, 6, 6), ctx=mx.gpu(0))
    net.hybridize()
    ref = net(x).asnumpy()
    net.hybridize(static_alloc=True, static_shape=True)
    net(x)
    np.testing.assert_allclose(net(x).asnumpy(), ref, RTOL, ATOL)


def test_save_on_gpu_load_on_cpu(tmp_path):
    net = _net()
    net.initialize(mx.init.Xavier(), ctx=mx.gpu(0))
    f = str(tmp_path / "net.params")
    net.save_parameters(f)
    loaded = mx.nd.load(f)
    assert all(v.context == mx.cpu() for v in loaded.values())
    other = _net()
    other.load_parameters(f, ctx=mx.gpu(0))
    x = mx.nd.ones((1, 2, 6, 6), ctx=mx.gpu(0))
    np.testing.assert_allclose(other(x).asnumpy(), net(x).asnumpy(), RTOL, ATOL)
