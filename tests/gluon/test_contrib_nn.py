"""gluon.contrib.nn layers vs MXNet 1.9.1 fixtures (tools/fixtures/gluon_contrib.py)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon.contrib import nn as cnn
from tests.conftest import load_fixture

RTOL, ATOL = 1e-5, 1e-6


def _fx(name):
    return load_fixture("gluon_contrib", name)


@pytest.mark.parametrize(
    "name,cls",
    [
        ("pixelshuffle1d", cnn.PixelShuffle1D),
        ("pixelshuffle2d", cnn.PixelShuffle2D),
        ("pixelshuffle2d_int", cnn.PixelShuffle2D),
        ("pixelshuffle3d", cnn.PixelShuffle3D),
        ("pixelshuffle3d_int", cnn.PixelShuffle3D),
    ],
)
@pytest.mark.parametrize("hybridize", [False, True])
def test_pixel_shuffle(name, cls, hybridize):
    f = _fx(name)
    factor = f["factor"]
    factor = tuple(factor) if isinstance(factor, list) else factor
    block = cls(factor)
    if hybridize:
        block.hybridize()
    out = block(mx.nd.array(f["x"])).asnumpy()
    # Pure data movement: exact equality.
    np.testing.assert_array_equal(out, f["out"])
    assert repr(block) == f["repr"]


def test_pixel_shuffle_errors():
    with pytest.raises(ValueError, match=r"divisible by 4"):
        cnn.PixelShuffle2D(2)(mx.nd.zeros((1, 6, 2, 2)))
    with pytest.raises(ValueError, match=r"expects a 3-D input"):
        cnn.PixelShuffle1D(2)(mx.nd.zeros((1, 4, 2, 2)))
    with pytest.raises(ValueError, match=r"3-tuple"):
        cnn.PixelShuffle3D((2, 2))


def test_identity():
    f = _fx("identity")
    for hybridize in (False, True):
        block = cnn.Identity()
        if hybridize:
            block.hybridize()
        np.testing.assert_array_equal(block(mx.nd.array(f["x"])).asnumpy(), f["out"])
    assert block.prefix.startswith("identity")


@pytest.mark.parametrize(
    "name,cls,hybridize",
    [
        ("concurrent", cnn.Concurrent, False),
        ("hybridconcurrent", cnn.HybridConcurrent, False),
        ("hybridconcurrent_hybridized", cnn.HybridConcurrent, True),
    ],
)
def test_concurrent(name, cls, hybridize):
    f = _fx(name)
    net = cls(axis=int(f["axis"]))
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(3, in_units=5))
        net.add(cnn.Identity())
        net.add(mx.gluon.nn.Dense(2, in_units=5))
    net.initialize()
    p = dict(net._collect_params_with_prefix())
    assert sorted(p) == f["keys"]
    for key, arr in (("0.weight", "w1"), ("0.bias", "b1"), ("2.weight", "w2")):
        p[key].set_data(mx.nd.array(f[arr]))
    p["2.bias"].set_data(mx.nd.array(f["b2"]))
    if hybridize:
        net.hybridize()
    x = mx.nd.array(f["x"])
    x.attach_grad()
    with mx.autograd.record():
        out = net(x)
    out.backward(mx.nd.array(f["head"]))
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(x.grad.asnumpy(), f["x_grad"], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        p["0.weight"].grad().asnumpy(), f["w1_grad"], rtol=RTOL, atol=ATOL
    )


def test_concurrent_types():
    assert issubclass(cnn.Concurrent, mx.gluon.nn.Sequential)
    assert issubclass(cnn.HybridConcurrent, mx.gluon.nn.HybridSequential)
    with pytest.raises(ValueError, match="HybridBlock"):
        cnn.HybridConcurrent().add(cnn.Concurrent())


@pytest.mark.parametrize("name", ["syncbatchnorm", "syncbatchnorm_custom"])
@pytest.mark.parametrize("hybridize", [False, True])
def test_sync_batch_norm(name, hybridize):
    f = _fx(name)
    bn = cnn.SyncBatchNorm(in_channels=2, num_devices=1, **f["kwargs"])
    bn.initialize()
    bn.gamma.set_data(mx.nd.array(f["gamma"]))
    bn.beta.set_data(mx.nd.array(f["beta"]))
    assert bn.gamma.grad_req == f["gamma_grad_req"]
    assert re.sub(r"key='[a-z0-9_]+'", "key=KEY", repr(bn)) == f["repr"]
    if hybridize:
        bn.hybridize()
    x = mx.nd.array(f["x"])
    x.attach_grad()
    with mx.autograd.record():
        out = bn(x)
    out.backward(mx.nd.array(f["head"]))
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=1e-5)
    np.testing.assert_allclose(x.grad.asnumpy(), f["x_grad"], rtol=1e-4, atol=1e-5)
    if f["gamma_grad_req"] != "null":
        np.testing.assert_allclose(
            bn.gamma.grad().asnumpy(), f["gamma_grad"], rtol=1e-4, atol=1e-5
        )
    np.testing.assert_allclose(
        bn.beta.grad().asnumpy(), f["beta_grad"], rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        bn.running_mean.data().asnumpy(), f["running_mean"], rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        bn.running_var.data().asnumpy(), f["running_var"], rtol=RTOL, atol=ATOL
    )
    out_eval = bn(mx.nd.array(f["x_eval"])).asnumpy()
    np.testing.assert_allclose(out_eval, f["out_eval"], rtol=RTOL, atol=1e-5)


def test_sync_batch_norm_defaults_warn():
    msg = _fx("sparseembedding")["syncbn_warning"][0]
    with pytest.warns(UserWarning, match=re.escape(msg)):
        bn = cnn.SyncBatchNorm()
    assert bn._kwargs["ndev"] == max(mx.context.num_gpus(), 1)
    assert bn._kwargs["momentum"] == 0.9 and bn._kwargs["eps"] == 1e-5
    assert bn.gamma.shape == (0,)
    bn.initialize()
    assert bn(mx.nd.ones((2, 4, 3))).shape == (2, 4, 3)
    assert bn.gamma.shape == (4,)
    assert isinstance(bn, mx.gluon.nn.BatchNorm)


def test_sparse_embedding():
    f = _fx("sparseembedding")
    emb = cnn.SparseEmbedding(6, 3)
    emb.initialize()
    emb.weight.set_data(mx.nd.array(f["weight"]))
    assert repr(emb) == f["repr"]
    x = mx.nd.array(f["x"])
    with mx.autograd.record():
        out = emb(x)
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)
    out.backward()
    grad = emb.weight.grad().asnumpy()
    # Dense gradient: looked-up rows count their uses, the others are zero.
    expect = np.zeros((6, 3), np.float32)
    for i in f["x"].ravel().astype(int):
        expect[i] += 1
    np.testing.assert_array_equal(grad, expect)


def test_namespace():
    assert mx.gluon.contrib.nn.PixelShuffle2D is cnn.PixelShuffle2D
    assert sorted(cnn.__all__) == sorted(
        [
            "Concurrent",
            "HybridConcurrent",
            "Identity",
            "SparseEmbedding",
            "SyncBatchNorm",
            "PixelShuffle1D",
            "PixelShuffle2D",
            "PixelShuffle3D",
        ]
    )
    assert mx.gluon.contrib.rnn.LSTMPCell is not None  # tested in test_contrib_rnn
