"""The fused RNN operator (neogluon/ops/rnn.py) against MXNet 1.9.1 fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from neogluon import autograd
from neogluon import nd
from neogluon.base import MXNetError
from neogluon.ops import get
from neogluon.ops.registry import ShapeError
from neogluon.ops.rnn import rnn_param_size
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAMILY = "ops_nn"
# Recurrences compound float32 rounding over time steps and layers, and MXNet's
# oneDNN RNN kernel differs from torch's in summation order: gradients through
# 5 steps x 2 layers agree to ~1e-5 absolute, so use rtol 1e-4 / atol 5e-5.
RTOL, ATOL = 1e-4, 5e-5

# MXNet 1.9.1's CPU RNN ignores sequence_length (only cuDNN honours it), so the
# seqlen fixture is checked by test_sequence_length_semantics instead.
RNN_CASES = [
    n for n in fixture_names(FAMILY) if n.startswith("rnn_") and n != "rnn_lstm_seqlen"
]


def _run(name: str) -> None:
    f = load_fixture(FAMILY, name)
    arrs = {k: nd.array(f[f"in_{k}"]) for k in f["inputs"]}
    for k in f["gradded"]:
        arrs[k].attach_grad()
    if f["record"]:
        with autograd.record(train_mode=f["train"]):
            out = nd.RNN(**arrs, **f["attrs"])
    else:
        out = nd.RNN(**arrs, **f["attrs"])
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == f["n_out"]
    for i, o in enumerate(outs):
        np.testing.assert_allclose(
            o.asnumpy(), f[f"out_{i}"], RTOL, ATOL, err_msg=f"{name}: out {i}"
        )
    if not f["record"]:
        return
    autograd.backward(outs, [nd.array(f[f"head_{i}"]) for i in range(len(outs))])
    for k in f["gradded"]:
        np.testing.assert_allclose(
            arrs[k].grad.asnumpy(), f[f"grad_{k}"], RTOL, ATOL, err_msg=f"{name}: {k}"
        )


def test_fixtures_present():
    assert len(RNN_CASES) >= 8


@pytest.mark.parametrize("name", RNN_CASES)
def test_against_mxnet(name):
    _run(name)


def test_sequence_length_semantics():
    """Valid steps equal MXNet's full-sequence outputs; later steps are zero and
    the returned states are those of each sequence's last valid step (cuDNN's
    semantics, which MXNet's CPU kernel does not implement)."""
    f = load_fixture(FAMILY, "rnn_lstm_seqlen")
    arrs = {k: nd.array(f[f"in_{k}"]) for k in f["inputs"]}
    out, hy, _ = nd.RNN(**arrs, **f["attrs"])
    out, hy = out.asnumpy(), hy.asnumpy()
    ref = f["out_0"]
    for b, n in enumerate(f["in_sequence_length"].astype(int)):
        np.testing.assert_allclose(out[:n, b], ref[:n, b], RTOL, ATOL)
        assert np.all(out[n:, b] == 0)
        np.testing.assert_allclose(hy[0, b], ref[n - 1, b], RTOL, ATOL)


def test_param_size_formula():
    # LSTM, 2 layers, bidirectional, input 3, hidden 4.
    layer0 = 2 * (16 * 3 + 16 * 4 + 32)
    layer1 = 2 * (16 * 8 + 16 * 4 + 32)
    assert rnn_param_size("lstm", 3, 4, 2, True) == layer0 + layer1
    assert rnn_param_size("rnn_tanh", 5, 2, 1, False) == 2 * 5 + 2 * 2 + 4


def test_infer_shape_both_directions():
    op = get("RNN")
    a = op.parse_attrs(
        {"state_size": 4, "num_layers": 2, "mode": "gru", "bidirectional": True}
    )
    ins, outs = op.run_infer_shape([(5, 2, 3), None, None], a)
    assert ins[1] == (rnn_param_size("gru", 3, 4, 2, True),)
    assert ins[2] == (4, 2, 4) and outs == [(5, 2, 8)]
    # Input size recovered from the parameter count.
    ins, _ = op.run_infer_shape([(5, 2, 0), ins[1], None], a)
    assert ins[0] == (5, 2, 3)
    a = op.parse_attrs(
        {"state_size": 4, "num_layers": 1, "mode": "lstm", "state_outputs": True}
    )
    ins, outs = op.run_infer_shape([(7, 3, 2), None, None, None], a)
    assert ins[3] == (1, 3, 4) and outs == [(7, 3, 4), (1, 3, 4), (1, 3, 4)]


def test_infer_shape_errors():
    op = get("RNN")
    a = op.parse_attrs({"state_size": 4, "num_layers": 1, "mode": "rnn_tanh"})
    with pytest.raises(ShapeError, match=r"RNN: parameters has shape \(7,\)"):
        op.run_infer_shape([(5, 2, 3), (7,), None], a)
    with pytest.raises(ShapeError, match=r"RNN: state has shape \(1, 2, 5\)"):
        op.run_infer_shape([(5, 2, 3), None, (1, 2, 5)], a)


def test_wrong_parameter_count_error_via_nd():
    with pytest.raises(MXNetError, match="RNN.*parameters"):
        nd.RNN(
            nd.ones((2, 1, 3)),
            nd.ones((10,)),
            nd.zeros((1, 1, 4)),
            state_size=4,
            num_layers=1,
            mode="gru",
        )


def test_dropout_between_layers_only_in_training():
    f = load_fixture(FAMILY, "rnn_lstm_2l")
    arrs = {k: nd.array(f[f"in_{k}"]) for k in f["inputs"]}
    attrs = dict(f["attrs"], p=0.5)
    # Inference: p is ignored, so the outputs equal MXNet's p=0 outputs.
    out = nd.RNN(**arrs, **attrs)
    np.testing.assert_allclose(out[0].asnumpy(), f["out_0"], RTOL, ATOL)
    with autograd.train_mode():
        out = nd.RNN(**arrs, **attrs)
    assert not np.allclose(out[0].asnumpy(), f["out_0"], RTOL, ATOL)


def test_rnn_state_shape_mismatch_raises_instead_of_crashing():
    # torch's fused kernels can crash the interpreter on mismatched states; the
    # op checks them first and names the expected shape.
    import neogluon as mx
    from neogluon.ops.rnn import rnn_param_size

    n = rnn_param_size("lstm", 4, 5, 1, False, None)
    data, params = mx.nd.ones((3, 2, 4)), mx.nd.ones((n,))
    good = mx.nd.zeros((1, 2, 5))
    for bad in (mx.nd.zeros((1, 0, 5)), mx.nd.zeros((1, 3, 5)), mx.nd.zeros((2, 2, 5))):
        with pytest.raises(mx.MXNetError, match=r"needs \(1, 2, 5\)"):
            mx.nd.RNN(data, params, bad, good, state_size=5, num_layers=1, mode="lstm")
