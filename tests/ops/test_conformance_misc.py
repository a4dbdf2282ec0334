"""Operator behaviours pinned by MXNet 1.9.1's test_operator.py (indexing,
linalg, shape rules, errors). References from real MXNet
(``tools/fixtures/ops_conformance.py``, case ``misc_ops``).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture

FX = load_fixture("ops_conformance", "misc_ops")
S = mx.sym


@pytest.mark.parametrize(
    ("shape", "key"), [((6, 7), "unravel_out"), ((-1, 7), "unravel_out_m1")]
)
def test_unravel_index_leading_coordinate_is_unbounded(shape, key):
    out = mx.nd.unravel_index(mx.nd.array(FX["unravel_idx"]), shape=shape)
    np.testing.assert_array_equal(out.asnumpy(), FX[key])


@pytest.mark.parametrize("n", [2, 5, 6, 10])
def test_histogram_edges_and_counts(n):
    cnt, edges = mx.nd.histogram(mx.nd.array(FX["hist_x"]), bins=n, range=(-2.5, 2.5))
    np.testing.assert_array_equal(edges.asnumpy(), FX[f"hist_edges{n}"])
    np.testing.assert_array_equal(cnt.asnumpy(), FX[f"hist_cnt{n}"])


@pytest.mark.parametrize("lower", [True, False])
def test_potrf_potri_lower_attribute(lower):
    a = mx.nd.array(FX["chol_a"], dtype="float64")
    f = mx.nd.linalg.potrf(a, lower=lower)
    np.testing.assert_allclose(f.asnumpy(), FX[f"potrf_{lower}"], rtol=1e-10)
    inv = mx.nd.linalg.potri(f, lower=lower)
    np.testing.assert_allclose(inv.asnumpy(), FX[f"potri_{lower}"], rtol=1e-10)
    sym = S.linalg.potrf(S.var("A"), lower=lower)
    assert f'"lower": "{lower}"' in sym.tojson()


def test_slice_partial_shapes():
    v = S.var("data", shape=(0, 20))
    for b, e, st, out in FX["slice_cases"]:
        got = S.slice(v, begin=tuple(b), end=tuple(e), step=tuple(st))
        assert list(got.infer_shape_partial()[1][0]) == out
    v = S.var("data", shape=(10, 0))
    for ax, bg, en, out in FX["slice_axis_cases"]:
        got = S.slice_axis(v, axis=ax, begin=bg, end=en)
        assert list(got.infer_shape_partial()[1][0]) == out


def test_depth_space_reject_zero_dims_and_block_size():
    with pytest.raises(MXNetError, match="zero-size"):
        mx.nd.depth_to_space(mx.nd.ones((1, 4, 0, 3)), 2)
    with pytest.raises(MXNetError, match="block_size must be positive"):
        mx.nd.space_to_depth(mx.nd.ones((1, 4, 2, 2)), 0)


def test_pooling_same_convention():
    x = mx.nd.ones((1, 1, 10))
    # MXNet reads only as many pad values as the kernel has dims.
    y = mx.nd.Pooling(
        x, kernel=2, stride=2, pad=(0, 0, 0), pool_type="max", pooling_convention="same"
    )
    assert y.shape == (1, 1, 5)
    with pytest.raises(MXNetError, match="pad must be 0"):
        mx.nd.Pooling(
            x, kernel=2, stride=2, pad=2, pool_type="max", pooling_convention="same"
        )


def test_gather_nd_out_of_bounds_is_an_index_error():
    data = mx.nd.array([[0, 1, 2], [3, 4, 5]])
    for bad in ([[0, 1, 0], [0, 1, 3]], [[0, 1, 0], [0, 1, -5]]):
        with pytest.raises(IndexError, match="out of bounds"):
            mx.nd.gather_nd(data, mx.nd.array(bad)).asnumpy()
    ok = mx.nd.gather_nd(data, mx.nd.array([[0, 1], [0, -1]]))
    np.testing.assert_array_equal(ok.asnumpy(), [0.0, 5.0])


def test_executor_backward_before_forward_and_integer_arguments():
    x = S.var("x")
    exe = S.repeat(x, repeats=2, axis=0).bind(
        mx.cpu(), [mx.nd.array([[1.0, 2.0]])], args_grad=[mx.nd.zeros((1, 2))]
    )
    exe.backward(mx.nd.array([[1.0, 2.0], [3.0, 4.0]]))  # no forward first
    np.testing.assert_allclose(exe.grad_arrays[0].asnumpy(), [[4.0, 6.0]])

    y = S.Cast(S.var("x", dtype="int32"), dtype="float32")
    exe = y.simple_bind(mx.cpu(), x=(2, 2))
    exe.grad_arrays[0][:] = 5
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((2, 2)))  # integer argument: zero gradient
    assert exe.grad_arrays[0].dtype == np.int32
    np.testing.assert_array_equal(exe.grad_arrays[0].asnumpy(), np.zeros((2, 2)))


def test_smooth_l1_scalar_defaults_to_one():
    out = mx.nd.smooth_l1(mx.nd.array(FX["smooth_l1_x"]))
    np.testing.assert_allclose(out.asnumpy(), FX["smooth_l1_default"], rtol=1e-6)
