"""The per-batch paths of ``Module.fit``: the optimizer update (one fused call
per device) against the per-parameter update operators, several contexts,
``fixed_param_names``, ``grad_req='add'``, the Accuracy metric's host argmax
and NDArrayIter's batch copies."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx


def _net():
    net = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(net, num_hidden=16, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=5, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def _data(n=24, batch=8):
    rng = np.random.RandomState(0)
    x = rng.randn(n, 7).astype(np.float32)
    y = rng.randint(0, 5, size=n).astype(np.float32)
    return mx.io.NDArrayIter(x, y, batch_size=batch)


def _module(it, context=None, **kw):
    mod = mx.mod.Module(_net(), context=context or mx.cpu(), **kw)
    mod.bind(it.provide_data, it.provide_label)
    mx.random.seed(1)
    mod.init_params(mx.init.Xavier())
    return mod


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_update_equals_the_per_parameter_operators_bit_for_bit(momentum):
    it = _data()
    mod = _module(it)
    params = {"learning_rate": 0.1, "wd": 0.01, "momentum": momentum}
    mod.init_optimizer(optimizer="sgd", optimizer_params=params)
    group = mod._exec_group
    names = group.param_names
    moms = {n: mx.nd.zeros(group.param_arrays[i][0].shape) for i, n in enumerate(names)}
    for batch in it:
        mod.forward_backward(batch)
        want = {}
        for i, n in enumerate(names):
            w = group.param_arrays[i][0].copy()
            g = group.grad_arrays[i][0].copy()
            # As MXNet, only weights (and gammas) are decayed by default.
            wd = 0.01 if n.endswith("_weight") else 0.0
            kw = dict(lr=0.1, wd=wd, rescale_grad=1.0 / 8)
            if momentum:
                mx.nd.sgd_mom_update(w, g, moms[n], out=w, momentum=momentum, **kw)
            else:
                mx.nd.sgd_update(w, g, out=w, **kw)
            want[n] = w.asnumpy()
        mod.update()
        for i, n in enumerate(names):
            np.testing.assert_array_equal(group.param_arrays[i][0].asnumpy(), want[n])


def test_two_contexts_train_as_one():
    results = []
    for ctx in (mx.cpu(0), [mx.cpu(0), mx.cpu(1)]):
        it = _data()
        mod = _module(it, context=ctx)
        mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5})
        for _ in range(2):
            it.reset()
            for batch in it:
                mod.forward_backward(batch)
                mod.update()
        results.append({k: v.asnumpy() for k, v in mod.get_params()[0].items()})
    single, double = results
    moved = [not np.allclose(single[k], _initial()[k]) for k in single]
    assert all(moved)
    for k in single:
        np.testing.assert_allclose(single[k], double[k], rtol=1e-5, atol=1e-6)


def _initial():
    mod = _module(_data())
    return {k: v.asnumpy() for k, v in mod.get_params()[0].items()}


def test_fixed_params_stay_while_the_others_train():
    it = _data()
    mod = _module(it, fixed_param_names=["fc1_weight", "fc2_bias"])
    before = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5})
    for batch in it:
        mod.forward_backward(batch)
        mod.update()
    after = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    for k in ("fc1_weight", "fc2_bias"):
        np.testing.assert_array_equal(after[k], before[k])
    for k in ("fc1_bias", "fc2_weight"):
        assert not np.array_equal(after[k], before[k])


def test_grad_req_add_accumulates_over_backwards():
    it = _data()
    batch = next(iter(it))
    grads = []
    for req in ("write", "add"):
        mod = mx.mod.Module(_net(), context=mx.cpu())
        mod.bind(it.provide_data, it.provide_label, grad_req=req)
        mx.random.seed(1)
        mod.init_params(mx.init.Xavier())
        for _ in range(2):
            mod.forward_backward(batch)
        grads.append([g[0].asnumpy() for g in mod._exec_group.grad_arrays])
    for once, twice in zip(*grads, strict=True):
        assert np.abs(once).sum() > 0
        np.testing.assert_allclose(twice, 2 * once, rtol=1e-6, atol=1e-7)


def test_accuracy_counts_as_the_ndarray_argmax():
    # ties and NaN: the first maximum wins, NaN counts as the largest
    pred = np.array(
        [[0.2, 0.2, 0.1], [np.nan, 1.0, 2.0], [1.0, np.nan, 5.0], [0.0, 3.0, 3.0]],
        dtype=np.float32,
    )
    want_idx = mx.nd.argmax(mx.nd.array(pred), axis=1).asnumpy().astype(np.int32)
    np.testing.assert_array_equal(want_idx, [0, 0, 1, 1])
    label = mx.nd.array([0, 0, 2, 2])
    m = mx.metric.Accuracy()
    m.update([label], [mx.nd.array(pred)])
    assert m.get() == ("accuracy", 0.5)
    assert isinstance(m.sum_metric, np.floating)


def test_ndarrayiter_batches_are_copies():
    src = mx.nd.array(np.arange(20, dtype=np.float32).reshape(10, 2))
    it = mx.io.NDArrayIter(src, batch_size=4)
    batch = next(it)
    batch.data[0][:] = -1
    np.testing.assert_array_equal(src.asnumpy().ravel(), np.arange(20))
    np.testing.assert_array_equal(next(it).data[0].asnumpy().ravel(), np.arange(8, 16))
