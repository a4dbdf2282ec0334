"""Repeated updates reuse their plan: ``Updater`` keeps the optimizer calls of
its last call with lists, ``Module.update`` its per-device lists. The results
are those of planning every call afresh, and whatever the plan depends on
(arrays, states, optimizer, aggregation) makes a new one."""

from __future__ import annotations

import numpy as np

import neogluon as mx


def _arrays(seed: int, n: int = 3):
    rng = np.random.RandomState(seed)
    ws = [mx.nd.array(rng.randn(4, 3)) for _ in range(n)]
    gs = [mx.nd.array(rng.randn(4, 3)) for _ in range(n)]
    return ws, gs


def _sgd(**kw):
    return mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01, **kw)


def test_planned_calls_match_unplanned_ones():
    ws_a, gs_a = _arrays(0)
    ws_b, gs_b = _arrays(0)
    planned = mx.optimizer.get_updater(_sgd())
    fresh = mx.optimizer.get_updater(_sgd())
    idx = [0, 1, 2]
    for step in range(5):
        for g in gs_a + gs_b:
            g[:] = step + 0.5
        planned(idx, gs_a, ws_a)
        fresh._plans.clear()
        fresh(list(idx), list(gs_b), list(ws_b))
    assert planned._plans
    for a, b in zip(ws_a, ws_b, strict=True):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    for i in idx:
        np.testing.assert_array_equal(
            planned.states[i].asnumpy(), fresh.states[i].asnumpy()
        )


class _Spy(mx.optimizer.SGD):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.calls: list = []

    def update_multi_precision(self, index, weight, grad, state):
        self.calls.append(list(index) if isinstance(index, list) else index)
        if isinstance(index, list):
            index.append("changed by the optimizer")  # must not reach the plan
        else:
            super().update_multi_precision(index, weight, grad, state)


def test_plan_follows_aggregation_and_survives_list_changes():
    ws, gs = _arrays(1)
    opt = _Spy(learning_rate=0.1)
    opt.aggregate_num = 2
    up = mx.optimizer.get_updater(opt)
    up([0, 1, 2], gs, ws)
    up([0, 1, 2], gs, ws)
    assert opt.calls == [[0, 1], [2], [0, 1], [2]]
    opt.calls.clear()
    opt.aggregate_num = 3
    up([0, 1, 2], gs, ws)
    assert opt.calls == [[0, 1, 2]]
    opt.calls.clear()
    up.aggregate_updates = False
    up([0, 1, 2], gs, ws)
    assert opt.calls == [0, 1, 2]


def test_new_arrays_or_states_make_a_new_plan():
    ws, gs = _arrays(2)
    up = mx.optimizer.get_updater(_sgd())
    up([0, 1, 2], gs, ws)
    first = up._plans[(0, 1, 2)]
    up([0, 1, 2], gs, ws)
    assert up._plans[(0, 1, 2)] is first
    ws2, gs2 = _arrays(3)
    before = ws[0].asnumpy()
    up([0, 1, 2], gs2, ws2)
    assert up._plans[(0, 1, 2)] is not first
    np.testing.assert_array_equal(ws[0].asnumpy(), before)  # the new arrays moved
    states = up.get_states()
    up.set_states(states)
    assert not up._plans
    up([0, 1, 2], gs2, ws2)
    states = up._plans[(0, 1, 2)][2][0][3]  # SGD aggregates: one call
    assert all(st is up.states[i] for i, st in zip([0, 1, 2], states, strict=True))


def _module():
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=4, name="fc")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    mod = mx.mod.Module(net, context=[mx.cpu(0), mx.cpu(1)])
    mod.bind(data_shapes=[("data", (6, 5))], label_shapes=[("softmax_label", (6,))])
    mod.init_params(mx.init.Xavier(rnd_type="gaussian"))
    mod.init_optimizer(kvstore=None, optimizer=_sgd(rescale_grad=1.0 / 6))
    return mod


def test_module_update_plan_is_rebuilt_after_a_rebind():
    mod = _module()
    batch = mx.io.DataBatch(
        [mx.nd.array(np.arange(30).reshape(6, 5) / 30.0)],
        [mx.nd.array([0, 1, 2, 3, 0, 1])],
    )
    mod.forward_backward(batch)
    mod.update()
    plan = mod._update_plan
    idx = [c[0] for c in plan[2]]
    assert idx == [[0, 2], [1, 3]]  # index * num_device + device
    mod.forward_backward(batch)
    mod.update()
    assert mod._update_plan is plan
    mod.bind(
        data_shapes=[("data", (6, 5))],
        label_shapes=[("softmax_label", (6,))],
        force_rebind=True,
    )
    mod.forward_backward(batch)
    mod.update()
    assert mod._update_plan is not plan
    assert mod._update_plan[2][0][2][0] is mod._exec_group.param_arrays[0][0]


def test_one_plan_per_index_list():
    # A multi-device Module calls the updater once per device, alternating.
    ws, gs = _arrays(4, n=4)
    up = mx.optimizer.get_updater(_sgd())
    for _ in range(2):
        up([0, 2], gs[:2], ws[:2])
        up([1, 3], gs[2:], ws[2:])
    assert set(up._plans) == {(0, 2), (1, 3)}
    plan = up._plans[(0, 2)]
    up([0, 2], gs[:2], ws[:2])
    assert up._plans[(0, 2)] is plan
