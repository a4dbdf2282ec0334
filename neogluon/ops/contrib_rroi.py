"""Operator family: rotated ROI align (``_contrib_RROIAlign``).

Follows MXNet 1.9.1's CPU kernel (``src/operator/contrib/rroi_align.cc``): each
roi row is ``[batch_index, center_x, center_y, width, height, theta]`` with
``theta`` in degrees. The roi (scaled by ``spatial_scale``, width and height at
least 1) is split into ``pooled_size`` bins; every bin averages a
``grid_h x grid_w`` grid of points (``sampling_ratio`` per axis, or
``ceil(roi_size / pooled_size)`` when ``sampling_ratio <= 0``), each point rotated
by ``theta`` about the roi centre and bilinearly sampled. A point outside
``[-1, H] x [-1, W]`` contributes 0 but still counts in the average; points in
``[-1, 0)`` are clamped to the border, like MXNet's ROIAlign.

All rois are done at once: the sampling grid is padded to the largest grid of
the batch, and the padding points get weight 0.

Differences from MXNet, on purpose:

* MXNet 1.9.1 registers no gradient (``backward`` raises "non-differentiable");
  here the output is differentiable with respect to ``data`` (the exact
  gradient of the bilinear sampling). ``rois`` get no gradient.
* A batch index outside ``[0, N)`` raises :class:`~neogluon.base.MXNetError`
  (MXNet reads out of bounds and returns garbage).
"""

from __future__ import annotations

import math

import torch

from .._text import fmt_shape
from ..base import MXNetError
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

_OP = "_contrib_RROIAlign"

#: Upper bound on gathered elements per chunk of rois (bounds peak memory when
#: adaptive sampling grids are large).
_CHUNK_ELEMENTS = 1 << 24


def _check_attrs(pooled_size: tuple[int, ...], spatial_scale: float) -> None:
    if pooled_size is None or len(pooled_size) != 2 or min(pooled_size) <= 0:
        raise MXNetError(
            f"Operator {_OP}: pooled_size must be two positive ints (h, w), got "
            f"{pooled_size!r}."
        )
    if not 0.0 <= spatial_scale <= 1.0:
        raise MXNetError(
            f"Operator {_OP}: spatial_scale {spatial_scale} must be in [0, 1] "
            "(feature map size / image size)."
        )


def _sample_chunk(
    data: torch.Tensor,
    batch: torch.Tensor,
    cx: torch.Tensor,
    cy: torch.Tensor,
    rw: torch.Tensor,
    rh: torch.Tensor,
    theta: torch.Tensor,
    PH: int,
    PW: int,
    sampling_ratio: int,
) -> torch.Tensor:
    """Pooled values ``(R, C, PH, PW)`` for one chunk of rois; every roi tensor
    is 1-D of length R in ``data``'s dtype (``batch`` is int64)."""
    N, C, H, W = data.shape
    dt, dev = data.dtype, data.device
    bin_h = rh / PH
    bin_w = rw / PW
    if sampling_ratio > 0:
        gh = torch.full_like(rh, sampling_ratio)
        gw = torch.full_like(rw, sampling_ratio)
    else:
        gh = torch.ceil(rh / PH)
        gw = torch.ceil(rw / PW)
    GH, GW = int(gh.max().item()), int(gw.max().item())
    ar = lambda n: torch.arange(n, device=dev, dtype=dt)  # noqa: E731
    col = lambda t: t[:, None, None]  # noqa: E731 - (R,) -> (R, 1, 1)
    # Grid coordinates relative to the roi centre, in MXNet's order of float ops:
    # start + p * bin + (i + 0.5) * bin / grid.
    yy = (-rh / 2)[:, None, None] + ar(PH)[None, :, None] * col(bin_h)
    yy = yy + (ar(GH) + 0.5)[None, None, :] * col(bin_h) / col(gh)  # (R, PH, GH)
    xx = (-rw / 2)[:, None, None] + ar(PW)[None, :, None] * col(bin_w)
    xx = xx + (ar(GW) + 0.5)[None, None, :] * col(bin_w) / col(gw)  # (R, PW, GW)
    yy = yy[:, :, None, :, None]  # (R, PH, 1, GH, 1)
    xx = xx[:, None, :, None, :]  # (R, 1, PW, 1, GW)
    cos = torch.cos(theta)[:, None, None, None, None]
    sin = torch.sin(theta)[:, None, None, None, None]
    x = xx * cos + yy * sin + cx[:, None, None, None, None]
    y = yy * cos - xx * sin + cy[:, None, None, None, None]  # (R, PH, PW, GH, GW)
    valid = (y >= -1.0) & (y <= H) & (x >= -1.0) & (x <= W)
    valid = valid & (ar(GH)[None, None, None, :, None] < gh[:, None, None, None, None])
    valid = valid & (ar(GW)[None, None, None, None, :] < gw[:, None, None, None, None])
    zero = torch.zeros((), dtype=dt, device=dev)
    # Points that get weight 0 are moved to (0, 0) so that every index is legal.
    y = torch.where(valid, y, zero).clamp(min=0)
    x = torch.where(valid, x, zero).clamp(min=0)
    y0 = y.floor().to(torch.int64)
    x0 = x.floor().to(torch.int64)
    top_y = y0 >= H - 1
    top_x = x0 >= W - 1
    y0 = torch.where(top_y, H - 1, y0).clamp(max=H - 1)
    x0 = torch.where(top_x, W - 1, x0).clamp(max=W - 1)
    y = torch.where(top_y, y0.to(dt), y)
    x = torch.where(top_x, x0.to(dt), x)
    y1 = torch.where(top_y, y0, y0 + 1)
    x1 = torch.where(top_x, x0, x0 + 1)
    ly = y - y0.to(dt)
    lx = x - x0.to(dt)
    hy = 1.0 - ly
    hx = 1.0 - lx
    w = [torch.where(valid, v, zero) for v in (hy * hx, hy * lx, ly * hx, ly * lx)]
    # Gather (R, C, PH, PW, GH, GW) from the roi's image, channels second.
    img = data.permute(0, 2, 3, 1)  # (N, H, W, C)
    b = batch[:, None, None, None, None]

    def at(yi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        return img[b, yi, xi].movedim(-1, 1)

    val = (
        w[0][:, None] * at(y0, x0)
        + w[1][:, None] * at(y0, x1)
        + w[2][:, None] * at(y1, x0)
        + w[3][:, None] * at(y1, x1)
    )
    count = (gh * gw)[:, None, None, None]
    return val.sum(dim=(-2, -1)) / count


def _rroi_align(
    data: torch.Tensor,
    rois: torch.Tensor,
    pooled_size: tuple[int, ...] = REQUIRED,
    spatial_scale: float = REQUIRED,
    sampling_ratio: int = -1,
) -> torch.Tensor:
    _check_attrs(pooled_size, spatial_scale)
    if data.dim() != 4:
        raise ShapeError(
            f"Operator {_OP}: data {fmt_shape(tuple(data.shape))} must be 4-D "
            "(N, C, H, W)."
        )
    if rois.dim() != 2 or rois.shape[1] != 6:
        raise ShapeError(
            f"Operator {_OP}: rois {fmt_shape(tuple(rois.shape))} must be (R, 6): "
            "[batch_index, center_x, center_y, width, height, theta_degrees]."
        )
    if not data.is_floating_point():
        raise MXNetError(
            f"Operator {_OP}: data must be a floating-point array, got {data.dtype}."
        )
    PH, PW = pooled_size
    N, C, H, W = data.shape
    R = rois.shape[0]
    if R == 0 or data.numel() == 0 or data.device.type == "meta":
        return data.new_zeros((R, C, PH, PW))
    dt = data.dtype
    r = rois.detach().to(dt)
    batch = torch.trunc(r[:, 0]).to(torch.int64)
    bad = (batch < 0) | (batch >= N)
    if bool(bad.any()):
        idx = sorted(set(batch[bad].tolist()))
        raise MXNetError(
            f"Operator {_OP}: roi batch indices {idx} are outside [0, {N}) for "
            f"data {fmt_shape(tuple(data.shape))}."
        )
    s = torch.tensor(spatial_scale, dtype=dt, device=data.device)
    cx, cy = r[:, 1] * s, r[:, 2] * s
    rw = (r[:, 3] * s).clamp(min=1.0)
    rh = (r[:, 4] * s).clamp(min=1.0)
    # MXNet: theta * M_PI / 180.0 in double, then stored in the data dtype.
    theta = (rois.detach().to(torch.float64) * math.pi / 180.0)[:, 5].to(dt)
    if sampling_ratio > 0:
        per_roi = torch.full_like(rh, float(sampling_ratio) ** 2)
    else:
        per_roi = torch.ceil(rh / PH) * torch.ceil(rw / PW)
    # Chunk the rois so that the gathered samples stay bounded in memory.
    cost = (per_roi * (C * PH * PW)).double().cumsum(0)
    outs = []
    start = 0
    while start < R:
        base = float(cost[start - 1]) if start else 0.0
        stop = int(torch.searchsorted(cost, base + _CHUNK_ELEMENTS, right=True))
        stop = max(stop, start + 1)
        sl = slice(start, stop)
        outs.append(
            _sample_chunk(
                data,
                batch[sl],
                cx[sl],
                cy[sl],
                rw[sl],
                rh[sl],
                theta[sl],
                PH,
                PW,
                sampling_ratio,
            )
        )
        start = stop
    return outs[0] if len(outs) == 1 else torch.cat(outs)


def _rroi_infer(in_shapes: list, attrs: dict, out_shapes: list | None = None):
    d, r = in_shapes
    _check_attrs(attrs["pooled_size"], attrs["spatial_scale"])
    if d is not None and len(d) != 4:
        raise ShapeError(f"Operator {_OP}: data {fmt_shape(d)} must be (N, C, H, W).")
    if r is not None and (len(r) != 2 or r[1] not in (0, 6)):
        raise ShapeError(
            f"Operator {_OP}: rois {fmt_shape(r)} must be (R, 6): "
            "[batch_index, center_x, center_y, width, height, theta_degrees]."
        )
    if d is None or r is None or not r[0] or not d[1]:
        return [d, r], [None]
    ph, pw = attrs["pooled_size"]
    return [d, r], [(r[0], d[1], ph, pw)]


register(
    OpDef(
        _OP,
        _rroi_align,
        inputs=("data", "rois"),
        params=(
            P("pooled_size", "shape", REQUIRED, "Output (h, w)."),
            P(
                "spatial_scale",
                "float",
                REQUIRED,
                "Feature map / image size ratio, in [0, 1].",
            ),
            P(
                "sampling_ratio",
                "int",
                -1,
                "Sampling points per bin axis (<= 0: ceil(roi size / pooled size)).",
            ),
        ),
        infer_shape=_rroi_infer,
        doc=(
            "Rotated ROI align: each roi [batch_index, center_x, center_y, width, "
            "height, theta_degrees] is rotated about its centre, split into "
            "pooled_size bins and every bin averages bilinear samples."
        ),
    )
)
