"""Recurrent cells and unroll against MXNet 1.9.1 (tools/fixtures/rnn_layers.py)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon import rnn
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "rnn_layers"
CELL_CASES = [n for n in fixture_names(FAM) if n.startswith("cell_")]
# Cells are compositions of FullyConnected/elementwise ops; float32 rounding
# over 4 steps stays well under these.
RTOL, ATOL = 1e-5, 1e-6
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-5


def _make_cell(spec):
    kind = spec["kind"]
    if kind in ("RNNCell", "LSTMCell", "GRUCell"):
        return getattr(rnn, kind)(**spec["kwargs"])
    if kind == "BidirectionalCell":
        return rnn.BidirectionalCell(_make_cell(spec["l"]), _make_cell(spec["r"]))
    if kind in ("ZoneoutCell", "ResidualCell"):
        return getattr(rnn, kind)(_make_cell(spec["base"]), **spec.get("kwargs", {}))
    if kind == "SequentialRNNCell":
        s = rnn.SequentialRNNCell(prefix=spec.get("prefix"))
        with s.name_scope():
            for sub in spec["cells"]:
                s.add(_make_cell(sub))
        return s
    if kind == "DropoutCell":
        return rnn.DropoutCell(spec["rate"])
    raise ValueError(kind)


def _set_params(cell, f):
    params = cell.collect_params()
    assert list(params.keys()) == f["param_names"]
    pos = 0
    for name, shape in zip(f["param_names"], f["param_shapes"], strict=True):
        size = int(np.prod(shape))
        params[name].set_data(mx.nd.array(f["params"][pos : pos + size].reshape(shape)))
        pos += size


class _Unroller(mx.gluon.HybridBlock):
    """Unrolls a cell inside hybrid_forward (traced when hybridized)."""

    def __init__(self, cell, length, unroll, **kwargs):
        super().__init__(**kwargs)
        self._length = length
        self._unroll = unroll
        self.cell = cell

    def hybrid_forward(self, F, x, states=None, valid_length=None):
        return self.cell.unroll(
            self._length,
            x,
            begin_state=states,
            valid_length=valid_length,
            **self._unroll,
        )


def _stack(out, layout):
    if isinstance(out, list):
        return mx.nd.stack(*out, axis=layout.find("T"))
    return out


@pytest.mark.parametrize("mode", ["eager", "hybrid_cell", "hybrid_block"])
@pytest.mark.parametrize("name", CELL_CASES)
def test_cell_unroll_matches_mxnet(name, mode):
    f = load_fixture(FAM, name)
    if mode == "hybrid_block" and f["spec"]["kind"] == "SequentialRNNCell":
        pytest.skip("a SequentialRNNCell is not a HybridBlock (as in MXNet)")
    cell = _make_cell(f["spec"])
    cell.initialize()
    layout = f["unroll"].get("layout", "NTC")
    x = mx.nd.array(f["x"])
    cell.unroll(f["t"], x, layout=layout)  # completes deferred shapes
    assert repr(cell) == f["repr"]
    _set_params(cell, f)
    states = (
        [mx.nd.array(f[f"state_{i}"]) for i in range(f["n_begin"])]
        if f["n_begin"]
        else None
    )
    vl = mx.nd.array(f["valid_length"]) if "valid_length" in f else None
    if mode == "hybrid_block":
        block = _Unroller(cell, f["t"], f["unroll"])
        block.hybridize()

        def run():
            return block(x, states, vl)
    else:
        if mode == "hybrid_cell":
            cell.hybridize()

        def run():
            return cell.unroll(
                f["t"], x, begin_state=states, valid_length=vl, **f["unroll"]
            )

    if f["record"]:
        x.attach_grad()
        with mx.autograd.record(train_mode=f["train"]):
            out, new_states = run()
            merged = _stack(out, layout)
            loss = (merged * mx.nd.array(f["lossw_out"])).sum()
            for i, s in enumerate(new_states):
                loss = loss + (s * mx.nd.array(f[f"lossw_state_{i}"])).sum()
        loss.backward()
    else:
        out, new_states = run()
        merged = _stack(out, layout)
    if mode != "hybrid_block":  # a hybridized block regroups outputs as lists
        assert isinstance(out, list) == f["out_is_list"]
    np.testing.assert_allclose(merged.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)
    assert len(new_states) == f["n_states"]
    for i, s in enumerate(new_states):
        np.testing.assert_allclose(
            s.asnumpy(), f[f"outstate_{i}"], rtol=RTOL, atol=ATOL
        )
    if f["record"]:
        np.testing.assert_allclose(
            x.grad.asnumpy(), f["grad_x"], rtol=GRAD_RTOL, atol=GRAD_ATOL
        )


def _meta_cells():
    seq = rnn.SequentialRNNCell(prefix="seq_")
    with seq.name_scope():
        seq.add(rnn.LSTMCell(4))
        seq.add(rnn.DropoutCell(0.5))
        seq.add(rnn.GRUCell(4))
    return {
        "rnncell": rnn.RNNCell(4, prefix="rnncell0_"),
        "rnncell_relu": rnn.RNNCell(4, activation="relu", input_size=3, prefix="r_"),
        "lstmcell": rnn.LSTMCell(4, input_size=3, prefix="lstmcell0_"),
        "grucell": rnn.GRUCell(5, prefix="grucell0_"),
        "dropoutcell": rnn.DropoutCell(0.3, prefix="drop0_"),
        "zoneout": rnn.ZoneoutCell(rnn.LSTMCell(4, prefix="zl_"), 0.2, 0.1),
        "residual": rnn.ResidualCell(rnn.GRUCell(4, prefix="rg_")),
        "bidir": rnn.BidirectionalCell(
            rnn.LSTMCell(3, prefix="bl_"), rnn.GRUCell(3, prefix="br_")
        ),
        "sequential": seq,
    }


@pytest.mark.parametrize("key", list(_meta_cells()))
def test_cell_names_shapes_repr(key):
    meta = load_fixture(FAM, "meta")["meta"][key]
    cell = _meta_cells()[key]
    assert repr(cell) == meta["repr"]
    assert cell.prefix == meta["prefix"]
    got = [[k, list(v.shape)] for k, v in cell.collect_params().items()]
    assert got == meta["params"]
    assert list(cell._collect_params_with_prefix().keys()) == meta["structural"]
    info = [
        {"shape": list(i["shape"]), "__layout__": i["__layout__"]}
        for i in cell.state_info(2)
    ]
    assert info == meta["state_info"]
    names = [s.name for s in cell.begin_state(batch_size=2, func=mx.sym.zeros)]
    assert names == meta["begin_state_names"]


def test_begin_state_counter_and_reset():
    cell = rnn.GRUCell(3, prefix="g_")
    a = cell.begin_state(batch_size=2, func=mx.sym.zeros)
    b = cell.begin_state(batch_size=2, func=mx.sym.zeros)
    assert [a[0].name, b[0].name] == ["g_begin_state_0", "g_begin_state_1"]
    cell.reset()
    assert cell.begin_state(batch_size=2, func=mx.sym.zeros)[0].name == (
        "g_begin_state_0"
    )
    st = cell.begin_state(batch_size=2)
    assert st[0].shape == (2, 3) and st[0].asnumpy().sum() == 0


def test_cell_step_call():
    cell = rnn.LSTMCell(4, input_size=3)
    cell.initialize()
    x = mx.nd.ones((2, 3))
    out, states = cell(x, cell.begin_state(batch_size=2))
    assert out.shape == (2, 4) and [s.shape for s in states] == [(2, 4), (2, 4)]
    assert cell._counter == 0


def test_lstm_cell_custom_activations():
    x = mx.nd.random.uniform(-1, 1, shape=(2, 3, 4))
    a = rnn.LSTMCell(3, input_size=4, activation="relu")
    a.initialize(mx.init.Constant(0.1))
    b = rnn.LSTMCell(3, input_size=4)
    b.initialize(mx.init.Constant(0.1))
    assert not np.allclose(
        a.unroll(3, x, merge_outputs=True)[0].asnumpy(),
        b.unroll(3, x, merge_outputs=True)[0].asnumpy(),
    )
    c = rnn.LSTMCell(3, input_size=4, recurrent_activation="relu")
    c.initialize(mx.init.Constant(0.1))
    i, f, g, o = 0.5, 0.5, np.tanh(0.5), 0.5  # relu(0.5) = 0.5 gates
    xi = mx.nd.ones((1, 4))
    c.i2h_weight.set_data(mx.nd.ones((12, 4)) * 0.125)
    c.i2h_bias.set_data(mx.nd.zeros((12,)))
    c.h2h_bias.set_data(mx.nd.zeros((12,)))
    out, (h, cc) = c(xi, c.begin_state(batch_size=1))
    np.testing.assert_allclose(cc.asnumpy(), np.full((1, 3), i * g), rtol=1e-6)
    np.testing.assert_allclose(
        out.asnumpy(), np.full((1, 3), o * np.tanh(f * 0 + i * g)), rtol=1e-6
    )


def test_bidirectional_cannot_step():
    cell = rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2))
    with pytest.raises(NotImplementedError, match="use unroll"):
        cell(mx.nd.ones((1, 2)), [])


def test_modified_base_cell_cannot_be_used():
    base = rnn.LSTMCell(3)
    rnn.ZoneoutCell(base, 0.5)
    with pytest.raises(AssertionError, match="cannot be called directly"):
        base.begin_state(batch_size=2)
    with pytest.raises(AssertionError, match="already modified"):
        rnn.ResidualCell(base)


def test_zoneout_training_keeps_previous_values():
    cell = rnn.ZoneoutCell(rnn.GRUCell(5, input_size=3), zoneout_states=0.5)
    cell.initialize()
    x = mx.nd.random.uniform(shape=(4, 3))
    s0 = [mx.nd.ones((4, 5)) * 7.0]
    with mx.autograd.train_mode():
        _, (s1,) = cell(x, s0)
    _, (new,) = cell(x, s0)  # predict mode: no zoneout, the base cell's state
    s1, new = s1.asnumpy(), new.asnumpy()
    kept = s1 == 7.0
    assert kept.any() and (~kept).any()
    np.testing.assert_allclose(s1[~kept], new[~kept], rtol=1e-6)


def test_dropout_cell_unroll_tensor_passthrough():
    cell = rnn.DropoutCell(0.5)
    x = mx.nd.ones((2, 3, 4))
    out, states = cell.unroll(3, x, merge_outputs=True)
    assert isinstance(out, mx.nd.NDArray) and states == []
    np.testing.assert_allclose(out.asnumpy(), x.asnumpy())
    with mx.autograd.train_mode():
        out, _ = cell.unroll(3, x, merge_outputs=True)
    assert set(np.unique(out.asnumpy())) <= {0.0, 2.0}


def test_unroll_length_mismatch():
    cell = rnn.GRUCell(2, input_size=3)
    cell.initialize()
    with pytest.raises(ValueError, match="length=5"):
        cell.unroll(5, mx.nd.ones((2, 4, 3)))


def test_hybrid_sequential_cell():
    stack = rnn.HybridSequentialRNNCell()
    with stack.name_scope():
        stack.add(rnn.LSTMCell(4))
        stack.add(rnn.ResidualCell(rnn.GRUCell(4)))
    stack.initialize()
    x = mx.nd.random.uniform(shape=(2, 5, 3))
    out, states = stack.unroll(5, x, merge_outputs=True)
    assert out.shape == (2, 5, 4) and len(states) == 3
    assert len(stack) == 2 and isinstance(stack[0], rnn.LSTMCell)
    step_out, step_states = stack(x[:, 0], stack.begin_state(batch_size=2))
    assert step_out.shape == (2, 4) and len(step_states) == 3
    stack.hybridize()
    out2, _ = stack.unroll(5, x, merge_outputs=True)
    np.testing.assert_allclose(out2.asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)


def test_cell_equals_fused_layer():
    # The gate orders of the cells and of the fused op agree (docs/mxnet-behaviours.md, "Recurrent cell gate order").
    x = mx.nd.random.uniform(-1, 1, shape=(5, 2, 3))
    for layer_cls, cell_cls in ((rnn.LSTM, rnn.LSTMCell), (rnn.GRU, rnn.GRUCell)):
        layer = layer_cls(4, input_size=3)
        layer.initialize(mx.init.Uniform(0.5))
        cell = cell_cls(4, input_size=3)
        cell.initialize()
        for g in ("i2h", "h2h"):
            for t in ("weight", "bias"):
                getattr(cell, f"{g}_{t}").set_data(getattr(layer, f"l0_{g}_{t}").data())
        out_cell, _ = cell.unroll(5, x, layout="TNC", merge_outputs=True)
        np.testing.assert_allclose(
            out_cell.asnumpy(), layer(x).asnumpy(), rtol=1e-5, atol=1e-6
        )
