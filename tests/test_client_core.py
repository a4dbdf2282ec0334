"""Core behaviours the client libraries exposed (docs/clients.md), checked without
the libraries, against MXNet 1.9.1 (fixtures: client_core, made by
tools/fixtures/client_core.py)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture

nd = mx.nd


def _adamw_state():
    ref = load_fixture("client_core", "multi_adamw")
    groups = [[nd.array(ref[f"{k}{i}"]) for i in range(2)] for k in "wgmv"]
    return ref, groups


def test_multi_adamw_update_matches_mxnet():
    # gluonnlp's BERTAdam (aggregate_num > 1) calls this fused update.
    ref, (w, g, m, v) = _adamw_state()
    out = nd.contrib.multi_adamw_update(w, g, m, v, 1.0, out=w, **ref["kwargs"])
    assert len(out) == 2
    for i in range(2):
        np.testing.assert_allclose(
            w[i].asnumpy(), ref[f"new_w{i}"], rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            m[i].asnumpy(), ref[f"new_m{i}"], rtol=1e-5, atol=1e-7
        )
        np.testing.assert_allclose(
            v[i].asnumpy(), ref[f"new_v{i}"], rtol=1e-5, atol=1e-8
        )


def test_multi_mp_adamw_update_matches_mxnet():
    ref = load_fixture("client_core", "multi_mp_adamw")
    start = load_fixture("client_core", "multi_adamw")
    w16 = [nd.array(start[f"w{i}"]).astype("float16") for i in range(2)]
    w32 = [a.astype("float32") for a in w16]
    g16 = [nd.array(start[f"g{i}"]).astype("float16") for i in range(2)]
    m = [nd.array(start[f"m{i}"]) for i in range(2)]
    v = [nd.array(start[f"v{i}"]) for i in range(2)]
    nd.contrib.multi_mp_adamw_update(
        w16, g16, m, v, w32, nd.array([2.0]), out=w16, **ref["kwargs"]
    )
    for i in range(2):
        assert w16[i].dtype == np.float16
        np.testing.assert_allclose(w16[i].asnumpy(), ref[f"new_w{i}"], atol=1e-3)
        np.testing.assert_allclose(
            w32[i].asnumpy(), ref[f"new_w32_{i}"], rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            m[i].asnumpy(), ref[f"new_m{i}"], rtol=1e-5, atol=1e-7
        )
        np.testing.assert_allclose(
            v[i].asnumpy(), ref[f"new_v{i}"], rtol=1e-5, atol=1e-8
        )


def test_multi_adamw_update_non_finite_scale_skips_update():
    ref, (w, g, m, v) = _adamw_state()
    nd.contrib.multi_adamw_update(w, g, m, v, float("inf"), out=w, **ref["kwargs"])
    for i in range(2):
        np.testing.assert_array_equal(w[i].asnumpy(), ref[f"w{i}"])
        np.testing.assert_array_equal(m[i].asnumpy(), ref[f"m{i}"])


def test_multi_adamw_update_rejects_short_lists():
    ref, (w, g, m, v) = _adamw_state()
    with pytest.raises(MXNetError, match="etas has 1 values for num_weights=2"):
        nd.contrib.multi_adamw_update(
            w, g, m, v, 1.0, lrs=[0.1, 0.1], wds=[0.0, 0.0], etas=[1.0]
        )


def test_box_nms_many_candidates_small_topk_matches_mxnet():
    # gluoncv's SSD runs box_nms on ~175k rows with topk=400: only the topk
    # best boxes enter the suppression, as in MXNet.
    ref = load_fixture("client_core", "box_nms_many")
    out = nd.contrib.box_nms(nd.array(ref["data"]), **ref["attrs"]).asnumpy()
    k = ref["attrs"]["topk"]
    np.testing.assert_allclose(out[:, :k], ref["head"], rtol=1e-6)
    assert (out[:, k:] == -1).all()


def test_box_nms_topk_bounds_the_work():
    # 60,000 candidates: a full 60k x 60k overlap matrix would need ~14 GB.
    rng = np.random.RandomState(0)
    n = 60_000
    xy = rng.uniform(0, 100, (1, n, 2))
    data = np.concatenate([rng.uniform(0, 1, (1, n, 1)), xy, xy + 5], axis=-1).astype(
        "float32"
    )
    out = nd.contrib.box_nms(
        nd.array(data), topk=50, coord_start=1, score_index=0, overlap_thresh=0.5
    ).asnumpy()
    kept = out[0, out[0, :, 0] >= 0]
    assert 0 < len(kept) <= 50
    assert (np.diff(kept[:, 0]) <= 0).all()


def test_mxnet_private_names_clients_import():
    # gluonts: ``from mxnet.gluon.block import _flatten`` and
    # ``from mxnet.metric import ndarray``.
    from neogluon.gluon.block import _flatten
    from neogluon.gluon.block import _regroup

    a, b = nd.ones((2,)), nd.zeros((3,))
    flat, fmt = _flatten([a, [b, None]], "input")
    assert flat[0] is a and flat[1] is b and flat[2] is None
    assert fmt == [0, [0, -1]]
    back, rest = _regroup(flat, fmt)
    assert back[0] is a and back[1][0] is b and back[1][1] is None and rest == []
    with pytest.raises(ValueError, match="input"):
        _flatten([a, 3], "input")
    assert mx.metric.ndarray is mx.nd


def test_outputs_of_a_consumed_graph_are_constants_later():
    # MXNet 1.9.1: after backward() without retain_graph, an array the graph
    # computed feeds a later recording as a constant (d2l's RNN loops carry
    # the hidden state this way); the value below is what MXNet gives.
    y = nd.ones(2)
    y.attach_grad()
    with mx.autograd.record():
        h = nd.tanh(y * 0.5)
        first = h.sum()
    first.backward()
    with mx.autograd.record():
        second = nd.tanh(h * 0.5 * y).sum()
    second.backward()
    hv = np.tanh(0.5)
    expected = (1 - np.tanh(hv * 0.5) ** 2) * 0.5 * hv  # no path through h
    np.testing.assert_allclose(y.grad.asnumpy(), [expected] * 2, rtol=1e-6)
    np.testing.assert_allclose(y.grad.asnumpy(), [0.21914893] * 2, rtol=1e-6)
    # The head itself stays consumed.
    with pytest.raises(MXNetError, match="retain_graph=True"):
        first.backward()


def test_rnn_state_carried_across_backward_passes():
    lstm = mx.gluon.rnn.LSTM(4)
    lstm.initialize()
    x = nd.ones((3, 2, 5))

    def step(state):
        with mx.autograd.record():
            out, state = lstm(x, state)
            loss = out.sum()
        loss.backward()
        return state, lstm.l0_i2h_weight.grad().asnumpy().copy()

    state = lstm.begin_state(batch_size=2)
    state, _ = step(state)
    carried = [s.copy() for s in state]
    _, grad_carried = step(state)  # the state is an output of a consumed graph
    _, grad_fresh = step(carried)  # the same values, never recorded
    np.testing.assert_allclose(grad_carried, grad_fresh, rtol=1e-6, atol=1e-7)


def test_other_live_graphs_stay_differentiable():
    # Two forward passes recorded before either backward share the weight
    # (a leaf): the first backward must not cut the second graph.
    w = nd.array([2.0])
    w.attach_grad()
    with mx.autograd.record():
        a = (w * 3).sum()
    with mx.autograd.record():
        b = (w * w).sum()
    a.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), [3.0])
    b.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), [4.0])


def test_sibling_output_of_a_consumed_node_becomes_constant():
    # split: the loss uses one output; the other, still alive, came from the
    # same (consumed) node and is a constant afterwards (MXNet 1.9.1 gives
    # [0, 0, 6, 8]).
    w = nd.array([1.0, 2.0, 3.0, 4.0])
    w.attach_grad()
    with mx.autograd.record():
        left, right = nd.split(w * 2, num_outputs=2, axis=0)
        loss = left.sum()
    loss.backward()
    with mx.autograd.record():
        again = (right * w[2:]).sum()
    again.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), [0, 0, 6, 8])


@pytest.mark.parametrize("src", ["float16", "int32", "float64"])
def test_astype_accepts_an_array_as_dtype(src):
    # sockeye's loss casts with `output.astype(label, copy=False)`: MXNet reads the
    # array's dtype (NumPy 1.x accepted an object whose `.dtype` is a scalar type).
    x = nd.array([[1.5, 2.0]], dtype="float32")
    like = nd.zeros((3,), dtype=src)
    y = x.astype(like, copy=False)
    assert y.dtype == np.dtype(src)
    assert x.astype(x, copy=False) is x
    assert mx.np.zeros((2,), dtype="float64").astype(x).dtype == np.float32


def test_parameter_shape_of_numpy_channel_counts_is_python_ints():
    # gluoncv's monodepth2 pose decoder passes np.int64 channel counts
    # (np.array([64, ..., 512])[-1]) as in_channels; MXNet's inferred shapes
    # hold Python ints, and JSON (or any exact type check) sees the difference.
    conv = mx.gluon.nn.Conv2D(4, 1, in_channels=np.array([3, 8])[-1])
    assert conv.weight.shape == (4, 8, 1, 1)
    assert all(type(v) is int for v in conv.weight.shape)
    p = mx.gluon.Parameter("w", shape=(np.int64(2), 0))
    p.shape = (2, np.int32(5))
    assert all(type(v) is int for v in p.shape)
