"""Graph executor: compiled graphs and bind/simple_bind agree with MXNet and nd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.symbol.executor import compile_graph
from tests.conftest import load_fixture
from tests.symbol.test_json import build

S = mx.sym
# float32 reference outputs: the kernels differ from MXNet's only in summation order.
RTOL, ATOL = 1e-5, 1e-6


def _inputs(g, fx):
    ts = []
    for name in g.input_names:
        key = f"arg:{name}" if f"arg:{name}" in fx else f"aux:{name}"
        ts.append(torch.from_numpy(np.array(fx[key])))
    return ts


@pytest.mark.parametrize("case", ["mlp", "conv_bn_pool", "arith"])
def test_compiled_graph_matches_mxnet(case):
    fx = load_fixture("symbol", case)
    s = build(case)
    g = compile_graph(s)
    assert g.input_names == s.list_inputs()
    assert g.output_names == s.list_outputs()
    with torch.no_grad():
        outs = g(_inputs(g, fx))
    assert len(outs) == len(s)
    for i, o in enumerate(outs):
        np.testing.assert_allclose(o.numpy(), fx[f"out{i}"], rtol=RTOL, atol=ATOL)


def test_compiled_graph_equals_nd_frontend():
    fx = load_fixture("symbol", "mlp")
    g = compile_graph(build("mlp"))
    arr = {k[4:]: mx.nd.array(v) for k, v in fx.items() if k.startswith("arg:")}
    h = mx.nd.FullyConnected(
        arr["data"], arr["fc1_weight"], arr["fc1_bias"], num_hidden=8
    )
    h = mx.nd.Activation(h, act_type="relu")
    h = mx.nd.FullyConnected(h, arr["fc2_weight"], arr["fc2_bias"], num_hidden=3)
    with torch.no_grad():
        (out,) = g([arr[n].to_torch() for n in g.input_names])
    assert torch.equal(out, h.to_torch())


def test_grad_mode_left_to_caller():
    g = compile_graph(build("mlp"))
    fx = load_fixture("symbol", "mlp")
    ts = [t.requires_grad_(True) for t in _inputs(g, fx)]
    with torch.enable_grad():
        (out,) = g(ts)
    assert out.requires_grad
    with torch.no_grad():
        (out,) = g(ts)
    assert not out.requires_grad


def test_variable_output_is_a_fresh_tensor():
    x = S.var("x")
    g = compile_graph(S.Group([x, S.relu(x)]))
    t = torch.ones(2)
    out = g([t])
    assert torch.equal(out[0], t) and out[0].data_ptr() != t.data_ptr()


def test_runtime_error_names_node_op_and_shapes():
    x = S.var("x")
    y = S.FullyConnected(x, num_hidden=3, name="fc1")
    g = compile_graph(y)
    bad = [torch.ones(2, 5), torch.ones(3, 4), torch.ones(3)]
    with pytest.raises(
        MXNetError, match=r"fc1 \(FullyConnected\).*data=\(2, 5\).*weight=\(3, 4\)"
    ):
        g(bad)


def test_wrong_number_of_inputs():
    g = compile_graph(build("mlp"))
    with pytest.raises(MXNetError, match="expects 5 inputs"):
        g([torch.ones(1)])


def test_bind_forward_backward_matches_mxnet():
    fx = load_fixture("symbol", "mlp")
    s = build("mlp")
    args = {k[4:]: mx.nd.array(v) for k, v in fx.items() if k.startswith("arg:")}
    grads = {n: mx.nd.zeros(a.shape) for n, a in args.items()}
    ex = s.bind(mx.cpu(), args, args_grad=grads)
    (out,) = ex.forward(is_train=True)
    np.testing.assert_allclose(out.asnumpy(), fx["out0"], rtol=RTOL, atol=ATOL)
    ex.backward([mx.nd.ones(out.shape)])
    for n in args:
        np.testing.assert_allclose(
            ex.grad_dict[n].asnumpy(), fx[f"grad:{n}"], rtol=RTOL, atol=ATOL
        )
    # grad_req='add' accumulates.
    ex2 = s.bind(
        mx.cpu(),
        args,
        args_grad={n: mx.nd.zeros(a.shape) for n, a in args.items()},
        grad_req="add",
    )
    for _ in range(2):
        ex2.forward(is_train=True)
        ex2.backward()
    np.testing.assert_allclose(
        ex2.grad_dict["fc2_bias"].asnumpy(),
        2 * fx["grad:fc2_bias"],
        rtol=RTOL,
        atol=ATOL,
    )


def test_bind_with_aux_states_inference():
    fx = load_fixture("symbol", "conv_bn_pool")
    s = build("conv_bn_pool")
    args = {k[4:]: mx.nd.array(v) for k, v in fx.items() if k.startswith("arg:")}
    aux = {k[4:]: mx.nd.array(v) for k, v in fx.items() if k.startswith("aux:")}
    ex = s.bind(mx.cpu(), args, grad_req="null", aux_states=aux)
    out = ex.forward()
    np.testing.assert_allclose(out[0].asnumpy(), fx["out0"], rtol=RTOL, atol=ATOL)
    assert list(ex.output_dict) == s.list_outputs()


def test_bind_missing_argument():
    with pytest.raises(MXNetError, match="missing arrays for arguments"):
        build("mlp").bind(mx.cpu(), {"data": mx.nd.ones((2, 5))})


def test_simple_bind_allocates_from_shapes():
    s = build("mlp")
    ex = s.simple_bind(mx.cpu(), data=(4, 5))
    assert ex.arg_dict["fc1_weight"].shape == (8, 5)
    assert ex.grad_dict["fc2_weight"].shape == (3, 8)
    fx = load_fixture("symbol", "mlp")
    ex.copy_params_from(
        {
            k[4:]: mx.nd.array(v)
            for k, v in fx.items()
            if k.startswith("arg:") and k != "arg:data"
        }
    )
    out = ex.forward(data=mx.nd.array(fx["arg:data"]))
    np.testing.assert_allclose(out[0].asnumpy(), fx["out0"], rtol=RTOL, atol=ATOL)
    with pytest.raises(MXNetError, match="Cannot decide shape"):
        s.simple_bind(mx.cpu())


def test_exported_gluon_model_runs():
    # The export pair from MXNet: graph from JSON, weights from the .params file.
    from tests.conftest import FIXTURES

    d = FIXTURES / "symbol"
    if not hasattr(mx.nd, "load"):
        pytest.skip("mx.nd.load (params file reader) is not available yet")
    for name in ("mlp", "convnet"):
        s = S.load(str(d / f"{name}-symbol.json"))
        params = mx.nd.load(str(d / f"{name}-0000.params"))
        fx = load_fixture("symbol", f"{name}_export")
        args = {k[4:]: v for k, v in params.items() if k.startswith("arg:")}
        aux = {k[4:]: v for k, v in params.items() if k.startswith("aux:")}
        args["data"] = mx.nd.array(fx["x"])
        ex = s.bind(mx.cpu(), args, grad_req="null", aux_states=aux)
        np.testing.assert_allclose(
            ex.forward()[0].asnumpy(), fx["y"], rtol=RTOL, atol=ATOL
        )


def test_creation_ops_with_unknown_dims_are_resolved_from_input_shapes():
    # MXNet fills sym.zeros(shape=(L, 0, H)) begin states at bind time; the
    # compiled graph does it per input-shape signature.
    import neogluon as mx
    from neogluon.ops.rnn import rnn_param_size

    n = rnn_param_size("lstm", 4, 5, 1, False, None)
    x, p = mx.sym.var("data"), mx.sym.var("p")
    zeros = mx.sym.zeros(shape=(1, 0, 5))
    out = mx.sym.RNN(x, p, zeros, zeros, state_size=5, num_layers=1, mode="lstm")
    for batch in (2, 3):
        ex = out.simple_bind(mx.cpu(), data=(3, batch, 4), p=(n,))
        res = ex.forward(data=mx.nd.ones((3, batch, 4)), p=mx.nd.ones((n,)) * 0.1)
        assert res[0].shape == (3, batch, 5)
    y = mx.sym.var("y") + mx.sym.zeros(shape=(0, 3))
    ex = y.simple_bind(mx.cpu(), y=(2, 3))
    np.testing.assert_array_equal(ex.forward(y=mx.nd.ones((2, 3)))[0].asnumpy(), 1)
