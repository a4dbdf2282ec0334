"""gluon.Trainer against MXNet 1.9.1 fixtures and the behaviours of docs/mxnet-behaviours.md, "Trainer"."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import gluon
from tests.conftest import load_fixture

RTOL, ATOL = 1e-5, 1e-6


def _dense(w, b, in_units=2, prefix="dense0_"):
    net = gluon.nn.Dense(len(b), in_units=in_units, prefix=prefix)
    net.initialize()
    net.weight.set_data(mx.nd.array(w))
    net.bias.set_data(mx.nd.array(b))
    return net


def test_step_rescales_by_batch_size():
    fx = load_fixture("optim", "trainer_basic")
    net = _dense(np.ones((1, 2)), np.zeros(1))
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with autograd.record():
        loss = net(mx.nd.array(fx["x"])).sum()
    loss.backward()
    tr.step(2)
    np.testing.assert_allclose(net.weight.data().asnumpy(), fx["weight"], rtol=RTOL)
    np.testing.assert_allclose(net.bias.data().asnumpy(), fx["bias"], rtol=RTOL)
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.95, 0.9]], rtol=1e-6)


def _momentum_net(fx):
    net = gluon.nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(gluon.nn.Dense(3, in_units=4, activation="relu"))
        net.add(gluon.nn.Dense(2, in_units=3))
    net.initialize()
    for p, k in zip(
        [net[0].weight, net[0].bias, net[1].weight, net[1].bias],
        ["w1", "b1", "w2", "b2"],
        strict=True,
    ):
        p.set_data(mx.nd.array(fx[k]))
    net[1].bias.lr_mult = 0.5
    net[0].weight.wd_mult = 2.0
    return net


def test_momentum_wd_mults_several_steps_match_mxnet():
    fx = load_fixture("optim", "trainer_momentum")
    net = _momentum_net(fx)
    params = net.collect_params()
    assert list(params.keys()) == fx["names"]
    tr = gluon.Trainer(
        params, "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}
    )
    for s in range(3):
        with autograd.record():
            loss = (net(mx.nd.array(fx[f"x{s}"])) ** 2).sum()
        loss.backward()
        tr.step(4)
        for k, p in params.items():
            np.testing.assert_allclose(
                p.data().asnumpy(),
                fx[f"{k}_step{s}"],
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{k} step {s}",
            )
    assert tr.optimizer.num_update == fx["num_update"]
    # Optimizer indices follow the sorted keys.
    states = tr._updaters[0].states
    for k in range(4):
        np.testing.assert_allclose(
            states[k].asnumpy(), fx[f"mom{k}"], rtol=RTOL, atol=ATOL
        )


def test_trainer_made_before_first_forward_with_deferred_params():
    net = gluon.nn.Dense(1, prefix="deferred_")
    net.initialize(mx.init.One())
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with autograd.record():
        loss = net(mx.nd.array([[1, 2]])).sum()
    loss.backward()
    tr.step(2)
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.95, 0.9]], rtol=1e-6)


def test_load_states_reads_mxnet_file(tmp_path):
    fx = load_fixture("optim", "trainer_momentum")
    path = tmp_path / "mx.states"
    path.write_bytes(fx["states_file"].tobytes())
    net = _momentum_net(fx)
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    tr.load_states(str(path))
    assert tr.optimizer.momentum == 0.9 and tr.learning_rate == 0.1
    assert tr.optimizer.param_dict[2] is net[1].bias  # sorted: d0_b, d0_w, d1_b, d1_w
    for k in range(4):
        np.testing.assert_allclose(
            tr._updaters[0].states[k].asnumpy(), fx[f"mom{k}"], rtol=RTOL, atol=ATOL
        )


def test_save_load_states_roundtrip(tmp_path):
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="rt_")
    tr = gluon.Trainer(
        net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9}
    )
    with autograd.record():
        loss = net(mx.nd.array([[1, 2]])).sum()
    loss.backward()
    tr.step(1)
    fname = str(tmp_path / "t.states")
    tr.save_states(fname)
    tr2 = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.3})
    tr2.load_states(fname)
    assert tr2.learning_rate == 0.1 and tr2.optimizer.num_update == 1
    np.testing.assert_allclose(tr2._updaters[0].states[1].asnumpy(), [[-0.1, -0.2]])


def test_stale_gradient_raises_mxnet_text():
    fx = load_fixture("optim", "trainer_stale")
    net = gluon.nn.HybridSequential(prefix="stale_")
    with net.name_scope():
        a = gluon.nn.Dense(2, in_units=2)
        b = gluon.nn.Dense(2, in_units=2)
        net.add(a)
        net.add(b)
    net.initialize()
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with autograd.record():
        loss = a(mx.nd.ones((1, 2))).sum()
    loss.backward()
    with pytest.raises(UserWarning) as err:
        tr.step(1)
    assert str(err.value) == fx["message"]
    # ignore_stale_grad skips the stale parameters and updates the others.
    w_b = b.weight.data().asnumpy().copy()
    w_a = a.weight.data().asnumpy().copy()
    with autograd.record():
        loss = a(mx.nd.ones((1, 2))).sum()
    loss.backward()
    tr.step(1, ignore_stale_grad=True)
    np.testing.assert_array_equal(b.weight.data().asnumpy(), w_b)
    np.testing.assert_allclose(a.weight.data().asnumpy(), w_a - 0.1, rtol=1e-6)
    # The fresh flags were reset by the update: a second step is stale.
    with pytest.raises(UserWarning, match="stale_dense0_bias|stale_dense0_weight"):
        tr.step(1)


def test_grad_req_null_skipped_and_add_not_zeroed():
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="req_")
    net.bias.grad_req = "null"
    net.weight.grad_req = "add"
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for _ in range(2):
        with autograd.record():
            loss = net(mx.nd.array([[1, 2]])).sum()
        loss.backward()
    tr.step(1)
    np.testing.assert_allclose(net.weight.grad().asnumpy(), [[2, 4]])
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.8, 0.6]], rtol=1e-6)
    np.testing.assert_allclose(net.bias.data().asnumpy(), [0.0])


def test_set_learning_rate_and_scheduler_warning():
    fx = load_fixture("optim", "trainer_set_lr")
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="lr_")
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    tr.set_learning_rate(0.5)
    assert tr.learning_rate == 0.5
    sched = mx.lr_scheduler.FactorScheduler(step=2)
    tr = gluon.Trainer(net.collect_params(), "sgd", {"lr_scheduler": sched})
    with pytest.raises(UserWarning) as err:
        tr.set_learning_rate(0.5)
    assert str(err.value) == fx["message"]


def test_optimizer_instance_and_params_errors():
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="inst_")
    sgd = mx.optimizer.SGD(learning_rate=0.2)
    tr = gluon.Trainer(net.collect_params(), sgd)
    assert tr.optimizer is sgd and sgd.param_dict[0] is net.bias
    with pytest.raises(ValueError, match="optimizer_params must be None"):
        gluon.Trainer(net.collect_params(), sgd, {"learning_rate": 0.1})
    with pytest.raises(ValueError, match="list or dict of Parameters"):
        gluon.Trainer(net.weight, "sgd")
    with pytest.raises(ValueError, match="list of"):
        gluon.Trainer([1, 2], "sgd")


def test_allreduce_then_update_equals_step():
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="split_")
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with autograd.record():
        loss = net(mx.nd.array([[1, 2]])).sum()
    loss.backward()
    tr.allreduce_grads()
    tr.update(2)
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.95, 0.9]], rtol=1e-6)


def test_list_of_params_keeps_given_order():
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="order_")
    tr = gluon.Trainer([net.weight, net.bias], "sgd")
    assert tr.optimizer.param_dict[0] is net.weight


def test_adam_trainer_runs_fused_path():
    net = _dense(np.ones((1, 2)), np.zeros(1), prefix="adam_")
    tr = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.1})
    with autograd.record():
        loss = net(mx.nd.array([[1, 2]])).sum()
    loss.backward()
    tr.step(1)
    # First Adam step moves each weight by lr * g/(|g|+eps) = lr in magnitude.
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.9, 0.9]], rtol=1e-5)
