"""Checks the one-frame ``nd.<op>`` path makes after the torch call, not before.

``FullyConnected``'s bound kernel runs ``F.linear`` first and looks at the
result; the axis reductions run the torch reduction first; a single keyword is
looked up by its value. Every mismatch the old pre-checks caught must still
raise MXNet's error (nothing wrong may pass silently), and every odd shape must
give what the full kernel gives.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from neogluon.base import MXNetError

from .test_call_path import X
from .test_call_path import _ref
from .test_call_path import _same


# ------------------------------------------------------------- FullyConnected
@pytest.mark.parametrize(
    ("weight", "bias", "num_hidden", "match"),
    [
        ((4, 3), (4,), 5, r"weight has shape \(4, 3\) but num_hidden=5"),
        ((3,), (4,), 4, r"weight has shape \(3,\) but num_hidden=4"),
        ((4, 3, 1), (4,), 4, r"weight has shape \(4, 3, 1\)"),
        ((4, 3), (1,), 4, r"bias has shape \(1,\) but num_hidden=4"),  # broadcasts
        ((4, 3), (), 4, r"bias has shape \(\) but num_hidden=4"),  # broadcasts
        ((4, 3), (5,), 4, r"bias has shape \(5,\)"),
        ((4, 2), (4,), 4, r"weight of shape \(4, 2\) expects 2 input features"),
    ],
)
def test_fully_connected_mismatches_raise_mxnet_errors(weight, bias, num_hidden, match):
    x = nd.array(X)
    w, b = nd.ones(weight), nd.ones(bias) if bias else nd.array(1.0).reshape(())
    for _ in range(2):  # the second call runs the cached bound kernel
        with pytest.raises(MXNetError, match=match):
            nd.FullyConnected(x, w, b, num_hidden=num_hidden)


def test_fully_connected_column_bias_is_not_broadcast_over_rows():
    # A (num_hidden, 1) bias is MXNet's other bias shape; with a batch of
    # num_hidden rows, ``F.linear`` would broadcast it over the rows instead.
    x = nd.array(np.arange(12, dtype=np.float32).reshape(4, 3))
    w = nd.array(np.eye(4, 3, dtype=np.float32))
    b = nd.arange(4).reshape((4, 1))
    res = nd.FullyConnected(x, w, b, num_hidden=4)
    want = x.asnumpy() @ w.asnumpy().T + np.arange(4, dtype=np.float32)
    assert want.shape == (4, 4)
    np.testing.assert_array_equal(res.asnumpy(), want)
    _same(res, _ref("FullyConnected", x, w, b, num_hidden=4))


@pytest.mark.parametrize(
    ("data", "weight", "attrs"),
    [
        ((2, 5, 3), (4, 3), {"flatten": False}),
        ((2, 1, 3), (4, 3), {"flatten": True}),
        ((3,), (4, 3), {"flatten": False, "no_bias": True}),
        ((2, 3), (4, 3), {"no_bias": True}),
    ],
)
def test_fully_connected_shapes_match_invoke(data, weight, attrs):
    rng = np.random.default_rng(0)
    x = nd.array(rng.standard_normal(data).astype(np.float32))
    w = nd.array(rng.standard_normal(weight).astype(np.float32))
    ins = [x, w] if attrs.get("no_bias") else [x, w, nd.arange(4)]
    for _ in range(2):
        _same(
            nd.FullyConnected(*ins, num_hidden=4, **attrs),
            _ref("FullyConnected", *ins, num_hidden=4, **attrs),
        )


def test_fully_connected_one_dim_weight_with_one_dim_data_is_refused():
    # F.linear would return a 0-d result for these
    with pytest.raises(MXNetError, match=r"weight has shape \(3,\)"):
        nd.FullyConnected(
            nd.ones((3,)), nd.ones((3,)), num_hidden=1, no_bias=True, flatten=False
        )


def test_fully_connected_dtype_mix_and_grad():
    a = nd.ones((2, 3))
    with pytest.raises(MXNetError, match="does not promote"):
        nd.FullyConnected(
            a, nd.ones((4, 3)), nd.ones((4,), dtype="float64"), num_hidden=4
        )
    w = nd.ones((4, 3))
    w.attach_grad()
    y = nd.FullyConnected(a, w, nd.zeros((4,)), num_hidden=4)  # outside record()
    assert not y.to_torch().requires_grad
    with mx.autograd.record():
        y = nd.FullyConnected(a, w, nd.zeros((4,)), num_hidden=4)
    y.backward()
    np.testing.assert_array_equal(w.grad.asnumpy(), np.full((4, 3), 2.0))


# ------------------------------------------------------------- concat
def test_concat_errors_and_dtype_rule():
    a = nd.ones((2, 3))
    for _ in range(2):
        with pytest.raises(MXNetError, match="does not promote"):
            nd.concat(a, nd.ones((2, 3), dtype="float64"), dim=0)
        with pytest.raises(MXNetError, match="Concat"):
            nd.concat(a, nd.ones((2, 4)), dim=0)
    # the cached entry for two arrays does not answer three
    _same(nd.concat(a, a, dim=0), _ref("Concat", a, a, num_args=2, dim=0))
    _same(nd.concat(a, a, a, dim=0), _ref("Concat", a, a, a, num_args=3, dim=0))
    _same(nd.concat(a, a, dim=0), _ref("Concat", a, a, num_args=2, dim=0))


# ------------------------------------------------------------- dot
def test_dot_rank_and_size_errors():
    for _ in range(2):
        with pytest.raises(MXNetError, match=r"dot.*\(2, 3\).*\(2, 3\)"):
            nd.dot(nd.ones((2, 3)), nd.ones((2, 3)))
        with pytest.raises(MXNetError, match="batch_dot"):
            nd.batch_dot(nd.ones((2, 3)), nd.ones((3, 2)))
        with pytest.raises(MXNetError, match="batch_dot"):
            nd.batch_dot(nd.ones((2, 2, 3)), nd.ones((2, 2, 3)))
    v = nd.array([1.0, 2.0, 3.0])
    _same(nd.dot(v, v), _ref("dot", v, v))
    _same(
        nd.dot(nd.ones((2, 3, 2)), nd.ones((2, 4))),
        _ref("dot", nd.ones((2, 3, 2)), nd.ones((2, 4))),
    )


# ------------------------------------------------------------- reductions
@pytest.mark.parametrize("op", ["sum", "mean", "max", "min"])
@pytest.mark.parametrize(
    ("data", "axis"),
    [
        (np.arange(6, dtype=np.float32).reshape(2, 3), 1),
        (np.arange(6, dtype=np.float32).reshape(2, 3), -2),
        (np.arange(6, dtype=np.int32).reshape(2, 3), 0),  # int32 stays int32
        (np.arange(7, dtype=np.int32), 0),  # an integer mean truncates
        (np.arange(3, dtype=np.float32), 0),  # 1-D: shape (1,)
        (np.arange(6, dtype=np.float16).reshape(3, 2), 1),
        (np.array([True, False, True]).reshape(1, 3), 1),
    ],
)
def test_axis_reductions_match_the_kernel(op, data, axis):
    x = nd.array(data, dtype=data.dtype)
    for _ in range(2):
        _same(getattr(nd, op)(x, axis=axis), _ref(op, x, axis=axis))


@pytest.mark.parametrize("op", ["sum", "mean", "max", "argmax"])
def test_axis_reduction_errors(op):
    x = nd.ones((2, 3))
    for _ in range(2):
        with pytest.raises(MXNetError, match=r"axis 2 is out of range.*\(2, 3\)"):
            getattr(nd, op)(x, axis=2)
    with pytest.raises(MXNetError, match="axis"):
        getattr(nd, op)(nd.array(1.0).reshape(()), axis=0)


def test_float_axis_is_refused_after_an_int_axis_is_cached():
    x = nd.ones((2, 1, 3))
    for op in ("sum", "squeeze", "max"):
        getattr(nd, op)(x, axis=1)
        with pytest.raises(MXNetError, match="axis"):
            getattr(nd, op)(x, axis=1.0)
    # an int for a bool after a cached int, a bool for an int: MXNet parses alike
    _same(nd.softmax(nd.array(X), axis=1), nd.softmax(nd.array(X), axis=True))


def test_max_with_grad_keeps_mxnet_tie_gradient():
    x = nd.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    x.attach_grad()
    with mx.autograd.record():
        y = nd.max(x, axis=1)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 1, 1], [1, 0, 1]])
    y = nd.max(x, axis=1)  # outside record(): no graph
    assert not y.to_torch().requires_grad
    with mx.autograd.record():
        s = nd.sum(x, axis=0)
    s.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), np.ones((2, 3)))


def test_single_keyword_cache_keeps_values_apart():
    x = nd.array(X)
    for act in ("relu", "tanh", "relu", "sigmoid"):
        _same(nd.Activation(x, act_type=act), _ref("Activation", x, act_type=act))
    with pytest.raises(MXNetError, match="act_type"):
        nd.Activation(x, act_type=1)
    _same(nd.expand_dims(x, axis=0), _ref("expand_dims", x, axis=0))
    _same(nd.expand_dims(x, axis=True), _ref("expand_dims", x, axis=1))
    _same(nd.expand_dims(x, axis=1.0), _ref("expand_dims", x, axis=1))
    # a list value is unhashable: bound without the cache
    _same(nd.reshape(x, shape=[3, 2]), _ref("Reshape", x, shape=(3, 2)))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize(
    ("data", "axis"),
    [
        (np.array([[1.0, 5.0, 3.0], [7.0, 0.0, 2.0]], dtype=np.float32), 1),
        (np.array([[1.0, 5.0, 3.0], [7.0, 0.0, 2.0]], dtype=np.float32), -2),
        (np.array([[1, 5, 3], [7, 0, 2]], dtype=np.int32), 0),  # int32 indices
        (np.array([4.0, 9.0, 1.0], dtype=np.float64), 0),  # 1-D: shape (1,)
    ],
)
def test_arg_reductions_match_the_kernel(op, data, axis):
    x = nd.array(data, dtype=data.dtype)
    for _ in range(2):
        _same(getattr(nd, op)(x, axis=axis), _ref(op, x, axis=axis))


def test_positional_attributes_are_cached_by_value_and_type():
    x = nd.array(X)
    xi = nd.array([[-3, 1, 4]], dtype="int32")
    for lo, hi in ((0.5, 1.5), (0, 1), (0.0, 1.0), (0.5, 1.5), (True, 2)):
        _same(nd.clip(x, lo, hi), _ref("clip", x, a_min=lo, a_max=hi))
        _same(nd.clip(xi, lo, hi), _ref("clip", xi, a_min=lo, a_max=hi))
    with pytest.raises(MXNetError, match="a_min"):
        nd.clip(x, "low", 1.0)


def test_method_reshape_lets_torch_refuse_a_size_then_says_why():
    x = nd.array(X)
    for shape, want in (
        ((3, 2), (3, 2)),
        ([3, 2], (3, 2)),
        ((6,), (6,)),
        ((np.int64(3), 2), (3, 2)),
        ((0, -1), (2, 3)),  # MXNet's codes: 0 copies the input's dim
        ((-1, 2), (3, 2)),
    ):
        res = x.reshape(shape)
        assert res.shape == want
        np.testing.assert_array_equal(res.asnumpy().ravel(), X.ravel())
    assert x.reshape(3, 2).shape == (3, 2)
    with pytest.raises(
        MXNetError, match=r"\(4, 2\) has 8 elements but the input has 6"
    ):
        x.reshape((4, 2))
    x.attach_grad()
    with pytest.raises(MXNetError, match=r"\(4, 2\) has 8 elements"):
        x.reshape(4, 2)
    with mx.autograd.record():
        y = x.reshape((3, 2)) * 2
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), np.full((2, 3), 2.0))
