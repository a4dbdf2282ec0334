"""Symbol methods of MXNet 1.9.1's API: debug_str (vs MXNet fixtures, exact
text; tools/fixtures/symbol_debug_str.py), the NDArray-only methods that
raise, backends, and the fluent methods' argument order."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.base import NotImplementedForSymbol
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "symbol_debug_str"


@pytest.mark.parametrize("name", fixture_names(FAM))
def test_debug_str_matches_mxnet(name):
    f = load_fixture(FAM, name)
    with mx.name.NameManager():  # auto names (sin0, ...) as in a fresh process
        sym = eval(f["expr"], {"mx": mx})  # noqa: S307 - fixture expressions we wrote
    assert sym.debug_str() == f["text"]


def test_fixtures_present():
    assert len(fixture_names(FAM)) == 5


@pytest.mark.parametrize("method", ["copy", "as_in_context", "detach"])
def test_ndarray_only_methods_raise(method):
    x = mx.sym.var("x")
    with pytest.raises(NotImplementedForSymbol, match=f"Function {method}"):
        getattr(x, method)()
    assert copy.copy(x).name == "x"


def test_backends_and_gradient_raise_clearly():
    x = mx.sym.var("x")
    with pytest.raises(MXNetError, match="'MKLDNN' is not available"):
        x.optimize_for("MKLDNN")
    with pytest.raises(MXNetError, match="'TensorRT' is not available"):
        x.get_backend_symbol("TensorRT")
    with pytest.raises(MXNetError, match="Executor.backward"):
        x.gradient(["x"])


def test_fluent_argument_order():
    x = mx.sym.var("x")
    a = mx.nd.array(np.arange(6).reshape(2, 3))
    assert x.astype("float16").eval(x=a)[0].dtype == np.float16
    assert x.astype(dtype="int32", copy=False).eval(x=a)[0].dtype == np.int32
    assert x.expand_dims(1, False).eval(x=a)[0].shape == (2, 1, 3)
    assert x.flatten(False).eval(x=a.reshape((2, 3, 1)))[0].shape == (2, 3)
    assert x.squeeze(2, False).eval(x=a.reshape((2, 3, 1)))[0].shape == (2, 3)


def test_constructor_takes_handle():
    x = mx.sym.var("x") + 1
    again = mx.sym.Symbol(handle=x._outputs)
    assert again.tojson() == x.tojson()
