"""mx.test_utils, mx.util and mx.random."""

from __future__ import annotations

import os

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from neogluon import test_utils as tu
from neogluon.base import MXNetError


def test_default_tolerances_per_dtype():
    assert tu.get_rtol(None, np.float16) == 1e-2
    assert tu.get_rtol(None, np.float32) == 1e-4
    assert tu.get_rtol(None, np.float64) == 1e-5
    assert tu.get_atol(None, np.float16) == 1e-1
    assert tu.get_atol(None, np.float32) == 1e-3
    assert tu.get_atol(None, np.float64) == 1e-20
    assert tu.get_atol(None, np.int32) == 0


def test_assert_almost_equal_uses_dtype_defaults():
    a = nd.array([1.0, 2.0])
    tu.assert_almost_equal(a, nd.array([1.0005, 2.0]))  # f32 atol 1e-3
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(
            a.astype("float64"), nd.array([1.0005, 2.0], dtype="float64")
        )
    # float16 on either side loosens to float16's tolerances
    tu.assert_almost_equal(np.array([1.05], np.float16), np.array([1.0], np.float32))
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(
            nd.array([1, 2], dtype="int32"), nd.array([1, 3], dtype="int32")
        )


def test_assert_almost_equal_message_lists_worst_mismatches():
    a = np.zeros((3, 4), np.float32)
    b = a.copy()
    b[1, 2] = 5.0
    b[2, 3] = 0.5
    with pytest.raises(AssertionError) as info:
        tu.assert_almost_equal(a, b, names=("ours", "ref"), mismatches=(1, 10))
    msg = str(info.value)
    assert "2 of 12 elements mismatch" in msg
    assert "Location (1, 2): ours=np.float32(0.0), ref=np.float32(5.0)" in msg
    assert "(2, 3)" not in msg.split("ours:")[0]


def test_assert_almost_equal_options():
    tu.assert_almost_equal(np.array([np.nan, 1]), np.array([np.nan, 1]), equal_nan=True)
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(np.array([np.nan]), np.array([np.nan]))
    tu.assert_almost_equal(np.ones((2, 3)), np.ones(3))
    with pytest.raises(AssertionError, match="not equal"):
        tu.assert_almost_equal(np.ones((2, 3)), np.ones(3), use_broadcast=False)
    tu.assert_almost_equal(np.array([1.0]), np.array([1.1]), rtol=0.2, atol=0)
    tu.assert_almost_equal(
        np.array([1.0], np.float32),
        np.array([1.1], np.float32),
        rtol={np.dtype(np.float32): 0.2},
    )
    tu.assert_almost_equal(np.array([True]), np.array([True]))


def test_almost_equal_and_same():
    assert tu.almost_equal(np.array([1.0]), np.array([1.0 + 1e-7]))
    # almost_equal defaults to the float64 tolerances, as in MXNet
    assert not tu.almost_equal(np.array([1.0]), np.array([1.001]))
    assert tu.same(nd.array([1, 2]), np.array([1, 2], np.float32))
    assert not tu.same(np.array([1, 2]), np.array([1, 3]))


def test_context_defaults():
    assert tu.default_context() == mx.cpu()
    tu.set_default_context(mx.cpu(1))
    try:
        assert tu.default_context() == mx.cpu(1)
    finally:
        tu.set_default_context(mx.cpu())
    assert tu.list_gpus() == list(range(mx.num_gpus()))


def test_random_shapes_and_arrays():
    for _ in range(20):
        s = tu.rand_shape_2d(3, 4)
        assert 1 <= s[0] <= 3 and 1 <= s[1] <= 4
        assert all(1 <= d <= 5 for d in tu.rand_shape_3d(5, 5, 5))
        s = tu.rand_shape_nd(4, 2)
        assert len(s) == 4 and all(1 <= d <= 2 for d in s)
    x = tu.rand_ndarray((50, 40))
    assert x.dtype is np.float32 and x.shape == (50, 40)
    v = x.asnumpy()
    assert v.min() >= 0 and v.max() < 1 and abs(v.mean() - 0.5) < 0.05
    sparse_ish = tu.rand_ndarray((100, 100), density=0.1).asnumpy()
    assert abs((sparse_ish != 0).mean() - 0.1) < 0.03
    with pytest.raises(ValueError, match="sparse"):
        tu.rand_ndarray((2, 2), stype="csr")
    a, b = tu.random_arrays((2, 3), (4,))
    assert a.shape == (2, 3) and b.shape == (4,) and a.dtype == np.float32


def test_environment_restores():
    os.environ.pop("NEOGLUON_TEST_X", None)
    os.environ["NEOGLUON_TEST_Y"] = "y"
    with tu.environment({"NEOGLUON_TEST_X": "1", "NEOGLUON_TEST_Y": None}):
        assert os.environ["NEOGLUON_TEST_X"] == "1"
        assert "NEOGLUON_TEST_Y" not in os.environ
    assert "NEOGLUON_TEST_X" not in os.environ
    assert os.environ.pop("NEOGLUON_TEST_Y") == "y"
    with tu.environment("NEOGLUON_TEST_X", "2"):
        assert mx.util.getenv("NEOGLUON_TEST_X") == "2"
    with pytest.raises(ValueError):
        with tu.environment("a", "b", "c"):
            pass


def test_check_numeric_gradient_on_nd_function():
    x = np.array([[0.3, -1.2, 2.0]], np.float32)
    w = np.array([[0.5, 1.5, -0.7]], np.float32)
    tu.check_numeric_gradient(lambda a, b: a * b + a * a, [x, w], rtol=1e-2, atol=1e-3)
    if hasattr(nd, "tanh"):
        tu.check_numeric_gradient(lambda a: nd.tanh(a), [x], rtol=1e-2, atol=1e-3)


def test_check_numeric_gradient_detects_wrong_gradient():
    class Wrong(mx.autograd.Function):
        def forward(self, a):
            return a * a

        def backward(self, dy):
            return dy  # wrong: should be 2 * a * dy

    x = np.array([1.0, 2.0, 3.0], np.float32)
    with pytest.raises(AssertionError, match="NUMERICAL_0"):
        tu.check_numeric_gradient(lambda a: Wrong()(a), [x], rtol=1e-2, atol=1e-3)


def test_util_switches():
    assert mx.util.is_np_array() is False
    assert mx.util.is_np_shape() is False
    assert mx.util.set_np_shape(False) is False
    with pytest.raises(MXNetError, match="not supported"):
        mx.util.set_np_shape(True)


def test_random_seed_reproducible():
    if not hasattr(nd.random, "uniform"):
        pytest.skip("nd.random.uniform not registered")
    mx.random.seed(42)
    a = nd.random.uniform(shape=(5,)).asnumpy()
    mx.random.seed(42)
    b = nd.random.uniform(shape=(5,)).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert mx.random.uniform is nd.random.uniform
    mx.random.seed(7, ctx=mx.cpu())
    c = nd.random.uniform(shape=(5,)).asnumpy()
    mx.random.seed(7, ctx=mx.cpu())
    np.testing.assert_array_equal(c, nd.random.uniform(shape=(5,)).asnumpy())
    with pytest.raises(ValueError, match="non-negative"):
        mx.random.seed(-1)


def test_module_paths_resolve():
    import neogluon.base
    import neogluon.context
    import neogluon.ndarray.ndarray
    import neogluon.random
    import neogluon.test_utils
    import neogluon.util

    assert neogluon.ndarray.ndarray.NDArray is nd.NDArray
    assert neogluon.base.MXNetError is mx.MXNetError
    assert neogluon.context.Context is mx.Context
    assert mx.test_utils is neogluon.test_utils and mx.rnd is neogluon.random


def test_check_numeric_gradient_on_symbols_passes_and_catches_wrong_gradients():
    import neogluon as mx
    from neogluon.test_utils import check_numeric_gradient

    rs = np.random.RandomState(0)
    x, w = mx.sym.var("x"), mx.sym.var("w")
    y = mx.sym.tanh(mx.sym.FullyConnected(x, w, num_hidden=3, no_bias=True))
    loc = {"x": rs.rand(2, 4).astype("float32"), "w": rs.rand(3, 4).astype("float32")}
    check_numeric_gradient(y, loc, numeric_eps=1e-3, rtol=1e-2, atol=1e-3)
    # BlockGrad hides one factor from the analytic gradient: x (analytic) vs
    # 2x (numeric) must be reported.
    bad = mx.sym.BlockGrad(x) * x
    with pytest.raises(AssertionError):
        check_numeric_gradient(bad, {"x": rs.rand(2, 4).astype("float32") + 0.5})
