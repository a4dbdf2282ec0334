"""Operator family: contrib (detection boxes, ROI pooling, resizing, masks, fused
attention, spatial transformers, finiteness checks, ...).

Conventions follow registry.py. Data-dependent results (``boolean_mask``) have
no static shape: they run eagerly (``nd``) and, in a graph, the executor runs
the kernel on real tensors so the shape is known only after the forward;
``infer_shape`` leaves the output unknown.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812

from .._text import fmt_shape
from .elemwise import same_shape_infer
from .registry import REQUIRED
from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register
from .shape import _norm_axis

_FORMATS = ("center", "corner")


# --------------------------------------------------------------------------- boxes
def _to_corner(b: torch.Tensor, fmt: str) -> torch.Tensor:
    if fmt == "corner":
        return b
    xy, wh = b[..., :2], b[..., 2:4]
    return torch.cat([xy - wh / 2, xy + wh / 2], dim=-1)


def _to_center(b: torch.Tensor) -> torch.Tensor:
    lo, hi = b[..., :2], b[..., 2:4]
    return torch.cat([(lo + hi) / 2, hi - lo], dim=-1)


def _pair_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of corner boxes ``a (..., n, 4)`` with ``b (..., m, 4)``: ``(..., n, m)``."""
    lt = torch.maximum(a[..., :, None, :2], b[..., None, :, :2])
    rb = torch.minimum(a[..., :, None, 2:4], b[..., None, :, 2:4])
    wh = (rb - lt).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a[..., :, None] + area_b[..., None, :] - inter
    return torch.where(union > 0, inter / union, torch.zeros_like(inter))


def _box_iou(lhs, rhs, format="corner"):  # noqa: A002 - MXNet's name
    a = _to_corner(lhs.reshape(-1, 4), format)
    b = _to_corner(rhs.reshape(-1, 4), format)
    # MXNet's backward of box_iou is zero.
    iou = _pair_iou(a.detach(), b.detach())
    return iou.reshape(tuple(lhs.shape[:-1]) + tuple(rhs.shape[:-1]))


def _box_iou_infer(in_shapes, attrs, out_shapes=None):
    a, b = in_shapes
    for s, nm in ((a, "lhs"), (b, "rhs")):
        if s is not None and s[-1] not in (0, 4):
            raise ShapeError(
                f"Operator _contrib_box_iou: {nm} {fmt_shape(s)} must end with 4 "
                "box coordinates."
            )
    if a is None or b is None:
        return [a, b], [None]
    return [a, b], [tuple(a[:-1]) + tuple(b[:-1])]


register(
    OpDef(
        "_contrib_box_iou",
        _box_iou,
        inputs=("lhs", "rhs"),
        params=(P("format", "str", "corner", "Box encoding.", _FORMATS),),
        infer_shape=_box_iou_infer,
        doc="Pairwise IoU of two sets of boxes: shape lhs[:-1] + rhs[:-1].",
    )
)


def _nms_keep(
    boxes: torch.Tensor, ids: torch.Tensor | None, valid: torch.Tensor, thresh: float
) -> torch.Tensor:
    """Greedy NMS over score-sorted ``boxes (B, K, 4)``; returns the kept mask."""
    K = boxes.shape[1]
    iou = _pair_iou(boxes, boxes)
    over = iou > thresh
    if ids is not None:
        over = over & (ids[:, :, None] == ids[:, None, :])
    later = torch.ones(K, K, dtype=torch.bool, device=boxes.device).triu(1)
    over = over & later
    keep = valid.clone()
    for i in range(K - 1):
        keep = keep & ~(keep[:, i : i + 1] & over[:, i, :])
    return keep


def _box_nms(
    data,
    overlap_thresh=0.5,
    valid_thresh=0.0,
    topk=-1,
    coord_start=2,
    score_index=1,
    id_index=-1,
    background_id=-1,
    force_suppress=False,
    in_format="corner",
    out_format="corner",
):
    shape = data.shape
    if data.dim() < 2 or shape[-1] < max(
        coord_start + 4, score_index + 1, id_index + 1
    ):
        raise ShapeError(
            f"Operator _contrib_box_nms: data {tuple(shape)} must be (..., N, W) with "
            f"W covering coord_start={coord_start} (+4), score_index={score_index} "
            f"and id_index={id_index}."
        )
    x = data.reshape(-1, shape[-2], shape[-1])
    B, N, W = x.shape
    xd = x.detach()
    score = xd[:, :, score_index]
    valid = score > valid_thresh
    if id_index >= 0:
        # MXNet compares with background_id even at its default -1, so boxes
        # whose class id is -1 are dropped unless another background is set.
        valid = valid & (xd[:, :, id_index] != background_id)
    # Sort valid boxes by descending score (invalid ones last), keep topk.
    key = torch.where(valid, score, torch.full_like(score, -math.inf))
    order = torch.sort(key, dim=1, descending=True, stable=True).indices
    valid = torch.gather(valid, 1, order)
    if topk > 0:
        valid = valid & (torch.arange(N, device=x.device) < topk)
    sx = torch.gather(xd, 1, order.unsqueeze(-1).expand(B, N, W))
    boxes = _to_corner(sx[:, :, coord_start : coord_start + 4], in_format)
    ids = None
    if id_index >= 0 and not force_suppress:
        ids = sx[:, :, id_index]
    # Only the first K sorted rows can be kept (topk, then the valid ones), so
    # the K x K overlap matrix is built for those alone; the rest are dropped.
    K = int(valid.sum(dim=1).max()) if N else 0
    if topk > 0:
        K = min(K, topk)
    keep = torch.zeros_like(valid)
    if K > 0:
        ids_k = None if ids is None else ids[:, :K]
        keep[:, :K] = _nms_keep(boxes[:, :K], ids_k, valid[:, :K], overlap_thresh)
    # Kept rows first (in score order), the rest filled with -1.
    rank = torch.sort((~keep).to(torch.int8), dim=1, stable=True).indices
    src = torch.gather(order, 1, rank)
    kept = torch.gather(keep, 1, rank)
    rows = torch.gather(x, 1, src.unsqueeze(-1).expand(B, N, W))
    if in_format != out_format:
        c = rows[:, :, coord_start : coord_start + 4]
        conv = _to_center(c) if out_format == "center" else _to_corner(c, in_format)
        # Gradients pass straight to the source rows, as in MXNet's backward.
        fixed = torch.cat(
            [
                rows[:, :, :coord_start],
                c + (conv - c).detach(),
                rows[:, :, coord_start + 4 :],
            ],
            dim=-1,
        )
        rows = fixed
    out = torch.where(kept.unsqueeze(-1), rows, torch.full_like(rows, -1.0))
    return out.reshape(shape)


_NMS_PARAMS = (
    P("overlap_thresh", "float", 0.5, "IoU above which the lower score is dropped."),
    P("valid_thresh", "float", 0.0, "Keep boxes with score > valid_thresh."),
    P("topk", "int", -1, "Run NMS on the topk highest scores only (-1: all)."),
    P("coord_start", "int", 2, "Index of the 4 coordinates."),
    P("score_index", "int", 1, "Index of the score."),
    P("id_index", "int", -1, "Index of the class id (-1: none)."),
    P("background_id", "int", -1, "Class id to ignore (-1: none)."),
    P("force_suppress", "bool", False, "Suppress across classes."),
    P("in_format", "str", "corner", "Input box encoding.", _FORMATS),
    P("out_format", "str", "corner", "Output box encoding.", _FORMATS),
)
register(
    OpDef(
        "_contrib_box_nms",
        _box_nms,
        params=_NMS_PARAMS,
        infer_shape=same_shape_infer("_contrib_box_nms"),
        # MXNet keeps the sorted-index map as a hidden second output.
        num_total_outputs=2,
        output_names=("output0",),
        aliases=("_contrib_box_non_maximum_suppression",),
        doc="Non-maximum suppression; kept boxes first by score, others -1.",
    )
)


def _bipartite(data, is_ascend=False, threshold=REQUIRED, topk=-1):
    shape = data.shape
    x = data.detach().reshape(-1, shape[-2], shape[-1])
    B, N, M = x.shape
    rows = torch.full((B, N), -1.0, dtype=data.dtype)
    cols = torch.full((B, M), -1.0, dtype=data.dtype)
    xc = x.cpu()
    for b in range(B):
        flat = xc[b].reshape(-1)
        order = torch.sort(flat, descending=not is_ascend, stable=True).indices.tolist()
        vals = flat.tolist()
        count = 0
        for k in order:
            v = vals[k]
            if (v < threshold) if not is_ascend else (v > threshold):
                break
            r, c = divmod(k, M)
            if rows[b, r] < 0 and cols[b, c] < 0:
                rows[b, r] = c
                cols[b, c] = r
                count += 1
                # MXNet stops only after topk + 1 matches.
                if 0 < topk < count:
                    break
    return (
        rows.reshape(shape[:-1]).to(data.device),
        cols.reshape(tuple(shape[:-2]) + (M,)).to(data.device),
    )


def _bipartite_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if s is None:
        return [s], [None, None]
    return [s], [tuple(s[:-1]), tuple(s[:-2]) + (s[-1],)]


register(
    OpDef(
        "_contrib_bipartite_matching",
        _bipartite,
        params=(
            P("is_ascend", "bool", False, "Lower scores are better."),
            P("threshold", "float", REQUIRED, "Ignore scores beyond this."),
            P("topk", "int", -1, "Limit on the matches (-1: none)."),
        ),
        num_outputs=2,
        infer_shape=_bipartite_infer,
        doc="Greedy bipartite matching: (row -> col, col -> row), -1 unmatched.",
    )
)


# --------------------------------------------------------------------------- MultiBox
def _multibox_prior(
    data,
    sizes=(1.0,),
    ratios=(1.0,),
    clip=False,
    steps=(-1.0, -1.0),
    offsets=(0.5, 0.5),
):
    H, W = int(data.shape[2]), int(data.shape[3])
    step_y = steps[0] if steps[0] > 0 else 1.0 / H
    step_x = steps[1] if steps[1] > 0 else 1.0 / W
    dev = data.device
    cy = (torch.arange(H, device=dev, dtype=torch.float32) + offsets[0]) * step_y
    cx = (torch.arange(W, device=dev, dtype=torch.float32) + offsets[1]) * step_x
    half = []
    # Every size gets the first ratio (MXNet: ratios[0] applies to all sizes).
    r0 = math.sqrt(ratios[0]) if ratios else 1.0
    for s in sizes:
        half.append((s * H / W * r0 / 2, s / r0 / 2))
    for r in ratios[1:]:
        sr = math.sqrt(r)
        half.append((sizes[0] * H / W * sr / 2, sizes[0] / sr / 2))
    hw = torch.tensor(half, dtype=torch.float32, device=dev)  # (A, 2): (w, h)
    cyy, cxx = torch.meshgrid(cy, cx, indexing="ij")
    c = torch.stack([cxx, cyy], dim=-1).reshape(H * W, 1, 2)
    out = torch.cat([c - hw, c + hw], dim=-1).reshape(1, -1, 4)
    if clip:
        out = out.clamp(0.0, 1.0)
    return out.to(data.dtype)


def _multibox_prior_infer(in_shapes, attrs, out_shapes=None):
    (s,) = in_shapes
    if s is None or len(s) != 4 or not (s[2] and s[3]):
        return [s], [None]
    a = len(attrs["sizes"]) + len(attrs["ratios"]) - 1
    return [s], [(1, s[2] * s[3] * a, 4)]


register(
    OpDef(
        "_contrib_MultiBoxPrior",
        _multibox_prior,
        params=(
            P("sizes", "floats", (1.0,), "Anchor sizes."),
            P("ratios", "floats", (1.0,), "Anchor aspect ratios."),
            P("clip", "bool", False, "Clip anchors to [0, 1]."),
            P("steps", "floats", (-1.0, -1.0), "Step (y, x); -1: 1/size."),
            P("offsets", "floats", (0.5, 0.5), "Center offsets (y, x)."),
        ),
        infer_shape=_multibox_prior_infer,
        doc="SSD anchor boxes (1, H*W*(len(sizes)+len(ratios)-1), 4), corners.",
        cse=False,
    )
)


def _encode(anchor, gt, variances):
    """SSD box regression targets of corner ``gt`` against corner ``anchor``."""
    aw = anchor[..., 2] - anchor[..., 0]
    ah = anchor[..., 3] - anchor[..., 1]
    ax = (anchor[..., 0] + anchor[..., 2]) / 2
    ay = (anchor[..., 1] + anchor[..., 3]) / 2
    gw = gt[..., 2] - gt[..., 0]
    gh = gt[..., 3] - gt[..., 1]
    gx = (gt[..., 0] + gt[..., 2]) / 2
    gy = (gt[..., 1] + gt[..., 3]) / 2
    return torch.stack(
        [
            (gx - ax) / aw / variances[0],
            (gy - ay) / ah / variances[1],
            torch.log(gw / aw) / variances[2],
            torch.log(gh / ah) / variances[3],
        ],
        dim=-1,
    )


def _multibox_target(
    anchor,
    label,
    cls_pred,
    overlap_threshold=0.5,
    ignore_label=-1.0,
    negative_mining_ratio=-1.0,
    negative_mining_thresh=0.5,
    minimum_negative_samples=0,
    variances=(0.1, 0.1, 0.2, 0.2),
):
    anc = anchor.detach().reshape(-1, 4).to(torch.float64).cpu()
    lab = label.detach().to(torch.float64).cpu()
    cp = cls_pred.detach().to(torch.float64).cpu()
    B = lab.shape[0]
    A = anc.shape[0]
    loc_t = torch.zeros(B, A, 4, dtype=torch.float64)
    loc_m = torch.zeros(B, A, 4, dtype=torch.float64)
    cls_t = torch.full((B, A), float(ignore_label), dtype=torch.float64)
    for b in range(B):
        rows = lab[b]
        # Labels end at the first row with class id -1.
        n_gt = 0
        while n_gt < rows.shape[0] and rows[n_gt, 0] != -1:
            n_gt += 1
        gt = rows[:n_gt]
        match = torch.full((A,), -1, dtype=torch.int64)
        if n_gt > 0:
            iou = _pair_iou(anc, gt[:, 1:5])  # (A, G)
            work = iou.clone()
            # Bipartite stage: each ground truth takes its best free anchor.
            for _ in range(n_gt):
                v, k = work.reshape(-1).max(0)
                if v <= 1e-6:
                    break
                a_i, g_i = divmod(int(k), n_gt)
                match[a_i] = g_i
                work[a_i, :] = -1
                work[:, g_i] = -1
            # Then every other anchor above the overlap threshold.
            best_v, best_g = iou.max(1)
            extra = (match < 0) & (best_v > overlap_threshold)
            match = torch.where(extra, best_g, match)
            pos = match >= 0
            max_iou = best_v
        else:
            pos = torch.zeros(A, dtype=torch.bool)
            max_iou = torch.zeros(A, dtype=torch.float64)
        if pos.any():
            g = gt[match.clamp(min=0)]
            cls_t[b] = torch.where(pos, g[:, 0] + 1, cls_t[b])
            enc = _encode(anc, g[:, 1:5], variances)
            loc_t[b] = torch.where(pos[:, None], enc, loc_t[b])
            loc_m[b] = pos[:, None].to(torch.float64).expand(A, 4)
        n_pos = int(pos.sum())
        if negative_mining_ratio > 0:
            # minimum_negative_samples has no effect in MXNet 1.9.1's kernel.
            n_neg = min(int(n_pos * negative_mining_ratio), A - n_pos)
            cand = (~pos) & (max_iou < negative_mining_thresh)
            logits = cp[b]  # (C+1, A)
            prob = torch.softmax(logits, dim=0)[0]
            # Hardest negatives: lowest background probability.
            key = torch.where(cand, -prob, torch.full_like(prob, -math.inf))
            order = torch.sort(key, descending=True, stable=True).indices
            chosen = order[: min(n_neg, int(cand.sum()))]
            neg = torch.zeros(A, dtype=torch.bool)
            neg[chosen] = True
            cls_t[b] = torch.where(neg, torch.zeros_like(cls_t[b]), cls_t[b])
        else:
            cls_t[b] = torch.where(pos, cls_t[b], torch.zeros_like(cls_t[b]))
    dt, dev = anchor.dtype, anchor.device
    return (
        loc_t.reshape(B, A * 4).to(dt).to(dev),
        loc_m.reshape(B, A * 4).to(dt).to(dev),
        cls_t.to(dt).to(dev),
    )


def _multibox_target_infer(in_shapes, attrs, out_shapes=None):
    a, lab, cp = in_shapes
    if a is None or lab is None or not a[1] or not lab[0]:
        return in_shapes, [None, None, None]
    B, n = lab[0], a[1]
    return in_shapes, [(B, n * 4), (B, n * 4), (B, n)]


register(
    OpDef(
        "_contrib_MultiBoxTarget",
        _multibox_target,
        inputs=("anchor", "label", "cls_pred"),
        params=(
            P("overlap_threshold", "float", 0.5, "IoU for a positive anchor."),
            P("ignore_label", "float", -1.0, "Class target of ignored anchors."),
            P("negative_mining_ratio", "float", -1.0, "Negatives per positive."),
            P("negative_mining_thresh", "float", 0.5, "IoU below which negative."),
            P("minimum_negative_samples", "int", 0, "Least negatives mined."),
            P("variances", "floats", (0.1, 0.1, 0.2, 0.2), "Box encoding scales."),
        ),
        num_outputs=3,
        output_names=("loc_target", "loc_mask", "cls_target"),
        infer_shape=_multibox_target_infer,
        doc="SSD training targets: (loc_target, loc_mask, cls_target).",
        cse=False,
    )
)


def _decode(anchor, loc, variances, clip):
    aw = anchor[..., 2] - anchor[..., 0]
    ah = anchor[..., 3] - anchor[..., 1]
    ax = (anchor[..., 0] + anchor[..., 2]) / 2
    ay = (anchor[..., 1] + anchor[..., 3]) / 2
    ox = loc[..., 0] * variances[0] * aw + ax
    oy = loc[..., 1] * variances[1] * ah + ay
    ow = torch.exp(loc[..., 2] * variances[2]) * aw / 2
    oh = torch.exp(loc[..., 3] * variances[3]) * ah / 2
    out = torch.stack([ox - ow, oy - oh, ox + ow, oy + oh], dim=-1)
    return out.clamp(0.0, 1.0) if clip else out


def _multibox_detection(
    cls_prob,
    loc_pred,
    anchor,
    clip=True,
    threshold=0.01,
    background_id=0,
    nms_threshold=0.5,
    force_suppress=False,
    variances=(0.1, 0.1, 0.2, 0.2),
    nms_topk=-1,
):
    B, C, A = cls_prob.shape
    prob = cls_prob.detach()
    anc = anchor.detach().reshape(-1, 4)
    loc = loc_pred.detach().reshape(B, A, 4)
    # Best class per anchor among 1..C-1: MXNet 1.9.1's kernel always treats
    # class 0 as the background (background_id does not change the scan) and
    # numbers the output classes from 0 = input class 1.
    score, cid = prob[:, 1:, :].max(dim=1)  # (B, A)
    cid = cid.to(prob.dtype)
    valid = score > threshold
    boxes = _decode(anc.unsqueeze(0), loc, variances, clip)
    det = torch.cat([cid.unsqueeze(-1), score.unsqueeze(-1), boxes], dim=-1)
    key = torch.where(valid, score, torch.full_like(score, -math.inf))
    order = torch.sort(key, dim=1, descending=True, stable=True).indices
    det = torch.gather(det, 1, order.unsqueeze(-1).expand(B, A, 6))
    valid = torch.gather(valid, 1, order)
    cand = valid
    if nms_topk > 0:
        # Rows past nms_topk keep their place with class -1 (MXNet leaves
        # unspecified values there; only the class id -1 is meaningful).
        cand = valid & (torch.arange(A, device=det.device) < nms_topk)
    ids = None if force_suppress else det[:, :, 0]
    keep = _nms_keep(det[:, :, 2:6], ids, cand, nms_threshold)
    # Suppressed and invalid rows keep their place with class id -1.
    out = det.clone()
    out[:, :, 0] = torch.where(keep, det[:, :, 0], torch.full_like(det[:, :, 0], -1))
    # Rows past the valid count are all -1 in MXNet's output.
    out = torch.where(valid.unsqueeze(-1), out, torch.full_like(out, -1.0))
    return out


def _multibox_detection_infer(in_shapes, attrs, out_shapes=None):
    cp = in_shapes[0]
    if cp is None or not cp[0] or not cp[2]:
        return in_shapes, [None]
    return in_shapes, [(cp[0], cp[2], 6)]


register(
    OpDef(
        "_contrib_MultiBoxDetection",
        _multibox_detection,
        inputs=("cls_prob", "loc_pred", "anchor"),
        params=(
            P("clip", "bool", True, "Clip boxes to [0, 1]."),
            P("threshold", "float", 0.01, "Least score of a detection."),
            P("background_id", "int", 0, "Background class."),
            P("nms_threshold", "float", 0.5, "NMS IoU threshold."),
            P("force_suppress", "bool", False, "Suppress across classes."),
            P("variances", "floats", (0.1, 0.1, 0.2, 0.2), "Box decoding scales."),
            P("nms_topk", "int", -1, "Keep the topk before NMS (-1: all)."),
        ),
        infer_shape=_multibox_detection_infer,
        doc="SSD detections (B, A, 6): [class, score, x1, y1, x2, y2], -1 unused.",
        cse=False,
    )
)


# --------------------------------------------------------------------------- ROI ops
def _bilinear_gather(img: torch.Tensor, y: torch.Tensor, x: torch.Tensor):
    """Caffe2-style bilinear samples of ``img (C, H, W)`` at points ``y, x``."""
    H, W = img.shape[-2], img.shape[-1]
    out_of = (y < -1.0) | (y > H) | (x < -1.0) | (x > W)
    y = y.clamp(min=0)
    x = x.clamp(min=0)
    y0 = y.floor().to(torch.int64)
    x0 = x.floor().to(torch.int64)
    ylast = y0 >= H - 1
    xlast = x0 >= W - 1
    y0 = torch.where(ylast, torch.full_like(y0, H - 1), y0)
    x0 = torch.where(xlast, torch.full_like(x0, W - 1), x0)
    y = torch.where(ylast, y0.to(y.dtype), y)
    x = torch.where(xlast, x0.to(x.dtype), x)
    y1 = torch.where(ylast, y0, y0 + 1)
    x1 = torch.where(xlast, x0, x0 + 1)
    ly, lx = y - y0, x - x0
    hy, hx = 1 - ly, 1 - lx
    flat = img.reshape(img.shape[0], -1)

    def at(yy, xx):
        return flat[:, (yy * W + xx).reshape(-1)].reshape((img.shape[0],) + yy.shape)

    v = (
        hy * hx * at(y0, x0)
        + hy * lx * at(y0, x1)
        + ly * hx * at(y1, x0)
        + ly * lx * at(y1, x1)
    )
    return torch.where(out_of, torch.zeros_like(v), v)


def _roi_align(
    data,
    rois,
    pooled_size=REQUIRED,
    spatial_scale=REQUIRED,
    sample_ratio=-1,
    position_sensitive=False,
    aligned=False,
):
    PH, PW = pooled_size
    N, C, H, W = data.shape
    if position_sensitive and C % (PH * PW):
        raise ShapeError(
            f"Operator _contrib_ROIAlign: position_sensitive needs channels "
            f"{C} divisible by pooled_size {PH}x{PW}."
        )
    c_out = C // (PH * PW) if position_sensitive else C
    outs = []
    off = 0.5 if aligned else 0.0
    for r in rois.detach().cpu().tolist():
        b = int(r[0])
        if b < 0 or b >= N:
            outs.append(data.new_zeros(c_out, PH, PW))
            continue
        x1, y1 = r[1] * spatial_scale - off, r[2] * spatial_scale - off
        x2, y2 = r[3] * spatial_scale - off, r[4] * spatial_scale - off
        rw, rh = x2 - x1, y2 - y1
        if not aligned:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / PH, rw / PW
        gh = sample_ratio if sample_ratio > 0 else int(math.ceil(rh / PH))
        gw = sample_ratio if sample_ratio > 0 else int(math.ceil(rw / PW))
        gh, gw = max(gh, 1), max(gw, 1)
        dev, dt = data.device, data.dtype
        iy = (torch.arange(gh, device=dev, dtype=dt) + 0.5) * (bh / gh)
        ix = (torch.arange(gw, device=dev, dtype=dt) + 0.5) * (bw / gw)
        ys = y1 + torch.arange(PH, device=dev, dtype=dt)[:, None] * bh + iy  # (PH,gh)
        xs = x1 + torch.arange(PW, device=dev, dtype=dt)[:, None] * bw + ix  # (PW,gw)
        yy = ys.reshape(PH, 1, gh, 1).expand(PH, PW, gh, gw)
        xx = xs.reshape(1, PW, 1, gw).expand(PH, PW, gh, gw)
        v = _bilinear_gather(data[b], yy, xx).mean(dim=(-1, -2))  # (C, PH, PW)
        if position_sensitive:
            v = v.reshape(c_out, PH, PW, PH, PW)
            i = torch.arange(PH, device=dev)
            j = torch.arange(PW, device=dev)
            v = v[:, i[:, None], j[None, :], i[:, None], j[None, :]]
        outs.append(v)
    if not outs:
        return data.new_zeros(0, c_out, PH, PW)
    return torch.stack(outs)


def _roi_infer(op: str, ps_attr: bool):
    def infer(in_shapes, attrs, out_shapes=None):
        d, r = in_shapes
        if r is not None and len(r) == 2 and r[1] not in (0, 5):
            raise ShapeError(
                f"Operator {op}: rois {fmt_shape(r)} must be (R, 5): "
                "[batch_index, x1, y1, x2, y2]."
            )
        if d is None or r is None or not r[0]:
            return [d, r], [None]
        if len(d) != 4:
            raise ShapeError(
                f"Operator {op}: data {fmt_shape(d)} must be (N, C, H, W)."
            )
        ph, pw = attrs["pooled_size"]
        c = d[1]
        if ps_attr and attrs.get("position_sensitive"):
            c = c // (ph * pw)
        return [d, r], [(r[0], c, ph, pw)]

    return infer


register(
    OpDef(
        "_contrib_ROIAlign",
        _roi_align,
        inputs=("data", "rois"),
        params=(
            P("pooled_size", "shape", REQUIRED, "Output (h, w)."),
            P("spatial_scale", "float", REQUIRED, "Feature map / image size ratio."),
            P("sample_ratio", "int", -1, "Samples per bin axis (-1: adaptive)."),
            P("position_sensitive", "bool", False, "Position-sensitive pooling."),
            P("aligned", "bool", False, "Half-pixel aligned boxes (Detectron2)."),
        ),
        infer_shape=_roi_infer("_contrib_ROIAlign", True),
        dtype_free_inputs=("rois",),
        doc="ROI Align: bilinear average pooling of each ROI to pooled_size.",
    )
)


def _cround(v: float) -> int:
    """C's ``round``: halves away from zero (Python rounds them to even)."""
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def _roi_pool(data, rois, pooled_size=REQUIRED, spatial_scale=REQUIRED):
    PH, PW = pooled_size
    N, C, H, W = data.shape
    outs = []
    dev = data.device
    hi = torch.arange(H, device=dev)
    wi = torch.arange(W, device=dev)
    neg = torch.tensor(-math.inf, dtype=data.dtype, device=dev)
    for r in rois.detach().cpu().tolist():
        b = int(r[0])
        if b < 0 or b >= N:
            outs.append(data.new_zeros(C, PH, PW))
            continue
        x1, y1 = _cround(r[1] * spatial_scale), _cround(r[2] * spatial_scale)
        x2, y2 = _cround(r[3] * spatial_scale), _cround(r[4] * spatial_scale)
        rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        bh, bw = rh / PH, rw / PW
        hs = [min(max(math.floor(p * bh) + y1, 0), H) for p in range(PH)]
        he = [min(max(math.ceil((p + 1) * bh) + y1, 0), H) for p in range(PH)]
        ws = [min(max(math.floor(p * bw) + x1, 0), W) for p in range(PW)]
        we = [min(max(math.ceil((p + 1) * bw) + x1, 0), W) for p in range(PW)]
        mh = (hi >= torch.tensor(hs, device=dev)[:, None]) & (
            hi < torch.tensor(he, device=dev)[:, None]
        )  # (PH, H)
        mw = (wi >= torch.tensor(ws, device=dev)[:, None]) & (
            wi < torch.tensor(we, device=dev)[:, None]
        )  # (PW, W)
        img = data[b]  # (C, H, W)
        t = torch.where(mw[None, None], img[:, :, None, :], neg).amax(-1)  # C,H,PW
        t = torch.where(mh[None, :, :, None], t[:, None, :, :], neg).amax(2)  # C,PH,PW
        empty = (mh.sum(1)[:, None] == 0) | (mw.sum(1)[None, :] == 0)
        outs.append(torch.where(empty, torch.zeros_like(t), t))
    if not outs:
        return data.new_zeros(0, C, PH, PW)
    return torch.stack(outs)


register(
    OpDef(
        "ROIPooling",
        _roi_pool,
        inputs=("data", "rois"),
        params=(
            P("pooled_size", "shape", REQUIRED, "Output (h, w)."),
            P("spatial_scale", "float", REQUIRED, "Feature map / image size ratio."),
        ),
        infer_shape=_roi_infer("ROIPooling", False),
        # MXNet keeps the argmax map as a hidden second output.
        num_total_outputs=2,
        dtype_free_inputs=("rois",),
        doc="ROI max pooling of each [batch, x1, y1, x2, y2] region to pooled_size.",
        cse=False,
    )
)


# --------------------------------------------------------------------------- resizing
_RESIZE_MODES = (
    "like",
    "odd_scale",
    "size",
    "to_even_down",
    "to_even_up",
    "to_odd_down",
    "to_odd_up",
)


def _resize_hw(h, w, like_hw, height, width, scale_height, scale_width, mode):
    if mode == "like":
        return like_hw
    if mode == "size":
        oh = int(h * scale_height) if scale_height is not None else height
        ow = int(w * scale_width) if scale_width is not None else width
        return oh, ow
    if mode == "odd_scale":
        sh = scale_height if scale_height is not None else 1.0
        sw = scale_width if scale_width is not None else 1.0
        oh = int((h - 1) * sh) + 1 if h % 2 else int(h * sh)
        ow = int((w - 1) * sw) + 1 if w % 2 else int(w * sw)
        return oh, ow

    def one(n):
        if mode == "to_even_down":
            return n if n % 2 == 0 else n - 1
        if mode == "to_even_up":
            return n if n % 2 == 0 else n + 1
        if mode == "to_odd_down":
            return n if n % 2 else n - 1
        return n if n % 2 else n + 1

    return one(h), one(w)


def _bilinear_resize(
    data,
    *like,
    height=1,
    width=1,
    scale_height=None,
    scale_width=None,
    mode="size",
    align_corners=True,
):
    h, w = data.shape[-2], data.shape[-1]
    like_hw = tuple(like[0].shape[-2:]) if like else None
    if mode == "like" and like_hw is None:
        raise ValueError(
            "Operator _contrib_BilinearResize2D: mode='like' needs the 'like' input."
        )
    oh, ow = _resize_hw(h, w, like_hw, height, width, scale_height, scale_width, mode)
    if (oh, ow) == (h, w):
        return data.clone()
    if align_corners:
        return F.interpolate(data, size=(oh, ow), mode="bilinear", align_corners=True)
    return _resize_half_pixel(data, oh, ow)


def _resize_half_pixel(data, oh, ow):
    """MXNet's align_corners=False: source = (dst + 0.5) * in/out - 0.5, clamped >= 0."""
    h, w = data.shape[-2], data.shape[-1]
    dev, dt = data.device, data.dtype

    def coords(size_out, size_in):
        s = (torch.arange(size_out, device=dev, dtype=dt) + 0.5) * (
            size_in / size_out
        ) - 0.5
        s = s.clamp(min=0)
        i0 = s.floor().to(torch.int64).clamp(max=size_in - 1)
        i1 = torch.where(i0 < size_in - 1, i0 + 1, i0)
        frac = s - i0
        return i0, i1, frac

    y0, y1, fy = coords(oh, h)
    x0, x1, fx = coords(ow, w)
    top = data[..., y0, :] * (1 - fy)[:, None] + data[..., y1, :] * fy[:, None]
    return top[..., x0] * (1 - fx) + top[..., x1] * fx


def _bilinear_resize_infer(in_shapes, attrs, out_shapes=None):
    d = in_shapes[0]
    like = in_shapes[1] if len(in_shapes) > 1 else None
    if d is None or len(d) != 4 or not (d[2] and d[3]):
        return in_shapes, [None]
    like_hw = tuple(like[-2:]) if like is not None else None
    if attrs["mode"] == "like" and (like_hw is None or 0 in like_hw):
        return in_shapes, [None]
    oh, ow = _resize_hw(
        d[2],
        d[3],
        like_hw,
        attrs["height"],
        attrs["width"],
        attrs["scale_height"],
        attrs["scale_width"],
        attrs["mode"],
    )
    return in_shapes, [(d[0], d[1], oh, ow)]


register(
    OpDef(
        "_contrib_BilinearResize2D",
        _bilinear_resize,
        inputs=("data", "like"),
        params=(
            P("height", "int", 1, "Output height (mode 'size')."),
            P("width", "int", 1, "Output width (mode 'size')."),
            P("scale_height", "float", None, "Height scale."),
            P("scale_width", "float", None, "Width scale."),
            P("mode", "str", "size", "How the output size is chosen.", _RESIZE_MODES),
            P("align_corners", "bool", True, "Align the corner pixels."),
        ),
        present_inputs=lambda a: (
            ("data", "like") if a.get("mode") == "like" else ("data",)
        ),
        infer_shape=_bilinear_resize_infer,
        doc="Bilinear resize of (N, C, H, W) data.",
    )
)


def _adaptive_avg(data, output_size=()):
    size = tuple(output_size) if output_size else (1,)
    if len(size) == 1:
        size = (size[0], size[0])
    return F.adaptive_avg_pool2d(data, size)


def _adaptive_avg_infer(in_shapes, attrs, out_shapes=None):
    (d,) = in_shapes
    if d is None:
        return [d], [None]
    size = tuple(attrs.get("output_size") or (1,))
    if len(size) == 1:
        size = (size[0], size[0])
    return [d], [tuple(d[:2]) + size]


register(
    OpDef(
        "_contrib_AdaptiveAvgPooling2D",
        _adaptive_avg,
        params=(P("output_size", "shape", (), "Output (h, w) or one int."),),
        infer_shape=_adaptive_avg_infer,
        doc="Adaptive average pooling of (N, C, H, W) data to output_size.",
    )
)


# --------------------------------------------------------------------------- masks/index
def _boolean_mask(data, index, axis=0):
    if axis != 0:
        raise ValueError(
            f"Operator _contrib_boolean_mask: axis={axis} is not supported "
            "(MXNet 1.9.1 supports axis=0 only)."
        )
    if index.dim() != 1 or index.shape[0] != data.shape[0]:
        raise ShapeError(
            f"Operator _contrib_boolean_mask: index {tuple(index.shape)} must be 1-D "
            f"with data's first dim {data.shape[0]} (data {tuple(data.shape)})."
        )
    return data[index != 0]


def _boolean_mask_infer(in_shapes, attrs, out_shapes=None):
    # The number of rows depends on the index values: unknown until run.
    d = in_shapes[0]
    return in_shapes, [None if d is None else (0,) + tuple(d[1:])]


register(
    OpDef(
        "_contrib_boolean_mask",
        _boolean_mask,
        inputs=("data", "index"),
        params=(P("axis", "int", 0, "Axis to mask (0 only)."),),
        infer_shape=_boolean_mask_infer,
        dtype_free_inputs=("index",),
        doc="Rows of data where index is nonzero (data-dependent output shape).",
    )
)


def _index_array(data, axes=None):
    shape = tuple(data.shape)
    nd = len(shape)
    ax = (
        list(range(nd))
        if axes is None
        else [_norm_axis("index_array", a, nd) for a in axes]
    )
    grids = (
        torch.meshgrid(
            *[torch.arange(n, device=data.device) for n in shape], indexing="ij"
        )
        if nd
        else ()
    )
    if not ax:
        return torch.zeros(shape + (0,), dtype=torch.int64, device=data.device)
    return torch.stack([grids[a] for a in ax], dim=-1)


def _index_array_infer(in_shapes, attrs, out_shapes=None):
    (d,) = in_shapes
    if d is None:
        return [d], [None]
    axes = attrs.get("axes")
    k = len(d) if axes is None else len(axes)
    return [d], [tuple(d) + (k,)]


register(
    OpDef(
        "_contrib_index_array",
        _index_array,
        params=(P("axes", "shape", None, "Axes to include (None: all)."),),
        infer_shape=_index_array_infer,
        infer_type=lambda t, a: (t, ["int64"]),
        doc="int64 array of each element's index: shape data.shape + (len(axes),).",
    )
)


def _index_copy(old_tensor, index_vector, new_tensor):
    idx = index_vector.to(torch.int64).reshape(-1)
    if (
        new_tensor.shape[0] != idx.shape[0]
        or new_tensor.shape[1:] != old_tensor.shape[1:]
    ):
        raise ShapeError(
            f"Operator _contrib_index_copy: new_tensor {tuple(new_tensor.shape)} must "
            f"be (len(index_vector)={idx.shape[0]},) + old_tensor "
            f"{tuple(old_tensor.shape)}[1:]."
        )
    return old_tensor.index_copy(0, idx, new_tensor)


register(
    OpDef(
        "_contrib_index_copy",
        _index_copy,
        inputs=("old_tensor", "index_vector", "new_tensor"),
        infer_shape=lambda s, a, o=None: (s, [s[0]]),
        dtype_free_inputs=("index_vector",),
        doc="Copy new_tensor's rows into old_tensor at index_vector (a new array).",
    )
)


def _arange_like(data, start=0.0, step=1.0, repeat=1, ctx=None, axis=None):
    if axis is None:
        shape = tuple(data.shape)
    else:
        shape = (data.shape[_norm_axis("arange_like", axis, data.dim())],)
    n = math.prod(shape)
    i = torch.arange(n, device=data.device, dtype=torch.float64)
    vals = start + step * torch.div(i, repeat, rounding_mode="floor")
    return vals.to(data.dtype).reshape(shape)


def _arange_like_infer(in_shapes, attrs, out_shapes=None):
    (d,) = in_shapes
    if d is None:
        return [d], [None]
    ax = attrs.get("axis")
    if ax is None:
        return [d], [tuple(d)]
    return [d], [(d[_norm_axis("arange_like", ax, len(d))],)]


register(
    OpDef(
        "_contrib_arange_like",
        _arange_like,
        params=(
            P("start", "float", 0.0, "First value."),
            P("step", "float", 1.0, "Spacing."),
            P("repeat", "int", 1, "Times each value repeats."),
            P("ctx", "str", None, "Context (imperative calls only)."),
            P("axis", "int", None, "Use this axis' length (None: data's shape)."),
        ),
        infer_shape=_arange_like_infer,
        doc="Evenly spaced values shaped like data (or like one of its axes).",
    )
)


# --------------------------------------------------------------------------- finiteness
def _all_finite(data, init_output=True):
    ok = torch.isfinite(data).all()
    return ok.to(torch.float32).reshape(1)


def _multi_all_finite(*data, num_arrays=1, init_output=True):
    ok = torch.ones((), dtype=torch.bool, device=data[0].device)
    for d in data:
        ok = ok & torch.isfinite(d).all()
    return ok.to(torch.float32).reshape(1)


register(
    OpDef(
        "all_finite",
        _all_finite,
        params=(P("init_output", "bool", True, "Initialize the output to 1."),),
        infer_shape=lambda s, a, o=None: (s, [(1,)]),
        infer_type=lambda t, a: (t, ["float32"]),
        doc="(1,) float32: 1 if every element is finite, else 0.",
    )
)
register(
    OpDef(
        "multi_all_finite",
        _multi_all_finite,
        inputs=("data",),
        variadic=True,
        num_args_attr="num_arrays",
        params=(
            P("num_arrays", "int", 1, "Number of arrays."),
            P("init_output", "bool", True, "Initialize the output to 1."),
        ),
        same_dtype=False,
        infer_shape=lambda s, a, o=None: (s, [(1,)]),
        infer_type=lambda t, a: (t, ["float32"]),
        doc="(1,) float32: 1 if every element of every array is finite, else 0.",
        cse=False,
    )
)


def _reset_arrays(*data, num_arrays=REQUIRED):
    with torch.no_grad():
        for d in data:
            d.zero_()
    return ()


register(
    OpDef(
        "reset_arrays",
        _reset_arrays,
        inputs=("data",),
        variadic=True,
        num_args_attr="num_arrays",
        params=(P("num_arrays", "int", REQUIRED, "Number of arrays."),),
        num_outputs=0,
        same_dtype=False,
        infer_shape=lambda s, a, o=None: (s, []),
        infer_type=lambda t, a: (t, []),
        doc="Set every input array to zero in place (no outputs).",
        cse=False,
    )
)


# --------------------------------------------------------------------------- elementwise
def _div_sqrt_dim(data):
    return data / math.sqrt(data.shape[-1])


def _quadratic(data, a=0.0, b=0.0, c=0.0):
    return a * data * data + b * data + c


class _GradMul(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scalar):
        ctx.scalar = scalar
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scalar, None


def _gradientmultiplier(data, scalar=1.0, is_int=True):
    if not torch.is_grad_enabled() or not data.requires_grad:
        return data.clone()
    return _GradMul.apply(data, scalar)


for _name, _fn, _params, _doc in (
    ("_contrib_div_sqrt_dim", _div_sqrt_dim, (), "data / sqrt(data.shape[-1])."),
    (
        "_contrib_quadratic",
        _quadratic,
        (
            P("a", "float", 0.0, "Quadratic coefficient."),
            P("b", "float", 0.0, "Linear coefficient."),
            P("c", "float", 0.0, "Constant term."),
        ),
        "a * x^2 + b * x + c.",
    ),
    (
        "_contrib_gradientmultiplier",
        _gradientmultiplier,
        (
            P("scalar", "float", 1.0, "Gradient multiplier."),
            P("is_int", "bool", True, "Whether scalar is an int (ignored)."),
        ),
        "Identity forward; the gradient is multiplied by scalar.",
    ),
):
    register(
        OpDef(
            _name,
            _fn,
            params=_params,
            infer_shape=same_shape_infer(_name),
            doc=_doc,
        )
    )


# --------------------------------------------------------------------------- attention
def _heads_split(x: torch.Tensor, heads: int, parts: int, op: str) -> torch.Tensor:
    """``(L, B, heads*parts*D)`` -> ``(L, B, heads, parts, D)``."""
    L, B, E = x.shape
    if E % (heads * parts):
        raise ShapeError(
            f"Operator {op}: last dim {E} of {tuple(x.shape)} must be divisible by "
            f"heads*{parts}={heads * parts}."
        )
    return x.reshape(L, B, heads, parts, E // (heads * parts))


def _to_bh(x: torch.Tensor) -> torch.Tensor:
    """``(L, B, H, D)`` -> ``(B*H, L, D)``."""
    L, B, H, D = x.shape
    return x.permute(1, 2, 0, 3).reshape(B * H, L, D)


def _from_bh(x: torch.Tensor, B: int, H: int) -> torch.Tensor:
    """``(B*H, L, D)`` -> ``(L, B, H*D)``."""
    _, L, D = x.shape
    return x.reshape(B, H, L, D).permute(2, 0, 1, 3).reshape(L, B, H * D)


def _selfatt_qk(queries_keys_values, heads=REQUIRED):
    t = _heads_split(queries_keys_values, heads, 3, "interleaved_matmul_selfatt_qk")
    q, k = _to_bh(t[:, :, :, 0]), _to_bh(t[:, :, :, 1])
    q = q / math.sqrt(q.shape[-1])
    return torch.bmm(q, k.transpose(1, 2))


def _selfatt_valatt(queries_keys_values, attention, heads=REQUIRED):
    t = _heads_split(queries_keys_values, heads, 3, "interleaved_matmul_selfatt_valatt")
    v = _to_bh(t[:, :, :, 2])
    return _from_bh(torch.bmm(attention, v), t.shape[1], heads)


def _encdec_qk(queries, keys_values, heads=REQUIRED):
    q = _heads_split(queries, heads, 1, "interleaved_matmul_encdec_qk")[:, :, :, 0]
    kv = _heads_split(keys_values, heads, 2, "interleaved_matmul_encdec_qk")
    q = _to_bh(q)
    q = q / math.sqrt(q.shape[-1])
    return torch.bmm(q, _to_bh(kv[:, :, :, 0]).transpose(1, 2))


def _encdec_valatt(keys_values, attention, heads=REQUIRED):
    kv = _heads_split(keys_values, heads, 2, "interleaved_matmul_encdec_valatt")
    v = _to_bh(kv[:, :, :, 1])
    return _from_bh(torch.bmm(attention, v), kv.shape[1], heads)


def _qk_infer(n_parts_q: int):
    def infer(in_shapes, attrs, out_shapes=None):
        q = in_shapes[0]
        k = in_shapes[-1]
        if q is None or k is None or not (q[0] and q[1] and k[0]):
            return in_shapes, [None]
        return in_shapes, [(q[1] * attrs["heads"], q[0], k[0])]

    return infer


def _valatt_infer(parts: int):
    def infer(in_shapes, attrs, out_shapes=None):
        kv, att = in_shapes
        if kv is None or att is None or not (att[1] and kv[1] and kv[2]):
            return in_shapes, [None]
        return in_shapes, [(att[1], kv[1], kv[2] // parts)]

    return infer


_HEADS = (P("heads", "int", REQUIRED, "Number of attention heads."),)
for _name, _fn, _inputs, _inf, _doc in (
    (
        "_contrib_interleaved_matmul_selfatt_qk",
        _selfatt_qk,
        ("queries_keys_values",),
        _qk_infer(3),
        "Scaled Q K^T of interleaved (L, B, H*3*D) projections: (B*H, L, L).",
    ),
    (
        "_contrib_interleaved_matmul_selfatt_valatt",
        _selfatt_valatt,
        ("queries_keys_values", "attention"),
        _valatt_infer(3),
        "attention @ V of interleaved projections: (L, B, H*D).",
    ),
    (
        "_contrib_interleaved_matmul_encdec_qk",
        _encdec_qk,
        ("queries", "keys_values"),
        _qk_infer(1),
        "Scaled Q K^T with interleaved keys/values: (B*H, Lq, Lk).",
    ),
    (
        "_contrib_interleaved_matmul_encdec_valatt",
        _encdec_valatt,
        ("keys_values", "attention"),
        _valatt_infer(2),
        "attention @ V with interleaved keys/values: (Lq, B, H*D).",
    ),
):
    register(
        OpDef(_name, _fn, inputs=_inputs, params=_HEADS, infer_shape=_inf, doc=_doc)
    )


# --------------------------------------------------------------------------- transformers
def _affine_grid(theta: torch.Tensor, H: int, W: int) -> torch.Tensor:
    """``(B, 6)`` affine params -> ``(B, 2, H, W)`` source grid in [-1, 1] (x, y)."""
    dev, dt = theta.device, theta.dtype
    ys = (
        torch.linspace(-1.0, 1.0, H, device=dev, dtype=dt)
        if H > 1
        else torch.full((1,), -1.0, device=dev, dtype=dt)
    )
    xs = (
        torch.linspace(-1.0, 1.0, W, device=dev, dtype=dt)
        if W > 1
        else torch.full((1,), -1.0, device=dev, dtype=dt)
    )
    yy, xx = torch.meshgrid(ys, xs, indexing="ij")
    base = torch.stack([xx, yy, torch.ones_like(xx)]).reshape(3, H * W)
    out = torch.matmul(theta.reshape(-1, 2, 3), base)
    return out.reshape(-1, 2, H, W)


def _grid_generator(data, transform_type=REQUIRED, target_shape=(0, 0)):
    if transform_type == "affine":
        H, W = target_shape
        return _affine_grid(data, H, W)
    B, _, H, W = data.shape
    dev, dt = data.device, data.dtype
    xx = torch.arange(W, device=dev, dtype=dt).expand(H, W)
    yy = torch.arange(H, device=dev, dtype=dt)[:, None].expand(H, W)
    gx = (data[:, 0] + xx) / ((W - 1) / 2.0) - 1.0
    gy = (data[:, 1] + yy) / ((H - 1) / 2.0) - 1.0
    return torch.stack([gx, gy], dim=1)


def _grid_generator_infer(in_shapes, attrs, out_shapes=None):
    (d,) = in_shapes
    if d is None:
        return [d], [None]
    if attrs["transform_type"] == "affine":
        return [d], [(d[0], 2) + tuple(attrs["target_shape"])]
    return [d], [tuple(d)]


register(
    OpDef(
        "GridGenerator",
        _grid_generator,
        params=(
            P("transform_type", "str", REQUIRED, "Transform.", ("affine", "warp")),
            P("target_shape", "shape", (0, 0), "Output (H, W) for 'affine'."),
        ),
        infer_shape=_grid_generator_infer,
        num_total_outputs=2,
        doc="Sampling grid (B, 2, H, W) from affine params or an optical flow.",
        cse=False,
    )
)


def _bilinear_sampler(data, grid, cudnn_off=None):
    g = grid.permute(0, 2, 3, 1)
    return F.grid_sample(
        data, g, mode="bilinear", padding_mode="zeros", align_corners=True
    )


def _bilinear_sampler_infer(in_shapes, attrs, out_shapes=None):
    d, g = in_shapes
    if d is None or g is None:
        return in_shapes, [None]
    return in_shapes, [(d[0], d[1], g[2], g[3])]


register(
    OpDef(
        "BilinearSampler",
        _bilinear_sampler,
        inputs=("data", "grid"),
        params=(P("cudnn_off", "bool", None, "Unused (cuDNN switch)."),),
        infer_shape=_bilinear_sampler_infer,
        num_total_outputs=2,
        doc="Bilinear sampling of data at grid (x, y in [-1, 1]); zeros outside.",
        cse=False,
    )
)


def _spatial_transformer(
    data,
    loc,
    target_shape=(0, 0),
    transform_type=REQUIRED,
    sampler_type=REQUIRED,
    cudnn_off=None,
):
    H, W = target_shape
    grid = _affine_grid(loc, H, W)
    return _bilinear_sampler(data, grid)


def _spatial_transformer_infer(in_shapes, attrs, out_shapes=None):
    d, loc = in_shapes
    if d is None:
        return in_shapes, [None]
    return [d, (d[0], 6)], [(d[0], d[1]) + tuple(attrs["target_shape"])]


register(
    OpDef(
        "SpatialTransformer",
        _spatial_transformer,
        inputs=("data", "loc"),
        params=(
            P("target_shape", "shape", (0, 0), "Output (H, W)."),
            P("transform_type", "str", REQUIRED, "Transform.", ("affine",)),
            P("sampler_type", "str", REQUIRED, "Sampler.", ("bilinear",)),
            P("cudnn_off", "bool", None, "Unused (cuDNN switch)."),
        ),
        infer_shape=_spatial_transformer_infer,
        num_total_outputs=3,
        doc="Affine spatial transformer: GridGenerator + BilinearSampler.",
        cse=False,
    )
)


# --------------------------------------------------------------------------- Correlation
def _correlation(
    data1,
    data2,
    kernel_size=1,
    max_displacement=1,
    stride1=1,
    stride2=1,
    pad_size=0,
    is_multiply=True,
):
    B, C, H, W = data1.shape
    p = pad_size
    a = F.pad(data1, (p, p, p, p))
    b = F.pad(data2, (p, p, p, p))
    Hp, Wp = H + 2 * p, W + 2 * p
    kr = (kernel_size - 1) // 2
    border = max_displacement + kr
    oh = int(math.ceil((Hp - 2 * border) / stride1))
    ow = int(math.ceil((Wp - 2 * border) / stride1))
    if oh < 1 or ow < 1:
        raise ShapeError(
            f"Operator Correlation: data {tuple(data1.shape)} is too small for "
            f"max_displacement={max_displacement}, kernel_size={kernel_size}, "
            f"pad_size={pad_size}."
        )
    r = max_displacement // stride2
    ys = border + torch.arange(oh, device=a.device) * stride1
    xs = border + torch.arange(ow, device=a.device) * stride1
    outs = []
    norm = kernel_size * kernel_size * C
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            acc = 0
            for ky in range(-kr, kr + 1):
                for kx in range(-kr, kr + 1):
                    pa = a[:, :, ys + ky][:, :, :, xs + kx]
                    pb = b[:, :, ys + ky + dy * stride2][
                        :, :, :, xs + kx + dx * stride2
                    ]
                    acc = acc + (pa * pb if is_multiply else _abs_sign_ge0(pa - pb))
            outs.append(acc.sum(1) / norm)
    return torch.stack(outs, dim=1)


def _abs_sign_ge0(d: torch.Tensor) -> torch.Tensor:
    """``|d|`` whose gradient is +1 at ``d == 0`` (MXNet's Correlation
    backward takes the sign as ``d >= 0``; torch's ``abs`` gives 0 there)."""
    sign = torch.where(d >= 0, 1.0, -1.0).to(d.dtype).detach()
    return d * sign


register(
    OpDef(
        "Correlation",
        _correlation,
        inputs=("data1", "data2"),
        params=(
            P("kernel_size", "int", 1, "Patch size (odd)."),
            P("max_displacement", "int", 1, "Largest displacement."),
            P("stride1", "int", 1, "Stride over data1."),
            P("stride2", "int", 1, "Stride of displacements."),
            P("pad_size", "int", 0, "Zero padding."),
            P("is_multiply", "bool", True, "Multiply (else absolute difference)."),
        ),
        # MXNet keeps the padded inputs as hidden outputs.
        num_total_outputs=3,
        doc="FlowNet correlation of two (B, C, H, W) feature maps.",
        cse=False,
    )
)
