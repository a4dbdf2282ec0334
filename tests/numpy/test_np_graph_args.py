"""``F.np`` / ``F.npx`` functions and np-Symbol methods in hybridized graphs,
called with numpy's argument forms, against MXNet 1.9.1 (issue 8, MXNet's
test_numpy_op.py).

The cases live in ``tools/fixtures/np_graph_args.py``; MXNet ran each one
hybridized and exported its graph. Here each case runs eagerly and hybridized
(MXNet's values), tracing records MXNet's operators, and MXNet's exported graph
(its attribute spellings: ``sort`` with ``is_ascend``, ``clip`` with ``-inf``,
``Custom`` ``resize_fallback``...) runs in neogluon.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as onp
import pytest

import neogluon as mx
from neogluon import np
from neogluon import npx
from neogluon.base import MXNetError

_FIX = (
    Path(__file__).resolve().parents[1] / "fixtures" / "mxnet-1.9.1" / "np_graph_args"
)
_GEN = Path(__file__).resolve().parents[2] / "tools" / "fixtures" / "np_graph_args.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("_np_graph_args_fixture", _GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_MOD = _load_generator()
_NAMES = sorted(_MOD.CASES)
_EXACT = {n for n, (_, _, exact) in _MOD.CASES.items() if exact}


@pytest.fixture(autouse=True)
def _np_mode():
    npx.set_np()
    yield
    npx.reset_np()


def _case(name):
    data = onp.load(_FIX / f"{name}.npz")
    n = len([k for k in data.files if k.startswith("in")])
    return [data[f"in{i}"] for i in range(n)], data["out"]


def _inputs(arrays):
    return [np.array(a, dtype=a.dtype) for a in arrays]


def _check(out, want, name):
    got = out.asnumpy()
    assert got.shape == want.shape, name
    if name in _EXACT:
        tol = 2e-3 if want.dtype == onp.float16 else 1e-5
        onp.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=name)


def _ops(path):
    with open(path) as f:
        return [n["op"] for n in json.load(f)["nodes"] if n["op"] != "null"]


#: graph-only cases: the eager function belongs to other work (mx.np's
#: unravel_index is not implemented eagerly yet).
_GRAPH_ONLY = {"unravel_index"}


@pytest.mark.parametrize(
    ("name", "hybridize"),
    [(n, h) for n in _NAMES for h in (False, True) if h or n not in _GRAPH_ONLY],
)
def test_np_graph_case_gives_mxnets_result(name, hybridize):
    fn, _, _ = _MOD.CASES[name]
    inputs, want = _case(name)
    net = _MOD.block(mx, fn)
    net.initialize()
    if hybridize:
        net.hybridize()
    out = net(*_inputs(inputs))
    assert isinstance(out, np.ndarray)
    _check(out, want, name)


#: MXNet 1.9.1 registers these names as aliases of one operator and records
#: the operator's own name; neogluon records the np name (a registration of
#: its own), which MXNet loads as the alias.
_AS_MXNET = {
    "_npi_cast": "Cast",
    "_npi_sort": "sort",
    "_npi_argsort": "argsort",
    "_npi_take": "take",
    "_npi_split": "_split_v2",
    "_npi_reshape": "_npx_reshape",
}


@pytest.mark.parametrize("name", _NAMES)
def test_traced_graph_records_mxnets_operators(name, tmp_path):
    fn, _, _ = _MOD.CASES[name]
    inputs, _ = _case(name)
    net = _MOD.block(mx, fn)
    net.initialize()
    net.hybridize()
    net(*_inputs(inputs))
    net.export(str(tmp_path / name))
    ours = [_AS_MXNET.get(op, op) for op in _ops(tmp_path / f"{name}-symbol.json")]
    assert sorted(ours) == sorted(_ops(_FIX / f"{name}-symbol.json"))


@pytest.mark.parametrize("name", _NAMES)
def test_mxnets_exported_graph_runs(name):
    path = _FIX / f"{name}-symbol.json"
    with open(path) as f:
        nodes = json.load(f)["nodes"]
    names = [n["name"] for n in nodes if n["op"] == "null"]
    inputs, want = _case(name)
    back = mx.gluon.SymbolBlock.imports(str(path), names)
    _check(back(*_inputs(inputs)), want, name)


def test_legacy_symbol_as_np_ndarray_builds_np_graphs():
    a = mx.sym.Variable("a").as_np_ndarray()
    assert type(a) is mx.sym.np._Symbol
    out = mx.sym.np.dot(a, mx.sym.Variable("b").as_np_ndarray()).as_nd_ndarray()
    assert type(out) is mx.sym.Symbol
    assert _json_ops(out) == ["_np_dot"]
    assert _json_ops(a.cumsum(axis=0)) == ["_np_cumsum"]
    # numpy's flatten (1-d), not the legacy Flatten (2-d)
    assert _json_ops(a.flatten()) == ["_np_reshape"]


def _json_ops(sym):
    return [n["op"] for n in json.loads(sym.tojson())["nodes"] if n["op"] != "null"]


def test_zero_size_creation_in_a_graph_is_a_real_extent():
    class Z(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return x + F.np.zeros((2, 0, 2)), F.np.identity(0), F.np.ones(())

    net = Z()
    net.hybridize()
    outs = net(np.ones((2, 0, 2)))
    assert [o.shape for o in outs] == [(2, 0, 2), (0, 0), ()]
    assert all(isinstance(o, np.ndarray) for o in outs)


def test_resize_and_multivariate_normal_of_zero_size():
    class R(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x, m, c):
            return F.np.resize(x, (2, 2)), F.np.random.multivariate_normal(m, c, (2, 0))

    net = R()
    net.hybridize()
    r, s = net(np.ones((2, 0, 1)), np.zeros((2,)), np.eye(2))
    assert r.asnumpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert s.shape == (2, 0, 2)
    assert np.resize(np.ones((2, 0)), (3,)).asnumpy().tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("hybridize", [False, True])
def test_npx_random_n_samplers_prefix_the_batch_shape(hybridize):
    class S(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, a, b):
            return (
                F.npx.random.uniform_n(a, b, batch_shape=(2, 3)),
                F.npx.random.normal_n(a, b, batch_shape=6),
                F.npx.random.uniform_n(a, b),
            )

    net = S()
    if hybridize:
        net.hybridize()
    u, n, w = net(np.zeros((2,)), np.ones((2,)))
    assert (u.shape, n.shape, w.shape) == ((2, 3, 2), (6, 2), (2,))
    assert 0 <= float(u.min()) and float(u.max()) < 1


def test_graph_argument_errors_are_clear():
    a = mx.sym.var("a").as_np_ndarray()
    with pytest.raises(ValueError, match="indices_or_sections"):
        mx.sym.np.hsplit(a, 1.5)
    with pytest.raises(ValueError, match="a_min and a_max"):
        mx.sym.np.clip(a, None, None)
    with pytest.raises(NotImplementedError, match="order"):
        mx.sym.np.sort(a, order="x")
    with pytest.raises(ValueError, match="exactly one of prob and logit"):
        mx.sym.npx.random.bernoulli()
    with pytest.raises(MXNetError, match="in place"):
        mx.sym.np.random.shuffle(a)
    with pytest.raises(ZeroDivisionError):
        mx.sym.np.arange(0, 3, 0)


# ------------------------------------------------------- eager zero-size and 0-d
def test_argmin_argmax_of_0d_and_zero_size_inputs():
    s = np.array(3.0)
    assert int(np.argmin(s, 0)) == 0 and int(np.argmax(s, -1)) == 0
    with pytest.raises(MXNetError, match="out of bounds"):
        np.argmax(s, 1)
    z = np.ones((5, 0, 3))
    assert np.argmin(z, 0).shape == (0, 3)
    assert np.argmax(z, -1).shape == (5, 0)
    for axis in (None, 1):
        with pytest.raises(MXNetError, match="empty sequence"):
            np.argmin(z, axis)


def test_max_min_of_zero_size_raise_mxnet_error():
    for shape in [(0,), (2, 0)]:
        with pytest.raises(MXNetError, match="zero-size"):
            np.ones(shape).max()
    assert float(np.array(2.0).min()) == 2.0


def test_delete_ignores_out_of_range_entries_of_an_index_array():
    # MXNet 1.9.1: np.delete(np.arange(5), np.array([-1, 2, 7])) -> [0, 1, 3, 4]
    got = np.delete(np.arange(5), np.array([-1, 2, 7], dtype="int64"))
    assert got.asnumpy().tolist() == [0.0, 1.0, 3.0, 4.0]
    assert np.delete(np.zeros((0,)), np.array([0, 0], dtype="int32")).shape == (0,)
    assert np.delete(np.arange(5), -1).asnumpy().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_hstack_of_0d_arrays():
    out = np.hstack([np.array(1.0), np.arange(2), np.array(5.0)])
    assert out.asnumpy().tolist() == [1.0, 0.0, 1.0, 5.0]


@pytest.mark.parametrize("name", ["weibull", "pareto", "power"])
def test_random_parameter_out_of_domain_is_a_value_error(name):
    op = getattr(np.random, name)
    for a in (-1, 0, np.array([1.0, -2.0])):
        with pytest.raises(ValueError, match="expect a > 0"):
            op(a=a)
    assert op(np.ones((2, 3))).shape == (2, 3)


def test_ediff1d_gives_gradients_to_array_ends():
    a, b, c = np.ones((2, 3)), np.ones((1, 2, 4)), np.ones((3,))
    for x in (a, b, c):
        x.attach_grad()
    with mx.autograd.record():
        y = np.ediff1d(a, to_end=b, to_begin=c)
    y.backward()
    assert y.shape == (16,)
    assert b.grad.asnumpy().tolist() == onp.ones((1, 2, 4)).tolist()
    assert c.grad.asnumpy().tolist() == [1.0, 1.0, 1.0]


def test_float16_cumsum_rounds_every_step_like_numpy():
    x = onp.random.RandomState(3).uniform(-1, 1, (4, 64)).astype("float16")
    got = np.cumsum(np.array(x, dtype="float16"), axis=1).asnumpy()
    assert got.dtype == onp.float16
    onp.testing.assert_array_equal(got, onp.cumsum(x, axis=1))


def test_tensorsolve_of_0d_operands_solves_a_1x1_system():
    x = np.linalg.tensorsolve(np.array(2.0), np.full((1, 1, 1), 3.0))
    assert x.shape == () and float(x) == 1.5
    x = np.linalg.tensorsolve(np.full((1, 1, 1), 2.0), np.array(3.0))
    assert x.shape == (1, 1, 1) and float(x.sum()) == 1.5


def test_deferred_weight_of_dot_gets_the_contracted_dim():
    class Lin(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.w = self.params.get("w", shape=(0, 5), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):
            return x.dot(w)

    net = Lin()
    net.initialize()
    net.hybridize()
    assert net(np.ones((2, 7))).shape == (2, 5)
    assert net.w.shape == (7, 5)


def test_mxnets_fallback_custom_ops_load_in_a_fresh_session(monkeypatch):
    import sys

    from neogluon.ops import custom

    fresh = {k: v for k, v in custom._PROPS.items() if k not in custom._BUILTIN}
    monkeypatch.setattr(custom, "_PROPS", fresh)
    monkeypatch.setattr(custom, "_SPECIALIZED", {})
    monkeypatch.delitem(sys.modules, "neogluon.numpy_op_fallback", raising=False)
    back = mx.gluon.SymbolBlock.imports(str(_FIX / "resize-symbol.json"), ["data"])
    inputs, want = _case("resize")
    _check(back(*_inputs(inputs)), want, "resize")
    assert "resize_fallback" in custom.registered_types()


@pytest.mark.parametrize("hybridize", [False, True])
def test_broadcast_to_minus_two_keeps_the_input_dim(hybridize):
    class B(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.np.broadcast_to(x, (2, -2, -2))

    net = B()
    if hybridize:
        net.hybridize()
    x = np.array(onp.arange(3, dtype="float32").reshape(3, 1))
    x.attach_grad()
    with mx.autograd.record():
        y = net(x)
    y.backward()
    assert y.shape == (2, 3, 1)
    assert y.asnumpy().tolist() == [[[0.0], [1.0], [2.0]]] * 2
    assert x.grad.asnumpy().tolist() == [[2.0], [2.0], [2.0]]
