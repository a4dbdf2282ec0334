"""Element-wise behaviours pinned by MXNet 1.9.1's test_operator.py.

References from real MXNet (``tools/fixtures/ops_conformance.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import load_fixture

S = mx.sym


@pytest.mark.parametrize("dt", ["int32", "float32"])
def test_mod_by_zero_gives_zero(dt):
    fx = load_fixture("ops_conformance", "mod_by_zero")
    x, y = mx.nd.array(fx["a"], dtype=dt), mx.nd.array(fx["b"], dtype=dt)
    got = (S.var("a") % S.var("b")).eval(a=x, b=y)[0]
    np.testing.assert_array_equal(got.asnumpy(), fx[f"sym_{dt}"])
    got = S.broadcast_mod(S.var("a"), S.var("b")).eval(a=x, b=y[:1])[0]
    np.testing.assert_array_equal(got.asnumpy(), fx[f"bcast_{dt}"])
    got = mx.nd._internal._mod_scalar(x, scalar=0)
    np.testing.assert_array_equal(got.asnumpy(), fx[f"scalar0_{dt}"])
    got = mx.nd._internal._rmod_scalar(y, scalar=7)
    np.testing.assert_array_equal(got.asnumpy(), fx[f"rscalar_{dt}"])


def test_mod_gradient_where_divisor_is_zero_is_finite():
    a = mx.nd.array([5.0, 3.0, -7.0])
    b = mx.nd.array([0.0, 2.0, 0.0])
    exe = (S.var("a") % S.var("b")).bind(
        mx.cpu(), {"a": a, "b": b}, args_grad={"a": mx.nd.zeros((3,))}
    )
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((3,)))
    assert np.isfinite(exe.grad_dict["a"].asnumpy()).all()
