"""Detection/vision contrib operators (box_encode/decode, Proposal,
MultiProposal, (Modulated)DeformableConvolution, (Deformable)PSROIPooling),
SyncBatchNorm, BatchNormWithReLU and small gaps (moments, *_ste, allclose,
im2col/col2im) vs MXNet 1.9.1.

Fixtures: ``tools/fixtures/ops_contrib_more.py``. Tolerances: rtol 1e-5 /
atol 1e-5 (float32; bilinear sampling and convolutions sum in another order
than MXNet), 1e-4 for the proposal boxes (MXNet mixes float and double in the
box arithmetic).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry
from tests.conftest import load_fixture
from tests.ops.op_check import Case
from tests.ops.op_check import check_case
from tests.ops.op_check import resolve
from tests.ops.op_check import unpack

FAMILY = "ops_contrib_more"


def load_more_cases(family: str, name: str) -> list[tuple[Case, dict]]:
    """Cases of a packed family written by ``ops_contrib_more.run``, each with
    ``{'train': bool, 'post': [inputs after backward]}``."""
    data = load_fixture(family, name)
    arrays = unpack(data)
    out = []
    for c in data["cases"]:
        n = c["name"]
        case = Case(
            name=n,
            fn=c["fn"],
            attrs=c["attrs"],
            inputs=[arrays[f"{n}.in{i}"] for i in range(c["n_in"])],
            outputs=[arrays[f"{n}.out{i}"] for i in range(c["n_out"])],
            multi=c["multi"],
            grad_inputs=list(c["grad"]),
            head_grads=[arrays[f"{n}.hg{i}"] for i in range(c["n_out"])]
            if c["grad"]
            else [],
            grads=[arrays[f"{n}.grad{k}"] for k in range(len(c["grad"]))],
        )
        post = [arrays[f"{n}.post{i}"] for i in range(c["n_in"])]
        out.append((case, {"train": c["train"], "post": post}))
    return out


def run_with_state(case: Case, train: bool) -> list[np.ndarray]:
    """Run ``case`` eagerly (recording when ``train``), backward with its head
    gradients; return every input afterwards (in-place aux updates)."""
    fn = resolve(case.fn)
    xs = [mx.nd.array(x, dtype=x.dtype) for x in case.inputs]
    for i in case.grad_inputs:
        xs[i].attach_grad()
    if train:
        with mx.autograd.record():
            out = fn(*xs, **case.attrs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        if case.grad_inputs:
            mx.autograd.backward(
                list(outs), [mx.nd.array(h, dtype=h.dtype) for h in case.head_grads]
            )
    else:
        fn(*xs, **case.attrs)
    return [x.asnumpy() for x in xs]


CASES = load_more_cases(FAMILY, "contrib_more")
BNRELU = load_more_cases(FAMILY, "contrib_bnrelu")
_PROPOSAL = {c.name for c, _ in CASES if "proposal" in c.name}
# MXNet has no CPU backward for the modulated op; graph path checked below.


_AUX = {c.name for c, _ in CASES + BNRELU if "bn" in c.name}


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", [c for c, _ in CASES + BNRELU], ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    if path == "sym" and case.name in _AUX:
        pytest.skip("aux states bind separately: test_bn_variants_in_graphs")
    tol = 1e-4 if case.name in _PROPOSAL else 1e-5
    check_case(case, rtol=tol, atol=tol, path=path)


def check_aux_symbol(case: Case, meta: dict, rtol=1e-5, atol=1e-5) -> None:
    """BatchNorm-like case through ``mx.sym`` with inputs 3, 4 as aux states."""
    names = [f"x{i}" for i in range(5)]
    sym = resolve(case.fn, mx.sym)(*[mx.sym.var(n) for n in names], **case.attrs)
    assert sym.list_auxiliary_states() == names[3:]
    arrs = [mx.nd.array(x) for x in case.inputs]
    grads = {names[i]: mx.nd.zeros(case.inputs[i].shape) for i in case.grad_inputs}
    ex = sym.bind(
        mx.cpu(),
        args=dict(zip(names[:3], arrs[:3], strict=True)),
        args_grad=grads or None,
        grad_req={n: ("write" if n in grads else "null") for n in names[:3]},
        aux_states=dict(zip(names[3:], arrs[3:], strict=True)),
    )
    outs = ex.forward(is_train=meta["train"])
    for o, w in zip(outs, case.outputs, strict=True):
        np.testing.assert_allclose(o.asnumpy(), w, rtol=rtol, atol=atol)
    if not case.grad_inputs:
        return
    ex.backward([mx.nd.array(h) for h in case.head_grads])
    for k, i in enumerate(case.grad_inputs):
        np.testing.assert_allclose(
            grads[names[i]].asnumpy(), case.grads[k], rtol=rtol, atol=atol
        )
    for i in (3, 4):
        np.testing.assert_allclose(
            ex.aux_dict[names[i]].asnumpy(), meta["post"][i], rtol=rtol, atol=1e-6
        )


@pytest.mark.parametrize(
    "case,meta",
    [(c, m) for c, m in CASES + BNRELU if c.name in _AUX],
    ids=lambda v: getattr(v, "name", ""),
)
def test_bn_variants_in_graphs(case, meta):
    check_aux_symbol(case, meta)


@pytest.mark.parametrize(
    "case,meta",
    [(c, m) for c, m in CASES + BNRELU if "bn" in c.name],
    ids=lambda v: getattr(v, "name", ""),
)
def test_running_stats_after_backward(case, meta):
    # Running mean/var (inputs 3, 4) are updated in backward, as in MXNet.
    # Unlike MXNet, fix_gamma=True does not overwrite the gamma input with ones.
    got = run_with_state(case, meta["train"])
    for i in (3, 4):
        np.testing.assert_allclose(
            got[i], meta["post"][i], rtol=1e-5, atol=1e-6, err_msg=f"input {i}"
        )
    np.testing.assert_array_equal(got[1], case.inputs[1])


def _mdcn_inputs(seed=0):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (1, 2, 5, 5))
    off = rng.uniform(-1.5, 1.5, (1, 18, 5, 5))
    mask = rng.uniform(0, 1, (1, 9, 5, 5))
    w = rng.uniform(-1, 1, (3, 2, 3, 3))
    b = rng.uniform(-1, 1, (3,))
    return [v.astype("float64") for v in (x, off, mask, w, b)]


@pytest.mark.parametrize(
    "op", ["ModulatedDeformableConvolution", "DeformableConvolution"]
)
def test_deformable_gradients_match_finite_differences(op):
    # MXNet 1.9.1 has the modulated backward only on GPU; compare every input's
    # gradient with central differences (float64, away from grid points).
    vals = _mdcn_inputs()
    if op == "DeformableConvolution":
        vals = vals[:2] + vals[3:]
    fn = getattr(mx.nd.contrib, op)
    attrs = {"kernel": (3, 3), "num_filter": 3, "pad": (1, 1)}
    xs = [mx.nd.array(v, dtype="float64") for v in vals]
    for x in xs:
        x.attach_grad()
    hg = np.random.RandomState(1).normal(size=(1, 3, 5, 5))
    with mx.autograd.record():
        y = fn(*xs, **attrs)
    y.backward(mx.nd.array(hg, dtype="float64"))

    def f(args):
        out = fn(*[mx.nd.array(a, dtype="float64") for a in args], **attrs)
        return float((out.asnumpy() * hg).sum())

    eps = 1e-6
    rng = np.random.RandomState(2)
    for k, v in enumerate(vals):
        flat = v.reshape(-1)
        for j in rng.choice(flat.size, size=min(flat.size, 12), replace=False):
            plus = [a.copy() for a in vals]
            minus = [a.copy() for a in vals]
            plus[k].reshape(-1)[j] += eps
            minus[k].reshape(-1)[j] -= eps
            num = (f(plus) - f(minus)) / (2 * eps)
            got = xs[k].grad.asnumpy().reshape(-1)[j]
            assert abs(num - got) < 1e-5 * max(1.0, abs(num)), (op, k, j, num, got)


def _graph(sym) -> tuple[str, int]:
    g = json.loads(sym.tojson())
    rp = g["node_row_ptr"]
    return g["nodes"][-1]["op"], rp[-1] - rp[-2]


def test_graph_outputs_and_arguments_match_mxnet():
    v = mx.sym.var
    p = mx.sym.contrib.Proposal(v("a"), v("b"), v("c"))
    assert _graph(p) == ("_contrib_Proposal", 2)
    assert p.list_outputs() == [f"{p.name}_output"]
    ps = mx.sym.contrib.MultiProposal(v("a"), v("b"), v("c"), output_score=True)
    assert ps.list_outputs() == [f"{ps.name}_output", f"{ps.name}_score"]
    d = mx.sym.contrib.DeformablePSROIPooling(
        v("a"),
        v("b"),
        v("c"),
        spatial_scale=1,
        output_dim=2,
        group_size=2,
        pooled_size=2,
    )
    assert _graph(d) == ("_contrib_DeformablePSROIPooling", 2)
    assert d.list_arguments() == ["a", "b", "c"]
    d2 = mx.sym.contrib.DeformablePSROIPooling(
        v("a"),
        v("b"),
        spatial_scale=1,
        output_dim=2,
        group_size=2,
        pooled_size=2,
        no_trans=True,
    )
    assert d2.list_arguments() == ["a", "b"]
    bn = mx.sym.contrib.BatchNormWithReLU(v("a"), name="bnr")
    assert _graph(bn) == ("_contrib_BatchNormWithReLU", 4)
    assert bn.list_arguments() == ["a", "bnr_gamma", "bnr_beta"]
    assert bn.list_auxiliary_states() == ["bnr_moving_mean", "bnr_moving_var"]
    sb = mx.sym.contrib.SyncBatchNorm(v("a"), key="k", name="sbn")
    assert _graph(sb) == ("_contrib_SyncBatchNorm", 3)
    assert sb.list_auxiliary_states() == ["sbn_moving_mean", "sbn_moving_var"]
    dc = mx.sym.contrib.DeformableConvolution(
        v("a"), v("o"), kernel=(3, 3), num_filter=2, name="dc"
    )
    assert dc.list_arguments() == ["a", "o", "dc_weight", "dc_bias"]


def test_shape_inference():
    def infer(op, *shapes, **attrs):
        d = registry.get(op)
        return d.run_infer_shape(list(shapes), d.parse_attrs(attrs))

    ins, outs = infer(
        "_contrib_DeformableConvolution",
        (2, 4, 6, 6),
        None,
        None,
        None,
        kernel=(3, 3),
        num_filter=5,
        pad=(1, 1),
        num_deformable_group=2,
    )
    assert ins == [(2, 4, 6, 6), (2, 36, 6, 6), (5, 4, 3, 3), (5,)]
    assert outs == [(2, 5, 6, 6)]
    ins, outs = infer(
        "_contrib_ModulatedDeformableConvolution",
        (1, 4, 7, 7),
        None,
        None,
        None,
        kernel=(3, 3),
        num_filter=2,
        stride=(2, 2),
        no_bias=True,
        num_group=2,
    )
    assert ins == [(1, 4, 7, 7), (1, 18, 3, 3), (1, 9, 3, 3), (2, 2, 3, 3)]
    assert outs == [(1, 2, 3, 3)]
    ins, outs = infer(
        "_contrib_MultiProposal",
        (2, 6, 4, 5),
        None,
        None,
        scales=(8,),
        rpn_post_nms_top_n=7,
        output_score=True,
    )
    assert ins == [(2, 6, 4, 5), (2, 12, 4, 5), (2, 3)]
    assert outs == [(14, 5), (14, 1)]
    _, outs = infer(
        "_contrib_PSROIPooling",
        (1, 18, 8, 8),
        (3, 5),
        spatial_scale=0.5,
        output_dim=2,
        pooled_size=3,
    )
    assert outs == [(3, 2, 3, 3)]
    ins, outs = infer(
        "_contrib_box_encode", None, None, (2, 5, 4), (2, 3, 4), None, None
    )
    assert ins[:2] == [(2, 5), (2, 5)] and ins[4:] == [(4,), (4,)]
    assert outs == [(2, 5, 4), (2, 5, 4)]
    ins, outs = infer(
        "_contrib_SyncBatchNorm", (2, 3, 4), None, None, None, None, key="k"
    )
    assert ins[1:] == [(3,)] * 4 and outs == [(2, 3, 4)]
    _, outs = infer("im2col", (2, 3, 5, 6), kernel=(3, 2))
    assert outs == [(2, 18, 15)]
    _, outs = infer("col2im", (2, 18, 15), output_size=(5, 6), kernel=(3, 2))
    assert outs == [(2, 3, 5, 6)]
    with pytest.raises(MXNetError, match="needs 15"):
        infer("col2im", (2, 18, 14), output_size=(5, 6), kernel=(3, 2))


def test_errors_are_clear():
    x = mx.nd.zeros((1, 2, 5, 5))
    with pytest.raises(MXNetError, match="offset has shape"):
        mx.nd.contrib.DeformableConvolution(
            x,
            mx.nd.zeros((1, 9, 5, 5)),
            mx.nd.zeros((2, 2, 3, 3)),
            mx.nd.zeros(2),
            kernel=(3, 3),
            num_filter=2,
            pad=(1, 1),
        )
    with pytest.raises(MXNetError, match="one image per call"):
        mx.nd.contrib.Proposal(
            mx.nd.zeros((2, 2, 3, 3)),
            mx.nd.zeros((2, 4, 3, 3)),
            mx.nd.zeros((2, 3)),
            scales=(8,),
            ratios=(1,),
        )
    with pytest.raises(MXNetError, match="output_dim"):
        mx.nd.contrib.PSROIPooling(
            x,
            mx.nd.array([[0, 0, 0, 4, 4]]),
            spatial_scale=1.0,
            output_dim=3,
            pooled_size=2,
        )
