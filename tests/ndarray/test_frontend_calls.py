"""The ``nd`` functions' call path: keyword attributes parsed once per call
site without mixing up equal values of different types, defaults passed to
kernels without a keyword dict only when that means the same call, and the
reshape target cache."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from neogluon.base import MXNetError
from neogluon.ndarray._frontend import attr_key
from neogluon.ops import registry as reg
from neogluon.ops.registry import OpDef
from neogluon.ops.registry import P


def test_attr_key_tells_equal_values_of_other_types_apart():
    assert attr_key({"a": 1}) != attr_key({"a": True})
    assert attr_key({"a": 1}) != attr_key({"a": 1.5 - 0.5})
    assert attr_key({"a": (1, 2)}) == attr_key({"a": (1, 2)})
    # values whose equal forms parse differently are not cached at all
    assert attr_key({"a": 0.0}) is None
    assert attr_key({"a": -0.0}) is None
    assert attr_key({"a": (1.0, 2)}) is None
    assert attr_key({"a": [1, 2]}) is None
    assert attr_key({"a": np.float32(0.5)}) is None


def test_negative_zero_scalar_after_positive_zero():
    # 0.0 == -0.0 (and they hash alike): a cache keyed on the values alone
    # would give the second call the first one's parsed attribute.
    x = nd.array([1.0, -2.0])
    pos = nd._internal._mul_scalar(x, scalar=0.0).asnumpy()
    neg = nd._internal._mul_scalar(x, scalar=-0.0).asnumpy()
    assert list(np.signbit(pos)) == [False, True]
    assert list(np.signbit(neg)) == [True, False]


def test_bool_attribute_rejects_float_after_equal_bool_was_cached():
    x = nd.ones((2, 3))
    assert nd.sum(x, axis=1, keepdims=True).shape == (2, 1)
    with pytest.raises(MXNetError, match="keepdims"):
        nd.sum(x, axis=1, keepdims=1.0)
    # and the other order: a failed parse caches nothing
    with pytest.raises(MXNetError, match="keepdims"):
        nd.mean(x, axis=1, keepdims=1.0)
    assert nd.mean(x, axis=1, keepdims=True).shape == (2, 1)


def test_str_attribute_keeps_int_and_bool_apart():
    op = OpDef(
        "_test_frontend_echo",
        lambda data, tag: data + len(tag),
        params=(P("tag", "str"),),
    )
    fn = mx.ndarray._frontend.make_function(op, "echo")
    x = nd.zeros((1,))
    assert fn(x, tag=1).asscalar() == 1.0  # "1"
    assert fn(x, tag=True).asscalar() == 4.0  # "True"
    assert fn(x, tag=1).asscalar() == 1.0


def _k_same(data, axis=None, keepdims=False):
    return data


def _k_other(data, axis=None, keepdims=True):
    return data


def _k_int_for_float(data, scale=1):
    return data


def test_bare_defaults_only_when_kernel_defaults_are_the_ops():
    params = (P("axis", "axis", None), P("keepdims", "bool", False))
    assert OpDef("_t_same", _k_same, params=params).bare_defaults
    assert not OpDef("_t_other", _k_other, params=params).bare_defaults
    assert not OpDef(
        "_t_type", _k_int_for_float, params=(P("scale", "float", 1.0),)
    ).bare_defaults
    # a kernel without a code object (a builtin) takes no attributes bare
    assert not OpDef("_t_builtin", abs, params=params).bare_defaults
    assert OpDef("_t_none", abs).bare_defaults
    # a required attribute: defaults are never the whole call
    assert not OpDef(
        "_t_req", _k_same, params=(P("axis", "axis"), P("keepdims", "bool", False))
    ).bare_defaults


def test_bare_call_runs_the_ops_defaults():
    # every registered op flagged bare really has the same keyword defaults
    for op in reg.list_ops():
        if not op.bare_defaults or not op.defaults:
            continue
        code = op.kernel.__code__
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        assert set(op.defaults) <= set(names), op.name


def test_reshape_codes_cached_per_input_shape():
    x = nd.arange(24).reshape((2, 3, 4))
    assert nd.reshape(x, shape=(-1, 0)).shape == (8, 3)
    y = nd.arange(30).reshape((5, 3, 2))
    # same attributes, other input shape: resolved again
    assert nd.reshape(y, shape=(-1, 0)).shape == (10, 3)
    assert nd.reshape(x, shape=(-1, 0)).shape == (8, 3)
    with pytest.raises(MXNetError, match="cannot reshape"):
        nd.reshape(y, shape=(7, -1))
    # the operator returns a copy (MXNet), the method a view
    z = nd.reshape(x, shape=(6, 4))
    z[0, 0] = 100
    assert x[0, 0, 0].asscalar() == 0


def test_sum_lean_paths_keep_mxnet_shapes_and_dtypes():
    x = nd.array([[1, 2, 3], [4, 5, 6]], dtype="int32")
    s = nd.sum(x)
    assert s.shape == (1,) and s.dtype == np.int32 and s.asscalar() == 21
    assert nd.sum(x, axis=1).asnumpy().tolist() == [6, 15]
    assert nd.sum(x, axis=-2).dtype == np.int32
    v = nd.array([1.0, 2.0])
    assert nd.sum(v, axis=0).shape == (1,)
    with pytest.raises(MXNetError, match="out of range"):
        nd.sum(x, axis=2)
    w = nd.array([1.0, 2.0, 3.0])
    w.attach_grad()
    with mx.autograd.record():
        y = nd.sum(w) * 2
    y.backward()
    assert w.grad.asnumpy().tolist() == [2.0, 2.0, 2.0]
    # outside record(): nothing recorded for the variable
    assert not nd.sum(w).to_torch().requires_grad


def test_fully_connected_checks_unchanged():
    x = nd.ones((2, 3))
    w = nd.ones((4, 3))
    with pytest.raises(MXNetError, match="Shape inconsistent: weight"):
        nd.FullyConnected(x, w, nd.zeros((4,)), num_hidden=5)
    with pytest.raises(MXNetError, match="Shape inconsistent: bias"):
        nd.FullyConnected(x, w, nd.zeros((3,)), num_hidden=4)
    out = nd.FullyConnected(x, w, nd.ones((4, 1)), num_hidden=4)
    assert out.asnumpy().tolist() == [[4.0] * 4] * 2
