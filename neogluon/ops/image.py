"""Operator family: image ops (``nd.image.*`` / ``sym.image.*``) and OpenCV helpers.

Images are HWC (or NHWC batches) of any dtype, as in MXNet 1.9.1's
``src/operator/image``. Colour ops compute in float32 and write back with MXNet's
``saturate_cast``: uint8 results are clamped to [0, 255] and then *truncated*
(not rounded), other dtypes are plain casts.

Resizing reproduces OpenCV's ``cv::resize`` (which MXNet calls) with separable
1-D weight matrices built from OpenCV's own tap rules, instead of
``torch.nn.functional.interpolate`` whose area/antialias filters differ from
OpenCV's. Interpolation codes are OpenCV's: 0 nearest, 1 bilinear, 2 bicubic
(a = -0.75), 3 area (exact pixel-area box weights when shrinking both axes,
OpenCV's area-linear rule otherwise), 4 Lanczos-4. Float inputs match OpenCV to
float rounding (about 1e-4 absolute on 0-255 data); uint8 results can differ by
1 where OpenCV's fixed-point 8-bit paths round differently from our exact
arithmetic (nearest and area-shrink are exact).

Differs from MXNet 1.9.1:

- ``flip_left_right``/``flip_top_bottom`` (and their random versions) return
  the true flip; MXNet's CPU kernel leaves the middle row/column of an odd-sized
  axis uninitialized.
- ``random_saturation``/``random_color_jitter`` blend with the luma
  ``0.299 R + 0.587 G + 0.114 B``; MXNet's kernel assigns instead of accumulating
  and uses ``0.114 B`` alone.
- ``normalize`` accepts its default ``mean``/``std`` for any channel count
  (MXNet rejects the 4-element defaults on 3-channel input); any channel count
  is allowed, not only 1 or 3.
- The colour and flip ops also accept NHWC batches (one random draw per image).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch

from .registry import OpDef
from .registry import P
from .registry import ShapeError
from .registry import register

_LUMA = (0.299, 0.587, 0.114)
# AlexNet PCA lighting: eigenvalue * eigenvector (rows R, G, B), as MXNet.
_EIG = np.array(
    [
        [55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
        [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
        [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203],
    ],
    dtype=np.float32,
)


# --------------------------------------------------------------------------- helpers
def _image_rank_check(op: str, shape, ranks=(3, 4)) -> None:
    if shape is not None and len(shape) not in ranks:
        want = " or ".join({3: "(H, W, C)", 4: "(N, H, W, C)"}[r] for r in ranks)
        raise ShapeError(
            f"{op}: expected an image of shape {want}, got {tuple(shape)}."
        )


def _same_shape(op: str, ranks=(3, 4)):
    def infer(in_shapes, attrs, out_shapes=None):
        s = in_shapes[0]
        if s is None and out_shapes and out_shapes[0] is not None:
            s = out_shapes[0]
        _image_rank_check(op, s, ranks)
        return [s], [s]

    return infer


def _float_work(x: torch.Tensor) -> torch.Tensor:
    return x if x.dtype == torch.float64 else x.to(torch.float32)


def _saturate(v: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """MXNet's ``saturate_cast``: uint8 clamps then truncates; others cast."""
    if dtype == torch.uint8:
        return v.clamp(0, 255).to(torch.uint8)
    if v.dtype == dtype:
        return v
    return v.to(dtype)


def _per_image(x: torch.Tensor, fn) -> torch.Tensor:
    """Apply ``fn(image_hwc)`` to an HWC image or to each image of an NHWC batch."""
    if x.dim() == 3:
        return fn(x)
    return torch.stack([fn(img) for img in x.unbind(0)]) if len(x) else x.clone()


def _uniform(lo: float, hi: float) -> float:
    return float(torch.empty((), dtype=torch.float32).uniform_(lo, hi))


def _check_channels(op: str, x: torch.Tensor) -> int:
    c = x.shape[-1]
    if c not in (1, 3):
        raise ShapeError(
            f"{op}: the last axis must be the channel axis with 1 or 3 elements, "
            f"got an image of shape {tuple(x.shape)}."
        )
    return c


# --------------------------------------------------------------------------- to_tensor
def _to_tensor(data):
    if data.dim() not in (3, 4):
        raise ShapeError(
            "image.to_tensor: expected an image of shape (H, W, C) or (N, H, W, C), "
            f"got {tuple(data.shape)}."
        )
    out = data.to(torch.float32) / 255.0
    return out.permute(2, 0, 1) if data.dim() == 3 else out.permute(0, 3, 1, 2)


def _to_tensor_shape(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    _image_rank_check("image.to_tensor", s)
    if s is None:
        return in_shapes, [None]
    if len(s) == 3:
        return in_shapes, [(s[2], s[0], s[1])]
    return in_shapes, [(s[0], s[3], s[1], s[2])]


register(
    OpDef(
        name="_image_to_tensor",
        kernel=_to_tensor,
        infer_shape=_to_tensor_shape,
        infer_type=lambda t, a: (t, ["float32"]),
        doc="HWC (or NHWC) image in [0, 255] -> CHW (NCHW) float32 in [0, 1].",
    )
)


# --------------------------------------------------------------------------- normalize
_NORM_MEAN_DEFAULT = (0.0, 0.0, 0.0, 0.0)
_NORM_STD_DEFAULT = (1.0, 1.0, 1.0, 1.0)


def _channel_values(name, values, default, c, shape):
    values = tuple(values)
    if len(values) == 1:
        return values * c
    if len(values) == c:
        return values
    if values == default:
        return (default[0],) * c
    raise ShapeError(
        f"image.normalize: {name} must have 1 or {c} elements for input of shape "
        f"{tuple(shape)} (channel axis {c}), got {list(values)}."
    )


def _normalize(data, mean=_NORM_MEAN_DEFAULT, std=_NORM_STD_DEFAULT):
    if data.dim() not in (3, 4):
        raise ShapeError(
            "image.normalize: expected a tensor of shape (C, H, W) or (N, C, H, W), "
            f"got {tuple(data.shape)}."
        )
    c = data.shape[-3]
    m = _channel_values("mean", mean, _NORM_MEAN_DEFAULT, c, data.shape)
    s = _channel_values("std", std, _NORM_STD_DEFAULT, c, data.shape)
    work = data if data.is_floating_point() else data.to(torch.float32)
    mt = torch.tensor(m, dtype=work.dtype, device=data.device).view(c, 1, 1)
    st = torch.tensor(s, dtype=work.dtype, device=data.device).view(c, 1, 1)
    out = (work - mt) / st
    return out if out.dtype == data.dtype else _saturate(out, data.dtype)


def _normalize_shape(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    if s is not None and len(s) not in (3, 4):
        raise ShapeError(
            "image.normalize: expected a tensor of shape (C, H, W) or (N, C, H, W), "
            f"got {tuple(s)}."
        )
    return [s], [s]


register(
    OpDef(
        name="_image_normalize",
        kernel=_normalize,
        params=(
            P("mean", "floats", _NORM_MEAN_DEFAULT, "Per-channel means (1 or C)."),
            P("std", "floats", _NORM_STD_DEFAULT, "Per-channel std devs (1 or C)."),
        ),
        infer_shape=_normalize_shape,
        doc="Normalize a CHW / NCHW tensor: ``(x - mean[c]) / std[c]``.",
    )
)


# --------------------------------------------------------------------------- resize
def _linear_taps(sw: int, dw: int, area_mode: bool):
    scale = sw / dw
    inv = dw / sw
    rows = []
    for dx in range(dw):
        if area_mode:
            # OpenCV INTER_AREA when enlarging an axis.
            sx = math.floor(dx * scale)
            fx = (dx + 1) - (sx + 1) * inv
            fx = 0.0 if fx <= 0 else fx - math.floor(fx)
        else:
            fx = (dx + 0.5) * scale - 0.5
            sx = math.floor(fx)
            fx -= sx
        if sx < 0:
            fx, sx = 0.0, 0
        if sx >= sw - 1:
            fx, sx = 0.0, sw - 1
        rows.append(((sx, 1.0 - fx), (sx + 1, fx)))
    return rows


def _cubic_coeffs(x: float):
    a = -0.75
    c0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    c1 = ((a + 2) * x - (a + 3)) * x * x + 1
    c2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1
    return (c0, c1, c2, 1.0 - c0 - c1 - c2)


_S45 = 0.70710678118654752440084436210485
_LANCZOS_CS = (
    (1, 0),
    (-_S45, -_S45),
    (0, 1),
    (_S45, -_S45),
    (-1, 0),
    (_S45, _S45),
    (0, -1),
    (-_S45, _S45),
)


def _lanczos4_coeffs(x: float):
    if x < 1.1920929e-07:
        return (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    y0 = -(x + 3) * math.pi * 0.25
    s0, c0 = math.sin(y0), math.cos(y0)
    cs = []
    for i in range(8):
        y = -(x + 3 - i) * math.pi * 0.25
        cs.append((_LANCZOS_CS[i][0] * s0 + _LANCZOS_CS[i][1] * c0) / (y * y))
    total = sum(cs)
    return tuple(v / total for v in cs)


def _kernel_taps(sw: int, dw: int, coeffs, ksize: int):
    scale = sw / dw
    rows = []
    for dx in range(dw):
        fx = (dx + 0.5) * scale - 0.5
        sx = math.floor(fx)
        cs = coeffs(fx - sx)
        rows.append(tuple((sx + k - ksize // 2 + 1, cs[k]) for k in range(ksize)))
    return rows


def _area_taps(sw: int, dw: int):
    scale = sw / dw
    rows = []
    for dx in range(dw):
        f1 = dx * scale
        f2 = f1 + scale
        cell = min(scale, sw - f1)
        s2 = min(math.floor(f2), sw - 1)
        s1 = min(math.ceil(f1), s2)
        taps = []
        if s1 - f1 > 1e-3:
            taps.append((s1 - 1, (s1 - f1) / cell))
        taps.extend((s, 1.0 / cell) for s in range(s1, s2))
        if f2 - s2 > 1e-3:
            taps.append((s2, min(f2 - s2, 1.0, cell) / cell))
        rows.append(tuple(taps))
    return rows


@functools.lru_cache(maxsize=256)
def resize_weights(sw: int, dw: int, interp: int, area_shrink: bool) -> torch.Tensor:
    """OpenCV's 1-D resampling matrix ``(dw, sw)`` (border taps replicated).

    Cached and shared: callers must not modify the returned float64 tensor.
    """
    if interp == 0:
        ifx = 1.0 / (dw / sw)
        rows = [((min(math.floor(dx * ifx), sw - 1), 1.0),) for dx in range(dw)]
    elif interp == 1:
        rows = _linear_taps(sw, dw, False)
    elif interp == 2:
        rows = _kernel_taps(sw, dw, _cubic_coeffs, 4)
    elif interp == 3:
        rows = _area_taps(sw, dw) if area_shrink else _linear_taps(sw, dw, True)
    elif interp == 4:
        rows = _kernel_taps(sw, dw, _lanczos4_coeffs, 8)
    else:
        raise ValueError(
            f"resize: unknown interpolation {interp}; use 0 (nearest), 1 (bilinear), "
            "2 (bicubic), 3 (area) or 4 (lanczos4)."
        )
    m = np.zeros((dw, sw), dtype=np.float64)
    for i, taps in enumerate(rows):
        for s, w in taps:
            m[i, min(max(s, 0), sw - 1)] += w
    return torch.from_numpy(m)


def resize_hwc(x: torch.Tensor, w: int, h: int, interp: int = 1) -> torch.Tensor:
    """Resize an HWC or NHWC tensor to width ``w`` and height ``h`` like OpenCV."""
    if w <= 0 or h <= 0:
        raise ValueError(f"resize: output size must be positive, got (w={w}, h={h}).")
    if interp == 9:  # OpenCV-style auto: cubic to enlarge, area to shrink.
        sh, sw_ = x.shape[-3], x.shape[-2]
        interp = 2 if (h > sh and w > sw_) else 3 if (h < sh and w < sw_) else 1
    src_h, src_w = x.shape[-3], x.shape[-2]
    if (src_h, src_w) == (h, w):
        return x.clone()
    area_shrink = src_w / w >= 1 and src_h / h >= 1
    if x.device.type == "meta":
        return torch.empty(
            (*x.shape[:-3], h, w, x.shape[-1]), dtype=x.dtype, device="meta"
        )
    wdt = torch.float64 if x.device.type == "cpu" else torch.float32
    wy = resize_weights(src_h, h, interp, area_shrink).to(x.device, wdt)
    wx = resize_weights(src_w, w, interp, area_shrink).to(x.device, wdt)
    out = torch.einsum("yh,...hwc,xw->...yxc", wy, x.to(wdt), wx)
    if x.is_floating_point():
        return out.to(x.dtype)
    info = torch.iinfo(x.dtype)
    # OpenCV's saturate_cast for resize rounds to nearest (ties to even).
    return torch.round(out).clamp(info.min, info.max).to(x.dtype)


def resized_hw(h: int, w: int, size: tuple, keep_ratio: bool) -> tuple[int, int]:
    """MXNet's ``GetHeightAndWidth``: output (H, W) for ``size`` = (W, H) or (s,)."""
    if len(size) == 1:
        s = size[0]
        if s <= 0:
            raise ValueError(f"image.resize: size must be positive, got {size}.")
        if not keep_ratio:
            return s, s
        if h > w:
            return h * s // w, s
        return s, w * s // h
    if len(size) == 2:
        if size[0] <= 0 or size[1] <= 0:
            raise ValueError(f"image.resize: size must be positive, got {size}.")
        return size[1], size[0]
    raise ValueError(
        f"image.resize: size must be (width, height) or a single int, got {size!r}."
    )


def _resize(data, size=(), keep_ratio=False, interp=1):
    if data.dim() not in (3, 4):
        raise ShapeError(
            "image.resize: expected an image of shape (H, W, C) or (N, H, W, C), "
            f"got {tuple(data.shape)}."
        )
    h, w = resized_hw(data.shape[-3], data.shape[-2], tuple(size or ()), keep_ratio)
    return resize_hwc(data, w, h, interp)


def _resize_shape(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    _image_rank_check("image.resize", s)
    if s is None or s[-3] == 0 or s[-2] == 0:
        return in_shapes, [None]
    h, w = resized_hw(s[-3], s[-2], tuple(attrs["size"] or ()), attrs["keep_ratio"])
    return in_shapes, [(*s[:-3], h, w, s[-1])]


register(
    OpDef(
        name="_image_resize",
        kernel=_resize,
        params=(
            P("size", "shape", (), "(width, height), or (s,) for an s x s output."),
            P("keep_ratio", "bool", False, "With one size: resize the short side."),
            P(
                "interp",
                "int",
                1,
                "OpenCV code: 0 nearest 1 linear 2 cubic 3 area 4 lanczos.",
            ),
        ),
        infer_shape=_resize_shape,
        doc="Resize an HWC / NHWC image as OpenCV's cv::resize does.",
    )
)


def _cvimresize(src, w=0, h=0, interp=1):
    if src.dim() != 3:
        raise ShapeError(
            f"_cvimresize: expected an (H, W, C) image, got {tuple(src.shape)}."
        )
    return resize_hwc(src, w, h, interp)


register(
    OpDef(
        name="_cvimresize",
        kernel=_cvimresize,
        inputs=("src",),
        params=(
            P("w", "int", doc="Width of the resized image."),
            P("h", "int", doc="Height of the resized image."),
            P("interp", "int", 1, "OpenCV interpolation code (default bilinear)."),
        ),
        infer_shape=lambda s, a, o=None: (
            s,
            [None if s[0] is None else (a["h"], a["w"], s[0][2])],
        ),
        doc="Resize an HWC image with OpenCV semantics (``mx.image.imresize``).",
    )
)


# --------------------------------------------------------------------------- borders
def _border_index(n: int, before: int, after: int, mode: int) -> np.ndarray:
    """Source index of every output position along one axis (OpenCV's codes)."""
    idx = np.arange(-before, n + after)
    if mode == 2:  # BORDER_REFLECT: fedcba|abcdefgh|hgfedcb
        period = 2 * n
        idx = np.mod(idx, period)
        idx = np.where(idx >= n, period - 1 - idx, idx)
    elif mode == 4:  # BORDER_REFLECT_101: gfedcb|abcdefgh|gfedcba
        if n == 1:
            return np.zeros_like(idx)
        period = 2 * n - 2
        idx = np.mod(idx, period)
        idx = np.where(idx >= n, period - idx, idx)
    elif mode == 3:  # BORDER_WRAP: cdefgh|abcdefgh|abcdefg
        idx = np.mod(idx, n)
    else:  # BORDER_REPLICATE (1), and the positions of BORDER_CONSTANT (0)
        idx = np.clip(idx, 0, n - 1)
    return idx


def _copy_make_border(src, top=0, bot=0, left=0, right=0, type=0, value=0.0, values=()):  # noqa: A002
    if src.dim() != 3:
        raise ShapeError(
            f"_cvcopyMakeBorder: expected an (H, W, C) image, got {tuple(src.shape)}."
        )
    if type not in (0, 1, 2, 3, 4):
        raise ValueError(
            f"_cvcopyMakeBorder: unknown border type {type}; use OpenCV's 0 "
            "constant, 1 replicate, 2 reflect, 3 wrap or 4 reflect_101."
        )
    h, w, c = src.shape
    ri = torch.as_tensor(_border_index(h, top, bot, type), device=src.device)
    ci = torch.as_tensor(_border_index(w, left, right, type), device=src.device)
    out = src.index_select(0, ri).index_select(1, ci)
    if type == 0:
        fill = list(values)[:c] + [0.0] * (c - len(values)) if values else [value] * c
        f = torch.tensor(fill, dtype=torch.float64)
        if not src.is_floating_point():
            f = torch.round(f)
        out = out.clone()
        mask = torch.ones(out.shape[:2], dtype=torch.bool, device=src.device)
        mask[top : top + h, left : left + w] = False
        out[mask] = f.to(src.dtype).to(src.device)
    return out


register(
    OpDef(
        name="_cvcopyMakeBorder",
        kernel=_copy_make_border,
        inputs=("src",),
        params=(
            P("top", "int", doc="Top margin."),
            P("bot", "int", doc="Bottom margin."),
            P("left", "int", doc="Left margin."),
            P("right", "int", doc="Right margin."),
            P(
                "type",
                "int",
                0,
                "OpenCV code: 0 constant 1 replicate 2 reflect 3 wrap 4 reflect_101.",
            ),
            P("value", "float", 0.0, "Fill value (deprecated; use values)."),
            P("values", "floats", (), "Per-channel fill values."),
        ),
        infer_shape=lambda s, a, o=None: (
            s,
            [
                None
                if s[0] is None
                else (
                    s[0][0] + a["top"] + a["bot"],
                    s[0][1] + a["left"] + a["right"],
                    s[0][2],
                )
            ],
        ),
        doc="Pad an HWC image border as OpenCV's copyMakeBorder.",
    )
)


# --------------------------------------------------------------------------- crop
def _crop(data, x=0, y=0, width=0, height=0):
    if data.dim() not in (3, 4):
        raise ShapeError(
            "image.crop: expected an image of shape (H, W, C) or (N, H, W, C), "
            f"got {tuple(data.shape)}."
        )
    _check_crop(tuple(data.shape), x, y, width, height)
    return data[..., y : y + height, x : x + width, :]


def _check_crop(shape, x, y, width, height) -> None:
    h, w = shape[-3], shape[-2]
    if width <= 0 or height <= 0:
        raise ValueError(
            f"image.crop: width and height must be > 0, got width={width}, "
            f"height={height}."
        )
    if x < 0 or y < 0 or x + width > w or y + height > h:
        raise ValueError(
            f"image.crop: the box x={x}, y={y}, width={width}, height={height} does "
            f"not fit in an image of height {h} and width {w} (shape {shape}); "
            "need 0 <= x, x + width <= W, 0 <= y, y + height <= H."
        )


def _crop_shape(in_shapes, attrs, out_shapes=None):
    s = in_shapes[0]
    _image_rank_check("image.crop", s)
    if s is None:
        return in_shapes, [None]
    if s[-3] and s[-2]:
        _check_crop(s, attrs["x"], attrs["y"], attrs["width"], attrs["height"])
    return in_shapes, [(*s[:-3], attrs["height"], attrs["width"], s[-1])]


register(
    OpDef(
        name="_image_crop",
        kernel=_crop,
        params=(
            P("x", "int", doc="Left boundary of the cropping area."),
            P("y", "int", doc="Top boundary of the cropping area."),
            P("width", "int", doc="Width of the cropping area."),
            P("height", "int", doc="Height of the cropping area."),
        ),
        infer_shape=_crop_shape,
        returns_view=True,
        doc="Crop an HWC / NHWC image to the box (x, y, width, height).",
    )
)


# --------------------------------------------------------------------------- flips
def _flip_axis(x: torch.Tensor, left_right: bool) -> int:
    return x.dim() - 2 if left_right else x.dim() - 3


def _flip_kernel(left_right: bool, random: bool):
    name = "flip_left_right" if left_right else "flip_top_bottom"
    name = ("random_" if random else "") + name

    def kernel(data):
        if data.dim() not in (3, 4):
            raise ShapeError(
                f"image.{name}: expected an image of shape (H, W, C) or (N, H, W, C), "
                f"got {tuple(data.shape)}."
            )
        axis = _flip_axis(data, left_right)
        if not random:
            return torch.flip(data, (axis,))
        if data.dim() == 3:
            return (
                torch.flip(data, (axis,)) if _uniform(0.0, 1.0) < 0.5 else data.clone()
            )
        flip = torch.rand(data.shape[0], device=data.device) < 0.5
        return torch.where(flip.view(-1, 1, 1, 1), torch.flip(data, (axis,)), data)

    kernel.__name__ = name
    return kernel


for _lr in (True, False):
    for _rnd in (False, True):
        _k = _flip_kernel(_lr, _rnd)
        register(
            OpDef(
                name=f"_image_{_k.__name__}",
                kernel=_k,
                infer_shape=_same_shape(f"image.{_k.__name__}"),
                cse=not _rnd,
                doc=(
                    ("With probability 0.5, flip" if _rnd else "Flip")
                    + (" left to right" if _lr else " top to bottom")
                    + " an HWC / NHWC image."
                ),
            )
        )


# --------------------------------------------------------------------------- colour
def adjust_brightness(img: torch.Tensor, alpha: float) -> torch.Tensor:
    return _saturate(_float_work(img) * alpha, img.dtype)


def adjust_contrast(img: torch.Tensor, alpha: float) -> torch.Tensor:
    x = _float_work(img)
    if x.shape[-1] > 1:
        luma = torch.tensor(_LUMA, dtype=x.dtype, device=x.device)
        gray_mean = (x[..., :3] * luma).sum() / (x.shape[0] * x.shape[1])
    else:
        gray_mean = x.mean()
    return _saturate(x * alpha + (1 - alpha) * gray_mean, img.dtype)


def adjust_saturation(img: torch.Tensor, alpha: float) -> torch.Tensor:
    if img.shape[-1] == 1:
        return img.clone()
    x = _float_work(img)
    luma = torch.tensor(_LUMA, dtype=x.dtype, device=x.device)
    gray = (x[..., :3] * luma).sum(-1, keepdim=True)
    return _saturate(gray * (1 - alpha) + x * alpha, img.dtype)


def _rgb_to_hls(r, g, b):
    r, g, b = r / 255.0, g / 255.0, b / 255.0
    vmax = torch.maximum(torch.maximum(r, g), b)
    vmin = torch.minimum(torch.minimum(r, g), b)
    diff = vmax - vmin
    light = (vmax + vmin) * 0.5
    colored = diff > torch.finfo(torch.float32).eps
    safe = torch.where(colored, diff, torch.ones_like(diff))
    s = torch.where(
        light < 0.5,
        diff / torch.where(colored, vmax + vmin, torch.ones_like(diff)),
        diff / torch.where(colored, 2.0 - vmax - vmin, torch.ones_like(diff)),
    )
    k = 60.0 / safe
    h = torch.where(
        vmax == r,
        (g - b) * k,
        torch.where(vmax == g, (b - r) * k + 120.0, (r - g) * k + 240.0),
    )
    h = torch.where(h < 0, h + 360.0, h)
    zero = torch.zeros_like(h)
    return torch.where(colored, h, zero), light, torch.where(colored, s, zero)


# (b, g, r) picks from (p2, p1, rising, falling) per 60-degree sector, as OpenCV.
_HLS_SECTORS = ((1, 3, 0), (1, 0, 2), (3, 0, 1), (0, 2, 1), (0, 1, 3), (2, 1, 0))


def _hls_to_rgb(h, light, s):
    p2 = torch.where(light <= 0.5, light * (1 + s), light + s - light * s)
    p1 = 2 * light - p2
    h = torch.remainder(h * (1.0 / 60.0), 6.0)
    sector = h.to(torch.int64).clamp(0, 5)
    f = h - sector.to(h.dtype)
    tab = torch.stack((p2, p1, p1 + (p2 - p1) * (1 - f), p1 + (p2 - p1) * f), -1)
    pick = torch.tensor(_HLS_SECTORS, device=h.device)[sector]  # (..., 3) = b, g, r
    bgr = torch.gather(tab, -1, pick)
    gray = s == 0
    b = torch.where(gray, light, bgr[..., 0])
    g = torch.where(gray, light, bgr[..., 1])
    r = torch.where(gray, light, bgr[..., 2])
    return r * 255.0, g * 255.0, b * 255.0


def adjust_hue(img: torch.Tensor, alpha: float) -> torch.Tensor:
    """Rotate hue by ``alpha * 360`` degrees in HLS space (MXNet's rule)."""
    if img.shape[-1] == 1:
        return img.clone()
    x = img.to(torch.float32)
    h, light, s = _rgb_to_hls(x[..., 0], x[..., 1], x[..., 2])
    r, g, b = _hls_to_rgb(h + alpha * 360.0, light, s)
    return _saturate(torch.stack((r, g, b), -1), img.dtype)


def adjust_lighting(img: torch.Tensor, alpha) -> torch.Tensor:
    if img.shape[-1] == 1:
        return img.clone()
    a = np.asarray(alpha, dtype=np.float32)
    if a.shape != (3,):
        raise ValueError(
            f"image.adjust_lighting: alpha must have 3 values (R, G, B), got {tuple(alpha)}."
        )
    pca = torch.as_tensor(_EIG @ a, device=img.device)
    return _saturate(_float_work(img) + pca.to(_float_work(img).dtype), img.dtype)


_ENHANCERS = {
    "brightness": adjust_brightness,
    "contrast": adjust_contrast,
    "saturation": adjust_saturation,
    "hue": adjust_hue,
}


def _random_enhance_kernel(kind: str):
    fn = _ENHANCERS[kind]

    def kernel(data, min_factor=0.0, max_factor=0.0):
        if min_factor < 0 or max_factor < 0 or min_factor > max_factor:
            raise ValueError(
                f"image.random_{kind}: need 0 <= min_factor <= max_factor, got "
                f"min_factor={min_factor}, max_factor={max_factor}."
            )
        _check_channels(f"image.random_{kind}", data)
        return _per_image(data, lambda img: fn(img, _uniform(min_factor, max_factor)))

    return kernel


for _kind in _ENHANCERS:
    register(
        OpDef(
            name=f"_image_random_{_kind}",
            kernel=_random_enhance_kernel(_kind),
            params=(
                P("min_factor", "float", doc="Minimum factor."),
                P("max_factor", "float", doc="Maximum factor."),
            ),
            infer_shape=_same_shape(f"image.random_{_kind}"),
            cse=False,
            doc=f"Adjust {_kind} by a factor drawn uniformly from [min, max].",
        )
    )


def _jitter_one(img, brightness, contrast, saturation, hue):
    out = img
    for i in torch.randperm(4).tolist():
        if i == 0 and brightness > 0:
            out = adjust_brightness(out, 1.0 + _uniform(-brightness, brightness))
        elif i == 1 and contrast > 0:
            out = adjust_contrast(out, 1.0 + _uniform(-contrast, contrast))
        elif i == 2 and saturation > 0:
            out = adjust_saturation(out, 1.0 + _uniform(-saturation, saturation))
        elif i == 3 and hue > 0:
            out = adjust_hue(out, _uniform(-hue, hue))
    return out.clone() if out is img else out


def _random_color_jitter(data, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0):
    _check_channels("image.random_color_jitter", data)
    return _per_image(
        data, lambda img: _jitter_one(img, brightness, contrast, saturation, hue)
    )


register(
    OpDef(
        name="_image_random_color_jitter",
        kernel=_random_color_jitter,
        params=(
            P("brightness", "float", doc="How much to jitter brightness."),
            P("contrast", "float", doc="How much to jitter contrast."),
            P("saturation", "float", doc="How much to jitter saturation."),
            P("hue", "float", doc="How much to jitter hue."),
        ),
        infer_shape=_same_shape("image.random_color_jitter"),
        doc="Jitter brightness, contrast, saturation and hue in a random order.",
        cse=False,
    )
)


def _adjust_lighting(data, alpha=()):
    _check_channels("image.adjust_lighting", data)
    return _per_image(data, lambda img: adjust_lighting(img, alpha))


def _random_lighting(data, alpha_std=0.05):
    _check_channels("image.random_lighting", data)

    def one(img):
        a = torch.randn(3, dtype=torch.float32) * alpha_std
        return adjust_lighting(img, a.numpy())

    return _per_image(data, one)


register(
    OpDef(
        name="_image_adjust_lighting",
        kernel=_adjust_lighting,
        params=(
            P("alpha", "floats", doc="The lighting alphas for the R, G, B channels."),
        ),
        infer_shape=_same_shape("image.adjust_lighting"),
        doc="Adjust the lighting level of the input. Follow the AlexNet style.",
    )
)
register(
    OpDef(
        name="_image_random_lighting",
        kernel=_random_lighting,
        params=(P("alpha_std", "float", 0.05, "Level of the lighting noise."),),
        infer_shape=_same_shape("image.random_lighting"),
        doc="Randomly add PCA noise. Follow the AlexNet style.",
        cse=False,
    )
)
