"""Common-subexpression elimination at bind time (MXNET_ELIMINATE_COMMON_EXPR).

Graph shapes after the pass are checked against MXNet 1.9.1's bound executors
(fixture family ``symbol_cse``, built by ``tools/fixtures/symbol_cse.py``, whose
``build_cases`` builds the same graphs here); results must not change.
"""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon.symbol.cse import cse_enabled
from neogluon.symbol.cse import eliminate_common_expr
from neogluon.test_utils import environment
from tests.conftest import fixture_names
from tools.fixtures.symbol_cse import build_cases

CASES = build_cases(mx)


def _bind(sym, shapes, flag, grad_req="write", type_dict=None):
    with environment({"MXNET_ELIMINATE_COMMON_EXPR": flag}):
        return sym.simple_bind(
            ctx=mx.cpu(), grad_req=grad_req, type_dict=type_dict, **shapes
        )


def test_fixture_covers_all_cases():
    assert sorted(fixture_names("symbol_cse")) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimized_graph_matches_mxnet(case):
    from tests.conftest import load_fixture

    fx = load_fixture("symbol_cse", case)
    sym, shapes = CASES[case]
    orig = _bind(sym, shapes, "0").get_optimized_symbol()
    cse = _bind(sym, shapes, "1").get_optimized_symbol()
    assert orig.get_internals().list_outputs() == fx["orig_internals"]
    assert cse.get_internals().list_outputs() == fx["cse_internals"]
    assert orig.list_outputs() == fx["orig_outputs"]
    assert cse.list_outputs() == fx["cse_outputs"]


# MXNet's test_symbol.py::test_eliminate_common_expr: nodes saved per graph.
SAVINGS = {
    "scalar_diff": 0,
    "add_twice": 1,
    "nested": 2,
    "group_same": 0,
    "group_chain": 1,
    "dropout": 0,
}


@pytest.mark.parametrize("case", sorted(SAVINGS))
def test_savings_of_mxnet_test(case):
    sym, shapes = CASES[case]
    orig = _bind(sym, shapes, "0").get_optimized_symbol().get_internals()
    cse = _bind(sym, shapes, "1").get_optimized_symbol().get_internals()
    assert len(orig) - len(cse) == SAVINGS[case]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("grad_req", ["write", "add"])
@pytest.mark.parametrize(
    "case", sorted(c for c in CASES if c not in ("dropout", "random_like"))
)
def test_same_numbers_with_and_without(case, grad_req, dtype):
    sym, shapes = CASES[case]
    rng = np.random.RandomState(3)
    inputs = sym.list_arguments() + sym.list_auxiliary_states()
    data = {n: rng.uniform(0.1, 1.0, shapes_of(sym, shapes)[n]) for n in inputs}
    types = dict.fromkeys(sym.list_arguments(), dtype)
    results = []
    for flag in ("0", "1"):
        ex = _bind(sym, shapes, flag, grad_req=grad_req, type_dict=types)
        for n, v in data.items():
            arr = ex.arg_dict.get(n, ex.aux_dict.get(n))
            arr[:] = v.astype(arr.dtype)
        for g in ex.grad_arrays:
            if g is not None:
                g[:] = 0.5
        outs = ex.forward(is_train=True)
        ex.backward(out_grads=[mx.nd.ones_like(o) for o in outs])
        results.append(
            (
                [o.asnumpy() for o in outs],
                [None if g is None else g.asnumpy() for g in ex.grad_arrays],
            )
        )
    (outs0, grads0), (outs1, grads1) = results
    assert len(outs0) == len(outs1)
    for a, b in zip(outs0, outs1, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(grads0, grads1, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)


def shapes_of(sym, shapes):
    arg, _, aux = sym.infer_shape(**shapes)
    names = sym.list_arguments() + sym.list_auxiliary_states()
    return dict(zip(names, arg + aux, strict=True))


def test_outputs_kept_apart_are_separate_arrays():
    sym, shapes = CASES["group_same"]
    ex = _bind(sym, shapes, "1")
    ex.arg_dict["a"][:] = 2.0
    out0, out1 = ex.forward()
    np.testing.assert_array_equal(out0.asnumpy(), np.full((3, 4), 6.0))
    out0[:] = -1.0
    np.testing.assert_array_equal(out1.asnumpy(), np.full((3, 4), 6.0))
    # output names stay those of the bound symbol
    assert list(ex.output_dict) == sym.list_outputs()


def test_default_is_on_and_flag_parsing():
    with environment({"MXNET_ELIMINATE_COMMON_EXPR": None}):
        assert cse_enabled()
    for value, expected in (("0", False), ("1", True), ("2", True), ("00", False)):
        with environment({"MXNET_ELIMINATE_COMMON_EXPR": value}):
            assert cse_enabled() is expected
    sym, shapes = CASES["add_twice"]
    with environment({"MXNET_ELIMINATE_COMMON_EXPR": None}):
        ex = sym.simple_bind(ctx=mx.cpu(), **shapes)
    assert len(ex.get_optimized_symbol().get_internals()) == 4


def test_bound_symbol_is_not_changed():
    sym, shapes = CASES["nested"]
    before = sym.tojson()
    _bind(sym, shapes, "1")
    assert sym.tojson() == before
    assert len(sym.get_internals()) == 8


def test_nothing_to_merge_returns_the_symbol():
    sym, _ = CASES["scalar_diff"]
    assert eliminate_common_expr(sym) is sym
    merged = eliminate_common_expr(CASES["deep"][0])
    assert merged is not CASES["deep"][0]
    assert len(merged.get_internals()) == 6


def test_bind_with_arrays_also_merges():
    a = mx.sym.var("a")
    b = mx.sym.var("b")
    sym = mx.sym.exp(a + b) * mx.sym.exp(a + b)
    args = {"a": mx.nd.array([1.0, 2.0]), "b": mx.nd.array([0.5, -1.0])}
    grads = {"a": mx.nd.zeros((2,)), "b": mx.nd.zeros((2,))}
    with environment({"MXNET_ELIMINATE_COMMON_EXPR": "1"}):
        ex = sym.bind(mx.cpu(), args, args_grad=grads)
    assert len(ex.get_optimized_symbol().get_internals()) == 5
    (out,) = ex.forward(is_train=True)
    ex.backward([mx.nd.ones((2,))])
    expected = np.exp(2 * np.array([1.5, 1.0]))
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(grads["a"].asnumpy(), 2 * expected, rtol=1e-6)


def _merged_size(sym, shapes):
    with environment({"MXNET_ELIMINATE_COMMON_EXPR": "1"}):
        ex = sym.simple_bind(ctx=mx.cpu(), grad_req="null", **shapes)
    return len(ex.get_optimized_symbol().get_internals())


def test_ops_declare_whether_they_merge():
    """``OpDef.cse`` decides: random draws and in-place updates stay apart,
    a density (no randomness) and a plain op merge."""
    mu, sigma = mx.sym.var("mu"), mx.sym.var("sigma")
    shapes = {"mu": (3,), "sigma": (3,)}
    draws = mx.sym.Group(
        [mx.sym.random.normal(mu, sigma), mx.sym.random.normal(mu, sigma)]
    )
    assert mx.ops.registry.get("_sample_normal").cse is False
    assert _merged_size(draws, shapes) == 4  # two vars, two sampling nodes
    w, g = mx.sym.var("w"), mx.sym.var("g")
    updates = mx.sym.Group(
        [mx.sym.sgd_update(w, g, lr=0.1), mx.sym.sgd_update(w, g, lr=0.1)]
    )
    assert _merged_size(updates, {"w": (3,), "g": (3,)}) == 4
    same = mx.sym.Group([mx.sym.exp(mu), mx.sym.exp(mu)])
    # merged into one exp, outputs kept apart by one _copy node
    assert _merged_size(same, {"mu": (3,)}) == 3
    assert mx.ops.registry.get("exp").cse is True


def test_random_and_update_ops_are_declared_unmergeable():
    """A new sampling or update operator must say ``cse=False`` where it is
    declared; names are MXNet's conventions for such ops."""
    random_prefixes = ("_random_", "_sample_", "_image_random_", "_npi_random")
    offenders = []
    for op in mx.ops.registry.list_ops():
        for name in (op.name, *op.aliases):
            drawn = name.startswith(random_prefixes) and not name.startswith(
                "_random_pdf_"
            )
            updates = name.endswith("_update") or "_update_" in name
            if (drawn or updates) and op.cse:
                offenders.append(name)
    assert offenders == []
