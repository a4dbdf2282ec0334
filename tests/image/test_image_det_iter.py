"""mx.image.ImageDetIter and mx.io.ImageDetRecordIter vs MXNet 1.9.1
(fixtures from tools/fixtures/image_det_iter.py, PNG images): labels
(degenerate boxes dropped, -1 padding, MXNet's ``[c, h, w, length]`` row
header), pads and batch shapes equal; images within one grey level (the
bicubic force-resize of ImageDetIter can round one level off OpenCV's; the
record iterator resizes with OpenCV itself and matches within float
rounding)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture
from tools.fixtures import image_det_iter as F

DIR = FIXTURES / "image_det_iter"


@pytest.mark.parametrize("name", sorted(F.CASES))
def test_detection_iters_match_mxnet(name):
    if F.CASES[name][0] == "ImageDetRecordIter":
        pytest.importorskip("cv2")
    ref = load_fixture("image_det_iter", name)
    out = F.run_case(mx, name, DIR)
    assert sorted(out) == sorted(ref)
    kw = F.CASES[name][1]
    level = 1.0 / min(
        kw.get("std_r", 1) or 1, kw.get("std_g", 1) or 1, kw.get("std_b", 1) or 1
    )
    if kw.get("std") is True:
        level = 1.0 / 57.12
    for k, v in ref.items():
        if k.startswith("data"):
            np.testing.assert_allclose(
                out[k], v, rtol=1e-6, atol=level * 1.0001, err_msg=k
            )
        elif k.startswith("label"):
            np.testing.assert_allclose(out[k], v, rtol=1e-6, atol=1e-6, err_msg=k)
        else:
            assert out[k] == v, k


def test_image_det_iter_label_shape_sync_and_errors():
    rec = str(DIR / "det.rec")
    a = mx.image.ImageDetIter(2, (3, 8, 8), path_imgrec=rec)
    assert a.provide_label == [("label", (2, 2, 6))]
    b = mx.image.ImageDetIter(2, (3, 8, 8), path_imgrec=rec)
    b.reshape(label_shape=(5, 6))
    a.sync_label_shape(b)
    assert a.label_shape == (5, 6) and next(a).label[0].shape == (2, 5, 6)
    with pytest.raises(ValueError, match="reduce label count"):
        a.reshape(label_shape=(1, 6))
    with pytest.raises(ValueError, match="object width inconsistent"):
        a.reshape(label_shape=(6, 7))


def test_image_det_record_iter_options():
    pytest.importorskip("cv2")
    rec = str(DIR / "det.rec")
    it = mx.io.ImageDetRecordIter(
        path_imgrec=rec,
        data_shape=(3, 20, 20),
        batch_size=3,
        resize_mode="fit",
        preprocess_threads=1,
    )
    lab = next(it).label[0].asnumpy()
    assert (
        (lab[:, 1] <= 20).all() and (lab[:, 2] <= 20).all() and lab[:, 1:3].max() == 20
    )
    flip = mx.io.ImageDetRecordIter(
        path_imgrec=rec,
        data_shape=(3, 20, 20),
        batch_size=3,
        rand_mirror_prob=1.0,
        preprocess_threads=1,
    )
    plain = mx.io.ImageDetRecordIter(
        path_imgrec=rec, data_shape=(3, 20, 20), batch_size=3, preprocess_threads=1
    )
    f, p = next(flip), next(plain)
    np.testing.assert_allclose(f.data[0].asnumpy(), p.data[0].asnumpy()[:, :, :, ::-1])
    fl, pl = f.label[0].asnumpy(), p.label[0].asnumpy()
    np.testing.assert_allclose(fl[0, 7], 1 - pl[0, 9], rtol=1e-6)
    with pytest.raises(MXNetError, match="max_crop_scales must be > min_crop_scales"):
        mx.io.ImageDetRecordIter(
            path_imgrec=rec, data_shape=(3, 20, 20), batch_size=3, min_crop_scales=1.0
        )
    with pytest.raises(MXNetError, match="label_pad_width=5 is smaller"):
        mx.io.ImageDetRecordIter(
            path_imgrec=rec, data_shape=(3, 20, 20), batch_size=3, label_pad_width=5
        )
