"""Symbol JSON: our text equals MXNet 1.9.1's, and MXNet files load and re-save."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture

S = mx.sym
DIR = FIXTURES / "symbol"


def build(case: str):
    """The graphs of tools/fixtures/symbol.py, built with neogluon."""
    with mx.name.NameManager():
        if case == "mlp":
            x = S.var("data")
            h = S.FullyConnected(x, num_hidden=8, name="fc1")
            h = S.Activation(h, act_type="relu", name="relu1")
            return S.FullyConnected(h, num_hidden=3, name="fc2")
        if case == "conv_bn_pool":
            x = S.var("data")
            h = S.Convolution(x, kernel=(3, 3), num_filter=4, pad=(1, 1))
            h = S.BatchNorm(h, fix_gamma=False, eps=1e-5)
            h = S.Activation(h, act_type="relu")
            h = S.Pooling(h, kernel=(2, 2), stride=(2, 2), pool_type="max")
            h = S.Flatten(h)
            return S.FullyConnected(h, num_hidden=2)
        if case == "arith":
            a = S.var("a")
            b = S.var("b")
            outs = [a + b, a - b, a * b, a / b, a * 2, 3 - a, -a, a / 4, 1 / b]
            outs += [a**2, a + 1.5, a - 1, (a > 0.2), (a == b), abs(a)]
            return S.Group(outs)
        if case == "auto_named":
            x = S.var(
                "x",
                shape=(0, 5),
                lr_mult=2.0,
                wd_mult=0.5,
                dtype="float32",
                init=_Xavier(),
                __extra__="e",
            )
            with mx.name.Prefix("model_"):
                h = S.FullyConnected(x, num_hidden=3)
                with mx.attribute.AttrScope(ctx_group="dev1", __mine__="m"):
                    h = S.FullyConnected(h, num_hidden=2, no_bias=True)
            h = S.BatchNorm(h, name="bn")
            h = S.sum(h, axis=1, keepdims=True)
            return S.Reshape(h, shape=(-1,))
        if case == "partial":
            x = S.var("x")
            y = S.var("y")
            return S.Group([S.FullyConnected(x, num_hidden=3, name="fc"), y * 2])
        if case == "many":
            xs = [S.var(f"x{i}") for i in range(11)]
            return S.Group([S.concat(*xs, dim=0, name="c"), *[v * 1 for v in xs]])
    raise KeyError(case)


class _Xavier:
    """Stands in for mx.init.Xavier() (only ``dumps`` is used by var)."""

    def dumps(self) -> str:
        return (
            '["xavier", {"rnd_type": "uniform", "factor_type": "avg", "magnitude": 3}]'
        )


CASES = ["mlp", "conv_bn_pool", "arith", "auto_named", "partial", "many"]


@pytest.mark.parametrize("case", CASES)
def test_tojson_matches_mxnet(case):
    expected = load_fixture("symbol", case)["json"]
    ours = build(case).tojson()
    assert json.loads(ours) == json.loads(expected)
    assert ours == expected


def test_auto_named_structure():
    fx = load_fixture("symbol", "auto_named")
    s = build("auto_named")
    assert s.list_arguments() == fx["arguments"]
    assert s.list_auxiliary_states() == fx["aux"]
    assert s.get_internals().list_outputs() == fx["outputs"]
    assert s.attr_dict() == fx["attr_dict"]


@pytest.mark.parametrize("name", ["mlp", "convnet"])
def test_load_gluon_export_and_resave_identically(name, tmp_path):
    path = DIR / f"{name}-symbol.json"
    text = path.read_text()
    s = S.load(str(path))
    assert s.tojson() == text
    out = tmp_path / "again-symbol.json"
    s.save(str(out))
    assert out.read_text() == text
    assert S.load_json(text).tojson() == text


def test_export_lists_aux_states():
    s = S.load(str(DIR / "convnet-symbol.json"))
    aux = s.list_auxiliary_states()
    assert len(aux) == 2
    assert all(a.endswith(("running_mean", "running_var")) for a in aux)
    assert not set(aux) & set(s.list_arguments())
    assert s.list_inputs() == [
        n["name"]
        for n in json.loads((DIR / "convnet-symbol.json").read_text())["nodes"]
        if n["op"] == "null"
    ]


def test_legacy_json_upgraded_like_mxnet():
    fx = load_fixture("symbol", "legacy")
    s = S.load(str(DIR / "legacy-symbol.json"))
    assert s.list_arguments() == fx["arguments"]
    assert s.list_auxiliary_states() == fx["aux"]
    assert json.loads(s.tojson()) == json.loads(fx["resaved"])
    assert s.tojson() == fx["resaved"]


def test_unknown_op_names_op_and_node():
    text = json.dumps(
        {
            "nodes": [
                {"op": "null", "name": "x", "inputs": []},
                {"op": "NoSuchOp", "name": "weird0", "inputs": [[0, 0, 0]]},
            ],
            "arg_nodes": [0],
            "heads": [[1, 0, 0]],
            "attrs": {"mxnet_version": ["int", 10901]},
        }
    )
    with pytest.raises(MXNetError, match="NoSuchOp.*weird0"):
        S.load_json(text)


def test_bad_json_text():
    with pytest.raises(MXNetError, match="not valid JSON"):
        S.load_json("{nodes")


def test_pickle_and_deepcopy_keep_graph():
    s = build("conv_bn_pool")
    text = s.tojson()
    assert pickle.loads(pickle.dumps(s)).tojson() == text
    c = copy.deepcopy(s)
    assert c.tojson() == text
    assert c._outputs[0][0] is not s._outputs[0][0]


def test_save_rejects_non_string(tmp_path):
    with pytest.raises(TypeError):
        build("mlp").save(Path(tmp_path) / "x.json")
