"""The plain-call fast paths of ``mx.np`` / ``mx.npx`` (issue 8 points 3 and 7).

Each fast path (``a + b``, ``a * 2.0``, ``np.add``, ``np.exp``, ``np.sum``,
``np.mean(axis=)``, ``np.dot``, ``a.reshape``, ``a.T``, ``a[i]``,
``npx.relu``, ``npx.softmax``) must give what the general path gives: the
values, dtype and shape (0-d included), recorded gradients inside
``autograd.record()``, no graph outside it, ``out=``, and the errors for
mixed nd/np operands. The creation, ``where`` and ``clip`` functions must run
their registered ``_npi_*`` kernels.
"""

from __future__ import annotations

import numpy as onp
import pytest
import torch

from neogluon import autograd
from neogluon import nd
from neogluon import np
from neogluon import npx
from neogluon.base import MXNetError
from neogluon.ndarray import _np_functions
from neogluon.ops import registry

_A = onp.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]], dtype=onp.float32)
_B = onp.array([[2.0, 1.0, -1.0], [3.0, 0.25, 2.0]], dtype=onp.float32)
_W = onp.arange(9, dtype=onp.float32).reshape(3, 3) / 4


def _softmax(x):
    e = onp.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# name -> (np call on (a, b, w), NumPy reference on (A, B, W))
CASES = {
    "add": (lambda a, b, w: a + b, lambda a, b, w: a + b),
    "mul_scalar": (lambda a, b, w: a * 2.0, lambda a, b, w: a * 2.0),
    "div_scalar": (lambda a, b, w: a / 4.0, lambda a, b, w: a / 4.0),
    "np.add": (lambda a, b, w: np.add(a, b), lambda a, b, w: a + b),
    "np.subtract": (lambda a, b, w: np.subtract(a, b), lambda a, b, w: a - b),
    "np.exp": (lambda a, b, w: np.exp(a), lambda a, b, w: onp.exp(a)),
    "np.sum": (lambda a, b, w: np.sum(a), lambda a, b, w: a.sum()),
    "np.mean_axis": (lambda a, b, w: np.mean(a, axis=0), lambda a, b, w: a.mean(0)),
    "np.mean_neg": (
        lambda a, b, w: np.mean(a, axis=-1, keepdims=True),
        lambda a, b, w: a.mean(-1, keepdims=True),
    ),
    "np.dot": (lambda a, b, w: np.dot(a, w), lambda a, b, w: a.dot(w)),
    "reshape": (lambda a, b, w: a.reshape(3, 2), lambda a, b, w: a.reshape(3, 2)),
    "reshape_infer": (lambda a, b, w: a.reshape(-1), lambda a, b, w: a.reshape(-1)),
    "T": (lambda a, b, w: a.T, lambda a, b, w: a.T),
    "getitem": (lambda a, b, w: a[1], lambda a, b, w: a[1]),
    "getitem_0d": (lambda a, b, w: a[1][2], lambda a, b, w: a[1][2]),
    "npx.relu": (lambda a, b, w: npx.relu(a), lambda a, b, w: onp.maximum(a, 0)),
    "npx.softmax": (lambda a, b, w: npx.softmax(a), lambda a, b, w: _softmax(a)),
    "npx.softmax_axis": (
        lambda a, b, w: npx.softmax(a, axis=0),
        lambda a, b, w: _softmax(a.T).T,
    ),
}


def _arrays(dtype="float32"):
    return (
        np.array(_A, dtype=dtype),
        np.array(_B, dtype=dtype),
        np.array(_W, dtype=dtype),
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_values_dtype_and_shape(name):
    call, ref = CASES[name]
    res = call(*_arrays())
    want = onp.asarray(ref(_A, _B, _W))
    assert isinstance(res, np.ndarray)
    assert res.shape == want.shape  # 0-d for the full sum and a[i][j]
    assert res.dtype == onp.float32
    onp.testing.assert_allclose(res.asnumpy(), want, rtol=1e-6, atol=1e-6)
    assert res._data.requires_grad is False


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_keeps_float64(name):
    call, ref = CASES[name]
    res = call(*_arrays("float64"))
    assert res.dtype == onp.float64
    want = onp.asarray(ref(_A.astype("f8"), _B.astype("f8"), _W.astype("f8")))
    onp.testing.assert_allclose(res.asnumpy(), want, rtol=1e-12, atol=1e-12)


def test_float64_default_under_set_np_dtype():
    npx.set_np(dtype=True)
    try:
        a = np.array([[1, 2], [3, 4]])
        for res in (a + a, a * 2.0, np.exp(a), np.sum(a), np.mean(a, axis=0), a.T):
            assert res.dtype == onp.float64
    finally:
        npx.reset_np()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_records_gradients(name):
    call, _ = CASES[name]
    a, b, w = _arrays()
    for x in (a, b, w):
        x.attach_grad()
    with autograd.record():
        y = call(a, b, w)
        (y * y).sum().backward()
    # the same computation in torch gives the reference gradients
    ref_inputs = tuple(torch.tensor(v, requires_grad=True) for v in (_A, _B, _W))
    ty = _torch_twin(name, *ref_inputs)
    (ty * ty).sum().backward()
    for x, t in zip((a, b, w), ref_inputs, strict=True):
        want = t.grad if t.grad is not None else torch.zeros_like(t)
        onp.testing.assert_allclose(
            x.grad.asnumpy(), want.numpy(), rtol=1e-5, atol=1e-6
        )


def _torch_twin(name, a, b, w):
    return {
        "add": lambda: a + b,
        "mul_scalar": lambda: a * 2.0,
        "div_scalar": lambda: a / 4.0,
        "np.add": lambda: a + b,
        "np.subtract": lambda: a - b,
        "np.exp": lambda: torch.exp(a),
        "np.sum": lambda: a.sum(),
        "np.mean_axis": lambda: a.mean(0),
        "np.mean_neg": lambda: a.mean(-1, keepdim=True),
        "np.dot": lambda: a @ w,
        "reshape": lambda: a.reshape(3, 2),
        "reshape_infer": lambda: a.reshape(-1),
        "T": lambda: a.T,
        "getitem": lambda: a[1],
        "getitem_0d": lambda: a[1][2],
        "npx.relu": lambda: torch.relu(a),
        "npx.softmax": lambda: torch.softmax(a, -1),
        "npx.softmax_axis": lambda: torch.softmax(a, 0),
    }[name]()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_outside_record_builds_no_graph(name):
    call, ref = CASES[name]
    a, b, w = _arrays()
    for x in (a, b, w):
        x.attach_grad()
    res = call(a, b, w)
    assert res._data.requires_grad is False
    assert res._data.grad_fn is None
    onp.testing.assert_allclose(
        res.asnumpy(), onp.asarray(ref(_A, _B, _W)), rtol=1e-6, atol=1e-6
    )


def test_out_argument_takes_the_general_path():
    a, b, w = _arrays()
    out = np.zeros((2, 3))
    assert np.add(a, b, out=out) is out
    onp.testing.assert_allclose(out.asnumpy(), _A + _B)
    assert np.exp(a, out=out) is out
    onp.testing.assert_allclose(out.asnumpy(), onp.exp(_A), rtol=1e-6)
    o2 = np.zeros((2, 3))
    assert np.dot(a, w, out=o2) is o2
    onp.testing.assert_allclose(o2.asnumpy(), _A.dot(_W), rtol=1e-6)
    o0 = np.zeros(())
    assert np.sum(a, out=o0) is o0
    assert float(o0) == pytest.approx(float(_A.sum()))
    om = np.zeros((3,))
    assert np.mean(a, axis=0, out=om) is om
    onp.testing.assert_allclose(om.asnumpy(), _A.mean(0), rtol=1e-6)


def test_mixed_dtypes_promote_by_mxnets_rule():
    i8 = np.array([1, 2], dtype="int8")
    u8 = np.array([3, 4], dtype="uint8")
    # MXNet 1.9.1: int8 with uint8 is int32 (torch's own rule says int16)
    assert (i8 + u8).dtype == onp.int32
    assert np.add(i8, u8).dtype == onp.int32
    f16 = np.array([1, 2], dtype="float16")
    i32 = np.array([1, 2], dtype="int32")
    assert (f16 * i32).dtype == onp.float16
    assert (i32 / i32).dtype == onp.float32  # true division: the default float
    ints = np.array([[1, 2], [3, 4]], dtype="int32")
    assert np.sum(ints).dtype == onp.int32 and np.sum(ints).shape == ()
    assert np.mean(ints, axis=0).dtype == onp.float32
    assert np.exp(ints).dtype == onp.int32  # MXNet's kernel keeps the dtype
    assert (ints.T).dtype == onp.int32 and ints[1].dtype == onp.int32
    # np.dot of two 2-d arrays of two dtypes: torch.matmul refuses them, the
    # kernel promotes
    f64 = np.ones((3, 2), dtype="float64")
    r = np.dot(np.array(_A), f64)
    assert r.dtype == onp.float64
    onp.testing.assert_allclose(r.asnumpy(), _A.astype("f8").dot(onp.ones((3, 2))))
    assert np.dot(i8.reshape(1, 2), u8.reshape(2, 1)).dtype == onp.int32


def test_mixing_nd_and_np_raises_with_the_fix_named():
    a = np.ones((2, 3))
    x = nd.ones((2, 3))
    for call in (
        lambda: a + x,
        lambda: a * x,
        lambda: np.add(a, x),
        lambda: np.exp(x),
        lambda: np.sum(x),
        lambda: np.mean(x, axis=0),
        lambda: np.dot(a.T, x),
        lambda: npx.relu(x),
        lambda: npx.softmax(x),
    ):
        with pytest.raises(TypeError, match="as_np_ndarray"):
            call()


def test_fast_path_errors_are_the_general_paths():
    a, b, w = _arrays()
    with pytest.raises(MXNetError, match="cannot reshape"):
        a.reshape(4, 2)
    with pytest.raises(MXNetError, match="at most one dim may be -1"):
        a.reshape(-2, 3)
    with pytest.raises(MXNetError, match="not aligned"):
        np.dot(a, a)
    with pytest.raises(MXNetError, match="out of bounds"):
        np.mean(a, axis=2)
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(MXNetError, match="_npx_softmax|softmax"):
        npx.softmax(a, axis=5)


def test_npx_keyword_attributes_parse_once_per_value():
    a = np.array(_A)
    for _ in range(2):  # the second call reads the cached attributes
        onp.testing.assert_allclose(
            npx.softmax(a, axis=0).asnumpy(), _softmax(_A.T).T, rtol=1e-6
        )
        onp.testing.assert_allclose(
            npx.softmax(a, axis=-1).asnumpy(), _softmax(_A), rtol=1e-6
        )
    # a value of another type with an equal hash parses by its own type
    onp.testing.assert_allclose(
        npx.softmax(a, axis=True).asnumpy(), _softmax(_A), rtol=1e-6
    )
    onp.testing.assert_allclose(
        npx.activation(a, act_type="relu").asnumpy(), onp.maximum(_A, 0)
    )


def test_fast_paths_hold_the_registered_kernels():
    assert _np_functions._sum_kernel is registry.get("_np_sum").kernel
    assert _np_functions._mean_kernel is registry.get("_npi_mean").kernel
    assert _np_functions._dot_matrix is registry.get("_np_dot").kernel.matrix_fn
    assert _np_functions._zeros_kernel is registry.get("_npi_zeros").kernel
    assert _np_functions._ones_kernel is registry.get("_npi_ones").kernel
    assert _np_functions._full_kernel is registry.get("_npi_full").kernel
    assert _np_functions._clip_kernel is registry.get("_npi_clip").kernel
    names = (
        "_npi_where",
        "_npi_where_lscalar",
        "_npi_where_rscalar",
        "_npi_where_scalar2",
    )
    assert _np_functions._where_kernels == tuple(registry.get(n).kernel for n in names)
    assert npx.relu.op.name == "_npx_relu"


def _spy(monkeypatch, attr, index=None):
    calls = []
    if index is None:
        real = getattr(_np_functions, attr)

        def spy(*args, **kwargs):
            calls.append(attr)
            return real(*args, **kwargs)

        monkeypatch.setattr(_np_functions, attr, spy)
    else:
        kernels = list(_np_functions._where_kernels)
        real = kernels[index]

        def spy(*args, **kwargs):
            calls.append(index)
            return real(*args, **kwargs)

        kernels[index] = spy
        monkeypatch.setattr(_np_functions, attr, tuple(kernels))
    return calls


def test_creation_functions_run_the_npi_kernels(monkeypatch):
    z = _spy(monkeypatch, "_zeros_kernel")
    o = _spy(monkeypatch, "_ones_kernel")
    f = _spy(monkeypatch, "_full_kernel")
    assert np.zeros((2, 3)).asnumpy().tolist() == [[0.0] * 3] * 2
    assert np.empty((2,)).shape == (2,)
    assert np.ones(3, dtype="int32").asnumpy().tolist() == [1, 1, 1]
    r = np.full((2, 2), 7, dtype="int64")
    assert r.dtype == onp.int64 and r.asnumpy().tolist() == [[7, 7], [7, 7]]
    assert len(z) == 2 and len(o) == 1 and len(f) == 1
    # MXNet: a bool fill value gives a bool array unless dtype says otherwise
    assert np.full((2,), True).dtype == onp.bool_
    assert np.full((2,), True, dtype="float32").asnumpy().tolist() == [1.0, 1.0]
    assert np.zeros(()).shape == ()


def test_where_runs_mxnets_four_operators(monkeypatch):
    calls = _spy(monkeypatch, "_where_kernels", 0)
    for i in (1, 2, 3):
        calls += _spy(monkeypatch, "_where_kernels", i)
    c = np.array([1, 0, 1])
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([7.0, 8.0, 9.0])
    assert np.where(c, x, y).asnumpy().tolist() == [1.0, 8.0, 3.0]
    assert np.where(c, 5, y).asnumpy().tolist() == [5.0, 8.0, 5.0]
    assert np.where(c, x, 5).asnumpy().tolist() == [1.0, 5.0, 3.0]
    r = np.where(c, 5, 6)
    assert r.dtype == onp.float32 and r.asnumpy().tolist() == [5.0, 6.0, 5.0]
    assert np.where(1, x, y) is x and np.where(0, x, y) is y  # MXNet's shortcut
    i8 = np.array([1, 2, 3], dtype="int8")
    u8 = np.array([7, 8, 9], dtype="uint8")
    assert np.where(c, i8, u8).dtype == onp.int32
    # the scalar branch takes the array's dtype
    assert np.where(c, i8, 5.7).asnumpy().tolist() == [1, 5, 3]


def test_where_records_gradients():
    c = np.array([1, 0, 1])
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([7.0, 8.0, 9.0])
    x.attach_grad()
    y.attach_grad()
    with autograd.record():
        np.where(c, x, y).sum().backward()
    assert x.grad.asnumpy().tolist() == [1.0, 0.0, 1.0]
    assert y.grad.asnumpy().tolist() == [0.0, 1.0, 0.0]


def test_clip_runs_the_npi_kernel(monkeypatch):
    calls = _spy(monkeypatch, "_clip_kernel")
    ints = np.array([1, 5, 10], dtype="int32")
    r = np.clip(ints, None, 4)
    assert r.dtype == onp.int32 and r.asnumpy().tolist() == [1, 4, 4]
    assert np.clip(ints, 2.5, None).asnumpy().tolist() == [2, 5, 10]  # MXNet's cast
    f = np.array([-1.0, 0.5, 3.0])
    assert np.clip(f, 0, 1).asnumpy().tolist() == [0.0, 0.5, 1.0]
    assert f.clip(min=0).asnumpy().tolist() == [0.0, 0.5, 3.0]
    assert len(calls) == 4
    with pytest.raises(ValueError, match="min must be given"):
        np.clip(f, None, None)
    # array bounds (NumPy's extension) still broadcast
    assert np.clip(f, np.array([0.0, 1.0, 0.0]), None).asnumpy().tolist() == [
        0.0,
        1.0,
        3.0,
    ]


def test_clip_records_gradients():
    f = np.array([-1.0, 0.5, 3.0])
    f.attach_grad()
    with autograd.record():
        np.clip(f, 0, 1).sum().backward()
    assert f.grad.asnumpy().tolist() == [0.0, 1.0, 0.0]
