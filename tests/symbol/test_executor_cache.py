"""Executors bound to one symbol share its compiled graph and output plan;
each keeps its own arrays and results."""

from __future__ import annotations

import numpy as np

import neogluon as mx
from neogluon.symbol import executor as ex_mod


def _sym():
    x, w = mx.sym.Variable("x"), mx.sym.Variable("w")
    return mx.sym.Convolution(x, w, num_filter=2, kernel=(3,), no_bias=True)


def test_rebinding_reuses_the_compiled_graph_with_independent_arrays():
    sym = _sym()
    rng = np.random.RandomState(0)
    exes, wants = [], []
    for _ in range(3):
        x = rng.uniform(-1, 1, (2, 1, 7)).astype(np.float32)
        w = rng.uniform(-1, 1, (2, 1, 3)).astype(np.float32)
        grads = {"x": mx.nd.zeros((2, 1, 7)), "w": mx.nd.zeros((2, 1, 3))}
        exe = sym.bind(
            mx.cpu(), {"x": mx.nd.array(x), "w": mx.nd.array(w)}, args_grad=grads
        )
        exe.forward(is_train=True)
        exe.backward(mx.nd.ones((2, 2, 5)))
        exes.append((exe, grads))
        # reference: w correlated with x (valid), summed gradient of ones
        want = np.stack(
            [[[np.sum(x[n, 0, i : i + 3] * w[f, 0]) for i in range(5)] for f in range(2)]
             for n in range(2)]
        )  # fmt: skip
        wants.append(want)
    assert exes[0][0]._graph is exes[1][0]._graph is exes[2][0]._graph
    for (exe, grads), want in zip(exes, wants, strict=True):
        np.testing.assert_allclose(exe.outputs[0].asnumpy(), want, rtol=1e-5, atol=1e-6)
        assert grads["x"].asnumpy().any() and grads["w"].asnumpy().any()
    # other input shapes: another output plan, right output shape
    exe = sym.simple_bind(mx.cpu(), x=(1, 1, 9), w=(2, 1, 3))
    assert exe.outputs[0].shape == (1, 2, 7)
    assert exe._graph is exes[0][0]._graph


def test_cache_is_bounded_and_checks_identity():
    syms = [_sym() for _ in range(ex_mod._EXECUTOR_GRAPHS_MAX + 5)]
    graphs = [s.simple_bind(mx.cpu(), x=(1, 1, 5), w=(2, 1, 3))._graph for s in syms]
    assert len(ex_mod._EXECUTOR_GRAPHS) <= ex_mod._EXECUTOR_GRAPHS_MAX
    assert len({id(g) for g in graphs}) == len(syms)  # one graph per symbol
