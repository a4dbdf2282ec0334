"""Element-wise ops (unary, binary, broadcast, scalar) vs. MXNet 1.9.1, plus dtype rules and shape inference."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry
from tests.conftest import load_fixture
from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", load_cases("elemwise"), ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, path=path)


def _rule_results():
    data = load_fixture("ops_math", "dtype_rules")
    i = mx.nd.array(data["int_in"], dtype="int32")
    f = mx.nd.array(data["float_in"])
    ours = {
        "int_mul_2.5": lambda: i * 2.5,
        "int_div_2": lambda: i / 2,
        "int_mod_2": lambda: i % 2,
        "int_rdiv_7": lambda: 7 / i,
        "int_rsub_1.5": lambda: 1.5 - i,
        "int_pow_2": lambda: i**2,
        "neg3_div_2": lambda: mx.nd.array([-3], dtype="int32") / 2,
        "neg3_mod_2": lambda: mx.nd.array([-3], dtype="int32") % 2,
        "float_mod_-2": lambda: f % -2,
        "float_rmod_3": lambda: 3 % mx.nd.array([2.0, -2.0, 4.0]),
        "int_gt_1": lambda: i > 1,
        "float_eq": lambda: f == mx.nd.array([-3.5, 0, 0, 1, 0]),
        "int_add_int": lambda: i + i,
        "float_lt": lambda: f < 0.5,
    }
    return data, ours


@pytest.mark.parametrize("name", sorted(_rule_results()[1]))
def test_ndarray_scalar_and_dtype_rules(name):
    data, ours = _rule_results()
    assert name in data["names"]
    want = data[f"{name}.out"]
    got = ours[name]()
    assert np.dtype(got.dtype) == want.dtype
    np.testing.assert_array_equal(got.asnumpy(), want)


@pytest.mark.parametrize("op", ["broadcast_add", "elemwise_mul", "broadcast_greater"])
def test_no_dtype_promotion_between_arrays(op):
    pairs = load_fixture("ops_math", "dtype_rules")["raised"]
    assert ["float64", "float32"] in pairs
    for a, b in pairs:
        x, y = mx.nd.ones((2,), dtype=a), mx.nd.ones((2,), dtype=b)
        with pytest.raises(MXNetError, match=rf"{op}.*{b}.*{a}|{op}.*{a}.*{b}"):
            getattr(mx.nd, op)(x, y)


def _infer(op, *shapes, out=None, **attrs):
    d = registry.get(op)
    parsed = d.parse_attrs(attrs)
    return d.infer_shape(list(shapes), parsed, out)


def test_broadcast_infer_fills_only_what_broadcasting_determines():
    # An unknown dim facing a partner dim > 1 may be that dim or 1: it stays
    # unknown (MXNet refuses too), while the output dim is determined.
    assert _infer("broadcast_add", (2, 0), (2, 3)) == ([(2, 0), (2, 3)], [(2, 3)])
    assert _infer("broadcast_mul", (0, 3), (4, 2, 3)) == (
        [(0, 3), (4, 2, 3)],
        [(4, 2, 3)],
    )
    assert _infer("broadcast_mul", (0, 3), (4, 1, 3)) == (
        [(0, 3), (4, 1, 3)],
        [(4, 0, 3)],
    )
    # A partner of size 1 says nothing; the known output does.
    assert _infer("broadcast_sub", (2, 0), (2, 1)) == ([(2, 0), (2, 1)], [(2, 0)])
    assert _infer("broadcast_sub", (2, 0), (2, 1), out=[(2, 5)]) == (
        [(2, 5), (2, 1)],
        [(2, 5)],
    )
    assert _infer("broadcast_add", None, (2, 3)) == ([None, (2, 3)], [None])


def test_same_shape_infer_both_directions():
    assert _infer("elemwise_add", (0, 3), (2, 0)) == ([(2, 3), (2, 3)], [(2, 3)])
    assert _infer("_plus", None, (4, 5)) == ([(4, 5), (4, 5)], [(4, 5)])
    assert _infer("relu", (0, 7), out=[(3, 0)]) == ([(3, 7)], [(3, 7)])
    assert _infer("_mul_scalar", None, out=[(2, 2)], scalar=2) == ([(2, 2)], [(2, 2)])
    assert _infer("add_n", (0, 2), (3, 0), None, num_args=3) == (
        [(3, 2)] * 3,
        [(3, 2)],
    )


def test_infer_rejects_incompatible_shapes():
    with pytest.raises(registry.ShapeError, match=r"broadcast_add.*\(2, 3\).*\(4, 3\)"):
        _infer("broadcast_add", (2, 3), (4, 3))
    with pytest.raises(registry.ShapeError, match=r"elemwise_add.*\(2, 3\).*\(3, 2\)"):
        _infer("elemwise_add", (2, 3), (3, 2))


def test_bad_shapes_error_names_op_and_shapes():
    a, b = mx.nd.ones((2, 3)), mx.nd.ones((4, 3))
    with pytest.raises(MXNetError, match=r"broadcast_add.*\(2, 3\).*\(4, 3\)"):
        mx.nd.broadcast_add(a, b)
    with pytest.raises(MXNetError, match=r"elemwise_add.*\(2, 3\).*\(1, 3\)"):
        mx.nd.elemwise_add(a, mx.nd.ones((1, 3)))
    with pytest.raises(MXNetError, match=r"where.*condition.*\(3,\)"):
        mx.nd.where(mx.nd.ones((3,)), a, a)


def test_clip_requires_bounds_and_cast_requires_dtype():
    with pytest.raises(MXNetError, match=r"clip.*a_max"):
        mx.nd.clip(mx.nd.ones((2,)), a_min=0)
    with pytest.raises(MXNetError, match=r"Cast.*dtype"):
        mx.nd.Cast(mx.nd.ones((2,)))


def test_copy_ops_do_not_alias_input():
    x = mx.nd.array([1.0, 2.0])
    for fn in (mx.nd.identity, mx.nd.BlockGrad, mx.nd._internal._copy):
        y = fn(x)
        y[:] = 7
        assert x.asnumpy().tolist() == [1.0, 2.0]


def test_dtype_inference_rules():
    assert registry.get("Cast").run_infer_type(["float32"], {"dtype": "int32"}) == (
        ["float32"],
        ["int32"],
    )
    assert registry.get("broadcast_equal").run_infer_type(["int32", None], {}) == (
        ["int32", "int32"],
        ["int32"],
    )
    assert registry.get("where").run_infer_type(["int32", "float64", None], {})[1] == [
        "float64"
    ]


def test_variants_share_one_kernel():
    # "Variants are parameters, not copies": one math function per family.
    import neogluon.ops.elemwise as ew

    assert ew._BINARY["add"][0] is __import__("torch").add
    assert registry.get("_plus") is registry.get("elemwise_add")
    assert registry.get("broadcast_plus") is registry.get("broadcast_add")
