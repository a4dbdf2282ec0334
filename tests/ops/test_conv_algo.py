"""The shape-chosen 2-D convolution algorithms (neogluon/ops/_conv2d.py).

Each path (channels-last oneDNN, one GEMM over the unfolded input, dead-tap
trimming, plain ``F.conv2d``) must give float64 ``F.conv2d``'s output and
gradients within float32 rounding, and eager and hybridized training must keep
agreeing bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import neogluon as mx
from neogluon.gluon import nn
from neogluon.ops import _conv2d

# (batch, in, out, size, kernel, stride, pad, dilate)
CASES = [
    (8, 3, 8, 1, 3, 1, 1, 1),  # 1x1 map, 3x3 kernel: the centre tap only
    (8, 3, 8, 2, 3, 2, 1, 1),  # 2x2 -> 1x1: a 2x2 sub-kernel
    (8, 4, 5, 1, 3, 1, 2, 2),  # dilated, all but the centre dead
    (8, 4, 6, 5, 3, 2, 1, 1),  # GEMM path (3x3 output)
    (8, 8, 8, 1, 1, 1, 0, 1),  # 1x1 convolution on a 1x1 map
    (8, 3, 4, 1, 5, 1, 2, 1),
    (8, 3, 4, 3, 5, 2, 2, 1),
    (8, 16, 32, 8, 3, 1, 1, 1),  # channels-last (8x8, few channels)
    (8, 16, 32, 20, 3, 1, 1, 1),  # channels-last (large map)
    (8, 8, 8, 1, 7, 2, 3, 1),
    (8, 3, 5, 4, 1, 2, 0, 1),
    (8, 3, 5, 3, 2, 1, 1, 1),  # even kernel: trimming would need uneven padding
    (2, 3, 8, 1, 3, 1, 1, 1),  # small batch: plain F.conv2d
    (8, 1, 6, 12, 5, 1, 0, 1),  # one input channel, forced channels-last (LeNet)
]


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_conv2d_matches_float64_reference(case, bias):
    n, c, co, h, k, s, p, d = case
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, c, h, h + 1, generator=g).requires_grad_()
    w = torch.randn(co, c, k, k, generator=g).requires_grad_()
    b = torch.randn(co, generator=g).requires_grad_() if bias else None
    y = _conv2d.conv2d(x, w, b, (s, s), (p, p), (d, d), 1)
    x2, w2 = (t.detach().double().requires_grad_() for t in (x, w))
    b2 = b.detach().double().requires_grad_() if bias else None
    y2 = F.conv2d(x2, w2, b2, (s, s), (p, p), (d, d))
    assert y.shape == y2.shape
    gy = torch.randn(y2.shape, generator=g, dtype=torch.float64)
    y.backward(gy.float())
    y2.backward(gy)
    pairs = [(y, y2), (x.grad, x2.grad), (w.grad, w2.grad)]
    if bias:
        pairs.append((b.grad, b2.grad))
    for got, want in pairs:
        np.testing.assert_allclose(
            got.detach().double().numpy(), want.detach().numpy(), rtol=1e-4, atol=1e-4
        )


def test_live_taps_and_trim():
    # 3x3, pad 1 on a 1x1 map: only the centre tap reads the input.
    assert _conv2d.live_taps(1, 3, 1, 1, 1) == (1, 1)
    # 2x2 map, stride 2: output 0 reads positions -1, 0, 1: taps 1 and 2.
    assert _conv2d.live_taps(2, 3, 2, 1, 1) == (1, 2)
    assert _conv2d.live_taps(4, 3, 1, 1, 1) == (0, 2)
    w = torch.randn(4, 2, 3, 3)
    t, pad = _conv2d.trim_dead_taps(w, (1, 1), (1, 1), (1, 1), (1, 1))
    assert tuple(t.shape) == (4, 2, 1, 1) and pad == (0, 0)
    assert torch.equal(t, w[:, :, 1:2, 1:2])
    t, pad = _conv2d.trim_dead_taps(w, (8, 8), (1, 1), (1, 1), (1, 1))
    assert t is w and pad == (1, 1)


def test_layout_choice():
    assert _conv2d.prefer_channels_last(32, 64, 32 * 32)
    assert not _conv2d.prefer_channels_last(32, 512, 4 * 4)
    assert not _conv2d.prefer_channels_last(1, 64, 32 * 32)  # batch 1
    x = torch.randn(8, 16, 16, 16)
    assert _conv2d.bn_layout(x).is_contiguous(memory_format=torch.channels_last)
    x = torch.randn(8, 512, 2, 2).contiguous(memory_format=torch.channels_last)
    assert _conv2d.bn_layout(x).is_contiguous()


def test_one_channel_input_runs_channels_last():
    # A dense NCHW map with one channel already counts as channels-last
    # contiguous; the convolution must still get channels-last strides so
    # that oneDNN (and the pooling after it) runs channels-last (LeNet's first
    # layer: 1.8x faster convolution, 6x faster max pooling).
    x = torch.randn(16, 1, 28, 28)
    xc = _conv2d._as_channels_last(x)
    assert xc.stride() == (784, 1, 28, 1) and torch.equal(xc, x)
    w = torch.randn(20, 1, 5, 5)
    y = _conv2d.conv2d(x, w, None, (1, 1), (0, 0), (1, 1), 1)
    assert y.stride(1) == 1 and y.stride(3) == 20  # channels-last output
    yp = F.max_pool2d(torch.relu(y), 2, 2)
    assert yp.is_contiguous(memory_format=torch.channels_last)
    np.testing.assert_allclose(y.numpy(), F.conv2d(x, w).numpy(), rtol=1e-5, atol=1e-5)
    # several channels: the usual conversion
    x3 = torch.randn(16, 3, 8, 8)
    assert _conv2d._as_channels_last(x3).is_contiguous(
        memory_format=torch.channels_last
    )


def test_train_step_eager_and_hybridized_same_bits():
    # Channels-last convolutions, BatchNorm and a GEMM convolution (1x1 map):
    # the eager and the compiled graph run the same algorithms.
    def make():
        net = nn.HybridSequential()
        net.add(
            nn.Conv2D(16, 3, padding=1),
            nn.BatchNorm(),
            nn.Activation("relu"),
            nn.Conv2D(32, 3, strides=2, padding=1),
            nn.BatchNorm(),
            nn.Activation("relu"),
            nn.GlobalAvgPool2D(),
            nn.Conv2D(8, 3, padding=1),
            nn.Flatten(),
        )
        net.initialize(mx.init.Xavier())
        return net

    mx.random.seed(3)
    x = mx.nd.random.uniform(shape=(8, 3, 16, 16))
    nets = [make(), make()]
    for net in nets:
        net(x)  # finish deferred initialisation
    for p0, p1 in zip(
        nets[0].collect_params().values(),
        nets[1].collect_params().values(),
        strict=True,
    ):
        p1.set_data(p0.data())
    nets[1].hybridize()
    outs = []
    for net in nets:
        with mx.autograd.record():
            y = net(x)
        y.backward()
        params = net.collect_params().values()
        grads = [p.grad().asnumpy() for p in params if p.grad_req != "null"]
        outs.append((y.asnumpy(), grads))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    for a, b in zip(outs[0][1], outs[1][1], strict=True):
        np.testing.assert_array_equal(a, b)
