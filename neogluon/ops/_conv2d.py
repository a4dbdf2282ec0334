"""How a 2-D float32 convolution runs on the CPU: memory format and algorithm.

torch runs CPU float32 convolutions through oneDNN in the memory format of the
input (or weight). Which format is faster depends on the shape, and the
difference is large (measured single-threaded, batch 32, forward + backward):

* large feature maps (16x16 and up, or 8x8 and up with at most 256
  channels): channels-last is 1.2-4x faster than NCHW;
* small maps with many channels (4x4 at 512 channels): NCHW is 1.4x faster;
* tiny maps (at most 4 output positions, ResNet's last stages on small
  images): both are slow (3-30 GFLOP/s); one GEMM over the unfolded input
  (``F.unfold`` + ``addmm``) is 2-10x faster;
* a kernel tap that reads only zero padding at every output position
  (a 3x3 kernel on a 1x1 map) is dropped: a 1x1 map convolved with a 3x3
  kernel and padding 1 is a 1x1 convolution with the kernel's centre.

:func:`conv2d` makes this choice from the shapes alone, so that an eager call
and the same node in a compiled graph run the same algorithm (same rounding).
The result is in the memory format the algorithm produced (channels-last
strides for the first two): every torch operator accepts it, element-wise
operators keep it, and the next convolution or BatchNorm
(:func:`prefer_channels_last`) picks its own format again.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["bn_layout", "conv2d", "live_taps", "prefer_channels_last", "trim_dead_taps"]

_CL = torch.channels_last


#: Below this batch size the input and weight conversions cost more than
#: the faster kernels save (batch-1 inference): ``F.conv2d`` as given.
_MIN_BATCH = 8


def prefer_channels_last(batch: int, channels: int, hw: int) -> bool:
    """Whether a (batch, channels, H, W) map with ``H * W == hw`` runs faster channels-last."""
    if batch < _MIN_BATCH:
        return False
    return hw >= 256 or (hw >= 64 and channels <= 256) or (hw >= 16 and channels <= 128)


def live_taps(n: int, k: int, s: int, p: int, d: int) -> tuple[int, int]:
    """The first and last kernel tap that reads the input (not only padding).

    Along one spatial dim of length ``n`` with kernel ``k``, stride ``s``,
    padding ``p`` (both sides) and dilation ``d``: tap ``t`` reads positions
    ``o * s - p + t * d`` for every output ``o``. Returns ``(0, k - 1)`` when
    every tap is live (the usual case) and ``(k, -1)``-like empty ranges never
    (a convolution's output always reads at least one input element).
    """
    out = (n + 2 * p - d * (k - 1) - 1) // s + 1
    live = []
    for t in range(k):
        off = t * d - p
        o0 = max(0, -(off // s)) if off < 0 else 0  # first o with o*s + off >= 0
        if o0 < out and o0 * s + off <= n - 1:
            live.append(t)
    if not live:
        return 0, k - 1
    return live[0], live[-1]


def trim_dead_taps(
    weight: torch.Tensor,
    spatial: tuple[int, ...],
    stride: tuple[int, ...],
    pad: tuple[int, ...],
    dilate: tuple[int, ...],
) -> tuple[torch.Tensor, tuple[int, ...]]:
    """``weight`` without the taps that read only padding, and the new padding.

    The trimmed convolution reads the same input positions for the same
    outputs (a dead tap only ever multiplies zeros), so the output is the same
    up to the order of the sum. A dim is trimmed only where the result needs
    symmetric padding again and keeps the output length; else it is left as is.
    The weight is sliced (a view): gradients reach the dead taps as zeros.
    """
    k = tuple(weight.shape[2:])
    new_pad = list(pad)
    index: list = [slice(None), slice(None)]
    trimmed = False
    for i, n in enumerate(spatial):
        ki, s, p, d = k[i], stride[i], pad[i], dilate[i]
        lo, hi = live_taps(n, ki, s, p, d)
        if lo == 0 and hi == ki - 1:
            index.append(slice(None))
            continue
        k2 = hi - lo + 1
        p2 = p - lo * d
        out = (n + 2 * p - d * (ki - 1) - 1) // s + 1
        if p2 < 0 or (n + 2 * p2 - d * (k2 - 1) - 1) // s + 1 != out:
            index.append(slice(None))
            continue
        index.append(slice(lo, hi + 1))
        new_pad[i] = p2
        trimmed = True
    if not trimmed:
        return weight, tuple(pad)
    return weight[tuple(index)], tuple(new_pad)


def _gemm_conv(x, w, bias, stride, pad, dilate):
    """The convolution as one GEMM over the unfolded input (channels-last result)."""
    n = x.shape[0]
    co = w.shape[0]
    kh, kw = w.shape[2], w.shape[3]
    ho = (x.shape[2] + 2 * pad[0] - dilate[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (x.shape[3] + 2 * pad[1] - dilate[1] * (kw - 1) - 1) // stride[1] + 1
    if kh == 1 and kw == 1 and not any(pad) and stride == (1, 1):
        rows = x.permute(0, 2, 3, 1).reshape(n * ho * wo, -1)
    else:
        cols = F.unfold(x, (kh, kw), dilate, pad, stride)  # (N, C*kh*kw, L)
        rows = cols.transpose(1, 2).reshape(n * ho * wo, -1)
    w2 = w.contiguous().view(co, -1).t()
    y = rows @ w2 if bias is None else torch.addmm(bias, rows, w2)
    return y.view(n, ho, wo, co).permute(0, 3, 1, 2)


def _as_channels_last(x: torch.Tensor) -> torch.Tensor:
    """``x`` with channels-last strides, also when it has a single channel.

    A dense NCHW map with one channel already counts as channels-last
    contiguous (the channel stride never matters), so ``contiguous()`` keeps
    its NCHW strides and oneDNN then runs the convolution, and hands every
    later layer, NCHW. For one channel, an NHWC view with explicit strides
    ``(H*W, 1, W, 1)`` makes oneDNN pick channels-last (LeNet's first
    convolution: 1.8x faster forward and backward, and the max pooling after
    it 6x faster).
    """
    if x.shape[1] != 1:
        return x.contiguous(memory_format=_CL)
    n, _, h, w = x.shape
    return x.contiguous().reshape(n, h, w, 1).permute(0, 3, 1, 2)


def conv2d(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None,
    stride: tuple[int, ...],
    pad: tuple[int, ...],
    dilate: tuple[int, ...],
    groups: int,
) -> torch.Tensor:
    """``F.conv2d`` with the algorithm and memory format chosen by shape (CPU float32).

    Other devices, dtypes and grouped convolutions run ``F.conv2d`` on the
    input as given.
    """
    if (
        x.device.type != "cpu"
        or x.dtype != torch.float32
        or w.dtype != torch.float32
        or groups != 1
        or x.dim() != 4
        or x.shape[0] < _MIN_BATCH
        or torch._C._is_tracing()  # an exported graph keeps the plain operator
    ):
        return F.conv2d(x, w, bias, stride, pad, dilate, groups)
    spatial = (x.shape[2], x.shape[3])
    w, pad = trim_dead_taps(w, spatial, stride, pad, dilate)
    kh, kw = w.shape[2], w.shape[3]
    ho = (spatial[0] + 2 * pad[0] - dilate[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (spatial[1] + 2 * pad[1] - dilate[1] * (kw - 1) - 1) // stride[1] + 1
    if ho < 1 or wo < 1:
        return F.conv2d(x, w, bias, stride, pad, dilate, groups)
    hw = ho * wo
    if hw <= 4:
        return _gemm_conv(x, w, bias, stride, pad, dilate)
    if prefer_channels_last(x.shape[0], w.shape[0], hw):
        x = _as_channels_last(x)
    else:
        x = x.contiguous()
        w = w.contiguous()
    return F.conv2d(x, w, bias, stride, pad, dilate, groups)


def bn_layout(x: torch.Tensor) -> torch.Tensor:
    """``x`` made dense in the memory format BatchNorm should run in.

    Channels-last where :func:`prefer_channels_last` says so for a 4-D CPU
    float32 map (the convolution that produced it ran channels-last), else
    the standard contiguous format. Chosen from the shape alone: the reduction
    order, hence the rounding, is the same for an eager call and a graph.
    """
    if (
        x.dim() == 4
        and x.dtype == torch.float32
        and x.device.type == "cpu"
        and prefer_channels_last(x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
    ):
        return x.contiguous(memory_format=_CL)
    return x.contiguous()
