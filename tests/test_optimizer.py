"""mx.optimizer, the update operators and mx.lr_scheduler against MXNet 1.9.1."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

# float32 update math; several steps compound rounding.
RTOL, ATOL = 1e-5, 1e-6

OPT_CASES = [
    n
    for n in fixture_names("optim")
    if n.split("_")[0] in ("sgd", "nag", "adam") and n != "update_ops"
]


@pytest.mark.parametrize("name", OPT_CASES)
def test_optimizer_steps_match_mxnet(name):
    fx = load_fixture("optim", name)
    kwargs = dict(fx["kwargs"])
    if fx["mults"]:
        kwargs["param_dict"] = {
            i: SimpleNamespace(lr_mult=lm, wd_mult=wm)
            for i, (lm, wm) in enumerate(fx["mults"])
        }
    opt = mx.optimizer.create(fx["optimizer"], **kwargs)
    upd = mx.optimizer.get_updater(opt)
    ws = [mx.nd.array(fx[f"w{i}_init"]) for i in range(2)]
    step = 0
    while f"g0_step{step}" in fx:
        gs = [mx.nd.array(fx[f"g{i}_step{step}"]) for i in range(2)]
        upd([0, 1], gs, ws)
        for i in range(2):
            np.testing.assert_allclose(
                ws[i].asnumpy(),
                fx[f"w{i}_step{step}"],
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{name}: weight {i} after step {step}",
            )
        step += 1
    assert opt.num_update == fx["num_update"]


@pytest.mark.parametrize("name", ["sgd_mom", "adam"])
def test_single_index_updates_match_list_updates(name):
    """update(index, ...) one at a time gives the same numbers as the batch."""
    fx = load_fixture("optim", name)
    opt = mx.optimizer.create(fx["optimizer"], **fx["kwargs"])
    ws = [mx.nd.array(fx[f"w{i}_init"]) for i in range(2)]
    states = [opt.create_state(i, w) for i, w in enumerate(ws)]
    for step in range(2):
        for i in range(2):
            opt.update(i, ws[i], mx.nd.array(fx[f"g{i}_step{step}"]), states[i])
    for i in range(2):
        np.testing.assert_allclose(
            ws[i].asnumpy(), fx[f"w{i}_step1"], rtol=RTOL, atol=ATOL
        )


def test_update_operators_match_mxnet():
    fx = load_fixture("optim", "update_ops")
    a = mx.nd.array
    w, g, m, v = fx["w"], fx["g"], fx["m"], fx["v"]

    def close(x, key):
        np.testing.assert_allclose(
            x.asnumpy(), fx[key], rtol=RTOL, atol=ATOL, err_msg=key
        )

    close(mx.nd.sgd_update(a(w), a(g), lr=0.1, wd=0.2, rescale_grad=0.5), "sgd_update")
    close(mx.nd.sgd_update(a(w), a(g), lr=0.1, clip_gradient=0.0), "sgd_update_clip0")
    mom = a(m)
    out = mx.nd.sgd_mom_update(
        a(w), a(g), mom, lr=0.1, momentum=0.9, wd=0.1, clip_gradient=1.0
    )
    close(out, "sgd_mom_update")
    close(mom, "sgd_mom_update_mom")
    mom = a(m)
    close(
        mx.nd.nag_mom_update(a(w), a(g), mom, lr=0.1, momentum=0.9, wd=0.1),
        "nag_mom_update",
    )
    close(mom, "nag_mom_update_mom")
    mean, var = a(m), a(v)
    close(
        mx.nd.adam_update(a(w), a(g), mean, var, lr=0.01, wd=0.1, clip_gradient=1.0),
        "adam_update",
    )
    close(mean, "adam_update_mean")
    close(var, "adam_update_var")
    w16, w32, mom = a(w, dtype="float16"), a(w), a(m)
    out = mx.nd.mp_sgd_mom_update(
        w16, a(g, dtype="float16"), mom, w32, lr=0.1, momentum=0.9, wd=0.1
    )
    assert out.dtype == np.float16
    # The float16 gradient input limits precision to ~1e-3.
    np.testing.assert_allclose(
        w32.asnumpy(), fx["mp_sgd_mom_update_w32"], rtol=1e-3, atol=1e-3
    )
    ws = [a(w), a(w * 2)]
    gs = [a(g), a(g * 0.5)]
    moms = [a(m), a(m * 2)]
    outs = mx.nd.multi_sgd_mom_update(
        ws[0],
        gs[0],
        moms[0],
        ws[1],
        gs[1],
        moms[1],
        lrs=(0.1, 0.2),
        wds=(0.0, 0.1),
        momentum=0.9,
        num_weights=2,
    )
    close(outs[0], "multi_sgd_mom_update_0")
    close(outs[1], "multi_sgd_mom_update_1")
    close(moms[1], "multi_sgd_mom_update_mom1")
    outs = [a(w), a(w * 2)]
    mx.nd.multi_sgd_update(
        ws[0],
        gs[0],
        ws[1],
        gs[1],
        out=outs,
        lrs=(0.1, 0.2),
        wds=(0.3, 0.1),
        clip_gradient=1.0,
        num_weights=2,
    )
    close(outs[0], "multi_sgd_update_0")
    close(outs[1], "multi_sgd_update_1")


def test_sgd_update_writes_weight_in_place():
    w = mx.nd.ones((3,))
    mx.nd.sgd_update(w, mx.nd.ones((3,)), lr=0.5, out=w)
    np.testing.assert_allclose(w.asnumpy(), [0.5, 0.5, 0.5])


def test_optimizer_defaults_and_registry():
    opt = mx.optimizer.create("SGD")
    assert isinstance(opt, mx.optimizer.SGD)
    assert opt.lr == 0.01 and opt.wd == 0.0 and opt.clip_gradient is None
    assert opt.rescale_grad == 1.0 and opt.momentum == 0.0
    assert opt.create_state(0, mx.nd.ones((2,))) is None
    assert mx.optimizer.create("adam").learning_rate == 0.001
    with pytest.raises(ValueError, match="Cannot find optimizer nosuch"):
        mx.optimizer.create("nosuch")


def test_register_custom_optimizer():
    @mx.optimizer.register
    class MyTestOpt(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] = weight - grad

    try:
        opt = mx.optimizer.create("mytestopt")
        w = mx.nd.ones((2,))
        mx.optimizer.get_updater(opt)(0, mx.nd.ones((2,)), w)
        np.testing.assert_allclose(w.asnumpy(), [0.0, 0.0])
    finally:
        mx.optimizer.Optimizer.opt_registry.pop("mytestopt")


def test_update_count_and_lr_mult_by_index():
    opt = mx.optimizer.SGD(learning_rate=0.5, begin_num_update=3)
    opt.set_lr_mult({1: 0.1})
    opt._update_count([0, 1])
    assert opt.num_update == 4
    assert opt._get_lrs([0, 1]) == [0.5, 0.05]


def test_set_learning_rate_and_scheduler():
    opt = mx.optimizer.SGD(learning_rate=0.1)
    opt.set_learning_rate(0.2)
    assert opt.learning_rate == 0.2
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=1.0)
    opt = mx.optimizer.SGD(lr_scheduler=sched)
    assert opt.learning_rate == 1.0
    with pytest.raises(UserWarning, match="LRScheduler of the optimizer"):
        opt.set_learning_rate(0.3)


def test_optimizer_pickle_drops_param_dict():
    opt = mx.optimizer.SGD(momentum=0.9, param_dict={0: "p"})
    opt2 = pickle.loads(pickle.dumps(opt))
    assert opt2.param_dict == {} and opt2.momentum == 0.9


def test_updater_states_roundtrip():
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    upd = mx.optimizer.get_updater(opt)
    w = mx.nd.ones((2,))
    upd(0, mx.nd.ones((2,)), w)
    blob = upd.get_states(dump_optimizer=True)
    upd2 = mx.optimizer.get_updater(mx.optimizer.SGD())
    upd2.set_states(blob)
    assert upd2.optimizer.momentum == 0.9
    np.testing.assert_allclose(upd2.states[0].asnumpy(), [-0.1, -0.1])


def test_float16_without_multi_precision_warns():
    opt = mx.optimizer.SGD(momentum=0.9)
    with pytest.warns(UserWarning, match="multi_precision=True"):
        opt.create_state_multi_precision(0, mx.nd.ones((2,), dtype="float16"))


def test_multi_precision_sgd_keeps_float32_master():
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, multi_precision=True)
    upd = mx.optimizer.get_updater(opt)
    w = mx.nd.ones((2,), dtype="float16")
    upd(0, mx.nd.array([1e-4, 1e-4], dtype="float16"), w)
    mom, w32 = upd.states[0]
    assert w32.dtype == np.float32
    np.testing.assert_allclose(w32.asnumpy(), 1 - 1e-5, rtol=1e-6)
    assert w.dtype == np.float16


# --------------------------------------------------------------------------- schedulers
def test_lr_schedulers_match_mxnet():
    fx = load_fixture("optim", "schedulers")
    updates = fx["updates"]
    for name, case in fx["cases"].items():
        if "cls" not in case:
            continue
        kw = dict(case["kwargs"])
        sched = getattr(mx.lr_scheduler, case["cls"])(**kw)
        got = [sched(int(n)) for n in updates]
        np.testing.assert_allclose(got, case["values"], rtol=1e-12, err_msg=name)


def test_optimizer_lr_overrides_scheduler_base_lr(capsys):
    fx = load_fixture("optim", "schedulers")["cases"]
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    opt = mx.optimizer.SGD(learning_rate=0.3, lr_scheduler=sched)
    assert sched.base_lr == fx["override"]["base_lr"]
    assert opt.learning_rate == fx["override"]["learning_rate"]
    assert "overwritten" in capsys.readouterr().out
    sched = mx.lr_scheduler.PolyScheduler(max_update=10, base_lr=1.0)
    mx.optimizer.Adam(lr_scheduler=sched)
    assert [sched(n) for n in (0, 5, 10)] == fx["poly_adam_override"]["values"]


def test_scheduler_argument_errors():
    with pytest.raises(ValueError, match="Factor must be no more than 1"):
        mx.lr_scheduler.FactorScheduler(step=2, factor=2)
    with pytest.raises(ValueError, match="increasing"):
        mx.lr_scheduler.MultiFactorScheduler(step=[3, 2])
    with pytest.raises(ValueError, match="warmup_begin_lr"):
        mx.lr_scheduler.CosineScheduler(10, base_lr=0.1, warmup_begin_lr=0.5)
    with pytest.raises(ValueError, match="linear and constant"):
        mx.lr_scheduler.PolyScheduler(10, warmup_mode="cubic")
