"""``_contrib_quantize`` / ``_contrib_quantize_v2`` / ``_contrib_dequantize`` /
``_contrib_requantize`` vs MXNet 1.9.1 (the CPU wheel, oneDNN path).

Fixtures: ``tools/fixtures/ops_quantize.py``. Every output is compared exactly:
the quantized integers, the output ranges and the dequantized float32 values
(one float32 multiply each, as in MXNet).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon.base import MXNetError
from neogluon.ops import registry
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAMILY = "ops_quantize"
CASES = fixture_names(FAMILY)
_INPUTS = ("data", "min_range", "max_range")


def _nd(a: np.ndarray) -> mx.nd.NDArray:
    return mx.nd.array(a, dtype=a.dtype)


def _expected(f: dict) -> list[np.ndarray]:
    return [f[f"out{i}"] for i in range(3) if f"out{i}" in f]


def _check(outs, f: dict) -> None:
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    exp = _expected(f)
    assert len(outs) == len(exp)
    for got, want in zip(outs, exp, strict=True):
        g = got.asnumpy()
        assert g.dtype == want.dtype, (g.dtype, want.dtype)
        assert g.shape == want.shape
        np.testing.assert_array_equal(g, want)


def test_fixtures_present() -> None:
    assert len(CASES) >= 60, CASES
    ops = {load_fixture(FAMILY, n)["op"] for n in CASES}
    assert ops == {"quantize", "quantize_v2", "dequantize", "requantize"}


def test_fixtures_cover_cases() -> None:
    fs = [load_fixture(FAMILY, n) for n in CASES]
    q = [f for f in fs if f["op"] == "quantize"]
    assert {f["attrs"]["out_type"] for f in q} == {"int8", "uint8"}
    assert any((f["data"] < 0).any() for f in q)
    assert any((f["data"] > 0).all() for f in q)
    # Saturation at both ends of int8 and uint8 occurs.
    assert any((f["out0"] == -128).any() for f in q)
    assert any((f["out0"] == 255).any() for f in q)
    v2 = [f for f in fs if f["op"] == "quantize_v2"]
    assert any("min_calib_range" in f["attrs"] for f in v2)
    assert any("min_calib_range" not in f["attrs"] for f in v2)
    assert {f["attrs"]["out_type"] for f in v2} == {"int8", "uint8", "auto"}
    assert {f["data"].dtype.name for f in v2} == {"float32", "int8", "uint8"}
    rq = [f for f in fs if f["op"] == "requantize"]
    assert any("min_calib_range" in f["attrs"] for f in rq)
    assert any("min_calib_range" not in f["attrs"] for f in rq)
    assert {f["out0"].dtype.name for f in rq} == {"int8", "uint8"}


@pytest.mark.parametrize("name", CASES)
def test_nd_matches_mxnet(name: str) -> None:
    f = load_fixture(FAMILY, name)
    ins = [_nd(f[k]) for k in _INPUTS if k in f]
    outs = getattr(mx.nd.contrib, f["op"])(*ins, **f["attrs"])
    _check(outs, f)


@pytest.mark.parametrize("name", CASES)
def test_sym_matches_mxnet(name: str) -> None:
    f = load_fixture(FAMILY, name)
    names = [k for k in _INPUTS if k in f]
    sym = getattr(mx.sym.contrib, f["op"])(
        *[mx.sym.var(k) for k in names], **f["attrs"]
    )
    assert sym.list_arguments() == names
    _, out_shapes, _ = sym.infer_shape(**{k: f[k].shape for k in names})
    assert out_shapes == [e.shape for e in _expected(f)]
    _, out_types, _ = sym.infer_type(**{k: f[k].dtype for k in names})
    assert [np.dtype(t) for t in out_types] == [e.dtype for e in _expected(f)]
    ex = sym.bind(mx.cpu(), {k: _nd(f[k]) for k in names}, grad_req="null")
    _check(ex.forward(), f)


def test_mxnet_unittest_values() -> None:
    # tests/python/unittest/test_operator.py::test_quantization_op of MXNet 1.9.1.
    a = mx.nd.array([[0.1392, 0.5928], [0.6027, 0.8579]])
    qa, mn, mxr = mx.nd.contrib.quantize(
        a, mx.nd.array([0.0]), mx.nd.array([1.0]), out_type="int8"
    )
    np.testing.assert_array_equal(qa.asnumpy(), [[18, 75], [77, 109]])
    assert (mn.asscalar(), mxr.asscalar()) == (-1.0, 1.0)
    back = mx.nd.contrib.dequantize(qa, mn, mxr, out_type="float32")
    np.testing.assert_allclose(
        back.asnumpy(), [[0.14173228, 0.5905512], [0.6062992, 0.8582677]], rtol=1e-2
    )


def test_defaults_and_auto() -> None:
    d = mx.nd.array([-1.0, 0.5, 2.0])
    q, _, _ = mx.nd.contrib.quantize(d, mx.nd.array([-1.0]), mx.nd.array([2.0]))
    assert q.dtype == np.uint8
    q2, lo, hi = mx.nd.contrib.quantize_v2(d)
    assert q2.dtype == np.int8
    assert (lo.asscalar(), hi.asscalar()) == (-2.0, 2.0)
    q3, lo, hi = mx.nd.contrib.quantize_v2(
        d, out_type="auto", min_calib_range=0.0, max_calib_range=2.0
    )
    assert q3.dtype == np.uint8
    np.testing.assert_array_equal(q3.asnumpy(), [0, 64, 255])
    assert (lo.asscalar(), hi.asscalar()) == (0.0, 2.0)
    # 'auto' without a calibration range is int8.
    assert mx.nd.contrib.quantize_v2(d, out_type="auto")[0].dtype == np.int8


def test_zero_range() -> None:
    z = mx.nd.zeros((2, 3))
    q, lo, hi = mx.nd.contrib.quantize_v2(z)
    np.testing.assert_array_equal(q.asnumpy(), np.zeros((2, 3), np.int8))
    assert (lo.asscalar(), hi.asscalar()) == (0.0, 0.0)
    back = mx.nd.contrib.dequantize(q, lo, hi)
    np.testing.assert_array_equal(back.asnumpy(), np.zeros((2, 3), np.float32))


def test_gradients_are_zero() -> None:
    x = mx.nd.array([[0.3, -0.7], [1.2, 0.1]])
    mn, mxr = mx.nd.array([-1.0]), mx.nd.array([1.5])
    for v in (x, mn, mxr):
        v.attach_grad()
    with autograd.record():
        q, lo, hi = mx.nd.contrib.quantize(x, mn, mxr, out_type="int8")
        y = mx.nd.contrib.dequantize(q, lo, hi)
        loss = y.sum() + lo.sum() * 3 + hi.sum()
    loss.backward()
    for v in (x, mn, mxr):
        np.testing.assert_array_equal(v.grad.asnumpy(), np.zeros(v.shape, np.float32))


def test_bad_inputs() -> None:
    x = mx.nd.array([0.5, -0.5])
    one = mx.nd.array([1.0])
    with pytest.raises(MXNetError, match="min_range must hold one value"):
        mx.nd.contrib.quantize(x, mx.nd.array([0.0, 1.0]), one)
    with pytest.raises(MXNetError, match="data must be float32, got"):
        mx.nd.contrib.quantize(x.astype("float64"), one, one)
    with pytest.raises(MXNetError, match="out_type"):
        mx.nd.contrib.quantize(x, one, one, out_type="int32")
    with pytest.raises(MXNetError, match="data must be int8 or uint8"):
        mx.nd.contrib.dequantize(x, one, one)
    with pytest.raises(MXNetError, match="out_type"):
        mx.nd.contrib.dequantize(x.astype("int8"), one, one, out_type="float16")
    with pytest.raises(MXNetError, match="already int8 but out_type resolves to uint8"):
        mx.nd.contrib.quantize_v2(x.astype("int8"), out_type="uint8")
    with pytest.raises(MXNetError, match="float32, int8 or uint8"):
        mx.nd.contrib.quantize_v2(x.astype("float16"))
    with pytest.raises(MXNetError, match="data must be int32"):
        mx.nd.contrib.requantize(x, one, one)
    sym = mx.sym.contrib.quantize(
        mx.sym.var("data"), mx.sym.var("lo"), mx.sym.var("hi"), out_type="int8"
    )
    with pytest.raises(MXNetError, match=r"min_range must have shape \(1,\)"):
        sym.infer_shape(data=(2, 3), lo=(2,), hi=(1,))


def test_registry_and_real_ops_win_over_placeholders() -> None:
    for name in ("quantize", "quantize_v2", "dequantize", "requantize"):
        op = registry.get(f"_contrib_{name}")
        assert op.name == f"_contrib_{name}"
        for mod in (mx.nd.contrib, mx.sym.contrib):
            fn = getattr(mod, name)
            assert not getattr(fn, "__neogluon_missing__", False), (mod, name)
    op = registry.get("_contrib_quantize")
    assert op.list_output_names({}) == ("output0", "output1", "output2")
    ins, outs = op.run_infer_shape([(4, 5), None, None], op.parse_attrs({}))
    assert ins == [(4, 5), (1,), (1,)]
    assert outs == [(4, 5), (1,), (1,)]


def test_requantize_large_values_do_not_overflow() -> None:
    # MXNet 1.9.1 casts float 2**31 to int32 here and gets a negative range;
    # neogluon caps the magnitude at 2**31 - 1 instead (a documented difference).
    d = mx.nd.array([[-2147483647, 1073741824, 0]], dtype="int32")
    q, lo, hi = mx.nd.contrib.requantize(d, mx.nd.array([-10.0]), mx.nd.array([10.0]))
    np.testing.assert_array_equal(q.asnumpy(), [[-127, 64, 0]])
    assert (lo.asscalar(), hi.asscalar()) == (-10.0, 10.0)
