"""The RNN operator's packed parameter vector: its layout and its gradient.

The operator cuts MXNet's flat ``parameters`` vector (every weight, layer by
layer and direction by direction, then every bias) into torch's per-layer
``w_ih, w_hh, b_ih, b_hh`` order. The cut is one split, whose gradient is one
concatenation (a slice per piece would allocate and zero a vector of the
whole packed size once per piece).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.ops.rnn import rnn_param_size
from neogluon.ops.rnn import unpack_rnn_params


def _first(t: torch.Tensor) -> float:
    return float(t.detach().reshape(-1)[0])


def _graph_names(t: torch.Tensor) -> set[str]:
    names, todo, seen = set(), [t.grad_fn], set()
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        names.add(type(fn).__name__)
        todo += [nxt for nxt, _ in fn.next_functions]
    return names


@pytest.mark.parametrize(
    "mode,inp,hid,layers,bi,proj",
    [
        ("lstm", 3, 4, 2, False, None),
        ("gru", 5, 2, 2, True, None),
        ("rnn_tanh", 2, 3, 1, False, None),
        ("lstm", 3, 6, 2, True, 4),
    ],
)
def test_unpack_layout_and_single_split(mode, inp, hid, layers, bi, proj):
    n = rnn_param_size(mode, inp, hid, layers, bi, proj)
    params = torch.arange(n, dtype=torch.float32).requires_grad_()
    flat = unpack_rnn_params(params, mode, inp, hid, layers, bi, proj)
    gates = {"lstm": 4, "gru": 3}.get(mode, 1)
    dirs = 2 if bi else 1
    per = 5 if proj else 4
    assert len(flat) == layers * dirs * per
    # Weights come first in the packed vector, layer by layer, then biases.
    pos = 0
    for layer in range(layers):
        for d in range(dirs):
            wi, wh = flat[(layer * dirs + d) * per : (layer * dirs + d) * per + 2]
            in_sz = inp if layer == 0 else (proj or hid) * dirs
            assert tuple(wi.shape) == (gates * hid, in_sz)
            assert _first(wi) == pos
            pos += wi.numel()
            assert tuple(wh.shape) == (gates * hid, proj or hid)
            assert _first(wh) == pos
            pos += wh.numel()
            if proj:
                wr = flat[(layer * dirs + d) * per + 4]
                assert tuple(wr.shape) == (proj, hid)
                assert _first(wr) == pos
                pos += wr.numel()
    for i in range(layers * dirs):
        bi_, bh = flat[i * per + 2], flat[i * per + 3]
        assert _first(bi_) == pos and _first(bh) == pos + gates * hid
        pos += 2 * gates * hid
    assert pos == n
    # One split node feeds every piece; no per-piece slice.
    names = set().union(*(_graph_names(t) for t in flat))
    assert not any("Slice" in name for name in names), names
    assert any("Split" in name for name in names), names
    # The gradient reaches every element exactly once.
    sum(t.sum() * (i + 1) for i, t in enumerate(flat)).backward()
    want = torch.cat(
        [torch.full((t.numel(),), float(i + 1)) for i, t in enumerate(flat)]
    )
    assert params.grad is not None and params.grad.shape == (n,)
    assert sorted(params.grad.tolist()) == sorted(want.tolist())


def test_lstm_layer_gradients_match_torch():
    # The gluon layer (concatenated parameters, one split) against torch.nn.LSTM
    # with the same weights: outputs and every parameter gradient.
    t_, n, c, h = 5, 3, 4, 6
    layer = mx.gluon.rnn.LSTM(h, num_layers=2, input_size=c)
    layer.initialize(mx.init.Uniform(0.3))
    ref = torch.nn.LSTM(c, h, num_layers=2)
    params = layer.collect_params()
    with torch.no_grad():
        for name, p in ref.named_parameters():
            kind, tn, lay = name.split("_")
            gl = {"ih": "i2h", "hh": "h2h"}[tn]
            key = next(k for k in params if k.endswith(f"l{lay[1:]}_{gl}_{kind}"))
            p.copy_(torch.from_numpy(params[key].data().asnumpy()))
    rs = np.random.RandomState(0)
    x = rs.standard_normal((t_, n, c)).astype("float32")
    xs = mx.nd.array(x)
    with mx.autograd.record():
        out = layer(xs)
        loss = (out * out).sum()
    loss.backward()
    tout, _ = ref(torch.from_numpy(x))
    (tout * tout).sum().backward()
    np.testing.assert_allclose(
        out.asnumpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6
    )
    for name, p in ref.named_parameters():
        kind, tn, lay = name.split("_")
        gl = {"ih": "i2h", "hh": "h2h"}[tn]
        key = next(k for k in params if k.endswith(f"l{lay[1:]}_{gl}_{kind}"))
        np.testing.assert_allclose(
            params[key].grad().asnumpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5
        )
