"""``LBSGD``, ``Test`` and ``ccSGD`` vs MXNet 1.9.1 (fixtures: tools/fixtures/optim_lbsgd.py).

Two weights updated for 7 steps with stored gradients; every step's weights
(and weight 0's first state array) must match, rtol=1e-5 / atol=1e-6.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAM = "optim_lbsgd"
CASES = fixture_names(FAM)


def _first_state(state):
    if state is None:
        return None
    if isinstance(state, (list, tuple)):
        return next((s for s in state if s is not None), None)
    return state


def test_fixtures_present():
    assert len(CASES) == 10


@pytest.mark.parametrize("name", CASES)
def test_matches_mxnet(name):
    f = load_fixture(FAM, name)
    opt = getattr(mx.optimizer, f["cls"])(**f["kwargs"])
    weights = [mx.nd.array(w) for w in f["w0"]]
    states = [opt.create_state(i, w) for i, w in enumerate(weights)]
    for step in range(f["grads"].shape[0]):
        for i in range(2):
            opt.update(i, weights[i], mx.nd.array(f["grads"][step, i]), states[i])
        got = np.stack([w.asnumpy() for w in weights])
        np.testing.assert_allclose(got, f["trace"][step], rtol=1e-5, atol=1e-6)
        st = _first_state(states[0])
        want_state = f["state0"][step]
        if st is None:
            assert not want_state.any()
        else:
            np.testing.assert_allclose(st.asnumpy(), want_state, rtol=1e-5, atol=1e-6)


def test_registry_and_module_names():
    assert isinstance(mx.optimizer.create("lbsgd"), mx.optimizer.LBSGD)
    assert isinstance(mx.optimizer.create("test"), mx.optimizer.Test)
    assert mx.optimizer.optimizer.LBSGD is mx.optimizer.LBSGD
    assert mx.optimizer.optimizer.NDabs is mx.nd.abs
    # ccSGD forwards positional arguments to SGD (momentum first), as MXNet's
    assert mx.optimizer.ccSGD(0.9, learning_rate=0.1).momentum == 0.9


def test_lbsgd_warmup_factors():
    opt = mx.optimizer.LBSGD(batch_scale=4, warmup_epochs=1, updates_per_epoch=4)
    assert opt._get_lbmult(0) == 1.0
    assert opt._get_lbmult(2) == pytest.approx(2.5)
    assert opt._get_lbmult(4) == 4.0
    opt.warmup_strategy = "power2"
    assert opt._get_lbmult(2) == pytest.approx(1.75)
    opt.warmup_strategy = "sqrt"
    assert opt._get_lbmult(1) == pytest.approx(2.5)


def test_lbsgd_multi_precision_float16():
    opt = mx.optimizer.LBSGD(learning_rate=0.5, momentum=0.9, multi_precision=True)
    w = mx.nd.array([1.0, 2.0], dtype="float16")
    mom, master = opt.create_state(0, w)
    assert mom.dtype == np.float32 and master.dtype == np.float32
    opt.update(0, w, mx.nd.array([1.0, 1.0], dtype="float16"), (mom, master))
    np.testing.assert_allclose(master.asnumpy(), [0.5, 1.5])
    np.testing.assert_allclose(w.asnumpy(), [0.5, 1.5])
    with pytest.raises(TypeError, match="expects NDArray weight and grad"):
        opt.update(1, np.ones(2), mx.nd.ones(2), None)
