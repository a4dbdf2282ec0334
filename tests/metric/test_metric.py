"""``mx.metric`` against MXNet 1.9.1 fixtures (tools/fixtures/metric.py).

Each fixture case replays an update sequence and compares, after every step,
``get``/``get_global``/``get_name_value``/``get_global_name_value`` and the
accumulators, then ``get_config``, ``str``, and the results after
``reset_local``, one more update and ``reset``. Floats: rtol=1e-6, atol=1e-6
(float32 partial sums are the same numpy/torch reductions as MXNet's).
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

RTOL = 1e-6
ATOL = 1e-6

# The same custom evaluation functions as tools/fixtures/metric.py (inputs).


def mean_abs(label, pred):
    return float(np.abs(label.ravel() - pred.ravel()).mean())


def correct_count(label, pred):
    return (float((pred.argmax(axis=1) == label.astype("int64")).sum()), label.size)


FEVALS = {
    "mean_abs": mean_abs,
    "correct_count": correct_count,
    "lambda_max": lambda label, pred: float(pred.max()),
}

CASES = [n for n in fixture_names("metric") if n not in ("errors", "create")]


def _to_nd(ref):
    if ref is None:
        return None
    if "list" in ref:
        return [
            mx.nd.array(np.asarray(a["data"]), dtype=a["dtype"]) for a in ref["list"]
        ]
    if "dict" in ref:
        return OrderedDict(
            (k, mx.nd.array(np.asarray(a["data"]), dtype=a["dtype"]))
            for k, a in ref["dict"].items()
        )
    a = ref["single"]
    return mx.nd.array(np.asarray(a["data"]), dtype=a["dtype"])


def _build(spec):
    kind = spec["kind"]
    kwargs = dict(spec.get("kwargs", {}))
    args = spec.get("args", [])
    if kind == "create":
        return mx.metric.create(spec["name"], *args, **kwargs)
    if kind == "cls":
        return getattr(mx.metric, spec["name"])(*args, **kwargs)
    if kind == "custom":
        return mx.metric.CustomMetric(FEVALS[spec["feval"]], **kwargs)
    if kind == "np":
        return mx.metric.np(FEVALS[spec["feval"]], **kwargs)
    if kind == "create_feval":
        return mx.metric.create(FEVALS[spec["feval"]], **kwargs)
    raise ValueError(kind)


def _plain(x):
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return x.item()
    return x


def _state(m):
    out = {}
    for k in ("sum_metric", "num_inst", "global_sum_metric", "global_num_inst"):
        try:
            out[k] = _plain(getattr(m, k))
        except AttributeError:
            out[k] = "AttributeError"
    return out


def _types(m):
    """Result/accumulator types: float64 sums, int counts, as in MXNet."""
    out = {"get": type(m.get()[1]).__name__}
    for k in ("sum_metric", "num_inst", "global_sum_metric", "global_num_inst"):
        out[k] = type(getattr(m, k, None)).__name__
    return out


def _snapshot(m):
    return {
        "get": _plain(m.get()),
        "get_global": _plain(m.get_global()),
        "name_value": _plain(m.get_name_value()),
        "global_name_value": _plain(m.get_global_name_value()),
        "state": _state(m),
        "types": _types(m),
    }


def _apply(m, upd):
    labels, preds = _to_nd(upd["labels"]), _to_nd(upd["preds"])
    if upd.get("method") == "update_dict":
        m.update_dict(labels, preds)
    else:
        m.update(labels, preds)


def assert_same(got, want, where="result"):
    if isinstance(want, float) and isinstance(got, (int, float)):
        if math.isnan(want):
            assert math.isnan(got), f"{where}: got {got}, MXNet gives nan"
        else:
            assert got == pytest.approx(want, rel=RTOL, abs=ATOL), (
                f"{where}: got {got}, MXNet gives {want}"
            )
    elif isinstance(want, int) and not isinstance(want, bool):
        assert isinstance(got, (int, float)) and got == want, (
            f"{where}: got {got!r}, MXNet gives {want!r}"
        )
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (
            f"{where}: got {got!r}, MXNet gives {want!r}"
        )
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), (
            f"{where}: got keys {sorted(got)}, MXNet gives {sorted(want)}"
        )
        for k in want:
            assert_same(got[k], want[k], f"{where}.{k}")
    else:
        assert got == want, f"{where}: got {got!r}, MXNet gives {want!r}"


def _str_values(s):
    """Split ``str(metric)`` into its text and its float values."""
    nums = [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?|nan", s)]
    return re.sub(r"-?\d+\.\d+(?:e-?\d+)?|nan", "#", s), nums


@pytest.mark.parametrize("case", CASES)
def test_metric_case(case):
    fx = load_fixture("metric", case)["case"]
    spec, updates, want = fx["spec"], fx["updates"], fx["result"]
    m = _build(spec)
    assert type(m).__name__ == want["class"]
    assert m.name == want["name"]
    for i, upd in enumerate(updates):
        _apply(m, upd)
        assert_same(_snapshot(m), want["steps"][i], f"{case} step {i}")
    if "config" in want:
        assert_same(_plain(m.get_config()), want["config"], f"{case} get_config")
    else:
        etype, msg = want["config_error"]
        with pytest.raises(NotImplementedError, match=re.escape(msg)):
            m.get_config()
        assert etype == "NotImplementedError"
    got_text, got_nums = _str_values(str(m))
    want_text, want_nums = _str_values(want["str"])
    assert got_text == want_text
    assert_same(got_nums, want_nums, f"{case} str")
    m.reset_local()
    assert_same(_snapshot(m), want["after_reset_local"], f"{case} after reset_local")
    _apply(m, updates[0])
    assert_same(
        _snapshot(m), want["after_reset_local_update"], f"{case} update after reset"
    )
    m.reset()
    assert_same(_snapshot(m), want["after_reset"], f"{case} after reset")


# ------------------------------------------------------------------ errors

ERRORS = load_fixture("metric", "errors")["errors"] if CASES else {}
P43 = [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5], [0.05, 0.15, 0.8]]
P32 = [[0.5, 0.4, 0.1], [0.2, 0.2, 0.6], [0.3, 0.45, 0.25]]


def _error_calls():
    nd = mx.nd
    p43 = nd.array(P43)
    l3 = nd.array([0, 1, 2])
    m = mx.metric
    return {
        "acc_list_len": lambda: m.Accuracy().update([l3], [p43, p43]),
        "acc_single_len": lambda: m.Accuracy().update(l3, p43),
        "acc_flat_len": lambda: m.Accuracy().update([l3], [p43]),
        "topk_1": lambda: m.TopKAccuracy(top_k=1),
        "topk_3d": lambda: m.TopKAccuracy(top_k=2).update(
            [nd.array([[0, 1]])], [nd.ones((1, 2, 3))]
        ),
        "topk_rows": lambda: m.TopKAccuracy(top_k=2).update([l3], [p43]),
        "topk_over_classes": lambda: m.TopKAccuracy(top_k=5).update(
            [l3], [nd.array(P32)]
        ),
        "f1_multiclass": lambda: m.F1().update(
            [nd.array([0, 1, 2, 1])], [nd.ones((4, 2))]
        ),
        "mcc_multiclass": lambda: m.MCC().update(
            [nd.array([0, 1, 2, 1])], [nd.ones((4, 2))]
        ),
        "f1_rows": lambda: m.F1().update([l3], [p43]),
        "mae_list_len": lambda: m.MAE().update([l3, l3], [p43]),
        "rmse_single_len": lambda: m.RMSE().update(l3, p43),
        "ce_rows": lambda: m.CrossEntropy().update([l3], [p43]),
        "nll_rows": lambda: m.NegativeLogLikelihood().update([l3], [p43]),
        "perplexity_len": lambda: m.Perplexity(None).update([l3], [p43, p43]),
        "perplexity_size": lambda: m.Perplexity(None).update([l3], [p43]),
        "pearson_shape": lambda: m.PearsonCorrelation().update(
            [nd.array([1, 2, 3])], [nd.array([[1], [2], [3]])]
        ),
        "pearson_len": lambda: m.PearsonCorrelation().update([l3], [l3, l3]),
        "custom_len": lambda: m.CustomMetric(mean_abs).update([l3], [l3, l3]),
        "custom_config": lambda: m.CustomMetric(mean_abs).get_config(),
        "base_update": lambda: m.EvalMetric("base").update([l3], [l3]),
        "create_unknown": lambda: m.create("no_such_metric"),
        "create_int": lambda: m.create(123),
        "create_instance_extra": lambda: m.create(m.Accuracy(), axis=0),
        "perplexity_missing_ignore": lambda: m.create("perplexity"),
    }


TYPES = {
    "ValueError": ValueError,
    "AssertionError": AssertionError,
    "NotImplementedError": NotImplementedError,
    "TypeError": TypeError,
}
# numpy's own message differs between numpy 1.23 (MXNet's) and numpy 2.
OWN_TEXT = {"topk_over_classes", "perplexity_missing_ignore"}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_metric_error(name):
    etype, msg = ERRORS[name]
    call = _error_calls()[name]
    with pytest.raises(TYPES[etype]) as info:
        call()
    if msg and name not in OWN_TEXT:
        assert msg.rstrip(".") in str(info.value)
    if etype == "AssertionError":
        # Input errors also read as ValueError/TypeError (registry helpers).
        assert isinstance(info.value, (ValueError, TypeError))


def test_error_names_are_covered():
    assert set(_error_calls()) == set(ERRORS)


# ------------------------------------------------------------------ create


def test_create_registry_names():
    want = load_fixture("metric", "create")["create"]
    for n, w in want.items():
        if (
            not isinstance(w, dict)
            or "class" not in w
            or n
            in (
                "roundtrip_config",
                "json_list",
                "json_dict",
                "dict",
                "class_is_callable",
            )
        ):
            continue
        args, kwargs = [], {}
        if n.startswith("top"):
            kwargs = {"top_k": 3}
        if n == "perplexity":
            args = [-1]
        if n == "custommetric":
            args = [mean_abs]
        m = mx.metric.create(n, *args, **kwargs)
        assert type(m).__name__ == w["class"], n
        assert m.name == w["name"], n
        if w["config"] is None:
            with pytest.raises(NotImplementedError):
                m.get_config()
        else:
            assert_same(_plain(m.get_config()), w["config"], n)


def test_create_forms():
    want = load_fixture("metric", "create")["create"]
    acc = mx.metric.Accuracy(axis=0, name="a0")
    rt = mx.metric.create(**acc.get_config())
    assert type(rt).__name__ == want["roundtrip_config"]["class"]
    assert_same(rt.get_config(), want["roundtrip_config"]["config"])
    js = mx.metric.create('["ce", {"eps": 0.5}]')
    assert type(js).__name__ == want["json_list"]["class"]
    assert_same(_plain(js.get_config()), want["json_list"]["config"])
    jd = mx.metric.create('{"metric": "mse", "name": "m2"}')
    assert type(jd).__name__ == want["json_dict"]["class"]
    assert_same(_plain(jd.get_config()), want["json_dict"]["config"])
    dd = mx.metric.create({"metric": "top_k_acc", "top_k": 4})
    assert type(dd).__name__ == want["dict"]["class"]
    assert_same(_plain(dd.get_config()), want["dict"]["config"])
    inst = mx.metric.F1()
    assert (mx.metric.create(inst) is inst) is want["instance_is_same"]
    klass = mx.metric.create(mx.metric.Accuracy)
    assert type(klass).__name__ == want["class_is_callable"]["class"]
    assert klass.name == want["class_is_callable"]["name"]
    comp = mx.metric.create(["acc", mx.metric.MAE(name="m")])
    assert_same(_plain(comp.get_config()), want["composite_config"])
    comp2 = mx.metric.create(**comp.get_config())
    assert_same(_plain(comp2.get_config()), want["composite_roundtrip"])


def test_composite_helpers():
    want = load_fixture("metric", "create")["create"]
    c = mx.metric.CompositeEvalMetric()
    c.add("acc")
    c.add(mx.metric.RMSE())
    assert [type(x).__name__ for x in c.metrics] == want["composite_add"]
    assert type(c.get_metric(1)).__name__ == want["composite_get_metric"]
    bad = c.get_metric(5)  # returned, not raised, as in MXNet 1.9.1
    assert [type(bad).__name__, str(bad)] == want["composite_get_metric_bad"]
    assert_same(
        _plain(mx.metric.CompositeEvalMetric().get()), want["composite_empty_get"]
    )


def test_base_metric():
    want = load_fixture("metric", "create")["create"]
    base = mx.metric.EvalMetric("base", foo=1)
    assert_same(_plain(base.get()), want["base"]["get"])
    assert_same(_plain(base.get_config()), want["base"]["config"])
    assert str(base) == want["base"]["str"]
    assert_same(_plain(base.get_name_value()), want["base"]["name_value"])
    assert str(mx.metric.Accuracy()) == want["nan_str"]


def test_register_and_alias():
    @mx.metric.register
    @mx.metric.alias("neo_test_metric_alias")
    class NeoTestMetric(mx.metric.EvalMetric):
        def __init__(self, name="neo_test"):
            super().__init__(name)

        def update(self, labels, preds):
            self.sum_metric += 2.0
            self.num_inst += 1

    for n in ("neotestmetric", "NEO_TEST_METRIC_ALIAS"):
        m = mx.metric.create(n)
        assert isinstance(m, NeoTestMetric)
    m.update(None, None)
    assert m.get() == ("neo_test", 2.0)
    with pytest.raises(TypeError):
        mx.metric.register(int)


def test_numpy_inputs_match_ndarray_inputs():
    label = np.array([1, 1, 2, 0], dtype=np.float32)
    pred = np.asarray(P43, dtype=np.float32)
    for name in ("acc", "mae", "ce", "f1"):
        if name == "f1":
            label = np.array([1, 0, 0, 1], dtype=np.float32)
            pred = pred[:, :2]
        a, b = mx.metric.create(name), mx.metric.create(name)
        a.update([label], [pred])
        b.update([mx.nd.array(label)], [mx.nd.array(pred)])
        assert a.get() == pytest.approx(b.get()), name


def test_mx_metric_lazy_attribute():
    import neogluon.metric as metric_module

    assert mx.metric is metric_module
    assert "np" in mx.metric.__all__
