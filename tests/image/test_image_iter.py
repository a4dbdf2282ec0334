"""mx.image.ImageIter vs MXNet 1.9.1 (fixtures from
tools/fixtures/image_iter.py: PNG images, so decodes are exact): record
files with and without index, shuffling with Python's ``random``, parts,
image lists, ``pad`` / ``discard`` / ``roll_over``; labels and pads equal,
images within one grey level (neogluon's bicubic resampler, used by the
default center crop to upscale, can round one level off OpenCV's)."""

from __future__ import annotations

import random

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import FIXTURES
from tests.conftest import load_fixture
from tools.fixtures import image_iter as F

DIR = FIXTURES / "image_iter"


@pytest.mark.parametrize("name", sorted(F.CASES))
def test_image_iter_matches_mxnet(name, monkeypatch):
    monkeypatch.chdir(DIR)
    ref = load_fixture("image_iter", name)
    out = F.run_case(mx, name, DIR)
    assert sorted(out) == sorted(ref)
    for k, v in ref.items():
        if k.startswith("data"):
            # one level; with mean/std the unit is 1/std (ImageNet std >= 57)
            np.testing.assert_allclose(out[k], v, rtol=0, atol=1.0001, err_msg=k)
        elif k.startswith("label"):
            np.testing.assert_array_equal(out[k], v, err_msg=k)
        else:
            assert out[k] == v, k


def test_image_iter_errors(tmp_path):
    with pytest.raises(ValueError, match="needs path_imgrec"):
        mx.image.ImageIter(2, (3, 8, 8))
    with pytest.raises(ValueError, match="3 channels"):
        mx.image.ImageIter(2, (1, 8, 8), path_imgrec=str(DIR / "imgs.rec"))
    with pytest.raises(ValueError, match="path_imgidx"):
        mx.image.ImageIter(
            2, (3, 8, 8), path_imgrec=str(DIR / "imgs.rec"), shuffle=True
        )
    with pytest.raises(FileNotFoundError, match="img0.png"):
        next(
            mx.image.ImageIter(
                2,
                (3, 8, 8),
                path_imglist=str(DIR / "imgs.lst"),
                path_root=str(tmp_path),
            )
        )
    (tmp_path / "bad.png").write_bytes(b"not an image")
    it = mx.image.ImageIter(
        2, (3, 8, 8), imglist=[[0, "bad.png"]], path_root=str(tmp_path)
    )
    with pytest.raises(RuntimeError, match="Broken image filename: bad.png"):
        next(it)


def test_image_iter_subclass_hooks():
    class Gray(mx.image.ImageIter):
        def postprocess_data(self, datum):
            return super().postprocess_data(datum) * 0 + 1

    random.seed(0)
    it = Gray(3, (3, 16, 16), path_imgrec=str(DIR / "imgs.rec"))
    batch = next(it)
    assert batch.data[0].shape == (3, 3, 16, 16)
    assert float(batch.data[0].asnumpy().min()) == 1.0
