"""``mx.image`` augmenters vs MXNet 1.9.1 (fixtures: tools/fixtures/image_aug.py).

The augmenters draw from Python's ``random`` and ``numpy.random`` as MXNet's
do, so with both generators seeded as the fixture generator seeded them the
crops, jitters, flips, orders and label updates must match exactly. Tolerances:
float results rtol=1e-5 / atol=1e-3 (float32 on 0-255 values); uint8 images
through a bilinear/bicubic resize within 1 grey level (OpenCV's fixed point).
The pipelines that resize uint8 and then cast (``PIPELINE_TOL``) inherit that
grey level, scaled by the jitters and the std normalization (and spread over
the image by the contrast jitter's global mean); there the median difference
must stay below a tenth of the tolerance.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "image_aug"
NS = {"mx": mx, "np": np}
CASES = fixture_names(FAM)


def _image(kind: str):
    x = np.random.RandomState(7).randint(0, 256, (20, 24, 3)).astype(np.uint8)
    if kind == "f32":
        return mx.nd.array(x.astype(np.float32))
    return mx.nd.array(x, dtype=np.uint8)


def _apply(aug, src, label=None):
    augs = aug if isinstance(aug, list) else [aug]
    for a in augs:
        if label is None:
            src = a(src)
        else:
            src, label = a(src, label)
    return src, label


def _dumps(aug):
    return [_dumps(a) for a in aug] if isinstance(aug, list) else aug.dumps()


#: 1 grey level after jitters, hue/gray mixing and std normalization (>= 57).
PIPELINE_TOL = {"create_full": 0.05, "det_create_full": 0.05, "det_create_default": 1.0}


def _close(got: np.ndarray, want: np.ndarray, tol: float | None = None) -> None:
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype == np.uint8:
        assert np.abs(got.astype(int) - want.astype(int)).max() <= 1
    elif tol is not None:
        diff = np.abs(got.astype(np.float64) - want)
        assert diff.max() <= tol, diff.max()
        assert np.median(diff) <= 0.1 * tol, np.median(diff)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-3)


def test_fixtures_present():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", [c for c in CASES if not c.startswith("det_")])
def test_classification_augmenter(name):
    f = load_fixture(FAM, name)
    aug = eval(f["expr"], NS)  # noqa: S307 - fixture expressions we wrote
    assert json.dumps(_dumps(aug)) == f["dumps"]
    for seed in f["seeds"]:
        random.seed(seed)
        np.random.seed(seed)
        src = _image(f["kind"])
        y, _ = _apply(aug, src)
        _close(y.asnumpy(), f[f"y{seed}"], PIPELINE_TOL.get(name))
        # colour augmenters work in place on their input, as in MXNet
        _close(src.asnumpy(), f[f"src{seed}"])


@pytest.mark.parametrize("name", [c for c in CASES if c.startswith("det_")])
def test_detection_augmenter(name):
    f = load_fixture(FAM, name)
    aug = eval(f["expr"], NS)  # noqa: S307
    assert json.dumps(_dumps(aug)) == f["dumps"]
    for seed in f["seeds"]:
        random.seed(seed)
        np.random.seed(seed)
        y, label = _apply(aug, _image("u8"), f["label"].copy())
        _close(y.asnumpy(), f[f"y{seed}"], PIPELINE_TOL.get(name))
        np.testing.assert_allclose(label, f[f"label{seed}"], rtol=1e-6, atol=1e-7)


def test_random_crop_varies_with_seed():
    """The seeded draws matter: different seeds give different crops."""
    outs = {load_fixture(FAM, "random_crop")[f"y{s}"].tobytes() for s in range(4)}
    assert len(outs) > 1


def test_module_layout():
    import neogluon.image.detection as det
    import neogluon.image.image as image

    assert mx.image.det is det and mx.image.detection is det
    assert mx.image.image is image
    assert mx.image.ResizeAug is image.ResizeAug
    assert mx.image.DetRandomCropAug is det.DetRandomCropAug
    # mx.image.copyMakeBorder is the operator (MXNet's star import order);
    # mx.image.image.copyMakeBorder the Python wrapper; both pad alike.
    x = mx.nd.array(np.arange(12).reshape(2, 2, 3), dtype=np.uint8)
    a = mx.image.copyMakeBorder(x, 1, 0, 0, 1, type=1).asnumpy()
    b = image.copyMakeBorder(x, 1, 0, 0, 1, 1).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 3, 3)


def test_passthrough_options_positional_and_keyword():
    x = _image("u8")
    a = mx.image.imresize(x, 5, 4, 1).asnumpy()
    b = mx.image.imresize(x, 5, 4, interp=1).asnumpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="unexpected keyword argument 'interpolation'"):
        mx.image.imresize(x, 5, 4, interpolation=1)
    with pytest.raises(TypeError, match="multiple values for argument 'interp'"):
        mx.image.imresize(x, 5, 4, 1, interp=1)
    with pytest.raises(TypeError, match="at most 2 extra positional"):
        mx.image.imresize(x, 5, 4, 1, None, 3)


def test_augmenter_errors():
    with pytest.raises(NotImplementedError, match="must define __call__"):
        mx.image.Augmenter()(mx.nd.zeros((2, 2, 3)))
    with pytest.raises(TypeError, match="unexpected keyword"):
        mx.image.RandomSizedCropAug((4, 4), 0.5, (0.5, 2), foo=1)
    with pytest.warns(DeprecationWarning, match="min_area"):
        aug = mx.image.RandomSizedCropAug((4, 4), None, (0.5, 2), min_area=0.3)
    assert aug.area == 0.3
    with pytest.raises(ValueError, match="rand_resize=True needs rand_crop=True"):
        mx.image.CreateAugmenter((3, 4, 4), rand_resize=True)
    with pytest.raises(ValueError, match="mean must be"):
        mx.image.CreateAugmenter((3, 4, 4), mean=[1.0, 2.0])
    with pytest.raises(TypeError, match="needs an mx.image.Augmenter"):
        mx.image.DetBorrowAug(mx.image.DetHorizontalFlipAug(1))
    with pytest.raises(ValueError, match="DetAugmenter objects only"):
        mx.image.DetRandomSelectAug([mx.image.CastAug()])
    with pytest.raises(ValueError, match="same length"):
        mx.image.CreateMultiRandCropAugmenter([0.1, 0.2], area_range=[(0.1, 1)] * 3)
    with pytest.warns(UserWarning, match="disabled: invalid area_range"):
        crop = mx.image.DetRandomCropAug(area_range=(0.5, 0.1))
    assert not crop.enabled
    label = np.array([[0, 0.1, 0.1, 0.5, 0.5]])
    img = _image("u8")
    out, lab = crop(img, label)
    assert out is img and lab is label
    with pytest.raises(ValueError, match="needs path_imgrec"):
        mx.image.ImageIter(2, (3, 8, 8))
    with pytest.raises(ValueError, match="needs path_imgrec"):
        mx.image.ImageDetIter(2, (3, 8, 8))


def test_random_select_empty_list_skips():
    aug = mx.image.DetRandomSelectAug([], skip_prob=0)
    assert aug.skip_prob == 1
    img = _image("u8")
    label = np.zeros((1, 5))
    assert aug(img, label) == (img, label)
