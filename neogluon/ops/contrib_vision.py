"""Operator family: detection and vision contrib operators (box_encode/decode,
Proposal, MultiProposal, (Modulated)DeformableConvolution, (Deformable)
PSROIPooling) and the BatchNorm variants SyncBatchNorm and BatchNormWithReLU.

Conventions follow registry.py. The numbers follow MXNet 1.9.1's CPU kernels
(e.g. DeformableConvolution samples only inside ``[0, H) x [0, W)`` on CPU,
ModulatedDeformableConvolution inside ``(-1, H) x (-1, W)`` with zero padding).
Operators whose MXNet gradient is zero (box_encode/decode, the proposals) keep
their outputs in the autograd graph with zero input gradients.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._text import fmt_shape
from ..base import MXNetError
from .elemwise import round_half_away
from .nn import _batch_norm
from .nn import _bn_infer
from .nn import _bn_infer_type
from .nn import _conv_common_infer
from .nn import _in_training
from .nn import _merge
from .nn import _stat_outputs
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import get as _get_op
from .registry import register


class _ZeroGradLink(torch.autograd.Function):
    """``out`` unchanged forward; zero gradients for ``inputs`` backward,
    whatever gradient arrives (it is never read, as in MXNet)."""

    @staticmethod
    def forward(ctx, out, *inputs):  # noqa: ANN001, ANN205 - torch's protocol
        ctx.metas = [(x.shape, x.dtype, x.device) for x in inputs]
        return out.view_as(out)

    @staticmethod
    def backward(ctx, _grad):  # noqa: ANN001, ANN205 - torch's protocol
        zeros = [
            torch.zeros(shape, dtype=dt, device=dev) if need else None
            for (shape, dt, dev), need in zip(
                ctx.metas, ctx.needs_input_grad[1:], strict=True
            )
        ]
        return (None, *zeros)


def _zero_grad_link(out: torch.Tensor, *inputs: torch.Tensor) -> torch.Tensor:
    """``out`` detached, tied to ``inputs`` with zero gradients (MXNet's
    ``MakeZeroGradNodes``), so that backward through it works and gives zeros.
    The gradient arriving at ``out`` is ignored (see :func:`is_zero_grad`)."""
    ins = [
        x for x in inputs if x is not None and x.requires_grad and x.is_floating_point()
    ]
    if not ins:
        return out.detach()
    return _ZeroGradLink.apply(out.detach(), *ins)


def is_zero_grad(t: torch.Tensor) -> bool:
    """Whether ``t``'s gradient cannot reach any input: it needs none, or it
    is the output of an operator whose gradients are zeros. MXNet never reads
    the head gradient of such an output (its shape is not checked either)."""
    fn = t.grad_fn
    if not t.requires_grad:
        return True
    return fn is not None and getattr(type(fn), "_forward_cls", None) is _ZeroGradLink


# --------------------------------------------------------------------------- box_encode / box_decode
def _box_encode(samples, matches, anchors, refs, means, stds):
    B, N = anchors.shape[0], anchors.shape[1]
    idx = matches.detach().reshape(B, N).to(torch.int64)
    idx = idx.clamp(0, refs.shape[1] - 1)
    r = torch.gather(refs.detach(), 1, idx[..., None].expand(B, N, 4))
    a = anchors.detach()
    rw, rh = r[..., 2] - r[..., 0], r[..., 3] - r[..., 1]
    rx, ry = r[..., 0] + rw * 0.5, r[..., 1] + rh * 0.5
    aw, ah = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1]
    ax, ay = a[..., 0] + aw * 0.5, a[..., 1] + ah * 0.5
    m, s = means.detach(), stds.detach()
    t = torch.stack(
        [
            ((rx - ax) / aw - m[0]) / s[0],
            ((ry - ay) / ah - m[1]) / s[1],
            (torch.log(rw / aw) - m[2]) / s[2],
            (torch.log(rh / ah) - m[3]) / s[3],
        ],
        -1,
    )
    valid = (samples.detach().reshape(B, N) > 0.5)[..., None]
    targets = torch.where(valid, t, torch.zeros_like(t))
    masks = valid.to(a.dtype).expand(B, N, 4)
    ins = (samples, matches, anchors, refs, means, stds)
    return _zero_grad_link(targets, *ins), _zero_grad_link(masks.clone(), *ins)


def _box_encode_infer(in_shapes, attrs, out_shapes=None):
    op = "_contrib_box_encode"
    s, m, a, r, mean, std = in_shapes
    if a is not None and (len(a) < 3 or (a[-1] and a[-1] != 4)):
        raise ShapeError(f"Operator {op}: anchors {fmt_shape(a)} must be (B, N, 4).")
    if r is not None and (len(r) < 3 or (r[-1] and r[-1] != 4)):
        raise ShapeError(f"Operator {op}: refs {fmt_shape(r)} must be (B, M, 4).")
    mean = _merge(op, "means", mean, (4,))
    std = _merge(op, "stds", std, (4,))
    if a is not None:
        s = _merge(op, "samples", s, tuple(a[:2]))
        m = _merge(op, "matches", m, tuple(a[:2]))
    return [s, m, a, r, mean, std], [a, a]


register(
    OpDef(
        "_contrib_box_encode",
        _box_encode,
        inputs=("samples", "matches", "anchors", "refs", "means", "stds"),
        num_outputs=2,
        infer_shape=_box_encode_infer,
        output_names=("output0", "output1"),
        doc=(
            "Encode matched reference boxes against corner anchors as normalized "
            "center/size offsets: returns (targets, masks), both (B, N, 4); rows "
            "with samples <= 0.5 are zero. Zero gradients."
        ),
    )
)


def _box_decode(
    data, anchors, std0=1.0, std1=1.0, std2=1.0, std3=1.0, clip=-1.0, format="center"
):  # noqa: A002 - MXNet's name
    a = anchors.detach()
    if format == "corner":
        aw, ah = a[..., 2] - a[..., 0], a[..., 3] - a[..., 1]
        ax, ay = a[..., 0] + aw * 0.5, a[..., 1] + ah * 0.5
    else:
        ax, ay, aw, ah = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    x = data.detach()
    ox = x[..., 0] * std0 * aw + ax
    oy = x[..., 1] * std1 * ah + ay
    dw, dh = x[..., 2] * std2, x[..., 3] * std3
    if clip > 0:
        dw, dh = dw.clamp(max=clip), dh.clamp(max=clip)
    ow, oh = torch.exp(dw) * aw * 0.5, torch.exp(dh) * ah * 0.5
    out = torch.stack([ox - ow, oy - oh, ox + ow, oy + oh], -1)
    return _zero_grad_link(out, data, anchors)


def _box_decode_infer(in_shapes, attrs, out_shapes=None):
    op = "_contrib_box_decode"
    d, a = in_shapes
    if d is not None and (len(d) != 3 or (d[-1] and d[-1] != 4)):
        raise ShapeError(f"Operator {op}: data {fmt_shape(d)} must be (B, N, 4).")
    if a is not None and (len(a) < 3 or (a[-1] and a[-1] != 4)):
        raise ShapeError(f"Operator {op}: anchors {fmt_shape(a)} must be (1, N, 4).")
    if d is None and out_shapes and out_shapes[0] is not None:
        d = tuple(out_shapes[0])
    return [d, a], [d]


register(
    OpDef(
        "_contrib_box_decode",
        _box_decode,
        inputs=("data", "anchors"),
        params=(
            P("std0", "float", 1.0, "Scale of the 1st encoded value."),
            P("std1", "float", 1.0, "Scale of the 2nd encoded value."),
            P("std2", "float", 1.0, "Scale of the 3rd encoded value."),
            P("std3", "float", 1.0, "Scale of the 4th encoded value."),
            P("clip", "float", -1.0, "Clip the size deltas to this value if > 0."),
            P("format", "str", "center", "Anchor format.", ("center", "corner")),
        ),
        infer_shape=_box_decode_infer,
        doc=(
            "Decode (B, N, 4) center/size offsets against anchors (1, N, 4) into "
            "corner boxes. Zero gradients."
        ),
    )
)


# --------------------------------------------------------------------------- Proposal
_PROPOSAL_PARAMS = (
    P("rpn_pre_nms_top_n", "int", 6000, "Boxes kept before NMS (<=0: all)."),
    P("rpn_post_nms_top_n", "int", 300, "Boxes returned after NMS."),
    P("threshold", "float", 0.7, "NMS IoU threshold."),
    P("rpn_min_size", "int", 16, "Least box side (times im_info scale)."),
    P("scales", "floats", (4.0, 8.0, 16.0, 32.0), "Anchor scales."),
    P("ratios", "floats", (0.5, 1.0, 2.0), "Anchor aspect ratios."),
    P("feature_stride", "int", 16, "Stride of the feature map."),
    P("output_score", "bool", False, "Also return the scores."),
    P("iou_loss", "bool", False, "Deltas are corner offsets (IoU loss)."),
)


def _base_anchors(stride: int, ratios, scales) -> np.ndarray:
    """MXNet's RPN anchors around the first cell: (len(ratios)*len(scales), 4)."""
    f32 = np.float32
    w = h = f32(stride)
    xc = yc = f32(0.5) * (w - f32(1))
    out = []
    for r in ratios:
        for s in scales:
            size_ratios = np.floor(w * h / f32(r))
            nw = np.floor(np.sqrt(size_ratios) + f32(0.5)) * f32(s)
            nh = np.floor(nw / f32(s) * f32(r) + f32(0.5)) * f32(s)
            out.append(
                [
                    xc - f32(0.5) * (nw - f32(1)),
                    yc - f32(0.5) * (nh - f32(1)),
                    xc + f32(0.5) * (nw - f32(1)),
                    yc + f32(0.5) * (nh - f32(1)),
                ]
            )
    return np.asarray(out, dtype=np.float32)


def _proposal_one(scores, deltas, info, a) -> tuple[np.ndarray, np.ndarray]:
    """RPN proposals of one image (numpy float32, MXNet's CPU algorithm)."""
    f32 = np.float32
    A, H, W = scores.shape
    stride = a["feature_stride"]
    base = _base_anchors(stride, a["ratios"], a["scales"])
    if base.shape[0] != A:
        raise MXNetError(
            f"Operator _contrib_Proposal: cls_prob has {A} anchors per position "
            f"but scales {a['scales']} x ratios {a['ratios']} make {base.shape[0]}."
        )
    # Boxes in MXNet's order: index = h * (W * A) + w * A + anchor.
    sy, sx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    shift = np.stack([sx, sy, sx, sy], -1).astype(f32) * f32(stride)
    boxes = (shift[:, :, None, :] + base[None, None]).reshape(-1, 4)
    score = scores.transpose(1, 2, 0).reshape(-1).copy()
    d = deltas.reshape(A, 4, H, W).transpose(2, 3, 0, 1).reshape(-1, 4)
    im_h, im_w, im_scale = (f32(v) for v in info[:3])
    if a["iou_loss"]:
        pred = boxes + d
    else:
        width = boxes[:, 2] - boxes[:, 0] + f32(1)
        height = boxes[:, 3] - boxes[:, 1] + f32(1)
        ctr_x = (boxes[:, 0] + 0.5 * (width - 1.0)).astype(f32)
        ctr_y = (boxes[:, 1] + 0.5 * (height - 1.0)).astype(f32)
        pcx = d[:, 0] * width + ctr_x
        pcy = d[:, 1] * height + ctr_y
        pw = np.exp(d[:, 2]) * width
        ph = np.exp(d[:, 3]) * height
        pred = np.stack(
            [
                pcx - 0.5 * (pw - 1.0),
                pcy - 0.5 * (ph - 1.0),
                pcx + 0.5 * (pw - 1.0),
                pcy + 0.5 * (ph - 1.0),
            ],
            -1,
        ).astype(f32)
    lim = np.array([im_w, im_h, im_w, im_h], dtype=f32) - f32(1)
    pred = np.maximum(np.minimum(pred, lim), f32(0)).astype(f32)
    real_h, real_w = int(im_h / f32(stride)), int(im_w / f32(stride))
    hh = np.repeat(np.arange(H), W * A)
    ww = np.tile(np.repeat(np.arange(W), A), H)
    score[(hh >= real_h) | (ww >= real_w)] = -1.0
    min_size = f32(a["rpn_min_size"]) * im_scale
    iw = pred[:, 2] - pred[:, 0] + f32(1)
    ih = pred[:, 3] - pred[:, 1] + f32(1)
    small = (iw < min_size) | (ih < min_size)
    half = min_size / f32(2)
    pred[small] += np.array([-half, -half, half, half], dtype=f32)
    score[small] = -1.0
    count = score.shape[0]
    pre = a["rpn_pre_nms_top_n"]
    pre = min(pre if pre > 0 else count, count)
    post_param = a["rpn_post_nms_top_n"]
    post = min(post_param, pre)
    order = np.argsort(-score, kind="stable")[:pre]
    dets, dsc = pred[order], score[order]
    area = (dets[:, 2] - dets[:, 0] + f32(1)) * (dets[:, 3] - dets[:, 1] + f32(1))
    suppressed = np.zeros(pre, dtype=bool)
    keep: list[int] = []
    for i in range(pre):
        if len(keep) >= post:
            break
        if suppressed[i]:
            continue
        keep.append(i)
        rest = dets[i + 1 :]
        w = np.maximum(
            f32(0),
            np.minimum(dets[i, 2], rest[:, 2])
            - np.maximum(dets[i, 0], rest[:, 0])
            + f32(1),
        )
        h = np.maximum(
            f32(0),
            np.minimum(dets[i, 3], rest[:, 3])
            - np.maximum(dets[i, 1], rest[:, 1])
            + f32(1),
        )
        inter = w * h
        ovr = inter / (area[i] + area[i + 1 :] - inter)
        suppressed[i + 1 :] |= ovr > a["threshold"]
    if not keep:
        raise MXNetError("Operator _contrib_Proposal: no proposal survived NMS.")
    sel = np.array([keep[i % len(keep)] for i in range(post_param)], dtype=np.int64)
    return dets[sel], dsc[sel]


def _proposal_common(cls_prob, bbox_pred, im_info, a, multi: bool):
    op = "_contrib_MultiProposal" if multi else "_contrib_Proposal"
    N, C2 = cls_prob.shape[0], cls_prob.shape[1]
    if not multi and N != 1:
        raise MXNetError(
            f"Operator {op}: only one image per call is supported (cls_prob batch "
            f"is {N}); use _contrib_MultiProposal for batches."
        )
    A = C2 // 2
    cp = cls_prob.detach().to("cpu", torch.float32).numpy()
    bp = bbox_pred.detach().to("cpu", torch.float32).numpy()
    info = im_info.detach().to("cpu", torch.float32).numpy()
    rois, scores = [], []
    for b in range(N):
        boxes, sc = _proposal_one(cp[b, A:], bp[b], info[b], a)
        ids = np.full((boxes.shape[0], 1), b, dtype=np.float32)
        rois.append(np.concatenate([ids, boxes], 1))
        scores.append(sc[:, None])
    dev = cls_prob.device
    out = torch.from_numpy(np.concatenate(rois)).to(dev)
    sc = torch.from_numpy(np.concatenate(scores)).to(dev)
    ins = (cls_prob, bbox_pred, im_info)
    out = _zero_grad_link(out, *ins)
    if not a["output_score"]:
        return out
    return out, _zero_grad_link(sc, *ins)


def _proposal(cls_prob, bbox_pred, im_info, **a):
    return _proposal_common(cls_prob, bbox_pred, im_info, a, False)


def _multi_proposal(cls_prob, bbox_pred, im_info, **a):
    return _proposal_common(cls_prob, bbox_pred, im_info, a, True)


def _proposal_infer(multi: bool):
    op = "_contrib_MultiProposal" if multi else "_contrib_Proposal"

    def infer(in_shapes, attrs, out_shapes=None):
        c, b, info = in_shapes
        num_outputs = 2 if attrs["output_score"] else 1
        if c is None:
            return in_shapes, [None] * num_outputs
        if len(c) != 4:
            raise ShapeError(
                f"Operator {op}: cls_prob {fmt_shape(c)} must be (N, 2*A, H, W)."
            )
        b = _merge(op, "bbox_pred", b, (c[0], c[1] * 2, c[2], c[3]))
        info = _merge(op, "im_info", info, (c[0], 3))
        n = attrs["rpn_post_nms_top_n"] * (c[0] if multi else 1)
        outs = [(n, 5), (n, 1)][:num_outputs]
        return [c, b, info], outs

    return infer


for _name, _kernel, _multi in (
    ("_contrib_Proposal", _proposal, False),
    ("_contrib_MultiProposal", _multi_proposal, True),
):
    register(
        OpDef(
            _name,
            _kernel,
            inputs=("cls_prob", "bbox_pred", "im_info"),
            params=_PROPOSAL_PARAMS,
            num_outputs=lambda a: 2 if a["output_score"] else 1,
            num_total_outputs=2,
            output_names=("output", "score"),
            infer_shape=_proposal_infer(_multi),
            cse=False,
            doc=(
                "Region proposals of an RPN: anchors shifted over the feature map, "
                "decoded by bbox_pred, clipped, small boxes dropped, sorted by "
                "foreground score and NMS-ed; rows [batch, x1, y1, x2, y2] (and "
                "scores). Zero gradients." + ("" if _multi else " One image per call.")
            ),
        )
    )


# --------------------------------------------------------------------------- deformable convolution
def _bilinear_at(flat, H: int, W: int, py, px, mode: str):
    """Bilinear samples of ``flat (N, G, Cg, H*W)`` at ``py, px (N, G, L)``.

    ``mode='clamp'``: MXNet's CPU DeformableConvolution (valid in [0, H) x
    [0, W), the last row/column is not interpolated past); ``mode='zero'``:
    modulated (valid in (-1, H) x (-1, W), corners outside read as 0).
    """
    if mode == "clamp":
        valid = (py >= 0) & (px >= 0) & (py < H) & (px < W)
        y0 = py.detach().floor()
        x0 = px.detach().floor()
        ylast, xlast = y0 >= H - 1, x0 >= W - 1
        py = torch.where(ylast, y0, py)
        px = torch.where(xlast, x0, px)
        y0i, x0i = y0.to(torch.int64), x0.to(torch.int64)
        y1i = torch.where(ylast, y0i, y0i + 1)
        x1i = torch.where(xlast, x0i, x0i + 1)
        ok = [valid] * 4
    else:
        valid = (py > -1) & (px > -1) & (py < H) & (px < W)
        y0 = py.detach().floor()
        x0 = px.detach().floor()
        y0i, x0i = y0.to(torch.int64), x0.to(torch.int64)
        y1i, x1i = y0i + 1, x0i + 1
        in_y0, in_y1 = y0i >= 0, y1i <= H - 1
        in_x0, in_x1 = x0i >= 0, x1i <= W - 1
        ok = [
            valid & in_y0 & in_x0,
            valid & in_y0 & in_x1,
            valid & in_y1 & in_x0,
            valid & in_y1 & in_x1,
        ]
    ly, lx = py - y0, px - x0
    hy, hx = 1 - ly, 1 - lx
    weights = (hy * hx, hy * lx, ly * hx, ly * lx)
    corners = ((y0i, x0i), (y0i, x1i), (y1i, x0i), (y1i, x1i))
    Cg = flat.shape[2]
    out = None
    for (yy, xx), wgt, m in zip(corners, weights, ok, strict=True):
        idx = (yy.clamp(0, H - 1) * W + xx.clamp(0, W - 1))[:, :, None, :]
        v = torch.gather(flat, 3, idx.expand(-1, -1, Cg, -1))
        term = v * torch.where(m, wgt, torch.zeros_like(wgt))[:, :, None, :]
        out = term if out is None else out + term
    return out


def _deform_conv_core(op, data, offset, mask, weight, bias, a, mode):
    if len(a["kernel"]) != 2 or data.dim() != 4 or a["layout"] not in (None, "NCHW"):
        raise MXNetError(
            f"Operator {op}: only 2-D NCHW data with a 2-D kernel is supported "
            f"(got data {tuple(data.shape)}, kernel {a['kernel']}, layout "
            f"{a['layout']}), as in MXNet."
        )
    kh, kw = a["kernel"]
    sh, sw = a["stride"] or (1, 1)
    dh, dw = a["dilate"] or (1, 1)
    ph, pw = a["pad"] or (0, 0)
    N, C, H, W = data.shape
    G = a["num_deformable_group"]
    ng = a["num_group"]
    F_ = a["num_filter"]
    K = kh * kw
    Ho = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    Wo = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if C % G or C % ng or F_ % ng:
        raise MXNetError(
            f"Operator {op}: channels {C} and num_filter {F_} must be divisible by "
            f"num_group={ng}, and channels by num_deformable_group={G}."
        )
    want = (N, 2 * G * K, Ho, Wo)
    if tuple(offset.shape) != want:
        raise MXNetError(
            f"Operator {op}: offset has shape {tuple(offset.shape)}, expected {want} "
            "(batch, 2*num_deformable_group*kh*kw, out_h, out_w)."
        )
    dev, dt = data.device, data.dtype
    ki = torch.arange(kh, device=dev, dtype=dt).repeat_interleave(kw)  # (K,)
    kj = torch.arange(kw, device=dev, dtype=dt).repeat(kh)
    hs = torch.arange(Ho, device=dev, dtype=dt) * sh - ph
    ws = torch.arange(Wo, device=dev, dtype=dt) * sw - pw
    off = offset.reshape(N, G, K, 2, Ho, Wo)
    py = (hs[None, :, None] + (ki * dh)[:, None, None]) + off[:, :, :, 0]
    px = (ws[None, None, :] + (kj * dw)[:, None, None]) + off[:, :, :, 1]
    L = K * Ho * Wo
    flat = data.reshape(N, G, C // G, H * W)
    cols = _bilinear_at(flat, H, W, py.reshape(N, G, L), px.reshape(N, G, L), mode)
    if mask is not None:
        cols = cols * mask.reshape(N, G, 1, L)
    # (N, C, K, Ho*Wo) -> per convolution group (N, ng, C/ng*K, Ho*Wo)
    cols = cols.reshape(N, ng, (C // ng) * K, Ho * Wo)
    w = weight.reshape(ng, F_ // ng, (C // ng) * K)
    out = torch.einsum("gfk,ngkl->ngfl", w, cols).reshape(N, F_, Ho, Wo)
    if bias is not None:
        out = out + bias.reshape(1, F_, 1, 1)
    return out


def _deform_conv(data, offset, weight, bias=None, **a):
    return _deform_conv_core(
        "_contrib_DeformableConvolution", data, offset, None, weight, bias, a, "clamp"
    )


def _mdeform_conv(data, offset, mask, weight, bias=None, **a):
    return _deform_conv_core(
        "_contrib_ModulatedDeformableConvolution",
        data,
        offset,
        mask,
        weight,
        bias,
        a,
        "zero",
    )


def _deform_infer(op: str, modulated: bool):
    def infer(in_shapes, attrs, out_shapes=None):
        data, offset = in_shapes[0], in_shapes[1]
        rest = in_shapes[3:] if modulated else in_shapes[2:]
        conv_attrs = dict(attrs)
        conv_attrs.setdefault("layout", None)
        conv_attrs["layout"] = None
        shapes, outs = _conv_common_infer(op, [data, *rest], conv_attrs, False)
        data = shapes[0]
        out = outs[0]
        K = math.prod(attrs["kernel"])
        G = attrs["num_deformable_group"]
        extra = []
        if out is not None and all(out[i] for i in (0, 2, 3)):
            offset = _merge(op, "offset", offset, (out[0], 2 * G * K, out[2], out[3]))
            if modulated:
                extra = [
                    _merge(op, "mask", in_shapes[2], (out[0], G * K, out[2], out[3]))
                ]
        elif modulated:
            extra = [in_shapes[2]]
        return [data, offset, *extra, *shapes[1:]], [out]

    return infer


def _deform_present(names):
    def present(a):
        return names[:-1] if a["no_bias"] else names

    return present


_DEFORM_COMMON = (
    P("kernel", "shape", REQUIRED, "Kernel size (kh, kw)."),
    P("stride", "shape", (), "Stride; default 1 per dim."),
    P("dilate", "shape", (), "Dilation; default 1 per dim."),
    P("pad", "shape", (), "Zero padding; default 0."),
    P("num_filter", "int", REQUIRED, "Number of output channels."),
    P("num_group", "int", 1, "Number of convolution groups."),
    P("num_deformable_group", "int", 1, "Number of offset groups."),
    P("workspace", "int", 1024, "Ignored."),
    P("no_bias", "bool", False, "Whether to disable the bias."),
)
_DEFORM_LAYOUT = P(
    "layout", "str", None, "Data layout.", (None, "NCDHW", "NCHW", "NCW")
)

_DC_INPUTS = ("data", "offset", "weight", "bias")
register(
    OpDef(
        "_contrib_DeformableConvolution",
        _deform_conv,
        inputs=_DC_INPUTS,
        params=(*_DEFORM_COMMON, _DEFORM_LAYOUT),
        present_inputs=_deform_present(_DC_INPUTS),
        infer_shape=_deform_infer("_contrib_DeformableConvolution", False),
        doc=(
            "Deformable convolution (v1): each kernel tap samples the input "
            "bilinearly at its grid position plus a learned offset. offset is "
            "(N, 2*num_deformable_group*kh*kw, out_h, out_w), (dy, dx) per tap."
        ),
        cse=False,
    )
)
_MDC_INPUTS = ("data", "offset", "mask", "weight", "bias")
register(
    OpDef(
        "_contrib_ModulatedDeformableConvolution",
        _mdeform_conv,
        inputs=_MDC_INPUTS,
        params=(
            *_DEFORM_COMMON,
            P("im2col_step", "int", 64, "Ignored."),
            _DEFORM_LAYOUT,
        ),
        present_inputs=_deform_present(_MDC_INPUTS),
        infer_shape=_deform_infer("_contrib_ModulatedDeformableConvolution", True),
        doc=(
            "Modulated deformable convolution (v2): as DeformableConvolution, each "
            "sample scaled by mask (N, num_deformable_group*kh*kw, out_h, out_w). "
            "Gradients are defined for every input (MXNet has them only on GPU)."
        ),
    )
)


# --------------------------------------------------------------------------- PSROIPooling
def _cround_np(v: np.ndarray) -> np.ndarray:
    """C's ``round`` (halves away from zero)."""
    return (np.sign(v) * np.floor(np.abs(v) + 0.5)).astype(np.float32)


def _roi_batch_index(rois: np.ndarray, N: int, op: str) -> np.ndarray:
    b = rois[:, 0].astype(np.int64)
    if ((b < 0) | (b >= N)).any():
        raise MXNetError(
            f"Operator {op}: roi batch indices {sorted(set(b.tolist()))} must be in "
            f"[0, {N})."
        )
    return b


def _psroi(
    data,
    rois,
    spatial_scale=REQUIRED,
    output_dim=REQUIRED,
    pooled_size=REQUIRED,
    group_size=0,
):
    op = "_contrib_PSROIPooling"
    N, C, H, W = data.shape
    P_ = pooled_size
    G = group_size or pooled_size
    if C != output_dim * G * G:
        raise MXNetError(
            f"Operator {op}: data has {C} channels, expected output_dim*group_size^2 "
            f"= {output_dim}*{G}^2 = {output_dim * G * G}."
        )
    f32 = np.float32
    r = rois.detach().to("cpu", torch.float32).numpy()
    R = r.shape[0]
    b = _roi_batch_index(r, N, op)
    s = f32(spatial_scale)
    x1 = _cround_np(r[:, 1]) * s
    y1 = _cround_np(r[:, 2]) * s
    x2 = (_cround_np(r[:, 3]) + f32(1)) * s
    y2 = (_cround_np(r[:, 4]) + f32(1)) * s
    rw = np.maximum(x2 - x1, f32(0.1))
    rh = np.maximum(y2 - y1, f32(0.1))
    bh, bw = rh / f32(P_), rw / f32(P_)
    p = np.arange(P_, dtype=f32)
    hs = np.clip(np.floor(p[None] * bh[:, None] + y1[:, None]), 0, H).astype(np.int64)
    he = np.clip(np.ceil((p[None] + 1) * bh[:, None] + y1[:, None]), 0, H).astype(
        np.int64
    )
    ws = np.clip(np.floor(p[None] * bw[:, None] + x1[:, None]), 0, W).astype(np.int64)
    we = np.clip(np.ceil((p[None] + 1) * bw[:, None] + x1[:, None]), 0, W).astype(
        np.int64
    )
    g = np.clip(np.floor(p * G / P_).astype(np.int64), 0, G - 1)
    ctop = np.arange(output_dim)
    c = (ctop[:, None, None] * G + g[None, :, None]) * G + g[None, None, :]  # (D,P,P)
    dev = data.device
    t = lambda v: torch.from_numpy(np.ascontiguousarray(v)).to(dev)  # noqa: E731
    # Integral image (float64 sums), rectangles gathered per (roi, ctop, ph, pw).
    ii = torch.nn.functional.pad(data.double().cumsum(2).cumsum(3), (1, 0, 1, 0))
    bi = t(b)[:, None, None, None]
    ci = t(c)[None]
    hs_, he_ = t(hs)[:, None, :, None], t(he)[:, None, :, None]
    ws_, we_ = t(ws)[:, None, None, :], t(we)[:, None, None, :]
    total = ii[bi, ci, he_, we_] - ii[bi, ci, hs_, we_] - ii[bi, ci, he_, ws_]
    total = total + ii[bi, ci, hs_, ws_]
    area = ((he_ - hs_) * (we_ - ws_)).to(torch.float64)
    out = torch.where(area > 0, total / area.clamp(min=1), torch.zeros_like(total))
    out = out.to(data.dtype).expand(R, output_dim, P_, P_)
    return _zero_grad_link(torch.zeros((), dtype=data.dtype, device=dev), rois) + out


def _psroi_infer(op: str):
    def infer(in_shapes, attrs, out_shapes=None):
        d, r = in_shapes[0], in_shapes[1]
        if d is not None and len(d) != 4:
            raise ShapeError(
                f"Operator {op}: data {fmt_shape(d)} must be (N, C, H, W)."
            )
        if r is not None and (len(r) != 2 or (r[1] and r[1] != 5)):
            raise ShapeError(f"Operator {op}: rois {fmt_shape(r)} must be (R, 5).")
        if r is None or not r[0]:
            return in_shapes, [None]
        p = attrs["pooled_size"]
        return in_shapes, [(r[0], attrs["output_dim"], p, p)]

    return infer


register(
    OpDef(
        "_contrib_PSROIPooling",
        _psroi,
        inputs=("data", "rois"),
        params=(
            P("spatial_scale", "float", REQUIRED, "Feature map / image size ratio."),
            P("output_dim", "int", REQUIRED, "Output channels."),
            P("pooled_size", "int", REQUIRED, "Output height and width."),
            P("group_size", "int", 0, "Position-sensitive groups (0: pooled_size)."),
        ),
        infer_shape=_psroi_infer("_contrib_PSROIPooling"),
        dtype_free_inputs=("rois",),
        doc=(
            "Position-sensitive ROI average pooling (R-FCN): bin (i, j) of output "
            "channel k averages input channel (k*group + gi)*group + gj."
        ),
        cse=False,
    )
)


def _dpsroi(
    data,
    rois,
    trans=None,
    spatial_scale=REQUIRED,
    output_dim=REQUIRED,
    group_size=REQUIRED,
    pooled_size=REQUIRED,
    part_size=0,
    sample_per_part=1,
    trans_std=0.0,
    no_trans=False,
):
    op = "_contrib_DeformablePSROIPooling"
    N, C, H, W = data.shape
    P_, G, S = pooled_size, group_size, sample_per_part
    part = part_size or pooled_size
    if not no_trans and trans is None:
        raise MXNetError(f"Operator {op}: trans is required unless no_trans=True.")
    if C < output_dim * G * G:
        raise MXNetError(
            f"Operator {op}: data has {C} channels, needs output_dim*group_size^2 = "
            f"{output_dim * G * G}."
        )
    dev, dt = data.device, data.dtype
    r = rois.detach().to(dev, dt)
    R = r.shape[0]
    _roi_batch_index(r[:, 0].cpu().numpy()[:, None], N, op)
    b = r[:, 0].to(torch.int64)

    x1 = round_half_away(r[:, 1]) * spatial_scale - 0.5
    y1 = round_half_away(r[:, 2]) * spatial_scale - 0.5
    x2 = (round_half_away(r[:, 3]) + 1.0) * spatial_scale - 0.5
    y2 = (round_half_away(r[:, 4]) + 1.0) * spatial_scale - 0.5
    rw = (x2 - x1).clamp(min=0.1)
    rh = (y2 - y1).clamp(min=0.1)
    bh, bw = rh / P_, rw / P_
    sbh, sbw = bh / S, bw / S
    p = torch.arange(P_, device=dev)
    part_i = torch.floor(p.to(dt) / P_ * part).to(torch.int64)
    ctop = torch.arange(output_dim, device=dev)
    if no_trans:
        tx = torch.zeros((R, output_dim, P_, P_), device=dev, dtype=dt)
        ty = tx
    else:
        ncls = trans.shape[1] // 2
        cls = ctop // (output_dim // ncls)
        tr = trans.reshape(R, ncls, 2, part, part)
        sel = tr[:, cls][:, :, :, part_i][:, :, :, :, part_i]  # (R, D, 2, P, P)
        tx = sel[:, :, 0] * trans_std
        ty = sel[:, :, 1] * trans_std
    pf = p.to(dt)
    wstart = (
        pf[None, None, None, :] * bw[:, None, None, None]
        + x1[:, None, None, None]
        + tx * rw[:, None, None, None]
    )  # (R, D, P, P)
    hstart = (
        pf[None, None, :, None] * bh[:, None, None, None]
        + y1[:, None, None, None]
        + ty * rh[:, None, None, None]
    )
    si = torch.arange(S, device=dev, dtype=dt)
    w = wstart[..., None, None] + (si[None, :] * sbw[:, None, None, None, None, None])
    h = hstart[..., None, None] + (si[:, None] * sbh[:, None, None, None, None, None])
    w, h = torch.broadcast_tensors(w, h)  # (R, D, P, P, S, S)
    valid = ~((w < -0.5) | (w > W - 0.5) | (h < -0.5) | (h > H - 0.5))
    # Clamp as MXNet does, but let the gradient pass as its backward does.
    wc = w + (w.detach().clamp(0, W - 1) - w.detach())
    hc = h + (h.detach().clamp(0, H - 1) - h.detach())
    xa, xb = wc.detach().floor(), wc.detach().ceil()
    ya, yb = hc.detach().floor(), hc.detach().ceil()
    dx, dy = wc - xa, hc - ya
    g = torch.clamp(torch.floor(p.to(dt) * G / P_).to(torch.int64), 0, G - 1)
    c = (ctop[:, None, None] * G + g[None, :, None]) * G + g[None, None, :]  # (D, P, P)
    base = (b[:, None, None, None] * C + c[None]) * (H * W)  # (R, D, P, P)
    flat = data.reshape(-1)

    def at(yy, xx):
        idx = base[..., None, None] + yy.to(torch.int64) * W + xx.to(torch.int64)
        return flat[idx]

    val = (
        (1 - dx) * (1 - dy) * at(ya, xa)
        + (1 - dx) * dy * at(yb, xa)
        + dx * (1 - dy) * at(ya, xb)
        + dx * dy * at(yb, xb)
    )
    val = torch.where(valid, val, torch.zeros_like(val))
    cnt = valid.sum((-1, -2)).to(dt)
    total = val.sum((-1, -2))
    out = torch.where(cnt > 0, total / cnt.clamp(min=1), torch.zeros_like(total))
    return _zero_grad_link(torch.zeros((), dtype=dt, device=dev), rois) + out


def _dpsroi_present(a):
    return ("data", "rois") if a["no_trans"] else ("data", "rois", "trans")


def _dpsroi_infer(in_shapes, attrs, out_shapes=None):
    op = "_contrib_DeformablePSROIPooling"
    ins, outs = _psroi_infer(op)(in_shapes[:2], attrs)
    if not attrs["no_trans"]:
        t = in_shapes[2] if len(in_shapes) > 2 else None
        if t is not None and len(t) != 4:
            raise ShapeError(
                f"Operator {op}: trans {fmt_shape(t)} must be (R, 2*classes, part, part)."
            )
        ins = [*ins, t]
    return ins, outs


register(
    OpDef(
        "_contrib_DeformablePSROIPooling",
        _dpsroi,
        inputs=("data", "rois", "trans"),
        params=(
            P("spatial_scale", "float", REQUIRED, "Feature map / image size ratio."),
            P("output_dim", "int", REQUIRED, "Output channels."),
            P("group_size", "int", REQUIRED, "Position-sensitive groups."),
            P("pooled_size", "int", REQUIRED, "Output height and width."),
            P("part_size", "int", 0, "Size of the trans grid (0: pooled_size)."),
            P("sample_per_part", "int", 1, "Samples per bin axis."),
            P("trans_std", "float", 0.0, "Scale of trans."),
            P("no_trans", "bool", False, "No trans input (plain bilinear PSROI)."),
        ),
        present_inputs=_dpsroi_present,
        num_total_outputs=2,
        output_names=("output", "top_count"),
        infer_shape=_dpsroi_infer,
        dtype_free_inputs=("rois",),
        doc=(
            "Deformable position-sensitive ROI pooling: each bin is shifted by "
            "trans * trans_std * roi size and averages sample_per_part^2 bilinear "
            "samples."
        ),
        cse=False,
    )
)


# --------------------------------------------------------------------------- SyncBatchNorm / BatchNormWithReLU
def legacy_batch_norm(op, data, gamma, beta, moving_mean, moving_var, a, square_var):
    """MXNet's old-style BatchNorm on axis 1 (SyncBatchNorm, BatchNorm_v1).

    Training statistics are the biased variance (``E[x^2] - mean^2`` when
    ``square_var``, as SyncBatchNorm computes it); the running statistics are
    updated during backward; the third output is the variance.
    """
    if data.dim() < 2:
        raise MXNetError(
            f"Operator {op}: data must have at least 2 dims, got {tuple(data.shape)}."
        )
    eps = a["eps"]
    shape = [1, data.shape[1]] + [1] * (data.dim() - 2)
    g = gamma * 0 + 1 if a["fix_gamma"] else gamma
    dims = [0, *range(2, data.dim())]
    if _in_training() and not a["use_global_stats"]:
        mean = data.mean(dims)
        if square_var:
            var = (data * data).mean(dims) - mean * mean
        else:
            var = ((data - mean.reshape(shape)) ** 2).mean(dims)
        y = (data - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
        y = y * g.reshape(shape) + beta.reshape(shape)
        if y.requires_grad and not y.is_meta:
            mom = a["momentum"]
            m_d, v_d = mean.detach(), var.detach()

            def _update(grad, mm=moving_mean, mv=moving_var):
                with torch.no_grad():
                    mm.mul_(mom).add_(m_d.to(mm.dtype), alpha=1 - mom)
                    mv.mul_(mom).add_(v_d.to(mv.dtype), alpha=1 - mom)
                return grad

            y.register_hook(_update)
    else:
        mean, var = moving_mean.detach(), moving_var.detach()
        inv = g / torch.sqrt(var + eps)
        y = data * inv.reshape(shape) + (beta - mean * inv).reshape(shape)
    if not a["output_mean_var"]:
        return y
    return (y, *_stat_outputs(y, mean, var))


def _sync_bn(data, gamma, beta, moving_mean, moving_var, **a):
    return legacy_batch_norm(
        "_contrib_SyncBatchNorm", data, gamma, beta, moving_mean, moving_var, a, True
    )


def _axis1_bn_infer(in_shapes, attrs, out_shapes=None):
    return _bn_infer(in_shapes, {**attrs, "axis": 1})


register(
    OpDef(
        "_contrib_SyncBatchNorm",
        _sync_bn,
        inputs=("data", "gamma", "beta", "moving_mean", "moving_var"),
        params=(
            P("eps", "float", 1e-3, "Added to the variance."),
            P("momentum", "float", 0.9, "running = momentum*running + (1-m)*batch."),
            P("fix_gamma", "bool", True, "Treat gamma as 1 (zero gradient)."),
            P("use_global_stats", "bool", False, "Always use the running stats."),
            P("output_mean_var", "bool", False, "Also return mean and variance."),
            P("ndev", "int", 1, "Devices synchronized (one process: 1 is exact)."),
            P("key", "str", REQUIRED, "Hash key shared by the synchronized layers."),
        ),
        num_outputs=lambda a: 3 if a["output_mean_var"] else 1,
        num_total_outputs=3,
        output_names=("output", "mean", "var"),
        aux=("moving_mean", "moving_var"),
        infer_shape=_axis1_bn_infer,
        infer_type=_bn_infer_type,
        dtype_free_inputs=("gamma", "beta", "moving_mean", "moving_var"),
        doc=(
            "Cross-device BatchNorm (channel axis 1). In one process the batch "
            "statistics are this device's (what MXNet computes with ndev=1); "
            "outputs mean and variance; running stats updated during backward."
        ),
    )
)


def _bn_relu(data, gamma, beta, moving_mean, moving_var, **a):
    out = _batch_norm(data, gamma, beta, moving_mean, moving_var, **a)
    if isinstance(out, tuple):
        return (torch.relu(out[0]), *out[1:])
    return torch.relu(out)


_BN = _get_op("BatchNorm")
register(
    OpDef(
        "_contrib_BatchNormWithReLU",
        _bn_relu,
        inputs=_BN.inputs,
        params=_BN.params,
        num_outputs=_BN.num_outputs,
        num_total_outputs=4,
        output_names=("output", "mean", "var", "workspace"),
        aux=_BN.aux,
        infer_shape=_BN.infer_shape,
        infer_type=_BN.infer_type,
        dtype_free_inputs=_BN.dtype_free_inputs,
        doc=(
            "BatchNorm followed by ReLU (MXNet runs it only on oneDNN; same "
            "statistics and outputs as BatchNorm)."
        ),
    )
)
