"""NN operator edge cases pinned by MXNet 1.9.1's test_operator.py.

References (outputs and input gradients) from real MXNet
(``tools/fixtures/ops_conformance.py``, case ``nn_edge``).
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture

FX = load_fixture("ops_conformance", "nn_edge")


def _check(prefix, fn, names, rtol=1e-5, atol=1e-6):
    arrays = {k: mx.nd.array(FX[f"{prefix}_in_{k}"]) for k in names}
    for a in arrays.values():
        a.attach_grad()
    with mx.autograd.record():
        y = fn(**arrays)
    y.backward(mx.nd.array(FX[f"{prefix}_head"]))
    np.testing.assert_allclose(y.asnumpy(), FX[f"{prefix}_out"], rtol=rtol, atol=atol)
    for k in names:
        np.testing.assert_allclose(
            arrays[k].grad.asnumpy(), FX[f"{prefix}_grad_{k}"], rtol=rtol, atol=atol
        )


@pytest.mark.parametrize("case", ["prelu2d", "prelu4d", "prelu_chan", "prelu_one"])
def test_prelu_gamma_layouts(case):
    _check(
        case,
        lambda data, gamma: mx.nd.LeakyReLU(data, gamma, act_type="prelu"),
        ["data", "gamma"],
    )


def test_prelu_gamma_that_does_not_fit_is_an_error():
    with pytest.raises(MXNetError, match="gamma"):
        mx.nd.LeakyReLU(
            mx.nd.ones((3, 4, 2, 5)), mx.nd.ones((5,)), act_type="prelu"
        ).asnumpy()


def test_correlation_abs_gradient_at_ties():
    _check(
        "corr",
        lambda data1, data2: mx.nd.Correlation(
            data1,
            data2,
            kernel_size=1,
            max_displacement=1,
            stride1=1,
            stride2=1,
            pad_size=1,
            is_multiply=False,
        ),
        ["data1", "data2"],
    )


def test_instance_norm_one_spatial_element():
    _check(
        "inorm",
        lambda data, gamma, beta: mx.nd.InstanceNorm(data, gamma, beta, eps=1e-3),
        ["data", "gamma", "beta"],
    )


def test_backward_with_every_grad_req_null_is_a_no_op():
    y = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=2, name="fc")
    exe = y.simple_bind(mx.cpu(), x=(1, 3), grad_req="null")
    exe.forward(is_train=True)
    exe.backward(exe.outputs[0])  # MXNet: nothing to compute, no error
    assert all(g is None for g in exe.grad_arrays)
