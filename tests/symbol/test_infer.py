"""Shape/dtype inference: MXNet's results, and bidirectional inference beyond it."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.ops.registry import ShapeError
from neogluon.symbol.infer import infer_shapes
from neogluon.symbol.infer import infer_types
from neogluon.symbol.infer import unknown_shape_message
from tests.conftest import load_fixture
from tests.symbol.test_json import build

S = mx.sym


def _as_lists(shapes):
    return [list(s) for s in shapes]


@pytest.mark.parametrize(
    ("case", "given"),
    [
        ("mlp", {"data": (4, 5)}),
        ("conv_bn_pool", {"data": (2, 3, 6, 6)}),
        ("arith", {"a": (2, 3), "b": (2, 3)}),
        ("auto_named", {"x": (4, 5)}),
    ],
)
def test_infer_shape_matches_mxnet(case, given):
    fx = load_fixture("symbol", case)["shapes"]
    s = build(case)
    arg, out, aux = s.infer_shape(**given)
    assert dict(zip(s.list_arguments(), _as_lists(arg), strict=True)) == fx["arg"]
    assert _as_lists(out) == fx["out"]
    assert (
        dict(zip(s.list_auxiliary_states(), _as_lists(aux), strict=True)) == fx["aux"]
    )


def test_infer_shape_positional_follows_list_arguments():
    s = build("mlp")
    assert s.infer_shape((4, 5))[1] == [(4, 3)]


def test_infer_shape_partial_matches_mxnet():
    fx = load_fixture("symbol", "partial")
    arg, out, aux = build("partial").infer_shape_partial(x=(2, 5))
    assert _as_lists(arg) == fx["arg"]
    assert _as_lists(out) == fx["out"]
    assert _as_lists(aux) == fx["aux"]


def test_incomplete_infer_shape_warns_and_returns_none():
    with pytest.warns(UserWarning, match=r"Cannot decide shape.*\n\ty: \(\)"):
        res = build("partial").infer_shape(x=(2, 5))
    assert res == (None, None, None)


def test_dot_transpose_b_fills_weight_backwards():
    # MXNet 1.9.1 cannot infer w here; we must.
    x = S.var("x")
    w = S.var("w", shape=(3, 0))
    y = S.dot(x, w, transpose_b=True)
    arg, out, _ = y.infer_shape(x=(4, 5))
    assert arg == [(4, 5), (3, 5)]
    assert out == [(4, 3)]


def test_partner_fill_across_ops():
    # Each elementwise op fills its unknown input from its partner; the
    # information travels from a later op back to an earlier variable.
    a = S.var("a", shape=(2, 0))
    b = S.var("b", shape=(0, 7))
    c = S.elemwise_add(a, S.var("p"))
    d = S.elemwise_mul(S.relu(b), S.var("q", shape=(2, 0)))
    shapes = infer_shapes(S.Group([c, d]), {"p": (0, 7)})
    assert shapes["a"] == (2, 7)
    assert shapes["p"] == (2, 7)
    assert shapes["q"] == (2, 7)


def test_seeded_var_shape_and_given_shape_override():
    w = S.var("w", shape=(3, 4))
    y = S.relu(w)
    assert y.infer_shape()[1] == [(3, 4)]
    assert y.infer_shape(w=(5, 6))[1] == [(5, 6)]


def test_contradiction_names_node_op_and_shapes():
    x = S.var("x")
    y = S.FullyConnected(x, num_hidden=3, name="fc1")
    with pytest.raises(
        ShapeError, match=r"fc1.*FullyConnected.*\(4, 5\).*data=\(2, 5\)"
    ):
        y.infer_shape(x=(2, 5), fc1_weight=(4, 5))


def test_unknown_keyword_lists_candidates():
    with pytest.raises(mx.MXNetError, match=r"zz not found(.|\n)*\[0\]data"):
        build("mlp").infer_shape(zz=(2, 5))


def test_infer_shapes_api_and_message():
    x = S.var("x")
    w = S.var("w", shape=(0, 0))
    y = S.Group([S.relu(x), S.relu(w)])
    shapes = infer_shapes(y, {"x": (2, 3)})
    assert shapes["x"] == (2, 3)
    assert shapes[y.list_outputs()[0]] == (2, 3)
    msg = unknown_shape_message(shapes, ["x", "w"])
    assert msg.startswith(
        "Cannot decide shape for the following arguments (0s in shape means unknown dimensions)"
    )
    assert "\n\tw: (0, 0)" in msg
    assert "\tx:" not in msg


def test_infer_type_from_input_dtype():
    s = build("mlp")
    arg, out, aux = s.infer_type(data="float16")
    assert arg == [np.float16] * 5
    assert out == [np.float16]
    assert aux == []
    assert infer_types(s, {"data": np.float64})["fc2_weight"] == "float64"


def test_infer_type_from_var_dtype_attr():
    x = S.var("x", dtype="int32")
    y = S.relu(x)
    assert y.infer_type()[1] == [np.int32]


def test_incomplete_infer_type_warns():
    with pytest.warns(UserWarning, match="Cannot decide type"):
        assert build("mlp").infer_type() == (None, None, None)
    assert build("mlp").infer_type_partial()[1] == [None]


def test_conflict_between_consumers_names_node_and_input():
    # x is fixed by the first relu's partner; the second op wants another shape.
    x = S.var("x")
    a = S.elemwise_add(x, S.var("p", shape=(2, 3)), name="add1")
    b = S.elemwise_add(x, S.var("q", shape=(4, 3)), name="add2")
    with pytest.raises(ShapeError, match=r"add[12] \(elemwise_add\).*\((2|4), 3\)"):
        infer_shapes(S.Group([a, b]), {})
