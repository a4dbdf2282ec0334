"""Fixes found by running MXNet 1.9.1's NumPy-interface unit tests against
neogluon (docs/conformance.md, section "NumPy interface suite (issue 8)")."""

from __future__ import annotations

import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import np
from neogluon import npx
from neogluon.base import MXNetError
from neogluon.numpy_op_signature import _get_builtin_op


@pytest.fixture(autouse=True)
def _np_mode():
    npx.set_np()
    yield
    npx.reset_np()


@pytest.mark.parametrize(
    ("op_name", "expected"),
    [
        ("_np_sum", lambda: mx.np.sum),
        ("_np_copy", lambda: mx.np.copy),
        ("_np__random_shuffle", lambda: mx.np.random.shuffle),
        ("_np__linalg_norm", lambda: mx.np.linalg.norm),
        ("_npx_relu", lambda: mx.npx.relu),
        ("_npx__image_resize", lambda: mx.npx.image.resize),
    ],
)
def test_get_builtin_op_maps_operator_names(op_name, expected):
    assert _get_builtin_op(op_name) is expected()


def test_get_builtin_op_other_prefix_is_none():
    assert _get_builtin_op("_npi_add") is None
    assert _get_builtin_op("broadcast_add") is None


def test_get_builtin_op_missing_function_names_it():
    with pytest.raises(ValueError, match="no function 'no_such_op'"):
        _get_builtin_op("_np_no_such_op")


@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_backward_through_a_cast_to_an_integer_np_head(dtype):
    # MXNet 1.9.1 passes the gradient through astype: x.grad is 2 (int32),
    # and 6 after a later integer multiply.
    x = np.ones((2, 2))
    x.attach_grad()
    with autograd.record():
        y = (x * 2).astype(dtype)
    y.backward()
    assert x.grad.asnumpy().tolist() == [[2.0, 2.0]] * 2
    with autograd.record():
        y = (x * 2).astype("int32") * 3
    y.backward()
    assert x.grad.asnumpy().tolist() == [[6.0, 6.0]] * 2


def test_empty_refuses_fortran_order():
    assert np.empty((2, 3), order="C").shape == (2, 3)
    with pytest.raises(NotImplementedError, match="order='F'"):
        np.empty((2, 3), "float32", "F")


@pytest.mark.parametrize(
    ("pvals", "size", "shape"),
    [
        ([], None, (0,)),
        ([], (3,), (3, 0)),
        ([0.5, 0.5], (4, 0), (4, 0, 2)),
        ([0.5, 0.5], 0, (0, 2)),
    ],
)
def test_multinomial_with_nothing_to_draw_is_empty(pvals, size, shape):
    for p in (pvals, np.array(pvals)):
        out = np.random.multinomial(10, p, size=size)
        assert out.shape == shape
        assert out.size == 0


def test_roll_broadcasts_shift_against_axis():
    import numpy as onp

    a = onp.arange(24).reshape(2, 3, 4)
    for shift, axis in [(1, (0, 1)), ((1, 2), (0, 2)), ((1, -1), 1), (2, None)]:
        got = np.roll(np.array(a), shift, axis=axis).asnumpy()
        onp.testing.assert_array_equal(got, onp.roll(a, shift, axis=axis))


@pytest.mark.parametrize(
    ("shape", "axis1", "axis2"),
    [((), 0, 1), ((2,), 0, 1), ((3, 2, 2), 1, 1), ((3, 2, 2), 0, -4)],
)
def test_trace_refuses_bad_axes_with_mxnet_error(shape, axis1, axis2):
    import numpy as onp

    with pytest.raises(MXNetError, match="two different axes"):
        np.trace(np.array(onp.zeros(shape)), axis1=axis1, axis2=axis2, offset=1)
