"""``NDArray.slice_assign`` / ``slice_assign_scalar`` / ``as_np_ndarray``.

Expected arrays were printed by MXNet 1.9.1 for the same calls (its docstring
examples and a stepped 2-D case).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError


def test_slice_assign_scalar_docstring_example():
    x = mx.nd.ones((2, 2, 2))
    y = x.slice_assign_scalar(0, (0, 0, None), (1, 1, None), (None, None, None))
    assert y is x
    np.testing.assert_array_equal(x.asnumpy(), [[[0, 0], [1, 1]], [[1, 1], [1, 1]]])


def test_slice_assign_docstring_example():
    x = mx.nd.ones((2, 2, 2))
    y = x.slice_assign(mx.nd.zeros((1, 1, 2)), (0, 0, None), (1, 1, None), (None,) * 3)
    assert y is x
    np.testing.assert_array_equal(x.asnumpy(), [[[0, 0], [1, 1]], [[1, 1], [1, 1]]])


def test_stepped_boxes():
    x = mx.nd.arange(10)
    x.slice_assign_scalar(7, (1,), (9,), (3,))
    np.testing.assert_array_equal(x.asnumpy(), [0, 7, 2, 3, 7, 5, 6, 7, 8, 9])
    x = mx.nd.arange(12).reshape((3, 4))
    x.slice_assign(mx.nd.zeros((2, 2)) - 1, (None, 1), (None, None), (2, 2))
    np.testing.assert_array_equal(
        x.asnumpy(), [[0, -1, 2, -1], [4, 5, 6, 7], [8, -1, 10, -1]]
    )


def test_slice_assign_shape_mismatch_raises():
    x = mx.nd.ones((2, 3))
    with pytest.raises(MXNetError):
        x.slice_assign(mx.nd.zeros((2, 2)), (0, 0), (2, 3), (1, 1))


def test_as_np_ndarray_shares_the_tensor():
    x = mx.nd.ones(2)
    y = x.as_np_ndarray()
    assert type(y) is mx.np.ndarray and y.to_torch() is x.to_torch()
