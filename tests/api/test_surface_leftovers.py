"""Smaller names of MXNet 1.9.1's surface: base / util / profiler / autograd /
kvstore / io / onnx / nd helpers. Expected values were printed by MXNet 1.9.1
for the same calls."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import neogluon as mx
from neogluon import base
from neogluon.base import MXNetError


def test_c2pyerror_as_mxnet():
    msg = "ValueError: bad thing\nStack trace:\n  File a.cc, line 1\n  File b.cc, line 2\nmore text\n"
    assert base.c2pyerror(msg) == (
        "Traceback (most recent call last):\n  File b.cc, line 2\n  File a.cc, "
        "line 1\nValueError: bad thing\nmore text",
        "ValueError",
    )
    assert base.c2pyerror("no colon here") == ("no colon here", None)
    assert (
        base.c2pyerror("mxnet.error.InternalError: x")[1] == "mxnet.error.InternalError"
    )


def test_no_c_library_names():
    with pytest.raises(MXNetError, match="no libmxnet"):
        base.get_last_ffi_error()
    with pytest.raises(MXNetError, match="no libmxnet"):
        mx.nd.ndarray._new_empty_handle()
    names = [f[0] for f in base.MXCallbackList._fields_]
    assert names == ["num_callbacks", "callbacks", "contexts"]
    assert issubclass(base.MXCallbackList, ctypes.Structure)


def test_util_numpy_array_scope():
    with mx.util._NumpyArrayScope(False):
        assert not mx.util.is_np_array()
    with mx.util._NumpyArrayScope(True):
        assert mx.util.is_np_array()
    assert not mx.util.is_np_array()


def test_profiler_kvstore_handle():
    kv = mx.kv.create("local")
    mx.profiler.set_kvstore_handle(kv)
    assert mx.profiler.profiler_kvstore_handle is kv
    mx.profiler.set_kvstore_handle(None)


def test_autograd_get_symbol_raises_clearly():
    x = mx.nd.ones((2,))
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
    with pytest.raises(MXNetError, match="HybridBlock"):
        mx.autograd.get_symbol(y)
    with pytest.raises(TypeError, match="expects an NDArray"):
        mx.autograd.get_symbol(3)


def test_kvstore_names():
    kv = mx.kv.KVStore(handle="local")
    assert kv.type == "local"
    with pytest.raises(MXNetError, match="not implemented"):
        mx.kvstore.KVStoreServer(kv)


def test_nd_indexing_helpers_as_mxnet():
    nd = mx.nd.ndarray
    assert nd.get_indexing_dispatch_code((0, slice(1))) == 0
    assert nd.get_indexing_dispatch_code((0, [1])) == 1
    assert nd.get_indexing_dispatch_code(((),)) == 2
    with pytest.raises(ValueError, match="key 0.5 of type <class 'float'>"):
        nd.get_indexing_dispatch_code((0.5,))
    assert nd.get_oshape_of_gather_nd_op((3, 4, 5), (2, 7)) == (7, 5)
    assert nd.get_oshape_of_gather_nd_op((3,), (1, 4)) == (4,)
    e = mx.nd.indexing_key_expand_implicit_axes
    s = np.s_
    assert e(s[2, 1, 1], (3, 4, 5)) == ((2, 1, 1), -1)
    assert e(s[0], (3, 4, 5)) == ((0, slice(None), slice(None)), -1)
    assert e(s[0, ...], (3, 4, 5)) == ((0, slice(None), slice(None)), -1)
    assert e(s[:2, None, 0, ...], (3, 4, 5)) == (
        (slice(None, 2), None, 0, slice(None)),
        -1,
    )
    with pytest.raises(ValueError, match="legacy mode"):
        e((np.array([True, False, True]),), (3, 4))
    with pytest.raises(IndexError, match="boolean index did not match"):
        e((np.array([True, False]),), (3, 4))
    with pytest.raises(IndexError, match="more than one ellipsis"):
        e((Ellipsis, Ellipsis), (3,))
    assert [f[0] for f in nd.DLTensor._fields_][:3] == ["data", "ctx", "ndim"]


def test_cast_storage_and_custom():
    x = mx.nd.array([1.0, 2.0])
    y = mx.nd.cast_storage(x, stype="default")
    np.testing.assert_array_equal(y.asnumpy(), [1.0, 2.0])
    assert y is not x
    with pytest.raises(MXNetError, match="csr storage needs a 2-D array"):
        mx.nd.op.cast_storage(x, stype="csr")
    s = mx.sym.cast_storage(mx.sym.var("a"), stype="default")
    np.testing.assert_array_equal(s.eval(a=x)[0].asnumpy(), [1.0, 2.0])
    for f in (mx.nd.Custom, mx.nd.op.Custom, mx.sym.Custom, mx.sym.op.Custom):
        with pytest.raises(MXNetError, match="Cannot find custom operator 'mine'"):
            f(x, op_type="mine")
    with pytest.raises(MXNetError, match="mx.image.imdecode"):
        mx.nd.imdecode(b"")


def test_sparse_namespace_aliases():
    x = mx.nd.array([-1.0, 4.0])
    np.testing.assert_array_equal(mx.nd.sparse.abs(x).asnumpy(), [1.0, 4.0])
    np.testing.assert_array_equal(
        mx.nd.sparse.sqrt(mx.nd.sparse.abs(x)).asnumpy(), [1.0, 2.0]
    )
    with pytest.raises(MXNetError, match="row_sparse"):
        mx.nd.sparse.retain(x, mx.nd.array([0]))
    with pytest.raises(MXNetError, match="row_sparse"):
        mx.sym.sparse.adagrad_update(mx.sym.var("w"))


def test_io_and_onnx_names():
    with pytest.raises(TypeError, match="data_shape"):  # tests/sparse: the iterator
        mx.io.LibSVMIter(data_libsvm="x")
    data = mx.io.utils._init_data(
        mx.nd.ones((2, 3)), allow_empty=False, default_name="data"
    )
    assert mx.io.utils._has_instance(data, mx.nd.NDArray)
    ops = mx.onnx.get_operator_support()
    assert "Convolution" in ops and ops == sorted(ops)
    assert mx.onnx.mx2onnx.get_operator_support is mx.onnx.get_operator_support
    with pytest.raises(ValueError, match="opset_version"):
        mx.onnx.get_operator_support(3)
    with pytest.warns(DeprecationWarning, match="mx.onnx.export_model"):
        with pytest.raises(Exception):  # noqa: B017 - the real exporter rejects this
            mx.contrib.onnx.export_model(None, None)


def test_contrib_quantized_names_raise():
    with pytest.raises(MXNetError, match="issue 9"):
        mx.nd.contrib.quantized_conv(mx.nd.ones(2))
    with pytest.raises(MXNetError, match="issue 13"):
        mx.sym.contrib.dgl_subgraph(mx.sym.var("g"))


def test_cached_op():
    x = mx.sym.var("x")
    w = mx.sym.var("w")
    s = mx.sym.FullyConnected(x, w, num_hidden=2, no_bias=True, name="fc")
    op = mx.nd.CachedOp(s, flags=(("static_alloc", True),))
    assert mx.nd.op.CachedOp is mx.nd.CachedOp
    a = mx.nd.array(np.arange(6).reshape(2, 3))
    b = mx.nd.ones((2, 3))
    b.attach_grad()
    with mx.autograd.record():
        y = op(a, b)
    y.backward()
    np.testing.assert_allclose(y.asnumpy(), a.asnumpy() @ b.asnumpy().T)
    np.testing.assert_allclose(b.grad.asnumpy(), np.ones((2, 2)) @ a.asnumpy())
    out = mx.nd.zeros((2, 2))
    assert op(a, b, out=out) is out
    np.testing.assert_allclose(out.asnumpy(), y.asnumpy())
    names = []
    op._register_op_hook(lambda n, o, arr: names.append((n, o)))
    op(a, b)
    assert names == [(b"fc_output", b"FullyConnected")]
    with pytest.raises(ValueError, match="expects 2 NDArray inputs"):
        op(a)
    with pytest.raises(TypeError, match="unexpected keyword"):
        op(a, b, foo=1)
