"""Modules added for the MXNet import surface: base/util helpers, runtime,
engine, error, log, contrib.autograd/io, placeholders, alias imports, and the
call-signature fixes (nd.power, nd.empty(stype=), nd.from_numpy(array_cls=),
sym.contrib.adamw_update)."""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import subprocess
import sys

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon import base
from neogluon import util
from neogluon.base import MXNetError


def test_base_helpers():
    assert base.py_str(b"abc") == "abc" and base.py_str("x") == "x"
    assert base._as_list(3) == [3]
    lst = [1, 2]
    assert base._as_list(lst) is lst and base._as_list((1,)) == (1,)
    assert isinstance(5, base.integer_types) and isinstance(
        np.int64(5), base.integer_types
    )
    assert isinstance("s", base.string_types) and isinstance(2.5, base.numeric_types)
    assert base.c_str("hé").value == "hé".encode()
    arr = base.c_array(base.mx_uint, [1, 2, 3])
    assert list(arr) == [1, 2, 3] and base.mx_uint is ctypes.c_uint
    assert [s for s in base.c_str_array(["a", "b"])] == [b"a", b"b"]
    with pytest.raises(MXNetError, match="libmxnet"):
        _ = base._LIB.MXGetVersion
    base.check_call(0)
    with pytest.raises(MXNetError, match="return code 3"):
        base.check_call(3)
    doc = base.build_param_doc(
        ["a", "num_args", "a"], ["int", "int", "int"], ["first", "", ""]
    )
    assert doc == "Parameters\n----------\na : int\n    first\n"


def test_classproperty_and_metaclass():
    class K:
        @base.classproperty
        def name(cls):
            return cls.__name__.lower()

    assert K.name == "k" and K().name == "k"

    class Meta(type):
        pass

    class C(base.with_metaclass(Meta, object)):
        pass

    assert type(C) is Meta


def test_error_module():
    from neogluon import error

    err = error.InternalError("boom")
    assert isinstance(err, MXNetError) and "MXNet hint:" in str(err)
    assert base.error_types["InternalError"] is error.InternalError
    assert base.error_types["ValueError"] is ValueError

    @error.register
    class MyError(MXNetError):
        pass

    assert base.error_types["MyError"] is MyError


def test_util_np_switches():
    assert not util.is_np_array() and not util.is_np_shape()
    with util.np_shape(False), util.np_array(False):
        pass
    util.reset_np()
    util.set_np(shape=False, array=False)
    with util.np_shape(True):
        assert util.is_np_shape()
    assert not util.is_np_shape()
    with util.np_array(True):
        assert util.is_np_array()
    assert not util.is_np_array()
    with pytest.raises(ValueError, match="shape semantics are required"):
        util.set_np(shape=False, array=True)

    @util.use_np
    def f(x):
        return (util.is_np_array(), util.is_np_shape(), x)

    assert f(1) == (True, True, 1)
    assert not util.is_np_array() and not util.is_np_shape()

    @util.use_np
    class Net:
        def __init__(self):
            self.np_inside = util.is_np_array()

    assert Net().np_inside and not util.is_np_array()
    assert mx.use_np is util.use_np and mx.is_np_array is util.is_np_array


def test_util_misc():
    assert util.get_gpu_count() == (
        torch.cuda.device_count() if torch.cuda.is_available() else 0
    )
    assert util.np_ufunc_legal_option("casting", "safe")
    assert not util.np_ufunc_legal_option("casting", "bogus")
    assert util.np_ufunc_legal_option("dtype", np.float32)
    assert not util.np_ufunc_legal_option("nope", 1)

    @util.wrap_np_unary_func
    def neg(x, out=None):
        return -x

    assert neg(2) == -2 and neg(2, casting="same_kind") == -2
    with pytest.raises(NotImplementedError):
        neg(2, casting="safe")
    with pytest.raises(TypeError, match="invalid keyword"):
        neg(2, foo=1)

    @util.set_module("mxnet.numpy")
    def g():
        return 1

    assert g.__module__ == "mxnet.numpy"
    with pytest.raises(ValueError, match="gpu context"):
        util.get_cuda_compute_capability(mx.cpu())


def test_runtime_features():
    from neogluon import runtime

    feats = runtime.Features()
    assert runtime.Features() is feats
    # MXNet 1.9.1's feature names, in its order.
    assert list(feats) == runtime.FEATURE_NAMES and len(feats) == 32
    assert feats.is_enabled("cuda") == torch.cuda.is_available()
    assert feats.is_enabled("MKLDNN") == torch.backends.mkldnn.is_available()
    assert feats.is_enabled("OPENMP") == torch.backends.openmp.is_available()
    assert not feats.is_enabled("TVM_OP") and feats.is_enabled("PROFILER")
    with pytest.raises(RuntimeError, match="Feature 'NOPE' is unknown"):
        feats.is_enabled("nope")
    f = runtime.feature_list()[0]
    assert f.name == "CUDA" and repr(f) == ("✔ CUDA" if f.enabled else "✖ CUDA")
    assert repr(feats).startswith("[") and "CUDA" in repr(feats)


def test_engine_bulk():
    from neogluon import engine

    assert engine.set_bulk_size(4) == 0
    with engine.bulk(10):
        assert engine.set_bulk_size(10) == 10
    assert engine.set_bulk_size(0) == 4
    with pytest.raises(ValueError, match="size must be an int"):
        engine.set_bulk_size(-1)


def test_log(tmp_path):
    from neogluon import log

    path = tmp_path / "x.log"
    logger = log.get_logger("neogluon-test-log", filename=str(path), level=log.INFO)
    logger.info("hello")
    for h in logger.handlers:
        h.flush()
    assert "hello" in path.read_text() and path.read_text().startswith("I")


def test_contrib_autograd_grad_and_loss():
    from neogluon.contrib import autograd as cag

    def f(x, y):
        return x * x + 3 * y

    x = mx.nd.array([1.0, 2.0])
    y = mx.nd.array([5.0, 6.0])
    grads, out = cag.grad_and_loss(f)(x, y)
    np.testing.assert_allclose(out.asnumpy(), [16.0, 22.0])
    np.testing.assert_allclose(grads[0].asnumpy(), [2.0, 4.0])
    np.testing.assert_allclose(grads[1].asnumpy(), [3.0, 3.0])
    (gx,) = cag.grad(f, argnum=0)(x, y)
    np.testing.assert_allclose(gx.asnumpy(), [2.0, 4.0])
    with cag.train_section():
        assert mx.autograd.is_recording() and mx.autograd.is_training()
        with cag.test_section():
            assert not mx.autograd.is_recording()
    assert not mx.autograd.is_recording()


def test_contrib_io_dataloader_iter():
    from neogluon.contrib.io import DataLoaderIter

    ds = mx.gluon.data.ArrayDataset(
        np.arange(10, dtype="float32").reshape(5, 2), np.arange(5)
    )
    loader = mx.gluon.data.DataLoader(ds, batch_size=2)
    it = DataLoaderIter(loader)
    assert (
        it.provide_data[0].shape == (2, 2)
        and it.provide_label[0].name == "softmax_label"
    )
    batches = list(it)
    assert len(batches) == 3 and batches[-1].pad == 1
    np.testing.assert_allclose(batches[-1].data[0].asnumpy(), [[8, 9], [0, 0]])


def test_contrib_ndarray_is_nd_contrib():
    assert mx.contrib.ndarray.box_nms is mx.nd.contrib.box_nms
    assert (
        mx.contrib.nd is mx.contrib.ndarray
        and mx.contrib.sym.box_nms is mx.sym.contrib.box_nms
    )


def test_placeholders_raise_with_guidance():
    from neogluon import _missing
    from neogluon.contrib.svrg_optimization import svrg_module

    with pytest.raises(MXNetError, match=r"svrg.*issue 12.*gluon.Trainer"):
        svrg_module.SVRGModule()
    assert mx.nd.sparse.csr_matrix((1, 2)).stype == "csr"  # issue 13: built
    with pytest.raises(MXNetError, match="triton"):
        mx.rtc.CudaModule("")

    # mx.operator is implemented (issue 9): its classes are real.
    assert not getattr(mx.operator.CustomOp, "__neogluon_missing__", False)
    ns = {"__name__": "pkg.mod", "kept": 1}
    added = _missing.define(
        ns, {"kept": "function", "f": "function"}, area="a", planned=None, instead="b"
    )
    assert added == ["f"] and ns["kept"] == 1 and ns["f"].__neogluon_missing__
    with pytest.raises(ValueError, match="unknown placeholder kind"):
        _missing.define(ns, {"g": "weird"}, area="a", planned=None, instead="b")


@pytest.mark.parametrize(
    "name", ["contrib", "random", "linalg", "image", "sparse", "_internal", "op"]
)
def test_nd_sym_submodules_are_real(name):
    for pkg in ("neogluon.ndarray", "neogluon.symbol"):
        spec = importlib.util.find_spec(f"{pkg}.{name}")
        assert spec is not None and spec.origin.endswith(f"{name}.py")
        mod = importlib.import_module(f"{pkg}.{name}")
        assert all(hasattr(mod, n) for n in mod.__all__)


def test_alias_imports_in_subprocess():
    code = (
        "import neogluon; neogluon.install_mxnet_alias()\n"
        "import mxnet.symbol.contrib, mxnet.ndarray.sparse, mxnet.numpy\n"
        "from mxnet.ndarray.ndarray import _STORAGE_TYPE_STR_TO_ID, py_slice\n"
        "from mxnet.base import py_str, _as_list, integer_types\n"
        "from mxnet.util import np_shape, is_np_array, getenv\n"
        "from mxnet import np, npx, runtime, engine\n"
        "assert py_slice is slice and _STORAGE_TYPE_STR_TO_ID['csr'] == 2\n"
        "assert mxnet.symbol.contrib is neogluon.symbol.contrib\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_call_signature_fixes():
    b = mx.nd.array([2.0, 3.0])
    np.testing.assert_allclose(mx.nd.power(base=b, exp=2).asnumpy(), [4.0, 9.0])
    np.testing.assert_allclose(mx.nd.power(2, b).asnumpy(), [4.0, 8.0])
    assert mx.nd.empty((2, 3), stype="default").shape == (2, 3)
    assert mx.nd.empty((2, 3), stype="csr").stype == "csr"
    with pytest.raises(MXNetError, match="unknown stype"):
        mx.nd.empty((2, 3), stype="coo")
    a = np.arange(3, dtype="float32")
    assert mx.nd.from_numpy(a, array_cls=mx.nd.NDArray).shape == (3,)
    with pytest.raises(MXNetError, match="array_cls"):
        mx.nd.from_numpy(a, array_cls=list)
    out = mx.nd.zeros((2,))
    assert mx.nd.ones_like(b, out=out) is out and out.asnumpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="data must be an NDArray"):
        mx.nd.zeros_like()


def test_sym_contrib_adamw_positional_eta():
    w, g, m, v = (mx.sym.var(n) for n in "wgmv")
    sym = mx.sym.contrib.adamw_update(w, g, m, v, 1.0, 0.1, 1.0)
    args = {
        "w": mx.nd.ones((2,)),
        "g": mx.nd.ones((2,)),
        "m": mx.nd.zeros((2,)),
        "v": mx.nd.zeros((2,)),
    }
    got = sym.bind(mx.cpu(), args).forward()[0].asnumpy()
    eager = mx.nd.contrib.adamw_update(
        mx.nd.ones((2,)),
        mx.nd.ones((2,)),
        mx.nd.zeros((2,)),
        mx.nd.zeros((2,)),
        1.0,
        0.1,
        1.0,
    ).asnumpy()
    np.testing.assert_allclose(got, eager, rtol=1e-6)
    # m=0.1, v=0.001 after one step; w = 1 - eta * lr * m / (sqrt(v) + eps)
    np.testing.assert_allclose(got, 1 - 0.1 * 0.1 / (np.sqrt(0.001) + 1e-8), rtol=1e-5)
