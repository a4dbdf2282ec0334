"""Indexing and assignment (docs/mxnet-behaviours.md, "Indexing and assignment") against MXNet 1.9.1 fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from neogluon import nd
from neogluon.base import MXNetError
from tests.conftest import load_fixture
from tests.ndarray.test_ndarray import env

_ERRORS = {
    "MXNetError": MXNetError,
    "TypeError": TypeError,
    "ValueError": ValueError,
    "IndexError": IndexError,
}
# Differs from MXNet 1.9.1 on purpose: legacy MXNet cannot hold zero-size
# arrays and raises MXNetError; we return the empty selection, as numpy does.
_ZERO_SIZE = {"v[3:1]": (0,), "z[:,5:]": (2, 0, 4)}


def _params(name):
    fix = load_fixture("ndarray", name)
    key = "expr" if name == "indexing" else "stmt"
    return [pytest.param(n, m, id=m[key]) for n, m in enumerate(fix["meta"])]


@pytest.mark.parametrize(("n", "meta"), _params("indexing"))
def test_getitem_values_and_views(n, meta):
    fix = load_fixture("ndarray", "indexing")
    e = env()
    expr = meta["expr"]
    if expr in _ZERO_SIZE:
        assert eval(expr, e).shape == _ZERO_SIZE[expr]  # noqa: S307
        return
    if meta["kind"] == "error":
        with pytest.raises(_ERRORS[meta["error"]]):
            eval(expr, e)  # noqa: S307
        return
    res = eval(expr, e)  # noqa: S307
    assert list(res.shape) == meta["shape"]
    assert res.dtype is np.dtype(meta["dtype"]).type
    np.testing.assert_array_equal(res.asnumpy(), fix[f"r{n}"])
    base = e[expr.split("[", 1)[0]]
    before = base.asnumpy().copy()
    res[:] = -7
    changed = not np.array_equal(before, base.asnumpy())
    assert changed == meta["view"], "view" if meta["view"] else "copy"


@pytest.mark.parametrize(("n", "meta"), _params("setitem"))
def test_setitem(n, meta):
    fix = load_fixture("ndarray", "setitem")
    e = env()
    if meta["kind"] == "error":
        with pytest.raises(_ERRORS[meta["error"]]):
            exec(meta["stmt"], e)  # noqa: S102
        return
    exec(meta["stmt"], e)  # noqa: S102
    base = e[meta["base"]]
    np.testing.assert_array_equal(base.asnumpy(), fix[f"r{n}"])


def test_section_2_3_pitfall_copy_then_write_does_nothing():
    z = nd.arange(24).reshape((2, 3, 4))
    z[:, 1][:] = -5
    assert not (z.asnumpy() == -5).any()
    z[:, 1] = -5
    assert (z.asnumpy()[:, 1] == -5).all()


def test_index_array_is_gather_not_mask():
    x = nd.array([10, 20, 30, 40])
    np.testing.assert_array_equal(x[nd.array([1, 0, 1, 0])].asnumpy(), [20, 10, 20, 10])
    with pytest.raises(ValueError, match="boolean_mask"):
        x[nd.array([1, 0, 1, 0], dtype="bool")]
    with pytest.raises(ValueError, match="boolean"):
        x[np.array([True, False, True, False])]


def test_advanced_index_out_of_range_raises():
    x = nd.arange(4)
    with pytest.raises(IndexError, match="axis 0 with size 4"):
        x[[0, 4]]


def test_setitem_rejects_non_array_values():
    x = nd.zeros((2,))
    with pytest.raises(TypeError, match="assignment"):
        x[:] = "ab"
    with pytest.raises(ValueError, match=r"cannot assign a value of shape \(3,\)"):
        x[:] = nd.ones((3,))


def test_negative_step_advanced_setitem_writes_through():
    x = nd.arange(12).reshape((3, 4))
    x[[0, 2], ::-2] = nd.array([[1, 2], [3, 4]])
    expect = np.arange(12, dtype=np.float32).reshape(3, 4)
    expect[[[0], [2]], [[3, 1]]] = [[1, 2], [3, 4]]
    np.testing.assert_array_equal(x.asnumpy(), expect)


def test_basic_indexing_slice_is_contiguous_agrees_with_numpy():
    from itertools import combinations_with_replacement
    from itertools import permutations

    x = np.arange(3 * 4 * 5).reshape(3, 4, 5)
    slices = [slice(None), slice(2), slice(1, 3), slice(None, None, 2), slice(0, 1)]
    slices.append(slice(None, None, -1))
    rule = nd.NDArray._basic_indexing_slice_is_contiguous
    for idx in combinations_with_replacement(slices, 3):
        for key in permutations(idx):
            assert rule(key, x.shape) == x[key].flags.c_contiguous, key
