"""``mx.image.ImageDetIter``: :class:`~neogluon.image.ImageIter` for object
detection (MXNet 1.9.1's Python-level detection iterator).

A raw label is ``[header_width, object_width, <header...>, obj0..., obj1...]``
(``im2rec`` / ``pack`` of a detection list): ``object_width`` values per
object, ``[class_id, xmin, ymin, xmax, ymax, ...]`` with coordinates in
[0, 1]. Objects with an empty box are dropped; an example without a valid
object is skipped. The label batch is ``(batch, max_objects, object_width)``
padded with -1, ``max_objects`` estimated by reading every label once at
construction (``reshape`` / ``sync_label_shape`` enlarge it). Augmenters
are detection augmenters (``aug(src, label) -> (src, label)``;
``CreateDetAugmenter(data_shape, **kwargs)`` by default).
"""

from __future__ import annotations

import logging

import numpy as np

from .. import ndarray as nd
from .image_iter import ImageIter

__all__ = ["ImageDetIter"]


class ImageDetIter(ImageIter):
    """Detection image iterator (see the module notes and
    :class:`~neogluon.image.ImageIter` for the parameters; the label name
    defaults to ``'label'``)."""

    def __init__(
        self,
        batch_size: int,
        data_shape,
        path_imgrec=None,
        path_imglist=None,
        path_root=None,
        path_imgidx=None,
        shuffle: bool = False,
        part_index: int = 0,
        num_parts: int = 1,
        aug_list=None,
        imglist=None,
        data_name: str = "data",
        label_name: str = "label",
        last_batch_handle: str = "pad",
        **kwargs,
    ) -> None:
        from .detection import CreateDetAugmenter

        super().__init__(
            batch_size=batch_size,
            data_shape=data_shape,
            path_imgrec=path_imgrec,
            path_imglist=path_imglist,
            path_root=path_root,
            path_imgidx=path_imgidx,
            shuffle=shuffle,
            part_index=part_index,
            num_parts=num_parts,
            aug_list=[],
            imglist=imglist,
            data_name=data_name,
            label_name=label_name,
            last_batch_handle=last_batch_handle,
        )
        self.auglist = (
            CreateDetAugmenter(tuple(data_shape), **kwargs)
            if aug_list is None
            else aug_list
        )
        label_shape = self._estimate_label_shape()
        self.provide_label = [(label_name, (self.batch_size,) + label_shape)]
        self.label_shape = label_shape

    # ------------------------------------------------------------ labels
    def _check_valid_label(self, label) -> None:
        if len(label.shape) != 2 or label.shape[1] < 5:
            raise RuntimeError(f"Label with shape (1+, 5+) required, {label} received.")
        ok = (
            (label[:, 0] >= 0)
            & (label[:, 3] > label[:, 1])
            & (label[:, 4] > label[:, 2])
        )
        if not ok.any():
            raise RuntimeError("Invalid label occurs.")

    def _estimate_label_shape(self) -> tuple:
        """``(max objects, object width)`` over every label."""
        max_count = 0
        width = None
        self.reset()
        try:
            while True:
                raw, _ = self.next_sample()
                label = self._parse_label(raw)
                max_count = max(max_count, label.shape[0])
                width = label.shape[1]
        except StopIteration:
            pass
        self.reset()
        if width is None:
            raise RuntimeError(
                "ImageDetIter: the data holds no example with a valid label"
            )
        return (max_count, width)

    def _parse_label(self, label) -> np.ndarray:
        """The valid objects of a raw label, ``(n, object_width)``."""
        if isinstance(label, nd.NDArray):
            label = label.asnumpy()
        raw = np.asarray(label).ravel()
        if raw.size < 7:
            raise RuntimeError(f"Label shape is invalid: {raw.shape}")
        header_width, obj_width = int(raw[0]), int(raw[1])
        if obj_width < 1 or (raw.size - header_width) % obj_width != 0:
            raise RuntimeError(
                f"Label shape {raw.shape} inconsistent with annotation width {obj_width}."
            )
        out = raw[header_width:].reshape(-1, obj_width)
        valid = np.where((out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2]))[0]
        if valid.size < 1:
            raise RuntimeError("Encounter sample with no valid label.")
        return out[valid, :]

    def reshape(self, data_shape=None, label_shape=None) -> None:
        """Change the data shape and/or enlarge the label shape."""
        if data_shape is not None:
            data_shape = tuple(data_shape)
            self.check_data_shape(data_shape)
            self.provide_data = [
                (self.provide_data[0][0], (self.batch_size,) + data_shape)
            ]
            self.data_shape = data_shape
        if label_shape is not None:
            label_shape = tuple(label_shape)
            self.check_label_shape(label_shape)
            self.provide_label = [
                (self.provide_label[0][0], (self.batch_size,) + label_shape)
            ]
            self.label_shape = label_shape

    def check_label_shape(self, label_shape) -> None:
        """A new label shape keeps the object width and never shrinks."""
        if len(label_shape) != 2:
            raise ValueError("label_shape should have length 2")
        if label_shape[0] < self.label_shape[0]:
            raise ValueError(
                f"Attempts to reduce label count from {self.label_shape[0]} to "
                f"{label_shape[0]}, not allowed."
            )
        if label_shape[1] != self.provide_label[0][1][2]:
            raise ValueError(
                f"label_shape object width inconsistent: {self.provide_label[0][1][2]} "
                f"vs {label_shape[1]}."
            )

    def sync_label_shape(self, it, verbose: bool = False):
        """Give this iterator and ``it`` (another ImageDetIter) the same label
        shape, the larger object count; returns ``it``."""
        if not isinstance(it, ImageDetIter):
            raise AssertionError("Synchronize with invalid iterator.")
        mine, theirs = self.label_shape, it.label_shape
        if mine[1] != theirs[1]:
            raise AssertionError("object width mismatch.")
        count = max(mine[0], theirs[0])
        if count > mine[0]:
            self.reshape(None, (count, mine[1]))
        if count > theirs[0]:
            it.reshape(None, (count, theirs[1]))
        if verbose and count > min(mine[0], theirs[0]):
            logging.info("Resized label_shape to (%d, %d).", count, mine[1])
        return it

    # ------------------------------------------------------------ batches
    def _new_label_batch(self):
        label = nd.empty(self.provide_label[0][1])
        label[:] = -1
        return label

    def _batchify(self, batch_data, batch_label, start: int = 0) -> int:
        i = start
        try:
            while i < self.batch_size:
                raw, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    self.check_valid_image([data])
                    label = self._parse_label(raw)
                    data, label = self.augmentation_transform(data, label)
                    self._check_valid_label(label)
                except RuntimeError as err:
                    logging.debug("Invalid image, skipping: %s", err)
                    continue
                batch_data[i] = self.postprocess_data(data)
                n = label.shape[0]
                batch_label[i][0:n] = nd.array(label)
                if n < batch_label[i].shape[0]:
                    batch_label[i][n:] = -1
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def augmentation_transform(self, data, label):  # noqa: D417 - MXNet's signature
        """Apply the detection augmenters: ``(data, label)`` through each."""
        for aug in self.auglist:
            data, label = aug(data, label)
        return data, label

    def draw_next(
        self,
        color=None,
        thickness: int = 2,
        mean=None,
        std=None,
        clip: bool = True,
        waitKey=None,  # noqa: N803 - MXNet's name
        window_name: str = "draw_next",
        id2labels=None,
    ):
        """Yield the next images (HWC BGR uint8) with their boxes drawn
        (OpenCV needed); ``mean`` / ``std`` undo a normalization (True:
        ImageNet's)."""
        try:
            import cv2
        except ImportError as err:
            logging.warning("Unable to import cv2, skip drawing: %s", err)
            return
        count = 0
        while True:
            try:
                raw, s = self.next_sample()
            except StopIteration:
                return
            data = self.imdecode(s)
            try:
                self.check_valid_image([data])
                label = self._parse_label(raw)
            except RuntimeError as err:
                logging.debug("Invalid image, skipping: %s", err)
                continue
            count += 1
            data, label = self.augmentation_transform(data, label)
            image = data.asnumpy().astype(np.float64)
            if std is True:
                std = np.array([58.395, 57.12, 57.375])
            if std is not None:
                image *= std
            if mean is True:
                mean = np.array([123.68, 116.28, 103.53])
            if mean is not None:
                image += mean
            image = image[:, :, ::-1].copy()
            if clip:
                image = np.clip(image, 0, 255)
            bgr = tuple(color[::-1]) if color else None
            image = np.ascontiguousarray(image.astype(np.uint8))
            height, width = image.shape[:2]
            for obj in label:
                x1 = int(obj[1] * width)
                if x1 < 0:
                    continue
                y1, x2, y2 = (
                    int(obj[2] * height),
                    int(obj[3] * width),
                    int(obj[4] * height),
                )
                box_color = (
                    bgr if bgr else tuple(float(v) for v in np.random.rand(3) * 255)
                )
                cv2.rectangle(image, (x1, y1), (x2, y2), box_color, thickness)
                if id2labels is not None and int(obj[0]) in id2labels:
                    text = str(id2labels[int(obj[0])])
                    font = cv2.FONT_HERSHEY_SIMPLEX
                    th = cv2.getTextSize(text, font, 0.5, 2)[0][1]
                    cv2.putText(
                        image,
                        text,
                        (x1 + 5, y1 + th + 5),
                        font,
                        0.5,
                        (255, 255, 255),
                        2,
                    )
            if waitKey is not None:
                cv2.imshow(window_name, image)
                cv2.waitKey(waitKey)
            yield image
