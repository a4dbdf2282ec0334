"""Sparse storage in graphs against MXNet 1.9.1 (fixtures ``sparse_symbol``):
exported JSON (``__storage_type__``, cast_storage, _sparse_retain, ...),
executors fed sparse arrays (output values and storage types, gradients),
simple_bind with stype_dict and inferred row_sparse gradients, a hybridized
block called on a CSR array."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from tests.conftest import fixture_names
from tests.conftest import load_fixture

EXEC = [n for n in fixture_names("sparse_symbol") if n.startswith("exec_")]


def _graph(name):
    x = mx.sym.var("x", stype="csr")
    w = mx.sym.var("w")
    r = mx.sym.var("r", stype="row_sparse")
    idx = mx.sym.var("idx")
    return {
        "dot_csr": lambda: mx.sym.sparse.dot(x, w, name="dot"),
        "dot_csr_t": lambda: mx.sym.sparse.dot(x, w, transpose_a=True, name="dott"),
        "retain": lambda: mx.sym.sparse.retain(r, idx, name="ret"),
        "cast": lambda: mx.sym.cast_storage(
            mx.sym.var("d"), stype="row_sparse", name="cs"
        ),
        "square_sum": lambda: mx.sym._internal._square_sum(
            r, axis=1, keepdims=True, name="ss"
        ),
        "add_rsp": lambda: mx.sym.sparse.elemwise_add(
            r, mx.sym.var("r2", stype="row_sparse"), name="add"
        ),
    }[name]()


def test_fixtures_present():
    assert len(EXEC) == 6


@pytest.mark.parametrize("name", EXEC)
def test_executor_matches_mxnet(name):
    f = load_fixture("sparse_symbol", name)
    sym = _graph(name[len("exec_") :])
    assert json.loads(sym.tojson()) == json.loads(str(f["json"]))
    args = {}
    for k, (st, v) in dict(f["inputs"]).items():
        a = mx.nd.array(np.array(v, dtype="float32"))
        args[k] = a.tostype(st) if st != "default" else a
    out = sym.bind(mx.cpu(), args).forward()[0]
    assert out.stype == str(f["out_stype"])
    np.testing.assert_allclose(out.asnumpy(), np.array(f["out"]), rtol=1e-5, atol=1e-6)
    if "out_indices" in f:
        np.testing.assert_array_equal(out.indices.asnumpy(), f["out_indices"])
    if "grad_w" in f:
        grads = {"w": mx.nd.zeros(args["w"].shape)}
        ex = sym.bind(
            mx.cpu(), args, args_grad=grads, grad_req={"x": "null", "w": "write"}
        )
        ex.forward(is_train=True)
        ex.backward(mx.nd.array(np.array(f["head"], dtype="float32")))
        np.testing.assert_allclose(
            grads["w"].asnumpy(), np.array(f["grad_w"]), rtol=1e-5, atol=1e-6
        )


def test_simple_bind_embedding_row_sparse_grad():
    f = load_fixture("sparse_symbol", "simple_bind_embedding")
    emb = mx.sym.Embedding(
        mx.sym.var("data"), input_dim=6, output_dim=2, sparse_grad=True, name="embed"
    )
    assert json.loads(emb.tojson()) == json.loads(str(f["json"]))
    ex = emb.simple_bind(
        mx.cpu(), grad_req={"data": "null", "embed_weight": "write"}, data=(4,)
    )
    ex.arg_dict["data"][:] = np.array([1, 3, 3, 0], dtype="float32")
    ex.arg_dict["embed_weight"][:] = f["weight"]
    ex.forward(is_train=True)
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), f["out"], rtol=1e-6)
    ex.backward(mx.nd.array(f["head"]))
    g = ex.grad_dict["embed_weight"]
    assert g.stype == str(f["grad_stype"]) == "row_sparse"
    np.testing.assert_allclose(g.asnumpy(), f["grad"], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(g.indices.asnumpy(), f["grad_indices"])


def test_simple_bind_stype_dict():
    f = load_fixture("sparse_symbol", "simple_bind_stype_dict")
    ex = mx.sym.sparse.dot(mx.sym.var("x"), mx.sym.var("w")).simple_bind(
        mx.cpu(), stype_dict={"x": "csr", "w": "default"}, x=(4, 3), w=(3, 2)
    )
    assert [a.stype for a in ex.arg_arrays] == list(f["arg_stypes"])
    assert [a.stype for a in ex.grad_arrays] == list(f["grad_stypes"])


def test_hybridized_block_on_csr():
    f = load_fixture("sparse_symbol", "hybrid_block_csr")

    class Net(mx.gluon.HybridBlock):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.w = self.params.get("w", shape=(3, 2))

        def hybrid_forward(self, F, x, w):
            return F.sparse.dot(x, w)

    net = Net(prefix="net_")
    net.initialize()
    net.w.set_data(mx.nd.array(f["w"]))
    net.hybridize()
    out = net(mx.nd.array(f["x"]).tostype("csr"))
    assert out.stype == str(f["out_stype"])
    np.testing.assert_allclose(out.asnumpy(), f["out"], rtol=1e-5, atol=1e-6)
