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


# --------------------------------------------------------------------------- behaviour
class _Mult(mx.operator.CustomOp):
    """in_data[0] * in_data[1]; records what it was called with."""

    calls: list = []

    def forward(self, is_train, req, in_data, out_data, aux):
        _Mult.calls.append(("forward", is_train, list(req), mx.autograd.is_recording()))
        self.assign(out_data[0], req[0], in_data[0] * in_data[1])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        _Mult.calls.append(("backward", list(req)))
        self.assign(in_grad[0], req[0], out_grad[0] * in_data[1])
        self.assign(in_grad[1], req[1], out_grad[0] * in_data[0])


@mx.operator.register("test_mult")
class _MultProp(mx.operator.CustomOpProp):
    seen: list = []

    def __init__(self, **kwargs):
        super().__init__(need_top_grad=True)
        _MultProp.seen.append(kwargs)

    def list_arguments(self):
        return ["lhs", "rhs"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], []

    def create_operator(self, ctx, in_shapes, in_dtypes):
        _MultProp.seen.append(("create", str(ctx), in_shapes, in_dtypes))
        return _Mult()


def test_protocol_req_is_train_and_kwargs_as_strings():
    _Mult.calls.clear()
    _MultProp.seen.clear()
    lhs = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
    rhs = mx.nd.array([[5.0, 6.0], [7.0, 8.0]])
    lhs.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Custom(lhs, rhs, op_type="test_mult", scale=3, flag=True, name="m")
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [[5, 12], [21, 32]])
    np.testing.assert_array_equal(lhs.grad.asnumpy(), rhs.asnumpy())
    assert {"scale": "3", "flag": "True"} in _MultProp.seen
    assert ("create", "cpu(0)", [[2, 2], [2, 2]], [0, 0]) in _MultProp.seen
    # forward runs in training mode without recording; rhs needs no gradient
    assert _Mult.calls == [
        ("forward", True, ["write"], False),
        ("backward", ["write", "null"]),
    ]
    _Mult.calls.clear()
    mx.nd.Custom(lhs, rhs, op_type="test_mult")
    assert _Mult.calls == [("forward", False, ["write"], False)]


def test_keyword_inputs_and_missing_input_variables():
    lhs = mx.sym.var("x")
    s = mx.sym.Custom(lhs=lhs, op_type="test_mult", name="mul", scale=2)
    assert s.list_arguments() == ["x", "mul_rhs"]
    # MXNet gives the created variable the node's attributes.
    assert s.attr_dict()["mul_rhs"] == {"op_type": "test_mult", "scale": "2"}
    out = s.eval(x=mx.nd.array([2.0]), mul_rhs=mx.nd.array([4.0]))[0]
    assert out.asnumpy().tolist() == [8.0]
    nd_out = mx.nd.Custom(
        rhs=mx.nd.array([3.0]), lhs=mx.nd.array([2.0]), op_type="test_mult"
    )
    assert nd_out.asnumpy().tolist() == [6.0]


def test_hybrid_block_with_f_custom_multi_output():
    class Net(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, a, b):
            s, p = F.Custom(a, b, op_type="sum_prod")
            return s * p

    a = mx.nd.array([[1.0, 2.0]])
    b = mx.nd.array([[3.0, -1.0]])
    expected = (a.asnumpy() + b.asnumpy()) * (a.asnumpy() * b.asnumpy())
    # d/da (a+b)ab = ab + (a+b)b
    grad_a = a.asnumpy() * b.asnumpy() + (a.asnumpy() + b.asnumpy()) * b.asnumpy()
    for hybrid in (False, True):
        net = Net()
        if hybrid:
            net.hybridize()
        a.attach_grad()
        with mx.autograd.record():
            y = net(a, b)
        y.backward()
        _close(y, expected)
        _close(a.grad, grad_a)


def test_aux_state_parameter_in_hybridized_block():
    class Centered(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.moving_mean = self.params.get(
                    "moving_mean",
                    shape=(0,),
                    init="zeros",
                    grad_req="null",
                    differentiable=False,
                    allow_deferred_init=True,
                )

        def hybrid_forward(self, F, x, moving_mean):
            return F.Custom(x, moving_mean, op_type="running_mean", momentum=0.5)

    x = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]], dtype=np.float32)
    for hybrid in (False, True):
        net = Centered()
        net.initialize()
        if hybrid:
            net.hybridize()
        xa = mx.nd.array(x)
        xa.attach_grad()
        with mx.autograd.record():
            y = net(xa)
        y.backward()
        mean = 0.5 * x.mean(axis=0)
        _close(net.moving_mean.data(), mean, "aux updated in place")
        _close(y, x - mean)
        _close(xa.grad, np.ones_like(x))
        _close(net(xa), x - mean, "predict mode leaves the state")
        _close(net.moving_mean.data(), mean)


class _NoInput(mx.operator.CustomOp):
    def __init__(self, length, depth):
        super().__init__()
        self.value = np.ones((length, depth), dtype=np.float32)

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], self.value)


@mx.operator.register("test_no_input")
class _NoInputProp(mx.operator.CustomOpProp):
    def __init__(self, length, depth):
        super().__init__()
        self.length, self.depth = int(length), int(depth)

    def list_arguments(self):
        return []

    def infer_shape(self, in_shape):
        return [], [(self.length, self.depth)], []

    def infer_type(self, in_type):
        return [], [np.float64], []

    def create_operator(self, ctx, shapes, dtypes):
        return _NoInput(self.length, self.depth)


def test_no_input_op_and_prop_dtypes():
    with mx.autograd.record():
        x = mx.nd.Custom(length=3, depth=2, op_type="test_no_input")
    assert x.shape == (3, 2) and x.dtype == np.float64
    np.testing.assert_array_equal(x.asnumpy(), np.ones((3, 2)))
    s = mx.sym.Custom(length=3, depth=2, op_type="test_no_input")
    assert s.infer_shape() == ([], [(3, 2)], [])
    assert s.infer_type() == ([], [np.float64], [])
    assert s.eval()[0].dtype == np.float64


def test_errors_are_mxnet_errors_with_the_cause():
    x = mx.nd.ones((2, 2))
    with pytest.raises(MXNetError, match="Cannot find custom operator 'nope'"):
        mx.nd.Custom(x, op_type="nope")
    with pytest.raises(MXNetError, match="op_type"):
        mx.nd.Custom(x)
    with pytest.raises(MXNetError, match=r"takes 2 input\(s\) \['lhs', 'rhs'\]"):
        mx.nd.Custom(x, x, x, op_type="test_mult")
    with pytest.raises(MXNetError, match="no input named 'other'"):
        mx.nd.Custom(x, other=x, op_type="test_mult")

    class Fails(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            raise AssertionError("broken forward")

    @mx.operator.register("test_fails")
    class FailsProp(mx.operator.CustomOpProp):
        def create_operator(self, ctx, shapes, dtypes):
            return Fails()

    with pytest.raises(MXNetError, match="broken forward"):
        mx.nd.Custom(x, op_type="test_fails")
    ex = mx.sym.Custom(mx.sym.var("d"), op_type="test_fails").bind(mx.cpu(), {"d": x})
    with pytest.raises(MXNetError, match="broken forward"):
        ex.forward()

    @mx.operator.register("test_bad_shape")
    class BadShape(mx.operator.CustomOpProp):
        def infer_shape(self, in_shape):
            return in_shape, [in_shape[0], in_shape[0]], []

    with pytest.raises(MXNetError, match="expecting 1 entries in returned output"):
        mx.nd.Custom(x, op_type="test_bad_shape")

    @mx.operator.register("test_no_backward")
    class NoBackward(mx.operator.CustomOpProp):
        def create_operator(self, ctx, shapes, dtypes):
            return mx.operator.CustomOp()

    with pytest.raises(MXNetError, match="must override CustomOp.forward"):
        mx.nd.Custom(x, op_type="test_no_backward")


def test_reregistering_replaces_the_prop():
    def make(value):
        class Const(mx.operator.CustomOp):
            def forward(self, is_train, req, in_data, out_data, aux):
                self.assign(out_data[0], req[0], in_data[0] * 0 + value)

        @mx.operator.register("test_const")
        class ConstProp(mx.operator.CustomOpProp):
            def create_operator(self, ctx, shapes, dtypes):
                return Const()

    x = mx.nd.ones((2,))
    make(1.0)
    assert mx.nd.Custom(x, op_type="test_const").asnumpy().tolist() == [1.0, 1.0]
    make(7.0)
    assert mx.nd.Custom(x, op_type="test_const").asnumpy().tolist() == [7.0, 7.0]


def test_load_json_with_unregistered_op_type():
    text = (
        (FAMILY / "chan_scale-symbol.json")
        .read_text()
        .replace('"chan_scale"', '"not_registered_here"')
    )
    with pytest.raises(
        MXNetError, match="Cannot find custom operator 'not_registered_here'"
    ):
        mx.sym.load_json(text)


def test_assign_requests():
    op = mx.operator.CustomOp()
    dst = mx.nd.ones((2,))
    op.assign(dst, "null", mx.nd.array([5.0, 5.0]))
    assert dst.asnumpy().tolist() == [1.0, 1.0]
    op.assign(dst, "write", mx.nd.array([2.0, 3.0]))
    assert dst.asnumpy().tolist() == [2.0, 3.0]
    op.assign(dst, "add", mx.nd.array([1.0, 1.0]))
    assert dst.asnumpy().tolist() == [3.0, 4.0]
    op.assign(dst, "inplace", mx.nd.array([0.0, 1.0]))
    assert dst.asnumpy().tolist() == [0.0, 1.0]
    with pytest.raises(MXNetError, match="unknown req 'bad'"):
        op.assign(dst, "bad", dst)


def test_prop_defaults_match_mxnet():
    prop = mx.operator.CustomOpProp()
    assert prop.need_top_grad_ is True
    assert prop.list_arguments() == ["data"] and prop.list_outputs() == ["output"]
    assert prop.list_auxiliary_states() == []
    assert prop.infer_shape([[2, 3]]) == ([[2, 3]], ([2, 3],), ())
    assert prop.infer_type([np.float32]) == ([np.float32], [np.float32], [])
    assert prop.declare_backward_dependency([0], [1], [2]) == [0, 1, 2]
    assert mx.operator.CustomOpProp(False).declare_backward_dependency(
        [0], [1], [2]
    ) == [1, 2]
    assert prop.infer_storage_type(["default"]) == (["default"], ["default"], [])
    with pytest.raises(MXNetError, match="dense"):
        prop.infer_storage_type(["csr"])


def test_registry_queries():
    names = mx.operator.get_all_registered_operators()
    assert "Custom" in names and "FullyConnected" in names and "relu" in names
    args = mx.operator.get_operator_arguments("FullyConnected")
    assert args.narg == 6
    assert args.names == ["data", "weight", "bias", "num_hidden", "no_bias", "flatten"]
    assert args.types[:4] == ["NDArray-or-Symbol"] * 3 + ["int, required"]
    # MXNet 1.9.1's own test_get_operator_arguments expects exactly this.
    act = mx.operator.get_operator_arguments("Activation")
    assert isinstance(act, mx.operator.OperatorArguments) and act.narg == 2
    assert act.types == [
        "NDArray-or-Symbol",
        "{'relu', 'sigmoid', 'softrelu', 'softsign', 'tanh'}, required",
    ]
    # Formats of MXNet's get_operator_arguments("Pooling") (dmlc-core's).
    pool = dict(zip(*mx.operator.get_operator_arguments("Pooling")[1:], strict=True))
    assert pool["pool_type"] == "{'avg', 'lp', 'max', 'sum'},optional, default='max'"
    assert pool["global_pool"] == "boolean, optional, default=0"
    assert pool["kernel"] == "Shape(tuple), optional, default=[]"
    assert pool["p_value"] == "int or None, optional, default='None'"
    custom = mx.operator.get_operator_arguments("Custom")
    assert custom.names == ["data", "op_type"]
    assert custom.types[0] == "NDArray-or-Symbol[]"
    with pytest.raises(MXNetError, match="not registered"):
        mx.operator.get_operator_arguments("NoSuchOp")


def test_legacy_numpy_and_ndarray_ops():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        op = mx.operator.NumpyOp()
    s = op.get_symbol(mx.sym.var("X"), name="numpy_op")
    x = mx.nd.ones((4,)) * 10
    dx = mx.nd.zeros((4,))
    ex = s.bind(mx.cpu(), args=[x], args_grad={"X": dx})
    ex.forward(is_train=True)
    np.testing.assert_array_equal(ex.outputs[0].asnumpy(), x.asnumpy())
    ex.backward(mx.nd.ones((4,)) * 2)
    np.testing.assert_array_equal(dx.asnumpy(), np.ones(4))  # PythonOp default: ones

    class Double(mx.operator.NDArrayOp):
        def forward(self, in_data, out_data):
            out_data[0][:] = in_data[0] * 2

        def backward(self, out_grad, in_data, out_data, in_grad):
            in_grad[0][:] = out_grad[0] * 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dbl = Double()
    s = dbl(mx.sym.var("X"))
    dx = mx.nd.zeros((2,))
    ex = s.bind(mx.cpu(), args=[mx.nd.array([1.0, 2.0])], args_grad={"X": dx})
    assert ex.forward(is_train=True)[0].asnumpy().tolist() == [2.0, 4.0]
    ex.backward(mx.nd.array([1.0, 3.0]))
    assert dx.asnumpy().tolist() == [2.0, 6.0]


def test_float64_inputs_keep_their_dtype():
    x = mx.nd.array([1.0, 2.0], dtype="float64")
    y = mx.nd.Custom(x, x, op_type="test_mult")
    assert y.dtype == np.float64
    s = mx.sym.Custom(mx.sym.var("a"), mx.sym.var("b"), op_type="test_mult")
    # The Prop's default infer_type fills outputs only; b stays undecided (MXNet).
    assert s.infer_type_partial(a="float64") == ([np.float64, None], [np.float64], [])


def test_profiler_custom_operator_category():
    class Plus(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            mx.nd.zeros((2, 2))
            self.assign(out_data[0], req[0], in_data[0] + 1)

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], out_grad[0] * 1)

    @mx.operator.register("test_plus")
    class PlusProp(mx.operator.CustomOpProp):
        def create_operator(self, ctx, shapes, dtypes):
            return Plus()

    mx.profiler.set_config(profile_all=True, aggregate_stats=True)
    mx.profiler.set_state("run")
    mx.profiler.dumps(reset=True)
    try:
        a = mx.nd.ones((2, 2))
        a.attach_grad()
        with mx.autograd.record():
            y = mx.nd.Custom(a, op_type="test_plus")
        y.backward()
        table = json.loads(mx.profiler.dumps(format="json"))["Time"]
    finally:
        mx.profiler.set_state("stop")
        mx.profiler.dumps(reset=True)
    # MXNet's names: the Python code and the operators it runs, per op_type.
    assert {
        "test_plus::pure_python",
        "_backward_test_plus::pure_python",
        "test_plus::_zeros",
        "test_plus::_plus_scalar",
        "_backward_test_plus::_mul_scalar",
    } <= set(table["Custom Operator"])


def test_graph_inference_waits_for_the_shapes_a_prop_needs():
    s = mx.sym.Custom(data=mx.sym.var("data"), name="softmax", op_type="softmax_loss")
    net = mx.sym.FullyConnected(s, num_hidden=3, name="fc")
    # Only the label known: the Prop cannot run yet, nothing is decided (MXNet
    # raises here); the data shape then decides everything.
    arg, out, _ = net.infer_shape_partial(softmax_label=(4,))
    assert dict(zip(net.list_arguments(), arg, strict=True))["data"] == ()
    arg, out, _ = net.infer_shape(data=(4, 5))
    assert dict(zip(net.list_arguments(), arg, strict=True)) == {
        "data": (4, 5),
        "softmax_label": (4,),
        "fc_weight": (3, 5),
        "fc_bias": (3,),
    }
    assert out == [(4, 3)]
