"""MXNet's record-file image iterators in Python: :class:`ImageRecordIter`
(float32), :class:`ImageRecordUInt8Iter`, :class:`ImageRecordInt8Iter`.

Each example of a RecordIO file (``im2rec`` / ``mx.recordio.pack_img``) is
decoded, augmented as MXNet 1.9.1's default augmenter does (``resize`` of
the shorter side, affine scale/rotate/shear/aspect, ``pad``, crops,
colour jitter, PCA noise; in that order, on the BGR image as OpenCV holds
it), converted to RGB CHW, mirrored and normalized:
``(pixel - mean) * scale / std``. Batches follow MXNet's batching
(``round_batch``, ``pad``; see :mod:`neogluon.io.native`).

Decoding and resizing use OpenCV (``cv2``) when it is installed, which is
what MXNet uses, so deterministic pipelines give MXNet's exact pixels; without
it, Pillow decodes and neogluon's OpenCV-exact resampler resizes (JPEG
pixels may then differ by a few levels: decoders differ). The affine
augmentations (``max_rotate_angle``, ``rotate``, ``max_shear_ratio``,
``min/max_random_scale``, aspect ratios outside ``random_resized_crop``)
and ``random_h/s/l`` need OpenCV.

Workers (``preprocess_threads`` > 1) are the worker processes of
``gluon.data.DataLoader`` (torch's DataLoader machinery): a worker that dies
raises an error instead of hanging, and a bad record raises an error naming
the file, the record's position and byte offset.

Differs from MXNet 1.9.1:

* random draws (crops, mirror, jitter, shuffle order) use numpy's generator,
  seeded per example from ``seed_aug`` (or ``seed``), the epoch and the
  example's position, so they do not reproduce MXNet's draws, but do not
  depend on the number of workers;
* ``shuffle=True`` shuffles all the examples of the part every epoch (MXNet
  without ``path_imgidx`` only shuffles within chunks of ``batch_size``
  records);
* with ``round_batch=False`` the last batch reports its real ``pad`` (MXNet
  1.9.1's ImageRecordIter reports 0) and its padding slots are zeros;
* ``getindex()`` gives the examples' positions in the file (MXNet gives 0).
"""

from __future__ import annotations

import logging
import math
import os
import struct
import threading
import warnings
import weakref

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from .native import IterParamError
from .native import MXDataIter
from .native import _check_part
from .native import _KeywordIter
from .native import _positive_int
from .native import _Stream
from .native import _unknown_params

__all__ = ["ImageRecordInt8Iter", "ImageRecordIter", "ImageRecordUInt8Iter"]

_MAGIC = 0xCED7230A
_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)

# eigval * eigvec of ImageNet's RGB covariance (MXNet's PCA-noise constants).
_EIGVEC = np.array(
    [
        [55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
        [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
        [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203],
    ],
    dtype=np.float32,
)


def _cv2():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


# ---------------------------------------------------------------- record files
def scan_records(path: str, where: str) -> np.ndarray:
    """Byte offsets of the logical records of a RecordIO file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: path_imgrec={path!r}: no such file")
    offsets = []
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        pos = 0
        in_record = False
        while pos < size:
            head = f.read(8)
            if len(head) < 8:
                raise MXNetError(
                    f"{where}: {path!r}: truncated record header at byte {pos} "
                    f"(record {len(offsets)})"
                )
            magic, lrec = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise MXNetError(
                    f"{where}: {path!r}: corrupt record {len(offsets)}: bad magic "
                    f"{magic:#010x} at byte {pos} (expected {_MAGIC:#010x}); the file "
                    "is not a RecordIO file or is damaged"
                )
            cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
            if cflag in (0, 1):
                if in_record:
                    raise MXNetError(
                        f"{where}: {path!r}: corrupt record {len(offsets) - 1}: a "
                        f"new record starts at byte {pos} inside a multi-part record"
                    )
                offsets.append(pos)
            in_record = cflag in (1, 2)
            pos += 8 + ((length + 3) & ~3)
            if pos > size:
                raise MXNetError(
                    f"{where}: {path!r}: record {len(offsets) - 1} at byte "
                    f"{offsets[-1]} is truncated (needs {pos - size} more bytes)"
                )
            f.seek(pos)
    return np.asarray(offsets, dtype=np.int64)


def read_record(f, offset: int, path: str, position: int, where: str) -> bytes:
    """The payload of the logical record starting at ``offset``."""
    f.seek(offset)
    parts = []
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise MXNetError(
                f"{where}: {path!r}: record {position} at byte {offset} is truncated"
            )
        magic, lrec = struct.unpack("<II", head)
        if magic != _MAGIC:
            raise MXNetError(
                f"{where}: {path!r}: corrupt record {position} at byte {offset}: bad magic"
            )
        cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
        data = f.read((length + 3) & ~3)
        parts.append(data[:length])
        if cflag in (0, 3):
            return struct.pack("<I", _MAGIC).join(parts)


def part_records(
    offsets: np.ndarray, size: int, part_index: int, num_parts: int
) -> np.ndarray:
    """The records of part ``part_index`` of ``num_parts``, split by bytes as
    dmlc's InputSplit does (each part starts at the first record at or after
    its share of the file)."""
    if num_parts == 1:
        return np.arange(len(offsets))
    nstep = (size + num_parts - 1) // num_parts
    nstep = (nstep + 3) // 4 * 4
    begin = min(nstep * part_index, size)
    end = min(nstep * (part_index + 1), size)
    return np.nonzero((offsets >= begin) & (offsets < end))[0]


def _unpack(buf: bytes, path: str, position: int, where: str):
    if len(buf) < _IR_SIZE:
        raise MXNetError(
            f"{where}: {path!r}: corrupt record {position}: {len(buf)} bytes, shorter "
            f"than the {_IR_SIZE}-byte image-record header"
        )
    flag, label, image_id, _ = struct.unpack(_IR_FORMAT, buf[:_IR_SIZE])
    body = buf[_IR_SIZE:]
    labels = None
    if flag > 0:
        if len(body) < 4 * flag:
            raise MXNetError(
                f"{where}: {path!r}: corrupt record {position}: header announces "
                f"{flag} labels but the record is too short"
            )
        labels = np.frombuffer(body, np.float32, flag).copy()
        body = body[4 * flag :]
    return label, labels, image_id, body


# ---------------------------------------------------------------- image ops
def decode(
    buf: bytes, channels: int, path: str, position: int, where: str
) -> np.ndarray:
    """HWC uint8 in OpenCV's channel order (BGR / BGRA / gray)."""
    cv2 = _cv2()
    img = None
    if cv2 is not None:
        flag = {1: 0, 3: 1, 4: -1}[channels]
        img = cv2.imdecode(np.frombuffer(buf, np.uint8), flag)
    else:
        import io as _io

        from PIL import Image

        try:
            pil = Image.open(_io.BytesIO(buf))
            pil.load()
            mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
            arr = np.asarray(pil.convert(mode))
            img = arr if channels == 1 else arr[:, :, [2, 1, 0, 3][:channels]]
        except Exception:  # noqa: BLE001 - Pillow raises many types
            img = None
    if img is None:
        raise MXNetError(
            f"{where}: {path!r}: record {position}: cannot decode its "
            f"{len(buf)}-byte image (corrupt or not an image)"
        )
    if img.ndim == 2:
        img = img[:, :, None]
    if channels == 4 and img.shape[2] != 4:
        raise MXNetError(
            f"{where}: {path!r}: record {position}: expected a 4-channel image "
            f"for data_shape[0]=4, got {img.shape[2]} channels"
        )
    return np.ascontiguousarray(img)


def resize(img: np.ndarray, w: int, h: int, interp: int) -> np.ndarray:
    cv2 = _cv2()
    if cv2 is not None:
        out = cv2.resize(img, (int(w), int(h)), interpolation=int(interp))
        return out[:, :, None] if out.ndim == 2 else out
    from ..image.image import imresize

    return imresize(
        nd.array(img, dtype="uint8"), int(w), int(h), interp=int(interp)
    ).asnumpy()


def _need_cv2(what: str, where: str):
    cv2 = _cv2()
    if cv2 is None:
        raise MXNetError(
            f"{where}: {what} needs OpenCV (pip install opencv-python-headless); "
            "it is not installed"
        )
    return cv2


def _interp(method: int, ow: int, oh: int, nw: int, nh: int, rng) -> int:
    if method == 9:
        if nw > ow and nh > oh:
            return 2
        if nw < ow and nh < oh:
            return 3
        return 1
    if method == 10:
        return int(rng.randint(0, 5))
    return method


class _Augment:
    """MXNet's default image augmenter (``src/io/image_aug_default.cc``)."""

    def __init__(self, p: dict, data_shape: tuple, where: str) -> None:
        self.p = p
        self.shape = data_shape
        self.where = where
        if p["min_aspect_ratio"] is not None:
            self.max_ar, self.min_ar = p["max_aspect_ratio"], p["min_aspect_ratio"]
        else:
            self.max_ar = 1 + p["max_aspect_ratio"]
            self.min_ar = 1 - p["max_aspect_ratio"]
        if p["random_resized_crop"] and (
            p["min_random_scale"] != 1
            or p["max_random_scale"] != 1
            or p["min_crop_size"] != -1
            or p["max_crop_size"] != -1
            or p["rand_crop"]
        ):
            raise MXNetError(
                f"{where}: random_resized_crop=True conflicts with min_random_scale, "
                "max_random_scale, min_crop_size, max_crop_size and rand_crop"
            )
        if p["inter_method"] not in (0, 1, 2, 3, 4, 9, 10):
            raise MXNetError(
                f"{where}: invalid inter_method {p['inter_method']}: valid values "
                "0, 1, 2, 3, 4, 9, 10"
            )
        self.affine = (
            p["max_rotate_angle"] > 0
            or p["max_shear_ratio"] > 0
            or p["rotate"] > 0
            or p["max_random_scale"] != 1
            or p["min_random_scale"] != 1
            or (not p["random_resized_crop"] and (self.min_ar != 1 or self.max_ar != 1))
            or p["max_img_size"] != 1e10
            or p["min_img_size"] != 0
        )
        if self.affine:
            _need_cv2(
                "affine augmentation (rotate / shear / scale / aspect ratio)", where
            )
        if p["random_h"] or p["random_s"] or p["random_l"]:
            _need_cv2("random_h / random_s / random_l", where)

    def __call__(self, img: np.ndarray, rng, where_rec: str) -> np.ndarray:
        p = self.p
        _, dh, dw = self.shape
        res = img
        if p["resize"] != -1:
            rows, cols = res.shape[:2]
            if rows > cols:
                nh, nw = p["resize"] * rows // cols, p["resize"]
            else:
                nh, nw = p["resize"], p["resize"] * cols // rows
            res = resize(
                res, nw, nh, _interp(p["inter_method"], cols, rows, nw, nh, rng)
            )
        if self.affine:
            res = self._affine(res, rng)
        if p["pad"] > 0:
            k = p["pad"]
            fill = np.full(
                (res.shape[0] + 2 * k, res.shape[1] + 2 * k, res.shape[2]),
                p["fill_value"],
                dtype=np.uint8,
            )
            fill[k:-k, k:-k] = res
            res = fill
        cropped = False
        if p["random_resized_crop"]:
            if (
                p["max_random_area"] != 1
                or p["min_random_area"] != 1
                or self.max_ar != 1
                or self.min_ar != 1
            ):
                area = res.shape[0] * res.shape[1]
                for _ in range(10):
                    target = area * rng.uniform(
                        p["min_random_area"], p["max_random_area"]
                    )
                    ratio = rng.uniform(self.min_ar, self.max_ar)
                    ya = int(round(math.sqrt(target / ratio)))
                    xa = int(round(math.sqrt(target * ratio)))
                    if rng.uniform() > 0.5:
                        ya, xa = xa, ya
                    if ya <= res.shape[0] and xa <= res.shape[1]:
                        y0 = rng.randint(0, res.shape[0] - ya + 1)
                        x0 = rng.randint(0, res.shape[1] - xa + 1)
                        roi = res[y0 : y0 + ya, x0 : x0 + xa]
                        res = resize(
                            roi, dw, dh, _interp(p["inter_method"], xa, ya, dw, dh, rng)
                        )
                        cropped = True
                        break
        elif p["max_crop_size"] != -1 or p["min_crop_size"] != -1:
            if not (
                res.shape[1] >= p["max_crop_size"]
                and res.shape[0] >= p["max_crop_size"]
                and p["max_crop_size"] >= p["min_crop_size"]
            ):
                raise MXNetError(
                    f"{self.where}: {where_rec}: image {res.shape[1]}x{res.shape[0]} is "
                    f"smaller than max_crop_size={p['max_crop_size']}"
                )
            size = rng.randint(p["min_crop_size"], p["max_crop_size"] + 1)
            y, x = res.shape[0] - size, res.shape[1] - size
            if p["rand_crop"]:
                y, x = rng.randint(0, y + 1), rng.randint(0, x + 1)
            else:
                y, x = y // 2, x // 2
            roi = res[y : y + size, x : x + size]
            res = resize(
                roi, dw, dh, _interp(p["inter_method"], size, size, dw, dh, rng)
            )
            cropped = True
        if not cropped:
            rows, cols = res.shape[:2]
            method = _interp(p["inter_method"], cols, rows, dw, dh, rng)
            if rows < dh:
                new_cols = int(np.float32(dh) / np.float32(rows) * np.float32(cols))
                res = resize(res, new_cols, dh, method)
            if res.shape[1] < dw:
                new_rows = int(
                    np.float32(dw) / np.float32(res.shape[1]) * np.float32(res.shape[0])
                )
                res = resize(res, dw, new_rows, method)
            y, x = res.shape[0] - dh, res.shape[1] - dw
            if p["rand_crop"]:
                y, x = rng.randint(0, y + 1), rng.randint(0, x + 1)
            else:
                y, x = y // 2, x // 2
            res = res[y : y + dh, x : x + dw]
        if p["brightness"] > 0 or p["contrast"] > 0 or p["saturation"] > 0:
            res = self._color(res, rng)
        if p["random_h"] or p["random_s"] or p["random_l"]:
            res = self._hsl(res, rng)
        if p["pca_noise"] > 0:
            alpha = rng.normal(0, p["pca_noise"], 3).astype(np.float32)
            rgb = _EIGVEC @ alpha
            bgr = rgb[::-1]
            res = np.clip(res.astype(np.int32) + bgr.astype(np.int32), 0, 255).astype(
                np.uint8
            )
        return res

    def _affine(self, res, rng):
        cv2 = _cv2()
        p = self.p
        s = rng.uniform() * p["max_shear_ratio"] * 2 - p["max_shear_ratio"]
        angle = rng.randint(-p["max_rotate_angle"], p["max_rotate_angle"] + 1)
        if p["rotate"] > 0:
            angle = p["rotate"]
        a, b = math.cos(angle / 180.0 * math.pi), math.sin(angle / 180.0 * math.pi)
        scale = ratio = 1.0
        if not p["random_resized_crop"]:
            scale = (
                rng.uniform() * (p["max_random_scale"] - p["min_random_scale"])
                + p["min_random_scale"]
            )
            ratio = rng.uniform() * (self.max_ar - self.min_ar) + self.min_ar
        hs = 2 * scale / (1 + ratio)
        ws = ratio * hs
        rows, cols = res.shape[:2]
        nw = max(p["min_img_size"], min(p["max_img_size"], scale * cols))
        nh = max(p["min_img_size"], min(p["max_img_size"], scale * rows))
        m = np.zeros((2, 3), np.float32)
        m[0, 0] = hs * a - s * b * ws
        m[1, 0] = -b * ws
        m[0, 1] = hs * b + s * a * ws
        m[1, 1] = a * ws
        m[0, 2] = (nw - (m[0, 0] * cols + m[0, 1] * rows)) / 2
        m[1, 2] = (nh - (m[1, 0] * cols + m[1, 1] * rows)) / 2
        method = _interp(p["inter_method"], cols, rows, int(nw), int(nh), rng)
        fv = p["fill_value"]
        out = cv2.warpAffine(
            res,
            m,
            (int(nw), int(nh)),
            flags=method,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(fv, fv, fv),
        )
        return out[:, :, None] if out.ndim == 2 else out

    def _color(self, res, rng):
        p = self.p
        ab = 1.0 + rng.uniform(-p["brightness"], p["brightness"])
        ac = 1.0 + rng.uniform(-p["contrast"], p["contrast"])
        asat = 1.0 + rng.uniform(-p["saturation"], p["saturation"])
        order = rng.permutation(3)
        img = res.astype(np.float32)

        # MXNet converts its BGR image with CV_RGB2GRAY (channel 0 weighted as red).
        def gray(x):
            return 0.299 * x[:, :, 0] + 0.587 * x[:, :, 1] + 0.114 * x[:, :, 2]

        for i in order:
            if i == 0:
                img = np.clip(np.rint(img * ab), 0, 255)
            elif i == 1 and img.shape[2] == 3:
                mean = float(np.rint(gray(img)).mean())
                img = np.clip(np.rint(img * ac + (1 - ac) * mean), 0, 255)
            elif i == 2 and img.shape[2] == 3:
                g = np.rint(gray(img))[:, :, None]
                img = np.clip(np.rint(img * asat + g * (1 - asat)), 0, 255)
        return img.astype(np.uint8)

    def _hsl(self, res, rng):
        cv2 = _cv2()
        p = self.p
        hls = cv2.cvtColor(res, cv2.COLOR_BGR2HLS).astype(np.int32)
        deltas = []
        for amp in (p["random_h"], p["random_s"], p["random_l"]):
            r = (rng.uniform() + 4 * rng.uniform()) / 5
            deltas.append(int(r * amp * 2 - amp))
        h, s, lum = deltas
        hls += np.array([h, lum, s], np.int32)
        hls = np.clip(hls, 0, np.array([180, 255, 255]))
        return cv2.cvtColor(hls.astype(np.uint8), cv2.COLOR_HLS2BGR)


# ---------------------------------------------------------------- the dataset
def image_data_shape(data_shape, where: str) -> tuple[int, int, int]:
    """``data_shape`` as ``(channels, height, width)`` with 1, 3 or 4 channels."""
    try:
        shape = tuple(int(v) for v in data_shape)
    except (TypeError, ValueError):
        raise IterParamError(
            f"{where}: data_shape must be (channels, height, width), got {data_shape!r}"
        ) from None
    if len(shape) != 3 or shape[0] not in (1, 3, 4) or min(shape) < 1:
        raise IterParamError(
            f"{where}: data_shape must be (channels, height, width) with 1, 3 or 4 "
            f"channels, got {shape}"
        )
    return shape[0], shape[1], shape[2]


class _PositionalFile:
    """A file descriptor read with ``os.pread``; closed when garbage collected."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        self.pid = os.getpid()
        weakref.finalize(self, os.close, self.fd)

    def at(self, offset: int) -> _Cursor:
        return _Cursor(self.fd, offset)


class _Cursor:
    """``seek`` / ``read`` over a descriptor, for :func:`read_record`."""

    __slots__ = ("fd", "pos")

    def __init__(self, fd: int, pos: int) -> None:
        self.fd, self.pos = fd, pos

    def seek(self, pos: int) -> None:
        self.pos = pos

    def read(self, n: int) -> bytes:
        data = os.pread(self.fd, n, self.pos)
        self.pos += len(data)
        return data


class _RecordExamples:
    """Decodes and augments one example per call (picklable, so that
    DataLoader workers hold a copy)."""

    def __init__(self, it: dict) -> None:
        self.__dict__.update(it)
        self._main_pid = os.getpid()
        self._single_threaded = os.getpid()
        # Per process: the .rec file, opened once and read with pread (no
        # shared file position, so threads read it concurrently). Per thread:
        # one RandomState, reseeded per example (seeding an existing
        # RandomState costs microseconds; making a new one, hundreds).
        self._fd: _PositionalFile | None = None
        self._local = threading.local()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_fd"] = None  # a worker process opens the file itself
        del state["_local"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _record(self, offset: int, rec: int) -> bytes:
        f = self._fd
        if f is None or f.pid != os.getpid():
            f = self._fd = _PositionalFile(self.path)
        return read_record(f.at(offset), offset, self.path, rec, self.where)

    def _seeded_rng(self, seed: int) -> np.random.RandomState:
        rng = getattr(self._local, "rng", None)
        if rng is None:
            rng = self._local.rng = np.random.RandomState(0)
        rng.seed(seed % (2**32))
        return rng

    def _in_worker(self) -> None:
        # In a worker process, OpenCV's own thread pool would compete with the
        # other workers for the cores: one thread each (as torch's workers).
        pid = os.getpid()
        if pid != self._main_pid and pid != self._single_threaded:
            cv2 = _cv2()
            if cv2 is not None:
                cv2.setNumThreads(1)
            self._single_threaded = pid

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, item):
        self._in_worker()
        epoch, pos = divmod(int(item), len(self.records))
        rec = int(self.records[pos])
        offset = self.offsets[rec]
        where_rec = f"{self.path!r} record {rec} (byte {offset})"
        buf = self._record(offset, rec)
        label, labels, image_id, body = _unpack(buf, self.path, rec, self.where)
        c = self.data_shape[0]
        if c not in (1, 3, 4):
            raise MXNetError(
                f"{self.where}: data_shape={self.data_shape}: the first axis (channels) "
                "must be 1, 3 or 4"
            )
        img = decode(body, c, self.path, rec, self.where)
        if self.label_map is not None:
            lab = self.label_map.get(int(image_id))
            if lab is None:
                raise MXNetError(
                    f"{self.where}: {where_rec}: image id {image_id} is not in "
                    f"path_imglist={self.path_imglist!r}"
                )
        elif labels is not None:
            if labels.size != self.label_width:
                raise MXNetError(
                    f"{self.where}: {where_rec}: the record holds {labels.size} labels "
                    f"but label_width={self.label_width}"
                )
            lab = labels
        else:
            if self.label_width != 1:
                raise MXNetError(
                    f"{self.where}: {where_rec}: label_width={self.label_width} but the "
                    "record holds a single label; pack multi-value labels or give "
                    "path_imglist"
                )
            lab = np.array([label], np.float32)
        seed = self.seed_aug if self.seed_aug is not None else self.seed
        rng = self._seeded_rng(seed * 1000003 + epoch * 7919 + rec)
        try:
            res = self.augment(img, rng, where_rec)
        except MXNetError:
            raise
        except Exception as err:  # noqa: BLE001 - OpenCV raises cv2.error
            raise MXNetError(
                f"{self.where}: {where_rec}: augmentation failed: {err}"
            ) from None
        _, dh, dw = self.data_shape
        if res.shape[0] != dh or res.shape[1] != dw:
            raise MXNetError(
                f"{self.where}: {where_rec}: the augmented image is "
                f"{res.shape[1]}x{res.shape[0]}, not data_shape {self.data_shape}"
            )
        if res.shape[2] == 3:
            res = res[:, :, ::-1]
        elif res.shape[2] == 4:
            res = res[:, :, [2, 1, 0, 3]]
        chw = np.ascontiguousarray(res.transpose(2, 0, 1))
        mirror = self.mirror or (self.rand_mirror and rng.uniform() < 0.5)
        if self.dtype == "uint8":
            out = chw
        elif self.dtype == "int8":
            mean = np.round(self.mean[: chw.shape[0]]).astype(np.int16)[:, None, None]
            out = np.clip(chw.astype(np.int16) - mean, -128, 127).astype(np.int8)
        else:
            contrast = np.float32(self.scale)
            illum = np.float32(0.0)
            if self.max_random_contrast or self.max_random_illumination:
                contrast = np.float32(
                    (
                        rng.uniform() * self.max_random_contrast * 2
                        - self.max_random_contrast
                        + 1
                    )
                    * self.scale
                )
                illum = np.float32(
                    (
                        rng.uniform() * self.max_random_illumination * 2
                        - self.max_random_illumination
                    )
                    * self.scale
                )
            n = chw.shape[0]
            std = self.std[:n]
            mult = (contrast / std).astype(np.float32)[:, None, None]
            bias = (illum / std).astype(np.float32)[:, None, None]
            mean = (
                self.mean_image
                if self.mean_image is not None
                else self.mean[:n].astype(np.float32)[:, None, None]
            )
            out = (chw.astype(np.float32) - mean) * mult + bias
        if mirror:
            out = out[:, :, ::-1]
        return np.ascontiguousarray(out), np.asarray(lab, np.float32).reshape(-1)


def _stack(samples):
    # The images as an NDArray: DataLoader workers hand NDArrays back through
    # shared memory (numpy arrays would be pickled through a pipe).
    data = np.stack([s[0] for s in samples])
    return nd.from_numpy(data), np.stack([s[1] for s in samples])


class _EpochBatches:
    """The batch sampler given to the DataLoader: this epoch's batches."""

    def __init__(self) -> None:
        self.batches: list = []

    def __iter__(self):
        for batch in list(self.batches):
            yield batch.tolist()

    def __len__(self) -> int:
        return len(self.batches)


def _read_imglist(path: str, label_width: int, where: str, exact: bool = True) -> dict:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: path_imglist={path!r}: no such file")
    out = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            parts = line.strip().split("\t")
            if len(parts) < 2:
                continue
            try:
                stop = 1 + label_width if exact else len(parts) - 1
                vals = [float(v) for v in parts[1:stop]]
                out[int(float(parts[0]))] = np.asarray(vals, np.float32)
            except ValueError:
                raise MXNetError(
                    f"{where}: {path!r} line {lineno}: expected 'index<TAB>label...<TAB>"
                    f"path', got {line.strip()!r}"
                ) from None
            if exact and len(vals) != label_width:
                raise MXNetError(
                    f"{where}: {path!r} line {lineno}: {len(vals)} labels, "
                    f"label_width={label_width}"
                )
    return out


_AUG_DEFAULTS = {
    "resize": -1,
    "rand_crop": False,
    "random_resized_crop": False,
    "max_rotate_angle": 0,
    "max_aspect_ratio": 0.0,
    "min_aspect_ratio": None,
    "max_shear_ratio": 0.0,
    "max_crop_size": -1,
    "min_crop_size": -1,
    "max_random_scale": 1.0,
    "min_random_scale": 1.0,
    "max_random_area": 1.0,
    "min_random_area": 1.0,
    "max_img_size": 1e10,
    "min_img_size": 0.0,
    "brightness": 0.0,
    "contrast": 0.0,
    "saturation": 0.0,
    "pca_noise": 0.0,
    "random_h": 0,
    "random_s": 0,
    "random_l": 0,
    "rotate": -1,
    "fill_value": 255,
    "inter_method": 1,
    "pad": 0,
}
_ACCEPTED = {
    "aug_seq",
    "verbose",
    "device_id",
    "shuffle_chunk_size",
    "shuffle_chunk_seed",
    "prefetch_buffer",
    "ctx",
    "mean_a",
    "std_a",
}


class _RecordIterBase(_KeywordIter):
    """The epoch planning, worker pool and batch reading shared by
    :class:`ImageRecordIter` and ``ImageDetRecordIter`` (each defines its own
    ``_configure`` with its documented keywords)."""

    def _mean_image(self, path: str, where: str) -> np.ndarray:
        if os.path.isfile(path):
            loaded = nd.serialization.load_any(path)
            arr = loaded["mean_img"] if isinstance(loaded, dict) else loaded[0]
            arr = arr.asnumpy().astype(np.float32)
            if arr.shape != self._examples.data_shape:
                raise MXNetError(
                    f"{where}: mean_img={path!r} has shape {arr.shape}, data_shape is "
                    f"{self._examples.data_shape}"
                )
            return arr
        logging.info("%s: computing the mean image into %s", where, path)
        ex = self._examples
        saved = (ex.dtype, ex.mirror, ex.rand_mirror, ex.mean_image)
        ex.dtype, ex.mirror, ex.rand_mirror = "uint8", False, False
        total = np.zeros(ex.data_shape, np.float64)
        for pos in range(len(ex)):
            total += ex[pos][0]
        ex.dtype, ex.mirror, ex.rand_mirror, ex.mean_image = saved
        mean = (total / len(ex)).astype(np.float32)
        nd.save(path, {"mean_img": nd.array(mean)})
        return mean

    def _plan_epoch(self) -> None:
        """Plan this epoch's batches (the stream is at the epoch's start)."""
        from ..gluon.data import DataLoader

        plan = []
        while True:
            got = self._stream.next()
            if got is None:
                break
            ids, pad = got
            ids = np.asarray(ids, dtype=np.int64)
            plan.append((self._epoch * len(self._examples) + ids, pad, ids))
        self._plan.batches = [p[0] for p in plan]
        self._pads = [(p[1], p[2]) for p in plan]
        if self._loader is None:
            self._loader = DataLoader(
                self._examples,
                batch_sampler=self._plan,
                batchify_fn=_stack,
                num_workers=self._workers,
                timeout=self._timeout,
                # OpenCV decodes and resizes without holding the GIL: threads,
                # as MXNet's preprocess_threads, with no process start or
                # batch transport; Pillow's path uses worker processes.
                thread_pool=_cv2() is not None,
            )

    def _start_epoch(self) -> None:
        self._plan_epoch()
        self._batches = iter(self._loader)
        self._k = 0
        self._prepared = False

    def _prepare_next_epoch(self) -> None:
        """At the end of an epoch, plan the next one and start its workers
        now, so that they decode while the caller evaluates or resets."""
        self._epoch += 1
        self._stream.reset()
        self._plan_epoch()
        if self._workers:
            self._loader.refresh()
        self._prepared = True

    def _reset(self) -> None:
        self._batches = None
        if getattr(self, "_prepared", False):
            # The epoch ended and the next one is already planned and started.
            self._batches = iter(self._loader)
            self._k = 0
            self._prepared = False
            return
        self._epoch += 1
        self._stream.reset()
        self._start_epoch()

    def _read_batch(self):
        if self._batches is None:
            return None
        try:
            with warnings.catch_warnings():
                # torch warns when the workers outnumber the CPUs; MXNet's
                # preprocess_threads do not.
                warnings.filterwarnings("ignore", message="This DataLoader will create")
                data, label = next(self._batches)
        except StopIteration:
            self._batches = None
            self._prepare_next_epoch()
            return None
        pad, ids = self._pads[self._k]
        self._k += 1
        if len(ids) < self._bs:
            fill = self._bs - len(ids)
            data = data.asnumpy()
            data = np.concatenate(
                [data, np.zeros((fill,) + data.shape[1:], data.dtype)]
            )
            label = np.concatenate(
                [label, np.zeros((fill,) + label.shape[1:], label.dtype)]
            )
            ids = np.concatenate([ids, np.zeros(fill, ids.dtype)])
        index = self._examples.records[ids].astype(np.uint64)
        return data, label, pad, index


class ImageRecordIter(_RecordIterBase):
    """Batches of images from a RecordIO file, decoded and augmented
    (MXNet's ``mx.io.ImageRecordIter``; see the module notes).

    Parameters
    ----------
    path_imgrec : str
        The ``.rec`` file.
    data_shape : tuple (channels, height, width)
        Channels 1 (gray), 3 (RGB) or 4 (RGBA).
    batch_size : int
    path_imglist : str, optional
        ``index<TAB>label...<TAB>path`` lines giving the labels by image id.
    path_imgidx : str, optional
        Accepted (the record positions are read from the ``.rec``).
    label_width : int, default 1
    shuffle : bool, default False
        Reshuffle the examples every epoch (with ``seed``).
    seed, seed_aug : int
        Seeds of the shuffle and of the random augmentations.
    round_batch : bool, default True
    num_parts, part_index : int
        Read only one part of the file (split by bytes, as MXNet does).
    preprocess_threads : int, default 4
        Worker processes decoding the images (1: in the calling process).
    resize, rand_crop, random_resized_crop, max_rotate_angle, rotate, ... :
        MXNet's augmentation parameters (``min/max_aspect_ratio``,
        ``max_shear_ratio``, ``min/max_crop_size``, ``min/max_random_scale``,
        ``min/max_random_area``, ``min/max_img_size``, ``brightness``,
        ``contrast``, ``saturation``, ``pca_noise``, ``random_h/s/l``,
        ``fill_value``, ``inter_method``, ``pad``).
    mirror, rand_mirror : bool
    mean_img : str, optional
        An ``nd.save`` file with the mean image (``mean_img`` key); created
        from the data when missing, as MXNet does.
    mean_r, mean_g, mean_b, std_r, std_g, std_b, scale : float
        ``(pixel - mean) * scale / std``.
    max_random_contrast, max_random_illumination : float
    dtype : {'float32', 'uint8', 'int8'}, optional
    data_name, label_name : str
    """

    _DTYPE = "float32"
    _WHERE = "ImageRecordIter"

    def _configure(
        self,
        path_imgrec: str,
        data_shape,
        batch_size: int,
        path_imglist: str = "",
        path_imgidx: str = "",
        label_width: int = 1,
        shuffle: bool = False,
        seed: int = 0,
        seed_aug=None,
        round_batch: bool = True,
        num_parts: int = 1,
        part_index: int = 0,
        preprocess_threads: int = 4,
        mirror: bool = False,
        rand_mirror: bool = False,
        mean_img: str = "",
        mean_r: float = 0.0,
        mean_g: float = 0.0,
        mean_b: float = 0.0,
        std_r: float = 1.0,
        std_g: float = 1.0,
        std_b: float = 1.0,
        scale: float = 1.0,
        max_random_contrast: float = 0.0,
        max_random_illumination: float = 0.0,
        dtype=None,
        data_name: str = "data",
        label_name: str = "softmax_label",
        timeout: int = 120,
        **kwargs,
    ) -> None:
        where = self._WHERE
        aug = dict(_AUG_DEFAULTS)
        extra = {}
        for k, v in kwargs.items():
            if k in aug:
                aug[k] = v
            elif k in _ACCEPTED:
                extra[k] = v
        _unknown_params(set(kwargs) - set(aug) - _ACCEPTED, where)
        data_shape = image_data_shape(data_shape, where)
        batch_size = _positive_int(batch_size, "batch_size", where)
        label_width = _positive_int(label_width, "label_width", where)
        _check_part(part_index, num_parts, where)
        dtype = self._DTYPE if dtype is None else str(np.dtype(dtype))
        if dtype not in ("float32", "uint8", "int8"):
            raise IterParamError(
                f"{where}: dtype must be float32, uint8 or int8, got {dtype!r}"
            )
        offsets = scan_records(path_imgrec, where)
        records = part_records(
            offsets, os.path.getsize(path_imgrec), part_index, num_parts
        )
        if len(records) == 0:
            raise MXNetError(
                f"{where}: {path_imgrec!r} part {part_index} of {num_parts} holds no records"
            )
        self._examples = _RecordExamples(
            {
                "path": path_imgrec,
                "where": where,
                "offsets": offsets,
                "records": np.asarray(records),
                "data_shape": data_shape,
                "label_width": label_width,
                "label_map": _read_imglist(path_imglist, label_width, where)
                if path_imglist
                else None,
                "path_imglist": path_imglist,
                "augment": _Augment(aug, data_shape, where),
                "seed": int(seed),
                "seed_aug": None if seed_aug is None else int(seed_aug),
                "mirror": bool(mirror),
                "rand_mirror": bool(rand_mirror),
                "mean": np.array(
                    [mean_r, mean_g, mean_b, extra.get("mean_a", 0.0)], np.float32
                ),
                "std": np.array(
                    [std_r, std_g, std_b, extra.get("std_a", 1.0)], np.float32
                ),
                "scale": float(scale),
                "max_random_contrast": float(max_random_contrast),
                "max_random_illumination": float(max_random_illumination),
                "mean_image": None,
                "dtype": dtype,
            }
        )
        n = len(records)

        def order(pass_no: int) -> np.ndarray:
            if not shuffle:
                return np.arange(n)
            return np.random.RandomState(
                (int(seed) + 111 + pass_no) % 2**32
            ).permutation(n)

        self._stream = _Stream(n, batch_size, bool(round_batch), order, where)
        self._bs = batch_size
        self._epoch = 0
        self._workers = max(0, int(preprocess_threads)) if preprocess_threads > 1 else 0
        self._timeout = timeout
        self._plan = _EpochBatches()
        self._loader = None
        self._batches = None
        if mean_img:
            self._examples.mean_image = self._mean_image(mean_img, where)
        self._start_epoch()
        MXDataIter.__init__(self, data_name=data_name, label_name=label_name)


class ImageRecordUInt8Iter(ImageRecordIter):
    """:class:`ImageRecordIter` giving uint8 images (no normalization)."""

    _DTYPE = "uint8"
    _WHERE = "ImageRecordUInt8Iter"


class ImageRecordInt8Iter(ImageRecordIter):
    """:class:`ImageRecordIter` giving int8 images: ``pixel - round(mean)``
    saturated to [-128, 127]."""

    _DTYPE = "int8"
    _WHERE = "ImageRecordInt8Iter"
