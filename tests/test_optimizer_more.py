"""RMSProp, AdaGrad, AdaDelta, Adamax, Nadam, Ftrl, FTML, Signum, LAMB, LARS,
DCASGD, SGLD and their update operators against MXNet 1.9.1."""

from __future__ import annotations

import pickle
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAMILY = "optim_more"
# float32 update math; several steps compound rounding.
RTOL, ATOL = 1e-5, 1e-6
OPT_CASES = [
    n
    for n in fixture_names(FAMILY)
    if n != "update_ops" and not n.startswith(("trainer_", "single_"))
]


def _tol(fx, key):
    if fx["dtype"] == "float16":
        # float16 weights: one float16 ulp (~1e-3 relative) of rounding per cast.
        return {"rtol": 2e-3, "atol": 2e-3} if key.startswith("w") else {}
    return {"rtol": RTOL, "atol": ATOL}


def _make(fx):
    kwargs = dict(fx["kwargs"])
    if fx.get("mults"):
        kwargs["param_dict"] = {
            i: SimpleNamespace(lr_mult=lm, wd_mult=wm)
            for i, (lm, wm) in enumerate(fx["mults"])
        }
    return mx.optimizer.create(fx["optimizer"], **kwargs)


@pytest.mark.parametrize("name", OPT_CASES)
def test_optimizer_steps_match_mxnet(name):
    fx = load_fixture(FAMILY, name)
    opt = _make(fx)
    upd = mx.optimizer.get_updater(opt)
    dtype = fx["dtype"]
    ws = [mx.nd.array(fx[f"w{i}_init"], dtype=dtype) for i in range(2)]
    for step in range(4):
        gs = [mx.nd.array(fx[f"g{i}_step{step}"], dtype=dtype) for i in range(2)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # float16 without multi_precision
            upd([0, 1], gs, ws)
        for i in range(2):
            key = f"w{i}_step{step}"
            np.testing.assert_allclose(
                ws[i].asnumpy().astype(np.float32),
                fx[key].astype(np.float32),
                err_msg=f"{name}: weight {i} after step {step}",
                **_tol(fx, key),
            )
            # The gradient arrays afterwards (AdaDelta rescales them in place).
            np.testing.assert_allclose(
                gs[i].asnumpy(),
                fx[f"g{i}_after_step{step}"],
                rtol=RTOL,
                atol=ATOL,
                err_msg=f"{name}: gradient {i} after step {step}",
            )
    assert opt.num_update == fx["num_update"]
    assert {str(k): v for k, v in opt._index_update_count.items()} == fx["counts"]
    if "m_schedule" in fx["extra"]:
        assert opt.m_schedule == pytest.approx(fx["extra"]["m_schedule"], rel=1e-12)
    if dtype == "float16":
        for i in range(2):
            state = upd.states[i]
            master = state[1] if fx["optimizer"] == "lars" else state[0]
            assert master.dtype == np.float32
            np.testing.assert_allclose(
                master.asnumpy(), fx[f"w{i}_master"], rtol=1e-4, atol=1e-5
            )


@pytest.mark.parametrize("name", [n for n in fixture_names(FAMILY) if "single_" in n])
def test_single_index_update_matches_mxnet(name):
    fx = load_fixture(FAMILY, name)
    opt = mx.optimizer.create(fx["optimizer"], **fx["kwargs"])
    ws = [mx.nd.array(fx[f"w{i}_init"]) for i in range(2)]
    states = [opt.create_state(i, w) for i, w in enumerate(ws)]
    for step in range(4):
        for i in range(2):
            opt.update(i, ws[i], mx.nd.array(fx[f"g{i}_step{step}"]), states[i])
            np.testing.assert_allclose(
                ws[i].asnumpy(), fx[f"w{i}_step{step}"], rtol=RTOL, atol=ATOL
            )
    if "m_schedule" in fx["extra"]:
        assert opt.m_schedule == pytest.approx(fx["extra"]["m_schedule"], rel=1e-12)


@pytest.mark.parametrize(
    "name", [n[len("trainer_") :] for n in fixture_names(FAMILY) if "trainer_" in n]
)
def test_trainer_with_each_optimizer_matches_mxnet(name):
    fx = load_fixture(FAMILY, f"trainer_{name}")
    net = mx.gluon.nn.Dense(2, in_units=3, prefix="dense0_")
    net.initialize()
    net.weight.set_data(mx.nd.array(fx["w"]))
    net.bias.set_data(mx.nd.array(fx["b"]))
    net.bias.lr_mult = 0.5
    tr = mx.gluon.Trainer(net.collect_params(), name, fx["kwargs"])
    for s in range(2):
        with mx.autograd.record():
            loss = (net(mx.nd.array(fx[f"x{s}"])) ** 2).sum()
        loss.backward()
        np.testing.assert_allclose(
            net.weight.grad().asnumpy(),
            fx[f"weight_grad_step{s}"],
            rtol=RTOL,
            atol=ATOL,
        )
        tr.step(4)
        for key, got in (
            (f"weight_step{s}", net.weight.data()),
            (f"bias_step{s}", net.bias.data()),
            (f"weight_grad_after_step{s}", net.weight.grad()),
        ):
            np.testing.assert_allclose(
                got.asnumpy(), fx[key], rtol=RTOL, atol=ATOL, err_msg=f"{name}: {key}"
            )


# --------------------------------------------------------------------------- ops
@pytest.fixture(scope="module")
def ops_fx():
    return load_fixture(FAMILY, "update_ops")


def _close(fx, x, key):
    np.testing.assert_allclose(
        np.asarray(x.asnumpy(), np.float32), fx[key], rtol=RTOL, atol=ATOL, err_msg=key
    )


def test_rmsprop_update_ops(ops_fx):
    fx, a = ops_fx, mx.nd.array
    w, g, m, v = fx["w"], fx["g"], fx["m"], fx["v"]
    n = a(v)
    out = mx.nd.rmsprop_update(
        a(w), a(g), n, lr=0.1, gamma1=0.8, epsilon=0.1, wd=0.1, rescale_grad=0.5
    )
    _close(fx, out, "rmsprop_update")
    _close(fx, n, "rmsprop_update_n")
    n = a(v)
    out = mx.nd.rmsprop_update(
        a(w), a(g), n, lr=0.1, clip_gradient=0.5, clip_weights=0.4, wd=0.2
    )
    _close(fx, out, "rmsprop_update_clip")
    _close(fx, n, "rmsprop_update_clip_n")
    n, gg, d = a(v), a(m * 0.1), a(m)
    out = mx.nd.rmspropalex_update(
        a(w),
        a(g),
        n,
        gg,
        d,
        lr=0.1,
        gamma1=0.8,
        gamma2=0.7,
        epsilon=0.1,
        wd=0.1,
        clip_gradient=1.0,
        clip_weights=0.6,
    )
    _close(fx, out, "rmspropalex_update")
    for k, s in (("n", n), ("g", gg), ("delta", d)):
        _close(fx, s, f"rmspropalex_update_{k}")


def test_ftrl_ftml_update_ops(ops_fx):
    fx, a = ops_fx, mx.nd.array
    w, g, m, v = fx["w"], fx["g"], fx["m"], fx["v"]
    z, n = a(m), a(v)
    out = mx.nd.ftrl_update(
        a(w), a(g), z, n, lr=0.1, lamda1=0.05, beta=0.5, wd=0.1, rescale_grad=0.5
    )
    _close(fx, out, "ftrl_update")
    _close(fx, z, "ftrl_update_z")
    _close(fx, n, "ftrl_update_n")
    z, n = a(m), a(v)
    _close(
        fx,
        mx.nd.ftrl_update(a(w), a(g), z, n, lr=0.2, clip_gradient=0.5),
        "ftrl_update_clip",
    )
    _close(fx, z, "ftrl_update_clip_z")
    d, vv, z = a(v + 0.5), a(v), a(m)
    out = mx.nd.ftml_update(
        a(w),
        a(g),
        d,
        vv,
        z,
        lr=0.1,
        beta1=0.6,
        beta2=0.9,
        epsilon=1e-3,
        t=3,
        wd=0.1,
        rescale_grad=0.5,
        clip_grad=0.7,
    )
    _close(fx, out, "ftml_update")
    for k, s in (("d", d), ("v", vv), ("z", z)):
        _close(fx, s, f"ftml_update_{k}")


def test_sign_update_ops(ops_fx):
    fx, a = ops_fx, mx.nd.array
    w, g, m = fx["w"], fx["g"], fx["m"]
    gz = g.copy()
    gz[0] = 0.0
    _close(
        fx,
        mx.nd.signsgd_update(a(w), a(gz), lr=0.1, wd=0.2, rescale_grad=0.5),
        "signsgd_update",
    )
    # signsgd_update ignores clip_gradient (even 0); signum_update does not.
    _close(
        fx,
        mx.nd.signsgd_update(a(w), a(gz), lr=0.1, clip_gradient=0.0),
        "signsgd_update_clip0",
    )
    mom = a(m)
    out = mx.nd.signum_update(
        a(w),
        a(g),
        mom,
        lr=0.1,
        momentum=0.8,
        wd=0.1,
        rescale_grad=0.5,
        clip_gradient=0.6,
        wd_lh=0.05,
    )
    _close(fx, out, "signum_update")
    _close(fx, mom, "signum_update_mom")
    mom = a(m)
    out = mx.nd.signum_update(a(w), a(g), mom, lr=0.1, clip_gradient=0.0)
    _close(fx, out, "signum_update_clip0")
    _close(fx, mom, "signum_update_clip0_mom")


def test_lamb_update_ops(ops_fx):
    fx, a = ops_fx, mx.nd.array
    w, g, m, v = fx["w"], fx["g"], fx["m"], fx["v"]
    mean, var = a(m), a(v)
    gl = mx.nd.lamb_update_phase1(
        a(w),
        a(g),
        mean,
        var,
        beta1=0.8,
        beta2=0.9,
        epsilon=1e-3,
        t=2,
        wd=0.1,
        rescale_grad=0.5,
        clip_gradient=0.7,
    )
    _close(fx, gl, "lamb_update_phase1")
    _close(fx, mean, "lamb_update_phase1_mean")
    _close(fx, var, "lamb_update_phase1_var")
    mean, var = a(m), a(v)
    out = mx.nd.lamb_update_phase1(
        a(w), a(g), mean, var, t=2, bias_correction=False, wd=0.1
    )
    _close(fx, out, "lamb_update_phase1_nobias")
    _close(fx, var, "lamb_update_phase1_nobias_var")
    r1, r2 = a([1.5]), a([0.5])
    p2 = mx.nd.lamb_update_phase2
    _close(fx, p2(a(w), gl, r1, r2, lr=0.1), "lamb_update_phase2")
    _close(
        fx, p2(a(w), gl, r1, r2, lr=0.1, lower_bound=2.0), "lamb_update_phase2_bounds"
    )
    _close(
        fx, p2(a(w), gl, r1, r2, lr=0.1, upper_bound=1.0), "lamb_update_phase2_upper"
    )
    _close(fx, p2(a(w), gl, a([0.0]), r2, lr=0.1), "lamb_update_phase2_zero")
    w16, w32 = a(w, dtype="float16"), a(w)
    mean, var = a(m), a(v)
    gl16 = mx.nd.mp_lamb_update_phase1(
        w16, a(g, dtype="float16"), mean, var, w32, t=1, wd=0.1
    )
    assert gl16.dtype == np.float32
    # float16 gradient input: ~1e-3 relative.
    np.testing.assert_allclose(
        gl16.asnumpy(), fx["mp_lamb_update_phase1"], rtol=2e-3, atol=2e-3
    )
    out16 = mx.nd.mp_lamb_update_phase2(w16, gl16, r1, r2, w32, lr=0.1)
    assert out16.dtype == np.float16
    np.testing.assert_allclose(
        out16.asnumpy(), fx["mp_lamb_update_phase2"], rtol=2e-3, atol=2e-3
    )
    _close(fx, w32, "mp_lamb_update_phase2_w32")  # read, not written


def test_adamw_update_ops(ops_fx):
    fx, a = ops_fx, mx.nd.array
    w, g, m, v = fx["w"], fx["g"], fx["m"], fx["v"]
    mean, var = a(m), a(v)
    out = mx.nd.contrib.adamw_update(
        a(w),
        a(g),
        mean,
        var,
        a([0.5]),
        lr=0.1,
        eta=0.5,
        beta1=0.8,
        beta2=0.9,
        epsilon=1e-3,
        wd=0.1,
        clip_gradient=0.7,
    )
    _close(fx, out, "adamw_update")
    _close(fx, mean, "adamw_update_mean")
    _close(fx, var, "adamw_update_var")
    mean, var = a(m), a(v)
    out = mx.nd._internal._adamw_update(
        a(w), a(g), mean, var, a([2.0]), lr=0.1, eta=1.0
    )
    _close(fx, out, "adamw_update_float_rescale")
    # A non-finite rescale_grad skips the update: states and weight unchanged.
    mean, var, wt = a(m), a(v), a(w)
    mx.nd.contrib.adamw_update(
        wt, a(g), mean, var, a([np.inf]), lr=0.1, eta=1.0, wd=0.1, out=wt
    )
    _close(fx, mean, "adamw_update_inf_mean")
    _close(fx, var, "adamw_update_inf_var")
    np.testing.assert_array_equal(wt.asnumpy(), w)
    w16, w32 = a(w, dtype="float16"), a(w)
    mean, var = a(m), a(v)
    out = mx.nd.contrib.mp_adamw_update(
        w16, a(g, dtype="float16"), mean, var, w32, a([1.0]), lr=0.1, eta=0.5
    )
    assert out.dtype == np.float16
    # float16 gradient input: ~1e-3 relative.
    for key, x in (("w32", w32), ("mean", mean), ("var", var)):
        np.testing.assert_allclose(
            x.asnumpy(), fx[f"mp_adamw_update_{key}"], rtol=2e-3, atol=2e-3
        )


def test_lars_helper_ops(ops_fx):
    fx, a = ops_fx, mx.nd.array
    w, g, m, w2, g2 = fx["w"], fx["g"], fx["m"], fx["w2"], fx["g2"]
    _close(fx, mx.nd.multi_sum_sq(a(w), a(w2), num_arrays=2), "multi_sum_sq")
    out = mx.nd.multi_lars(
        a([0.1, 0.2, 0.3]),
        a([4.0, 0.0, 2.0]),
        a([1.0, 3.0, 0.5]),
        a([0.0, 0.1, 0.2]),
        eta=0.01,
        eps=1e-3,
        rescale_grad=0.5,
    )
    _close(fx, out, "multi_lars")
    outs = [a(w), a(w2)]
    mx.nd.preloaded_multi_sgd_update(
        a(w),
        a(g),
        a(w2),
        a(g2),
        a([0.1, 0.2]),
        a([0.1, 0.0]),
        out=outs,
        rescale_grad=0.5,
        clip_gradient=0.4,
        num_weights=2,
    )
    _close(fx, outs[0], "preloaded_multi_sgd_update_0")
    _close(fx, outs[1], "preloaded_multi_sgd_update_1")
    outs = [a(w), a(w2)]
    moms = [a(m), a(m.reshape(2, 3))]
    mx.nd.preloaded_multi_sgd_mom_update(
        a(w),
        a(g),
        moms[0],
        a(w2),
        a(g2),
        moms[1],
        a([0.1, 0.2]),
        a([0.1, 0.0]),
        out=outs,
        momentum=0.9,
        num_weights=2,
    )
    for i in range(2):
        _close(fx, outs[i], f"preloaded_multi_sgd_mom_update_{i}")
        _close(fx, moms[i], f"preloaded_multi_sgd_mom_update_{i}_mom")
    with pytest.raises(mx.base.MXNetError, match="plus the lrs and wds"):
        mx.nd.preloaded_multi_sgd_update(a(w), a(g), a(w2), num_weights=1)


# --------------------------------------------------------------------------- misc
NAMES = {
    "rmsprop": "RMSProp",
    "adagrad": "AdaGrad",
    "adadelta": "AdaDelta",
    "adamax": "Adamax",
    "nadam": "Nadam",
    "ftrl": "Ftrl",
    "ftml": "FTML",
    "signum": "Signum",
    "lamb": "LAMB",
    "lars": "LARS",
    "dcasgd": "DCASGD",
    "sgld": "SGLD",
}


@pytest.mark.parametrize("key", sorted(NAMES))
def test_registry_names_and_pickle(key):
    cls = getattr(mx.optimizer, NAMES[key])
    assert mx.optimizer.Optimizer.opt_registry[key] is cls
    opt = mx.optimizer.create(NAMES[key].upper())
    assert type(opt) is cls
    opt2 = pickle.loads(pickle.dumps(opt))
    assert type(opt2) is cls and opt2.__dict__.keys() == opt.__dict__.keys()


def test_defaults_match_mxnet():
    o = mx.optimizer
    assert o.RMSProp().lr == 0.001 and o.RMSProp().gamma1 == 0.9
    assert o.AdaGrad().lr == 0.01 and o.AdaGrad().float_stable_eps == 1e-7
    assert o.AdaDelta().rho == 0.9 and o.AdaDelta().epsilon == 1e-5
    assert o.Adamax().lr == 0.002 and o.Nadam().schedule_decay == 0.004
    assert o.Ftrl().lr == 0.1 and o.Ftrl().lamda1 == 0.01 and o.Ftrl().beta == 1
    assert o.FTML().beta1 == 0.6 and o.FTML().lr == 0.01
    assert o.Signum().momentum == 0.9
    assert o.Signum().create_state(0, mx.nd.ones(2)).shape == (2,)
    assert o.Signum(momentum=0).create_state(0, mx.nd.ones(2)) is None
    lamb = o.LAMB()
    assert (lamb.lr, lamb.epsilon, lamb.aggregate_num) == (0.001, 1e-6, 45)
    assert o.LARS().eta == 0.001 and o.LARS().aggregate_num == 4
    assert o.DCASGD().lamda == 0.04


def test_adadelta_ignores_learning_rate():
    ws = []
    for lr in (0.001, 100.0):
        opt = mx.optimizer.AdaDelta(learning_rate=lr)
        w = mx.nd.array([0.5, -1.0])
        opt.update(0, w, mx.nd.array([1.0, 2.0]), opt.create_state(0, w))
        ws.append(w.asnumpy())
    np.testing.assert_array_equal(ws[0], ws[1])


def test_signsgd_rejects_wd_lh_like_mxnet():
    opt = mx.optimizer.Signum(momentum=0.0, wd_lh=0.1)
    with pytest.raises(mx.base.MXNetError, match="wd_lh"):
        opt.update(0, mx.nd.ones((2,)), mx.nd.ones((2,)), None)


def test_dcasgd_momentum():
    """MXNet 1.9.1 crashes here (``if mom:``); neogluon runs the documented math."""
    opt = mx.optimizer.DCASGD(learning_rate=0.1, momentum=0.5, lamda=0.2)
    w = mx.nd.array([1.0, -2.0])
    state = opt.create_state(0, w)
    w_np, mom, prev = np.array([1.0, -2.0]), np.zeros(2), np.array([1.0, -2.0])
    for g in ([0.5, 1.0], [-1.0, 0.25]):
        opt.update(0, w, mx.nd.array(g), state)
        g = np.array(g)
        mom = 0.5 * mom - 0.1 * (g + 0.2 * g * g * (w_np - prev))
        prev = w_np.copy()
        w_np = w_np + mom
        np.testing.assert_allclose(w.asnumpy(), w_np, rtol=1e-6)
        np.testing.assert_allclose(state[1].asnumpy(), prev, rtol=1e-6)


def test_sgld_statistics():
    """``w += -lr/2*(g + wd*w) + N(0, sqrt(lr))``: check mean and variance."""
    n, lr, wd = 200_000, 0.04, 0.5
    opt = mx.optimizer.SGLD(learning_rate=lr, wd=wd, rescale_grad=2.0)
    w = mx.nd.ones((n,))
    g = mx.nd.ones((n,)) * 0.3
    opt.update(0, w, g, opt.create_state(0, w))
    delta = w.asnumpy() - 1.0
    expect_mean = -lr / 2 * (0.6 + wd * 1.0)
    # mean: 5 standard errors; variance: relative error ~ sqrt(2/n) = 0.3%.
    assert abs(delta.mean() - expect_mean) < 5 * np.sqrt(lr / n)
    assert delta.var() == pytest.approx(lr, rel=0.02)
    # clip_gradient applies whenever it is not None (0 removes the gradient).
    opt = mx.optimizer.SGLD(learning_rate=lr, clip_gradient=0.0)
    w = mx.nd.zeros((n,))
    opt.update(0, w, mx.nd.ones((n,)) * 5, None)
    assert abs(w.asnumpy().mean()) < 5 * np.sqrt(lr / n)


def test_optimizers_reject_non_ndarrays():
    for key in NAMES:
        opt = mx.optimizer.create(key)
        w = mx.nd.ones((2,))
        state = opt.create_state(0, w)
        with pytest.raises(TypeError, match="expects NDArray"):
            opt.update(0, w, np.ones(2), state)


def test_contrib_adamw_update_accepts_a_number_for_rescale_grad():
    # MXNet's nd.contrib.adamw_update wraps a Python number into a (1,) array;
    # the array form itself is checked against MXNet's numbers above.
    import neogluon as mx

    def run(rescale):
        w, g = mx.nd.array([1.0, -2.0, 3.0]), mx.nd.array([0.5, 0.1, -1.0])
        m, v = mx.nd.zeros((3,)), mx.nd.zeros((3,))
        mx.nd.contrib.adamw_update(w, g, m, v, rescale, lr=0.1, eta=0.5, wd=0.01, out=w)
        return w.asnumpy()

    np.testing.assert_array_equal(run(0.5), run(mx.nd.array([0.5])))
