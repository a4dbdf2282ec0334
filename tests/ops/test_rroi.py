"""``_contrib_RROIAlign`` (rotated ROI align) vs MXNet 1.9.1.

Fixtures: ``tools/fixtures/ops_rroi.py`` (MXNet's forward; MXNet 1.9.1 defines
no gradient for this operator). Tolerances rtol 1e-5 / atol 1e-6: the bilinear
samples of a bin are summed in another order than MXNet's loop.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import contrib_rroi
from neogluon.ops import registry
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAMILY = "ops_rroi"
CASES = fixture_names(FAMILY)
RTOL, ATOL = 1e-5, 1e-6


def _load(name: str) -> dict:
    f = load_fixture(FAMILY, name)
    f["attrs"] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in f["attrs"].items()
    }
    return f


def _nd(a: np.ndarray) -> mx.nd.NDArray:
    return mx.nd.array(a, dtype=a.dtype)


def test_fixtures_present() -> None:
    assert len(CASES) >= 9, CASES


@pytest.mark.parametrize("name", CASES)
def test_nd_matches_mxnet(name: str) -> None:
    f = _load(name)
    out = mx.nd.contrib.RROIAlign(_nd(f["data"]), _nd(f["rois"]), **f["attrs"])
    assert out.shape == f["out"].shape
    assert out.dtype == f["out"].dtype
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", CASES)
def test_sym_matches_mxnet(name: str) -> None:
    f = _load(name)
    sym = mx.sym.contrib.RROIAlign(mx.sym.var("data"), mx.sym.var("rois"), **f["attrs"])
    _, out_shapes, _ = sym.infer_shape(data=f["data"].shape, rois=f["rois"].shape)
    assert out_shapes == [f["out"].shape]
    ex = sym.bind(
        mx.cpu(), {"data": _nd(f["data"]), "rois": _nd(f["rois"])}, grad_req="null"
    )
    out = ex.forward()[0]
    assert out.dtype == f["out"].dtype
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)


def test_fixture_cases_cover_rotation_and_sampling() -> None:
    f = _load("hand_sr-1")
    assert set(np.unique(f["rois"][:, 5] % 180)) - {0.0}
    assert f["attrs"]["spatial_scale"] == 0.5
    # Most bins see the feature map (not a fixture of zeros).
    assert (np.abs(f["out"]) > 1e-3).mean() > 0.5
    assert {_load(n)["attrs"].get("sampling_ratio", -1) for n in CASES} >= {-1, 2}


def test_chunked_rois_match_mxnet(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny per-chunk budget splits the rois into many chunks.
    monkeypatch.setattr(contrib_rroi, "_CHUNK_ELEMENTS", 50)
    for name in ("hand_sr-1", "random_sr2", "big_sr-1"):
        f = _load(name)
        out = mx.nd.contrib.RROIAlign(_nd(f["data"]), _nd(f["rois"]), **f["attrs"])
        np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)


def test_symbol_json_attrs() -> None:
    sym = mx.sym.contrib.RROIAlign(
        mx.sym.var("data"),
        mx.sym.var("rois"),
        pooled_size=(2, 3),
        spatial_scale=0.25,
        sampling_ratio=2,
    )
    node = json.loads(sym.tojson())["nodes"][-1]
    assert node["op"] == "_contrib_RROIAlign"
    assert node["attrs"] == {
        "pooled_size": "(2, 3)",
        "spatial_scale": "0.25",
        "sampling_ratio": "2",
    }
    assert sym.list_arguments() == ["data", "rois"]


def test_shape_inference() -> None:
    op = registry.get("_contrib_RROIAlign")
    attrs = op.parse_attrs({"pooled_size": (3, 4), "spatial_scale": 0.5})
    assert attrs["sampling_ratio"] == -1
    _, outs = op.run_infer_shape([(2, 5, 8, 8), (7, 6)], attrs)
    assert outs == [(7, 5, 3, 4)]
    _, outs = op.run_infer_shape([(2, 5, 8, 8), None], attrs)
    assert outs == [None]
    with pytest.raises(MXNetError, match=r"rois \(7, 5\) must be \(R, 6\)"):
        op.run_infer_shape([(2, 5, 8, 8), (7, 5)], attrs)
    with pytest.raises(MXNetError, match=r"data \(5, 8, 8\) must be"):
        op.run_infer_shape([(5, 8, 8), (7, 6)], attrs)
    sym = mx.sym.contrib.RROIAlign(
        mx.sym.var("data"), mx.sym.var("rois"), pooled_size=(2, 3), spatial_scale=0.5
    )
    with pytest.raises(MXNetError, match="must be"):
        sym.infer_shape(data=(2, 3, 6, 6), rois=(4, 5))


def test_bad_attrs_and_inputs() -> None:
    d = mx.nd.ones((1, 2, 4, 4))
    r = mx.nd.array([[0, 2, 2, 2, 2, 10]])
    with pytest.raises(MXNetError, match="spatial_scale"):
        mx.nd.contrib.RROIAlign(d, r, pooled_size=(2, 2))
    with pytest.raises(MXNetError, match=r"spatial_scale 2.0 must be in \[0, 1\]"):
        mx.nd.contrib.RROIAlign(d, r, pooled_size=(2, 2), spatial_scale=2.0)
    with pytest.raises(MXNetError, match="pooled_size must be two positive ints"):
        mx.nd.contrib.RROIAlign(d, r, pooled_size=(2,), spatial_scale=1.0)
    with pytest.raises(MXNetError, match="pooled_size must be two positive ints"):
        mx.nd.contrib.RROIAlign(d, r, pooled_size=(2, 0), spatial_scale=1.0)
    with pytest.raises(MXNetError, match=r"batch indices \[3\] are outside \[0, 1\)"):
        mx.nd.contrib.RROIAlign(
            d, mx.nd.array([[3, 2, 2, 2, 2, 0]]), pooled_size=(2, 2), spatial_scale=1
        )
    with pytest.raises(MXNetError, match="dtype"):
        mx.nd.contrib.RROIAlign(
            d, r.astype("float64"), pooled_size=(2, 2), spatial_scale=1.0
        )
    with pytest.raises(MXNetError, match=r"must be \(R, 6\)"):
        mx.nd.contrib.RROIAlign(
            d, mx.nd.array([[0, 1, 1, 2, 2]]), pooled_size=(2, 2), spatial_scale=1.0
        )


def test_no_rois_and_float16() -> None:
    d = mx.nd.ones((1, 2, 4, 4))
    out = mx.nd.contrib.RROIAlign(
        d, mx.nd.zeros((0, 6)), pooled_size=(2, 3), spatial_scale=1.0
    )
    assert out.shape == (0, 2, 2, 3)
    # A constant map inside the image pools to that constant (MXNet gives 1s
    # for this float16 case too).
    out = mx.nd.contrib.RROIAlign(
        d.astype("float16"),
        mx.nd.array([[0, 2, 2, 2, 2, 10]], dtype="float16"),
        pooled_size=(2, 2),
        spatial_scale=1.0,
    )
    assert out.dtype == np.float16
    np.testing.assert_array_equal(out.asnumpy(), np.ones((1, 2, 2, 2), np.float16))


def test_gradient_wrt_data_matches_mxnet_forward() -> None:
    # The op is linear in data: <grad, data> = <head, out> for the true
    # gradient, and ``out`` here is MXNet's. (MXNet itself has no backward.)
    f = _load("hand_sr-1")
    data = _nd(f["data"])
    data.attach_grad()
    head = np.random.RandomState(0).uniform(-1, 1, f["out"].shape).astype(np.float32)
    with mx.autograd.record():
        out = mx.nd.contrib.RROIAlign(data, _nd(f["rois"]), **f["attrs"])
    out.backward(mx.nd.array(head))
    lhs = float((data.grad.asnumpy().astype(np.float64) * f["data"]).sum())
    rhs = float((head.astype(np.float64) * f["out"]).sum())
    assert lhs == pytest.approx(rhs, rel=1e-5, abs=1e-5)


def test_gradient_finite_differences() -> None:
    f = _load("float64")
    kernel = registry.get("_contrib_RROIAlign").kernel
    data = torch.tensor(f["data"][:, :1, :6, :7], requires_grad=True)
    rois = torch.tensor(f["rois"]) * torch.tensor([1, 0.6, 0.6, 0.6, 0.6, 1.0])
    rois[:, 0] = rois[:, 0].clamp(max=1)
    torch.autograd.gradcheck(
        lambda x: kernel(x, rois, pooled_size=(2, 3), spatial_scale=0.5), (data,)
    )
