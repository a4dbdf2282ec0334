"""Tests for ``gluon.Parameter``, ``Constant`` and ``ParameterDict`` vs MXNet 1.9.1."""

from __future__ import annotations

import re

import numpy as np
import pytest

import neogluon as mx
from neogluon import initializer as init
from neogluon.base import DeferredInitializationError
from neogluon.base import MXNetError
from neogluon.gluon import parameter as parameter_mod
from neogluon.gluon.parameter import Constant
from neogluon.gluon.parameter import Parameter
from neogluon.gluon.parameter import ParameterDict
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

FAM = "parameter"


def _errors():
    return load_fixture(FAM, "errors")["errors"]


def _as_kwargs(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if k == "shape":
            v = tuple(v)
        if k == "dtype" and v == "<class 'numpy.float32'>":
            v = np.float32
        out[k] = v
    return out


# ---------------------------------------------------------------- ParameterDict.get
def test_get_reconciliation_matches_mxnet():
    cases = load_fixture(FAM, "get_reconcile")["cases"]
    assert len(cases) == 15
    for key, case in cases.items():
        pd = ParameterDict("p_")
        pd.get("w", **_as_kwargs(case["stored"]))
        if "error" in case:
            with pytest.raises(AssertionError) as exc:
                pd.get("w", **_as_kwargs(case["desired"]))
            assert isinstance(exc.value, ValueError), key
            assert str(exc.value) == case["error"], key
            continue
        p = pd.get("w", **_as_kwargs(case["desired"]))
        assert list(p.shape) == case["shape"], key
        assert np.dtype(p.dtype) == np.dtype(case["dtype"]), key
        assert p.init == case["init"], key
        assert p.lr_mult == case["lr_mult"], key
        assert p.grad_req == case["grad_req"], key
        assert len(pd) == 1


def test_get_int_shape_and_allow_deferred():
    pd = ParameterDict()
    p = pd.get("w", shape=3)
    assert p.shape == (3,)
    assert pd.get("w", shape=3) is p
    q = pd.get("q", shape=(2,))
    assert not q.allow_deferred_init
    pd.get("q", allow_deferred_init=True)
    assert q.allow_deferred_init


def test_shared_lookup():
    base = ParameterDict("a_")
    w = base.get("w", shape=(2, 2))
    child = ParameterDict("a_", shared=base)
    assert child.get("w") is w
    assert "a_w" in child and list(child.keys()) == ["a_w"]
    other = child.get("b", shape=(1,))
    assert "a_b" not in base and other is child["a_b"]


def test_get_constant():
    ref = _errors()
    pd = ParameterDict("c_")
    with pytest.raises(KeyError) as exc:
        pd.get_constant("k")
    assert str(exc.value) == ref["get_constant_missing"]["message"]
    c = pd.get_constant("k", [1.0, 2.0])
    assert isinstance(c, Constant)
    assert pd.get_constant("k") is c
    assert pd.get_constant("k", mx.nd.array([1.0, 2.0])) is c
    # MXNet 1.9.1 crashes with AttributeError on a list here; we compare values.
    with pytest.raises(AssertionError, match="value doesn't match"):
        pd.get_constant("k", [1.0, 3.0])
    pd.get("w", shape=(2,))
    with pytest.raises(AssertionError) as exc:
        pd.get_constant("w", [1.0, 2.0])
    assert str(exc.value) == ref["get_constant_not_constant"]["message"]


def test_update():
    ref = _errors()
    a, b = ParameterDict("a_"), ParameterDict("a_")
    a.get("w", shape=(2,))
    b.get("w", shape=(2,))
    with pytest.raises(AssertionError) as exc:
        a.update(b)
    assert str(exc.value) == ref["update_conflict"]["message"]
    c = ParameterDict("c_")
    c.get("x", shape=(1,))
    c.update(a)
    c.update(a)  # same objects: fine
    assert list(c.keys()) == ["c_x", "a_w"] and c["a_w"] is a["a_w"]


# ---------------------------------------------------------------- access errors
def test_deferred_error_text():
    ref = _errors()
    p = Parameter("model_conv0_weight", shape=(8, 0, 3, 3), allow_deferred_init=True)
    p.initialize()
    for fn, key in [(p.data, "deferred_data"), (p.grad, "deferred_grad")]:
        with pytest.raises(DeferredInitializationError) as exc:
            fn()
        msg = str(exc.value)
        assert msg.startswith(ref[key]["message"])
        assert "(8, 0, 3, 3)" in msg and "axes (1,)" in msg
    assert isinstance(exc.value, MXNetError)
    assert [str(c) for c in p.list_ctx()] == ref["deferred_list_ctx"]["value"]
    p._block_path = "net.conv0"
    with pytest.raises(DeferredInitializationError, match="block 'net.conv0'"):
        p.list_data()


def test_access_errors():
    ref = _errors()
    p = Parameter("foo2", shape=(2,))
    with pytest.raises(RuntimeError) as exc:
        p.data()
    assert str(exc.value) == ref["never_initialized"]["message"]
    with pytest.raises(RuntimeError) as exc:
        p.list_ctx()
    assert str(exc.value) == ref["never_initialized_list_ctx"]["message"]
    p = Parameter("x", shape=(2,))
    p.initialize(ctx=mx.cpu(0))
    with pytest.raises(RuntimeError) as exc:
        p.data(mx.cpu(1))
    assert str(exc.value) == ref["wrong_ctx"]["message"]
    p = Parameter("nograd", shape=(2,), grad_req="null")
    p.initialize()
    for fn, key in [(p.grad, "grad_null"), (p.list_grad, "list_grad_null")]:
        with pytest.raises(RuntimeError) as exc:
            fn()
        assert str(exc.value) == ref[key]["message"]
    for shape, key in [((2, 0), "invalid_shape"), ((), "scalar_shape")]:
        with pytest.raises(ValueError) as exc:
            Parameter(
                "foo" if key == "invalid_shape" else "s", shape=shape
            ).initialize()
        assert str(exc.value) == ref[key]["message"]
    with pytest.raises(ValueError) as exc:
        Parameter("r", shape=(2,)).reset_ctx(mx.cpu())
    assert str(exc.value) == ref["reset_ctx_uninit"]["message"]


def test_shape_setter():
    ref = _errors()
    p = Parameter("x3", shape=(3,))
    with pytest.raises(AssertionError) as exc:
        p.shape = (4,)
    assert isinstance(exc.value, ValueError)
    assert str(exc.value).startswith(ref["shape_setter"]["message"])
    assert "x3" in str(exc.value)
    q = Parameter("q", shape=(2, 0, 0))
    q.shape = (2, 5, 0)
    q.shape = (2, 5, 7)
    assert q.shape == (2, 5, 7)
    with pytest.raises(ValueError, match="same rank"):
        q.shape = (2, 5)
    n = Parameter("n")
    n.shape = (4, 4)
    assert n.shape == (4, 4)


def test_grad_req_and_stype_validation():
    ref = _errors()
    with pytest.raises(AssertionError) as exc:
        Parameter("g", grad_req="bad")
    assert str(exc.value).startswith(ref["grad_req_invalid"]["message"])
    with pytest.raises(ValueError, match="stype for Parameter 's'"):
        Parameter("s", stype="bad")
    assert Parameter("nd", shape=(2,), differentiable=False).grad_req == "null"


def test_repr():
    ref = load_fixture(FAM, "reprs")["reprs"]
    f32 = "<class 'numpy.float32'>"
    # Differs from MXNet 1.9.1 on purpose: dtypes print as 'float32'.
    assert repr(Parameter("dense0_weight", shape=(3, 0))) == ref["param"].replace(
        f32, "float32"
    )
    assert repr(Parameter("x", shape=(3,), dtype="float16")) == ref["param_f16"]
    pd = ParameterDict("m_")
    pd.get("w", shape=(2, 3))
    pd.get("b", shape=(3,), dtype="float16")
    assert repr(pd) == ref["dict"].replace(f32, "float32")
    assert repr(ParameterDict()) == ref["empty_dict"]


# ---------------------------------------------------------------- data, grads, contexts
def test_multi_context_copies_and_reduce():
    ref = load_fixture(FAM, "misc")["info"]
    p = Parameter("w", shape=(2, 2))
    p.initialize(init=init.One(), ctx=[mx.cpu(0), mx.cpu(1)])
    d0, d1 = p.list_data()
    assert d0 is not d1
    assert p.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    assert p.data() is d0  # current_context() is cpu(0)
    with mx.cpu(1):
        assert p.data() is d1
    assert p.data(mx.cpu(1)) is d1
    assert len(p.list_grad()) == 2 and p.grad(mx.cpu(1)) is p.list_grad()[1]
    p.data(mx.cpu(1))[:] = 3.0
    np.testing.assert_array_equal(p._reduce().asnumpy(), ref["reduce_avg"])
    p.reset_ctx(mx.cpu(0))
    assert p.list_ctx() == [mx.cpu(0)]
    np.testing.assert_array_equal(p.data().asnumpy(), ref["reduce_avg"])


def test_random_init_identical_on_all_contexts():
    p = Parameter("w", shape=(3, 4))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    a, b = (d.asnumpy() for d in p.list_data())
    np.testing.assert_array_equal(a, b)
    assert np.abs(a).max() <= 0.07 and a.std() > 0


def test_reinitialize_warns_and_force_reinit():
    ref = load_fixture(FAM, "misc")["info"]
    p = Parameter("w", shape=(2, 2))
    p.initialize(init=init.One())
    with pytest.warns(UserWarning) as rec:
        p.initialize(init=init.Zero())
    assert str(rec[0].message) == ref["reinit_warning"]
    assert p.data().asnumpy().sum() == 4
    p.initialize(init=init.Zero(), force_reinit=True)
    assert p.data().asnumpy().sum() == 0


def test_gradients_write_add_null_and_fresh_flag():
    p = Parameter("w", shape=(3,))
    p.initialize(init=init.One())
    assert p._fresh_grad is False
    x = mx.nd.array([1.0, 2.0, 3.0])
    with mx.autograd.record():
        y = (p.data() * x).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad().asnumpy(), [1, 2, 3])
    assert p._fresh_grad is True
    p._fresh_grad = False
    assert p._fresh_grad is False
    p.grad_req = "add"
    np.testing.assert_array_equal(p.grad().asnumpy(), [0, 0, 0])  # new zero buffer
    for _ in range(2):
        with mx.autograd.record():
            y = (p.data() * x).sum()
        y.backward()
    np.testing.assert_array_equal(p.grad().asnumpy(), [2, 4, 6])
    p.zero_grad()
    np.testing.assert_array_equal(p.grad().asnumpy(), [0, 0, 0])
    p.grad_req = "null"
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        p.grad()
    assert p.data()._ag is None  # detached: no longer an autograd variable
    p.zero_grad()  # no-op without grads
    p.grad_req = "write"
    np.testing.assert_array_equal(p.grad().asnumpy(), [0, 0, 0])


def test_cast_and_dtype_setter():
    p = Parameter("w", shape=(2, 3))
    p.initialize(init=init.Constant(1.5))
    p.dtype = "float16"
    assert p.dtype == "float16"
    assert p.data().dtype == np.float16 and p.grad().dtype == np.float16
    np.testing.assert_array_equal(p.data().asnumpy(), np.full((2, 3), 1.5, np.float16))
    with mx.autograd.record():
        y = (p.data() * 2).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad().asnumpy(), np.full((2, 3), 2, np.float16))
    q = Parameter("q", shape=(2,))
    q.cast(np.float64)  # before initialization: only the dtype changes
    q.initialize()
    assert q.data().dtype == np.float64


def test_set_data():
    p = Parameter("w", shape=(2, 2))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    p.set_data(mx.nd.ones((2, 2)) * 4)
    for d in p.list_data():
        np.testing.assert_array_equal(d.asnumpy(), np.full((2, 2), 4.0))
    with pytest.raises(AssertionError, match="incompatible"):
        p.set_data(mx.nd.ones((3, 2)))
    with pytest.raises(AssertionError, match="has not been initialized"):
        Parameter("u", shape=(2,)).set_data(mx.nd.ones((2,)))


def test_deferred_init_completion():
    p = Parameter(
        "dense0_weight", shape=(4, 0), init=init.One(), allow_deferred_init=True
    )
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    assert p._deferred_init and p._unknown_dims == (1,)
    with pytest.raises(AssertionError, match="invalid shape"):
        p._finish_deferred_init()
    assert p._deferred_init  # still pending: set the shape and retry
    p.shape = (4, 5)
    p._finish_deferred_init()
    assert p._deferred_init == () and p.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_array_equal(p.data(mx.cpu(1)).asnumpy(), np.ones((4, 5)))
    p._finish_deferred_init()  # no-op once done


def test_deferred_init_uses_global_weight_init_whatever_the_name():
    p = Parameter("foo_bias", shape=(0,), allow_deferred_init=True)
    p.initialize(default_init=init.One())
    p.shape = (3,)
    p._finish_deferred_init()
    np.testing.assert_array_equal(p.data().asnumpy(), [1, 1, 1])


def test_set_data_completes_deferred_init():
    p = Parameter("w", shape=(2, 0), allow_deferred_init=True, dtype="float16")
    p.initialize()
    p.set_data(mx.nd.array([[1, 2, 3], [4, 5, 6]]))
    assert p.shape == (2, 3)
    assert p.data().dtype == np.float16
    np.testing.assert_array_equal(p.data().asnumpy(), [[1, 2, 3], [4, 5, 6]])
    assert p.grad().shape == (2, 3)


def test_reset_ctx_while_deferred():
    p = Parameter("w", shape=(0,), allow_deferred_init=True)
    p.initialize(ctx=mx.cpu(0))
    p.reset_ctx([mx.cpu(1)])
    assert p.list_ctx() == [mx.cpu(1)]


def test_sparse_methods():
    p = Parameter("emb_weight", shape=(4, 2), grad_stype="row_sparse")
    p.initialize(mx.init.Constant(2))
    assert p.grad().shape == (4, 2) and p.grad().stype == "row_sparse"  # issue 13
    with pytest.raises(RuntimeError, match="storage type is default"):
        p.row_sparse_data(mx.nd.array([0]))
    p = Parameter("emb_weight", shape=(4, 2), stype="row_sparse")
    p.initialize(mx.init.Constant(2))
    # MXNet: the value of a row_sparse parameter comes from its Trainer's
    # kvstore; data() and reading rows without a Trainer raise
    with pytest.raises(RuntimeError, match="no Trainer"):
        p.row_sparse_data(mx.nd.array([0]))
    with pytest.raises(RuntimeError, match="use row_sparse_data"):
        p.data()
    with pytest.raises(RuntimeError, match="use row_sparse_data"):
        p.list_data()
    mx.gluon.Trainer([p], "sgd")
    r = p.row_sparse_data(mx.nd.array([3, 1, 3]))
    assert r.stype == "row_sparse" and r.indices.asnumpy().tolist() == [1, 3]
    assert (r.data.asnumpy() == 2).all()
    (r2,) = p.list_row_sparse_data(mx.nd.array([0]))
    assert r2.indices.asnumpy().tolist() == [0]


def test_ctx_argument_validation():
    with pytest.raises(TypeError, match="ctx must be a Context"):
        Parameter("w", shape=(2,)).initialize(ctx="cpu")


def test_tensor_types_exported():
    types = parameter_mod.tensor_types
    assert mx.nd.NDArray in types
    assert parameter_mod.DeferredInitializationError is DeferredInitializationError


def test_var_attributes_match_mxnet():
    ref = load_fixture(FAM, "misc")["info"]
    p = Parameter("w", shape=(2, 3), init=init.Xavier(), lr_mult=2.0)
    v = p.var()
    assert p.var() is v  # cached
    assert v.attr_dict()["w"] == ref["var_attrs"]
    q = Parameter("v", shape=(2, 0), dtype="float16", wd_mult=0.0)
    assert q.var().attr_dict()["v"] == ref["var_attrs_partial"]


# ---------------------------------------------------------------- Constant
def test_constant():
    ref = load_fixture(FAM, "misc")["info"]
    c = Constant("const", [[1, 2], [3, 4]])
    assert c.grad_req == ref["constant_grad_req"]
    assert np.dtype(c.dtype) == np.dtype(ref["constant_dtype"])
    assert repr(c) == "Constant const (shape=(2, 2), dtype=float32)"
    with pytest.warns(UserWarning) as rec:
        c.grad_req = "write"
    assert str(rec[0].message) == ref["constant_grad_req_warning"]
    assert c.grad_req == "null"
    assert isinstance(c.init, str) and c.init.startswith("Constant_const_")
    c.initialize(default_init=init.Xavier())  # own init wins
    np.testing.assert_array_equal(c.data().asnumpy(), ref["constant_value"])
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        c.grad()
    c.set_data(mx.nd.zeros((2, 2)))
    assert c.data().asnumpy().sum() == 0


# ---------------------------------------------------------------- ParameterDict misc
def test_dict_mapping_and_setattr():
    pd = ParameterDict("net_")
    a = pd.get("a", shape=(2,))
    b = pd.get("b", shape=(3,))
    assert list(pd) == ["net_a", "net_b"] and len(pd) == 2
    assert list(pd.values()) == [a, b] and dict(pd.items()) == {"net_a": a, "net_b": b}
    assert pd["net_b"] is b and "net_a" in pd and "a" not in pd
    assert pd.prefix == "net_"
    pd.setattr("lr_mult", 0.5)
    assert a.lr_mult == b.lr_mult == 0.5
    pd.initialize(ctx=[mx.cpu(0), mx.cpu(2)])
    assert pd.list_ctx() == [mx.cpu(0), mx.cpu(2)]
    for p in pd.values():
        p.grad()[:] = 1
    pd.zero_grad()
    assert all(g.asnumpy().sum() == 0 for p in pd.values() for g in p.list_grad())
    pd.setattr("grad_req", "null")
    pd.zero_grad()
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        a.grad()
    pd.reset_ctx(mx.cpu(1))
    assert pd.list_ctx() == [mx.cpu(1)]


def test_dict_initialize_verbose(caplog):
    pd = ParameterDict("v_")
    pd.get("weight", shape=(2,))
    with caplog.at_level("INFO"):
        pd.initialize(init.One(), verbose=True)
    assert "Initialized v_weight" in caplog.text


# ---------------------------------------------------------------- load_dict
def _loaded_values() -> dict:
    vals = load_fixture(FAM, "params_values")
    return {k: mx.nd.array(v, dtype=v.dtype) for k, v in vals.items()}


def _fresh(prefix="net_", extra=False, dtype_bias="float16", deferred=False):
    q = ParameterDict(prefix)
    q.get("weight", shape=(2, 0) if deferred else (2, 3), allow_deferred_init=True)
    q.get("bias", shape=(3,), dtype=dtype_bias)
    q.get("running_mean", shape=(3,), grad_req="null")
    if extra:
        q.get("extra", shape=(1,))
    return q


def _check_values(q: ParameterDict, prefix: str = "net_") -> None:
    vals = load_fixture(FAM, "params_values")
    for k, v in vals.items():
        got = q[prefix + k[len("net_") :]].data()
        assert got.dtype == v.dtype.type
        np.testing.assert_array_equal(got.asnumpy(), v)


def test_load_dict_arg_aux_and_restore_prefix():
    vals = _loaded_values()
    q = _fresh()
    q.load_dict(
        {
            "arg:net_weight": vals["net_weight"],
            "aux:net_running_mean": vals["net_running_mean"],
            "net_bias": vals["net_bias"],
        }
    )
    _check_values(q)
    r = _fresh(prefix="model_net_")
    r.load_dict(
        {k[len("net_") :]: v for k, v in vals.items()}, restore_prefix="model_net_"
    )
    for k in ("weight", "bias", "running_mean"):
        np.testing.assert_array_equal(
            r["model_net_" + k].data().asnumpy(), vals["net_" + k].asnumpy()
        )


def test_load_dict_errors():
    ref = load_fixture(FAM, "load_errors")["errors"]
    vals = _loaded_values()
    with pytest.raises(AssertionError) as exc:
        _fresh(extra=True).load_dict(vals)
    want = ref["missing"]["message"].split(" Please make sure")[0]
    want = re.sub(r"file: \S+\.params", "param_dict", want)
    assert str(exc.value).startswith(want)
    assert "allow_missing=True" in str(exc.value)
    q = ParameterDict("net_")
    q.get("weight", shape=(2, 3))
    with pytest.raises(AssertionError) as exc:
        q.load_dict(vals)
    want = ref["extra"]["message"].split(" Please make sure")[0]
    want = re.sub(r"file: \S+\.params", "param_dict", want)
    assert str(exc.value).startswith(want)
    q.load_dict(vals, ignore_extra=True)
    with pytest.raises(AssertionError) as exc:
        _fresh(dtype_bias="float32").load_dict(vals)
    # MXNet prints the saved dtype as "<class 'numpy.float16'>"; we print float16.
    assert str(exc.value) == ref["dtype_mismatch"]["message"].replace(
        "<class 'numpy.float16'>", "float16"
    )
    partial = {"net_weight": vals["net_weight"]}
    r = _fresh()
    r.load_dict(partial, allow_missing=True)
    np.testing.assert_array_equal(
        r["net_weight"].data().asnumpy(), vals["net_weight"].asnumpy()
    )


def test_load_dict_cast_and_deferred():
    ref = load_fixture(FAM, "load_errors")["errors"]
    vals = _loaded_values()
    q = _fresh(deferred=True)
    q.initialize()
    q.load_dict(vals)
    assert list(q["net_weight"].shape) == ref["deferred_load_shape"]["value"]
    q = _fresh(dtype_bias="float32")
    q.load_dict(vals, cast_dtype=True)
    assert q["net_bias"].data().dtype.__name__ == ref["cast_current_dtype"]["value"]
    q = _fresh(dtype_bias="float32")
    q.load_dict(vals, cast_dtype=True, dtype_source="saved")
    assert str(np.dtype(q["net_bias"].dtype)) == ref["cast_saved_dtype"]["value"]
    q = _fresh()
    q.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    with pytest.raises(AssertionError, match="previous initialized"):
        q.load_dict(vals, ctx=mx.cpu(3))
    q.load_dict(vals, ctx=[mx.cpu(1), mx.cpu(0)])
    _check_values(q)
    n = Parameter("n")  # shape unknown: taken from the data
    n._load_init(mx.nd.ones((2,)), None)
    assert n.shape == (2,) and n.list_ctx() == [mx.cpu(0)]
    w = Parameter("w", shape=(2, 3))
    with pytest.raises(AssertionError, match="shape incompatible"):
        w._load_init(mx.nd.ones((3, 3)), None)


def test_save_strip_prefix_error():
    ref = load_fixture(FAM, "load_errors")["errors"]
    pd = ParameterDict("net_")
    pd.get("weight", shape=(2, 3))
    pd.initialize()
    with pytest.raises(ValueError) as exc:
        pd.save("unused.params", strip_prefix="zz_")
    assert str(exc.value) == ref["save_strip_bad"]["message"].split(" For more info")[0]


# ---------------------------------------------------------------- files (nd.save/load)
def test_load_mxnet_params_files():
    d = FIXTURES / FAM
    for fname, prefix in [
        ("dict_full.params", ""),
        ("dict_argaux.params", ""),
        ("dict_stripped.params", "net_"),
    ]:
        q = _fresh()
        q.load(str(d / fname), restore_prefix=prefix)
        _check_values(q)
    ref = load_fixture(FAM, "load_errors")["errors"]
    with pytest.raises(AssertionError) as exc:
        _fresh().load(str(d / "dict_stripped.params"), restore_prefix="zz_")
    assert (
        str(exc.value)
        == ref["restore_prefix_bad"]["message"].split(" For more info")[0]
    )


def test_save_load_roundtrip(tmp_path):
    vals = _loaded_values()
    q = _fresh()
    q.load_dict(vals)
    q.save(str(tmp_path / "a.params"))
    q.save(str(tmp_path / "b.params"), strip_prefix="net_")
    r = _fresh()
    r.load(str(tmp_path / "a.params"))
    _check_values(r)
    s = _fresh()
    s.load(str(tmp_path / "b.params"), restore_prefix="net_")
    _check_values(s)
    assert set(mx.nd.load(str(tmp_path / "b.params"))) == {
        "weight",
        "bias",
        "running_mean",
    }


@pytest.mark.parametrize(
    "ctxs", [[mx.cpu(0)], [mx.cpu(0), mx.cpu(1)], [mx.cpu(1), mx.cpu(0)]]
)
def test_initialized_copies_are_independent_arrays_on_their_contexts(ctxs):
    # The freshly initialised array becomes the value on its own context
    # (no copy); every other context gets its own copy.
    p = Parameter("w", shape=(3, 4))
    p.initialize(mx.init.Uniform(), ctx=ctxs)
    arrays = p.list_data()
    assert [a.context for a in arrays] == ctxs
    first = arrays[0].asnumpy()
    for a in arrays[1:]:
        np.testing.assert_array_equal(a.asnumpy(), first)
    arrays[0][:] = 7.0
    for a in arrays[1:]:
        np.testing.assert_array_equal(a.asnumpy(), first)
    assert p.grad(ctxs[0]).shape == (3, 4)
