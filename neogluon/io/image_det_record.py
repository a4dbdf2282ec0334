"""``mx.io.ImageDetRecordIter``: batches of detection images and labels from
a RecordIO file (MXNet 1.9.1's C++ detection iterator, in Python).

A record's label is ``[header_width, object_width, <header...>, objects]``
with ``object_width`` values per object ``[class_id, xmin, ymin, xmax,
ymax, ...]`` (coordinates in [0, 1]); objects with an empty box are
dropped. Each example's output label row is ``[channels, height, width,
label_length, <label>]`` padded with ``label_pad_value`` to
``label_pad_width + 4`` values (``label_pad_width`` 0: the widest raw label
of the file, as MXNet estimates it); ``height`` and ``width`` are those of
the augmented image before it is placed in the ``data_shape`` canvas.

Augmentation follows MXNet's default detection augmenter
(``src/io/image_det_aug_default.cc``), in its order, on the BGR image as
OpenCV holds it:

1. ``resize``: the shorter side to ``resize`` pixels;
2. colour (``random_hue_prob`` / ``random_saturation_prob`` /
   ``random_illumination_prob`` with ``max_random_hue`` /
   ``max_random_saturation`` / ``max_random_illumination``: integer offsets
   of the H, S and L channels of OpenCV's 8-bit HLS image, clamped to
   [0, 180] / [0, 255]; ``random_contrast_prob`` with
   ``max_random_contrast``: pixels times ``1 + c``; the HLS conversions are
   computed as the OpenCV 3.4 linked into MXNet computes them, which
   rounds some pixels differently from OpenCV 4). Four amplitudes are
   drawn uniformly in ``[-max, max]``, then each is kept with its
   probability;
3. ``rand_mirror_prob``: horizontal flip (``xmin, xmax -> 1 - xmax,
   1 - xmin``);
4. ``rand_pad_prob``: a square canvas ``s`` times the image
   (``s ~ U(1, max_pad_scale)``, no padding when ``s < 1.05``) filled with
   ``fill_value``, the image at a random offset; boxes re-expressed in the
   canvas;
5. ``rand_crop_prob``: the crop samplers (``num_crop_sampler`` of them,
   tried in a random order; each parameter is one value for all samplers or
   one per sampler). A sampler draws up to ``max_crop_trials`` boxes of
   relative scale ``U(min_crop_scales, max_crop_scales)`` and aspect ratio
   within ``[min_crop_aspect_ratios, max_crop_aspect_ratios]`` (relative to
   the image's, bounded so that the box fits); a box is accepted when one
   object meets every active constraint (IoU in ``[min_crop_overlaps,
   max_crop_overlaps]``, intersection / crop area in
   ``[min_crop_sample_coverages, max_crop_sample_coverages]``, intersection
   / object area in ``[min_crop_object_coverages,
   max_crop_object_coverages]``; a range [0, 1] is inactive) and at least
   one object is emitted: ``crop_emit_mode='center'`` keeps the objects
   whose centre lies in the box, ``'overlap'`` those whose intersection /
   object area exceeds ``emit_overlap_thresh``. Kept boxes are clipped to
   the crop. When no sampler succeeds the image is left uncropped;
6. ``resize_mode``: ``'force'`` resizes to ``data_shape``; ``'shrink'``
   scales down (keeping the aspect ratio) only an image larger than
   ``data_shape``; ``'fit'`` scales to fit ``data_shape``. The image fills
   the top-left corner of the canvas, the rest 0.

Images are then converted to RGB CHW and normalized as MXNet's detection
normalizer: ``(pixel - mean) / std * scale`` (a zero ``std`` is skipped;
``mean_img`` subtracts a mean image instead when every ``mean_*`` is 0,
and is created from the data when the file is missing). Batching, workers,
decoding and errors are those of :class:`~neogluon.io.ImageRecordIter`.

Random draws are made as MXNet's augmenter makes them (a 32-bit Mersenne
Twister turned into floats and integers as libstdc++'s distributions do),
but from a stream seeded per example (``seed_aug`` or ``seed``, the epoch
and the example's position) rather than one stream per decoding thread,
so they do not depend on the number of workers and differ from MXNet's.
Fed MXNet's single-thread stream, the augmenter gives MXNet's exact boxes
and images (tests/io/test_image_det_record_aug.py).

``shuffle=True`` gives MXNet's orders exactly when the part fits in one of
the 8 MiB chunks MXNet reads (it shuffles each chunk every pass with
``std::shuffle`` and an mt19937 seeded ``233 + seed``); a larger part is
shuffled whole every pass.

Differs from MXNet 1.9.1: a crop box narrower or shorter than one pixel
keeps one pixel (MXNet's OpenCV fails on an empty image); colour offsets
on an image without 3 channels raise MXNetError (MXNet's HLS conversion
needs 3).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from . import image_record as _rec
from .native import IterParamError
from .native import MXDataIter
from .native import _check_part
from .native import _positive_int
from .native import _Stream
from .native import _unknown_params

__all__ = ["ImageDetRecordIter"]

_ACCEPTED = {
    "verbose",
    "aug_seq",
    "prefetch_buffer",
    "ctx",
    "device_id",
    "shuffle_chunk_size",
    "shuffle_chunk_seed",
}
_F = np.float32
_TWO32 = _F(4294967296.0)
_BELOW_ONE = np.nextafter(_F(1), _F(0))
_SAMPLER_FLOATS = (
    ("min_crop_scales", 0.0),
    ("max_crop_scales", 1.0),
    ("min_crop_aspect_ratios", 1.0),
    ("max_crop_aspect_ratios", 1.0),
    ("min_crop_overlaps", 0.0),
    ("max_crop_overlaps", 1.0),
    ("min_crop_sample_coverages", 0.0),
    ("max_crop_sample_coverages", 1.0),
    ("min_crop_object_coverages", 0.0),
    ("max_crop_object_coverages", 1.0),
)


# ---------------------------------------------------------------- random draws
class _Engine:
    """Random draws as MXNet's C++ augmenters make them: 32-bit outputs of a
    Mersenne Twister (numpy's, seeded like ``std::mt19937``) turned into
    floats and integers as libstdc++'s distributions do."""

    __slots__ = ("_buf", "_pos", "_rs")

    def __init__(self, rs: np.random.RandomState) -> None:
        self._rs = rs
        self._buf: list[int] = []
        self._pos = 0

    def _fill(self, n: int) -> None:
        # A bounded draw over the whole 32-bit range is one raw output.
        block = self._rs.randint(0, 1 << 32, size=max(32, n), dtype=np.uint64)
        self._buf = self._buf[self._pos :] + block.tolist()
        self._pos = 0

    def u32(self) -> int:
        if self._pos >= len(self._buf):
            self._fill(1)
        self._pos += 1
        return self._buf[self._pos - 1]

    def canonicals(self, n: int) -> np.ndarray:
        """The next ``n`` draws as ``std::generate_canonical<float>`` makes
        them (float32 in [0, 1)), without consuming them (see :meth:`skip`)."""
        if len(self._buf) - self._pos < n:
            self._fill(n)
        raw = np.array(self._buf[self._pos : self._pos + n], np.uint64)
        r = raw.astype(_F) / _TWO32
        r[r >= 1] = _BELOW_ONE
        return r

    def skip(self, n: int) -> None:
        self._pos += n

    def uniform(self, a, b) -> np.float32:
        """``std::uniform_real_distribution<float>(a, b)``."""
        r = _F(self.u32()) / _TWO32
        if r >= 1:
            r = _BELOW_ONE
        a = _F(a)
        return r * (_F(b) - a) + a

    def randint(self, low: int, high: int) -> int:
        """``std::uniform_int_distribution`` on ``[low, high - 1]`` (libstdc++'s
        division-based downscaling; ``high`` excluded, as numpy's)."""
        span = high - low
        scaling = 0xFFFFFFFF // span
        past = span * scaling
        while True:
            v = self.u32()
            if v < past:
                return low + v // scaling

    def shuffled(self, n: int) -> list[int]:
        """``std::shuffle`` of ``0..n-1`` (Fisher-Yates from the front)."""
        out = list(range(n))
        for i in range(1, n):
            j = self.randint(0, i + 1)
            out[i], out[j] = out[j], out[i]
        return out


# ---------------------------------------------------------------- labels
def _valid_objects(raw: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The header and the objects (one row each) of a raw detection label,
    the objects with an empty box dropped (MXNet's ImageDetLabel)."""
    if raw.size < 7:
        raise MXNetError(
            f"{where}: a detection label needs at least 7 values (2 header + one "
            f"object of 5), got {raw.size}"
        )
    header_width, obj_width = int(raw[0]), int(raw[1])
    if header_width < 2 or obj_width < 5 or (raw.size - header_width) % obj_width:
        raise MXNetError(
            f"{where}: detection label of {raw.size} values has header width "
            f"{header_width} and object width {obj_width}: inconsistent"
        )
    objs = raw[header_width:].reshape(-1, obj_width).astype(_F)
    keep = objs[(objs[:, 3] > objs[:, 1]) & (objs[:, 4] > objs[:, 2])]
    return raw[:header_width].astype(_F), keep


def _project(objs: np.ndarray, x, y, w, h) -> np.ndarray:
    """Boxes re-expressed in the region ``(x, y, w, h)``, clipped to [0, 1]."""
    out = objs.copy()
    one, zero = _F(1), _F(0)
    out[:, 1] = np.maximum(zero, (objs[:, 1] - x) / w)
    out[:, 2] = np.maximum(zero, (objs[:, 2] - y) / h)
    out[:, 3] = np.minimum(one, (objs[:, 3] - x) / w)
    out[:, 4] = np.minimum(one, (objs[:, 4] - y) / h)
    return out


def _crop_trials(s: dict, r: np.ndarray, img_ratio) -> tuple:
    """MXNet's GenerateCropBox for each row of 4 canonical draws ``r``: the
    boxes' (x, y, w, h) as float32 columns, as MXNet computes them."""
    scale = r[:, 0] * (s["max_crop_scales"] - s["min_crop_scales"])
    scale += s["min_crop_scales"]
    scale += _F(1e-12)
    sq = scale * scale
    lo = np.maximum(s["min_crop_aspect_ratios"] / img_ratio, sq)
    hi = np.minimum(
        s["max_crop_aspect_ratios"] / img_ratio,
        (1.0 / sq.astype(np.float64)).astype(_F),
    )
    ratio = np.sqrt(r[:, 1] * (hi - lo) + lo)
    w = np.minimum(_F(1), scale * ratio)
    h = np.minimum(_F(1), scale / ratio)
    return r[:, 2] * (_F(1) - w), r[:, 3] * (_F(1) - h), w, h


def _first_crop(boxes: tuple, objs: np.ndarray, s: dict, emit_center: bool, thresh):
    """MXNet's TryCrop over trial boxes (columns x, y, w, h): the first that
    passes and the objects it keeps (clipped to it), or None."""
    if len(objs) == 0:
        return 0, objs
    x, y, w, h = (v[:, None] for v in boxes)
    ox, oy = objs[:, 1], objs[:, 2]
    ow, oh = objs[:, 3] - ox, objs[:, 4] - oy
    # OpenCV's float rectangle intersection (empty: area 0).
    x1, y1 = np.maximum(x, ox), np.maximum(y, oy)
    iw = np.minimum(x + w, ox + ow) - x1
    ih = np.minimum(y + h, oy + oh) - y1
    inter = np.where((iw > 0) & (ih > 0), iw * ih, _F(0)).astype(_F)
    gt_area = ow * oh
    ok = np.ones(inter.shape, bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        if s["min_crop_overlaps"] > 0 or s["max_crop_overlaps"] < 1:
            iou = np.where(inter > 0, inter / (w * h + gt_area - inter), _F(0))
            ok &= (iou >= s["min_crop_overlaps"]) & (iou <= s["max_crop_overlaps"])
        if s["min_crop_sample_coverages"] > 0 or s["max_crop_sample_coverages"] < 1:
            c = inter / (w * h)
            ok &= c >= s["min_crop_sample_coverages"]
            ok &= c <= s["max_crop_sample_coverages"]
        if s["min_crop_object_coverages"] > 0 or s["max_crop_object_coverages"] < 1:
            c = inter / gt_area
            ok &= c >= s["min_crop_object_coverages"]
            ok &= c <= s["max_crop_object_coverages"]
        if emit_center:
            cx = (objs[:, 1] + objs[:, 3]) * _F(0.5)
            cy = (objs[:, 2] + objs[:, 4]) * _F(0.5)
            keep = (x <= cx) & (cx < x + w) & (y <= cy) & (cy < y + h)
        else:
            keep = inter / gt_area > thresh
    passed = ok.any(axis=1) & keep.any(axis=1)
    if not passed.any():
        return None
    t = int(np.argmax(passed))
    bx, by, bw, bh = (v[t] for v in boxes)
    return t, _project(objs[keep[t]], bx, by, bw, bh)


# ---------------------------------------------------------------- parameters
def _float_tuple(value, name: str, where: str) -> tuple[float, ...]:
    vals = value if isinstance(value, (Sequence, np.ndarray)) else (value,)
    if isinstance(value, str):
        vals = value.strip("()[] ").replace(",", " ").split()
    try:
        out = tuple(float(v) for v in vals)
    except (TypeError, ValueError):
        raise IterParamError(
            f"{where}: {name} must be a number or a tuple of numbers, got {value!r}"
        ) from None
    if not out:
        raise IterParamError(f"{where}: {name} is empty; give at least one value")
    return out


def _int_tuple(value, name: str, where: str) -> tuple[int, ...]:
    out = _float_tuple(value, name, where)
    if any(v != int(v) for v in out):
        raise IterParamError(
            f"{where}: {name} must be an integer or a tuple of integers, got {value!r}"
        )
    return tuple(int(v) for v in out)


def _samplers(kw: dict, num: int, where: str) -> list[dict]:
    """One dict of float32 constraints per crop sampler (a single value is
    shared by every sampler), validated as MXNet does at construction."""
    cols: dict[str, tuple] = {}
    for name, default in _SAMPLER_FLOATS:
        cols[name] = _float_tuple(kw.pop(name, default), name, where)
    cols["max_crop_trials"] = _int_tuple(
        kw.pop("max_crop_trials", 25), "max_crop_trials", where
    )
    if num <= 0:
        return []
    for name, vals in cols.items():
        if len(vals) == 1:
            cols[name] = vals * num
        elif len(vals) != num:
            hint = "give one value" if num == 1 else f"give one value or {num} values"
            raise IterParamError(
                f"{where}: {name} has {len(vals)} values {vals} but "
                f"num_crop_sampler={num}: {hint}"
            )
    out = []
    for i in range(num):
        s = {k: (v[i] if k == "max_crop_trials" else _F(v[i])) for k, v in cols.items()}
        checks = (
            (s["min_crop_scales"] >= 0, "min_crop_scales must be >= 0"),
            (s["max_crop_scales"] <= 1, "max_crop_scales must be <= 1"),
            (
                s["max_crop_scales"] > s["min_crop_scales"],
                "max_crop_scales must be > min_crop_scales",
            ),
            (s["min_crop_aspect_ratios"] >= 0, "min_crop_aspect_ratios must be >= 0"),
            (
                s["max_crop_aspect_ratios"] >= s["min_crop_aspect_ratios"],
                "max_crop_aspect_ratios must be >= min_crop_aspect_ratios",
            ),
            (
                s["max_crop_overlaps"] >= s["min_crop_overlaps"],
                "max_crop_overlaps must be >= min_crop_overlaps",
            ),
            (
                s["max_crop_sample_coverages"] >= s["min_crop_sample_coverages"],
                "max_crop_sample_coverages must be >= min_crop_sample_coverages",
            ),
            (
                s["max_crop_object_coverages"] >= s["min_crop_object_coverages"],
                "max_crop_object_coverages must be >= min_crop_object_coverages",
            ),
        )
        for good, what in checks:
            if not good:
                got = {k: float(v) for k, v in s.items() if k != "max_crop_trials"}
                raise IterParamError(f"{where}: crop sampler {i}: {what}; got {got}")
        out.append(s)
    return out


def _int_param(value, name: str, where: str) -> int:
    if isinstance(value, bool) or float(value) != int(value):
        raise IterParamError(f"{where}: {name} must be an integer, got {value!r}")
    return int(value)


# ---------------------------------------------------------------- colour
_INV255 = _F(1) / _F(255)
_HLS_SECTORS = np.array(
    [[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]]
)


def _saturate_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


_RAMP_180 = np.clip(np.arange(-255, 511), 0, 180).astype(np.uint8)
_RAMP_255 = np.clip(np.arange(-255, 511), 0, 255).astype(np.uint8)
_U8_F = np.arange(256, dtype=_F) * _INV255  # OpenCV's ``v * (1.f / 255.f)``


@functools.cache
def _hls_tables() -> dict[str, np.ndarray]:
    """Per (max, min) channel value: L, S (SIMD and scalar paths) as 8 bits
    and ``60 / (max - min)``, as OpenCV 3.4 computes them in float32 (built
    once; threads racing here each get a complete set)."""
    vmax, vmin = np.meshgrid(_U8_F, _U8_F, indexing="ij")
    diff = vmax - vmin
    total = vmax + vmin
    light = total * _F(0.5)
    chroma = diff > _F(np.finfo(np.float32).eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        simd = diff / np.where(light >= _F(0.5), _F(2) - total, total)
        scalar = np.where(light < _F(0.5), diff / total, diff / ((_F(2) - vmax) - vmin))
        k = np.where(chroma, _F(60) / diff, _F(0))
    return {
        "k": k.ravel(),
        "l": _saturate_u8(light * _F(255)).ravel(),
        "s_simd": _saturate_u8(np.where(chroma, simd, 0) * _F(255)).ravel(),
        "s_scalar": _saturate_u8(np.where(chroma, scalar, 0) * _F(255)).ravel(),
    }


def _bgr_to_hls(img: np.ndarray) -> np.ndarray:
    """:func:`_hls_planes` as an HLS image."""
    return np.ascontiguousarray(np.moveaxis(_hls_planes(img), 0, -1))


def _hls_planes(img: np.ndarray) -> np.ndarray:
    """The H, L and S planes (3, rows, cols) of OpenCV 3.4's 8-bit BGR -> HLS (H in [0, 180)), the one linked into
    MXNet 1.9.1, in float32 as it computes: per row, blocks of 256 pixels
    whose first multiple of 8 go through its SSE2 path (saturation divided
    by ``2 - (max + min)``) and the rest through its scalar path
    (``(2 - max) - min``); the two round differently. (OpenCV 4 rounds the
    hue of some colours differently.)"""
    t = _hls_tables()
    planes = np.ascontiguousarray(np.moveaxis(img, -1, 0))
    b8, g8, r8 = planes
    vmax = np.maximum(np.maximum(b8, g8), r8)
    vmin = np.minimum(np.minimum(b8, g8), r8)
    idx = vmax.astype(np.intp)
    idx <<= 8
    idx |= vmin
    out = np.empty((3,) + vmax.shape, np.uint8)
    out[1] = t["l"][idx]
    out[2] = t["s_simd"][idx]
    width = img.shape[1]
    col = np.arange(width)
    block_len = np.minimum(width - col // 256 * 256, 256)
    tail = (col % 256) >= block_len // 8 * 8
    if tail.any():
        out[2][:, tail] = t["s_scalar"][idx[:, tail]]
    # max == r: (g - b) * k; max == g: (b - r) * k + 120; else (r - g) * k + 240.
    is_r = vmax == r8
    is_g = vmax == g8
    fb, fg, fr = planes.astype(_F) * _INV255
    k = t["k"][idx]
    hue = np.where(
        is_r,
        (fg - fb) * k,
        np.where(is_g, (fb - fr) * k + _F(120), (fr - fg) * k + _F(240)),
    )
    hue[hue < 0] += _F(360)
    hue *= _F(0.5)
    out[0] = np.rint(hue)
    return out


def _hls_to_bgr(hls: np.ndarray) -> np.ndarray:
    """OpenCV 3.4's 8-bit HLS (H in [0, 180]) -> BGR, in float32 (OpenCV 4
    and 5 compute the same bytes for every input: their conversion is
    used when installed; tests/io/test_image_det_record_aug.py checks)."""
    cv2 = _rec._cv2()
    if cv2 is not None:
        return cv2.cvtColor(hls, cv2.COLOR_HLS2BGR)
    return _hls_to_bgr_numpy(hls)


def _hls_to_bgr_numpy(hls: np.ndarray) -> np.ndarray:
    light = hls[..., 1].astype(_F) * _INV255
    sat = hls[..., 2].astype(_F) * _INV255
    p2 = np.where(light <= _F(0.5), light * (_F(1) + sat), (light + sat) - light * sat)
    p1 = _F(2) * light - p2
    hue = hls[..., 0].astype(_F) * (_F(6) / _F(180))
    whole = np.trunc(hue)
    frac = hue - whole
    sector = whole.astype(np.int64) % 6
    span = p2 - p1
    tab = np.stack([p2, p1, p1 + span * (_F(1) - frac), p1 + span * frac], axis=-1)
    bgr = np.take_along_axis(tab, _HLS_SECTORS[sector], axis=-1)
    return _saturate_u8(bgr * _F(255))


class _Canvas:
    """An image placed at (``top``, ``left``) on a canvas of ``shape``
    filled with ``fill``; only the windows read are built."""

    __slots__ = ("fill", "img", "left", "shape", "top")

    def __init__(self, img, top: int, left: int, shape: tuple, fill) -> None:
        self.img, self.top, self.left, self.shape, self.fill = (
            img,
            top,
            left,
            shape,
            fill,
        )

    def window(self, y: int, x: int, h: int, w: int) -> np.ndarray:
        rows, cols = self.img.shape[:2]
        y0, y1 = max(y, self.top), min(y + h, self.top + rows)
        x0, x1 = max(x, self.left), min(x + w, self.left + cols)
        cv2 = _rec._cv2()
        if y1 <= y0 or x1 <= x0 or cv2 is None:
            out = np.empty((h, w, self.shape[2]), np.uint8)
            out[...] = self.fill
            if y1 > y0 and x1 > x0:
                out[y0 - y : y1 - y, x0 - x : x1 - x] = self.img[
                    y0 - self.top : y1 - self.top, x0 - self.left : x1 - self.left
                ]
            return out
        inner = self.img[y0 - self.top : y1 - self.top, x0 - self.left : x1 - self.left]
        out = cv2.copyMakeBorder(
            np.ascontiguousarray(inner),
            y0 - y,
            y + h - y1,
            x0 - x,
            x + w - x1,
            cv2.BORDER_CONSTANT,
            value=[int(v) for v in self.fill],
        )
        return out.reshape(h, w, self.shape[2])


# ---------------------------------------------------------------- augmenter
class _DetAugment:
    """MXNet's default detection augmenter (see the module notes); draws
    from an :class:`_Engine` in MXNet's order."""

    def __init__(self, kw: dict, data_shape: tuple, where: str) -> None:
        self.shape = data_shape
        self.where = where
        self.resize = _int_param(kw.pop("resize", -1), "resize", where)
        self.inter_method = _int_param(kw.pop("inter_method", 1), "inter_method", where)
        if self.inter_method not in (0, 1, 2, 3, 4, 9, 10):
            raise IterParamError(
                f"{where}: invalid inter_method {self.inter_method}: valid values "
                "0, 1, 2, 3, 4, 9, 10"
            )
        mode = kw.pop("resize_mode", "force")
        if mode not in ("force", "shrink", "fit"):
            raise IterParamError(
                f"{where}: resize_mode must be 'force', 'shrink' or 'fit', got {mode!r}"
            )
        self.resize_mode = mode
        self.fill_value = _int_param(kw.pop("fill_value", 127), "fill_value", where)
        self.mirror_prob = _F(kw.pop("rand_mirror_prob", 0.0))
        self.pad_prob = _F(kw.pop("rand_pad_prob", 0.0))
        self.max_pad_scale = _F(kw.pop("max_pad_scale", 1.0))
        self.crop_prob = _F(kw.pop("rand_crop_prob", 0.0))
        num = _int_param(kw.pop("num_crop_sampler", 1), "num_crop_sampler", where)
        self.samplers = _samplers(kw, num, where)
        emit = kw.pop("crop_emit_mode", "center")
        if emit not in ("center", "overlap"):
            raise IterParamError(
                f"{where}: crop_emit_mode must be 'center' or 'overlap', got {emit!r}"
            )
        self.emit_center = emit == "center"
        self.emit_thresh = _F(kw.pop("emit_overlap_thresh", 0.3))
        if self.emit_thresh < 0:
            raise IterParamError(
                f"{where}: emit_overlap_thresh must be >= 0, got {float(self.emit_thresh)}"
            )
        self.hue = _int_param(kw.pop("max_random_hue", 0), "max_random_hue", where)
        self.sat = _int_param(
            kw.pop("max_random_saturation", 0), "max_random_saturation", where
        )
        self.ill = _int_param(
            kw.pop("max_random_illumination", 0), "max_random_illumination", where
        )
        self.contrast = _F(kw.pop("max_random_contrast", 0.0))
        self.color_probs = tuple(
            _F(kw.pop(k, 0.0))
            for k in (
                "random_hue_prob",
                "random_saturation_prob",
                "random_illumination_prob",
                "random_contrast_prob",
            )
        )
        self.color = any(p > 0 for p in self.color_probs)
        if self.color and (
            self.color_probs[0] > 0
            or self.color_probs[1] > 0
            or self.color_probs[2] > 0
        ):
            _rec._need_cv2("random_hue / saturation / illumination", where)

    # ------------------------------------------------------------ steps
    def _resized(self, img, nw: int, nh: int, eng: _Engine) -> np.ndarray:
        rows, cols = img.shape[:2]
        method = _rec._interp(self.inter_method, cols, rows, nw, nh, eng)
        return _rec.resize(img, nw, nh, method)

    def _colour(self, img, eng: _Engine, where_rec: str) -> np.ndarray:
        # Four amplitudes U(-1, 1) (``r * 2 + -1``), then four U(0, 1) (``r``).
        r = eng.canonicals(8)
        eng.skip(8)
        u = r[:4] * _F(2) + _F(-1)
        h = int(u[0] * _F(self.hue))
        s = int(u[1] * _F(self.sat))
        lum = int(u[2] * _F(self.ill))
        c = u[3] * self.contrast
        probs = r[4:]
        h = h if probs[0] < self.color_probs[0] else 0
        s = s if probs[1] < self.color_probs[1] else 0
        lum = lum if probs[2] < self.color_probs[2] else 0
        c = c if probs[3] < self.color_probs[3] else _F(0)
        if h or s or lum:
            if img.shape[2] != 3:
                raise MXNetError(
                    f"{self.where}: {where_rec}: random hue / saturation / "
                    f"illumination need a 3-channel image, got {img.shape[2]} channels"
                )
            planes = _hls_planes(img)
            for ch, delta, ramp in (
                (0, h, _RAMP_180),
                (1, lum, _RAMP_255),
                (2, s, _RAMP_255),
            ):
                if delta:
                    # v + delta clamped to [0, top]; |delta| > 255 saturates as 255.
                    start = 255 + max(-255, min(255, delta))
                    planes[ch] = ramp[start : start + 256][planes[ch]]
            img = _hls_to_bgr(np.ascontiguousarray(np.moveaxis(planes, 0, -1)))
        if abs(float(c)) > 1e-3:
            # OpenCV's convertTo: saturate(round(pixel * (1 + c))) in float32.
            alpha = _F(c + _F(1))
            lut = _saturate_u8(np.arange(256, dtype=_F) * alpha)
            cv2 = _rec._cv2()
            img = lut[img] if cv2 is None else cv2.LUT(img, lut).reshape(img.shape)
        return img

    def _pad(self, img, objs, eng: _Engine):
        """The padded image as a :class:`_Canvas` (built when a crop or the
        final resize reads it) and the boxes in it."""
        scale = eng.uniform(1.0, self.max_pad_scale)
        if scale < _F(1.05):
            return img, objs
        x0 = eng.uniform(0.0, scale - _F(1))
        y0 = eng.uniform(0.0, scale - _F(1))
        objs = _project(objs, -x0, -y0, scale, scale)
        rows, cols = img.shape[:2]
        left, top = int(x0 * _F(cols)), int(y0 * _F(rows))
        right = max(0, int((scale - x0 - _F(1)) * _F(cols)))
        bottom = max(0, int((scale - y0 - _F(1)) * _F(rows)))
        fill = np.zeros(img.shape[2], np.uint8)
        fill[: min(3, img.shape[2])] = np.clip(self.fill_value, 0, 255)
        shape = (rows + top + bottom, cols + left + right, img.shape[2])
        return _Canvas(img, top, left, shape, fill), objs

    def _crop(self, img, objs, eng: _Engine):
        """MXNet's crop samplers in a random order; each draws up to
        ``max_crop_trials`` boxes (4 draws each; here evaluated together,
        consuming the draws of the trials MXNet makes)."""
        order = eng.shuffled(len(self.samplers))
        rows, cols = img.shape[:2]
        img_ratio = _F(cols) / _F(rows)
        for idx in order:
            s = self.samplers[idx]
            trials = s["max_crop_trials"]
            if trials <= 0:
                continue
            boxes = _crop_trials(
                s, eng.canonicals(4 * trials).reshape(-1, 4), img_ratio
            )
            found = _first_crop(boxes, objs, s, self.emit_center, self.emit_thresh)
            if found is None:
                eng.skip(4 * trials)
                continue
            t, kept = found
            eng.skip(4 * (t + 1))
            x0, y0, w, h = (v[t] for v in boxes)
            left = min(int(x0 * _F(cols)), cols - 1)
            top = min(int(y0 * _F(rows)), rows - 1)
            width = max(1, min(int(w * _F(cols)), cols - left))
            height = max(1, min(int(h * _F(rows)), rows - top))
            if isinstance(img, _Canvas):
                return img.window(top, left, height, width), kept
            return img[top : top + height, left : left + width], kept
        return img, objs

    def __call__(self, img, objs, eng: _Engine, where_rec: str):
        """The augmented image (HWC uint8, BGR) and objects."""
        if self.resize != -1:
            rows, cols = img.shape[:2]
            if rows > cols:
                nh, nw = self.resize * rows // cols, self.resize
            else:
                nh, nw = self.resize, self.resize * cols // rows
            img = self._resized(img, nw, nh, eng)
        if self.color:
            img = self._colour(img, eng, where_rec)
        if self.mirror_prob > 0 and eng.uniform(0.0, 1.0) < self.mirror_prob:
            img = img[:, ::-1]
            flipped = objs.copy()
            flipped[:, 1] = _F(1) - objs[:, 3]
            flipped[:, 3] = _F(1) - objs[:, 1]
            objs = flipped
        if (
            self.pad_prob > 0
            and self.max_pad_scale > 1
            and eng.uniform(0.0, 1.0) < self.pad_prob
        ):
            img, objs = self._pad(img, objs, eng)
        if (
            self.crop_prob > 0
            and self.samplers
            and eng.uniform(0.0, 1.0) < self.crop_prob
        ):
            img, objs = self._crop(img, objs, eng)
        if isinstance(img, _Canvas):
            img = img.window(0, 0, img.shape[0], img.shape[1])
        _, dh, dw = self.shape
        rows, cols = img.shape[:2]
        if self.resize_mode == "force":
            img = self._resized(img, dw, dh, eng)
        elif self.resize_mode == "fit" or rows > dh or cols > dw:
            ratio = min(_F(dh) / _F(rows), _F(dw) / _F(cols))
            nw, nh = int(ratio * _F(cols)), int(ratio * _F(rows))
            img = self._resized(img, nw, nh, eng)
        return img, objs


# ---------------------------------------------------------------- examples
class _DetExamples(_rec._RecordExamples):
    def __getitem__(self, item):
        self._in_worker()
        epoch, pos = divmod(int(item), len(self.records))
        seed = self.seed_aug if self.seed_aug is not None else self.seed
        rec = int(self.records[pos])
        rng = self._seeded_rng(seed * 1000003 + epoch * 7919 + rec)
        return self.example(pos, _Engine(rng))

    def example(self, pos: int, eng: _Engine, normalize: bool = True):
        """Example ``pos`` of the part augmented with draws from ``eng``:
        the CHW float32 image and the padded label row."""
        rec = int(self.records[pos])
        offset = self.offsets[rec]
        where_rec = f"{self.path!r} record {rec} (byte {offset})"
        buf = self._record(offset, rec)
        label, labels, image_id, body = _rec._unpack(buf, self.path, rec, self.where)
        img = _rec.decode(body, self.data_shape[0], self.path, rec, self.where)
        if self.label_map is not None:
            raw = self.label_map.get(int(image_id))
            if raw is None:
                raise MXNetError(
                    f"{self.where}: {where_rec}: image id {image_id} not in the list"
                )
        elif labels is not None:
            raw = labels
        else:
            raw = np.array([label], np.float32)
        header, objs = _valid_objects(
            np.asarray(raw, np.float32), f"{self.where}: {where_rec}"
        )
        try:
            img, objs = self.augment(img, objs, eng, where_rec)
        except MXNetError:
            raise
        except Exception as err:  # noqa: BLE001 - OpenCV raises cv2.error
            raise MXNetError(
                f"{self.where}: {where_rec}: augmentation failed: {err}"
            ) from None
        c, dh, dw = self.data_shape
        if img.shape[0] > dh or img.shape[1] > dw:
            raise MXNetError(
                f"{self.where}: {where_rec}: the image is {img.shape[1]}x{img.shape[0]} "
                f"after augmentation, larger than data_shape {self.data_shape} "
                f"(resize_mode={self.augment.resize_mode!r})"
            )
        if img.shape[2] == 3:
            img = img[:, :, ::-1]
        elif img.shape[2] == 4:
            img = img[:, :, [2, 1, 0, 3]]
        out = np.zeros(self.data_shape, np.float32)
        out[:, : img.shape[0], : img.shape[1]] = img.transpose(2, 0, 1)
        if normalize:
            self._normalize(out)
        lab = np.concatenate([header, objs.ravel()])
        row = np.full(self.label_pad_width + 4, self.label_pad_value, np.float32)
        row[:4] = (img.shape[2], img.shape[0], img.shape[1], lab.size)
        row[4 : 4 + lab.size] = lab
        return out, row

    def _normalize(self, out: np.ndarray) -> None:
        c = out.shape[0]
        if (self.mean > 0).any():
            out -= self.mean[:c, None, None]
        elif self.mean_image is not None:
            out -= self.mean_image
        std = self.std[:c]
        out /= np.where(std > 0, std, np.float32(1))[:, None, None]
        out *= np.float32(self.scale)


_CHUNK_BYTES = 8 << 20  # MXNet's reading chunk: it shuffles within one


def _part_bytes(offsets: np.ndarray, records: np.ndarray, path: str) -> int:
    last = int(records[-1])
    end = offsets[last + 1] if last + 1 < len(offsets) else os.path.getsize(path)
    return int(end - offsets[int(records[0])])


def _shuffle_order(n: int, shuffle: bool, seed: int, part_bytes: int):
    """``order(pass_no)``: the examples' order in each pass. MXNet shuffles
    the examples of each 8 MiB chunk it reads, every pass, with
    ``std::shuffle`` and an mt19937 seeded ``233 + seed``: a part of one
    chunk gets its exact orders; a larger part is shuffled whole (numpy)."""
    if not shuffle:
        return lambda pass_no: np.arange(n)
    if part_bytes > _CHUNK_BYTES:
        return lambda pass_no: np.random.RandomState(
            (seed + 111 + pass_no) % 2**32
        ).permutation(n)
    made: list = []  # [engine, pass number, its order]

    def order(pass_no: int) -> np.ndarray:
        if not made or made[1] > pass_no:
            made[:] = [_Engine(np.random.RandomState((233 + seed) % 2**32)), -1, None]
        while made[1] < pass_no:
            made[2] = np.asarray(made[0].shuffled(n))
            made[1] += 1
        return made[2]

    return order


class ImageDetRecordIter(_rec._RecordIterBase):
    """Detection batches from a RecordIO file (see the module notes).

    Parameters
    ----------
    path_imgrec : str
    data_shape : tuple (channels, height, width)
    batch_size : int
    path_imglist : str, optional
        Labels by image id (``index<TAB>label values...<TAB>path``).
    label_width : int, default -1
        Required raw label length (-1: any).
    label_pad_width : int, default 0
        Label row length before the 4 header values (0: the widest label).
    label_pad_value : float, default -1
    shuffle, seed, seed_aug, round_batch, num_parts, part_index,
    preprocess_threads :
        As :class:`~neogluon.io.ImageRecordIter`.
    resize : int, default -1
        Resize the shorter side first.
    rand_mirror_prob : float
        Probability of a horizontal flip (boxes flipped too).
    rand_pad_prob, max_pad_scale, fill_value :
        Random padding (see the module notes).
    rand_crop_prob, num_crop_sampler, min_crop_scales, max_crop_scales,
    min_crop_aspect_ratios, max_crop_aspect_ratios, min_crop_overlaps,
    max_crop_overlaps, min_crop_sample_coverages, max_crop_sample_coverages,
    min_crop_object_coverages, max_crop_object_coverages, max_crop_trials,
    crop_emit_mode, emit_overlap_thresh :
        The random crop samplers (see the module notes); the per-sampler
        parameters take one value or a tuple of ``num_crop_sampler`` values.
    random_hue_prob, max_random_hue, random_saturation_prob,
    max_random_saturation, random_illumination_prob,
    max_random_illumination, random_contrast_prob, max_random_contrast :
        Colour distortions (see the module notes).
    resize_mode : {'force', 'shrink', 'fit'}
    inter_method : int, default 1
        OpenCV interpolation (0-4; 9: by scale; 10: random).
    mean_img : str, optional
        An ``nd.save`` file holding the mean image (created when missing).
    mean_r, mean_g, mean_b, mean_a, std_r, std_g, std_b, std_a, scale : float
        ``(pixel - mean) / std * scale``; a zero ``std`` is skipped.
    data_name, label_name : str
    """

    _WHERE = "ImageDetRecordIter"

    def _configure(
        self,
        path_imgrec: str,
        data_shape,
        batch_size: int,
        path_imglist: str = "",
        path_imgidx: str = "",
        label_width: int = -1,
        label_pad_width: int = 0,
        label_pad_value: float = -1.0,
        shuffle: bool = False,
        seed: int = 0,
        seed_aug=None,
        round_batch: bool = True,
        num_parts: int = 1,
        part_index: int = 0,
        preprocess_threads: int = 4,
        mean_img: str = "",
        mean_r: float = 0.0,
        mean_g: float = 0.0,
        mean_b: float = 0.0,
        mean_a: float = 0.0,
        std_r: float = 0.0,
        std_g: float = 0.0,
        std_b: float = 0.0,
        std_a: float = 0.0,
        scale: float = 1.0,
        data_name: str = "data",
        label_name: str = "softmax_label",
        timeout: int = 120,
        **kwargs,
    ) -> None:
        where = self._WHERE
        data_shape = _rec.image_data_shape(data_shape, where)
        augment = _DetAugment(kwargs, data_shape, where)
        dtype = kwargs.pop("dtype", None)
        if dtype is not None and np.dtype(dtype) != np.float32:
            raise IterParamError(
                f"{where}: dtype={dtype!r}: the detection iterator gives float32 "
                "batches only (MXNet 1.9.1's fails for other types); cast the batches"
            )
        _unknown_params(set(kwargs) - _ACCEPTED, where)
        batch_size = _positive_int(batch_size, "batch_size", where)
        _check_part(part_index, num_parts, where)
        offsets = _rec.scan_records(path_imgrec, where)
        records = _rec.part_records(
            offsets, os.path.getsize(path_imgrec), part_index, num_parts
        )
        if len(records) == 0:
            raise MXNetError(
                f"{where}: {path_imgrec!r} part {part_index} of {num_parts} holds no records"
            )
        label_map = (
            _rec._read_imglist(path_imglist, label_width, where, exact=False)
            if path_imglist
            else None
        )
        widest = 0
        with open(path_imgrec, "rb") as f:
            for rec in range(len(offsets)):
                if label_map is not None:
                    break
                buf = _rec.read_record(f, offsets[rec], path_imgrec, rec, where)
                _, labels, _, _ = _rec._unpack(buf, path_imgrec, rec, where)
                n = 1 if labels is None else labels.size
                if label_width > 0 and n != label_width:
                    raise MXNetError(
                        f"{where}: {path_imgrec!r} record {rec}: {n} label values, "
                        f"label_width={label_width}"
                    )
                widest = max(widest, n)
        if label_map is not None:
            widest = max(v.size for v in label_map.values())
        if label_pad_width > 0 and widest > label_pad_width:
            raise MXNetError(
                f"{where}: label_pad_width={label_pad_width} is smaller than the widest "
                f"label of {path_imgrec!r} ({widest} values)"
            )
        pad_width = max(label_pad_width, widest)
        self._examples = _DetExamples(
            {
                "path": path_imgrec,
                "where": where,
                "offsets": offsets,
                "records": np.asarray(records),
                "data_shape": data_shape,
                "label_map": label_map,
                "label_pad_width": pad_width,
                "label_pad_value": float(label_pad_value),
                "augment": augment,
                "seed": int(seed),
                "seed_aug": None if seed_aug is None else int(seed_aug),
                "mean": np.array([mean_r, mean_g, mean_b, mean_a], np.float32),
                "std": np.array([std_r, std_g, std_b, std_a], np.float32),
                "scale": float(scale),
                "mean_image": None,
            }
        )
        n = len(records)
        order = _shuffle_order(
            n, bool(shuffle), int(seed), _part_bytes(offsets, records, path_imgrec)
        )

        self._stream = _Stream(n, batch_size, bool(round_batch), order, where)
        self._bs = batch_size
        self._epoch = 0
        self._workers = int(preprocess_threads) if preprocess_threads > 1 else 0
        self._timeout = timeout
        self._plan = _rec._EpochBatches()
        self._loader = None
        self._batches = None
        if mean_img:
            self._examples.mean_image = self._det_mean_image(mean_img, where)
        self._start_epoch()
        MXDataIter.__init__(self, data_name=data_name, label_name=label_name)

    def _det_mean_image(self, path: str, where: str) -> np.ndarray:
        """The mean image of ``path``, or, when the file is missing, the mean
        of one pass over the part (divided by ``std`` and times ``scale``,
        as MXNet's detection normalizer computes it), saved there."""
        ex = self._examples
        if os.path.isfile(path):
            loaded = nd.serialization.load_any(path)
            values = list(loaded.values()) if isinstance(loaded, dict) else loaded
            if len(values) != 1:
                raise MXNetError(
                    f"{where}: mean_img={path!r} holds {len(values)} arrays; expected "
                    "one (the mean image)"
                )
            arr = values[0].asnumpy().astype(np.float32)
            if arr.shape != ex.data_shape:
                raise MXNetError(
                    f"{where}: mean_img={path!r} has shape {arr.shape}, data_shape "
                    f"is {ex.data_shape}"
                )
            return arr
        logging.info("%s: computing the mean image into %s", where, path)
        total = np.zeros(ex.data_shape, np.float32)
        for pos in range(len(ex)):
            rec = int(ex.records[pos])
            img, _ = ex.example(pos, _Engine(ex._seeded_rng(rec)))
            total += img
        mean = total * np.float32(1.0 / len(ex))
        nd.save(path, {"mean_img": nd.array(mean)})
        return mean
