"""``mx.io.ImageDetRecordIter``: batches of detection images and labels from
a RecordIO file (MXNet 1.9.1's C++ detection iterator, in Python).

A record's label is ``[header_width, object_width, <header...>, objects]``
with ``object_width`` values per object ``[class_id, xmin, ymin, xmax,
ymax, ...]`` (coordinates in [0, 1]); objects with an empty box are
dropped. Each example's output label row is ``[channels, height, width,
label_length, <label>]`` padded with ``label_pad_value`` to
``label_pad_width + 4`` values (``label_pad_width`` 0: the widest raw label
of the file, as MXNet estimates it). Images are resized to ``data_shape``
(``resize_mode='force'``) or fitted into it (``'shrink'`` / ``'fit'``, the
rest of the canvas 0), converted to RGB CHW and normalized as MXNet's
detection normalizer: ``(pixel - mean) / std * scale`` (a zero ``std`` is
skipped). Batching, workers, decoding and errors are those of
:class:`~neogluon.io.ImageRecordIter`.

Differs from MXNet 1.9.1: the random crop / pad samplers (``rand_crop_prob``,
``rand_pad_prob``) and the colour distortions (``random_*_prob``) are not
implemented here and raise MXNetError: use ``mx.image.ImageDetIter`` with
``CreateDetAugmenter(rand_crop=..., rand_pad=...)``; random draws
(``rand_mirror_prob``, shuffle) do not reproduce MXNet's.
"""

from __future__ import annotations

import os

import numpy as np

from ..base import MXNetError
from . import image_record as _rec
from .native import IterParamError
from .native import MXDataIter
from .native import _check_part
from .native import _positive_int
from .native import _Stream
from .native import _unknown_params

__all__ = ["ImageDetRecordIter"]

_UNSUPPORTED = (
    "rand_crop_prob",
    "rand_pad_prob",
    "random_hue_prob",
    "random_saturation_prob",
    "random_illumination_prob",
    "random_contrast_prob",
)
_ACCEPTED = {
    "verbose",
    "aug_seq",
    "prefetch_buffer",
    "ctx",
    "dtype",
    "device_id",
    "shuffle_chunk_size",
    "shuffle_chunk_seed",
    "min_crop_scales",
    "max_crop_scales",
    "min_crop_aspect_ratios",
    "max_crop_aspect_ratios",
    "min_crop_overlaps",
    "max_crop_overlaps",
    "min_crop_sample_coverages",
    "max_crop_sample_coverages",
    "min_crop_object_coverages",
    "max_crop_object_coverages",
    "num_crop_sampler",
    "crop_emit_mode",
    "emit_overlap_thresh",
    "max_crop_trials",
    "max_pad_scale",
    "max_random_hue",
    "max_random_saturation",
    "max_random_illumination",
    "max_random_contrast",
}


def _valid_objects(raw: np.ndarray, where: str) -> np.ndarray:
    """The raw label with the empty boxes dropped (MXNet's ImageDetLabel)."""
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
    objs = raw[header_width:].reshape(-1, obj_width)
    keep = objs[(objs[:, 3] > objs[:, 1]) & (objs[:, 4] > objs[:, 2])]
    return np.concatenate([raw[:header_width], keep.ravel()]).astype(np.float32)


class _DetExamples(_rec._RecordExamples):
    def __getitem__(self, item):
        self._in_worker()
        epoch, pos = divmod(int(item), len(self.records))
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
        lab = _valid_objects(np.asarray(raw, np.float32), f"{self.where}: {where_rec}")
        seed = self.seed_aug if self.seed_aug is not None else self.seed
        rng = self._seeded_rng(seed * 1000003 + epoch * 7919 + rec)
        p = self.aug
        c, dh, dw = self.data_shape
        if p["resize"] != -1:
            rows, cols = img.shape[:2]
            if rows > cols:
                nh, nw = p["resize"] * rows // cols, p["resize"]
            else:
                nh, nw = p["resize"], p["resize"] * cols // rows
            img = _rec.resize(
                img, nw, nh, _rec._interp(p["inter_method"], cols, rows, nw, nh, rng)
            )
        if p["rand_mirror_prob"] > 0 and rng.uniform() < p["rand_mirror_prob"]:
            img = img[:, ::-1]
            hw = int(lab[0])
            objs = lab[hw:].reshape(-1, int(lab[1])).copy()
            left = objs[:, 1].copy()
            objs[:, 1] = 1.0 - objs[:, 3]
            objs[:, 3] = 1.0 - left
            lab = np.concatenate([lab[:hw], objs.ravel()])
        rows, cols = img.shape[:2]
        mode = p["resize_mode"]
        if (
            mode == "force"
            or (mode == "shrink" and (rows > dh or cols > dw))
            or mode == "fit"
        ):
            if mode == "force":
                nh, nw = dh, dw
            else:
                ratio = min(
                    np.float32(dh) / np.float32(rows), np.float32(dw) / np.float32(cols)
                )
                nh, nw = int(ratio * rows), int(ratio * cols)
            img = _rec.resize(
                img, nw, nh, _rec._interp(p["inter_method"], cols, rows, nw, nh, rng)
            )
        if img.shape[0] > dh or img.shape[1] > dw:
            raise MXNetError(
                f"{self.where}: {where_rec}: the image is {img.shape[1]}x{img.shape[0]} "
                f"after augmentation, larger than data_shape {self.data_shape} "
                f"(resize_mode={mode!r})"
            )
        if img.shape[2] == 3:
            img = img[:, :, ::-1]
        elif img.shape[2] == 4:
            img = img[:, :, [2, 1, 0, 3]]
        out = np.zeros(self.data_shape, np.float32)
        out[:, : img.shape[0], : img.shape[1]] = img.transpose(2, 0, 1)
        mean = self.mean[:c]
        if (mean > 0).any():
            out -= mean[:, None, None]
        std = self.std[:c]
        for k in range(c):
            if std[k] > 0:
                out[k] /= std[k]
        out *= np.float32(self.scale)
        if self.label_pad_width + 4 < 4 + lab.size:
            raise MXNetError(
                f"{self.where}: {where_rec}: label of {lab.size} values is wider than "
                f"label_pad_width={self.label_pad_width}"
            )
        row = np.full(self.label_pad_width + 4, self.label_pad_value, np.float32)
        row[:4] = (img.shape[2], img.shape[0], img.shape[1], lab.size)
        row[4 : 4 + lab.size] = lab
        return out, row


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
    resize_mode : {'force', 'shrink', 'fit'}
    inter_method : int, default 1
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
        resize: int = -1,
        rand_mirror_prob: float = 0.0,
        fill_value: int = 127,
        inter_method: int = 1,
        resize_mode: str = "force",
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
        for name in _UNSUPPORTED:
            if kwargs.pop(name, 0):
                raise MXNetError(
                    f"{where}: {name} > 0 (MXNet's random detection crop / pad / colour "
                    "samplers) is not implemented in neogluon; use mx.image.ImageDetIter "
                    "with CreateDetAugmenter(rand_crop=..., rand_pad=..., brightness=...)"
                )
        _unknown_params(set(kwargs) - _ACCEPTED, where)
        if mean_img:
            raise MXNetError(
                f"{where}: mean_img is not supported by the detection iterator here; "
                "give mean_r / mean_g / mean_b"
            )
        if resize_mode not in ("force", "shrink", "fit"):
            raise IterParamError(
                f"{where}: resize_mode must be force, shrink or fit, got {resize_mode!r}"
            )
        data_shape = _rec.image_data_shape(data_shape, where)
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
                "aug": {
                    "resize": int(resize),
                    "rand_mirror_prob": float(rand_mirror_prob),
                    "inter_method": int(inter_method),
                    "resize_mode": resize_mode,
                    "fill_value": fill_value,
                },
                "seed": int(seed),
                "seed_aug": None if seed_aug is None else int(seed_aug),
                "mean": np.array([mean_r, mean_g, mean_b, mean_a], np.float32),
                "std": np.array([std_r, std_g, std_b, std_a], np.float32),
                "scale": float(scale),
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
        self._workers = int(preprocess_threads) if preprocess_threads > 1 else 0
        self._timeout = timeout
        self._plan = _rec._EpochBatches()
        self._loader = None
        self._batches = None
        self._start_epoch()
        MXDataIter.__init__(self, data_name=data_name, label_name=label_name)
