"""The lean common-case paths of reduction, product, clip and softmax kernels.

Each kernel has a short path for its common call (one int axis or every axis
without keepdims, 3-d batch_dot, float clip, plain softmax) and the general
path for the rest. An equivalent call that the lean path does not take (the
axis as a 1-tuple, ``()`` for every axis, a 4-d batch) must give the same
values, shape, dtype, gradients and errors.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError

nd = mx.nd

_DTYPES = ("float32", "float64", "float16", "int32")


def _arr(shape, dtype="float32", seed=0):
    rng = np.random.default_rng(seed)
    vals = rng.integers(-5, 6, size=shape)  # ties on purpose (max/argmax)
    return nd.array(vals, dtype=dtype)


def _same(a, b):
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


@pytest.mark.parametrize("op", ["mean", "max", "min", "sum"])
@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 3, 4), (0, 3)])
def test_reduce_lean_matches_general(op, dtype, shape):
    x = _arr(shape, dtype)
    fn = getattr(nd, op)
    fails = op in ("max", "min") or (op, dtype) == ("mean", "int32")
    if 0 in shape and fails:
        # empty max (and integer mean): an error on both paths
        with pytest.raises(MXNetError):
            fn(x)
        with pytest.raises(MXNetError):
            fn(x, axis=())
        return
    full = fn(x)
    _same(full, fn(x, axis=()))
    assert full.shape == (1,)
    if 0 not in shape:
        ref = getattr(np, op)(x.asnumpy().astype("float64"))
        want = np.trunc(ref) if dtype == "int32" else ref
        np.testing.assert_allclose(full.asnumpy()[0], want, rtol=1e-2)
    for axis in range(-len(shape), len(shape)):
        if shape[axis] == 0 and fails:
            continue
        _same(fn(x, axis=axis), fn(x, axis=(axis,)))


@pytest.mark.parametrize("op", ["mean", "max", "min", "argmax", "argmin"])
def test_reduce_bad_axis_same_error(op):
    x = _arr((2, 3))
    fn = getattr(nd, op)
    msgs = []
    for axis in (2, (2,)):
        with pytest.raises(MXNetError, match="out of range") as info:
            fn(x, axis=axis)
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("op", ["mean", "max", "min"])
def test_reduce_lean_gradients(op):
    fn = getattr(nd, op)
    grads = []
    for axis in (1, (1,), None, ()):
        x = _arr((3, 4))
        x.attach_grad()
        with mx.autograd.record():
            y = fn(x, axis=axis)
        y.backward()
        grads.append(x.grad.asnumpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[2], grads[3])
    if op != "mean":  # every tied extreme gets the whole gradient (MXNet)
        x = _arr((3, 4)).asnumpy()
        ext = getattr(x, op)(axis=1, keepdims=True)
        np.testing.assert_array_equal(grads[0], (x == ext).astype("float32"))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", _DTYPES)
def test_argmax_lean_matches_general(op, dtype):
    fn = getattr(nd, op)
    for shape in [(5,), (2, 3), (2, 3, 4)]:
        x = _arr(shape, dtype, seed=len(shape))
        for axis in range(-len(shape), len(shape)):
            lean = fn(x, axis=axis)
            _same(lean, fn(x, axis=(axis,)))
            assert lean.dtype == x.dtype
            want = getattr(np, op)(x.asnumpy(), axis=axis)
            np.testing.assert_array_equal(lean.asnumpy(), np.reshape(want, lean.shape))
        _same(fn(x, axis=0, keepdims=True), fn(x, axis=(0,), keepdims=True))


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_batch_dot_lean_matches_general(ta, tb, dtype):
    a = _arr((2, 4, 3) if ta else (2, 3, 4), dtype, seed=1)
    b = _arr((2, 5, 4) if tb else (2, 4, 5), dtype, seed=2)
    lean = nd.batch_dot(a, b, transpose_a=ta, transpose_b=tb)
    general = nd.batch_dot(
        a.reshape((1, 2) + a.shape[1:]),
        b.reshape((1, 2) + b.shape[1:]),
        transpose_a=ta,
        transpose_b=tb,
    )
    _same(lean, general.reshape(lean.shape))
    an, bn = a.asnumpy(), b.asnumpy()
    an = an.swapaxes(1, 2) if ta else an
    bn = bn.swapaxes(1, 2) if tb else bn
    np.testing.assert_array_equal(lean.asnumpy(), np.matmul(an, bn))


def test_batch_dot_lean_errors():
    a = nd.ones((2, 3, 4))
    with pytest.raises(MXNetError, match=r"do not match: 4 vs 5 on the contracted"):
        nd.batch_dot(a, nd.ones((2, 5, 6)))
    with pytest.raises(MXNetError, match=r"same leading \(batch\) dims"):
        nd.batch_dot(a, nd.ones((3, 4, 6)))
    with pytest.raises(MXNetError, match=r"same leading \(batch\) dims"):
        nd.batch_dot(a, nd.ones((4, 6)))


def test_batch_dot_lean_gradient():
    grads = []
    for shape in ((2, 3, 4), (1, 2, 3, 4)):
        a = nd.array(np.arange(24, dtype="float32").reshape(shape))
        b = nd.ones(shape[:-2] + (4, 5))
        a.attach_grad()
        with mx.autograd.record():
            y = nd.batch_dot(a, b)
        y.backward()
        grads.append(a.grad.asnumpy().reshape(2, 3, 4))
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], np.full((2, 3, 4), 5.0))


@pytest.mark.parametrize("dtype", _DTYPES)
def test_clip_float_and_int(dtype):
    x = _arr((3, 4), dtype)
    out = nd.clip(x, -2.5, 3.5)
    assert out.dtype == x.dtype
    lo, hi = (-2.5, 3.5) if "float" in dtype else (-2, 3)  # bounds cast (MXNet)
    np.testing.assert_array_equal(out.asnumpy(), np.clip(x.asnumpy(), lo, hi))


def test_softmax_lean_matches_general():
    x = nd.array(np.linspace(-3, 3, 24, dtype="float32").reshape(2, 3, 4))
    for axis in (-1, 0, 1):
        lean = nd.softmax(x, axis=axis)
        # temperature=1.0 and an explicit dtype take the general path
        _same(lean, nd.softmax(x, axis=axis, temperature=1.0))
        _same(lean, nd.softmax(x, axis=axis, dtype="float32"))
        e = np.exp(x.asnumpy() - x.asnumpy().max(axis=axis, keepdims=True))
        np.testing.assert_allclose(
            lean.asnumpy(), e / e.sum(axis=axis, keepdims=True), rtol=1e-6
        )


def test_positional_attributes_bind_as_keywords():
    x = _arr((2, 3))
    _same(nd.clip(x, -1, 2), nd.clip(x, a_min=-1, a_max=2))
    _same(nd.clip(x, -1, a_max=2), nd.clip(x, a_min=-1, a_max=2))
    _same(nd.sum(x, 1, True), nd.sum(x, axis=1, keepdims=True))
    w, b = _arr((4, 3), seed=1), _arr((4,), seed=2)
    _same(nd.FullyConnected(x, w, b, 4), nd.FullyConnected(x, w, b, num_hidden=4))
    with pytest.raises(TypeError, match="multiple values for 'a_min'"):
        nd.clip(x, 1, a_min=2)
    with pytest.raises(TypeError, match="at most 3 positional arguments"):
        nd.clip(x, 1, 2, 3)
    with pytest.raises(
        MXNetError, match=r"missing required attribute\(s\) \['a_max'\]"
    ):
        nd.clip(x, 1)


@pytest.mark.parametrize(
    "shape,attrs",
    [
        ((5, 7), {}),
        ((5, 7), {"normalization": "batch", "grad_scale": 0.5}),
        ((5, 7), {"use_ignore": True, "ignore_label": 2}),
        ((5, 7), {"normalization": "valid", "use_ignore": True, "ignore_label": 0}),
        ((2, 3, 4), {"preserve_shape": True}),
        ((4, 3, 2, 2), {}),
    ],
)
def test_softmax_output_gradient_is_p_minus_onehot(shape, attrs):
    # The backward subtracts 1 at the label's class instead of building the
    # one-hot matrix: bit for bit p - onehot(label) (labels out of range
    # clamp to the last class as before), times MXNet's scale.
    import torch
    import torch.nn.functional as tF

    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.randn(*shape).astype(np.float32))
    k = shape[-1] if attrs.get("preserve_shape") else int(np.prod(shape[1:]))
    lab_shape = shape[:-1] if attrs.get("preserve_shape") else shape[:1]
    lab = rng.randint(0, k + 2, size=lab_shape).astype(np.float32)  # some past k
    label = mx.nd.array(lab)
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.SoftmaxOutput(x, label, **attrs)
    y.backward()
    p = torch.from_numpy(y.asnumpy()).reshape(-1, k)
    li = torch.from_numpy(lab).reshape(-1).long().clamp(0, k - 1)
    g = p - tF.one_hot(li, k).to(p.dtype)
    if attrs.get("use_ignore"):
        keep = (torch.from_numpy(lab).reshape(-1) != attrs["ignore_label"]).float()
        g = g * keep.unsqueeze(-1)
    scale = attrs.get("grad_scale", 1.0)
    norm = attrs.get("normalization", "null")
    if norm == "batch":
        scale = scale / shape[0]
    elif norm == "valid":
        scale = scale / max(float(keep.sum()), 1.0)
    g = (g * scale).reshape(shape)
    assert torch.equal(torch.from_numpy(x.grad.asnumpy()), g)
