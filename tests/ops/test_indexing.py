"""Indexing and sorting ops vs. MXNet 1.9.1."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry
from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", load_cases("indexing"), ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, path=path)


def test_take_raise_mode_reports_index():
    with pytest.raises(MXNetError, match=r"take.*index 5.*size 4"):
        mx.nd.take(mx.nd.ones((4, 2)), mx.nd.array([1, 5]), mode="raise")


def test_index_inputs_exempt_from_dtype_rule():
    out = mx.nd.take(mx.nd.ones((4, 2), dtype="float64"), mx.nd.array([1, 2]))
    assert out.dtype == np.float64
    out = mx.nd.pick(mx.nd.ones((2, 3)), mx.nd.array([0, 2], dtype="int32"))
    assert out.shape == (2,)


def test_index_op_dtypes():
    d = registry.get("one_hot")
    assert d.run_infer_type(["int32"], d.parse_attrs({"depth": 3}))[1] == ["float32"]
    assert d.infer_shape([(2, 0)], d.parse_attrs({"depth": 3})) == (
        [(2, 0)],
        [(2, 0, 3)],
    )
    t = registry.get("topk")
    both = t.parse_attrs({"ret_typ": "both"})
    assert t.run_infer_type(["float64"], both)[1] == ["float64", "float32"]
    assert registry.get("argsort").run_infer_type(["float64"], {"dtype": None})[1] == [
        "float32"
    ]


def test_pick_bad_index_shape_names_shapes():
    with pytest.raises(MXNetError, match=r"pick.*\(3,\).*\(2,\)"):
        mx.nd.pick(mx.nd.ones((2, 3)), mx.nd.array([0, 1, 2]))


def test_pick_on_1d_data_keeps_legacy_shape_one():
    # MXNet 1.9.1: nd.pick(nd.array([1, 2, 3]), nd.array([1])).shape == (1,)
    import neogluon as mx

    out = mx.nd.pick(mx.nd.array([1, 2, 3]), mx.nd.array([1]))
    assert out.shape == (1,)
    assert out.asscalar() == 2
