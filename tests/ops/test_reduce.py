"""Reductions vs. MXNet 1.9.1 and their shape rules."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry
from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", load_cases("reduce"), ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, path=path)


def _infer(op, *shapes, **attrs):
    d = registry.get(op)
    return d.infer_shape(list(shapes), d.parse_attrs(attrs))


def test_reduce_infer_shapes():
    assert _infer("sum", (2, 3, 4)) == ([(2, 3, 4)], [(1,)])
    assert _infer("mean", (2, 0, 4), axis=1, exclude=True) == ([(2, 0, 4)], [(0,)])
    assert _infer("max", (2, 3, 4), axis=(0, 2), keepdims=True) == (
        [(2, 3, 4)],
        [(1, 3, 1)],
    )
    assert _infer("argmax", (2, 3)) == ([(2, 3)], [(1,)])
    assert _infer("norm", (2, 3), axis=1) == ([(2, 3)], [(2,)])


def test_full_reduction_is_shape_1_and_keeps_dtype():
    x = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    for fn in (mx.nd.sum, mx.nd.mean, mx.nd.max, mx.nd.prod):
        out = fn(x)
        assert out.shape == (1,) and out.dtype == np.int32
    assert mx.nd.argmax(mx.nd.ones((2, 2))).dtype == np.float32


def test_bad_axis_error_names_op_and_shape():
    with pytest.raises(MXNetError, match=r"sum.*axis 3.*\(2, 3\)"):
        mx.nd.sum(mx.nd.ones((2, 3)), axis=3)
    with pytest.raises(registry.ShapeError, match=r"mean.*axis 5"):
        _infer("mean", (2, 3), axis=5)
