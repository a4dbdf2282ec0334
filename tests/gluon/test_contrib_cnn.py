"""``gluon.contrib.cnn`` deformable convolution blocks vs MXNet 1.9.1.

Fixtures: tools/fixtures/contrib_cnn.py (parameters set from numpy, non-zero
offsets). Forward outputs and (for DeformableConvolution) gradients of the
input and every parameter, rtol=1e-4 / atol=1e-5 (float32 bilinear sampling
and accumulation order). MXNet 1.9.1 has no CPU backward for the modulated
block, so its gradients are checked against central differences in float64.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon.contrib import cnn
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "contrib_cnn"
CASES = fixture_names(FAM)


def _strip(names: dict, prefix: str) -> dict:
    return {k[len(prefix) :]: v for k, v in names.items()}


def _mx_prefix(names: dict) -> str:
    first = next(iter(names))
    return first[: first.index("_", first.index("conv") + 4) + 1]


def test_fixtures_present():
    assert len(CASES) == 6


@pytest.mark.parametrize("name", CASES)
def test_block_matches_mxnet(name):
    f = load_fixture(FAM, name)
    block = getattr(cnn, f["cls"])(**f["kwargs"])
    mine = {k: list(v.shape) for k, v in block.collect_params().items()}
    # same parameter names (after the per-process prefix), order and shapes
    assert list(_strip(mine, block.prefix).items()) == list(
        _strip(f["names_before"], _mx_prefix(f["names_before"])).items()
    )
    assert repr(block) == f["repr_before"]
    block.initialize()
    x = mx.nd.array(f["x"])
    block(x)
    after = {k: list(v.shape) for k, v in block.collect_params().items()}
    assert list(_strip(after, block.prefix).values()) == list(f["names_after"].values())
    assert repr(block) == f["repr_after"]
    mx_prefix = _mx_prefix(f["names_after"])
    for k, p in block.collect_params().items():
        p.set_data(mx.nd.array(f["p:" + mx_prefix + k[len(block.prefix) :]]))
    x.attach_grad()
    with mx.autograd.record():
        y = block(x)
        loss = (y * mx.nd.array(f["head"])).sum()
    np.testing.assert_allclose(y.asnumpy(), f["y"], rtol=1e-4, atol=1e-5)
    if "x_grad" not in f:
        return
    loss.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), f["x_grad"], rtol=1e-4, atol=1e-5)
    for k, p in block.collect_params().items():
        want = f["g:" + mx_prefix + k[len(block.prefix) :]]
        np.testing.assert_allclose(p.grad().asnumpy(), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_hybridized_equals_eager(name):
    f = load_fixture(FAM, name)
    block = getattr(cnn, f["cls"])(**f["kwargs"])
    block.initialize()
    x = mx.nd.array(f["x"])
    block(x)
    mx_prefix = _mx_prefix(f["names_after"])
    for k, p in block.collect_params().items():
        p.set_data(mx.nd.array(f["p:" + mx_prefix + k[len(block.prefix) :]]))
    block.hybridize()
    np.testing.assert_allclose(block(x).asnumpy(), f["y"], rtol=1e-4, atol=1e-5)


def test_modulated_gradients_central_differences():
    block = cnn.ModulatedDeformableConvolution(
        2, kernel_size=3, padding=1, num_deformable_group=1, in_channels=2
    )
    block.initialize()
    rng = np.random.RandomState(3)
    x = mx.nd.array(rng.uniform(-1, 1, (1, 2, 4, 4)), dtype="float64")
    block.cast("float64")
    block(x)
    for p in block.collect_params().values():
        scale = 0.3 if "offset" in p.name else 0.5
        p.set_data(mx.nd.array(rng.uniform(-scale, scale, p.shape), dtype="float64"))
    head = mx.nd.array(rng.uniform(-1, 1, (1, 2, 4, 4)), dtype="float64")

    def loss_of():
        return float((block(x) * head).sum().asscalar())

    x.attach_grad()
    with mx.autograd.record():
        loss = (block(x) * head).sum()
    loss.backward()
    eps = 1e-6
    targets = [("x", x, x.grad.asnumpy())] + [
        (p.name, p.data(), p.grad().asnumpy()) for p in block.collect_params().values()
    ]
    for label, arr, grad in targets:
        flat = arr.reshape((-1,))
        for i in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            old = float(flat[int(i)].asscalar())
            flat[int(i)] = old + eps
            up = loss_of()
            flat[int(i)] = old - eps
            down = loss_of()
            flat[int(i)] = old
            num = (up - down) / (2 * eps)
            assert abs(num - grad.reshape(-1)[int(i)]) <= 1e-5 + 1e-4 * abs(num), (
                label,
                int(i),
                num,
                grad.reshape(-1)[int(i)],
            )


def test_fresh_block_is_plain_convolution():
    """Zero-initialized offsets (MXNet's default) sample the regular grid, and
    the modulated mask is 2 * sigmoid(0) = 1: a fresh block is a convolution."""
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 3, 6, 6)))
    for cls in (cnn.DeformableConvolution, cnn.ModulatedDeformableConvolution):
        block = cls(4, kernel_size=3, padding=1)
        block.initialize(mx.init.Xavier())
        y = block(x)
        w = block.deformable_conv_weight.data()
        b = block.deformable_conv_bias.data()
        want = mx.nd.Convolution(x, w, b, kernel=(3, 3), pad=(1, 1), num_filter=4)
        np.testing.assert_allclose(y.asnumpy(), want.asnumpy(), rtol=1e-5, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="layout must be 'NCHW' or 'NHWC'"):
        cnn.DeformableConvolution(4, layout="NCW")
    with pytest.raises(ValueError, match="kernel_size must be an int or 2 ints"):
        cnn.DeformableConvolution(4, kernel_size=(3, 3, 3))
