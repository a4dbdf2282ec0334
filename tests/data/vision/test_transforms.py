"""``nd.image.*`` operators and ``gluon.data.vision.transforms`` vs MXNet 1.9.1.

Fixtures: tools/fixtures/vision.py (MXNet 1.9.1 with its bundled OpenCV).

Tolerances: float32 outputs rtol=1e-5, atol=1e-5 (resize: atol=2e-4 on 0-255
data, float rounding of OpenCV's own float path). uint8 resize/hue results may
differ by 1 grey level where OpenCV's 8-bit fixed-point arithmetic (or MXNet's
float32 HLS round trip before truncation) rounds differently from ours; nearest
and area-shrink resizes are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.gluon.data.vision import transforms as T
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "vision"
nd = mx.nd


def _arr(x):
    return nd.array(x, dtype=x.dtype)


def _close_u8(got, want, max_diff=1, max_frac=0.25):
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    d = np.abs(got.astype(np.int32) - want.astype(np.int32))
    assert d.max() <= max_diff, d.max()
    assert (d > 0).mean() <= max_frac


def _check(got: np.ndarray, want: np.ndarray, u8_tol: int = 0, atol: float = 1e-5):
    assert got.shape == want.shape
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype == np.uint8:
        if u8_tol:
            _close_u8(got, want, u8_tol)
        else:
            np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=atol)


# --------------------------------------------------------------------------- ops
@pytest.mark.parametrize(
    "name", ["to_tensor_u8", "to_tensor_u8_batch", "to_tensor_f32"]
)
def test_to_tensor(name):
    f = load_fixture(FAM, name)
    _check(nd.image.to_tensor(_arr(f["x"])).asnumpy(), f["y"])


@pytest.mark.parametrize("name", ["normalize_3", "normalize_1", "normalize_batch"])
def test_normalize(name):
    f = load_fixture(FAM, name)
    _check(nd.image.normalize(_arr(f["x"]), **f["attrs"]).asnumpy(), f["y"])


def test_normalize_default_and_errors():
    x = nd.ones((3, 2, 2)) * 5
    # MXNet 1.9.1 rejects its own 4-element defaults for 3 channels; we accept them.
    np.testing.assert_array_equal(nd.image.normalize(x).asnumpy(), x.asnumpy())
    with pytest.raises(
        ValueError, match=r"mean must have 1 or 3 elements.*\[1\.0, 2\.0\]"
    ):
        nd.image.normalize(x, mean=(1, 2), std=(1,))
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        nd.image.normalize(nd.ones((2, 2)))


_RESIZE = [
    n
    for n in fixture_names(FAM)
    if n.startswith("resize_") and not n.startswith("resize_short")
]


@pytest.mark.parametrize("name", _RESIZE)
def test_resize(name):
    f = load_fixture(FAM, name)
    got = nd.image.resize(_arr(f["x"]), **f["attrs"]).asnumpy()
    interp = f["attrs"].get("interp", 1)
    exact = interp == 0 or (
        interp == 3
        and got.shape[-3] <= f["x"].shape[-3]
        and got.shape[-2] <= f["x"].shape[-2]
    )
    _check(got, f["y"], u8_tol=0 if exact else 1, atol=2e-4)


def test_resize_hybridized_and_symbol_shape():
    f = load_fixture(FAM, "resize_i1_13x11_float32")
    blk = T.Resize((13, 11))
    blk.hybridize()
    _check(blk(_arr(f["x"])).asnumpy(), f["y"], atol=2e-4)
    s = mx.sym.image.resize(mx.sym.var("x"), size=(13, 11))
    assert s.infer_shape(x=(7, 9, 3))[1] == [(11, 13, 3)]
    s = mx.sym.image.resize(mx.sym.var("x"), size=(4,), keep_ratio=True)
    assert s.infer_shape(x=(2, 7, 9, 3))[1] == [(2, 4, 5, 3)]


def test_resize_errors():
    x = nd.zeros((4, 4, 3), dtype="uint8")
    with pytest.raises(MXNetError, match="unknown interpolation 7"):
        nd.image.resize(x, (2, 2), interp=7)
    with pytest.raises(MXNetError, match=r"\(width, height\)"):
        nd.image.resize(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"\(H, W, C\) or \(N, H, W, C\)"):
        nd.image.resize(nd.zeros((4, 4)), (2, 2))


@pytest.mark.parametrize("name", ["crop", "crop_batch"])
def test_crop(name):
    f = load_fixture(FAM, name)
    _check(nd.image.crop(_arr(f["x"]), **f["attrs"]).asnumpy(), f["y"])


def test_crop_out_of_bounds_names_box():
    with pytest.raises(MXNetError, match=r"x=3, y=1, width=7.*height 7 and width 9"):
        nd.image.crop(nd.zeros((7, 9, 3)), 3, 1, 7, 2)


@pytest.mark.parametrize("op", ["flip_left_right", "flip_top_bottom"])
def test_flips(op):
    fe = load_fixture(FAM, f"{op}_even")
    _check(getattr(nd.image, op)(_arr(fe["x"])).asnumpy(), fe["y"])
    # Odd-sized axis: MXNet 1.9.1 leaves the middle row/column unwritten; we
    # return the true flip, which equals MXNet everywhere else.
    fo = load_fixture(FAM, f"{op}_odd")
    got = getattr(nd.image, op)(_arr(fo["x"])).asnumpy()
    axis = 1 if op == "flip_left_right" else 0
    np.testing.assert_array_equal(got, np.flip(fo["x"], axis))
    mid = fo["x"].shape[axis] // 2
    keep = np.ones(fo["x"].shape[axis], bool)
    keep[mid] = False
    np.testing.assert_array_equal(
        np.compress(keep, got, axis), np.compress(keep, fo["y"], axis)
    )


@pytest.mark.parametrize("kind", ["brightness", "contrast", "hue"])
@pytest.mark.parametrize("factor", [0.6, 1.0, 1.4])
@pytest.mark.parametrize("dt", ["uint8", "float32"])
def test_random_enhance_fixed_factor(kind, factor, dt):
    f = load_fixture(FAM, f"random_{kind}_{factor}_{dt}")
    got = getattr(nd.image, f"random_{kind}")(_arr(f["x"]), **f["attrs"]).asnumpy()
    if kind == "hue":
        _check(got, f["y"], u8_tol=1, atol=2e-3)
    else:
        _check(got, f["y"], atol=1e-4)


@pytest.mark.parametrize("dt", ["uint8", "float32"])
def test_saturation(dt):
    # factor 1 is the identity in MXNet too.
    f = load_fixture(FAM, f"random_saturation_1.0_{dt}")
    _check(nd.image.random_saturation(_arr(f["x"]), 1.0, 1.0).asnumpy(), f["y"])
    # Differs from MXNet 1.9.1 (which blends with 0.114*B only): blend with luma.
    x = f["x"].astype(np.float32)
    gray = x @ np.array([0.299, 0.587, 0.114], np.float32)
    want = gray[..., None] * 0.4 + x * 0.6
    if dt == "uint8":
        want = np.clip(want, 0, 255).astype(np.uint8)
    got = nd.image.random_saturation(_arr(f["x"]), 0.6, 0.6).asnumpy()
    _check(got, want.astype(dt), u8_tol=1, atol=1e-3)


@pytest.mark.parametrize("dt", ["uint8", "float32"])
def test_adjust_lighting(dt):
    f = load_fixture(FAM, f"adjust_lighting_{dt}")
    _check(
        nd.image.adjust_lighting(_arr(f["x"]), **f["attrs"]).asnumpy(),
        f["y"],
        atol=1e-4,
    )


@pytest.mark.parametrize(
    "name", [n for n in fixture_names(FAM) if n.startswith("cvimresize")]
)
def test_cvimresize(name):
    f = load_fixture(FAM, name)
    got = nd._internal._cvimresize(_arr(f["x"]), **f["attrs"]).asnumpy()
    _check(got, f["y"], u8_tol=0 if f["attrs"]["interp"] == 0 else 1)


@pytest.mark.parametrize(
    "name", [n for n in fixture_names(FAM) if n.startswith("copymakeborder")]
)
def test_copy_make_border(name):
    f = load_fixture(FAM, name)
    got = nd._internal._cvcopyMakeBorder(_arr(f["x"]), **f["attrs"]).asnumpy()
    _check(got, f["y"])


# --------------------------------------------------------------------------- random ops
def _img(shape=(16, 16, 3), seed=0):
    return nd.array(np.random.RandomState(seed).randint(0, 256, shape), dtype="uint8")


def test_random_flip_probability_and_values():
    x = _img((5, 6, 3))
    xn = x.asnumpy()
    for op, axis in (("random_flip_left_right", 1), ("random_flip_top_bottom", 0)):
        flips = 0
        for _ in range(400):
            y = getattr(nd.image, op)(x).asnumpy()
            if np.array_equal(y, np.flip(xn, axis)):
                flips += 1
            else:
                np.testing.assert_array_equal(y, xn)
        # Binomial(400, 0.5): sd 10; 5 sd bounds.
        assert 150 <= flips <= 250, flips


def test_random_flip_batch_per_image():
    x = nd.array(np.arange(2 * 3 * 4 * 3).reshape(2, 3, 4, 3), dtype="uint8")
    seen = set()
    for _ in range(60):
        y = nd.image.random_flip_left_right(x).asnumpy()
        key = tuple(
            bool(np.array_equal(y[i], np.flip(x.asnumpy()[i], 1))) for i in range(2)
        )
        seen.add(key)
    assert len(seen) == 4


@pytest.mark.parametrize("kind", ["brightness", "contrast", "saturation", "hue"])
def test_random_enhance_bounds_and_variation(kind):
    x = _img()
    fn = getattr(nd.image, f"random_{kind}")
    outs = [fn(x, 0.5, 1.5).asnumpy() for _ in range(8)]
    for y in outs:
        assert y.shape == x.shape and y.dtype == np.uint8
    assert len({y.tobytes() for y in outs}) > 1
    # The identity factor range gives the input back (hue: up to 1 level).
    same = fn(x, 1.0, 1.0).asnumpy().astype(int)
    assert np.abs(same - x.asnumpy().astype(int)).max() <= (1 if kind == "hue" else 0)


def test_random_brightness_factor_distribution():
    x = nd.full((1, 1, 3), 100.0)
    factors = np.array(
        [
            nd.image.random_brightness(x, 0.5, 1.5).asnumpy()[0, 0, 0] / 100
            for _ in range(500)
        ]
    )
    assert factors.min() >= 0.5 and factors.max() <= 1.5
    # Uniform(0.5, 1.5): mean 1, sd 0.289; sample-mean sd 0.013.
    assert abs(factors.mean() - 1.0) < 0.06
    assert abs(factors.std() - 0.2887) < 0.04


def test_random_lighting_statistics():
    x = nd.full((2, 2, 3), 100.0)
    deltas = np.array(
        [nd.image.random_lighting(x, 0.1).asnumpy()[0, 0] - 100 for _ in range(400)]
    )
    # Dominant PCA component: 55.46 * 0.1 * eigvec -> per-channel sd about 3.2.
    assert np.all(np.abs(deltas.mean(0)) < 0.8)
    assert np.all((deltas.std(0) > 2.5) & (deltas.std(0) < 4.0))
    np.testing.assert_array_equal(
        nd.image.random_lighting(x, 0.0).asnumpy(), x.asnumpy()
    )


def test_random_color_jitter_zero_is_identity_and_varies():
    x = _img()
    np.testing.assert_array_equal(
        nd.image.random_color_jitter(x, 0, 0, 0, 0).asnumpy(), x.asnumpy()
    )
    outs = {
        nd.image.random_color_jitter(x, 0.3, 0.3, 0.3, 0.1).asnumpy().tobytes()
        for _ in range(5)
    }
    assert len(outs) > 1


def test_random_ops_reject_bad_input():
    with pytest.raises(ValueError, match="1 or 3 elements"):
        nd.image.random_brightness(nd.zeros((4, 4, 2)), 0.5, 1.5)
    with pytest.raises(MXNetError, match="min_factor <= max_factor"):
        nd.image.random_contrast(nd.zeros((4, 4, 3)), 1.5, 0.5)


# --------------------------------------------------------------------------- transforms
_TRANSFORMS = {
    "ToTensor": lambda: T.ToTensor(),
    "Normalize": lambda: T.Normalize(mean=(0.4, 0.5, 0.6), std=(0.2, 0.3, 0.25)),
    "Normalize_scalar": lambda: T.Normalize(mean=0.5, std=0.2),
    "Resize_int": lambda: T.Resize(5),
    "Resize_wh": lambda: T.Resize((6, 4)),
    "Resize_keep": lambda: T.Resize(5, keep_ratio=True),
    "Resize_wh_i3": lambda: T.Resize((4, 3), interpolation=3),
    "Resize_wh_i2": lambda: T.Resize((12, 11), interpolation=2),
    "CenterCrop_int": lambda: T.CenterCrop(5),
    "CenterCrop_wh": lambda: T.CenterCrop((8, 3)),
    "CenterCrop_up": lambda: T.CenterCrop((12, 10)),
    "CropResize": lambda: T.CropResize(1, 2, 6, 4),
    "CropResize_size": lambda: T.CropResize(1, 2, 6, 4, size=(3, 5), interpolation=1),
    "Cast": lambda: T.Cast("float16"),
    "Cast_default": lambda: T.Cast(),
    "Rotate": lambda: T.Rotate(30),
    "Rotate_zoom_in": lambda: T.Rotate(-20, zoom_in=True),
    "Rotate_zoom_out": lambda: T.Rotate(45, zoom_out=True),
    "Compose": lambda: T.Compose(
        [
            T.Resize(8),
            T.CenterCrop(6),
            T.ToTensor(),
            T.Normalize((0.4, 0.5, 0.6), (0.2, 0.3, 0.25)),
        ]
    ),
}
_EXACT = {
    "ToTensor",
    "Normalize",
    "Normalize_scalar",
    "CenterCrop_wh",
    "CropResize",
    "Cast",
    "Cast_default",
    "Resize_wh_i3",
}


@pytest.mark.parametrize("name", sorted(_TRANSFORMS))
@pytest.mark.parametrize("hybridize", [False, True])
def test_transform_matches_mxnet(name, hybridize):
    f = load_fixture(FAM, f"transform_{name}")
    blk = _TRANSFORMS[name]()
    if hybridize:
        blk.hybridize()
    got = blk(_arr(f["x"])).asnumpy()
    if name == "Compose":
        # Bilinear uint8 resizes (+-1 level) then /255 and /std (0.2): 0.02.
        np.testing.assert_allclose(got, f["y"], atol=0.021)
        assert got.shape == f["y"].shape and got.dtype == f["y"].dtype
    elif name.startswith("Rotate"):
        np.testing.assert_allclose(got, f["y"], rtol=1e-5, atol=1e-5)
    else:
        _check(got, f["y"], u8_tol=0 if name in _EXACT else 1)


def test_compose_keeps_list_and_fuses_hybrid_runs():
    ts = [T.Resize(8), T.ToTensor(), T.Normalize(0.5, 0.2), T.RandomRotation((-5, 5))]
    before = list(ts)
    c = T.Compose(ts)
    assert ts == before  # MXNet 1.9.1 appends None to the caller's list.
    kinds = [type(b).__name__ for b in c._children.values()]
    assert kinds == ["HybridSequential", "RandomRotation"]
    assert c(_img((9, 9, 3))).shape == (3, 8, 8)
    c2 = T.Compose(ts)  # reusing the list works
    assert len(c2) == 2


def test_random_transforms_invariants():
    x = _img((12, 10, 3))
    for blk in (
        T.RandomFlipLeftRight(),
        T.RandomFlipTopBottom(),
        T.RandomBrightness(0.3),
        T.RandomContrast(0.3),
        T.RandomSaturation(0.3),
        T.RandomHue(0.1),
        T.RandomColorJitter(0.2, 0.2, 0.2, 0.05),
        T.RandomLighting(0.1),
    ):
        for hyb in (False, True):
            if hyb:
                blk.hybridize()
            y = blk(x)
            assert y.shape == x.shape and y.dtype == np.uint8, type(blk).__name__
    (y,) = {T.RandomResizedCrop((5, 4))(x).shape for _ in range(10)}
    assert y == (4, 5, 3)
    for _ in range(10):
        out = T.RandomCrop(6, pad=2)(x).asnumpy()
        assert out.shape == (6, 6, 3)
    t = T.ToTensor()(x)
    r = T.RandomRotation((-30, 30))(t)
    assert r.shape == t.shape and r.dtype == np.float32


def test_random_crop_pad_fills_border():
    x = nd.full((4, 4, 3), 200, dtype="uint8")
    corners = 0
    for _ in range(50):
        out = T.RandomCrop(8, pad=2, pad_value=7)(x).asnumpy()
        assert out.shape == (8, 8, 3)
        np.testing.assert_array_equal(out[:2], 7)  # 8x8 crop of an 8x8 padded image
        corners += 1
    assert corners == 50


def test_random_gray_and_apply_probability():
    x = _img((6, 6, 3))
    gray = T.RandomGray(1.0)(x).asnumpy()
    assert np.all(gray[..., 0] == gray[..., 1]) and np.all(gray[..., 1] == gray[..., 2])
    want = x.asnumpy().astype(np.float32) @ np.array([0.2989, 0.587, 0.114], np.float32)
    assert np.abs(gray[..., 0].astype(np.float32) - want).max() <= 1.0
    np.testing.assert_array_equal(T.RandomGray(0.0)(x).asnumpy(), x.asnumpy())
    ap = T.RandomApply(T.Compose([T.Cast("float32")]), p=0.5)
    hits = sum(ap(x).dtype == np.float32 for _ in range(400))
    assert 150 <= hits <= 250, hits


def test_rotate_rejects_uint8_and_bad_limits():
    with pytest.raises(TypeError, match="only supports float32"):
        T.Rotate(10)(_img())
    with pytest.raises(ValueError, match="ordered tuple"):
        T.RandomRotation((10, -10))
    with pytest.raises(ValueError, match="between 0 and 1"):
        T.RandomRotation((-10, 10), rotate_with_proba=1.5)
