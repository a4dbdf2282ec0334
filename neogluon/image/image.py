"""``mx.image``: decode, resize, crop and normalize images held in NDArrays.

Images are HWC uint8 NDArrays in RGB order (MXNet's convention). Decoding uses
Pillow (``pip install Pillow``), imported on first use; resizing uses the
OpenCV-exact resampler behind ``nd.image.resize`` (see ``neogluon.ops.image``),
with OpenCV's interpolation codes: 0 nearest, 1 bilinear, 2 bicubic, 3 area,
4 Lanczos-4, 9 auto (bicubic to enlarge, area to shrink, bilinear otherwise),
10 random choice of 0-4.

Notes
-----
Differs from MXNet 1.9.1: decoding uses Pillow (libpng / libjpeg) instead of
OpenCV. PNG decodes are identical; JPEG decodes can differ by a few grey levels
because decoders differ in their IDCT and chroma upsampling. A grayscale
(``flag=0``) decode of a colour PNG uses Pillow's ITU-R 601-2 luma, which can
differ from OpenCV's by one level.
"""

from __future__ import annotations

import io
import json
import random as _pyrandom
import warnings
from numbers import Number

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from ..base import numeric_types
from ..ndarray import NDArray

__all__ = [
    "imread",
    "imdecode",
    "imresize",
    "scale_down",
    "copyMakeBorder",
    "resize_short",
    "fixed_crop",
    "random_crop",
    "center_crop",
    "color_normalize",
    "random_size_crop",
    "imrotate",
    "random_rotate",
    "Augmenter",
    "SequentialAug",
    "RandomOrderAug",
    "ResizeAug",
    "ForceResizeAug",
    "RandomCropAug",
    "RandomSizedCropAug",
    "CenterCropAug",
    "BrightnessJitterAug",
    "ContrastJitterAug",
    "SaturationJitterAug",
    "HueJitterAug",
    "ColorJitterAug",
    "LightingAug",
    "ColorNormalizeAug",
    "RandomGrayAug",
    "HorizontalFlipAug",
    "CastAug",
    "CreateAugmenter",
]


class ImageFileNotFoundError(MXNetError, FileNotFoundError):
    """``imread`` was given a path that does not exist."""


def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "mx.image.imread/imdecode decode images with Pillow, which is not "
            "installed; install it with `pip install Pillow` (version 9 or newer)."
        ) from None
    return Image


def _decode_array(data: bytes, flag: int, to_rgb: bool) -> np.ndarray:
    image = _pil_image()
    try:
        img = image.open(io.BytesIO(data))
        if flag == 0 and img.format == "JPEG":
            # Let libjpeg emit luminance directly, as OpenCV's grayscale decode.
            img.draft("L", img.size)
        img.load()
    except Exception as err:  # noqa: BLE001 - Pillow raises many types
        raise MXNetError(
            f"imdecode: cannot decode the {len(data)}-byte buffer as an image "
            f"({type(err).__name__}: {err}). Pass the raw bytes of a PNG/JPEG/... "
            "file."
        ) from None
    if flag == 0:
        arr = np.asarray(img.convert("L"))[:, :, None]
        return np.ascontiguousarray(arr)
    if flag < 0 and img.mode in ("L", "I;16", "I", "F"):
        return np.ascontiguousarray(np.asarray(img)[:, :, None])
    if flag < 0 and (img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info):
        arr = np.asarray(img.convert("RGBA"))
        return np.ascontiguousarray(arr if to_rgb else arr[:, :, [2, 1, 0, 3]])
    arr = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(arr if to_rgb else arr[:, :, ::-1])


def _write_out(res: NDArray, out: NDArray | None) -> NDArray:
    if out is None:
        return res
    if out.shape != res.shape:
        raise ValueError(
            f"image: out has shape {out.shape} but the decoded image has shape "
            f"{res.shape}; pass out=None or an array of that shape."
        )
    out[:] = res
    return out


def _options(fname: str, args: tuple, kwargs: dict, spec: tuple) -> list:
    """Bind MXNet's ``*args, **kwargs`` pass-through to named options.

    ``spec`` is ``((name, default), ...)`` in MXNet's positional order.
    """
    if len(args) > len(spec):
        raise TypeError(
            f"{fname}() takes at most {len(spec)} extra positional arguments "
            f"({', '.join(n for n, _ in spec)}), got {len(args)}"
        )
    values = {}
    for (name, _), value in zip(spec, args, strict=False):
        values[name] = value
    for name, value in kwargs.items():
        if name not in dict(spec):
            raise TypeError(
                f"{fname}() got an unexpected keyword argument {name!r}; it accepts "
                f"{', '.join(n for n, _ in spec)}"
            )
        if name in values:
            raise TypeError(f"{fname}() got multiple values for argument {name!r}")
        values[name] = value
    return [values.get(name, default) for name, default in spec]


def imdecode(buf, *args, **kwargs) -> NDArray:
    """Decode an image (PNG, JPEG, ...) held in memory to an HWC uint8 NDArray.

    ``imdecode(buf, flag=1, to_rgb=True, out=None)``; the options may be
    passed positionally or by keyword, as in MXNet.

    Parameters
    ----------
    buf : bytes, bytearray, numpy.ndarray or NDArray
        The encoded file contents.
    flag : int, default 1
        1: 3-channel colour, 0: grayscale ``(H, W, 1)``, -1: keep the stored
        channels (alpha included).
    to_rgb : bool, default True
        RGB channel order (MXNet's default); False gives OpenCV's BGR.
    out : NDArray, optional
        Array to write the result into.

    Examples
    --------
    >>> import neogluon as mx  # doctest: +SKIP
    >>> img = mx.image.imdecode(open("cat.jpg", "rb").read())  # doctest: +SKIP
    """
    flag, to_rgb, out = _options(
        "imdecode", args, kwargs, (("flag", 1), ("to_rgb", True), ("out", None))
    )
    if isinstance(buf, NDArray):
        data = buf.asnumpy().astype(np.uint8, copy=False).tobytes()
    elif isinstance(buf, (bytes, bytearray, memoryview)):
        data = bytes(buf)
    elif isinstance(buf, np.ndarray):
        data = np.ascontiguousarray(buf).view(np.uint8).tobytes()
    else:
        raise ValueError(
            "imdecode: buf must be bytes, bytearray, numpy.ndarray or NDArray, got "
            f"{type(buf).__name__}; read the file in binary mode ('rb') or use "
            "mx.image.imread(path)."
        )
    arr = _decode_array(data, int(flag), bool(to_rgb))
    return _write_out(nd.array(arr, dtype=np.uint8), out)


def imread(filename, *args, **kwargs) -> NDArray:
    """Read and decode an image file to an HWC uint8 NDArray.

    ``imread(filename, flag=1, to_rgb=True, out=None)``, options as in
    :func:`imdecode`.
    """
    flag, to_rgb, out = _options(
        "imread", args, kwargs, (("flag", 1), ("to_rgb", True), ("out", None))
    )
    try:
        with open(filename, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise ImageFileNotFoundError(
            f"imread: no such image file {filename!r}."
        ) from None
    try:
        return imdecode(data, flag, to_rgb, out)
    except MXNetError as err:
        raise MXNetError(f"imread: {filename!r}: {err}") from None


def imresize(src: NDArray, w: int, h: int, *args, **kwargs) -> NDArray:
    """Resize an HWC image to width ``w`` and height ``h`` (OpenCV semantics).

    ``imresize(src, w, h, interp=1, out=None)``; options positional or by
    keyword, as in MXNet.
    """
    interp, out = _options("imresize", args, kwargs, (("interp", 1), ("out", None)))
    return nd._internal._cvimresize(src, w=w, h=h, interp=interp, out=out)


def scale_down(src_size: tuple, size: tuple) -> tuple[int, int]:
    """Shrink a crop ``size`` (w, h) to fit ``src_size`` (w, h), keeping its ratio.

    >>> scale_down((640, 480), (720, 120))
    (640, 106)
    """
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def copyMakeBorder(src, top, bot, left, right, *args, **kwargs):  # noqa: N802
    """Pad an HWC image with OpenCV's border ``type``.

    ``copyMakeBorder(src, top, bot, left, right, type=0, value=0.0, values=(),
    out=None)``; options positional or by keyword, as in MXNet.

    0 constant (``values`` per channel, or ``value``), 1 replicate, 2 reflect
    (``cba|abc``), 3 wrap, 4 reflect-101 (``cb|abc``): OpenCV's enum values,
    which MXNet's docstring lists in a different order.
    """
    type_, value, values, out = _options(
        "copyMakeBorder",
        args,
        kwargs,
        (("type", 0), ("value", 0.0), ("values", ()), ("out", None)),
    )
    return nd._internal._cvcopyMakeBorder(
        src,
        top=top,
        bot=bot,
        left=left,
        right=right,
        type=type_,
        value=value,
        values=values,
        out=out,
    )


def _get_interp_method(interp: int, sizes: tuple = ()) -> int:
    """Resolve the auto (9) and random (10) interpolation codes to 0-4."""
    if interp == 9:
        if sizes:
            if len(sizes) != 4:
                raise ValueError(
                    "sizes must be (old_height, old_width, new_height, new_width), "
                    f"got {sizes!r}."
                )
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        return _pyrandom.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise ValueError(
            f"Unknown interp method {interp}; use 0-4 (nearest, bilinear, bicubic, "
            "area, lanczos4), 9 (auto) or 10 (random)."
        )
    return interp


def resize_short(src: NDArray, size: int, interp: int = 2) -> NDArray:
    """Resize so that the shorter edge is ``size`` pixels (ratio kept)."""
    h, w, _ = src.shape
    if h > w:
        new_h, new_w = size * h // w, size
    else:
        new_h, new_w = size, size * w // h
    return imresize(
        src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w))
    )


def fixed_crop(
    src: NDArray, x0: int, y0: int, w: int, h: int, size=None, interp: int = 2
):
    """Crop the box (x0, y0, w, h) and optionally resize it to ``size`` (w, h)."""
    out = src[y0 : y0 + h, x0 : x0 + w]
    if size is not None and (w, h) != tuple(size):
        sizes = (h, w, size[1], size[0])
        out = imresize(out, *size, interp=_get_interp_method(interp, sizes))
    return out


def random_crop(src: NDArray, size: tuple, interp: int = 2):
    """Crop a random ``size`` (w, h) box, upsampling if the image is smaller.

    Returns ``(image, (x, y, width, height))``.
    """
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = _pyrandom.randint(0, w - new_w)
    y0 = _pyrandom.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src: NDArray, size: tuple, interp: int = 2):
    """Crop the centre ``size`` (w, h) box, upsampling if the image is smaller.

    Returns ``(image, (x, y, width, height))``.
    """
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = int((w - new_w) / 2)
    y0 = int((h - new_h) / 2)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def color_normalize(src: NDArray, mean, std=None) -> NDArray:
    """``(src - mean) / std``, in place on ``src`` as MXNet (returns ``src``)."""
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def random_size_crop(src: NDArray, size, area, ratio, interp: int = 2, **kwargs):
    """Crop a box of random area and aspect ratio, then resize it to ``size``.

    ``area`` is the minimum area fraction or a (min, max) pair, ``ratio`` the
    (min, max) aspect ratio; falls back to :func:`center_crop` after 10 tries.
    Returns ``(image, (x, y, width, height))``.
    """
    h, w, _ = src.shape
    src_area = h * w
    if "min_area" in kwargs:
        warnings.warn(
            "`min_area` is deprecated. Please use `area` instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        area = kwargs.pop("min_area")
    if kwargs:
        raise TypeError(
            f"random_size_crop: unexpected keyword arguments {sorted(kwargs)}."
        )
    if isinstance(area, numeric_types):
        area = (area, 1.0)
    for _ in range(10):
        target_area = _pyrandom.uniform(area[0], area[1]) * src_area
        log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
        new_ratio = np.exp(_pyrandom.uniform(*log_ratio))
        new_w = int(round(np.sqrt(target_area * new_ratio)))
        new_h = int(round(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = _pyrandom.randint(0, w - new_w)
            y0 = _pyrandom.randint(0, h - new_h)
            out = fixed_crop(src, x0, y0, new_w, new_h, size, interp)
            return out, (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)


# --------------------------------------------------------------------------- rotation
def _bilinear_sample(data: NDArray, gx: NDArray, gy: NDArray) -> NDArray:
    """MXNet's ``BilinearSampler``: sample NCHW ``data`` at normalized (gx, gy).

    ``gx``/``gy`` are ``(N, H, W)`` in [-1, 1] (corners aligned); samples
    outside the image read zeros.
    """
    n, c, h, w = data.shape
    x = (gx + 1.0) * ((w - 1) / 2.0)
    y = (gy + 1.0) * ((h - 1) / 2.0)
    x0 = nd.floor(x)
    y0 = nd.floor(y)
    flat = data.reshape((n, c, h * w))
    ho, wo = gx.shape[1], gx.shape[2]
    bidx = nd.broadcast_to(nd.arange(n).reshape((n, 1, 1)), (n, c, ho * wo))
    cidx = nd.broadcast_to(nd.arange(c).reshape((1, c, 1)), (n, c, ho * wo))
    out = nd.zeros((n, c, ho * wo), ctx=data.context, dtype=data.dtype)
    for xi, wx in ((x0, 1.0 - (x - x0)), (x0 + 1.0, x - x0)):
        for yi, wy in ((y0, 1.0 - (y - y0)), (y0 + 1.0, y - y0)):
            valid = (xi >= 0) * (xi <= w - 1) * (yi >= 0) * (yi <= h - 1)
            pos = nd.clip(yi, 0, h - 1) * w + nd.clip(xi, 0, w - 1)
            pos = nd.broadcast_to(pos.reshape((n, 1, ho * wo)), (n, c, ho * wo))
            idx = nd.stack(bidx, cidx, pos, axis=0).astype("int64")
            vals = nd.gather_nd(flat, idx)
            weight = (wx * wy * valid).reshape((n, 1, ho * wo))
            out = out + nd.broadcast_mul(vals, weight)
    return out.reshape((n, c, ho, wo))


def imrotate(
    src: NDArray, rotation_degrees, zoom_in: bool = False, zoom_out: bool = False
):
    """Rotate CHW (or NCHW) float32 image(s) by ``rotation_degrees`` about the centre.

    Areas outside the source are filled with zeros unless ``zoom_in``;
    ``zoom_out`` shrinks so that the whole source stays visible. With a batch,
    ``rotation_degrees`` may be one angle or one per image (an NDArray).
    """
    if zoom_in and zoom_out:
        raise ValueError("`zoom_in` and `zoom_out` cannot be both True")
    if src.dtype is not np.float32:
        raise TypeError(
            f"imrotate: only float32 images are supported, got {np.dtype(src.dtype)}; "
            "convert with ToTensor() or .astype('float32') first."
        )
    expanded = False
    if src.ndim == 3:
        expanded = True
        src = src.expand_dims(axis=0)
        if not isinstance(rotation_degrees, Number):
            raise TypeError(
                "When a single image is passed the rotation angle is required to be "
                f"a scalar, got {type(rotation_degrees).__name__}."
            )
    elif src.ndim != 4:
        raise ValueError(
            f"imrotate: expected a CHW or NCHW image, got shape {src.shape}."
        )
    if isinstance(rotation_degrees, Number):
        rotation_degrees = nd.array([rotation_degrees] * len(src), ctx=src.context)
    if len(src) != len(rotation_degrees):
        raise ValueError(
            f"imrotate: {len(src)} images but {len(rotation_degrees)} rotation angles; "
            "give one angle per image or a scalar."
        )
    rad = (rotation_degrees.as_in_context(src.context) * (np.pi / 180)).reshape(
        (-1, 1, 1)
    )
    _, _, h, w = src.shape
    hscale = float(h - 1) / 2
    wscale = float(w - 1) / 2
    rows = nd.arange(h, ctx=src.context).reshape((1, h, 1)) - hscale
    cols = nd.arange(w, ctx=src.context).reshape((1, 1, w)) - wscale
    hm = nd.broadcast_to(rows, (1, h, w))
    wm = nd.broadcast_to(cols, (1, h, w))
    cos_a = nd.cos(rad)
    sin_a = nd.sin(rad)
    # Rotate the centred pixel grid, then normalize to [-1, 1] (aspect kept).
    gx = (
        nd.broadcast_sub(nd.broadcast_mul(wm, cos_a), nd.broadcast_mul(hm, sin_a))
        / wscale
    )
    gy = (
        nd.broadcast_add(nd.broadcast_mul(wm, sin_a), nd.broadcast_mul(hm, cos_a))
        / hscale
    )
    if zoom_in or zoom_out:
        fh, fw = float(h), float(w)
        rho = np.sqrt(fh * fh + fw * fw)
        ang = np.arctan(fh / fw)
        arad = nd.abs(rad)
        c1x = nd.abs(rho * nd.cos(ang + arad))
        c1y = nd.abs(rho * nd.sin(ang + arad))
        c2x = nd.abs(rho * nd.cos(ang - arad))
        c2y = nd.abs(rho * nd.sin(ang - arad))
        max_x = nd.broadcast_maximum(c1x, c2x)
        max_y = nd.broadcast_maximum(c1y, c2y)
        if zoom_out:
            scale = nd.broadcast_maximum(max_x / fw, max_y / fh)
        else:
            scale = nd.broadcast_minimum(fw / max_x, fh / max_y)
        gx = nd.broadcast_mul(gx, scale)
        gy = nd.broadcast_mul(gy, scale)
    out = _bilinear_sample(src, gx, gy)
    return out[0] if expanded else out


def random_rotate(
    src: NDArray, angle_limits, zoom_in: bool = False, zoom_out: bool = False
):
    """Rotate CHW/NCHW float32 image(s) by angles drawn from ``angle_limits``."""
    if src.ndim == 3:
        degrees = np.random.uniform(*angle_limits)
    else:
        degrees = nd.array(np.random.uniform(*angle_limits, size=src.shape[0]))
    return imrotate(src, degrees, zoom_in=zoom_in, zoom_out=zoom_out)


# --------------------------------------------------------------------------- augmenters
# Random draws use the same generators as MXNet (Python's ``random`` for crops,
# jitters, flips and orders, ``numpy.random`` for lighting noise), so seeding
# them reproduces MXNet's augmentation sequence exactly. Like MXNet's, the
# colour augmenters update a float ``src`` in place and return it.


def _plain(value):
    """An augmenter argument as JSON-able data (arrays become nested lists)."""
    if isinstance(value, NDArray):
        value = value.asnumpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


class Augmenter:
    """Base class of image augmenters: ``aug(src)`` returns the augmented image.

    The keyword arguments given to the constructor are recorded (arrays as
    lists) and written by :meth:`dumps`.
    """

    def __init__(self, **kwargs) -> None:
        self._kwargs = {k: _plain(v) for k, v in kwargs.items()}

    def dumps(self) -> str:
        """A JSON string ``[<lower-case class name>, {constructor arguments}]``."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, src: NDArray) -> NDArray:
        raise NotImplementedError(
            f"{type(self).__name__} must define __call__(src) to be used as an "
            "augmenter."
        )


class SequentialAug(Augmenter):
    """Apply the augmenters ``ts`` one after the other."""

    def __init__(self, ts) -> None:
        super().__init__()
        self.ts = ts

    def dumps(self) -> list:
        """``[name, [child.dumps(), ...]]`` (a list, as MXNet returns)."""
        return [self.__class__.__name__.lower(), [t.dumps() for t in self.ts]]

    def __call__(self, src: NDArray) -> NDArray:
        for aug in self.ts:
            src = aug(src)
        return src


class RandomOrderAug(Augmenter):
    """Apply the augmenters ``ts`` in a random order (``ts`` is shuffled in place)."""

    def __init__(self, ts) -> None:
        super().__init__()
        self.ts = ts

    def dumps(self) -> list:
        """``[name, [child.dumps(), ...]]`` (a list, as MXNet returns)."""
        return [self.__class__.__name__.lower(), [t.dumps() for t in self.ts]]

    def __call__(self, src: NDArray) -> NDArray:
        _pyrandom.shuffle(self.ts)
        for aug in self.ts:
            src = aug(src)
        return src


class ResizeAug(Augmenter):
    """Resize so that the shorter edge is ``size`` (see :func:`resize_short`)."""

    def __init__(self, size: int, interp: int = 2) -> None:
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src: NDArray) -> NDArray:
        return resize_short(src, self.size, self.interp)


class ForceResizeAug(Augmenter):
    """Resize to ``size`` = (width, height), ignoring the aspect ratio."""

    def __init__(self, size, interp: int = 2) -> None:
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src: NDArray) -> NDArray:
        sizes = (src.shape[0], src.shape[1], self.size[1], self.size[0])
        return imresize(src, *self.size, interp=_get_interp_method(self.interp, sizes))


class RandomCropAug(Augmenter):
    """Crop a random ``size`` = (width, height) box (see :func:`random_crop`)."""

    def __init__(self, size, interp: int = 2) -> None:
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src: NDArray) -> NDArray:
        return random_crop(src, self.size, self.interp)[0]


class RandomSizedCropAug(Augmenter):
    """Crop a box of random area and aspect ratio, resized to ``size``.

    ``area``: minimum area fraction, or (min, max); ``ratio``: (min, max)
    aspect ratio. See :func:`random_size_crop`. ``min_area`` is a deprecated
    name of ``area``.
    """

    def __init__(self, size, area, ratio, interp: int = 2, **kwargs) -> None:
        super().__init__(size=size, area=area, ratio=ratio, interp=interp)
        self.size = size
        if "min_area" in kwargs:
            warnings.warn(
                "`min_area` is deprecated. Please use `area` instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            area = kwargs.pop("min_area")
        if kwargs:
            raise TypeError(
                f"RandomSizedCropAug: unexpected keyword arguments {sorted(kwargs)}"
            )
        self.area = area
        self.ratio = ratio
        self.interp = interp

    def __call__(self, src: NDArray) -> NDArray:
        return random_size_crop(src, self.size, self.area, self.ratio, self.interp)[0]


class CenterCropAug(Augmenter):
    """Crop the centre ``size`` = (width, height) box (see :func:`center_crop`)."""

    def __init__(self, size, interp: int = 2) -> None:
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src: NDArray) -> NDArray:
        return center_crop(src, self.size, self.interp)[0]


#: ITU-R 601 luma weights (R, G, B) used by the contrast / saturation jitters.
_LUMA = (0.299, 0.587, 0.114)


class BrightnessJitterAug(Augmenter):
    """Scale a float image by ``1 + U(-brightness, brightness)`` (in place)."""

    def __init__(self, brightness: float) -> None:
        super().__init__(brightness=brightness)
        self.brightness = brightness

    def __call__(self, src: NDArray) -> NDArray:
        alpha = 1.0 + _pyrandom.uniform(-self.brightness, self.brightness)
        src *= alpha
        return src


class ContrastJitterAug(Augmenter):
    """Blend a float RGB image with its mean luma: ``alpha * src + (1 - alpha) *
    mean_gray``, ``alpha = 1 + U(-contrast, contrast)`` (in place)."""

    def __init__(self, contrast: float) -> None:
        super().__init__(contrast=contrast)
        self.contrast = contrast
        self.coef = nd.array([[list(_LUMA)]])

    def __call__(self, src: NDArray) -> NDArray:
        alpha = 1.0 + _pyrandom.uniform(-self.contrast, self.contrast)
        gray = src * self.coef
        gray = (3.0 * (1.0 - alpha) / gray.size) * nd.sum(gray)
        src *= alpha
        src += gray
        return src


class SaturationJitterAug(Augmenter):
    """Blend each pixel with its luma: ``alpha * src + (1 - alpha) * gray``,
    ``alpha = 1 + U(-saturation, saturation)`` (in place)."""

    def __init__(self, saturation: float) -> None:
        super().__init__(saturation=saturation)
        self.saturation = saturation
        self.coef = nd.array([[list(_LUMA)]])

    def __call__(self, src: NDArray) -> NDArray:
        alpha = 1.0 + _pyrandom.uniform(-self.saturation, self.saturation)
        gray = nd.sum(src * self.coef, axis=2, keepdims=True)
        gray *= 1.0 - alpha
        src *= alpha
        src += gray
        return src


class HueJitterAug(Augmenter):
    """Rotate the hue by ``U(-hue, hue) * 180`` degrees in YIQ space (the linear
    approximation of an HSV hue shift)."""

    def __init__(self, hue: float) -> None:
        super().__init__(hue=hue)
        self.hue = hue
        self.tyiq = np.array(
            [[0.299, 0.587, 0.114], [0.596, -0.274, -0.321], [0.211, -0.523, 0.311]]
        )
        self.ityiq = np.array(
            [[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.107, 1.705]]
        )

    def __call__(self, src: NDArray) -> NDArray:
        alpha = _pyrandom.uniform(-self.hue, self.hue)
        cos_a, sin_a = np.cos(alpha * np.pi), np.sin(alpha * np.pi)
        rot = np.array([[1.0, 0.0, 0.0], [0.0, cos_a, -sin_a], [0.0, sin_a, cos_a]])
        mat = (self.ityiq @ rot @ self.tyiq).T
        return nd.dot(src, nd.array(mat))


class ColorJitterAug(RandomOrderAug):
    """Brightness, contrast and saturation jitters (those > 0) in random order."""

    def __init__(self, brightness: float, contrast: float, saturation: float) -> None:
        ts: list[Augmenter] = []
        if brightness > 0:
            ts.append(BrightnessJitterAug(brightness))
        if contrast > 0:
            ts.append(ContrastJitterAug(contrast))
        if saturation > 0:
            ts.append(SaturationJitterAug(saturation))
        super().__init__(ts)


class LightingAug(Augmenter):
    """AlexNet-style PCA lighting noise: add ``eigvec @ (alpha * eigval)`` with
    ``alpha ~ N(0, alphastd)`` per component (drawn from ``numpy.random``)."""

    def __init__(self, alphastd: float, eigval, eigvec) -> None:
        super().__init__(alphastd=alphastd, eigval=eigval, eigvec=eigvec)
        self.alphastd = alphastd
        self.eigval = eigval
        self.eigvec = eigvec

    def __call__(self, src: NDArray) -> NDArray:
        alpha = np.random.normal(0, self.alphastd, size=(3,))
        rgb = np.dot(np.asarray(self.eigvec) * alpha, np.asarray(self.eigval))
        src += nd.array(rgb)
        return src


class ColorNormalizeAug(Augmenter):
    """``(src - mean) / std`` (see :func:`color_normalize`); either may be None."""

    def __init__(self, mean, std) -> None:
        super().__init__(mean=mean, std=std)
        self.mean = (
            mean if mean is None or isinstance(mean, NDArray) else nd.array(mean)
        )
        self.std = std if std is None or isinstance(std, NDArray) else nd.array(std)

    def __call__(self, src: NDArray) -> NDArray:
        return color_normalize(src, self.mean, self.std)


class RandomGrayAug(Augmenter):
    """With probability ``p``, replace every channel by the pixel's gray value
    (``0.21 R + 0.72 G + 0.07 B``; the channel count stays 3)."""

    def __init__(self, p: float) -> None:
        super().__init__(p=p)
        self.p = p
        self.mat = nd.array([[0.21] * 3, [0.72] * 3, [0.07] * 3])

    def __call__(self, src: NDArray) -> NDArray:
        if _pyrandom.random() < self.p:
            src = nd.dot(src, self.mat)
        return src


class HorizontalFlipAug(Augmenter):
    """With probability ``p``, mirror the image left-right."""

    def __init__(self, p: float) -> None:
        super().__init__(p=p)
        self.p = p

    def __call__(self, src: NDArray) -> NDArray:
        if _pyrandom.random() < self.p:
            src = nd.flip(src, axis=1)
        return src


class CastAug(Augmenter):
    """Cast the image to ``typ`` (float32 by default)."""

    def __init__(self, typ: str = "float32") -> None:
        super().__init__(type=typ)
        self.typ = typ

    def __call__(self, src: NDArray) -> NDArray:
        return src.astype(self.typ)


#: ImageNet PCA lighting statistics MXNet's CreateAugmenter uses.
_PCA_EIGVAL = np.array([55.46, 4.794, 1.148])
_PCA_EIGVEC = np.array(
    [[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140], [-0.5836, -0.6948, 0.4203]]
)
_IMAGENET_MEAN = (123.68, 116.28, 103.53)
_IMAGENET_STD = (58.395, 57.12, 57.375)


def _check_stat(name: str, value) -> None:
    if not isinstance(value, (np.ndarray, NDArray)) or value.shape[0] not in (1, 3):
        got = getattr(value, "shape", type(value).__name__)
        raise ValueError(
            f"CreateAugmenter: {name} must be True, None, or a numpy array / NDArray "
            f"of 1 or 3 values, got {got}"
        )


def CreateAugmenter(  # noqa: N802
    data_shape,
    resize: int = 0,
    rand_crop: bool = False,
    rand_resize: bool = False,
    rand_mirror: bool = False,
    mean=None,
    std=None,
    brightness: float = 0,
    contrast: float = 0,
    saturation: float = 0,
    hue: float = 0,
    pca_noise: float = 0,
    rand_gray: float = 0,
    inter_method: int = 2,
) -> list[Augmenter]:
    """The standard augmenter list for ``data_shape`` = (C, H, W), in MXNet's order.

    Resize the short edge (``resize`` > 0); crop to (W, H): random-sized
    (``rand_resize``, needs ``rand_crop``), random (``rand_crop``) or centre;
    mirror with p=0.5 (``rand_mirror``); cast to float32; colour jitter
    (``brightness``/``contrast``/``saturation``) in random order; ``hue``
    jitter; PCA lighting noise (``pca_noise``); random gray (``rand_gray``);
    normalize (``mean``/``std``: arrays, or True for ImageNet's statistics).
    """
    auglist: list[Augmenter] = []
    if resize > 0:
        auglist.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        if not rand_crop:
            raise ValueError("CreateAugmenter: rand_resize=True needs rand_crop=True")
        auglist.append(
            RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method)
        )
    elif rand_crop:
        auglist.append(RandomCropAug(crop_size, inter_method))
    else:
        auglist.append(CenterCropAug(crop_size, inter_method))
    if rand_mirror:
        auglist.append(HorizontalFlipAug(0.5))
    auglist.append(CastAug())
    if brightness or contrast or saturation:
        auglist.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        auglist.append(HueJitterAug(hue))
    if pca_noise > 0:
        auglist.append(LightingAug(pca_noise, _PCA_EIGVAL, _PCA_EIGVEC))
    if rand_gray > 0:
        auglist.append(RandomGrayAug(rand_gray))
    if mean is True:
        mean = nd.array(_IMAGENET_MEAN)
    elif mean is not None:
        _check_stat("mean", mean)
    if std is True:
        std = nd.array(_IMAGENET_STD)
    elif std is not None:
        _check_stat("std", std)
    if mean is not None or std is not None:
        auglist.append(ColorNormalizeAug(mean, std))
    return auglist


# The iterator is in its own module; MXNet has it in mx.image.image too.
from .image_iter import ImageIter  # noqa: E402

__all__ += ["ImageIter"]
