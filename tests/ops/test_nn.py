"""nn operators (neogluon/ops/nn.py) against MXNet 1.9.1 fixtures.

Fixtures come from tools/fixtures/ops_nn.py: inputs, attrs, outputs, a stored
random head gradient and the input gradients it produced in real MXNet.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import autograd
from neogluon import nd
from neogluon.base import MXNetError
from neogluon.ops import get
from neogluon.ops.registry import ShapeError
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAMILY = "ops_nn"
# float32 kernels from different libraries (oneDNN/OpenBLAS vs. torch) agree to
# about 1e-6 relative; sums over a few dozen terms justify rtol 1e-4/atol 1e-5.
RTOL, ATOL = 1e-4, 1e-5


def run_case(
    name: str, rtol: float = RTOL, atol: float = ATOL, skip: tuple = ()
) -> dict:
    """Run one fixture through ``mx.nd`` and compare outputs, aux and grads.

    ``skip`` names fixture entries (``out_1``, ``grad_data``) not compared.
    """
    f = load_fixture(FAMILY, name)
    arrs = {k: nd.array(f[f"in_{k}"], dtype=f[f"in_{k}"].dtype) for k in f["inputs"]}
    for k in f["gradded"]:
        arrs[k].attach_grad()
    fn = getattr(nd, f["op"])
    attrs = f["attrs"]

    def call():
        if f["variadic"]:
            return fn(*arrs.values(), **attrs)
        return fn(**arrs, **attrs)

    if f["record"]:
        with autograd.record(train_mode=f["train"]):
            out = call()
    elif f["train"]:
        with autograd.train_mode():
            out = call()
    else:
        out = call()
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == f["n_out"], name
    for k in f:
        if k.startswith("auxfwd_"):
            np.testing.assert_allclose(
                arrs[k[7:]].asnumpy(), f[k], rtol, atol, err_msg=f"{name}: {k}"
            )
    for i, o in enumerate(outs):
        if f"out_{i}" in skip:
            continue
        exp = f[f"out_{i}"]
        assert o.shape == exp.shape, (name, i, o.shape, exp.shape)
        np.testing.assert_allclose(
            o.asnumpy(), exp, rtol, atol, err_msg=f"{name}: out {i}"
        )
    if f["record"]:
        heads = [nd.array(f[f"head_{i}"]) for i in range(len(outs))]
        autograd.backward(outs, heads)
        for k in f["gradded"]:
            if f"grad_{k}" in skip:
                continue
            np.testing.assert_allclose(
                arrs[k].grad.asnumpy(),
                f[f"grad_{k}"],
                rtol,
                atol,
                err_msg=f"{name}: grad of {k}",
            )
        for k in f:
            if k.startswith("auxbwd_"):
                np.testing.assert_allclose(
                    arrs[k[7:]].asnumpy(), f[k], rtol, atol, err_msg=f"{name}: {k}"
                )
    return f


NN_CASES = [n for n in fixture_names(FAMILY) if not n.startswith("rnn_")]
# Entries where MXNet 1.9.1 is wrong and we deliberately differ (each has its own
# test below checking the correct value).
DIVERGES = {
    # rrelu's mask output in predict mode is uninitialized memory in MXNet.
    "lrelu_rrelu_predict": ("out_1",),
    # MXNet's selu gradient for x<0 is lambda*(out + alpha) instead of
    # out + lambda*alpha (= d/dx of lambda*alpha*(exp(x)-1)).
    "lrelu_selu": ("grad_data",),
    # record(train_mode=False): MXNet runs the batch-statistics backward formula
    # against the running-statistics forward; the true gradient uses the
    # running statistics.
    "bn_predict_record": ("grad_data", "grad_gamma"),
    # SoftmaxActivation(mode='instance') on N-D data: the forward normalizes the
    # last axis but MXNet's backward sums over axis 1 (they agree for 2-D data).
    "softmax_act_instance": ("grad_data",),
}


def test_fixtures_present():
    assert len(NN_CASES) > 60


@pytest.mark.parametrize("name", NN_CASES)
def test_against_mxnet(name):
    run_case(name, skip=DIVERGES.get(name, ()))


def _grads(name):
    f = load_fixture(FAMILY, name)
    arrs = {k: nd.array(f[f"in_{k}"]) for k in f["inputs"]}
    for a in arrs.values():
        a.attach_grad()
    with autograd.record(train_mode=f["train"]):
        out = getattr(nd, f["op"])(**arrs, **f["attrs"])
    out = out[0] if isinstance(out, list) else out
    out.backward(nd.array(f["head_0"]))
    return f, {k: a.grad.asnumpy() for k, a in arrs.items()}


def test_selu_gradient_is_the_true_derivative():
    f, g = _grads("lrelu_selu")
    x, h = f["in_data"], f["head_0"]
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    exp = h * np.where(x > 0, lam, lam * alpha * np.exp(x))
    np.testing.assert_allclose(g["data"], exp, RTOL, ATOL)


def test_softmax_activation_instance_gradient_matches_its_forward():
    f, g = _grads("softmax_act_instance")
    o, h = f["out_0"], f["head_0"]
    exp = o * (h - (h * o).sum(-1, keepdims=True))
    np.testing.assert_allclose(g["data"], exp, RTOL, ATOL)


def test_batchnorm_predict_mode_gradient_uses_running_stats():
    f, g = _grads("bn_predict_record")
    h = f["head_0"]
    inv = 1 / np.sqrt(f["in_moving_var"] + 1e-3).reshape(1, -1, 1, 1)
    gamma = f["in_gamma"].reshape(1, -1, 1, 1)
    np.testing.assert_allclose(g["data"], h * gamma * inv, RTOL, ATOL)
    xhat = (f["in_data"] - f["in_moving_mean"].reshape(1, -1, 1, 1)) * inv
    np.testing.assert_allclose(g["gamma"], (h * xhat).sum((0, 2, 3)), RTOL, ATOL)
    # beta's gradient and the untouched running stats do match MXNet.
    np.testing.assert_allclose(g["beta"], f["grad_beta"], RTOL, ATOL)


# ----------------------------------------------------------------- specific semantics
def test_pooling_full_quirk_shape_and_values():
    f = run_case("pool_full_max")
    out = f["out_0"]
    assert out.shape == (1, 2, 4, 4)
    # The last row/column windows start in the padding: lowest float32.
    assert np.all(out[..., -1] == np.float32(-3.4028235e38))
    assert np.all(load_fixture(FAMILY, "pool_full_avg")["out_0"][..., -1] == 0)


def test_batchnorm_running_stats_updated_by_backward_only():
    f = load_fixture(FAMILY, "bn_train")
    np.testing.assert_array_equal(f["auxfwd_moving_mean"], f["in_moving_mean"])
    assert not np.allclose(f["auxbwd_moving_mean"], f["in_moving_mean"])
    run_case("bn_train")
    # train_mode() without record: no update (MXNet updates in backward).
    g = load_fixture(FAMILY, "bn_train_mode_norecord")
    np.testing.assert_array_equal(g["auxfwd_moving_var"], g["in_moving_var"])


def test_batchnorm_momentum_formula():
    x = nd.array([[1.0], [3.0], [5.0]])
    gamma, beta = nd.ones(1), nd.zeros(1)
    mm, mv = nd.zeros(1), nd.ones(1)
    x.attach_grad()
    with autograd.record():
        y = nd.BatchNorm(x, gamma, beta, mm, mv, fix_gamma=False)
    assert mv.asscalar() == 1.0
    y.backward()
    np.testing.assert_allclose(mm.asnumpy(), [0.3], rtol=1e-6)
    np.testing.assert_allclose(mv.asnumpy(), [0.9 + 0.1 * 8 / 3], rtol=1e-6)


def test_dropout_inference_identity_and_training_scale():
    x = nd.ones((200, 50))
    np.testing.assert_array_equal(nd.Dropout(x, p=0.5).asnumpy(), 1)
    with autograd.train_mode():
        y = nd.Dropout(x, p=0.4).asnumpy()
    assert set(np.unique(y)).issubset({0.0, np.float32(1 / 0.6)})
    assert abs((y == 0).mean() - 0.4) < 0.03
    y = nd.Dropout(x, p=0.3, mode="always").asnumpy()
    assert abs((y == 0).mean() - 0.3) < 0.03


def test_dropout_axes_share_mask():
    with autograd.train_mode():
        y = nd.Dropout(nd.ones((64, 3, 8)), p=0.5, axes=(1,)).asnumpy()
    assert np.all(y == y[:, :1, :])
    assert 0.3 < (y == 0).mean() < 0.7


def test_dropout_output_is_not_input_alias():
    x = nd.ones((2, 2))
    y = nd.Dropout(x)
    y[:] = 5
    assert x.asnumpy().max() == 1


def test_rrelu_training_slopes_in_bounds():
    x = nd.array(-np.ones((100, 10), np.float32))
    with autograd.train_mode():
        out, mask = nd.LeakyReLU(x, act_type="rrelu", lower_bound=0.1, upper_bound=0.3)
    m = mask.asnumpy()
    assert m.min() >= 0.1 and m.max() <= 0.3 and m.std() > 0.03
    np.testing.assert_allclose(out.asnumpy(), -m)


# ----------------------------------------------------------------- layouts (NHWC)
def test_convolution_nhwc_matches_nchw_fixture():
    f = load_fixture(FAMILY, "conv2d")
    a = dict(f["attrs"], layout="NHWC")
    x = nd.array(f["in_data"].transpose(0, 2, 3, 1))
    w = nd.array(f["in_weight"].transpose(0, 2, 3, 1))
    y = nd.Convolution(x, w, nd.array(f["in_bias"]), **a)
    np.testing.assert_allclose(
        y.asnumpy(), f["out_0"].transpose(0, 2, 3, 1), RTOL, ATOL
    )


def test_pooling_nhwc_matches_nchw_fixture():
    f = load_fixture(FAMILY, "pool_full_avg")
    y = nd.Pooling(
        nd.array(f["in_data"].transpose(0, 2, 3, 1)), layout="NHWC", **f["attrs"]
    )
    np.testing.assert_allclose(
        y.asnumpy(), f["out_0"].transpose(0, 2, 3, 1), RTOL, ATOL
    )


# ----------------------------------------------------------------- shape inference
def test_infer_fully_connected_weight_from_data():
    op = get("FullyConnected")
    a = op.parse_attrs({"num_hidden": 10})
    ins, outs = op.run_infer_shape([(4, 3, 5), (10, 0), (0,)], a)
    assert ins == [(4, 3, 5), (10, 15), (10,)] and outs == [(4, 10)]
    a = op.parse_attrs({"num_hidden": 10, "flatten": False})
    ins, outs = op.run_infer_shape([(4, 3, 0), (10, 5), None], a)
    assert ins[0] == (4, 3, 5) and outs == [(4, 3, 10)]


def test_infer_convolution_weight_from_channel_axis():
    op = get("Convolution")
    a = op.parse_attrs({"kernel": (3, 3), "num_filter": 8, "pad": (1, 1), "stride": 2})
    ins, outs = op.run_infer_shape([(2, 6, 9, 9), (8, 0, 0, 0), None], a)
    assert ins[1] == (8, 6, 3, 3) and ins[2] == (8,) and outs == [(2, 8, 5, 5)]
    a = op.parse_attrs(
        {"kernel": (3, 3), "num_filter": 8, "layout": "NHWC", "num_group": 2}
    )
    ins, outs = op.run_infer_shape([(2, 9, 9, 6), None, None], a)
    assert ins[1] == (8, 3, 3, 3) and outs == [(2, 7, 7, 8)]
    # Backwards: data's channels from the weight.
    a = op.parse_attrs({"kernel": (3,), "num_filter": 4})
    ins, _ = op.run_infer_shape([(2, 0, 7), (4, 5, 3), None], a)
    assert ins[0] == (2, 5, 7)


def test_infer_convolution_errors():
    op = get("Convolution")
    a = op.parse_attrs({"kernel": (5, 5), "num_filter": 2})
    with pytest.raises(ShapeError, match=r"Convolution.*too small.*output size 0"):
        op.run_infer_shape([(1, 3, 4, 4), None, None], a)
    a = op.parse_attrs({"kernel": (1, 1), "num_filter": 4, "num_group": 2})
    with pytest.raises(ShapeError, match="3 input channels.*num_group=2"):
        op.run_infer_shape([(1, 3, 4, 4), None, None], a)


def test_infer_deconvolution_and_pooling():
    op = get("Deconvolution")
    a = op.parse_attrs(
        {"kernel": (3, 3), "num_filter": 6, "stride": 2, "pad": 1, "adj": 1}
    )
    ins, outs = op.run_infer_shape([(2, 4, 3, 4), None], a)
    assert ins[1] == (4, 6, 3, 3) and outs == [(2, 6, 6, 8)]
    op = get("Pooling")
    a = op.parse_attrs(
        {
            "kernel": (2, 2),
            "stride": (2, 2),
            "pad": (1, 1),
            "pooling_convention": "full",
        }
    )
    assert op.run_infer_shape([(1, 1, 5, 5)], a)[1] == [(1, 1, 4, 4)]
    a = op.parse_attrs({"global_pool": True})
    assert op.run_infer_shape([(2, 3, 7, 5)], a)[1] == [(2, 3, 1, 1)]


def test_infer_batchnorm_params_both_directions():
    op = get("BatchNorm")
    a = op.parse_attrs({})
    ins, outs = op.run_infer_shape([(4, 5, 2, 2), None, (0,), None, None], a)
    assert ins[1:] == [(5,)] * 4 and outs == [(4, 5, 2, 2)]
    ins, _ = op.run_infer_shape([(4, 0, 3), (7,), None, None, None], a)
    assert ins[0] == (4, 7, 3) and ins[4] == (7,)
    a = op.parse_attrs({"axis": -1, "output_mean_var": True})
    ins, outs = op.run_infer_shape([(2, 3, 6), None, None, None, None], a)
    assert ins[1] == (6,) and outs == [(2, 3, 6), (6,), (6,)]


def test_infer_embedding_and_norms():
    op = get("Embedding")
    a = op.parse_attrs({"input_dim": 10, "output_dim": 4})
    ins, outs = op.run_infer_shape([(2, 3), None], a)
    assert ins[1] == (10, 4) and outs == [(2, 3, 4)]
    op = get("GroupNorm")
    ins, _ = op.run_infer_shape(
        [(2, 6, 3), None, None], op.parse_attrs({"num_groups": 3})
    )
    assert ins[1:] == [(3,), (3,)]
    op = get("LayerNorm")
    ins, _ = op.run_infer_shape([(2, 6, 3), None, None], op.parse_attrs({"axis": 1}))
    assert ins[1:] == [(6,), (6,)]


# ----------------------------------------------------------------- errors via nd
def test_fully_connected_mismatch_error_names_op_and_shapes():
    with pytest.raises(
        MXNetError, match=r"FullyConnected.*\(5, 7\) expects 7.*\(2, 3, 4\).*\(2, 12\)"
    ):
        nd.FullyConnected(nd.ones((2, 3, 4)), nd.ones((5, 7)), nd.ones(5), num_hidden=5)


def test_convolution_error_via_nd():
    with pytest.raises(MXNetError, match="Convolution"):
        nd.Convolution(
            nd.ones((1, 3, 2, 2)),
            nd.ones((2, 3, 3, 3)),
            kernel=(3, 3),
            num_filter=2,
            no_bias=True,
        )


def test_batchnorm_graph_outputs_and_aux():
    op = get("BatchNorm")
    assert op.aux == ("moving_mean", "moving_var")
    assert op.num_outputs_for(op.parse_attrs({})) == 1
    mv = op.parse_attrs({"output_mean_var": True})
    assert op.list_output_names(mv) == ("output", "mean", "var")
    assert op.num_total_outputs_for(mv) == 3
    assert op.num_total_outputs_for(op.parse_attrs({})) == 3


def test_softmax_output_alias_and_fixtures_cover_ignore():
    assert get("Softmax") is get("SoftmaxOutput")
    assert mx.nd.Softmax.op is get("SoftmaxOutput")
