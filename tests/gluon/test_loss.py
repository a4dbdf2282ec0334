"""gluon.loss against MXNet 1.9.1: values, gradients, hybridized values."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.gluon import loss as gloss
from tests.conftest import fixture_names
from tests.conftest import load_fixture

# float32 element-wise math and small reductions.
RTOL, ATOL = 1e-5, 1e-6

CASES = [n for n in fixture_names("optim") if n.startswith("loss_")]
_NS = {k: getattr(gloss, k) for k in gloss.__all__}


def _inputs(fx):
    arrs = []
    for arg in fx["args"]:
        a = mx.nd.array(fx[f"in:{arg}"])
        if f"grad:{arg}" in fx:
            a.attach_grad()
        arrs.append(a)
    return arrs


@pytest.mark.parametrize("name", CASES)
def test_loss_value_and_grad_match_mxnet(name):
    fx = load_fixture("optim", name)
    loss_fn = eval(fx["ctor"], dict(_NS))
    assert repr(loss_fn) == fx["repr"]
    arrs = _inputs(fx)
    with mx.autograd.record():
        out = loss_fn(*arrs)
    assert out.shape == fx["out"].shape
    np.testing.assert_allclose(out.asnumpy(), fx["out"], rtol=RTOL, atol=ATOL)
    if "head" not in fx:
        return
    out.backward(mx.nd.array(fx["head"]))
    for arg, a in zip(fx["args"], arrs, strict=True):
        if f"grad:{arg}" in fx:
            np.testing.assert_allclose(
                a.grad.asnumpy(), fx[f"grad:{arg}"], rtol=RTOL, atol=ATOL, err_msg=arg
            )


@pytest.mark.parametrize(
    "name", [n for n in CASES if n not in ("loss_sdml", "loss_poisson_full")]
)
def test_hybridized_loss_matches_mxnet(name):
    fx = load_fixture("optim", name)
    loss_fn = eval(fx["ctor"], dict(_NS))
    loss_fn.hybridize()
    out = loss_fn(*_inputs(fx))
    np.testing.assert_allclose(out.asnumpy(), fx["out_hybrid"], rtol=RTOL, atol=ATOL)


def test_verified_values_from_survey():
    a = mx.nd.array
    np.testing.assert_allclose(
        gloss.SoftmaxCELoss()(a([[0.1, 0.9], [0.8, 0.2]]), a([1, 0])).asnumpy(),
        [0.3711007, 0.4374880],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        gloss.L2Loss()(a([[1, 2]]), a([[0, 0]])).asnumpy(), [1.25]
    )
    np.testing.assert_allclose(
        gloss.L1Loss()(a([[1, 2]]), a([[0, 0]])).asnumpy(), [1.5]
    )
    np.testing.assert_allclose(
        gloss.SigmoidBCELoss()(a([[0, 2]]), a([[0, 1]])).asnumpy(), [0.41004], rtol=1e-5
    )
    np.testing.assert_allclose(
        gloss.HuberLoss()(a([[0.5, 3]]), a([[0, 0]])).asnumpy(), [1.3125]
    )
    assert gloss.SigmoidBCELoss is gloss.SigmoidBinaryCrossEntropyLoss
    assert gloss.SoftmaxCELoss is gloss.SoftmaxCrossEntropyLoss


def test_loss_errors():
    with pytest.raises(ValueError, match="label_format"):
        gloss.LogisticLoss(label_format="bad")
    with pytest.raises(TypeError, match="weight must be a number"):
        gloss.L1Loss(weight=mx.nd.ones((1,)))(mx.nd.ones((2, 2)), mx.nd.ones((2, 2)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        gloss.L2Loss()(mx.nd.ones((2, 2)), mx.nd.ones((2, 3)))
