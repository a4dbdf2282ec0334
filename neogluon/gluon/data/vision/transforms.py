"""Image transforms (``gluon.data.vision.transforms``), as Blocks over ``F.image``.

HybridBlocks here run the ``image.*`` operators, so they hybridize; the Blocks
(crops with random or data-dependent boxes, rotations) run eagerly. Images are
HWC (or NHWC) until :class:`ToTensor`, CHW (NCHW) float32 after it.

``RandomCrop`` and ``RandomGray`` are not in MXNet 1.9.1; they follow MXNet 2.x.
"""

from __future__ import annotations

import random

import numpy as np

from .... import image
from ....base import numeric_types
from ...block import Block
from ...block import HybridBlock
from ...nn import HybridSequential
from ...nn import Sequential

__all__ = [
    "Compose",
    "Cast",
    "ToTensor",
    "Normalize",
    "Rotate",
    "RandomRotation",
    "RandomResizedCrop",
    "CropResize",
    "CenterCrop",
    "Resize",
    "RandomCrop",
    "RandomFlipLeftRight",
    "RandomFlipTopBottom",
    "RandomBrightness",
    "RandomContrast",
    "RandomSaturation",
    "RandomHue",
    "RandomColorJitter",
    "RandomLighting",
    "RandomGray",
    "RandomApply",
]


class Compose(Sequential):
    """Apply transforms in sequence.

    Consecutive HybridBlocks are grouped into one hybridized
    :class:`~neogluon.gluon.nn.HybridSequential`, as in MXNet.

    Parameters
    ----------
    transforms : list of Block
        The transforms, applied first to last.

    Notes
    -----
    Differs from MXNet 1.9.1: MXNet appends ``None`` to the list passed in
    (so reusing that list for a second ``Compose`` fails); the list is left
    unchanged here.

    Examples
    --------
    >>> from neogluon.gluon.data.vision import transforms
    >>> t = transforms.Compose([transforms.Resize(300), transforms.CenterCrop(256),
    ...                         transforms.ToTensor()])
    """

    def __init__(self, transforms) -> None:
        super().__init__()
        hybrid: list = []
        for t in [*transforms, None]:
            if isinstance(t, HybridBlock):
                hybrid.append(t)
                continue
            if len(hybrid) == 1:
                self.add(hybrid[0])
            elif len(hybrid) > 1:
                block = HybridSequential()
                for h in hybrid:
                    block.add(h)
                block.hybridize()
                self.add(block)
            hybrid = []
            if t is not None:
                self.add(t)


class Cast(HybridBlock):
    """Cast the input to ``dtype`` (default ``'float32'``)."""

    def __init__(self, dtype="float32") -> None:
        super().__init__()
        self._dtype = dtype

    def hybrid_forward(self, F, x):
        return F.cast(x, self._dtype)


class ToTensor(HybridBlock):
    """HWC (NHWC) image in [0, 255] -> CHW (NCHW) float32 tensor in [0, 1].

    Examples
    --------
    >>> import numpy as np, neogluon as mx
    >>> img = mx.nd.array(np.full((4, 2, 3), 255), dtype='uint8')
    >>> ToTensor()(img).shape
    (3, 4, 2)
    """

    def hybrid_forward(self, F, x):
        return F.image.to_tensor(x)


class Normalize(HybridBlock):
    """Normalize a CHW (NCHW) tensor: ``out[c] = (x[c] - mean[c]) / std[c]``.

    Parameters
    ----------
    mean : float or tuple of floats, default 0.0
    std : float or tuple of floats, default 1.0
        One value for every channel, or one per channel.
    """

    def __init__(self, mean=0.0, std=1.0) -> None:
        super().__init__()
        self._mean = mean
        self._std = std

    def hybrid_forward(self, F, x):
        return F.image.normalize(x, self._mean, self._std)


class Rotate(Block):
    """Rotate a CHW (NCHW) float32 image by ``rotation_degrees`` (shape kept).

    Parameters
    ----------
    rotation_degrees : float
    zoom_in : bool, default False
        Zoom so that no padding shows.
    zoom_out : bool, default False
        Zoom out so that the whole image stays visible.
    """

    def __init__(self, rotation_degrees, zoom_in=False, zoom_out=False) -> None:
        super().__init__()
        self._args = (rotation_degrees, zoom_in, zoom_out)

    def forward(self, x):
        if x.dtype is not np.float32:
            raise TypeError(
                "This transformation only supports float32. Consider calling it "
                "after ToTensor"
            )
        return image.imrotate(x, *self._args)


class RandomRotation(Block):
    """Rotate by an angle drawn uniformly from ``angle_limits`` (degrees).

    Parameters
    ----------
    angle_limits : tuple of 2 floats
        ``(lower, upper)``, lower < upper.
    zoom_in, zoom_out : bool, default False
        See :class:`Rotate`.
    rotate_with_proba : float, default 1.0
        Probability of rotating at all.
    """

    def __init__(
        self, angle_limits, zoom_in=False, zoom_out=False, rotate_with_proba=1.0
    ) -> None:
        super().__init__()
        lower, upper = angle_limits
        if lower >= upper:
            raise ValueError(
                f"`angle_limits` must be an ordered tuple (lower, upper), got "
                f"{tuple(angle_limits)}."
            )
        if rotate_with_proba < 0 or rotate_with_proba > 1:
            raise ValueError(
                "Probability of rotating the image should be between 0 and 1, got "
                f"{rotate_with_proba}."
            )
        self._args = (angle_limits, zoom_in, zoom_out)
        self._rotate_with_proba = rotate_with_proba

    def forward(self, x):
        if np.random.random() > self._rotate_with_proba:
            return x
        if x.dtype is not np.float32:
            raise TypeError(
                "This transformation only supports float32. Consider calling it "
                "after ToTensor"
            )
        return image.random_rotate(x, *self._args)


def _pair(size):
    return (size, size) if isinstance(size, numeric_types) else tuple(size)


class RandomResizedCrop(Block):
    """Crop a random area/aspect-ratio box of an HWC image, resize to ``size``.

    Parameters
    ----------
    size : int or tuple of (W, H)
    scale : tuple of 2 floats, default (0.08, 1.0)
        Range of the crop's area as a fraction of the image's.
    ratio : tuple of 2 floats, default (3/4, 4/3)
        Range of the crop's aspect ratio.
    interpolation : int, default 1
        OpenCV interpolation code.
    """

    def __init__(
        self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1
    ) -> None:
        super().__init__()
        self._args = (_pair(size), scale, ratio, interpolation)

    def forward(self, x):
        return image.random_size_crop(x, *self._args)[0]


class CropResize(HybridBlock):
    """Crop the box (x, y, width, height) of an HWC/NHWC image, then resize.

    Parameters
    ----------
    x, y : int
        Top-left corner of the box.
    width, height : int
        Box size.
    size : int or tuple of (W, H), optional
        Resize the crop to this size.
    interpolation : int, optional
        OpenCV interpolation code (bilinear when not given).
    """

    def __init__(self, x, y, width, height, size=None, interpolation=None) -> None:
        super().__init__()
        self._x = x
        self._y = y
        self._width = width
        self._height = height
        self._size = size
        self._interpolation = interpolation

    def hybrid_forward(self, F, x):
        out = F.image.crop(x, self._x, self._y, self._width, self._height)
        if self._size:
            kw = {} if self._interpolation is None else {"interp": self._interpolation}
            out = F.image.resize(out, size=self._size, keep_ratio=False, **kw)
        return out


class CenterCrop(Block):
    """Crop the centre ``size`` (W, H) of an HWC image; upsample if too small.

    Examples
    --------
    >>> import numpy as np, neogluon as mx
    >>> img = mx.nd.array(np.zeros((50, 80, 3)), dtype='uint8')
    >>> CenterCrop((40, 20))(img).shape
    (20, 40, 3)
    """

    def __init__(self, size, interpolation=1) -> None:
        super().__init__()
        self._args = (_pair(size), interpolation)

    def forward(self, x):
        return image.center_crop(x, *self._args)[0]


class Resize(HybridBlock):
    """Resize an HWC / NHWC image to ``size``.

    Parameters
    ----------
    size : int or tuple of (W, H)
        Output size; an int gives a square unless ``keep_ratio``.
    keep_ratio : bool, default False
        With an int size, resize the short edge to it and keep the ratio.
    interpolation : int, default 1
        OpenCV code: 0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 lanczos4.
    """

    def __init__(self, size, keep_ratio=False, interpolation=1) -> None:
        super().__init__()
        self._keep = keep_ratio
        self._size = size
        self._interpolation = interpolation

    def hybrid_forward(self, F, x):
        return F.image.resize(x, self._size, self._keep, self._interpolation)


class RandomCrop(Block):
    """Crop a random ``size`` (W, H) box, after optional constant padding.

    Follows MXNet 2.x (not in 1.9.1). An image smaller than ``size`` is
    upsampled, as ``mx.image.random_crop``.

    Parameters
    ----------
    size : int or tuple of (W, H)
    pad : int or tuple of 4 ints (top, bottom, left, right), optional
        Border added before cropping.
    pad_value : int or float, default 0
        Value of the border pixels.
    interpolation : int, default 1
    """

    def __init__(self, size, pad=None, pad_value=0, interpolation=1) -> None:
        super().__init__()
        self._size = _pair(size)
        if isinstance(pad, numeric_types):
            pad = (pad, pad, pad, pad)
        elif pad is not None and len(pad) != 4:
            raise ValueError(
                f"RandomCrop: pad must be an int or (top, bottom, left, right), got {pad!r}."
            )
        self._pad = tuple(int(p) for p in pad) if pad is not None else None
        self._pad_value = pad_value
        self._interpolation = interpolation

    def _crop_one(self, x):
        if self._pad and any(self._pad):
            t, b, left, right = self._pad
            x = image.copyMakeBorder(
                x, t, b, left, right, type=0, value=self._pad_value
            )
        return image.random_crop(x, self._size, self._interpolation)[0]

    def forward(self, x):
        if x.ndim == 4:
            from ....ndarray import stack

            return stack(*[self._crop_one(x[i]) for i in range(x.shape[0])])
        return self._crop_one(x)


class _ImageOp(HybridBlock):
    _op = ""

    def hybrid_forward(self, F, x):
        return getattr(F.image, self._op)(x, *self._args)


class RandomFlipLeftRight(_ImageOp):
    """Flip an HWC image left to right with probability 0.5."""

    _op = "random_flip_left_right"
    _args = ()


class RandomFlipTopBottom(_ImageOp):
    """Flip an HWC image top to bottom with probability 0.5."""

    _op = "random_flip_top_bottom"
    _args = ()


class RandomBrightness(_ImageOp):
    """Scale brightness by a factor from ``[max(0, 1 - brightness), 1 + brightness]``."""

    _op = "random_brightness"

    def __init__(self, brightness) -> None:
        super().__init__()
        self._args = (max(0, 1 - brightness), 1 + brightness)


class RandomContrast(_ImageOp):
    """Scale contrast by a factor from ``[max(0, 1 - contrast), 1 + contrast]``."""

    _op = "random_contrast"

    def __init__(self, contrast) -> None:
        super().__init__()
        self._args = (max(0, 1 - contrast), 1 + contrast)


class RandomSaturation(_ImageOp):
    """Scale saturation by a factor from ``[max(0, 1 - saturation), 1 + saturation]``."""

    _op = "random_saturation"

    def __init__(self, saturation) -> None:
        super().__init__()
        self._args = (max(0, 1 - saturation), 1 + saturation)


class RandomHue(_ImageOp):
    """Rotate hue by ``f * 360`` degrees, ``f`` from ``[max(0, 1 - hue), 1 + hue]``."""

    _op = "random_hue"

    def __init__(self, hue) -> None:
        super().__init__()
        self._args = (max(0, 1 - hue), 1 + hue)


class RandomColorJitter(_ImageOp):
    """Jitter brightness, contrast, saturation and hue (random order)."""

    _op = "random_color_jitter"

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        super().__init__()
        self._args = (brightness, contrast, saturation, hue)


class RandomLighting(_ImageOp):
    """Add AlexNet-style PCA lighting noise with standard deviation ``alpha``."""

    _op = "random_lighting"

    def __init__(self, alpha) -> None:
        super().__init__()
        self._args = (alpha,)


class RandomGray(Block):
    """Convert an HWC RGB image to gray (3 equal channels) with probability ``p``.

    Follows MXNet 2.x (not in 1.9.1): gray = 0.2989 R + 0.587 G + 0.114 B.
    """

    def __init__(self, p=0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"RandomGray: p must be in [0, 1], got {p}.")
        self.p = p
        self._mat = None

    def forward(self, x):
        if self.p < np.random.random():
            return x
        from .... import ndarray as nd

        if self._mat is None or self._mat.context != x.context:
            w = np.array([0.2989, 0.587, 0.114], np.float32)
            self._mat = nd.array(np.tile(w[:, None], (1, 3)), ctx=x.context)
        gray = nd.dot(x.astype("float32"), self._mat)
        return gray.astype(x.dtype) if x.dtype != np.float32 else gray


class RandomApply(Sequential):
    """Apply ``transforms`` with probability ``p`` (else return the input).

    Parameters
    ----------
    transforms : Block
        Usually a :class:`Compose`.
    p : float, default 0.5
    """

    def __init__(self, transforms, p=0.5) -> None:
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, x):
        if self.p < random.random():
            return x
        return self.transforms(x)
