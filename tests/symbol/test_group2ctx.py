"""simple_bind(group2ctx=...): arrays of a ctx_group live on the group's context
(MXNet 1.9.1 test_multi_device_exec.py asserts the same placement)."""

import neogluon as mx


def _two_stage_mlp():
    with mx.AttrScope(ctx_group="stage1"):
        data = mx.sym.Variable("data")
        act1 = mx.sym.Activation(
            mx.sym.FullyConnected(data, num_hidden=8, name="fc1"), act_type="relu"
        )
    with mx.AttrScope(ctx_group="stage2"):
        out = mx.sym.FullyConnected(act1, num_hidden=3, name="fc2")
    return act1, out


def test_simple_bind_places_arguments_by_group():
    act1, out = _two_stage_mlp()
    stage1 = set(act1.list_arguments())
    group2ctx = {"stage1": mx.cpu(1), "stage2": mx.cpu(2)}
    for grad_req in ("write", {"data": "null", "fc1_weight": "write"}):
        ex = out.simple_bind(
            mx.cpu(0), group2ctx=group2ctx, grad_req=grad_req, data=(2, 4)
        )
        for name, arr in zip(out.list_arguments(), ex.arg_arrays, strict=True):
            want = group2ctx["stage1" if name in stage1 else "stage2"]
            assert arr.context == want, name
        for name, g in ex.grad_dict.items():
            assert g.context == ex.arg_dict[name].context
        assert ex.forward()[0].shape == (2, 3)


def test_simple_bind_without_group2ctx_uses_bind_context():
    _, out = _two_stage_mlp()
    ex = out.simple_bind(mx.cpu(3), data=(2, 4))
    assert {a.context for a in ex.arg_arrays} == {mx.cpu(3)}
