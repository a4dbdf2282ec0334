"""gluon.contrib.rnn against MXNet 1.9.1 (tools/fixtures/gluon_contrib_rnn.py)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon import contrib
from neogluon.gluon.contrib.rnn.rnn_cell import dynamic_unroll
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "gluon_contrib_rnn"
CASES = [n for n in fixture_names(FAM) if n != "symbolic"]
# Convolutions and dense products over 4 steps: float32 rounding stays far
# below these. States get the same bounds (stated separately on purpose).
RTOL, ATOL = 1e-5, 1e-6
STATE_RTOL, STATE_ATOL = 1e-5, 1e-6
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-5


def _cls(name):
    return getattr(contrib.rnn, name, None) or getattr(mx.gluon.rnn, name)


def _build(spec, prefix, layout_override=None):
    kwargs = {
        k: tuple(v) if isinstance(v, list) else v for k, v in spec["kwargs"].items()
    }
    if layout_override is not None:
        kwargs.update(layout_override)
    cell = _cls(spec["cls"])(*spec.get("args", []), prefix=prefix, **kwargs)
    if "wrap" in spec:
        di, ds, do = spec["wrap"]
        cell = contrib.rnn.VariationalDropoutCell(
            cell, drop_inputs=di, drop_states=ds, drop_outputs=do
        )
    return cell


class _Dynamic(mx.gluon.HybridBlock):
    def __init__(self, cell, layout):
        super().__init__()
        self.cell = cell
        self._layout = layout

    def hybrid_forward(self, F, x, states, valid_length=None):
        return dynamic_unroll(
            self.cell, x, states, layout=self._layout, valid_length=valid_length
        )


def _run(f, mode):
    """Build the case's cell, set MXNet's values, run with gradients."""
    spec, run = f["spec"], f["run"]
    layout = run["layout"]
    cell = _build(spec, "cell_")
    cell.initialize()
    for short in f["param_names"]:
        cell.collect_params()[f"cell_{short}"]._load_init(
            mx.nd.array(f[f"param_{short}"]), mx.cpu()
        )
    if mode == "hybrid":
        cell.hybridize()
    x = mx.nd.array(f["x"])
    states = [mx.nd.array(f[f"state_{i}"]) for i in range(f["n_states"])]
    x.attach_grad()
    for s in states:
        s.attach_grad()
    vl = mx.nd.array(f["valid_length"]) if "valid_length" in f else None
    with mx.autograd.record(train_mode=not run.get("predict", False)):
        if run.get("fn") == "dynamic":
            out, new_states = dynamic_unroll(
                cell, x, states, layout=layout, valid_length=vl
            )
        else:
            out, new_states = cell.unroll(
                x.shape[layout.find("T")],
                x,
                states,
                layout=layout,
                merge_outputs=run["merge"],
                valid_length=vl,
            )
        assert isinstance(out, list) == f["out_is_list"]
        if isinstance(out, list):
            out = mx.nd.stack(*out, axis=layout.find("T"))
        loss = (out * mx.nd.array(f["lossw_out"])).sum()
        for i, s in enumerate(new_states):
            loss = loss + (s * mx.nd.array(f[f"lossw_state_{i}"])).sum()
    loss.backward()
    return cell, x, states, out, new_states


@pytest.mark.parametrize("mode", ["eager", "hybrid"])
@pytest.mark.parametrize("name", CASES)
def test_unroll_matches_mxnet(name, mode):
    f = load_fixture(FAM, name)
    cell, x, states, out, new_states = _run(f, mode)
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=RTOL, atol=ATOL)
    assert len(new_states) == f["n_states"]
    for i, s in enumerate(new_states):
        np.testing.assert_allclose(
            s.asnumpy(), f[f"outstate_{i}"], rtol=STATE_RTOL, atol=STATE_ATOL
        )
    np.testing.assert_allclose(
        x.grad.asnumpy(), f["grad_x"], rtol=GRAD_RTOL, atol=GRAD_ATOL
    )
    for i, s in enumerate(states):
        np.testing.assert_allclose(
            s.grad.asnumpy(), f[f"gradstate_{i}"], rtol=GRAD_RTOL, atol=GRAD_ATOL
        )
    for short in f["param_names"]:
        g = cell.collect_params()[f"cell_{short}"].grad().asnumpy()
        np.testing.assert_allclose(
            g, f[f"gradparam_{short}"], rtol=GRAD_RTOL, atol=GRAD_ATOL, err_msg=short
        )
    assert repr(cell) == f["repr"]


@pytest.mark.parametrize("name", CASES)
def test_names_shapes_and_state_info(name):
    f = load_fixture(FAM, name)
    cell = _build(f["spec"], "rnn_")
    assert sorted(cell.collect_params().keys()) == f["names"]
    assert [list(i["shape"]) for i in cell.state_info(2)] == f["state_info"]


def test_symbolic_unroll_names_and_shapes():
    for row in load_fixture(FAM, "symbolic")["rows"]:
        shape = tuple(row["in_shape"])
        cell = getattr(contrib.rnn, row["cls"])(shape[1:], 8, 3, 3, prefix="rnn_")
        inputs = [mx.sym.var(f"rnn_t{i}_data") for i in range(3)]
        outputs, _ = cell.unroll(3, inputs)
        grouped = mx.sym.Group(outputs)
        assert grouped.list_outputs() == row["outputs"]
        arg_shapes, out_shapes, _ = grouped.infer_shape(
            **{f"rnn_t{i}_data": shape for i in range(3)}
        )
        assert [list(s) for s in out_shapes] == row["out_shapes"]
        got = dict(zip(grouped.list_arguments(), arg_shapes, strict=True))
        for k, v in row["args"].items():
            assert list(got[k]) == v, k
        assert repr(cell) == row["repr"]


# --------------------------------------------------------------- channels-last
# MXNet 1.9.1 cannot run channels-last convolutions on CPU, so these layouts are
# checked against the channels-first fixtures with every tensor transposed.
@pytest.mark.parametrize(
    "name", ["conv1d_lstm", "conv2d_rnn", "conv3d_rnn", "conv1d_gru", "conv2d_gru_vl"]
)
def test_channels_last_matches_channels_first_fixture(name):
    f = load_fixture(FAM, name)
    spec, run = f["spec"], f["run"]
    dims = len(spec["kwargs"]["input_shape"]) - 1
    layout = "N" + {1: "W", 2: "HW", 3: "DHW"}[dims] + "C"
    in_shape = spec["kwargs"]["input_shape"]
    cell = _build(
        spec,
        "cell_",
        {"conv_layout": layout, "input_shape": (*in_shape[1:], in_shape[0])},
    )
    cell.initialize()

    def to_last(a, lead):  # channel axis `lead` -> last
        return np.ascontiguousarray(np.moveaxis(a, lead, -1))

    def to_first(a, lead):
        return np.moveaxis(a, -1, lead)

    for short in f["param_names"]:
        v = f[f"param_{short}"]
        if v.ndim > 1:
            v = to_last(v, 1)
        cell.collect_params()[f"cell_{short}"]._load_init(mx.nd.array(v), mx.cpu())
    tnc = run["layout"]
    x = mx.nd.array(to_last(f["x"], 2))
    states = [mx.nd.array(to_last(f[f"state_{i}"], 1)) for i in range(f["n_states"])]
    x.attach_grad()
    vl = mx.nd.array(f["valid_length"]) if "valid_length" in f else None
    with mx.autograd.record():
        out, new_states = cell.unroll(
            x.shape[tnc.find("T")],
            x,
            states,
            layout=tnc,
            merge_outputs=True,
            valid_length=vl,
        )
        loss = (out * mx.nd.array(to_last(f["lossw_out"], 2))).sum()
        for i, s in enumerate(new_states):
            loss = loss + (s * mx.nd.array(to_last(f[f"lossw_state_{i}"], 1))).sum()
    loss.backward()
    np.testing.assert_allclose(
        to_first(out.asnumpy(), 2), f["out"], rtol=RTOL, atol=ATOL
    )
    for i, s in enumerate(new_states):
        np.testing.assert_allclose(
            to_first(s.asnumpy(), 1),
            f[f"outstate_{i}"],
            rtol=STATE_RTOL,
            atol=STATE_ATOL,
        )
    np.testing.assert_allclose(
        to_first(x.grad.asnumpy(), 2), f["grad_x"], rtol=GRAD_RTOL, atol=GRAD_ATOL
    )
    g = cell.collect_params()["cell_i2h_weight"].grad().asnumpy()
    np.testing.assert_allclose(
        to_first(g, 1), f["gradparam_i2h_weight"], rtol=GRAD_RTOL, atol=GRAD_ATOL
    )


# --------------------------------------------------------------- construction
def test_deferred_input_channels_are_inferred_hybridized():
    cell = contrib.rnn.Conv1DLSTMCell((0, 7), 10, (3,), (3,))
    assert cell.i2h_weight.shape == (40, 0, 3)
    assert repr(cell) == "Conv1DLSTMCell(None -> 40, tanh, NCW)"
    cell.hybridize()
    cell.initialize()
    x = mx.nd.ones((8, 3, 5, 7))
    x.attach_grad()
    with mx.autograd.record():
        out, _ = cell.unroll(3, x, merge_outputs=True)
    out.backward()
    assert cell.i2h_weight.shape == (40, 5, 3)
    assert out.shape == (8, 3, 10, 5)
    assert x.grad.abs().sum().asscalar() > 0


def test_lstmp_deferred_input_size():
    cell = contrib.rnn.LSTMPCell(6, 2)
    assert repr(cell) == "LSTMPCell(None -> 24 -> 2)"
    cell.initialize()
    out, states = cell.unroll(3, mx.nd.ones((4, 3, 5)), merge_outputs=True)
    assert cell.i2h_weight.shape == (24, 5)
    assert out.shape == (4, 3, 2)
    assert [s.shape for s in states] == [(4, 2), (4, 6)]


def test_default_prefixes():
    assert contrib.rnn.Conv2DRNNCell((1, 4, 4), 2, 3, 3).prefix.startswith("conv_rnn")
    assert contrib.rnn.Conv3DLSTMCell((1, 4, 4, 4), 2, 3, 3).prefix.startswith(
        "conv_lstm"
    )
    assert contrib.rnn.Conv1DGRUCell((1, 4), 2, 3, 3).prefix.startswith("conv_gru")
    assert contrib.rnn.LSTMPCell(4, 2).prefix.startswith("lstmp")
    base = mx.gluon.rnn.RNNCell(3, prefix="rnn_")
    assert contrib.rnn.VariationalDropoutCell(base).prefix == "rnn_vardrop"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"h2h_kernel": 2}, "odd"),
        ({"i2h_kernel": (3, 3)}, "tuple of 1"),
        ({"conv_layout": "NCHW"}, "conv_layout"),
        ({"input_shape": (2, 6, 6)}, "input_shape"),
    ],
)
def test_bad_arguments_are_explained(kwargs, match):
    args = {
        "input_shape": (2, 6),
        "hidden_channels": 3,
        "i2h_kernel": 3,
        "h2h_kernel": 3,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        contrib.rnn.Conv1DRNNCell(**args)


def test_stacked_conv_cells_forward_backward():
    net = mx.gluon.rnn.SequentialRNNCell()
    net.add(contrib.rnn.Conv1DLSTMCell((5, 7), 10, (3,), (3,)))
    net.add(contrib.rnn.Conv1DRNNCell((10, 5), 11, (3,), (3,)))
    net.add(contrib.rnn.Conv1DGRUCell((11, 3), 12, (3,), (3,)))
    net.collect_params().initialize()
    x = mx.nd.ones((8, 3, 5, 7))
    x.attach_grad()
    with mx.autograd.record():
        out, states = net.unroll(3, x, merge_outputs=True)
    out.backward()
    assert out.shape == (8, 3, 12, 1)
    assert [s.shape for s in states] == [(8, 10, 5), (8, 10, 5), (8, 11, 3), (8, 12, 1)]
    assert x.grad.shape == x.shape


# --------------------------------------------------------------- variational dropout
def _vardrop(di, ds, do, hidden=6):
    base = mx.gluon.rnn.RNNCell(hidden, prefix="rnn_", input_size=5)
    cell = contrib.rnn.VariationalDropoutCell(
        base, drop_inputs=di, drop_states=ds, drop_outputs=do
    )
    cell.initialize(init="xavier")
    return cell


@pytest.mark.parametrize("hybrid", [False, True])
@pytest.mark.parametrize("drop_states", [0.0, 0.5])
def test_vardrop_output_mask_shared_across_time(hybrid, drop_states):
    cell = _vardrop(0.0, drop_states, 0.5, hidden=64)
    if hybrid:
        cell.hybridize()
    x = mx.nd.random.uniform(shape=(8, 5, 5)) + 0.5
    with mx.autograd.record():
        out, _ = cell.unroll(5, x, merge_outputs=True)
    zero = out.asnumpy() == 0
    # One mask per sequence: an output unit dropped at one step is dropped at all.
    assert zero.any()
    assert (zero == zero[:, :1, :]).all()
    kept = (~zero[:, 0, :]).mean()
    assert 0.3 < kept < 0.7


@pytest.mark.parametrize("hybrid", [False, True])
def test_vardrop_step_masks_reused_until_reset(hybrid):
    cell = _vardrop(0.5, 0.5, 0.5, hidden=32)
    if hybrid:
        cell.hybridize()
    x = mx.nd.ones((4, 5))
    states = cell.begin_state(batch_size=4)
    with mx.autograd.record():
        cell(x, states)
        masks = [
            cell.drop_inputs_mask.asnumpy(),
            cell.drop_states_mask.asnumpy(),
            cell.drop_outputs_mask.asnumpy(),
        ]
        cell(x, states)
    again = [
        cell.drop_inputs_mask.asnumpy(),
        cell.drop_states_mask.asnumpy(),
        cell.drop_outputs_mask.asnumpy(),
    ]
    for a, b in zip(masks, again, strict=True):
        np.testing.assert_array_equal(a, b)
        assert set(np.unique(a)) <= {0.0, 2.0}
    cell.reset()
    assert cell.drop_inputs_mask is None and cell.drop_outputs_mask is None


def test_vardrop_input_mask_rate():
    cell = contrib.rnn.VariationalDropoutCell(
        mx.gluon.rnn.GRUCell(3, input_size=400), drop_inputs=0.3
    )
    cell.initialize()
    x = mx.nd.ones((20, 6, 400))
    with mx.autograd.record():
        cell(x[:, 0], cell.begin_state(batch_size=20))
    mask = cell.drop_inputs_mask.asnumpy()
    np.testing.assert_allclose(np.unique(mask), [0.0, 1 / 0.7], rtol=1e-6)
    rate = (mask == 0).mean()
    assert abs(rate - 0.3) < 0.02  # 8000 draws: 5 standard deviations


def test_vardrop_new_masks_per_unroll():
    cell = _vardrop(0.5, 0.5, 0.5, hidden=50)
    x = mx.nd.random.uniform(shape=(10, 3, 5))
    with mx.autograd.record():
        a, _ = cell.unroll(3, x, merge_outputs=True)
        b, _ = cell.unroll(3, x, merge_outputs=True)
    assert not np.allclose(a.asnumpy(), b.asnumpy())


@pytest.mark.parametrize("ps", [(0.0, 0.0, 0.0), (0.5, 0.5, 0.5), (0.5, 0.0, 0.5)])
def test_vardrop_exact_without_dropout(ps):
    """p=0, or predict mode, gives exactly the base cell's results."""
    x = mx.nd.random.uniform(shape=(3, 4, 5))
    cell = _vardrop(*ps)
    base = mx.gluon.rnn.RNNCell(6, prefix="rnn_", params=cell.params, input_size=5)
    train = ps == (0.0, 0.0, 0.0)
    with mx.autograd.record(train_mode=train):
        out, states = cell.unroll(4, x, merge_outputs=True)
        ref, ref_states = base.unroll(4, x, merge_outputs=True)
    np.testing.assert_array_equal(out.asnumpy(), ref.asnumpy())
    np.testing.assert_array_equal(states[0].asnumpy(), ref_states[0].asnumpy())


def test_vardrop_symbolic_unroll_shapes():
    cell = _vardrop(0.5, 0.5, 0.5, hidden=100)
    inputs = [mx.sym.var(f"rnn_t{i}_data") for i in range(3)]
    outputs, _ = cell.unroll(3, inputs, merge_outputs=False)
    grouped = mx.sym.Group(outputs)
    _, outs, _ = grouped.infer_shape(**{f"rnn_t{i}_data": (10, 5) for i in range(3)})
    assert outs == [(10, 100)] * 3


def test_vardrop_refuses_bidirectional_state_dropout():
    bi = mx.gluon.rnn.BidirectionalCell(
        mx.gluon.rnn.LSTMCell(3), mx.gluon.rnn.LSTMCell(3)
    )
    with pytest.raises(ValueError, match="BidirectionalCell"):
        contrib.rnn.VariationalDropoutCell(bi, drop_states=0.5)
    stack = mx.gluon.rnn.SequentialRNNCell()
    stack.add(
        mx.gluon.rnn.BidirectionalCell(mx.gluon.rnn.GRUCell(2), mx.gluon.rnn.GRUCell(2))
    )
    with pytest.raises(AssertionError):
        contrib.rnn.VariationalDropoutCell(stack, drop_states=0.1)
    contrib.rnn.VariationalDropoutCell(
        mx.gluon.rnn.BidirectionalCell(
            mx.gluon.rnn.GRUCell(2), mx.gluon.rnn.GRUCell(2)
        ),
        drop_inputs=0.5,
    )


def test_vardrop_repr():
    cell = contrib.rnn.VariationalDropoutCell(
        mx.gluon.rnn.RNNCell(3), drop_states=0.2, drop_outputs=0.1
    )
    assert repr(cell) == "VariationalDropoutCell(p_out = 0.1, p_state = 0.2)"


# --------------------------------------------------------------- dynamic_unroll
def test_dynamic_unroll_equals_unroll_with_valid_length():
    cell = mx.gluon.rnn.LSTMCell(4, input_size=3)
    cell.initialize()
    x = mx.nd.random.normal(shape=(2, 5, 3))
    states = [mx.nd.random.normal(shape=(2, 4)) for _ in range(2)]
    vl = mx.nd.array([5, 2])
    out, st = dynamic_unroll(cell, x, states, layout="NTC", valid_length=vl)
    ref, ref_st = cell.unroll(
        5, x, states, layout="NTC", merge_outputs=True, valid_length=vl
    )
    np.testing.assert_allclose(out.asnumpy(), ref.asnumpy(), rtol=1e-6, atol=1e-7)
    for a, b in zip(st, ref_st, strict=True):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("layout", ["TNC", "NTC"])
@pytest.mark.parametrize("with_vl", [False, True])
def test_dynamic_unroll_hybridized_matches_eager(layout, with_vl):
    """Hybridized, dynamic_unroll is one _foreach node over the cell's step."""
    x = mx.nd.random.normal(shape=(4, 2, 3) if layout == "TNC" else (2, 4, 3))
    h0 = mx.nd.random.normal(shape=(2, 5))
    vl = mx.nd.array([4, 2]) if with_vl else None
    results = []
    for hybrid in (False, True):
        cell = mx.gluon.rnn.GRUCell(5, prefix="rnn_")
        block = _Dynamic(cell, layout)
        block.initialize(mx.init.Xavier())
        if results:
            for name, p in block.collect_params().items():
                p.set_data(results[0][3][name])
        if hybrid:
            block.hybridize()
        xs, hs = x.copy(), h0.copy()
        xs.attach_grad()
        hs.attach_grad()
        with mx.autograd.record():
            out, st = block(xs, [hs], vl) if with_vl else block(xs, [hs])
            loss = (out * out).sum() + st[0].sum()
        loss.backward()
        params = {n: p.data().copy() for n, p in block.collect_params().items()}
        grads = {n: p.grad().asnumpy() for n, p in block.collect_params().items()}
        results.append(
            (
                out.asnumpy(),
                st[0].asnumpy(),
                xs.grad.asnumpy(),
                params,
                grads,
                hs.grad.asnumpy(),
            )
        )
    (o1, s1, g1, _, pg1, h1), (o2, s2, g2, _, pg2, h2) = results
    np.testing.assert_allclose(o2, o1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s2, s1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g2, g1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h2, h1, rtol=1e-5, atol=1e-6)
    for n in pg1:
        np.testing.assert_allclose(pg2[n], pg1[n], rtol=1e-5, atol=1e-6, err_msg=n)
