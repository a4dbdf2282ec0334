"""Shape ops, reshape codes and creation ops vs. MXNet 1.9.1, plus shape inference."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry
from neogluon.ops.shape import infer_reshape
from tests.conftest import load_fixture
from tests.ops.op_check import check_case
from tests.ops.op_check import load_cases


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", load_cases("shape"), ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, path=path)


_CODES = load_fixture("ops_math", "reshape_codes")


@pytest.mark.parametrize(
    "row", _CODES["cases"], ids=lambda r: f"{r['in']}-{r['spec']}-{r['reverse']}"
)
def test_reshape_codes_match_mxnet(row):
    assert infer_reshape(tuple(row["in"]), tuple(row["spec"]), row["reverse"]) == tuple(
        row["out"]
    )
    x = mx.nd.zeros(tuple(row["in"]))
    assert x.reshape(tuple(row["spec"]), reverse=row["reverse"]).shape == tuple(
        row["out"]
    )


@pytest.mark.parametrize(
    "row", _CODES["errors"], ids=lambda r: f"{r['in']}-{r['spec']}"
)
def test_bad_reshape_specs_raise(row):
    with pytest.raises(registry.ShapeError, match=r"Reshape.*cannot reshape"):
        infer_reshape(tuple(row["in"]), tuple(row["spec"]), False)
    with pytest.raises(MXNetError, match=r"Reshape"):
        mx.nd.reshape(mx.nd.zeros(tuple(row["in"])), shape=tuple(row["spec"]))


@pytest.mark.parametrize("case", load_cases("creation"), ids=lambda c: c.name)
def test_creation_ops_match_mxnet(case):
    check_case(case)


def _infer(op, *shapes, out=None, **attrs):
    d = registry.get(op)
    return d.infer_shape(list(shapes), d.parse_attrs(attrs), out)


def test_reshape_infer_with_unknown_dims():
    # -1 stays unknown while an input dim is unknown (as in MXNet).
    assert infer_reshape((0, 3, 4), (0, -1), False) == (0, 0)
    assert infer_reshape((0, 3, 4), (-1, 4), False) == (0, 4)
    assert _infer("Reshape", (0, 3, 4), shape=(0, -3)) == ([(0, 3, 4)], [(0, 12)])
    # Backward: one unknown input dim from a known output.
    assert _infer("Reshape", (0, 3, 4), out=[(24,)], shape=(-1,)) == (
        [(2, 3, 4)],
        [(24,)],
    )


def test_flatten_transpose_infer():
    assert _infer("Flatten", (2, 0, 4), out=[(2, 12)]) == ([(2, 3, 4)], [(2, 12)])
    assert _infer("transpose", (0, 3, 4)) == ([(0, 3, 4)], [(4, 3, 0)])
    assert _infer("transpose", None, out=[(4, 3, 2)], axes=(2, 0, 1)) == (
        [(3, 2, 4)],
        [(4, 3, 2)],
    )


def test_concat_infer_fills_other_dims_both_ways():
    assert _infer("Concat", (2, 0), (0, 3), num_args=2, dim=1) == (
        [(2, 0), (2, 3)],
        [(2, 0)],
    )
    assert _infer("Concat", (0, 2), (4, 0), out=[(4, 5)], num_args=2, dim=1) == (
        [(4, 2), (4, 3)],
        [(4, 5)],
    )
    assert _infer("concat", (2, 3, 0), (0, 0, 5), num_args=2, dim=0) == (
        [(2, 3, 5), (0, 3, 5)],
        [(0, 3, 5)],
    )
    with pytest.raises(registry.ShapeError, match=r"Concat.*except on.*dim=1|Concat"):
        _infer("Concat", (2, 3), (4, 3), num_args=2, dim=1)


def test_stack_split_broadcast_to_infer():
    assert _infer("stack", (0, 3), (2, 0), num_args=2, axis=1) == (
        [(2, 3), (2, 3)],
        [(2, 2, 3)],
    )
    assert _infer("split", (4, 0), num_outputs=2, axis=0) == ([(4, 0)], [(2, 0)] * 2)
    assert _infer("broadcast_to", (1, 3), shape=(4, 0)) == ([(1, 3)], [(4, 3)])


def test_shape_errors_name_op_and_shapes():
    x = mx.nd.ones((2, 3))
    with pytest.raises(MXNetError, match=r"Concat.*\(2, 3\).*\(3, 3\)"):
        mx.nd.concat(x, mx.nd.ones((3, 3)), dim=1)
    with pytest.raises(MXNetError, match=r"SliceChannel.*\(2, 3\).*num_outputs=2"):
        mx.nd.split(x, num_outputs=2)
    with pytest.raises(MXNetError, match=r"broadcast_to.*\(2, 3\).*\(4, 3\)"):
        mx.nd.broadcast_to(x, shape=(4, 3))
    with pytest.raises(MXNetError, match=r"transpose.*\(0, 0\)"):
        mx.nd.transpose(x, axes=(0, 0))
    with pytest.raises(MXNetError, match=r"squeeze.*\(2, 3\)"):
        mx.nd.squeeze(x, axis=0)


def test_split_outputs_do_not_alias_input():
    x = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
    a, _ = mx.nd.split(x, num_outputs=2, axis=0)
    a[:] = 0
    assert x.asnumpy().tolist() == [[1.0, 2.0], [3.0, 4.0]]
    y = mx.nd.reshape(x, shape=(-1,))
    y[:] = 0
    assert float(x.asnumpy().sum()) == 10.0


def test_shape_array_is_int64():
    out = mx.nd.shape_array(mx.nd.ones((2, 3, 4)))
    assert out.dtype == np.int64 and out.asnumpy().tolist() == [2, 3, 4]
