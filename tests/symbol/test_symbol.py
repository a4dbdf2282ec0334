"""Symbol API: naming, attributes, outputs, composition and misuse errors."""

from __future__ import annotations

import inspect
import json
import threading

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import NotImplementedForSymbol
from neogluon.name import NameManager
from neogluon.name import Prefix

S = mx.sym


def test_name_manager_counters_and_given_name():
    with NameManager() as nm:
        assert [nm.get(None, "dense") for _ in range(2)] == ["dense0", "dense1"]
        assert nm.get(None, "conv") == "conv0"
        assert nm.get("fc", "dense") == "fc"
        assert NameManager.current is nm
    assert NameManager.current is not nm


def test_prefix_and_nesting():
    with NameManager():
        with Prefix("model_"):
            fc = S.FullyConnected(S.var("data"), num_hidden=10, name="fc1")
            auto = S.relu(fc)
        assert fc.list_arguments() == ["data", "model_fc1_weight", "model_fc1_bias"]
        assert auto.name == "model_relu0"
        assert S.relu(fc).name == "relu0"


def test_name_manager_is_thread_local():
    seen = []
    with NameManager() as nm:

        def worker():
            seen.append(NameManager.current)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen[0] is not nm


def test_auto_names_use_function_name():
    with NameManager():
        x = S.var("x")
        assert S.FullyConnected(x, num_hidden=2).name == "fullyconnected0"
        assert S.flatten(x).name == "flatten0"
        assert S.Flatten(x).name == "flatten1"
        assert (x + x).name == "_plus0"
        assert (x + 1).name == "_plusscalar0"
        js = json.loads(S.Flatten(x).tojson())
        assert js["nodes"][-1]["op"] == "Flatten"


def test_missing_inputs_become_variables_with_op_attrs():
    fc = S.FullyConnected(S.var("x"), num_hidden=3, name="fc1")
    assert fc.list_arguments() == ["x", "fc1_weight", "fc1_bias"]
    nodes = json.loads(fc.tojson())["nodes"]
    assert nodes[1]["attrs"] == {"num_hidden": "3"}
    nb = S.FullyConnected(S.var("x"), num_hidden=3, no_bias=True, name="fc2")
    assert nb.list_arguments() == ["x", "fc2_weight"]


def test_batchnorm_aux_states_and_outputs():
    bn = S.BatchNorm(S.var("x"), name="bn")
    assert bn.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert bn.list_arguments() == ["x", "bn_gamma", "bn_beta"]
    assert bn.list_inputs() == [
        "x",
        "bn_gamma",
        "bn_beta",
        "bn_moving_mean",
        "bn_moving_var",
    ]
    assert bn.list_outputs() == ["bn_output"]
    bn3 = S.BatchNorm(S.var("x"), output_mean_var=True, name="bn3")
    assert len(bn3) == 3
    assert bn3.list_outputs() == ["bn3_output", "bn3_mean", "bn3_var"]
    assert bn3.name == "bn3"
    assert bn3["bn3_mean"].list_outputs() == ["bn3_mean"]


def test_getitem_selects_outputs_pitfall_kept():
    x = S.var("x")
    y = S.relu(x)
    assert y[0].tojson() == y.tojson()
    assert [s.name for s in y] == ["relu" + y.name[4:]]
    with pytest.raises(IndexError):
        y[1]
    with pytest.raises(ValueError, match='Cannot find output that matches name "zz"'):
        y["zz"]
    with pytest.raises(TypeError, match="selects one of its outputs"):
        y[1.5]


def test_group_and_internals_and_children():
    a = S.var("a")
    b = S.var("b")
    c = S.elemwise_add(a, b, name="c")
    g = S.Group([c, a])
    assert g.name is None
    assert g.list_outputs() == ["c_output", "a"]
    assert repr(g) == "<Symbol group [c, a]>"
    assert c.get_internals().list_outputs() == ["a", "b", "c_output"]
    assert c.get_children().list_outputs() == ["a", "b"]
    assert a.get_children() is None


def test_var_attributes_and_attr_lookup():
    v = S.var(
        "v",
        shape=(2, 0),
        lr_mult=2.0,
        dtype="float16",
        stype="default",
        attr={"ctx_group": "g"},
    )
    assert v.attr("__shape__") == "(2, 0)"
    assert v.attr("lr_mult") == "2.0"
    assert v.attr("ctx_group") == "g"
    attrs = v.list_attr()
    assert (
        attrs["__dtype__"] == "2"
        and attrs["__lr_mult__"] == "2.0"
        and attrs["lr_mult"] == "2.0"
    )
    assert attrs["__storage_type__"] == "0"
    with pytest.raises(ValueError, match="double underscores"):
        S.var("w", foo="bar")
    with pytest.raises(TypeError):
        S.var(3)


def test_attr_scope_reaches_ops_and_vars():
    with mx.attribute.AttrScope(ctx_group="dev1"):
        fc = S.FullyConnected(S.var("x"), num_hidden=2, name="fc")
    assert fc.attr("ctx_group") == "dev1"
    assert fc.attr_dict()["fc_weight"]["__ctx_group__"] == "dev1"
    with pytest.raises(ValueError, match="must be a string"):
        mx.attribute.AttrScope(a=1)


def test_unknown_op_attribute_rejected():
    with pytest.raises(mx.MXNetError, match="unexpected attribute 'q'"):
        S.FullyConnected(S.var("x"), num_hidden=2, q="r")


def test_attributeless_op_ignores_keywords_like_mxnet():
    # MXNet 1.9.1 parses no attributes for ops that have none, so
    # ``broadcast_maximum(a, b, axis=1)`` (in its own test_loss.py) runs; ops
    # with attributes still reject unknown ones (above).
    a = mx.nd.array([[1.0, -2.0]])
    b = mx.nd.array([[0.0, 0.0]])
    out = mx.nd.broadcast_maximum(a, b, axis=1)
    assert out.asnumpy().tolist() == [[1.0, 0.0]]
    with pytest.raises(mx.MXNetError, match="unexpected attribute 'foo'"):
        mx.nd.sum(a, foo=1)


def test_grouped_input_rejected():
    g = S.Group([S.var("a"), S.var("b")])
    with pytest.raises(mx.MXNetError, match="grouped symbol"):
        S.relu(g)


def test_misuse_raises_helpful_errors():
    x = S.var("x")
    with pytest.raises(NotImplementedForSymbol):
        bool(x)
    with pytest.raises(NotImplementedForSymbol):
        if x.sum() > 0:
            pass
    with pytest.raises(AttributeError, match="hybridize"):
        _ = x.shape
    with pytest.raises(AttributeError, match="hybridize"):
        x.asnumpy()


def test_compose_replaces_arguments():
    a = S.var("a")
    b = S.var("b")
    c = S.elemwise_add(a, b, name="c")
    d = c(a=S.var("z"))
    assert d.list_arguments() == ["z", "b"]
    assert c.list_arguments() == ["a", "b"]
    with pytest.raises(mx.MXNetError, match="not an argument"):
        c(q=S.var("z"))


def test_fluent_methods_and_reshape_forms():
    x = S.var("x")
    assert x.reshape((2, -1)).infer_shape(x=(2, 3, 4))[1] == [(2, 12)]
    assert x.reshape(2, -1).infer_shape(x=(2, 3, 4))[1] == [(2, 12)]
    assert x.sum(axis=1).infer_shape(x=(2, 3))[1] == [(2,)]
    assert x.transpose().infer_shape(x=(2, 3))[1] == [(3, 2)]
    assert x.expand_dims(0).infer_shape(x=(2, 3))[1] == [(1, 2, 3)]
    assert x.flatten().infer_shape(x=(2, 3, 4))[1] == [(2, 12)]


def test_op_functions_have_signatures_and_namespaces():
    sig = inspect.signature(S.FullyConnected)
    assert list(sig.parameters)[:4] == ["data", "weight", "bias", "num_hidden"]
    assert {"name", "attr", "out"} <= set(sig.parameters)
    from neogluon.ops import registry

    for name in registry.all_names():
        for prefix, ns in (
            ("_contrib_", S.contrib),
            ("_random_", S.random),
            ("_linalg_", S.linalg),
        ):
            if name.startswith(prefix):
                fn = getattr(ns, name[len(prefix) :])
                # sym.random.uniform etc. are MXNet's Python-level helpers.
                assert getattr(fn, "op", None) is registry.get(name) or fn is getattr(
                    S.random, fn.__name__, None
                )
    assert S._internal._plus_scalar.op.name == "_plus_scalar"
    assert S.op.FullyConnected is S.FullyConnected


def test_creation_and_random_helpers_json():
    with NameManager():
        z = S.zeros((2, 3))
        u = S.random.uniform(shape=(2,))
    assert json.loads(z.tojson())["nodes"][-1] == {
        "op": "_zeros",
        "name": "_zeros0",
        "attrs": {"dtype": "float32", "shape": "(2, 3)"},
        "inputs": [],
    }
    assert json.loads(u.tojson())["nodes"][-1] == {
        "op": "_random_uniform",
        "name": "_random_uniform0",
        "attrs": {"high": "1", "low": "0", "shape": "(2,)"},
        "inputs": [],
    }
    assert z.infer_shape()[1] == [(2, 3)]


def test_scalar_ops_and_power_helpers():
    x = S.var("x")
    assert json.loads((-x).tojson())["nodes"][-1]["attrs"] == {"scalar": "-1.0"}
    assert json.loads((2**x).tojson())["nodes"][-1]["op"] == "_rpower_scalar"
    assert S.power(2, 3) == 8
    assert json.loads(S.maximum(x, 1).tojson())["nodes"][-1]["op"] == "_maximum_scalar"
    with pytest.raises(TypeError):
        x + "a"


def test_output_names_follow_mxnet_for_ops_with_hidden_outputs():
    # list_outputs() printed by MXNet 1.9.1 for the same symbols.
    import neogluon as mx

    x = mx.sym.var("x")
    cases = [
        (mx.sym.Pooling(x, kernel=(2, 2), pool_type="max", name="p"), ["p_output"]),
        (mx.sym.Dropout(x, name="d"), ["d_output"]),
        (mx.sym.BatchNorm(x, name="b"), ["b_output"]),
        (mx.sym.sort(x, name="s"), ["s_output0"]),
        (mx.sym.LeakyReLU(x, act_type="rrelu", name="r"), ["r_output", "r_mask"]),
        (mx.sym.topk(x, ret_typ="both", name="t"), ["t_output0", "t_output1"]),
        (mx.sym.split(x, num_outputs=1, name="sp"), ["sp_output0"]),
        (mx.sym.split(x, num_outputs=2, name="sp2"), ["sp2_output0", "sp2_output1"]),
        (mx.sym.LayerNorm(x, name="ln"), ["ln_output"]),
        (mx.sym.linalg.slogdet(x, name="sl"), ["sl_output0", "sl_output1"]),
        (mx.sym.CTCLoss(x, x, name="c"), ["c_output0"]),
    ]
    for sym, expected in cases:
        assert sym.list_outputs() == expected


def test_get_children_of_a_multi_output_node_lists_its_inputs_once():
    data = mx.sym.var("data")
    sliced = mx.sym.SliceChannel(data, num_outputs=3, name="slice")
    assert sliced.get_children().list_outputs() == ["data"]
    concat = mx.sym.Concat(*list(sliced))
    assert concat.get_children().list_outputs() == [
        "slice_output0",
        "slice_output1",
        "slice_output2",
    ]


def test_softmax_output_label_type_follows_data():
    # MXNet 1.9.1 (its test_symbol::test_symbol_infer_type).
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(mx.sym.Cast(data, dtype="float32"), num_hidden=4)
    net = mx.sym.SoftmaxOutput(fc, name="softmax")
    arg, out, aux = net.infer_type(data=np.float16)
    assert arg == [np.float16, np.float32, np.float32, np.float32]
    assert out == [np.float32] and aux == []
    arg, out, _ = net.infer_type_partial()
    assert arg == [None, np.float32, np.float32, np.float32]
