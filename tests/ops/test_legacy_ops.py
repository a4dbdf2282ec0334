"""MXNet's legacy and internal operators (Crop, SVMOutput, BatchNorm_v1,
Convolution_v1, Pooling_v1, IdentityAttachKLSparseReg, choose/fill_element_0index,
amp_multicast, slice assignment, ...) and ``nd.array`` of numeric strings vs
MXNet 1.9.1.

Fixtures: ``tools/fixtures/ops_legacy.py``. Tolerances: rtol 1e-5 / atol 1e-5
for float32 (float16 results: 1e-3, see op_check).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from tests.conftest import load_fixture
from tests.ops.op_check import check_case
from tests.ops.op_check import unpack
from tests.ops.test_contrib_more import load_more_cases

FAMILY = "ops_legacy"
CASES = load_more_cases(FAMILY, "legacy")


@pytest.mark.parametrize("path", ["nd", "sym"])
@pytest.mark.parametrize("case", [c for c, _ in CASES], ids=lambda c: c.name)
def test_matches_mxnet(case, path):
    check_case(case, rtol=1e-5, atol=1e-5, path=path)


def _sym_cases():
    data = load_fixture(FAMILY, "legacy_sym")
    arrays = unpack(data)
    out = []
    for c in data["cases"]:
        n = c["name"]
        c = dict(c)
        c["args"] = [arrays[f"{n}.arg{i}"] for i in range(c["n_arg"])]
        c["aux"] = [arrays[f"{n}.aux{i}"] for i in range(c["n_aux"])]
        c["auxpost"] = [arrays[f"{n}.auxpost{i}"] for i in range(c["n_aux"])]
        c["outs"] = [arrays[f"{n}.out{i}"] for i in range(c["n_out"])]
        if c["train"]:
            c["hgs"] = [arrays[f"{n}.hg{i}"] for i in range(c["n_out"])]
            c["grads"] = [arrays[f"{n}.grad{i}"] for i in range(c["n_arg"])]
        out.append(c)
    return out


SYM_CASES = _sym_cases()


@pytest.mark.parametrize("case", SYM_CASES, ids=lambda c: c["name"])
def test_aux_ops_in_graphs(case):
    sym = getattr(mx.sym, case["op"])(mx.sym.var("data"), name="op", **case["attrs"])
    args = {
        n: mx.nd.array(v)
        for n, v in zip(sym.list_arguments(), case["args"], strict=True)
    }
    aux = {
        n: mx.nd.array(v)
        for n, v in zip(sym.list_auxiliary_states(), case["aux"], strict=True)
    }
    grads = {n: mx.nd.zeros(v.shape) for n, v in args.items()}
    ex = sym.bind(mx.cpu(), args=args, args_grad=grads, aux_states=aux)
    outs = ex.forward(is_train=case["train"])
    for o, w in zip(outs, case["outs"], strict=True):
        np.testing.assert_allclose(o.asnumpy(), w, rtol=1e-5, atol=1e-5)
    if case["train"]:
        ex.backward([mx.nd.array(h) for h in case["hgs"]])
        for n, w in zip(sym.list_arguments(), case["grads"], strict=True):
            np.testing.assert_allclose(grads[n].asnumpy(), w, rtol=1e-5, atol=1e-5)
    for n, w in zip(sym.list_auxiliary_states(), case["auxpost"], strict=True):
        np.testing.assert_allclose(ex.aux_dict[n].asnumpy(), w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", SYM_CASES, ids=lambda c: c["name"])
def test_aux_ops_eager(case):
    # nd takes the aux states as trailing inputs (MXNet's nd frontend cannot).
    fn = getattr(mx.nd, case["op"])
    xs = [mx.nd.array(v) for v in case["args"]]
    aux = [mx.nd.array(v) for v in case["aux"]]
    for x in xs:
        x.attach_grad()
    if case["train"]:
        with mx.autograd.record():
            out = fn(*xs, *aux, **case["attrs"])
        outs = out if isinstance(out, (list, tuple)) else [out]
        mx.autograd.backward(list(outs), [mx.nd.array(h) for h in case["hgs"]])
        for x, w in zip(xs, case["grads"], strict=True):
            np.testing.assert_allclose(x.grad.asnumpy(), w, rtol=1e-5, atol=1e-5)
    else:
        out = fn(*xs, *aux, **case["attrs"])
        outs = out if isinstance(out, (list, tuple)) else [out]
    for o, w in zip(outs, case["outs"], strict=True):
        np.testing.assert_allclose(o.asnumpy(), w, rtol=1e-5, atol=1e-5)
    for a, w in zip(aux, case["auxpost"], strict=True):
        np.testing.assert_allclose(a.asnumpy(), w, rtol=1e-5, atol=1e-6)


def test_nd_array_of_numeric_strings():
    data = load_fixture(FAMILY, "nd_array_str")
    for name, (src, dt) in data["sources"].items():
        got = mx.nd.array(src) if dt is None else mx.nd.array(src, dtype=dt)
        want = data[name]
        assert got.shape == want.shape, name
        assert np.dtype(got.dtype) == want.dtype, name
        np.testing.assert_array_equal(got.asnumpy(), want, err_msg=name)
    assert len(data["rejected"]) == 3
    for src, dt in data["rejected"]:
        with pytest.raises(TypeError, match="nd.array"):
            mx.nd.array(src) if dt is None else mx.nd.array(src, dtype=dt)


def _last_op(sym) -> tuple[str, int]:
    g = json.loads(sym.tojson())
    rp = g["node_row_ptr"]
    return g["nodes"][-1]["op"], rp[-1] - rp[-2]


def test_aliases_and_graph_names_match_mxnet():
    v = mx.sym.var
    assert _last_op(mx.sym.choose_element_0index(v("a"), v("b")))[0] == "pick"
    s = mx.sym._internal._crop_assign(v("a"), v("b"), begin=(0,), end=(1,))
    assert _last_op(s)[0] == "_slice_assign"
    c = mx.sym.Crop(v("a"), v("b"), num_args=2)
    assert c.list_arguments() == ["a", "b"]
    m = mx.sym.amp_multicast(v("a"), v("b"), num_outputs=2, name="mc")
    assert m.list_outputs() == ["mc_output0", "mc_output1"]
    bn = mx.sym.BatchNorm_v1(v("d"), name="bn")
    assert bn.list_arguments() == ["d", "bn_gamma", "bn_beta"]
    assert bn.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert bn.list_outputs() == ["bn_output"]
    assert _last_op(bn) == ("BatchNorm_v1", 3)
    kl = mx.sym.IdentityAttachKLSparseReg(v("d"), name="kl")
    assert kl.list_auxiliary_states() == ["kl_moving_avg"]


def test_shape_and_type_inference():
    d = mx.sym.var("d")
    s = mx.sym.SVMOutput(d, name="svm")
    args, outs, _ = s.infer_shape(d=(4, 5))
    assert args == [(4, 5), (4,)] and outs == [(4, 5)]
    c = mx.sym.Crop(d, num_args=1, h_w=(2, 3))
    assert c.infer_shape(d=(1, 2, 5, 6))[1] == [(1, 2, 2, 3)]
    m = mx.sym.amp_multicast(mx.sym.var("a"), mx.sym.var("b"), num_outputs=2)
    _, out_types, _ = m.infer_type(a="float16", b="float32")
    assert [np.dtype(t) for t in out_types] == [np.float32, np.float32]
    bn = mx.sym.BatchNorm_v1(d)
    args, outs, aux = bn.infer_shape(d=(2, 3, 4))
    assert args[1:] == [(3,), (3,)] and aux == [(3,), (3,)]


def test_errors_are_clear():
    x = mx.nd.zeros((1, 1, 4, 4))
    with pytest.raises(MXNetError, match="offset"):
        mx.nd.Crop(x, num_args=1, h_w=(2, 2), offset=(3, 0))
    with pytest.raises(MXNetError, match="larger than"):
        mx.nd.Crop(x, num_args=1, h_w=(5, 2))
    with pytest.raises(MXNetError, match="features per sample"):
        mx.nd.IdentityAttachKLSparseReg(mx.nd.zeros((2, 3)), mx.nd.zeros(4))
