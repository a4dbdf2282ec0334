"""Eager ``mx.np`` / ``mx.npx`` against MXNet 1.9.1 (fixture family
``np_eager``): windows, index helpers, argument forms and error types that
MXNet's NumPy-interface tests rely on, and NumPy's dispatch protocol on np
arrays; plus the reparameterised gradients of the random samplers and the
operator signatures MXNet's tests check."""

from __future__ import annotations

import builtins
import inspect
import json
import sys
from pathlib import Path

import numpy as onp
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.numpy_op_signature import _get_builtin_op

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "mxnet-1.9.1" / "np_eager" / "cases.json"
sys.path.insert(0, str(ROOT / "tools"))
from fixtures.np_eager import CASES  # noqa: E402
from fixtures.np_eager import run  # noqa: E402

from .test_np_front import _close  # noqa: E402

DATA = json.loads(FIX.read_text())
RANDOM = set(DATA["random"])
np, npx = mx.np, mx.npx


@pytest.fixture(autouse=True)
def _np_mode():
    npx.set_np()
    mx.random.seed(11)
    yield
    npx.reset_np()


def _raises_like(code: str, want: str) -> None:
    """The case raises an exception of MXNet's type ``want`` (a builtin name
    or MXNetError; neogluon's errors may subclass both)."""
    expected = MXNetError if want == "MXNetError" else getattr(builtins, want)
    ns = {"np": np, "npx": npx, "mx": mx, "onp": onp}
    from fixtures.np_front import SETUP

    exec(SETUP, ns)
    body = code if "\n" in code else f"out = {code}"
    with pytest.raises(expected):
        exec(body, ns)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_mxnet(name):
    want = DATA["cases"][name]
    if want["kind"] == "error":
        _raises_like(CASES[name], want["type"])
        return
    got = run(CASES[name], mx)
    _close(got, want, name, random=name in RANDOM)


def test_every_np_operator_has_mxnet_signature():
    from neogluon import _numpy_op_doc

    names = [
        n for n in mx.operator.get_all_registered_operators() if n.startswith("_np_")
    ]
    assert "_np_diagflat" in names and "_np_sum" in names
    for op_name in names:
        doc = getattr(_numpy_op_doc, op_name)
        fn = _get_builtin_op(op_name)
        assert str(fn.__signature__) == str(inspect.signature(doc)), op_name


def test_numpy_op_doc_entries_run_the_np_function():
    from neogluon import _numpy_op_doc

    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert float(_numpy_op_doc._np_sum(x, axis=None)) == 10.0
    assert _numpy_op_doc._np_diagflat(np.array([1.0, 2.0]), 1).shape == (3, 3)


def test_internal_boolean_mask_assign_writes_out():
    a = np.zeros((2, 3, 4))
    mask = np.array([True, False, True], dtype="bool")
    res = mx.nd.np._internal.boolean_mask_assign_scalar(
        a, mask, 42.0, start_axis=1, out=a
    )
    assert res is a
    assert float(a[:, 0].sum()) == 42.0 * 8 and float(a[:, 1].sum()) == 0.0
    val = np.ones((2, 2, 4))
    mx.nd.np._internal.boolean_mask_assign_tensor(a, mask, val, start_axis=1, out=a)
    assert float(a.sum()) == 16.0


def test_random_seed_repeats_the_stream():
    npx.random.seed(594)
    first = np.random.uniform(size=(2, 3)).asnumpy()
    npx.random.seed(seed=594)
    onp.testing.assert_array_equal(first, np.random.uniform(size=(2, 3)).asnumpy())


def _grads(sample, *params):
    for p in params:
        p.attach_grad()
    with mx.autograd.record():
        y = sample(*params)
    y.backward()
    return y, [p.grad for p in params]


@pytest.mark.parametrize("name", ["normal", "logistic", "gumbel"])
def test_location_scale_samplers_are_reparameterised(name):
    loc, scale = np.zeros((3, 4, 5)), np.ones((4, 1)) * 2
    fn = getattr(np.random, name)
    y, (gl, gs) = _grads(lambda a, b: fn(loc=a, scale=b, size=(3, 4, 5)), loc, scale)
    assert gl.shape == (3, 4, 5) and gs.shape == (4, 1)
    onp.testing.assert_allclose(gl.asnumpy(), 1.0)
    # d(loc + scale * e)/dscale = e = (y - loc) / scale, summed over the broadcast
    want = ((y.asnumpy() - 0.0) / 2.0).sum(axis=(0, 2)).reshape(4, 1)
    onp.testing.assert_allclose(gs.asnumpy(), want, rtol=1e-4, atol=1e-4)


def test_one_parameter_samplers_have_mxnet_gradients():
    a = np.ones((3, 2))
    y, (g,) = _grads(lambda s: np.random.exponential(s, (3, 2)), a)
    onp.testing.assert_allclose(g.asnumpy(), y.asnumpy(), rtol=1e-5)  # y / scale
    y, (g,) = _grads(lambda s: np.random.rayleigh(s, (3, 2)), a)
    onp.testing.assert_allclose(g.asnumpy(), y.asnumpy(), rtol=1e-5)
    y, (g,) = _grads(lambda s: np.random.weibull(s, (3, 2)), a)  # -y log y / a^2
    yv = y.asnumpy()
    onp.testing.assert_allclose(g.asnumpy(), -yv * onp.log(yv), rtol=1e-4, atol=1e-5)
    y, (g,) = _grads(lambda s: np.random.pareto(s, (3, 2)), a)  # -(y+1) log(y+1) / a^2
    yv = y.asnumpy() + 1
    onp.testing.assert_allclose(g.asnumpy(), -yv * onp.log(yv), rtol=1e-4, atol=1e-5)


def test_lognormal_gradient_flows_to_mean():
    mean, sigma = np.zeros((3, 2)), np.ones((3, 2))
    y, (gm, _) = _grads(lambda m, s: np.random.lognormal(m, s, (3, 2)), mean, sigma)
    onp.testing.assert_allclose(gm.asnumpy(), y.asnumpy(), rtol=1e-5)


def test_uniform_and_gamma_give_no_gradient():
    low, high = np.zeros((2,)), np.ones((2,))
    _, (gl, gh) = _grads(lambda a, b: np.random.uniform(a, b, size=(2,)), low, high)
    assert float(abs(gl).sum()) == 0.0 and float(abs(gh).sum()) == 0.0
