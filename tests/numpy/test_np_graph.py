"""``F.np`` / ``F.npx`` traced into graphs of MXNet's ``_npi_`` operators (issue 8).

Under ``npx.set_np()`` a hybridized block records ``_npi_*`` / ``_np_*`` /
``_npx_*`` nodes (the names MXNet 1.9.1 writes), gives the eager result, and
exports a ``-symbol.json`` that SymbolBlock.imports runs back.
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
from neogluon.gluon import nn


@pytest.fixture(autouse=True)
def _np_mode():
    npx.set_np()
    yield
    npx.reset_np()


class _Mixed(nn.HybridBlock):
    def __init__(self):
        super().__init__()
        self.dense = nn.Dense(4)

    def hybrid_forward(self, F, x):
        y = self.dense(x)
        z = F.np.concatenate([y, F.np.ones((2, 4))], axis=0)
        w = F.npx.relu(z * 2 - 0.5 + x.sum() / 10)
        s = F.np.sum(w, axis=1) + F.np.mean(w) + F.np.max(w, axis=0).sum()
        return s + F.np.matmul(w, w.T).sum() - F.np.stack([w, w]).mean(axis=(0, 2))


def _ops(path):
    with open(path) as f:
        return [n["op"] for n in json.load(f)["nodes"]]


def _x():
    return np.array(onp.arange(6, dtype="float32").reshape(2, 3) / 7 - 0.3)


def test_hybridized_np_block_matches_eager_and_records_npi_nodes(tmp_path):
    mx.random.seed(1)
    net = _Mixed()
    net.initialize()
    x = _x()
    eager = net(x).asnumpy()
    net.hybridize()
    traced = net(x)
    assert isinstance(traced, np.ndarray)
    onp.testing.assert_allclose(traced.asnumpy(), eager, rtol=1e-5, atol=1e-5)
    net.export(str(tmp_path / "net"))
    ops = _ops(tmp_path / "net-symbol.json")
    for name in (
        "_npi_ones",
        "_npi_concatenate",
        "_npi_multiply_scalar",
        "_npi_subtract_scalar",
        "_npi_true_divide_scalar",
        "_np_sum",
        "_npx_relu",
        "_npi_mean",
        "_np_max",
        "_np_transpose",
        "_npi_matmul",
        "_npi_stack",
        "_npi_add",
        "_npi_subtract",
    ):
        assert name in ops, (name, ops)
    back = mx.gluon.SymbolBlock.imports(
        str(tmp_path / "net-symbol.json"), ["data"], str(tmp_path / "net-0000.params")
    )
    onp.testing.assert_allclose(back(x).asnumpy(), eager, rtol=1e-5, atol=1e-5)


def test_sym_np_functions_name_npi_nodes():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    cases = {
        "_npi_add": mx.sym.np.add(a, b),
        "_npi_add_scalar": mx.sym.np.add(2, a),
        "_npi_rsubtract_scalar": mx.sym.np.subtract(2, a),
        "_npi_less_scalar": mx.sym.np.greater(1.5, a),
        "_npi_zeros": mx.sym.np.zeros((2, 3)),
        "_npi_full": mx.sym.np.full((2,), 7),
        "_npi_arange": mx.sym.np.arange(5),
        "_np_reshape": mx.sym.np.reshape(a, (3, 2)),
        "_np_transpose": mx.sym.np.transpose(a),
        "_npi_where": mx.sym.np.where(a, a, b),
        "_npi_where_rscalar": mx.sym.np.where(a, b, 0),
        "clip": mx.sym.np.clip(a, 0, 1),  # MXNet: an alias of clip
        "_np_dot": mx.sym.np.dot(a, b),
        "_npi_einsum": mx.sym.np.einsum("ij,jk->ik", a, b),
        "_npi_exp": mx.sym.np.exp(a),
        "softmax": mx.sym.npx.softmax(a, axis=-1),
        "_npi_swapaxes": mx.sym.np.swapaxes(a, 0, 1),
    }
    for op_name, s in cases.items():
        assert isinstance(s, mx.sym.np._Symbol)
        assert json.loads(s.tojson())["nodes"][-1]["op"] == op_name


def test_sym_np_graph_values():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    out = mx.sym.np.einsum("ij,jk->ik", a, b) + mx.sym.np.where(
        mx.sym.np.greater(a, 0.5).T, 1, -1
    )
    av = onp.array([[0.1, 0.9], [0.7, 0.2]], dtype="float32")
    bv = onp.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32")
    res = out.eval(a=np.array(av), b=np.array(bv))[0].asnumpy()
    want = av @ bv + onp.where(av.T > 0.5, 1, -1)
    onp.testing.assert_allclose(res, want, rtol=1e-6)


def test_np_symbol_reshape_keeps_legacy_codes_and_errors_clearly():
    a = mx.sym.np._Symbol(mx.sym.var("a")._outputs)
    legacy = a.reshape((0, -1))
    assert json.loads(legacy.tojson())["nodes"][-1]["op"] == "Reshape"
    assert json.loads(a.reshape(3, 2).tojson())["nodes"][-1]["op"] == "_np_reshape"
    with pytest.raises(TypeError, match="one-argument form"):
        mx.sym.np.where(a)
    with pytest.raises(TypeError, match="subscripts"):
        mx.sym.np.einsum(a, a)
    with pytest.raises(MXNetError, match="not implemented"):
        mx.sym.np.shares_memory(a, a)


def test_nd_npx_is_the_npx_operator():
    x = np.array([[-1.0, 2.0]])
    assert mx.nd.npx.relu(x).asnumpy().tolist() == [[0.0, 2.0]]


# ---------------------------------------------------------------- MXNet's graphs
_FIX = Path(__file__).resolve().parents[1] / "fixtures" / "mxnet-1.9.1" / "np_graph"
_GEN = Path(__file__).resolve().parents[2] / "tools" / "fixtures" / "np_graph.py"


def _blocks():
    spec = importlib.util.spec_from_file_location("_np_graph_fixture", _GEN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.blocks(mx)


@pytest.mark.parametrize("name", ["arith", "shapes", "reduce", "dense"])
def test_mxnet_np_graph_loads_and_matches(name):
    case = onp.load(_FIX / f"{name}.npz")
    back = mx.gluon.SymbolBlock.imports(
        str(_FIX / f"{name}-symbol.json"),
        ["data"],
        str(_FIX / f"{name}-0000.params"),
    )
    out = back(np.array(case["x"]))
    onp.testing.assert_allclose(out.asnumpy(), case["out"], rtol=1e-5, atol=1e-6)


_AS_MXNET = {"_npi_maximum_scalar": "_maximum_scalar"}


@pytest.mark.parametrize("name", ["arith", "shapes", "reduce", "dense"])
def test_traced_np_block_records_mxnets_operators(name, tmp_path):
    net = _blocks()[name]()
    net.initialize()
    net.hybridize()
    net(np.array(onp.load(_FIX / f"{name}.npz")["x"]))
    net.export(str(tmp_path / name))
    # MXNet registers _npi_maximum_scalar as an alias of _maximum_scalar, and
    # records that name; neogluon keeps its np operator (numpy type promotion),
    # whose name MXNet loads as the alias.
    ours = sorted(
        _AS_MXNET.get(op, op) for op in _ops(tmp_path / f"{name}-symbol.json")
    )
    theirs = sorted(_ops(_FIX / f"{name}-symbol.json"))
    assert ours == theirs


def test_eager_np_functions_run_the_registered_npi_operators(monkeypatch):
    from neogluon.ndarray import _np_functions
    from neogluon.ops import registry

    called = []
    real_get = registry.get

    def spy(name):
        called.append(name)
        return real_get(name)

    monkeypatch.setattr(_np_functions._reg, "get", spy)
    a = np.array([[1.0, -2.0], [3.0, 4.0]])
    # the general path (a tuple axis); the plain call's kernels are resolved
    # once (tests/numpy/test_np_fastpath.py checks they are the registered ones)
    results = {
        "_np_sum": np.sum(a, axis=0),
        "_npi_mean": np.mean(a, axis=(1,)),
        "_np_max": np.max(a),
        "_np_min": np.min(a, axis=0, keepdims=True),
        "_np_transpose": np.transpose(a),
        "_npi_matmul": np.matmul(a, a),
        "_np_dot": np.dot(a, a[0]),
        "_npi_concatenate": np.concatenate([a, a], axis=1),
        "_npi_stack": np.stack([a, a]),
    }
    av = a.asnumpy()
    want = {
        "_np_sum": av.sum(axis=0),
        "_npi_mean": av.mean(axis=1),
        "_np_max": av.max(),
        "_np_min": av.min(axis=0, keepdims=True),
        "_np_transpose": av.T,
        "_npi_matmul": av @ av,
        "_np_dot": av.dot(av[0]),
        "_npi_concatenate": onp.concatenate([av, av], axis=1),
        "_npi_stack": onp.stack([av, av]),
    }
    for name, res in results.items():
        assert name in called, name
        onp.testing.assert_allclose(res.asnumpy(), want[name], rtol=1e-6)


def test_sym_np_random_nodes():
    loc = mx.sym.var("loc")
    u = mx.sym.np.random.uniform(2, 3, size=(500,))
    assert json.loads(u.tojson())["nodes"][-1]["op"] == "_npi_uniform"
    vals = u.eval()[0].asnumpy()
    assert vals.shape == (500,) and vals.min() >= 2 and vals.max() < 3
    n = mx.sym.np.random.normal(loc, 0.001, size=(3,))
    assert n.list_arguments() == ["loc"]
    got = n.eval(loc=np.array([5.0, 6.0, 7.0]))[0].asnumpy()
    onp.testing.assert_allclose(got, [5.0, 6.0, 7.0], atol=0.02)


@pytest.mark.parametrize(
    "key",
    [
        0,
        -1,
        slice(1, None),
        (0, slice(None), -1),
        (slice(None), 1),
        (1, 2, 3),
        (-1, -1),
    ],
)
def test_np_symbol_basic_indexing(key):
    a = mx.sym.np._Symbol(mx.sym.var("a")._outputs)
    v = onp.arange(24, dtype="float32").reshape(2, 3, 4)
    out = a[key].eval(a=np.array(v))[0].asnumpy()
    assert out.shape == v[key].shape
    onp.testing.assert_array_equal(out, v[key])


def test_np_symbol_indexing_in_a_hybridized_block():
    class Pick(nn.HybridBlock):
        def hybrid_forward(self, F, x):
            return x[:, 1] * 2 + x[-1]

    net = Pick()
    x = np.array(onp.arange(9, dtype="float32").reshape(3, 3))
    eager = net(x).asnumpy()
    net.hybridize()
    onp.testing.assert_array_equal(net(x).asnumpy(), eager)
    with pytest.raises(IndexError, match="only integers, slices"):
        mx.sym.np._Symbol(mx.sym.var("a")._outputs)[[0, 1]]
