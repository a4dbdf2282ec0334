"""mx.rnn legacy symbolic cells vs MXNet 1.9.1 (fixtures from
tools/fixtures/legacy_rnn.py, built by the same builder functions).

Per cell case: the unrolled symbol's JSON (exact), arguments, outputs,
inferred shapes, parameter names and state_info; then forward outputs and
gradients of every argument with MXNet's argument values and head gradients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture
from tools.fixtures import legacy_rnn as L

FAM = "legacy_rnn"


def _tol(name: str) -> dict:
    # Fused cases ran on MXNet's oneDNN RNN kernel; unfused graphs on plain
    # float32 GEMMs. Both agree with neogluon to float32 rounding.
    return (
        {"rtol": 1e-4, "atol": 1e-5}
        if "fused" in name
        else {"rtol": 1e-5, "atol": 1e-6}
    )


def _build(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FusedRNNCell's NTC-layout advice
        return L.build_case(mx, name)


@pytest.mark.parametrize("name", sorted(L.CELL_CASES))
def test_graph_matches_mxnet(name):
    fx = load_fixture(FAM, f"cell_{name}")
    cell, sym, shapes, _ = _build(name)
    assert sym.list_arguments() == fx["arguments"]
    assert sym.list_outputs() == fx["outputs"]
    assert sym.list_auxiliary_states() == fx["aux"]
    assert sorted(cell.params._params) == fx["params"]
    assert {k: list(v) for k, v in shapes.items()} == fx["shapes"]
    info = [
        None
        if i is None
        else {k: (list(v) if isinstance(v, tuple) else v) for k, v in i.items()}
        for i in cell.state_info
    ]
    assert info == fx["state_info"]
    arg_shapes, out_shapes, aux_shapes = sym.infer_shape(**shapes)
    assert [list(s) for s in arg_shapes] == fx["arg_shapes"]
    assert [list(s) for s in out_shapes] == fx["out_shapes"]
    assert [list(s) for s in aux_shapes] == fx["aux_shapes"]
    assert sym.tojson() == fx["json"]


@pytest.mark.parametrize("name", sorted(L.CELL_CASES))
def test_forward_backward_matches_mxnet(name):
    fx = load_fixture(FAM, f"cell_{name}")
    _, sym, shapes, spec = _build(name)
    ex = sym.simple_bind(mx.cpu(), grad_req="write", **shapes)
    for arg in sym.list_arguments():
        ex.arg_dict[arg][:] = fx[f"arg_{arg}"]
    ex.forward(is_train=spec["train"])
    tol = _tol(name)
    for k, out in enumerate(ex.outputs):
        np.testing.assert_allclose(
            out.asnumpy(), fx[f"out_{k}"], **tol, err_msg=f"out {k}"
        )
    if not spec["train"]:
        return
    ex.backward([mx.nd.array(fx[f"head_{k}"]) for k in range(len(ex.outputs))])
    for arg in sym.list_arguments():
        np.testing.assert_allclose(
            ex.grad_dict[arg].asnumpy(), fx[f"grad_{arg}"], **tol, err_msg=f"grad {arg}"
        )


def test_json_loads_back_and_runs():
    """MXNet's own JSON of an unrolled LSTM loads and runs to MXNet's outputs."""
    fx = load_fixture(FAM, "cell_lstm_merge")
    sym = mx.sym.load_json(fx["json"])
    ex = sym.simple_bind(
        mx.cpu(), grad_req="null", **{k: tuple(v) for k, v in fx["shapes"].items()}
    )
    for arg in sym.list_arguments():
        ex.arg_dict[arg][:] = fx[f"arg_{arg}"]
    ex.forward(is_train=False)
    for k, out in enumerate(ex.outputs):
        np.testing.assert_allclose(out.asnumpy(), fx[f"out_{k}"], rtol=1e-5, atol=1e-6)


FUSED_CELL_CASES = [n for n in sorted(L.CELL_CASES) if n.startswith("fused_")]


@pytest.mark.parametrize("name", FUSED_CELL_CASES)
def test_unfused_cell_reproduces_fused_outputs(name):
    """cell.unfuse() with cell.unpack_weights(args) gives the fused outputs
    MXNet computed (the fused states are checked by the fused case itself)."""
    fx = load_fixture(FAM, f"cell_{name}")
    cell, sym, shapes, spec = _build(name)
    args = {a: mx.nd.array(fx[f"arg_{a}"]) for a in sym.list_arguments()}
    stack = cell.unfuse()
    unpacked = stack.pack_weights(cell.unpack_weights(args))
    length, layout = spec["length"], spec["layout"]
    with mx.name.NameManager():
        # merge_outputs=None: the fused cell returns one symbol, the stack a list
        merge = True if spec["merge"] is None else spec["merge"]
        outputs, _ = stack.unroll(
            length, mx.sym.Variable("data"), layout=layout, merge_outputs=merge
        )
    outs = outputs if isinstance(outputs, list) else [outputs]
    group = mx.sym.Group(outs)
    ex = group.simple_bind(mx.cpu(), grad_req="null", **shapes)
    for a in group.list_arguments():
        ex.arg_dict[a][:] = unpacked[a]
    ex.forward(is_train=False)
    for k, out in enumerate(ex.outputs):
        np.testing.assert_allclose(out.asnumpy(), fx[f"out_{k}"], rtol=1e-4, atol=1e-5)


def _consistency(fused, stack, T, N, n_in, grad_req, scale=0.3):
    """MXNet's check_rnn_consistency (test_operator.py) on executors: the
    fused and the stacked cells agree on outputs and input gradients."""
    dshape = (N, T, n_in)
    data = mx.sym.Variable("data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y1, _ = fused.unroll(T, data, layout="NTC", merge_outputs=True)
    y2, _ = stack.unroll(T, data, layout="NTC", merge_outputs=True)
    ex1 = y1.simple_bind(mx.cpu(), grad_req=grad_req, data=dshape)
    ex2 = y2.simple_bind(mx.cpu(), grad_req=grad_req, data=dshape)
    rng = np.random.RandomState(1)
    args = {}
    for name, arr in ex1.arg_dict.items():
        if name != "data":
            arr[:] = rng.uniform(-scale, scale, size=arr.shape)
            args[name] = arr
    args = stack.pack_weights(fused.unpack_weights(args))
    for name, arr in ex2.arg_dict.items():
        if name != "data":
            arr[:] = args[name]
    x = rng.uniform(size=dshape).astype(np.float32)
    ex1.arg_dict["data"][:] = x
    ex2.arg_dict["data"][:] = x
    for train in (False, True):
        ex1.forward(is_train=train)
        ex2.forward(is_train=train)
        np.testing.assert_allclose(
            ex1.outputs[0].asnumpy(), ex2.outputs[0].asnumpy(), rtol=1e-4, atol=1e-5
        )
    dy = mx.nd.array(rng.uniform(size=ex1.outputs[0].shape))
    ex1.backward([dy])
    ex2.backward([dy])
    req = grad_req if isinstance(grad_req, str) else grad_req["data"]
    if req == "null":
        assert ex1.grad_dict.get("data") is None and ex2.grad_dict.get("data") is None
    else:
        np.testing.assert_allclose(
            ex1.grad_dict["data"].asnumpy(),
            ex2.grad_dict["data"].asnumpy(),
            rtol=1e-4,
            atol=1e-5,
        )


def _cell(mode, h, prefix):
    if mode == "lstm":
        return mx.rnn.LSTMCell(h, prefix=prefix)
    if mode == "gru":
        return mx.rnn.GRUCell(h, prefix=prefix)
    return mx.rnn.RNNCell(h, activation=mode[4:], prefix=prefix)


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("grad_req", ["write", "add", "null"])
def test_fused_vs_stack_unidirectional(mode, grad_req):
    h = 6
    fused = mx.rnn.FusedRNNCell(
        h, num_layers=3, mode=mode, get_next_state=True, prefix=""
    )
    stack = mx.rnn.SequentialRNNCell()
    for i in range(3):
        stack.add(_cell(mode, h, f"l{i}_"))
    _consistency(fused, stack, T=4, N=3, n_in=5, grad_req=grad_req)


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("grad_req", ["write", {"data": "add", "parameters": "null"}])
def test_fused_vs_stack_bidirectional(mode, grad_req):
    h = 5
    fused = mx.rnn.FusedRNNCell(
        h, num_layers=2, mode=mode, bidirectional=True, get_next_state=True, prefix=""
    )
    stack = mx.rnn.SequentialRNNCell()
    for i in range(2):
        stack.add(
            mx.rnn.BidirectionalCell(
                _cell(mode, h, f"l{i}_"),
                _cell(mode, h, f"r{i}_"),
                output_prefix=f"bi_{i}_",
            )
        )
    _consistency(fused, stack, T=3, N=2, n_in=4, grad_req=grad_req)


def test_unfuse_names():
    cell = mx.rnn.FusedRNNCell(
        100, num_layers=3, mode="lstm", prefix="test_", bidirectional=True, dropout=0.5
    ).unfuse()
    inputs = [mx.sym.Variable(f"rnn_t{i}_data") for i in range(3)]
    outputs, _ = cell.unroll(3, inputs)
    outputs = mx.sym.Group(outputs)
    assert outputs.list_outputs() == [f"test_bi_l2_t{i}_output" for i in range(3)]
    _, outs, _ = outputs.infer_shape(**{f"rnn_t{i}_data": (10, 50) for i in range(3)})
    assert outs == [(10, 200)] * 3
    kinds = [type(c).__name__ for c in cell._cells]
    assert kinds == [
        "BidirectionalCell",
        "DropoutCell",
        "BidirectionalCell",
        "DropoutCell",
        "BidirectionalCell",
    ]


def test_begin_state_kinds_and_counter():
    cell = mx.rnn.LSTMCell(3, prefix="x_")
    s = cell.begin_state()
    assert [t.name for t in s] == ["x_begin_state_0", "x_begin_state_1"]
    s = cell.begin_state(func=mx.sym.Variable)
    assert [t.name for t in s] == ["x_begin_state_2", "x_begin_state_3"]
    assert s[0].list_attr() == {"__shape__": "(0, 3)", "__layout__": "NC"}
    s = cell.begin_state(func=mx.sym.uniform, low=-1)
    assert s[0].list_attr()["low"] == "-1"
    cell.reset()
    assert cell.begin_state()[0].name == "x_begin_state_0"
    assert cell.state_shape == [(0, 3), (0, 3)]
    fused = mx.rnn.FusedRNNCell(3, num_layers=2, bidirectional=True, mode="gru")
    assert fused.state_shape == [(4, 0, 3)]
    assert mx.rnn.FusedRNNCell(3, mode="lstm").state_info[1]["__layout__"] == "LNC"


def test_step_call_and_counters():
    cell = mx.rnn.GRUCell(4, prefix="g_")
    x = mx.sym.Variable("x")
    out, states = cell(x, cell.begin_state())
    assert out.name == "g_t0_out"
    out, states = cell(x, states)
    assert out.name == "g_t1_out"
    assert len(states) == 1
    # unroll resets the step counter
    outs, _ = cell.unroll(2, [x, x])
    assert [o.name for o in outs] == ["g_t0_out", "g_t1_out"]


def test_params_sharing():
    params = mx.rnn.RNNParams("shared_")
    a = mx.rnn.LSTMCell(3, prefix="a_", params=params)
    b = mx.rnn.LSTMCell(3, prefix="b_", params=params)
    assert a._iW is b._iW
    assert sorted(params._params) == [
        "shared_h2h_bias",
        "shared_h2h_weight",
        "shared_i2h_bias",
        "shared_i2h_weight",
    ]
    assert params.get("i2h_weight") is a._iW
    # LSTMCell's i2h bias carries its forget-bias initializer
    c = mx.rnn.LSTMCell(3, forget_bias=2.5)
    assert c._iB.list_attr()["__init__"] == '["lstmbias", {"forget_bias": 2.5}]'


def test_lstm_forget_bias_initializer_applies():
    """What test_rnn.py::test_lstm_forget_bias checks, without mx.mod.Module:
    the ``__init__`` attribute of i2h_bias initializes the forget gate."""
    cell = mx.rnn.LSTMCell(5, forget_bias=2.0, prefix="l0_")
    out, _ = cell.unroll(1, mx.sym.Variable("data"), merge_outputs=True)
    name = next(a for a in out.list_arguments() if a.endswith("i2h_bias"))
    attrs = out.attr_dict()[name]
    arr = mx.nd.zeros((20,))
    mx.init.Uniform(0.01)(mx.init.InitDesc(name, attrs), arr)
    expected = np.hstack([np.zeros(5), 2.0 * np.ones(5), np.zeros(10)])
    np.testing.assert_allclose(arr.asnumpy(), expected)


def test_errors():
    fused = mx.rnn.FusedRNNCell(3)
    with pytest.raises(NotImplementedError, match="cannot be stepped"):
        fused(mx.sym.Variable("x"), [])
    bi = mx.rnn.BidirectionalCell(
        mx.rnn.RNNCell(2, prefix="l_"), mx.rnn.RNNCell(2, prefix="r_")
    )
    with pytest.raises(NotImplementedError, match="cannot be stepped"):
        bi(mx.sym.Variable("x"), [])
    with pytest.raises(AssertionError, match="unfuse"):
        mx.rnn.ZoneoutCell(fused)
    with pytest.raises(AssertionError, match="BidirectionalCell"):
        mx.rnn.ZoneoutCell(bi)
    stack = mx.rnn.SequentialRNNCell()
    stack.add(
        mx.rnn.BidirectionalCell(
            mx.rnn.RNNCell(2, prefix="a_"), mx.rnn.RNNCell(2, prefix="b_")
        )
    )
    with pytest.raises(AssertionError, match="Bidirectional SequentialRNNCell"):
        mx.rnn.ZoneoutCell(stack)
    base = mx.rnn.RNNCell(2, prefix="m_")
    mod = mx.rnn.ResidualCell(base)
    with pytest.raises(AssertionError, match="modifier cell"):
        base.begin_state()
    assert [s.name for s in mod.begin_state()] == ["m_begin_state_0"]
    with pytest.raises(AssertionError, match="inputs=None"):
        base.unroll(2, None)
    with pytest.raises(AssertionError, match="length=3"):
        mx.rnn.RNNCell(2).unroll(3, [mx.sym.Variable("a")])
    with pytest.raises(AssertionError, match="grouped symbol"):
        mx.rnn.RNNCell(2).unroll(
            2, mx.sym.Group([mx.sym.Variable("a"), mx.sym.Variable("b")])
        )
    with pytest.raises(TypeError, match="must be a number"):
        mx.rnn.DropoutCell("0.5")
    with pytest.raises(ValueError, match="mode"):
        mx.rnn.FusedRNNCell(3, mode="lstmp")
    with pytest.raises(AssertionError, match="odd"):
        mx.rnn.ConvRNNCell((1, 2, 4, 4), 2, h2h_kernel=(2, 3))
    # As in MXNet 1.9.1, container params only combine with cells that have not
    # used their own container (any cell with weights has).
    with pytest.raises(AssertionError, match="Either specify params"):
        mx.rnn.SequentialRNNCell(params=mx.rnn.RNNParams("p_")).add(mx.rnn.RNNCell(2))
    with pytest.raises(AssertionError, match="Either specify params"):
        mx.rnn.BidirectionalCell(
            mx.rnn.RNNCell(2, prefix="l_"),
            mx.rnn.RNNCell(2, prefix="r_"),
            params=mx.rnn.RNNParams(),
        )


def test_sequential_step():
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.LSTMCell(3, prefix="a_"))
    stack.add(mx.rnn.GRUCell(3, prefix="b_"))
    x = mx.sym.Variable("x")
    out, states = stack(x, stack.begin_state())
    assert len(states) == 3
    assert out.name == "b_t0_out"
    _, outs, _ = mx.sym.Group([out] + states).infer_shape(x=(2, 5))
    assert outs == [(2, 3)] * 4
    bi = mx.rnn.SequentialRNNCell()
    bi.add(
        mx.rnn.BidirectionalCell(
            mx.rnn.RNNCell(2, prefix="l_"), mx.rnn.RNNCell(2, prefix="r_")
        )
    )
    with pytest.raises(AssertionError, match="cannot be"):
        bi(x, bi.begin_state())


def test_zoneout_training_mask_keeps_old_or_new():
    """In training, each zoneout output element is the new output or the
    previous one (zeros at the first step)."""
    base = mx.rnn.RNNCell(8, prefix="z_")
    cell = mx.rnn.ZoneoutCell(base, zoneout_outputs=0.5)
    x = [mx.sym.Variable(f"t{k}") for k in range(2)]
    outs, _ = cell.unroll(2, x)
    ref_outs, _ = mx.rnn.RNNCell(8, prefix="z_").unroll(2, x)
    sym = mx.sym.Group(outs + ref_outs)
    ex = sym.simple_bind(mx.cpu(), grad_req="null", t0=(4, 3), t1=(4, 3))
    rng = np.random.RandomState(0)
    for a in sym.list_arguments():
        ex.arg_dict[a][:] = rng.uniform(-1, 1, size=ex.arg_dict[a].shape)
    ex.forward(is_train=True)
    z0, z1, r0, _ = (o.asnumpy() for o in ex.outputs)
    assert np.all((z0 == r0) | (z0 == 0))
    assert 0 < np.mean(z0 == 0) < 1


def test_rnn_unroll_deprecated():
    cell = mx.rnn.RNNCell(3, prefix="d_")
    with pytest.warns(DeprecationWarning, match="deprecated"):
        outs, _ = mx.rnn.rnn_unroll(
            cell, 2, inputs=[mx.sym.Variable("a"), mx.sym.Variable("b")]
        )
    assert [o.name for o in outs] == ["d_t0_out", "d_t1_out"]
