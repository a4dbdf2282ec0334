"""``mx.image.detection``: augmenters for object detection (image + box labels).

A detection augmenter is called as ``aug(src, label)`` and returns
``(src, label)``: ``src`` an HWC image NDArray, ``label`` a numpy array with
one row per object, ``[class_id, xmin, ymin, xmax, ymax, ...]`` with
coordinates normalized to [0, 1]. Random draws use Python's ``random`` as
MXNet 1.9.1 does, so a seeded run reproduces MXNet's crops, pads and flips.

``ImageDetIter`` (the detection record-file / list iterator) is in
:mod:`neogluon.image.det_iter`.
"""

from __future__ import annotations

import json
import logging
import random as _pyrandom
import warnings
from math import sqrt

import numpy as np

from .. import ndarray as nd
from ..base import numeric_types
from ..ndarray import NDArray
from ..ndarray._internal import _cvcopyMakeBorder as copyMakeBorder  # noqa: N813
from ..util import is_np_array
from .image import _IMAGENET_MEAN
from .image import _IMAGENET_STD
from .image import _PCA_EIGVAL
from .image import _PCA_EIGVEC
from .image import Augmenter
from .image import CastAug
from .image import ColorJitterAug
from .image import ColorNormalizeAug
from .image import ForceResizeAug
from .image import HueJitterAug
from .image import LightingAug
from .image import RandomGrayAug
from .image import ResizeAug
from .image import _plain
from .image import fixed_crop

__all__ = [
    "DetAugmenter",
    "DetBorrowAug",
    "DetRandomSelectAug",
    "DetHorizontalFlipAug",
    "DetRandomCropAug",
    "DetRandomPadAug",
    "CreateMultiRandCropAugmenter",
    "CreateDetAugmenter",
    "copyMakeBorder",
    "is_np_array",
]

_log = logging.getLogger(__name__)


class DetAugmenter:
    """Base class of detection augmenters: ``aug(src, label) -> (src, label)``.

    The constructor's keyword arguments are recorded (arrays as lists) and
    written by :meth:`dumps`.
    """

    def __init__(self, **kwargs) -> None:
        self._kwargs = {k: _plain(v) for k, v in kwargs.items()}

    def dumps(self) -> str:
        """A JSON string ``[<lower-case class name>, {constructor arguments}]``."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, src: NDArray, label: np.ndarray):
        raise NotImplementedError(
            f"{type(self).__name__} must define __call__(src, label) to be used as "
            "a detection augmenter."
        )


class DetBorrowAug(DetAugmenter):
    """Use an image :class:`~neogluon.image.Augmenter` that leaves boxes unchanged."""

    def __init__(self, augmenter: Augmenter) -> None:
        if not isinstance(augmenter, Augmenter):
            raise TypeError(
                "DetBorrowAug needs an mx.image.Augmenter, got "
                f"{type(augmenter).__name__}"
            )
        super().__init__(augmenter=augmenter.dumps())
        self.augmenter = augmenter

    def dumps(self) -> list:
        """``[name, borrowed.dumps()]`` (a list, as MXNet returns)."""
        return [self.__class__.__name__.lower(), self.augmenter.dumps()]

    def __call__(self, src: NDArray, label: np.ndarray):
        return self.augmenter(src), label


class DetRandomSelectAug(DetAugmenter):
    """Apply one randomly chosen augmenter of ``aug_list``, or none with
    probability ``skip_prob`` (``aug_list`` is shuffled in place)."""

    def __init__(self, aug_list, skip_prob: float = 0) -> None:
        super().__init__(skip_prob=skip_prob)
        if not isinstance(aug_list, (list, tuple)):
            aug_list = [aug_list]
        for aug in aug_list:
            if not isinstance(aug, DetAugmenter):
                raise ValueError(
                    "DetRandomSelectAug: aug_list may hold DetAugmenter objects only, "
                    f"got {type(aug).__name__}"
                )
        self.aug_list = aug_list
        self.skip_prob = skip_prob if aug_list else 1

    def dumps(self) -> list:
        """``[name, [child.dumps(), ...]]`` (a list, as MXNet returns)."""
        return [self.__class__.__name__.lower(), [a.dumps() for a in self.aug_list]]

    def __call__(self, src: NDArray, label: np.ndarray):
        if _pyrandom.random() < self.skip_prob:
            return src, label
        _pyrandom.shuffle(self.aug_list)
        return self.aug_list[0](src, label)


class DetHorizontalFlipAug(DetAugmenter):
    """With probability ``p``, mirror the image and its boxes (label updated in place)."""

    def __init__(self, p: float) -> None:
        super().__init__(p=p)
        self.p = p

    def __call__(self, src: NDArray, label: np.ndarray):
        if _pyrandom.random() < self.p:
            src = nd.flip(src, axis=1)
            self._flip_label(label)
        return src, label

    @staticmethod
    def _flip_label(label: np.ndarray) -> None:
        xmin = 1.0 - label[:, 3]
        label[:, 3] = 1.0 - label[:, 1]
        label[:, 1] = xmin


def _as_range(value, name: str, owner: str) -> tuple:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    if not isinstance(value, numeric_types):
        raise TypeError(
            f"{owner}: {name} must be a number or a (min, max) pair, got {value!r}"
        )
    _log.info("Using fixed %s: %s in %s", name, value, owner)
    return (value, value)


def _box_areas(boxes: np.ndarray) -> np.ndarray:
    """Areas of ``[xmin, ymin, xmax, ymax]`` rows (negative extents count 0)."""
    return np.maximum(0, boxes[:, 2] - boxes[:, 0]) * np.maximum(
        0, boxes[:, 3] - boxes[:, 1]
    )


class DetRandomCropAug(DetAugmenter):
    """Random crop that keeps the objects sufficiently covered.

    A crop of aspect ratio in ``aspect_ratio_range`` and area fraction in
    ``area_range`` is accepted when every object it overlaps keeps more than
    ``min_object_covered`` of its area; objects keeping at most
    ``min_eject_coverage`` of their area are dropped from the label. After
    ``max_attempts`` rejected proposals the sample is returned unchanged.
    """

    def __init__(
        self,
        min_object_covered: float = 0.1,
        aspect_ratio_range=(0.75, 1.33),
        area_range=(0.05, 1.0),
        min_eject_coverage: float = 0.3,
        max_attempts: int = 50,
    ) -> None:
        aspect_ratio_range = _as_range(
            aspect_ratio_range, "aspect_ratio_range", "DetRandomCropAug"
        )
        area_range = _as_range(area_range, "area_range", "DetRandomCropAug")
        super().__init__(
            min_object_covered=min_object_covered,
            aspect_ratio_range=aspect_ratio_range,
            area_range=area_range,
            min_eject_coverage=min_eject_coverage,
            max_attempts=max_attempts,
        )
        self.min_object_covered = min_object_covered
        self.min_eject_coverage = min_eject_coverage
        self.max_attempts = max_attempts
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.enabled = False
        if area_range[1] <= 0 or area_range[0] > area_range[1]:
            warnings.warn(
                f"DetRandomCropAug disabled: invalid area_range {area_range}",
                stacklevel=2,
            )
        elif (
            aspect_ratio_range[0] > aspect_ratio_range[1] or aspect_ratio_range[0] <= 0
        ):
            warnings.warn(
                "DetRandomCropAug disabled: invalid aspect_ratio_range "
                f"{aspect_ratio_range}",
                stacklevel=2,
            )
        else:
            self.enabled = True

    def __call__(self, src: NDArray, label: np.ndarray):
        crop = self._random_crop_proposal(label, src.shape[0], src.shape[1])
        if crop:
            x, y, w, h, label = crop
            src = fixed_crop(src, x, y, w, h, None)
        return src, label

    def _clip_boxes(self, boxes, xmin, ymin, xmax, ymax) -> np.ndarray:
        """Boxes intersected with the window; empty intersections become 0 rows."""
        out = boxes.copy()
        out[:, 0] = np.maximum(boxes[:, 0], xmin)
        out[:, 1] = np.maximum(boxes[:, 1], ymin)
        out[:, 2] = np.minimum(boxes[:, 2], xmax)
        out[:, 3] = np.minimum(boxes[:, 3], ymax)
        empty = (out[:, 0] >= out[:, 2]) | (out[:, 1] >= out[:, 3])
        out[empty, :] = 0
        return out

    def _satisfied(self, label, xmin, ymin, xmax, ymax, width, height) -> bool:
        if (xmax - xmin) * (ymax - ymin) < 2:
            return False  # a single pixel
        areas = _box_areas(label[:, 1:])
        keep = np.where(areas * width * height > 2)[0]
        if keep.size < 1:
            return False
        window = (xmin / width, ymin / height, xmax / width, ymax / height)
        inter = self._clip_boxes(label[keep, 1:], *window)
        coverage = _box_areas(inter) / areas[keep]
        coverage = coverage[coverage > 0]
        return coverage.size > 0 and float(np.amin(coverage)) > self.min_object_covered

    def _crop_labels(self, label, box, height, width):
        x0, y0 = float(box[0]) / width, float(box[1]) / height
        w, h = float(box[2]) / width, float(box[3]) / height
        out = label.copy()
        out[:, (1, 3)] -= x0
        out[:, (2, 4)] -= y0
        out[:, (1, 3)] /= w
        out[:, (2, 4)] /= h
        out[:, 1:5] = np.clip(out[:, 1:5], 0, 1)
        coverage = _box_areas(out[:, 1:]) * w * h / _box_areas(label[:, 1:])
        valid = (out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2])
        valid &= coverage > self.min_eject_coverage
        if not valid.any():
            return None
        return out[np.where(valid)[0], :]

    def _random_crop_proposal(self, label, height: int, width: int):
        if not self.enabled or height <= 0 or width <= 0:
            return ()
        min_area = self.area_range[0] * height * width
        max_area = self.area_range[1] * height * width
        for _ in range(self.max_attempts):
            ratio = _pyrandom.uniform(*self.aspect_ratio_range)
            if ratio <= 0:
                continue
            h = int(round(sqrt(min_area / ratio)))
            max_h = int(round(sqrt(max_area / ratio)))
            if round(max_h * ratio) > width:
                # the largest height whose rounded width still fits
                max_h = int((width + 0.4999999) / ratio)
            max_h = min(max_h, height)
            h = min(h, max_h)
            if h < max_h:
                h = _pyrandom.randint(h, max_h)
            w = int(round(h * ratio))
            # nudge by one row when rounding left the area out of range
            area = w * h
            if area < min_area:
                h += 1
                w = int(round(h * ratio))
                area = w * h
            if area > max_area:
                h -= 1
                w = int(round(h * ratio))
                area = w * h
            if not (
                min_area <= area <= max_area and 0 <= w <= width and 0 <= h <= height
            ):
                continue
            y = _pyrandom.randint(0, max(0, height - h))
            x = _pyrandom.randint(0, max(0, width - w))
            if self._satisfied(label, x, y, x + w, y + h, width, height):
                new_label = self._crop_labels(label, (x, y, w, h), height, width)
                if new_label is not None:
                    return (x, y, w, h, new_label)
        return ()


class DetRandomPadAug(DetAugmenter):
    """Random zoom-out: place the image in a larger canvas filled with ``pad_val``.

    The canvas has aspect ratio in ``aspect_ratio_range`` and area (relative
    to the image) in ``area_range`` (its upper bound must exceed 1); boxes
    are rescaled to the canvas.
    """

    def __init__(
        self,
        aspect_ratio_range=(0.75, 1.33),
        area_range=(1.0, 3.0),
        max_attempts: int = 50,
        pad_val=(128, 128, 128),
    ) -> None:
        if not isinstance(pad_val, (list, tuple)):
            if not isinstance(pad_val, numeric_types):
                raise TypeError(
                    f"DetRandomPadAug: pad_val must be a number or a tuple, got {pad_val!r}"
                )
        aspect_ratio_range = _as_range(
            aspect_ratio_range, "aspect_ratio_range", "DetRandomPadAug"
        )
        area_range = _as_range(area_range, "area_range", "DetRandomPadAug")
        super().__init__(
            aspect_ratio_range=aspect_ratio_range,
            area_range=area_range,
            max_attempts=max_attempts,
            pad_val=pad_val,
        )
        self.pad_val = pad_val
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.max_attempts = max_attempts
        self.enabled = False
        if area_range[1] <= 1.0 or area_range[0] > area_range[1]:
            warnings.warn(
                f"DetRandomPadAug disabled: invalid area_range {area_range}",
                stacklevel=2,
            )
        elif (
            aspect_ratio_range[0] <= 0 or aspect_ratio_range[0] > aspect_ratio_range[1]
        ):
            warnings.warn(
                "DetRandomPadAug disabled: invalid aspect_ratio_range "
                f"{aspect_ratio_range}",
                stacklevel=2,
            )
        else:
            self.enabled = True

    def __call__(self, src: NDArray, label: np.ndarray):
        height, width, _ = src.shape
        pad = self._random_pad_proposal(label, height, width)
        if pad:
            x, y, w, h, label = pad
            values = self.pad_val if isinstance(self.pad_val, (list, tuple)) else ()
            value = 0.0 if values else float(self.pad_val)
            # MXNet passes OpenCV's BORDER_CONSTANT | BORDER_ISOLATED (16); the
            # ISOLATED flag only matters for sub-views, so plain constant (0).
            src = copyMakeBorder(
                src, y, h - y - height, x, w - x - width, 0, value=value, values=values
            )
        return src, label

    @staticmethod
    def _pad_labels(label, box, height, width):
        out = label.copy()
        out[:, (1, 3)] = (out[:, (1, 3)] * width + box[0]) / box[2]
        out[:, (2, 4)] = (out[:, (2, 4)] * height + box[1]) / box[3]
        return out

    def _random_pad_proposal(self, label, height: int, width: int):
        if not self.enabled or height <= 0 or width <= 0:
            return ()
        min_area = self.area_range[0] * height * width
        max_area = self.area_range[1] * height * width
        for _ in range(self.max_attempts):
            ratio = _pyrandom.uniform(*self.aspect_ratio_range)
            if ratio <= 0:
                continue
            h = int(round(sqrt(min_area / ratio)))
            max_h = int(round(sqrt(max_area / ratio)))
            if round(h * ratio) < width:
                h = int((width + 0.499999) / ratio)
            h = max(h, height)
            h = min(h, max_h)
            if h < max_h:
                h = _pyrandom.randint(h, max_h)
            w = int(round(h * ratio))
            if (h - height) < 2 or (w - width) < 2:
                continue  # a marginal pad is not worth it
            y = _pyrandom.randint(0, max(0, h - height))
            x = _pyrandom.randint(0, max(0, w - width))
            return (x, y, w, h, self._pad_labels(label, (x, y, w, h), height, width))
        return ()


def CreateMultiRandCropAugmenter(  # noqa: N802
    min_object_covered=0.1,
    aspect_ratio_range=(0.75, 1.33),
    area_range=(0.05, 1.0),
    min_eject_coverage=0.3,
    max_attempts=50,
    skip_prob: float = 0,
) -> DetRandomSelectAug:
    """One :class:`DetRandomCropAug` per parameter set, chosen at random per sample.

    Each argument may be a list (one value per crop augmenter) or a single
    value shared by all; lists must have equal lengths.
    """
    params = [
        p if isinstance(p, list) else [p]
        for p in (
            min_object_covered,
            aspect_ratio_range,
            area_range,
            min_eject_coverage,
            max_attempts,
        )
    ]
    num = max(len(p) for p in params)
    for k, p in enumerate(params):
        if len(p) != num:
            if len(p) != 1:
                raise ValueError(
                    "CreateMultiRandCropAugmenter: list arguments must have the same "
                    f"length, got lengths {[len(q) for q in params]}"
                )
            params[k] = p * num
    augs = [
        DetRandomCropAug(
            min_object_covered=moc,
            aspect_ratio_range=arr,
            area_range=ar,
            min_eject_coverage=mec,
            max_attempts=ma,
        )
        for moc, arr, ar, mec, ma in zip(*params, strict=True)
    ]
    return DetRandomSelectAug(augs, skip_prob=skip_prob)


def _check_stat(name: str, value) -> None:
    if not isinstance(value, np.ndarray) or value.shape[0] not in (1, 3):
        got = getattr(value, "shape", type(value).__name__)
        raise ValueError(
            f"CreateDetAugmenter: {name} must be True, None, or a numpy array of 1 "
            f"or 3 values, got {got}"
        )


def CreateDetAugmenter(  # noqa: N802
    data_shape,
    resize: int = 0,
    rand_crop: float = 0,
    rand_pad: float = 0,
    rand_gray: float = 0,
    rand_mirror: bool = False,
    mean=None,
    std=None,
    brightness: float = 0,
    contrast: float = 0,
    saturation: float = 0,
    pca_noise: float = 0,
    hue: float = 0,
    inter_method: int = 2,
    min_object_covered=0.1,
    aspect_ratio_range=(0.75, 1.33),
    area_range=(0.05, 3.0),
    min_eject_coverage=0.3,
    max_attempts=50,
    pad_val=(127, 127, 127),
) -> list[DetAugmenter]:
    """The standard detection augmenter list for ``data_shape`` = (C, H, W).

    In MXNet's order: short-edge resize (``resize`` > 0); random crop with
    probability ``rand_crop`` (see :func:`CreateMultiRandCropAugmenter`);
    mirror with p=0.5 (``rand_mirror``); random pad with probability
    ``rand_pad``; forced resize to (W, H); cast to float32; colour jitter,
    hue, PCA noise, random gray; normalize (``mean``/``std``: numpy arrays or
    True for ImageNet's statistics).
    """
    auglist: list[DetAugmenter] = []
    if resize > 0:
        auglist.append(DetBorrowAug(ResizeAug(resize, inter_method)))
    if rand_crop > 0:
        auglist.append(
            CreateMultiRandCropAugmenter(
                min_object_covered,
                aspect_ratio_range,
                area_range,
                min_eject_coverage,
                max_attempts,
                skip_prob=(1 - rand_crop),
            )
        )
    if rand_mirror > 0:
        auglist.append(DetHorizontalFlipAug(0.5))
    if rand_pad > 0:
        pad = DetRandomPadAug(
            aspect_ratio_range, (1.0, area_range[1]), max_attempts, pad_val
        )
        auglist.append(DetRandomSelectAug([pad], 1 - rand_pad))
    auglist.append(
        DetBorrowAug(ForceResizeAug((data_shape[2], data_shape[1]), inter_method))
    )
    auglist.append(DetBorrowAug(CastAug()))
    if brightness or contrast or saturation:
        auglist.append(DetBorrowAug(ColorJitterAug(brightness, contrast, saturation)))
    if hue:
        auglist.append(DetBorrowAug(HueJitterAug(hue)))
    if pca_noise > 0:
        auglist.append(DetBorrowAug(LightingAug(pca_noise, _PCA_EIGVAL, _PCA_EIGVEC)))
    if rand_gray > 0:
        auglist.append(DetBorrowAug(RandomGrayAug(rand_gray)))
    if mean is True:
        mean = np.array(_IMAGENET_MEAN)
    elif mean is not None:
        _check_stat("mean", mean)
    if std is True:
        std = np.array(_IMAGENET_STD)
    elif std is not None:
        _check_stat("std", std)
    if mean is not None or std is not None:
        auglist.append(DetBorrowAug(ColorNormalizeAug(mean, std)))
    return auglist


# The iterator is in its own module; MXNet has it in mx.image.detection.
from .det_iter import ImageDetIter  # noqa: E402

__all__ += ["ImageDetIter"]
