"""dot/batch_dot/gemm vs. MXNet 1.9.1 and two-way shape inference."""

from __future__ import annotations

import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry
from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", load_cases("linalg"), ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, path=path)


def _infer(op, *shapes, out=None, **attrs):
    d = registry.get(op)
    return d.infer_shape(list(shapes), d.parse_attrs(attrs), out)


def test_dot_infer_fills_weight_both_directions():
    # The deferred-init case MXNet 1.9.1 cannot solve.
    assert _infer("dot", (4, 5), (3, 0), transpose_b=True) == (
        [(4, 5), (3, 5)],
        [(4, 3)],
    )
    assert _infer("dot", (0, 5), (5, 3)) == ([(0, 5), (5, 3)], [(0, 3)])
    assert _infer("dot", (4, 0), (0, 3), out=[(4, 3)]) == ([(4, 0), (0, 3)], [(4, 3)])
    assert _infer("dot", (2, 0, 0), (0, 6), out=[(2, 7, 6)]) == (
        [(2, 7, 0), (0, 6)],
        [(2, 7, 6)],
    )
    assert _infer("dot", (5, 4), (0, 3), transpose_a=True) == (
        [(5, 4), (5, 3)],
        [(4, 3)],
    )
    assert _infer("dot", (3,), (0,)) == ([(3,), (3,)], [(1,)])


def test_batch_dot_and_gemm_infer():
    assert _infer("batch_dot", (2, 3, 4), (0, 5, 0), transpose_b=True) == (
        [(2, 3, 4), (2, 5, 4)],
        [(2, 3, 5)],
    )
    assert _infer("batch_dot", (0, 3, 0), (2, 4, 5), out=[(2, 3, 5)]) == (
        [(2, 3, 4), (2, 4, 5)],
        [(2, 3, 5)],
    )
    assert _infer("_linalg_gemm", (2, 3), (0, 4), (0, 0)) == (
        [(2, 3), (3, 4), (2, 4)],
        [(2, 4)],
    )


def test_dot_shape_errors_name_op_and_shapes():
    with pytest.raises(MXNetError, match=r"dot.*\(2, 3\).*\(4, 3\)"):
        mx.nd.dot(mx.nd.ones((2, 3)), mx.nd.ones((4, 3)))
    with pytest.raises(MXNetError, match=r"batch_dot.*\(2, 3, 4\).*\(2, 5, 4\)"):
        mx.nd.batch_dot(mx.nd.ones((2, 3, 4)), mx.nd.ones((2, 5, 4)))
    with pytest.raises(registry.ShapeError, match=r"dot.*\(4, 5\).*\(3, 4\)"):
        _infer("dot", (4, 5), (3, 4), transpose_b=True)
