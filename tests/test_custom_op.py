"""``mx.operator`` custom operators against MXNet 1.9.1.

The operators of ``tools/fixtures/custom_op.py`` (registered here on neogluon by
the same ``define_ops``) ran in MXNet eagerly under autograd, in bound
executors and in a hybridized, exported Gluon block; the fixtures hold their
inputs, outputs, gradients, aux states, names and JSON. Tolerance: rtol 1e-5 /
atol 1e-6 (float32; the same float32 arithmetic in both).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import FIXTURES
from tests.conftest import load_fixture
from tools.fixtures import custom_op as programs  # the operators MXNet ran

TOL = {"rtol": 1e-5, "atol": 1e-6}
FAMILY = FIXTURES / "custom_op"


@pytest.fixture(scope="module", autouse=True)
def _ops():
    programs.define_ops(mx)


def _close(actual, expected, what=""):
    if isinstance(actual, mx.nd.NDArray):
        actual = actual.asnumpy()
    np.testing.assert_allclose(actual, np.asarray(expected), err_msg=what, **TOL)


# --------------------------------------------------------------------------- fixtures
def test_softmax_loss_eager_and_symbolic():
    fx = load_fixture("custom_op", "softmax_loss")
    x = mx.nd.array(fx["x"])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Custom(x, mx.nd.array(fx["label"]), op_type="softmax_loss")
    y.backward()  # need_top_grad=False: a loss, no head gradient needed
    _close(y, fx["out"], "eager output")
    _close(x.grad, fx["grad"], "eager gradient")

    data = mx.sym.var("data")
    s = mx.sym.Custom(data=data, name="softmax", op_type="softmax_loss")
    assert s.list_arguments() == fx["arguments"] == ["data", "softmax_label"]
    assert s.list_outputs() == fx["outputs"]
    assert s.tojson() == fx["json"]
    arg, out, aux = s.infer_shape(data=(4, 5))
    assert [list(map(list, r)) for r in (arg, out, aux)] == fx["infer_shape"]
    ex = s.simple_bind(mx.cpu(), data=(4, 5))
    ex.arg_dict["data"][:] = fx["x"]
    ex.arg_dict["softmax_label"][:] = fx["label"]
    _close(ex.forward(is_train=True)[0], fx["sym_out"], "executor output")
    ex.backward()
    _close(ex.grad_dict["data"], fx["sym_grad"], "executor gradient")


def test_two_outputs_with_head_gradients():
    fx = load_fixture("custom_op", "sum_prod")
    a, b = mx.nd.array(fx["a"]), mx.nd.array(fx["b"])
    a.attach_grad()
    b.attach_grad()
    with mx.autograd.record():
        s, p = mx.nd.Custom(a, b, op_type="sum_prod")
    mx.autograd.backward([s, p], [mx.nd.array(fx["gs"]), mx.nd.array(fx["gp"])])
    _close(s, fx["sum"])
    _close(p, fx["prod"])
    _close(a.grad, fx["grad_a"])
    _close(b.grad, fx["grad_b"])

    sym = mx.sym.Custom(mx.sym.var("a"), mx.sym.var("b"), op_type="sum_prod", name="sp")
    assert sym.list_outputs() == fx["outputs"] == ["sp_sum", "sp_prod"]
    assert sym.tojson() == fx["json"]
    ex = sym.bind(
        mx.cpu(),
        {"a": mx.nd.array(fx["a"]), "b": mx.nd.array(fx["b"])},
        args_grad={"a": mx.nd.zeros(a.shape), "b": mx.nd.zeros(b.shape)},
    )
    outs = ex.forward(is_train=True)
    ex.backward([mx.nd.array(fx["gs"]), mx.nd.array(fx["gp"])])
    _close(outs[0], fx["sym_sum"])
    _close(outs[1], fx["sym_prod"])
    _close(ex.grad_dict["a"], fx["sym_grad_a"])
    _close(ex.grad_dict["b"], fx["sym_grad_b"])
    # sym[1] selects the second output, as in MXNet.
    assert sym[1].list_outputs() == ["sp_prod"]


def test_aux_state_updated_in_place():
    fx = load_fixture("custom_op", "running_mean")
    mm = mx.nd.zeros((3,))
    x = mx.nd.array(fx["x1"])
    x.attach_grad()
    with mx.autograd.record():
        y1 = mx.nd.Custom(x, mm, op_type="running_mean", momentum=0.5)
    y1.backward(mx.nd.ones((5, 3)) * 2)
    _close(y1, fx["y1"])
    _close(x.grad, fx["grad1"])
    _close(mm, fx["aux1"], "aux after the first training pass")
    with mx.autograd.record():
        y2 = mx.nd.Custom(
            mx.nd.array(fx["x2"]), mm, op_type="running_mean", momentum=0.5
        )
    _close(y2, fx["y2"])
    _close(mm, fx["aux2"])
    y3 = mx.nd.Custom(mx.nd.array(fx["x2"]), mm, op_type="running_mean", momentum=0.5)
    _close(y3, fx["y3"], "predict mode reads the aux state")
    _close(mm, fx["aux3"], "predict mode leaves it")

    s = mx.sym.Custom(mx.sym.var("data"), op_type="running_mean", name="rm")
    assert s.list_arguments() == fx["arguments"] == ["data"]
    assert s.list_auxiliary_states() == fx["aux_states"] == ["rm_moving_mean"]
    assert s.tojson() == fx["json"]
    aux = mx.nd.zeros((3,))
    grad = mx.nd.zeros((5, 3))
    ex = s.bind(
        mx.cpu(),
        {"data": mx.nd.array(fx["x1"])},
        args_grad={"data": grad},
        aux_states={"rm_moving_mean": aux},
    )
    _close(ex.forward(is_train=True)[0], fx["sym_y1"])
    ex.backward(mx.nd.ones((5, 3)) * 3)
    _close(grad, fx["sym_grad1"])
    _close(aux, fx["sym_aux1"])
    _close(ex.forward(is_train=False, data=mx.nd.array(fx["x2"]))[0], fx["sym_y2"])
    _close(aux, fx["sym_aux2"])


def _chan_scale_inputs(fx):
    return mx.nd.array(fx["x"])


@pytest.mark.parametrize("hybridize", [True, False], ids=["hybrid", "eager"])
def test_gluon_block_deferred_init_and_gradients(hybridize, tmp_path):
    fx = load_fixture("custom_op", "chan_scale")
    net = programs.chan_scale_net(mx)
    net.initialize(mx.init.Uniform(0.5))
    if hybridize:
        net.hybridize()
    x = _chan_scale_inputs(fx)
    net(x)  # deferred init: the weight's shape comes from the Prop's infer_shape
    params = net._collect_params_with_prefix()
    assert list(params["1.weight"].shape) == fx["weight_shape"] == [6]
    for k, v in fx["params"].items():
        params[k].set_data(mx.nd.array(np.array(v, dtype=np.float32)))
    with mx.autograd.record():
        out = net(x)
        loss = (out * out).sum()
    loss.backward()
    _close(out, fx["out"])
    for k, v in fx["grads"].items():
        _close(params[k].grad(), np.array(v, dtype=np.float32), f"grad of {k}")


def test_export_json_matches_mxnet(tmp_path):
    fx = load_fixture("custom_op", "chan_scale")
    net = programs.chan_scale_net(mx)
    net.initialize(mx.init.Uniform(0.5))
    net.hybridize()
    net(_chan_scale_inputs(fx))
    prefix = str(tmp_path / "chan_scale")
    net.export(prefix)
    ours = (tmp_path / "chan_scale-symbol.json").read_text()
    theirs = (FAMILY / "chan_scale-symbol.json").read_text()
    assert ours == theirs
    node = [n for n in json.loads(theirs)["nodes"] if n["op"] == "Custom"][0]
    assert node["attrs"] == {"factor": "2.5", "op_type": "chan_scale"}


def test_import_mxnet_export(tmp_path):
    fx = load_fixture("custom_op", "chan_scale")
    net = mx.gluon.SymbolBlock.imports(
        str(FAMILY / "chan_scale-symbol.json"),
        ["data"],
        str(FAMILY / "chan_scale-0000.params"),
    )
    x = _chan_scale_inputs(fx)
    _close(net(x), fx["out"], "imported block output")
    params = {p.name: p for p in net.collect_params().values()}
    with mx.autograd.record():
        out = net(x)
        loss = (out * out).sum()
    loss.backward()
    _close(
        params["net_cs0_weight"].grad(), np.array(fx["grads"]["1.weight"], np.float32)
    )
    # Re-export: the same JSON text MXNet wrote.
    net.export(str(tmp_path / "again"))
    assert (tmp_path / "again-symbol.json").read_text() == (
        FAMILY / "chan_scale-symbol.json"
    ).read_text()
