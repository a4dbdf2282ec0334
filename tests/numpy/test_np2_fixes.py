"""Second round of fixes from MXNet 1.9.1's NumPy-interface unit tests
(test_numpy_op.py / test_numpy_gluon.py / test_numpy_ndarray.py)."""

from __future__ import annotations

import numpy as onp
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import np
from neogluon import npx
from neogluon.base import MXNetError
from neogluon.gluon import HybridBlock


@pytest.fixture(autouse=True)
def _np_mode():
    npx.set_np()
    yield
    npx.reset_np()


class _Matmul(HybridBlock):
    def hybrid_forward(self, F, a, b):
        return F.np.matmul(a, b)


@pytest.mark.parametrize("hybridize", [False, True])
def test_null_variable_loses_grad_after_backward(hybridize):
    # MXNet 1.9.1: a grad_req='null' variable the freed graph used has no grad
    net = _Matmul()
    if hybridize:
        net.hybridize()
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([0.5, -1.0])
    a.attach_grad(grad_req="null")
    b.attach_grad()
    assert a.grad is not None
    with autograd.record():
        out = net(a, b)
    out.backward()
    assert a.grad is None
    onp.testing.assert_allclose(b.grad.asnumpy(), [4.0, 6.0])


@pytest.mark.parametrize(
    ("sa", "sb"), [((1,), (2,)), ((2, 1), (2,)), ((1,), ()), ((2, 2, 1), (3, 1, 2))]
)
def test_matmul_bad_shapes_raise_mxnet_error(sa, sb):
    with pytest.raises(MXNetError, match="_npi_matmul"):
        np.matmul(np.ones(sa), np.ones(sb))


class _Average(HybridBlock):
    def __init__(self, axis=None, returned=False):
        super().__init__()
        self._axis = axis
        self._returned = returned

    def hybrid_forward(self, F, a, weights=None):
        return F.np.average(
            a, weights=weights, axis=self._axis, returned=self._returned
        )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("returned", [False, True])
def test_hybridized_average(weighted, returned):
    a_np = onp.arange(24, dtype="float32").reshape(2, 3, 4)
    w_np = onp.array([1.0, 2.0, 5.0], dtype="float32") if weighted else None
    net = _Average(axis=1, returned=returned)
    net.hybridize()
    w = np.array(w_np) if weighted else None
    out = net(np.array(a_np), w)
    expected = onp.average(a_np, axis=1, weights=w_np, returned=returned)
    if returned:
        onp.testing.assert_allclose(out[0].asnumpy(), expected[0], rtol=1e-6)
        onp.testing.assert_allclose(out[1].asnumpy(), expected[1], rtol=1e-6)
    else:
        onp.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)


class _Reduce(HybridBlock):
    def __init__(self, fname, axis, dtype):
        super().__init__()
        self._f = fname
        self._axis = axis
        self._dtype = dtype

    def hybrid_forward(self, F, a):
        return getattr(F.np, self._f)(a, axis=self._axis, dtype=self._dtype)


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("axis", [0, None, ()])
@pytest.mark.parametrize(
    ("fname", "itype", "dtype"),
    [
        ("sum", "int8", "int8"),
        ("sum", "int8", "int32"),
        ("sum", "int32", "int64"),
        ("sum", "float32", "int32"),
        ("mean", "float16", "int8"),
        ("mean", "float32", "int32"),
    ],
)
def test_reduction_to_integer_dtype_passes_gradient(
    hybridize, axis, fname, itype, dtype
):
    # MXNet 1.9.1: d sum / dx = 1 and d mean / dx = 1/N whatever the out dtype
    net = _Reduce(fname, axis, dtype)
    if hybridize:
        net.hybridize()
    x = np.ones((2, 3), dtype=itype)
    x.attach_grad()
    with autograd.record():
        y = net(x)
    assert y.dtype == onp.dtype(dtype)
    y.backward()
    n = x.size // max(y.size, 1)
    expected = onp.ones((2, 3)) / (n if fname == "mean" else 1)
    onp.testing.assert_allclose(x.grad.asnumpy().astype("float64"), expected, rtol=1e-3)


def test_integer_mean_in_integer_dtype_wraps_as_numpy():
    a = onp.array([[100, 120, -7], [90, 127, -128]], dtype="int8")
    for axis in (0, 1, None):
        out = np.mean(np.array(a), axis=axis, dtype="int8")
        onp.testing.assert_array_equal(
            out.asnumpy(), onp.mean(a, axis=axis, dtype="int8")
        )


@pytest.mark.parametrize("fname", ["lcm", "gcd", "fmod", "arctan2", "copysign"])
def test_torch_binary_functions_check_ufunc_keywords(fname):
    f = getattr(np, fname)
    x1, x2 = np.array([4, 6], dtype="int32"), np.array([6, 4], dtype="int32")
    with pytest.raises(NotImplementedError):
        f(x1, x2, where=False)
    with pytest.raises(NotImplementedError):
        f(x1, x2, casting="safe")
    with pytest.raises(TypeError):
        f(x1, x2, dtype="abcdefg")
    with pytest.raises(TypeError):
        f(x1, x2, bogus=1)
    onp.testing.assert_allclose(
        f(x1, x2, where=True).asnumpy(), getattr(onp, fname)([4, 6], [6, 4])
    )


class _Norm(HybridBlock):
    def __init__(self, ord, axis, keepdims):  # noqa: A002 - numpy's name
        super().__init__()
        self._args = (ord, axis, keepdims)

    def hybrid_forward(self, F, x):
        o, ax, kd = self._args
        return F.np.linalg.norm(x, ord=o, axis=ax, keepdims=kd)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize(
    ("ord_", "axis"),
    [
        (None, None),
        (None, (0, 2)),
        ("fro", (1, 2)),
        ("nuc", (1, 2)),
        (1, (2, 1)),
        (-1, (1, 2)),
        (onp.inf, (2, 0)),
        (-onp.inf, (1, 2)),
        (2, (1, 2)),
        (3, 1),
        (onp.inf, 2),
        (None, 0),
    ],
)
def test_hybridized_norm_matches_eager_and_numpy(ord_, axis, keepdims):
    x_np = onp.arange(1, 25, dtype="float64").reshape(2, 3, 4) - 11.5
    net = _Norm(ord_, axis, keepdims)
    eager = net(np.array(x_np)).asnumpy()
    net.hybridize()
    hybrid = net(np.array(x_np)).asnumpy()
    expected = onp.linalg.norm(x_np, ord=ord_, axis=axis, keepdims=keepdims)
    onp.testing.assert_allclose(hybrid, eager, rtol=1e-6)
    onp.testing.assert_allclose(hybrid, expected, rtol=1e-6)


class _Pinv(HybridBlock):
    def hybrid_forward(self, F, a, rcond=1e-15):
        return F.np.linalg.pinv(a, rcond)


def test_hybridized_pinv_scalar_and_array_rcond():
    a_np = onp.array([[[1.0, 2.0], [3.0, 4.0]], [[2.0, 0.0], [0.0, 1e-9]]])
    net = _Pinv()
    net.hybridize()
    out = net(np.array(a_np))
    onp.testing.assert_allclose(out.asnumpy(), onp.linalg.pinv(a_np, 1e-15), rtol=1e-6)
    sym = mx.sym.np.linalg.pinv(mx.sym.var("a").as_np_ndarray(), 0.1)
    assert "_npi_pinv_scalar_rcond" in sym.tojson()
    rc = onp.array([1e-15, 1e-3])
    out = net(np.array(a_np), np.array(rc))
    onp.testing.assert_allclose(out.asnumpy(), onp.linalg.pinv(a_np, rc), rtol=1e-6)


class _Moment(HybridBlock):
    def __init__(self, fname, ddof):
        super().__init__()
        self._f = fname
        self._ddof = ddof

    def hybrid_forward(self, F, a):
        return getattr(a, self._f)(axis=(), ddof=self._ddof)


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("fname", ["var", "std"])
@pytest.mark.parametrize(("ddof", "value"), [(0, 0.0), (1, float("nan")), (2, 0.0)])
def test_moment_over_no_axis(hybridize, fname, ddof, value):
    # MXNet 1.9.1 (measured): each element is its own sample, 0 / (1 - ddof)
    net = _Moment(fname, ddof)
    if hybridize:
        net.hybridize()
    out = net(np.array([[1.0, -2.0], [3.0, 0.5]]))
    onp.testing.assert_array_equal(out.asnumpy(), onp.full((2, 2), value, "float32"))


class _ArraySplit(HybridBlock):
    def __init__(self, ios, axis):
        super().__init__()
        self._ios = ios
        self._axis = axis

    def hybrid_forward(self, F, a):
        return F.np.array_split(a, indices_or_sections=self._ios, axis=self._axis)


@pytest.mark.parametrize(
    ("shape", "ios", "axis"),
    [((5,), 1, 0), ((5,), 3, 0), ((7, 4), 3, 0), ((4, 4), 1, 1), ((6,), (2, 9), 0)],
)
def test_hybridized_array_split_is_a_list_of_uneven_pieces(shape, ios, axis):
    x_np = onp.arange(onp.prod(shape), dtype="float32").reshape(shape)
    net = _ArraySplit(ios, axis)
    net.hybridize()
    x = np.array(x_np)
    x.attach_grad()
    with autograd.record():
        ys = net(x)
    expected = onp.array_split(x_np, ios, axis=axis)
    assert isinstance(ys, list)
    assert len(ys) == len(expected)
    for y, e in zip(ys, expected, strict=True):
        onp.testing.assert_array_equal(y.asnumpy(), e)
    autograd.backward(ys)
    onp.testing.assert_array_equal(x.grad.asnumpy(), onp.ones(shape))


@pytest.mark.parametrize(
    "fname", ["split", "array_split", "vsplit", "hsplit", "dsplit"]
)
@pytest.mark.parametrize(("ios", "n"), [(1, 1), (2, 2), ((1,), 2)])
def test_sym_split_functions_return_lists(fname, ios, n):
    # MXNet 1.9.1 (measured): lists of Symbols; dsplit's single piece a Symbol
    a = mx.sym.var("a").as_np_ndarray()
    ret = getattr(mx.sym.np, fname)(a, ios)
    if fname == "dsplit" and n == 1:
        assert len(ret.list_outputs()) == 1
        return
    assert isinstance(ret, list)
    assert len(ret) == n
    assert all(len(r.list_outputs()) == 1 for r in ret)


class _SplitThenSlice(HybridBlock):
    def hybrid_forward(self, F, x, y):
        x = F.np.split(x, 1)[0]
        return x[:, -1, :] + y[:, -1, :]


def test_hybridized_single_piece_split_then_slice():
    x_np = onp.arange(60, dtype="float32").reshape(5, 3, 4)
    net = _SplitThenSlice()
    net.hybridize()
    out = net(np.array(x_np), np.array(x_np))
    onp.testing.assert_array_equal(out.asnumpy(), 2 * x_np[:, -1, :])
