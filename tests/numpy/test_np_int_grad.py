"""Gradients of integer and bool variables against MXNet 1.9.1 (issue 8).

Fixtures: ``tools/fixtures/np_int_grad.py``. MXNet returns the gradient of an
integer or bool variable in its own dtype; neogluon records such a variable
through a float64 shadow (``neogluon/autograd.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as onp
import pytest

import neogluon as mx
from neogluon import autograd

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "mxnet-1.9.1" / "np_int_grad"
CASES = json.loads((FIX / "cases.json").read_text())
X = [[1, 2, 3], [4, 5, 6]]


def _run(case):
    np, npx = mx.np, mx.npx  # noqa: F841 - the fixture code uses them
    code = case["code"]
    if case["frontend"] == "np":
        npx.set_np()
        x = np.array(X, dtype=case["dtype"])
    else:
        x = mx.nd.array(X, dtype=case["dtype"])
    try:
        x.attach_grad(grad_req=case["grad_req"])
        if case["grad_req"] == "add":
            x.grad[:] = 1
        if case["hybrid"]:

            class Net(mx.gluon.HybridBlock):
                def hybrid_forward(self, F, x):  # noqa: N803 - MXNet's name
                    return eval(code)  # noqa: S307 - fixture code

            net = Net()
            net.hybridize()
            with autograd.record():
                y = net(x)
        else:
            with autograd.record():
                y = eval(code)  # noqa: S307 - fixture code
        y.backward()
        return y, x
    finally:
        npx.reset_np()


@pytest.mark.parametrize("name", sorted(CASES))
def test_integer_variable_gradient_matches_mxnet(name):
    case = CASES[name]
    if "error" in case:
        pytest.skip(f"MXNet 1.9.1 fails this case ({case['error']})")
    y, x = _run(case)
    assert str(y.asnumpy().dtype) == case["y_dtype"] or name.endswith("einsum")
    onp.testing.assert_allclose(y.asnumpy(), onp.array(case["y"]), rtol=1e-6)
    grad = x.grad.asnumpy()
    assert str(grad.dtype) == case["grad_dtype"]
    onp.testing.assert_array_equal(grad, onp.array(case["grad"], dtype=grad.dtype))


def test_float_variable_records_as_before():
    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    assert x.grad.asnumpy().tolist() == [2.0, 4.0]
    assert autograd._shadow_tls.active is None  # no integer variable alive


def test_shadow_follows_in_place_writes_between_recordings():
    x = mx.nd.array([1, 2, 3], dtype="int32")
    x.attach_grad()
    x[:] = mx.nd.array([5, 6, 7], dtype="int32")
    with autograd.record():
        y = x * x
    y.backward()
    assert x.grad.asnumpy().tolist() == [10, 12, 14]


def test_autograd_grad_of_integer_variable():
    x = mx.nd.array([1, 2, 3], dtype="int64")
    x.attach_grad()
    with autograd.record():
        y = x * 3
    (g,) = autograd.grad(y, [x])
    assert g.dtype == onp.int64
    assert g.asnumpy().tolist() == [3, 3, 3]


def test_attach_grad_inside_record_then_pop():
    x = mx.nd.array([1, 2], dtype="int32")
    with autograd.record():
        x.attach_grad()
        y = mx.nd.transpose(x) * 2
    assert autograd._shadow_tls.active is None
    y.backward()
    assert x.grad.asnumpy().tolist() == [2, 2]


def test_comparison_head_gives_zero_gradient():
    x = mx.np.array([1.0, 2.0])
    x.attach_grad()
    x.grad[:] = 0
    with autograd.record():
        y = x > 1
    y.backward()
    assert x.grad.asnumpy().tolist() == [0.0, 0.0]


@pytest.mark.parametrize("frontend", ["nd", "np"])
def test_recorded_write_into_integer_array_is_refused(frontend):
    mod = mx.nd if frontend == "nd" else mx.np
    x = mod.array([[1, 2], [3, 4]], dtype="int32")
    v = mod.array([1.0, 2.0])
    v.attach_grad()
    with autograd.record(), pytest.raises(mx.MXNetError, match="Inplace operations"):
        x[0] = v
