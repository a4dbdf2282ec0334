"""Control flow in graphs (``sym.contrib.foreach/while_loop/cond``) against MXNet 1.9.1.

Fixtures: ``tools/fixtures/control_flow.py`` (the Gluon blocks are defined
there and run unchanged on MXNet and on neogluon).
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest

import neogluon as mx
from neogluon.attribute import AttrScope
from neogluon.base import MXNetError
from tests.conftest import load_fixture
from tools.fixtures import control_flow as cf

FAM = "control_flow"
SYM_CASES = ["foreach_nested", "foreach_cut", "while_free", "cond_two"]
GLUON_CASES = list(cf.GLUON_CASES)
RTOL, ATOL = 1e-5, 1e-5


def _rows(a, valid: int):
    return a if valid < 0 else a[:valid]


def _count(f: dict, prefix: str) -> int:
    return len([k for k in f if k.startswith(prefix)])


# --------------------------------------------------------------------------- symbols
@pytest.fixture(scope="module")
def sym_cases():
    return cf.sym_cases(mx)


@pytest.mark.parametrize("name", SYM_CASES)
def test_symbol_json_is_mxnets(name, sym_cases):
    f = load_fixture(FAM, f"sym_{name}")
    sym, shapes = sym_cases[name]
    assert sym.tojson() == f["symbol_json"]
    assert sym.list_outputs() == f["list_outputs"]
    assert sym.list_arguments() == f["list_arguments"]
    loaded = mx.sym.load_json(f["symbol_json"])
    assert loaded.tojson() == f["symbol_json"]
    args, outs, _ = loaded.infer_shape_partial(**shapes)
    assert [list(s) for s in args] == f["arg_shapes"]
    for mine, ref in zip(outs, f["out_shapes"], strict=True):
        # MXNet leaves _while_loop/_cond outputs unknown until run time;
        # neogluon infers them through the subgraphs.
        assert ref == [] or list(mine) == ref
        assert all(mine)


@pytest.mark.parametrize("name", SYM_CASES)
def test_symbol_runs_as_mxnet(name):
    """MXNet's JSON, bound and run: outputs and (where MXNet has them) gradients."""
    f = load_fixture(FAM, f"sym_{name}")
    sym = mx.sym.load_json(f["symbol_json"])
    args = {n: mx.nd.array(f[f"arg:{n}"]) for n in sym.list_arguments()}
    grads = {n: mx.nd.zeros(a.shape) for n, a in args.items()}
    ex = sym.bind(mx.cpu(), args, args_grad=grads)
    outs = ex.forward(is_train=True)
    for k, o in enumerate(outs):
        valid = f["valid"][k]
        np.testing.assert_allclose(
            _rows(o.asnumpy(), valid), _rows(f[f"out_{k}"], valid), RTOL, ATOL
        )
        if valid >= 0:  # while_loop's rows after the last step: zeros here
            assert not o.asnumpy()[valid:].any()
    ex.backward([mx.nd.array(f[f"head_{k}"]) for k in range(len(outs))])
    if _count(f, "grad:"):
        for n, g in grads.items():
            np.testing.assert_allclose(g.asnumpy(), f[f"grad:{n}"], RTOL, ATOL)


def test_gradients_without_mxnet_reference_match_finite_differences():
    """foreach/while_loop with free variables (MXNet 1.9.1 cannot bind their
    backward): torch's gradients against central differences in float64."""
    f = load_fixture(FAM, "sym_foreach_cut")
    sym = mx.sym.load_json(f["symbol_json"])
    args = {
        n: mx.nd.array(f[f"arg:{n}"], dtype="float64") for n in sym.list_arguments()
    }
    heads = [mx.nd.array(f[f"head_{k}"], dtype="float64") for k in range(3)]

    def loss(values):
        ex = sym.bind(mx.cpu(), values)
        outs = ex.forward()
        return sum(
            float((o * h).sum().asscalar()) for o, h in zip(outs, heads, strict=True)
        )

    grads = {n: mx.nd.zeros(a.shape, dtype="float64") for n, a in args.items()}
    ex = sym.bind(mx.cpu(), args, args_grad=grads)
    ex.forward(is_train=True)
    ex.backward(heads)
    eps = 1e-6
    for n, a in args.items():
        flat = a.asnumpy().ravel()
        num = np.zeros_like(flat)
        for i in range(flat.size):
            vals = []
            for d in (eps, -eps):
                x = flat.copy()
                x[i] += d
                moved = dict(args)
                moved[n] = mx.nd.array(x.reshape(a.shape), dtype="float64")
                vals.append(loss(moved))
            num[i] = (vals[0] - vals[1]) / (2 * eps)
        np.testing.assert_allclose(grads[n].asnumpy().ravel(), num, 1e-5, 1e-6)


def test_foreach_with_unknown_dim():
    data = mx.sym.var("data", shape=(0, 3, 32, 32))
    outs, states = mx.sym.contrib.foreach(
        lambda d, s: (d + s[0], [s[0] * 2]), data, [mx.sym.var("state")]
    )
    _, out_shapes, _ = outs.infer_shape_partial()
    assert out_shapes[0] == (0, 3, 32, 32)
    args, out_shapes, _ = mx.sym.Group([outs, states[0]]).infer_shape(
        data=(5, 3, 32, 32)
    )
    assert args == [(5, 3, 32, 32), (3, 32, 32)]
    assert out_shapes == [(5, 3, 32, 32), (3, 32, 32)]


def test_subgraph_names_count_per_base_name():
    AttrScope._subgraph_names = defaultdict(int)
    x = mx.sym.var("x")
    for _ in range(2):
        mx.sym.contrib.cond(x > 0, lambda: x * 2, lambda: x * 3, name="my_cond")
    assert dict(AttrScope._subgraph_names) == {
        "my_cond_pred": 2,
        "my_cond_then": 2,
        "my_cond_else": 2,
    }


# --------------------------------------------------------------------------- errors
def test_errors_are_clear():
    x, s = mx.sym.var("x"), mx.sym.var("s")
    with pytest.raises(MXNetError, match="data arrays have to be used"):
        mx.sym.contrib.foreach(lambda d, st: (st[0] * 2, st), x, [s])
    with pytest.raises(ValueError, match="max_iterations"):
        mx.sym.contrib.while_loop(lambda i: i < 3, lambda i: (None, [i + 1]), [x])
    with pytest.raises(ValueError, match="then-branch and else-branch"):
        mx.sym.contrib.cond(x > 0, lambda: [x, x], lambda: x)
    with pytest.raises(ValueError, match="format of init_states"):
        mx.sym.contrib.foreach(lambda d, st: (d, [st[0], st[0]]), x, [s])
    with pytest.raises(MXNetError, match="grouped symbol"):
        mx.sym.contrib.foreach(lambda d, st: (d, st), mx.sym.Group([x, s]), [s])
    f = load_fixture(FAM, "sym_foreach_nested")
    broken = json.loads(f["symbol_json"])
    del broken["nodes"][2]["subgraphs"]
    with pytest.raises(MXNetError, match="needs 1 subgraph"):
        mx.sym.load_json(json.dumps(broken))
    # A predicate with several elements cannot choose a branch.
    out = mx.sym.contrib.cond(x, lambda: x * 2, lambda: x * 3)
    with pytest.raises(MXNetError, match="one element"):
        out.bind(mx.cpu(), {"x": mx.nd.ones((2,))}).forward()


# --------------------------------------------------------------------------- gluon
def _load_gluon(case: str) -> tuple[dict, list, dict, list]:
    f = load_fixture(FAM, case)
    ins = [f[f"in_{i}"] for i in range(_count(f, "in_"))]
    params = {k[len("param:") :]: v for k, v in f.items() if k.startswith("param:")}
    lossw = [f[f"lossw_{k}"] for k in range(_count(f, "out_"))]
    return f, ins, params, lossw


def _check_results(f: dict, outs, grad_in: dict, grad_param: dict) -> None:
    for k, o in enumerate(outs):
        valid = f["valid"][k]
        np.testing.assert_allclose(
            _rows(o, valid), _rows(f[f"out_{k}"], valid), RTOL, ATOL
        )
    assert set(grad_in) == {int(k[len("grad_in_") :]) for k in f if "grad_in_" in k}
    for i, g in grad_in.items():
        np.testing.assert_allclose(g, f[f"grad_in_{i}"], RTOL, ATOL)
    for n, g in grad_param.items():
        np.testing.assert_allclose(g, f[f"grad:{n}"], RTOL, ATOL, err_msg=n)


@pytest.mark.parametrize("case", GLUON_CASES)
def test_hybridized_block_matches_mxnet(case, tmp_path):
    """Outputs, input and parameter gradients, and the exported JSON."""
    f, ins, params, lossw = _load_gluon(case)
    res = cf._gluon(mx, case, ins, params=params, lossw=lossw)
    _check_results(f, res["outs"], res["grad_in"], res["grad_param"])
    res["net"].export(str(tmp_path / "m"))
    assert (tmp_path / "m-symbol.json").read_text() == f["symbol_json"]


@pytest.mark.parametrize("case", GLUON_CASES)
def test_eager_block_matches_mxnet(case):
    """The same block without hybridize (nd.contrib, eager)."""
    f, ins, params, lossw = _load_gluon(case)
    net = cf.build(mx, cf.GLUON_CASES[case][0])
    net.initialize()
    arrays = [mx.nd.array(a) for a in ins]
    net(*arrays)
    for n, p in net.collect_params().items():
        p.set_data(mx.nd.array(params[n]))
    with_grad = cf.GLUON_CASES[case][3]
    for k in with_grad:
        arrays[k].attach_grad()
    with mx.autograd.record():
        outs = net(*arrays)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        loss = sum((o * mx.nd.array(w)).sum() for o, w in zip(outs, lossw, strict=True))
    loss.backward()
    _check_results(
        f,
        [o.asnumpy() for o in outs],
        {k: arrays[k].grad.asnumpy() for k in with_grad},
        {n: p.grad().asnumpy() for n, p in net.collect_params().items()},
    )


@pytest.mark.parametrize("case", GLUON_CASES)
def test_symbolblock_imports_mxnet_export(case, tmp_path):
    """MXNet's exported graph loads as a SymbolBlock and trains the same."""
    f, ins, params, lossw = _load_gluon(case)
    (tmp_path / "m-symbol.json").write_text(f["symbol_json"])
    mx.nd.save(
        str(tmp_path / "m-0000.params"),
        {f"arg:{n}": mx.nd.array(v) for n, v in params.items()},
    )
    names = [f"data{i}" for i in range(len(ins))]
    block = mx.gluon.SymbolBlock.imports(
        str(tmp_path / "m-symbol.json"), names, str(tmp_path / "m-0000.params")
    )
    arrays = [mx.nd.array(a) for a in ins]
    with_grad = cf.GLUON_CASES[case][3]
    for k in with_grad:
        arrays[k].attach_grad()
    with mx.autograd.record():
        outs = block(*arrays)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        loss = sum((o * mx.nd.array(w)).sum() for o, w in zip(outs, lossw, strict=True))
    loss.backward()
    _check_results(
        f,
        [o.asnumpy() for o in outs],
        {k: arrays[k].grad.asnumpy() for k in with_grad},
        {n: p.grad().asnumpy() for n, p in block.collect_params().items()},
    )
    # Predict mode, outside record, gives the same outputs.
    again = block(*[mx.nd.array(a) for a in ins])
    again = list(again) if isinstance(again, (list, tuple)) else [again]
    for k, o in enumerate(again):
        valid = f["valid"][k]
        np.testing.assert_allclose(
            _rows(o.asnumpy(), valid), _rows(f[f"out_{k}"], valid), RTOL, ATOL
        )
