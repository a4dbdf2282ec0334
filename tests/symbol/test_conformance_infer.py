"""Shape inference and executor behaviours that MXNet 1.9.1's operator tests pin.

Reference results come from real MXNet (``tools/fixtures/ops_conformance.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture

S = mx.sym
CASES = load_fixture("ops_conformance", "infer_partial")["cases"]
#: Cases where neogluon infers more than MXNet: data from the output of pick;
#: a convolution's batch and stride-1 dims even when another dim has stride > 1
#: (MXNet then fills none); every axis but the last of FullyConnected with
#: flatten=False (MXNet: none). Every dim MXNet knows must still agree.
MORE_THAN_MXNET = {"pick_back", "conv_back_stride", "fc_noflatten_back"}


def _agree(ours, ref, exact: bool) -> None:
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref, strict=True):
        if exact:
            assert list(o) == list(r)
        else:
            assert len(o) == len(r)
            assert all(b == 0 or a == b for a, b in zip(o, r, strict=True))


@pytest.mark.parametrize("name", sorted(CASES))
def test_infer_shape_partial_matches_mxnet(name):
    case = CASES[name]
    sym = eval(case["expr"], {"S": S})  # noqa: S307 - expressions from our generator
    assert sym.list_arguments() == case["arg_names"]
    shapes = {k: tuple(v) for k, v in case["shapes"].items()}
    arg, out, aux = sym.infer_shape_partial(**shapes)
    exact = name not in MORE_THAN_MXNET
    _agree(arg, case["arg"], exact)
    _agree(out, case["out"], exact)
    _agree(aux, case["aux"], exact)


def test_pick_back_fills_data_from_output():
    x = S.Variable("x", shape=(0, 3, 0))
    y = S.pick(x, S.Variable("index"), axis=1) + S.Variable("c", shape=(2, 5))
    arg, out, _ = y.infer_shape_partial()
    assert arg[0] == (2, 3, 5) and arg[1] == (2, 5) and out == [(2, 5)]


def test_complete_infer_through_backward_rules():
    # The completed variant: infer_shape (not partial) succeeds with the
    # backward-filled shapes instead of returning (None, None, None).
    a = S.Variable("a", shape=(0, 10))
    d = S.FullyConnected(a, num_hidden=21) + S.Variable("c", shape=(5, 0))
    arg, out, _ = d.infer_shape()
    assert dict(zip(d.list_arguments(), arg, strict=True))["a"] == (5, 10)
    assert out == [(5, 21)]


def test_conv_backward_rule_fills_batch_and_stride1_dims():
    a = S.Variable("a", shape=(0, 2, 0, 0))
    d = S.Convolution(a, num_filter=4, kernel=(3, 3), stride=(2, 1)) + S.Variable(
        "c", shape=(2, 4, 6, 5)
    )
    arg, _, _ = d.infer_shape_partial()
    # H has stride 2 (not invertible: 13 or 14 rows both give 6), W has stride 1.
    assert arg[0] == (2, 2, 0, 7)


def test_fc_flatten_false_backward_fills_leading_axes():
    a = S.Variable("a", shape=(0, 0, 10))
    d = S.FullyConnected(a, num_hidden=4, flatten=False) + S.Variable(
        "c", shape=(2, 3, 0)
    )
    arg, out, _ = d.infer_shape_partial()
    assert arg[0] == (2, 3, 10) and out == [(2, 3, 4)]


# --------------------------------------------------------------------------- executor
def _fc_exe(grad_req="write"):
    fx = load_fixture("ops_conformance", "executor_reshape")
    y = S.FullyConnected(S.Variable("x"), num_hidden=4, name="fc")
    exe = y.simple_bind(mx.cpu(), x=(5, 4), grad_req=grad_req)
    exe.arg_dict["x"][:] = fx["x"]
    exe.arg_dict["fc_weight"][:] = fx["w"]
    exe.arg_dict["fc_bias"][:] = fx["b"]
    return fx, exe


def test_outputs_exist_after_bind_and_are_written_in_place():
    _, exe = _fc_exe()
    assert len(exe.outputs) == 1 and exe.outputs[0].shape == (5, 4)
    held = exe.outputs[0]
    exe.forward()
    assert exe.outputs[0] is held
    exe.arg_dict["fc_bias"][:] = 0
    exe.forward()
    np.testing.assert_allclose(
        held.asnumpy(),
        exe.arg_dict["x"].asnumpy() @ exe.arg_dict["fc_weight"].asnumpy().T,
        rtol=1e-5,
        atol=1e-6,
    )


def test_executor_reshape_shares_memory_like_mxnet():
    fx, exe = _fc_exe()
    small = exe.reshape(x=(3, 4))
    assert small.arg_dict["x"].shape == (3, 4)
    small.forward(is_train=True)
    np.testing.assert_allclose(small.outputs[0].asnumpy(), fx["small_out"], rtol=1e-5)
    # The down-sized executor writes into the first rows of the old outputs.
    np.testing.assert_allclose(
        exe.outputs[0].asnumpy()[:3], fx["old_out_after_small"], rtol=1e-5
    )
    small.backward(mx.nd.ones((3, 4)))
    np.testing.assert_allclose(
        small.grad_dict["fc_weight"].asnumpy(), fx["small_wgrad"], rtol=1e-5
    )
    # Gradient arrays are shared as well.
    np.testing.assert_allclose(
        exe.grad_dict["fc_weight"].asnumpy(), fx["old_wgrad"], rtol=1e-5
    )
    exe.forward(is_train=False)
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), fx["full_out"], rtol=1e-5)

    big = exe.reshape(allow_up_sizing=True, x=(6, 4))
    assert list(big.arg_dict["x"].shape) == list(fx["big_x_shape"])
    big.arg_dict["x"][:] = 0
    np.testing.assert_allclose(exe.arg_dict["x"].asnumpy(), fx["x"])  # not shared
    big.arg_dict["fc_weight"][:] = 2.0
    assert bool((exe.arg_dict["fc_weight"].asnumpy() == 2.0).all()) == bool(
        fx["weight_shared"]
    )


def test_executor_reshape_errors():
    _, exe = _fc_exe(grad_req="null")
    with pytest.raises(MXNetError, match="allow_up_sizing"):
        exe.reshape(x=(6, 4))
    # The weight's inferred shape would change without being named.
    with pytest.raises(MXNetError, match="partial_shaping"):
        exe.reshape(x=(5, 3))
    new = exe.reshape(partial_shaping=True, x=(5, 3))
    assert new.arg_dict["fc_weight"].shape == (4, 3)
    with pytest.raises(MXNetError, match="unknown argument"):
        exe.reshape(y=(5, 4))


def test_backward_ignores_extra_head_gradients_and_takes_a_dict():
    x = S.Variable("x")
    y = S.LeakyReLU(x, act_type="leaky", slope=0.5, name="lr")
    xv = mx.nd.array([[-2.0, 1.0], [3.0, -4.0]])
    gx = mx.nd.zeros((2, 2))
    exe = y.bind(mx.cpu(), {"x": xv}, args_grad={"x": gx})
    exe.forward(is_train=True)
    # MXNet uses the first len(outputs) head gradients (test_prelu passes two).
    exe.backward([mx.nd.ones((2, 2)) * 2, mx.nd.ones((7,))])
    np.testing.assert_allclose(gx.asnumpy(), [[1.0, 2.0], [2.0, 1.0]])
    exe.backward({"lr_output": mx.nd.ones((2, 2))})
    np.testing.assert_allclose(gx.asnumpy(), [[0.5, 1.0], [1.0, 0.5]])
    with pytest.raises(MXNetError, match="out_grads"):
        exe.backward([])


def test_bind_ignores_names_the_symbol_lacks():
    # test_convolution_independent_gradients binds {'x', 'w', 'b'} to a
    # no_bias convolution; MXNet ignores 'b'.
    y = S.FullyConnected(S.Variable("x"), S.Variable("w"), num_hidden=2, no_bias=True)
    args = {
        "x": mx.nd.ones((1, 3)),
        "w": mx.nd.ones((2, 3)),
        "b": mx.nd.ones((2,)),
    }
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
    exe = y.bind(mx.cpu(), args, args_grad=grads)
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((1, 2)))
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), [[3.0, 3.0]])
    np.testing.assert_allclose(grads["w"].asnumpy(), np.ones((2, 3)))
    assert sorted(exe.arg_dict) == ["w", "x"]
