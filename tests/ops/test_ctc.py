"""CTCLoss (op and gluon.loss.CTCLoss) vs MXNet 1.9.1."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture
from tests.ops.op_check import check_case
from tests.ops.op_check import check_op
from tests.ops.test_contrib import load_contrib_cases

CASES = {c.name: c for c in load_contrib_cases("ctc")}
# Cases whose label_lengths MXNet took positionally in the data_lengths slot
# (its generated functions drop None inputs); run them with keywords below.
_KEYWORD = {"ctc_label_len"}


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize(
    "case", [c for n, c in CASES.items() if n not in _KEYWORD], ids=lambda c: c.name
)
def test_ctc_matches_mxnet(case, path):
    # float32 forward-backward recursions in different orders: 1e-5 relative.
    check_case(case, rtol=1e-5, atol=1e-5, path=path)


def test_ctc_label_lengths_only():
    c = CASES["ctc_label_len"]

    def fn(data, label, ll, **attrs):
        return mx.nd.CTCLoss(data, label, label_lengths=ll, **attrs)

    check_op(
        fn,
        c.inputs,
        c.attrs,
        c.outputs,
        c.grads,
        grad_inputs=c.grad_inputs,
        head_grads=c.head_grads,
        rtol=1e-5,
        atol=1e-5,
    )


def test_ctc_symbol_lengths_and_json():
    data, label, ll = CASES["ctc_label_len"].inputs
    s = mx.sym.CTCLoss(
        mx.sym.var("data"),
        mx.sym.var("label"),
        label_lengths=mx.sym.var("ll"),
        use_label_lengths=True,
        blank_label="last",
    )
    assert s.list_arguments() == ["data", "label", "ll"]
    assert s.list_outputs() == [f"{s.name}_output0"]
    ex = s.bind(
        mx.cpu(),
        args={
            "data": mx.nd.array(data),
            "label": mx.nd.array(label),
            "ll": mx.nd.array(ll),
        },
    )
    out = ex.forward()[0]
    np.testing.assert_allclose(
        out.asnumpy(), CASES["ctc_label_len"].outputs[0], rtol=1e-5, atol=1e-5
    )
    import json

    graph = json.loads(s.tojson())
    assert graph["nodes"][-1]["op"] == "CTCLoss"
    rp = graph["node_row_ptr"]
    assert rp[-1] - rp[-2] == 2  # MXNet's hidden gradient output


def test_ctc_aliases_and_shapes():
    assert mx.nd.ctc_loss.op is mx.nd.CTCLoss.op
    assert mx.nd.contrib.ctc_loss.op is mx.nd.CTCLoss.op
    assert mx.nd.contrib.CTCLoss.op is mx.nd.CTCLoss.op
    s = mx.sym.CTCLoss(mx.sym.var("d"), mx.sym.var("l"))
    _, out, _ = s.infer_shape(d=(7, 3, 5), l=(3, 2))
    assert out == [(3,)]


def test_ctc_errors():
    with pytest.raises(MXNetError, match=r"CTCLoss.*\(T, N, C\)"):
        mx.nd.CTCLoss(mx.nd.ones((3, 4)), mx.nd.ones((3, 2)))
    with pytest.raises(MXNetError, match=r"CTCLoss.*label"):
        mx.nd.CTCLoss(mx.nd.ones((3, 2, 4)), mx.nd.array([[1, 7], [1, 0]]))


@pytest.mark.parametrize("name", ["default", "tnc", "weight", "lengths"])
@pytest.mark.parametrize("hybridize", [False, True])
def test_gluon_ctc_loss(name, hybridize):
    fx = load_fixture("ops_contrib", "gluon_ctc")
    kw = {"default": {}, "tnc": {"layout": "TNC"}, "weight": {"weight": 0.5}}.get(
        name, {}
    )
    pred = fx["pred"]
    if kw.get("layout") == "TNC":
        pred = np.swapaxes(pred, 0, 1)
    loss = mx.gluon.loss.CTCLoss(**kw)
    if hybridize:
        loss.hybridize()
    p = mx.nd.array(pred)
    p.attach_grad()
    extra = []
    if name == "lengths":
        extra = [mx.nd.array([5, 3]), mx.nd.array([2, 1])]
    with mx.autograd.record():
        out = loss(p, mx.nd.array(fx["label"]), *extra)
    out.backward()
    np.testing.assert_allclose(out.asnumpy(), fx[f"{name}.loss"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        p.grad.asnumpy(), fx[f"{name}.grad"], rtol=1e-5, atol=1e-5
    )


def test_gluon_ctc_loss_bad_layout():
    with pytest.raises(ValueError, match="layout"):
        mx.gluon.loss.CTCLoss(layout="NCT")


def test_positional_optional_inputs_fill_the_present_slots_like_mxnet():
    # MXNet's nd functions skip None inputs and pass the rest in order, so a
    # third positional array is label_lengths when only use_label_lengths=True.
    import neogluon as mx

    rs = np.random.RandomState(0)
    data = mx.nd.array(rs.randn(4, 2, 5))
    label = mx.nd.array([[1, 2, 0], [3, 1, 2]])
    ll = mx.nd.array([2, 3])
    pos = mx.nd.CTCLoss(data, label, ll, use_label_lengths=True)
    kw = mx.nd.CTCLoss(data, label, label_lengths=ll, use_label_lengths=True)
    np.testing.assert_array_equal(pos.asnumpy(), kw.asnumpy())
    with pytest.raises(mx.MXNetError, match="takes 3 input"):
        mx.nd.CTCLoss(data, label, ll, ll, use_label_lengths=True)
