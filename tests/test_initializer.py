"""Tests for ``neogluon.initializer`` against MXNet 1.9.1 fixtures and theory."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

import neogluon as mx
from neogluon import initializer as init
from neogluon.gluon.parameter import Parameter
from neogluon.gluon.parameter import ParameterDict
from neogluon.registry import AssertionValueError
from tests.conftest import load_fixture

FAM = "initializer"


def _fill(ini, name, shape, attrs=None):
    arr = mx.nd.zeros(shape)
    ini(init.InitDesc(name, attrs or {}), arr)
    return arr.asnumpy()


# ---------------------------------------------------------------- dumps / create
DUMPS = {
    "Zero()": lambda: init.Zero(),
    "One()": lambda: init.One(),
    "Constant(0.5)": lambda: init.Constant(0.5),
    "Constant([1.0, 2.0])": lambda: init.Constant(np.array([1.0, 2.0])),
    "Uniform()": lambda: init.Uniform(),
    "Uniform(0.1)": lambda: init.Uniform(0.1),
    "Normal()": lambda: init.Normal(),
    "Normal(0.5)": lambda: init.Normal(0.5),
    "Xavier()": lambda: init.Xavier(),
    "Xavier('gaussian', 'in', 2)": lambda: init.Xavier("gaussian", "in", 2),
    "Xavier(factor_type='in', magnitude=2.34)": lambda: init.Xavier(
        factor_type="in", magnitude=2.34
    ),
    "MSRAPrelu()": lambda: init.MSRAPrelu(),
    "MSRAPrelu('in', 0.1)": lambda: init.MSRAPrelu("in", 0.1),
    "Orthogonal()": lambda: init.Orthogonal(),
    "Orthogonal(2.0, 'normal')": lambda: init.Orthogonal(2.0, "normal"),
    "Bilinear()": lambda: init.Bilinear(),
    "LSTMBias()": lambda: init.LSTMBias(),
    "LSTMBias(0.5)": lambda: init.LSTMBias(0.5),
    "FusedRNN(None, 4, 1, 'lstm')": lambda: init.FusedRNN(None, 4, 1, "lstm"),
    "FusedRNN(Xavier(), 4, 2, 'gru', True, 0.5)": lambda: init.FusedRNN(
        init.Xavier(), 4, 2, "gru", True, 0.5
    ),
}


def test_dumps_match_mxnet():
    ref = load_fixture(FAM, "dumps")["dumps"]
    assert set(ref) == set(DUMPS)
    for key, make in DUMPS.items():
        assert make().dumps() == ref[key], key


def test_create_roundtrip_from_dumps():
    for key, make in DUMPS.items():
        obj = make()
        again = init.create(obj.dumps())
        assert type(again) is type(obj), key
        assert again.dumps() == obj.dumps(), key


def test_create_forms():
    x = init.Xavier(magnitude=2)
    assert init.create(x) is x
    assert isinstance(init.create("XAVIER"), init.Xavier)
    assert isinstance(init.create("zeros"), init.Zero)
    assert isinstance(init.create("ones"), init.One)
    assert init.create("uniform", 0.3).scale == 0.3
    assert init.create({"initializer": "normal", "sigma": 0.2}).sigma == 0.2
    assert init.create('{"initializer": "normal", "sigma": 0.4}').sigma == 0.4
    assert init.create('["xavier", {"magnitude": 5}]').magnitude == 5.0


def test_create_errors():
    ref = load_fixture(FAM, "errors")["errors"]
    with pytest.raises(AssertionError) as exc:
        init.create("nosuchinit")
    assert isinstance(exc.value, ValueError)
    assert str(exc.value).startswith(ref["create_unknown"]["message"])
    with pytest.raises(AssertionError, match="must be of string type"):
        init.create(3.0)
    with pytest.raises(AssertionError, match="already an instance"):
        init.create(init.One(), 2)


def test_register_and_alias():
    @init.register
    @init.alias("neoglu_test_alias")
    class NeoTestInit(init.Initializer):
        def __init__(self, v=0.25):
            super().__init__(v=v)
            self.v = v

        def _init_weight(self, _, arr):
            arr[:] = self.v

    assert isinstance(init.create("neotestinit"), NeoTestInit)
    assert isinstance(init.create("NEOGLU_TEST_ALIAS"), NeoTestInit)
    assert NeoTestInit(0.5).dumps() == '["neotestinit", {"v": 0.5}]'
    np.testing.assert_array_equal(
        _fill(init.create("neotestinit", v=2.0), "a_weight", (2,)), [2.0, 2.0]
    )
    with pytest.warns(UserWarning, match="overriding existing initializer"):

        @init.register
        class NeoTestInit(init.Initializer):  # noqa: F811 - re-registration on purpose
            def _init_weight(self, _, arr):
                arr[:] = 0

    with pytest.raises(TypeError, match="Can only register subclass of Initializer"):
        init.register(int)


def test_equality():
    assert init.Xavier() == init.Xavier()
    assert init.Xavier() != init.Xavier(magnitude=2)
    assert init.Uniform(0.07) != init.Normal(0.07)
    assert init.One() != "one"


def test_initdesc():
    d = init.InitDesc("fc_weight", {"__init__": "zeros"})
    assert d == "fc_weight" and isinstance(d, str)
    assert d.attrs == {"__init__": "zeros"} and d.global_init is None
    assert init.InitDesc("x").attrs == {}


# ---------------------------------------------------------------- deterministic
def test_deterministic_outputs():
    ref = load_fixture(FAM, "deterministic")
    got = {
        "zero": _fill(init.Zero(), "fc_weight", (2, 3)),
        "one": _fill(init.One(), "fc_weight", (2, 3)),
        "constant": _fill(init.Constant(0.5), "fc_weight", (2, 3)),
        "constant_array": _fill(
            init.Constant(mx.nd.array([[1, 2, 3]])), "fc_weight", (2, 3)
        ),
        "bilinear_1144": _fill(init.Bilinear(), "up_weight", (1, 1, 4, 4)),
        "bilinear_2135": _fill(init.Bilinear(), "up_weight", (2, 1, 3, 5)),
        "lstmbias": _fill(
            init.Uniform(), "lstm_bias", (16,), {"__init__": init.LSTMBias()}
        ),
        "lstmbias_05": _fill(
            init.Uniform(), "lstm_bias", (8,), {"__init__": init.LSTMBias(0.5).dumps()}
        ),
        "lstmbias_suffix": _fill(init.LSTMBias(), "lstm_bias", (8,)),
        "fused_lstm": _fill(
            init.FusedRNN(init.One(), 2, 1, "lstm", forget_bias=0.5),
            "rnn_weight",
            (56,),
        ),
    }
    total = ref["fused_gru_bi"].size
    got["fused_gru_bi"] = _fill(
        init.FusedRNN(init.Constant(0.25), 2, 2, "gru", True), "rnn_weight", (total,)
    )
    got["fused_lstm_via_attr"] = _fill(
        init.One(),
        "rnn_parameters",
        (56,),
        {"__init__": init.FusedRNN(None, 2, 1, "lstm").dumps()},
    )
    assert set(got) == set(ref)
    for k, v in got.items():
        np.testing.assert_allclose(v, ref[k], rtol=1e-6, atol=0, err_msg=k)


def test_fused_rnn_wrong_size():
    with pytest.raises(ValueError, match="not a fused lstm vector"):
        _fill(init.FusedRNN(init.One(), 2, 1, "lstm"), "rnn_weight", (55,))


def test_suffix_dispatch():
    ref = load_fixture(FAM, "suffix_dispatch")
    for name, expected in ref.items():
        np.testing.assert_array_equal(_fill(init.Constant(3.0), name, (2, 2)), expected)


def test_unknown_suffix_and_xavier_vector_errors():
    ref = load_fixture(FAM, "errors")["errors"]
    with pytest.raises(ValueError) as exc:
        _fill(init.Uniform(), "foo", (2,))
    assert str(exc.value) == ref["unknown_suffix"]["message"]
    with pytest.raises(ValueError) as exc:
        _fill(init.Xavier(), "c2_bias", (3,), {"__init__": "xavier"})
    assert str(exc.value) == ref["xavier_vector"]["message"]


def test_legacy_dispatch():
    ref = load_fixture(FAM, "legacy_dispatch")
    for name in [
        "fc_moving_mean",
        "fc_moving_var",
        "fc_moving_avg",
        "fc_moving_inv_var",
        "fc_bias",
        "fc_gamma",
        "stn_loc_weight",
    ]:
        arr = mx.nd.full((2, 3), 7.0)
        with pytest.warns(DeprecationWarning, match="deprecated"):
            init.Constant(3.0)(name, arr)
        np.testing.assert_array_equal(arr.asnumpy(), ref[name], err_msg=name)
    arr = mx.nd.zeros((1, 1, 4, 4))
    with pytest.warns(DeprecationWarning):
        init.Constant(3.0)("upsampling0_weight", arr)
    np.testing.assert_allclose(arr.asnumpy(), ref["upsampling0_weight"], rtol=1e-6)
    arr = mx.nd.zeros((6,))
    with pytest.warns(DeprecationWarning):
        init.Constant(3.0)("stn_loc_bias", arr)
    np.testing.assert_array_equal(arr.asnumpy(), ref["stn_loc_bias"])


def test_mixed_and_load():
    ref = load_fixture(FAM, "legacy_dispatch")
    errs = load_fixture(FAM, "errors")["errors"]
    arr_b, arr_w = mx.nd.full((2,), 9.0), mx.nd.zeros((2, 2))
    mixed = init.Mixed(["bias", ".*"], [init.Zero(), init.One()])
    with pytest.warns(DeprecationWarning):
        mixed("fc_bias", arr_b)
        mixed("fc_weight", arr_w)
    np.testing.assert_array_equal(arr_b.asnumpy(), ref["mixed_bias"])
    np.testing.assert_array_equal(arr_w.asnumpy(), ref["mixed_weight"])
    with pytest.raises(ValueError, match="did not match any pattern"):
        init.Mixed(["bias"], [init.Zero()])("fc_weight", mx.nd.zeros((2,)))
    assert errs["mixed_no_match"]["type"] == "ValueError"

    src = {
        "arg:fc_weight": mx.nd.array([[1, 2], [3, 4]]),
        "aux:fc_bias": mx.nd.array([5, 6]),
    }
    load = init.Load(src, default_init=init.Constant(8.0))
    for name, shape in [("fc_weight", (2, 2)), ("fc_bias", (2,))]:
        arr = mx.nd.zeros(shape)
        load(name, arr)
        np.testing.assert_array_equal(arr.asnumpy(), ref["load_" + name])
    arr = mx.nd.zeros((3,))
    with pytest.warns(DeprecationWarning):
        load("other_weight", arr)
    np.testing.assert_array_equal(arr.asnumpy(), ref["load_other_weight"])
    with pytest.raises(AssertionError) as exc:
        init.Load({"arg:w": mx.nd.ones((2, 2))})("w", mx.nd.zeros((3,)))
    assert str(exc.value) == errs["load_shape_mismatch"]["message"]
    with pytest.raises(AssertionError, match="no default Initializer"):
        init.Load({})("w", mx.nd.zeros((3,)))


# ---------------------------------------------------------------- random statistics
def _check_uniform(x: np.ndarray, bound: float) -> None:
    n = x.size
    std = bound / math.sqrt(3)
    assert np.abs(x).max() <= bound * (1 + 1e-6)
    # P(max|x| < bound*(1-eps)) = (1-eps)^n: negligible for these sizes.
    eps = 50.0 / n
    assert x.max() >= bound * (1 - eps) and x.min() <= -bound * (1 - eps)
    assert abs(x.mean()) < 6 * std / math.sqrt(n)
    # sample std of a uniform: relative error ~ 0.45/sqrt(n); allow 6 sigma.
    assert abs(x.std() / std - 1) < 6 * 0.45 / math.sqrt(n)


def _check_normal(x: np.ndarray, sigma: float) -> None:
    n = x.size
    assert abs(x.mean()) < 6 * sigma / math.sqrt(n)
    # relative error of a normal's sample std ~ 1/sqrt(2n); allow 6 sigma.
    assert abs(x.std() / sigma - 1) < 6 / math.sqrt(2 * n)
    assert np.abs(x).max() < 7 * sigma


def _check_ref_uniform(ref: dict, bound: float) -> None:
    n = ref["size"]
    assert ref["max"] <= bound * (1 + 1e-6) and ref["min"] >= -bound * (1 + 1e-6)
    assert ref["max"] >= bound * (1 - 50.0 / n)
    assert abs(ref["std"] * math.sqrt(3) / bound - 1) < 6 * 0.45 / math.sqrt(n)


def _check_ref_normal(ref: dict, sigma: float) -> None:
    assert abs(ref["std"] / sigma - 1) < 6 / math.sqrt(2 * ref["size"])


def _xavier_scale(shape, factor_type, magnitude):
    hw = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
    fan_in, fan_out = shape[1] * hw, shape[0] * hw
    factor = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}[
        factor_type
    ]
    return math.sqrt(magnitude / factor)


def test_uniform_and_normal_statistics():
    ref = load_fixture(FAM, "random_stats")["stats"]
    for key, scale in [("uniform_default", 0.07), ("uniform_0.5", 0.5)]:
        ini = init.Uniform() if key == "uniform_default" else init.Uniform(scale)
        _check_ref_uniform(ref[key], scale)
        _check_uniform(_fill(ini, "w_weight", (200, 500)), scale)
    for key, sigma in [("normal_default", 0.01), ("normal_2", 2.0)]:
        ini = init.Normal() if key == "normal_default" else init.Normal(sigma)
        _check_ref_normal(ref[key], sigma)
        _check_normal(_fill(ini, "w_weight", (200, 500)), sigma)


def test_xavier_statistics():
    ref = load_fixture(FAM, "random_stats")["stats"]
    keys = [k for k in ref if k.startswith("xavier_")]
    assert len(keys) == 6
    for key in keys:
        r = ref[key]
        shape = tuple(r["shape"])
        scale = _xavier_scale(shape, r["factor_type"], r["magnitude"])
        x = _fill(
            init.Xavier(r["rnd_type"], r["factor_type"], r["magnitude"]),
            "w_weight",
            shape,
        )
        if r["rnd_type"] == "uniform":
            _check_ref_uniform(r, scale)
            _check_uniform(x, scale)
            # MXNet's bound and ours agree (both touch the same scale).
            assert abs(np.abs(x).max() - max(r["max"], -r["min"])) < scale * 1e-2
        else:
            _check_ref_normal(r, scale)
            _check_normal(x, scale)


def test_msraprelu_statistics():
    ref = load_fixture(FAM, "random_stats")["stats"]
    keys = [k for k in ref if k.startswith("msraprelu_")]
    assert len(keys) == 2
    for key in keys:
        r = ref[key]
        shape = tuple(r["shape"])
        sigma = _xavier_scale(shape, r["factor_type"], 2.0 / (1 + r["slope"] ** 2))
        _check_ref_normal(r, sigma)
        _check_normal(
            _fill(init.MSRAPrelu(r["factor_type"], r["slope"]), "w_weight", shape),
            sigma,
        )


def test_xavier_bad_args():
    with pytest.raises(ValueError, match="Incorrect factor type"):
        _fill(init.Xavier(factor_type="bad"), "w_weight", (2, 2))
    with pytest.raises(ValueError, match="Unknown random type"):
        _fill(init.Xavier(rnd_type="bad"), "w_weight", (2, 2))


def test_orthogonal():
    ref = load_fixture(FAM, "orthogonal")
    for key, scale, rand_type, shape in [
        ("wide", 1.414, "uniform", (4, 6)),
        ("tall", 1.414, "uniform", (6, 4)),
        ("conv", 2.0, "normal", (3, 2, 2, 2)),
    ]:
        w = _fill(init.Orthogonal(scale, rand_type), "w_weight", shape)
        assert w.shape == ref[key + "_sample"].shape
        flat = w.reshape(shape[0], -1).astype(np.float64)
        gram = "_gram_rows" if flat.shape[0] <= flat.shape[1] else "_gram_cols"
        mine = flat @ flat.T if gram == "_gram_rows" else flat.T @ flat
        np.testing.assert_allclose(mine, scale**2 * np.eye(mine.shape[0]), atol=1e-5)
        # MXNet's sample has the same Gram matrix (scale^2 * I).
        np.testing.assert_allclose(ref[key + gram], mine, atol=1e-5)


# ---------------------------------------------------------------- Gluon precedence
def test_gluon_precedence():
    ref = load_fixture(FAM, "precedence")
    p = Parameter("dense0_weight", shape=(2, 3), init=init.Constant(2.0))
    p.initialize(default_init=init.One())
    np.testing.assert_array_equal(p.data().asnumpy(), ref["own_init_over_global"])
    for name in ["foo_bias", "bn_gamma", "x_beta", "running_mean"]:
        p = Parameter(name, shape=(3,))
        p.initialize(default_init=init.One())
        np.testing.assert_array_equal(p.data().asnumpy(), ref["global_one_" + name])
    p = Parameter("dense1_weight", shape=(2, 2), init=init.Constant(2.0))
    p.initialize(init=init.Constant(5.0), default_init=init.One())
    np.testing.assert_array_equal(p.data().asnumpy(), ref["init_arg_over_own"])
    p = Parameter("dense2_bias", shape=(3,), init="zeros")
    p.initialize(default_init=init.One())
    np.testing.assert_array_equal(p.data().asnumpy(), ref["string_own_zeros"])
    pd = ParameterDict("net_")
    pd.get("weight", shape=(2, 2))
    pd.get("bias", shape=(2,), init="zeros")
    pd.get("gamma", shape=(2,), init=init.Constant(4.0))
    pd.initialize(init.One())
    for k, v in pd.items():
        np.testing.assert_array_equal(v.data().asnumpy(), ref["dict_" + k])
    stats = ref["global_normal_bias_stats"]
    p = Parameter("foo_bias", shape=(1000,))
    p.initialize(default_init=init.Normal(1.0))
    x = p.data().asnumpy()
    _check_normal(x, 1.0)
    _check_ref_normal(stats, 1.0)


def test_gluon_precedence_errors():
    ref = load_fixture(FAM, "precedence_errors")["errors"]
    with pytest.raises(ValueError) as exc:
        Parameter("c2_bias", shape=(3,)).initialize(default_init=init.Xavier())
    assert str(exc.value) == ref["xavier_vector_global"]["message"]
    with pytest.raises(AssertionError) as exc:
        Parameter("c3_weight", shape=(3, 3)).initialize(
            default_init=init.Mixed([".*"], [init.One()])
        )
    assert ref["mixed_as_global"]["message"] in str(exc.value)
    assert isinstance(exc.value, TypeError)


def test_init_under_pause_and_dtype():
    p = Parameter("h_weight", shape=(4, 4), dtype="float16")
    with mx.autograd.record():
        p.initialize(init=init.Uniform(0.5))
    d = p.data()
    assert d.dtype == np.float16
    assert np.abs(d.asnumpy()).max() <= 0.5
    p = Parameter("d_weight", shape=(50, 40), dtype="float64")
    p.initialize(init=init.Xavier())
    assert p.data().dtype == np.float64
    _check_uniform(p.data().asnumpy(), _xavier_scale((50, 40), "avg", 3))


def test_set_verbosity(caplog):
    ini = init.One().set_verbosity(True)
    with caplog.at_level(logging.INFO):
        _fill(ini, "fc_weight", (2, 2))
    assert "Initialized fc_weight as weight: 1.0" in caplog.text
    ini = init.Zero().set_verbosity(True, print_func=lambda x: "custom-stat")
    with caplog.at_level(logging.INFO):
        _fill(ini, "fc_bias", (2,))
    assert "custom-stat" in caplog.text


def test_assertion_value_error_is_both():
    err = AssertionValueError("x")
    assert isinstance(err, AssertionError) and isinstance(err, ValueError)
