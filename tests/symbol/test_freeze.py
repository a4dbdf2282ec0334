"""Frozen inference graphs: fusion plan, BatchNorm folding, oneDNN execution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import neogluon as mx
from neogluon.symbol.executor import compile_graph
from neogluon.symbol.executor import freeze_graph
from neogluon.symbol.executor import onednn_available
from neogluon.symbol.freeze import FusedGroup
from neogluon.symbol.freeze import plan_inference
from tests.conftest import load_fixture
from tests.symbol.test_json import build

S = mx.sym
ONEDNN = [False, True] if onednn_available() else [False]


def _run_frozen(g, tensors, const, onednn):
    """Freeze, then call twice: the first call validates on the unfrozen graph."""
    fz = freeze_graph(g, tensors, const, onednn=onednn)
    with torch.no_grad():
        first = fz(tensors)
        second = fz(tensors)
    return fz, first, second


def _groups(steps):
    return [s for s in steps if isinstance(s, FusedGroup)]


def test_plan_fuses_conv_bn_add_relu_chain():
    x = S.var("data")
    other = S.var("other")
    c = S.Convolution(x, kernel=(3, 3), num_filter=4, pad=(1, 1), name="c")
    b = S.BatchNorm(c, name="bn")
    s = S.elemwise_add(other, b, name="add")
    y = S.Activation(s, act_type="relu", name="act")
    const = {"c_weight", "c_bias", "bn_gamma", "bn_beta"}
    const |= {"bn_moving_mean", "bn_moving_var"}
    steps = plan_inference(y, const)
    assert len(steps) == 1
    g = steps[0]
    assert (g.anchor.name, g.bn.name, g.add.name, g.relu.name) == (
        "c",
        "bn",
        "add",
        "act",
    )
    assert g.other[0].name == "other"
    assert g.last is g.relu


def test_plan_respects_shared_outputs_heads_and_non_constants():
    x = S.var("data")
    c = S.Convolution(x, kernel=(1, 1), num_filter=2, no_bias=True, name="c")
    b = S.BatchNorm(c, name="bn")
    const = {"c_weight", "bn_gamma", "bn_beta", "bn_moving_mean", "bn_moving_var"}
    # The convolution's output is also a graph output: BatchNorm stays apart.
    steps = plan_inference(S.Group([c, b]), const)
    assert [type(s).__name__ for s in steps] == ["FusedGroup", "_Node"]
    assert steps[0].bn is None and steps[1].name == "bn"
    # Used twice (bn and relu): no fusion past the convolution.
    steps = plan_inference(S.Group([b, S.relu(c)]), const)
    assert [(g.anchor.name, g.bn, g.relu) for g in _groups(steps)] == [
        ("c", None, None)
    ]
    # A weight that is not a constant (a data input) is not folded.
    steps = plan_inference(b, const - {"c_weight"})
    assert _groups(steps) == []
    # BatchNorm statistics that are not constants are not folded either.
    steps = plan_inference(b, const - {"bn_moving_var"})
    assert [(g.anchor.name, g.bn) for g in _groups(steps)] == [("c", None)]
    # output_mean_var BatchNorm is not folded.
    b2 = S.BatchNorm(c, output_mean_var=True, name="bn")
    steps = plan_inference(b2[0], const)
    assert [g.bn for g in _groups(steps)] == [None]


def test_plan_add_claimed_by_one_branch_only():
    """ResNet's downsample: conv-bn + conv-bn feed one add; one group takes it."""
    x = S.var("data")
    const = set()
    outs = []
    for name in ("a", "b"):
        c = S.Convolution(x, kernel=(1, 1), num_filter=2, no_bias=True, name=name)
        outs.append(S.BatchNorm(c, name=f"{name}bn"))
        const |= {f"{name}_weight"}
        const |= {f"{name}bn_{p}" for p in ("gamma", "beta", "moving_mean")}
        const |= {f"{name}bn_moving_var"}
    y = S.relu(outs[0] + outs[1])
    steps = plan_inference(y, const)
    groups = _groups(steps)
    assert len(steps) == len(groups) == 2
    assert sum(g.add is not None for g in groups) == 1
    first, second = steps  # the group with the add runs after the other
    assert second.add is not None and second.other[0] is first.last


@pytest.mark.parametrize("onednn", ONEDNN)
def test_frozen_conv_bn_pool_matches_mxnet(onednn):
    """MXNet 1.9.1's predict-mode output of conv-BN-relu-pool-flatten-FC."""
    fx = load_fixture("symbol", "conv_bn_pool")
    s = build("conv_bn_pool")
    g = compile_graph(s)
    tensors = []
    for name in g.input_names:
        key = f"arg:{name}" if f"arg:{name}" in fx else f"aux:{name}"
        tensors.append(torch.from_numpy(np.array(fx[key])))
    const = [n != "data" for n in g.input_names]
    fz, first, second = _run_frozen(g, tensors, const, onednn)
    assert ("_cpu(" in fz.source) == onednn
    for out in (first, second):
        np.testing.assert_allclose(out[0].numpy(), fx["out0"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("onednn", ONEDNN)
@pytest.mark.parametrize("fix_gamma", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_batchnorm_folding_is_exact_on_a_tiny_case(onednn, fix_gamma, bias):
    """1x1 convolution + BatchNorm vs the algebra in float64 numpy."""
    rs = np.random.RandomState(3)
    x = rs.uniform(-2, 2, (2, 3, 2, 2)).astype(np.float32)
    w = rs.uniform(-1, 1, (4, 3, 1, 1)).astype(np.float32)
    b = rs.uniform(-1, 1, (4,)).astype(np.float32)
    gamma = rs.uniform(-2, 2, (4,)).astype(np.float32)
    beta = rs.uniform(-1, 1, (4,)).astype(np.float32)
    mean = rs.uniform(-1, 1, (4,)).astype(np.float32)
    var = rs.uniform(0.1, 3, (4,)).astype(np.float32)
    eps = 1e-3
    d = S.var("data")
    c = S.Convolution(d, kernel=(1, 1), num_filter=4, no_bias=not bias, name="c")
    y = S.BatchNorm(c, eps=eps, fix_gamma=fix_gamma, name="bn")
    g = compile_graph(y)
    vals = {
        "data": x,
        "c_weight": w,
        "c_bias": b,
        "bn_gamma": gamma,
        "bn_beta": beta,
        "bn_moving_mean": mean,
        "bn_moving_var": var,
    }
    tensors = [torch.from_numpy(vals[n]) for n in g.input_names]
    const = [n != "data" for n in g.input_names]
    fz, _, out = _run_frozen(g, tensors, const, onednn)
    # One fused statement: the BatchNorm has no line of its own.
    assert len(fz.source.split("= _in\n")[1].splitlines()) == 2
    conv = np.einsum("oi,nihw->nohw", w[:, :, 0, 0].astype(np.float64), x)
    if bias:
        conv += b[None, :, None, None]
    gm = np.ones(4) if fix_gamma else gamma.astype(np.float64)
    expect = (conv - mean[None, :, None, None]) / np.sqrt(
        var[None, :, None, None].astype(np.float64) + eps
    ) * gm[None, :, None, None] + beta[None, :, None, None]
    # float32 weights after folding: rounding of a few ulps, no more.
    np.testing.assert_allclose(out[0].numpy(), expect, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("onednn", ONEDNN)
def test_fc_bn_relu_and_strided_grouped_conv(onednn):
    """FullyConnected+BN+relu fold; grouped strided dilated conv + residual."""
    rs = np.random.RandomState(5)
    d = S.var("data")
    c1 = S.Convolution(d, kernel=(3, 3), num_filter=4, pad=(1, 1), name="c1")
    c2 = S.Convolution(
        c1,
        kernel=(3, 3),
        num_filter=4,
        num_group=2,
        stride=(1, 1),
        dilate=(2, 2),
        pad=(2, 2),
        no_bias=True,
        name="c2",
    )
    r = S.relu(S.BatchNorm(c2, fix_gamma=False, name="bn1") + c1)
    f = S.FullyConnected(r, num_hidden=5, name="fc")
    y = S.relu(S.BatchNorm(f, fix_gamma=False, name="bn2"))
    g = compile_graph(y)
    shapes = {"data": (2, 3, 6, 5)}
    arg_shapes, _, aux_shapes = y.infer_shape(**shapes)
    all_shapes = dict(zip(y.list_arguments(), arg_shapes, strict=True))
    all_shapes.update(zip(y.list_auxiliary_states(), aux_shapes, strict=True))
    tensors = []
    for n in g.input_names:
        lo = 0.2 if n.endswith("var") else -1.0
        tensors.append(torch.from_numpy(rs.uniform(lo, 1, all_shapes[n])).float())
    const = [n != "data" for n in g.input_names]
    with torch.no_grad():
        ref = g(tensors)[0]
    fz, _, out = _run_frozen(g, tensors, const, onednn)
    names = {n for n in g.input_names if n != "data"}
    groups = _groups(plan_inference(y, names))
    assert len(groups) == 3
    np.testing.assert_allclose(out[0].numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_stale_parameters_are_detected():
    d = S.var("data")
    y = S.relu(S.Convolution(d, kernel=(1, 1), num_filter=2, name="c"))
    g = compile_graph(y)
    tensors = [torch.ones(1, 2, 2, 2), torch.ones(2, 2, 1, 1), torch.zeros(2)]
    const = [False, True, True]
    fz = freeze_graph(g, tensors, const)
    assert fz.is_current(tensors)
    tensors[1].mul_(2)  # in-place change bumps torch's version counter
    assert not fz.is_current(tensors)
    fz = freeze_graph(g, tensors, const, previous=fz)
    assert fz.is_current(tensors)
    replaced = [tensors[0], tensors[1].clone(), tensors[2]]
    assert not fz.is_current(replaced)


def test_frozen_graph_reports_invalid_inputs_like_the_compiled_graph():
    d = S.var("data")
    y = S.Convolution(d, kernel=(1, 1), num_filter=2, name="c")
    g = compile_graph(y)
    params = [torch.ones(2, 3, 1, 1), torch.zeros(2)]
    fz = freeze_graph(g, [torch.ones(1, 3, 2, 2), *params], [False, True, True])
    with torch.no_grad(), pytest.raises(mx.base.MXNetError, match="c.*Convolution"):
        fz([torch.ones(1, 4, 2, 2), *params])


def test_frozen_graph_without_groups_emits_the_compiled_code():
    """One emitter: with nothing to fuse, the frozen function is the compiled
    one line for line; only the outputs are made contiguous."""
    x = S.var("x")
    w = S.var("w")
    parts = S.split(S.relu(S.dot(x, w)), num_outputs=2, axis=1)
    sym = S.Group([parts[0] * 2, parts[1], S.transpose(x)])
    g = compile_graph(sym)
    tensors = [torch.randn(2, 4), torch.randn(4, 4)]
    fz, first, second = _run_frozen(g, tensors, [False, True], onednn=False)
    compiled = g.source.splitlines()
    frozen = fz.source.splitlines()
    assert frozen[:-1] == compiled[:-1]
    assert any(line.strip().startswith("del ") for line in compiled)
    assert ".contiguous()" in frozen[-1]
    with torch.no_grad():
        expected = g(tensors)
    for a, b, c in zip(expected, first, second, strict=True):
        torch.testing.assert_close(b, a)
        torch.testing.assert_close(c, a)
