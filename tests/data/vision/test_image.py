"""``mx.image`` vs MXNet 1.9.1 (fixtures: tools/fixtures/vision.py).

Tolerances: uint8 bilinear/bicubic resizes may differ by 1 grey level (OpenCV's
8-bit fixed-point paths); rotations (float32) rtol=1e-5, atol=1e-5; PNG decodes
exact; JPEG decodes within 3 grey levels (decoders' IDCT/upsampling differ).
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "vision"
nd = mx.nd


def _u8(x):
    return nd.array(x, dtype=np.uint8)


def _close_u8(got, want, tol=1):
    assert got.shape == want.shape and got.dtype == want.dtype
    assert np.abs(got.astype(int) - want.astype(int)).max() <= tol


def test_imresize():
    f = load_fixture(FAM, "imresize")
    _close_u8(mx.image.imresize(_u8(f["x"]), 4, 6).asnumpy(), f["y"])
    f = load_fixture(FAM, "imresize_i2")
    _close_u8(mx.image.imresize(_u8(f["x"]), 12, 10, interp=2).asnumpy(), f["y"])


@pytest.mark.parametrize(
    "name", [n for n in fixture_names(FAM) if n.startswith("resize_short")]
)
def test_resize_short(name):
    f = load_fixture(FAM, name)
    a = f["attrs"]
    _close_u8(
        mx.image.resize_short(_u8(f["x"]), a["size"], interp=a["interp"]).asnumpy(),
        f["y"],
    )


@pytest.mark.parametrize(
    "name", [n for n in fixture_names(FAM) if n.startswith("center_crop")]
)
def test_center_crop(name):
    f = load_fixture(FAM, name)
    y, box = mx.image.center_crop(_u8(f["x"]), tuple(f["size"]))
    assert list(box) == f["box"]
    _close_u8(y.asnumpy(), f["y"])


def test_fixed_crop_and_random_crop():
    f = load_fixture(FAM, "fixed_crop_resize")
    a = f["attrs"]
    y = mx.image.fixed_crop(
        _u8(f["x"]), a["x0"], a["y0"], a["w"], a["h"], tuple(a["size"]), a["interp"]
    )
    _close_u8(y.asnumpy(), f["y"])
    x = _u8(f["x"])
    for _ in range(20):
        out, (x0, y0, w, h) = mx.image.random_crop(x, (4, 3))
        assert (w, h) == (4, 3) and 0 <= x0 <= 5 and 0 <= y0 <= 4
        np.testing.assert_array_equal(out.asnumpy(), f["x"][y0 : y0 + 3, x0 : x0 + 4])


def test_random_size_crop_bounds():
    x = _u8(np.random.RandomState(0).randint(0, 256, (20, 30, 3)))
    for _ in range(20):
        out, (x0, y0, w, h) = mx.image.random_size_crop(
            x, (8, 6), (0.2, 1.0), (0.75, 1.33)
        )
        assert out.shape == (6, 8, 3)
        assert 0 <= x0 and x0 + w <= 30 and 0 <= y0 and y0 + h <= 20


def test_color_normalize_in_place():
    f = load_fixture(FAM, "color_normalize")
    src = nd.array(f["x"].astype(np.float32))
    out = mx.image.color_normalize(src, nd.array(f["mean"]), nd.array(f["std"]))
    assert out is src  # MXNet normalizes in place and returns src
    np.testing.assert_allclose(out.asnumpy(), f["y"], rtol=1e-6, atol=1e-6)


def test_scale_down():
    f = load_fixture(FAM, "scale_down")
    got = [list(mx.image.scale_down(tuple(s), tuple(c))) for s, c in f["cases"]]
    assert got == f["y"]


@pytest.mark.parametrize(
    "name", [n for n in fixture_names(FAM) if n.startswith("imrotate_")]
)
def test_imrotate(name):
    f = load_fixture(FAM, name)
    x = nd.array(f["x"])
    if name == "imrotate_batch":
        y = mx.image.imrotate(x, nd.array(f["degrees"]))
    else:
        a = f["attrs"]
        y = mx.image.imrotate(x, a["deg"], zoom_in=a["zoom_in"], zoom_out=a["zoom_out"])
    np.testing.assert_allclose(y.asnumpy(), f["y"], rtol=1e-5, atol=1e-5)


def test_imrotate_errors_and_random_rotate():
    x = nd.ones((3, 5, 5))
    with pytest.raises(ValueError, match="cannot be both True"):
        mx.image.imrotate(x, 10, zoom_in=True, zoom_out=True)
    with pytest.raises(TypeError, match="float32"):
        mx.image.imrotate(x.astype("uint8"), 10)
    with pytest.raises(ValueError, match="2 images but 3 rotation angles"):
        mx.image.imrotate(nd.ones((2, 3, 5, 5)), nd.array([1.0, 2.0, 3.0]))
    y = mx.image.random_rotate(nd.ones((2, 3, 5, 5)), (-10, 10))
    assert y.shape == (2, 3, 5, 5)


def test_interp_method_codes():
    gim = mx.image._get_interp_method
    assert gim(9, (10, 10, 20, 20)) == 2 and gim(9, (10, 10, 5, 5)) == 3
    assert gim(9, (10, 10, 5, 20)) == 1 and gim(9) == 2
    assert {gim(10) for _ in range(200)} == {0, 1, 2, 3, 4}
    with pytest.raises(ValueError, match="Unknown interp method 7"):
        gim(7)


# --------------------------------------------------------------------------- decode
_DECODE = [n for n in fixture_names(FAM) if n.startswith("imdecode_")]


@pytest.mark.parametrize("name", _DECODE)
def test_imdecode_matches_mxnet(name):
    pytest.importorskip("PIL")
    f = load_fixture(FAM, name)
    a = f["attrs"]
    y = mx.image.imdecode(
        f["buf"].tobytes(), flag=a["flag"], to_rgb=a["to_rgb"]
    ).asnumpy()
    assert y.dtype == np.uint8 and y.shape == f["y"].shape
    if "jpeg" in name:
        _close_u8(y, f["y"], tol=3)
    elif "rgb_f0" in name or "rgba_f0" in name:
        _close_u8(y, f["y"], tol=1)  # luma rounding: Pillow vs OpenCV
    else:
        np.testing.assert_array_equal(y, f["y"])


def test_imdecode_inputs_and_errors(tmp_path):
    pytest.importorskip("PIL")
    f = load_fixture(FAM, "imdecode_png_rgb_f1_rgb1")
    buf = f["buf"]
    for b in (
        buf.tobytes(),
        bytearray(buf.tobytes()),
        buf,
        nd.array(buf, dtype="uint8"),
    ):
        np.testing.assert_array_equal(mx.image.imdecode(b).asnumpy(), f["y"])
    out = nd.zeros(f["y"].shape, dtype="uint8")
    assert mx.image.imdecode(buf.tobytes(), out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), f["y"])
    with pytest.raises(ValueError, match="bytes, bytearray"):
        mx.image.imdecode("not bytes")
    with pytest.raises(MXNetError, match="cannot decode the 5-byte buffer"):
        mx.image.imdecode(b"hello")
    p = tmp_path / "a.png"
    p.write_bytes(buf.tobytes())
    np.testing.assert_array_equal(mx.image.imread(str(p)).asnumpy(), f["y"])
    g = mx.image.imread(str(p), flag=0)
    assert g.shape == f["y"].shape[:2] + (1,)
    with pytest.raises(FileNotFoundError, match="no such image file"):
        mx.image.imread(str(tmp_path / "missing.png"))
    with pytest.raises(MXNetError):
        mx.image.imread(os.fspath(tmp_path / "missing.png"))


def test_imdecode_flag_minus_one_keeps_alpha():
    pil = pytest.importorskip("PIL.Image")
    rgba = np.random.RandomState(0).randint(0, 256, (3, 4, 4)).astype(np.uint8)
    bio = io.BytesIO()
    pil.fromarray(rgba).save(bio, format="PNG")
    y = mx.image.imdecode(bio.getvalue(), flag=-1).asnumpy()
    np.testing.assert_array_equal(y, rgba)
    np.testing.assert_array_equal(
        mx.image.imdecode(bio.getvalue(), flag=-1, to_rgb=False).asnumpy(),
        rgba[:, :, [2, 1, 0, 3]],
    )
