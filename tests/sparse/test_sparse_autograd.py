"""Autograd through row_sparse / csr arrays against MXNet 1.9.1 (fixtures
``sparse_autograd``, issue 13): operators recorded on sparse variables keep
MXNet's output storage types; ``backward`` writes the gradient of the dense
equivalent in the gradient buffer's storage type (every element, stored or
not), with the rows MXNet stores; ``attach_grad(stype=)``; ``dot`` with a csr
operand; a row_sparse Parameter trained through ``row_sparse_data`` and the
Trainer's kvstore on two contexts (lazy updates)."""

from __future__ import annotations

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from tests.conftest import fixture_names
from tests.conftest import load_fixture

FAMILY = "sparse_autograd"
UNARY = {
    "exp": lambda x: nd.exp(x),
    "half": lambda x: x / 2,
    "square_pow": lambda x: x**2,
    "mul_scalar": lambda x: x * 3,
    "sqrt": lambda x: nd.sqrt(x),
    "negative": lambda x: -x,
    "abs": lambda x: nd.abs(x),
    "relu": lambda x: nd.relu(x),
    "sum": lambda x: nd.sum(x),
    "tostype_default": lambda x: x.tostype("default") * 2,
}
BINARY = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "sub": lambda x, y: x - y,
    "compose": lambda x, y: x + x * y,
    "elemwise_add": lambda x, y: nd.elemwise_add(x, y),
    "elemwise_mul": lambda x, y: nd.elemwise_mul(x, y),
}
STYPES = ("default", "row_sparse", "csr")


def _names(prefix):
    return [n for n in fixture_names(FAMILY) if n.startswith(prefix)]


def _check_grad(g, f, key="grad"):
    assert g.stype == f[f"{key}_stype"]
    np.testing.assert_allclose(g.asnumpy(), f[f"{key}_dense"], rtol=1e-6, atol=1e-7)
    if f"{key}_rows" in f:
        np.testing.assert_array_equal(g.indices.asnumpy(), f[f"{key}_rows"])


def _recorded(fn, arrays):
    grads = [nd.zeros_like(x) for x in arrays]
    mx.autograd.mark_variables(arrays, grads)
    with mx.autograd.record():
        y = fn(*arrays)
    y.backward()
    return y, grads


@pytest.mark.parametrize("name", _names("unary_"))
def test_unary_gradient_matches_mxnet(name):
    f = load_fixture(FAMILY, name)
    op, stype = next(
        (op, name[len(f"unary_{op}_") :])
        for op in sorted(UNARY, key=len, reverse=True)
        if name.startswith(f"unary_{op}_")
    )
    x = nd.array(f["x"]).tostype(stype)
    y, (g,) = _recorded(UNARY[op], [x])
    assert y.stype == f["out_stype"]
    np.testing.assert_allclose(y.asnumpy(), f["out"], rtol=1e-6)
    _check_grad(g, f)
    # the recorded output equals the unrecorded one (MXNet test_unary_func)
    np.testing.assert_array_equal(y.asnumpy(), UNARY[op](x).asnumpy())


@pytest.mark.parametrize("name", _names("binary_"))
def test_binary_gradients_match_mxnet(name):
    f = load_fixture(FAMILY, name)
    rest = name[len("binary_") :]
    op = next(o for o in sorted(BINARY, key=len, reverse=True) if rest.startswith(o))
    sx, sy = next((a, b) for a in STYPES for b in STYPES if rest == f"{op}_{a}_{b}")
    x, y = nd.array(f["x"]).tostype(sx), nd.array(f["y"]).tostype(sy)
    z, (gx, gy) = _recorded(BINARY[op], [x, y])
    assert z.stype == f["out_stype"]
    np.testing.assert_allclose(z.asnumpy(), f["out"], rtol=1e-6)
    assert (gx.stype, gy.stype) == (f["gx_stype"], f["gy_stype"])
    np.testing.assert_allclose(gx.asnumpy(), f["gx"], rtol=1e-6)
    np.testing.assert_allclose(gy.asnumpy(), f["gy"], rtol=1e-6)


def test_fixture_counts():
    assert len(_names("unary_")) == 30
    assert len(_names("binary_")) == 54
    assert len(_names("attach_")) == 13
    assert len(_names("dot_")) == 4
    assert len(_names("trainer_")) == 3


@pytest.mark.parametrize(
    "name", sorted(set(_names("attach_")) - {"attach_grad_stypes"})
)
def test_attach_grad_on_sparse_arrays(name):
    f = load_fixture(FAMILY, name)
    _, st, gs = name.split("_", 2)
    st = {"row": "row_sparse"}.get(st, st)
    gs = gs.removeprefix("sparse_")
    gs = None if gs == "None" else gs
    x = nd.zeros((3, 2), stype=st)
    assert x.grad is None
    x.attach_grad(stype=gs)
    assert (
        x.grad.stype
        == load_fixture(FAMILY, "attach_grad_stypes")["stypes"][f"{st}:{gs}"]
    )
    assert x.detach().stype == st and x.detach().grad is None
    with mx.autograd.record():
        y = x * 2
        assert y.grad is None
    y.backward(out_grad=nd.ones_like(y).tostype(st))
    assert y.stype == f["y_stype"]
    _check_grad(x.grad, f)


@pytest.mark.parametrize("name", _names("dot_"))
def test_dot_with_csr_gradient(name):
    f = load_fixture(FAMILY, name)
    rst = "row_sparse" if "row_sparse" in name else "default"
    r = nd.array(f["rhs"]).tostype(rst)
    r.attach_grad(stype="row_sparse")
    left = nd.array(f["lhs"]).tostype("csr")
    with mx.autograd.record():
        y = nd.dot(left, r, transpose_a=bool(f["transpose_a"]))
    y.backward(out_grad=nd.array(f["head"]))
    assert y.stype == f["out_stype"]
    np.testing.assert_allclose(y.asnumpy(), f["out"], rtol=1e-5, atol=1e-6)
    _check_grad(r.grad, f)


@pytest.mark.parametrize("name", _names("trainer_"))
def test_row_sparse_parameter_trains_through_kvstore(name):
    f = load_fixture(FAMILY, name)
    ctxs = [mx.cpu(0), mx.cpu(1)]
    p = mx.gluon.Parameter("w", shape=(8, 3), stype="row_sparse",
                           grad_stype="row_sparse")  # fmt: skip
    p.initialize(init=mx.init.Zero(), ctx=ctxs)
    p.set_data(nd.array(f["w0"]))
    tr = mx.gluon.Trainer([p], str(f["opt"]), dict(f["params"]), kvstore="device")
    for i, (step_idx, step_heads) in enumerate(zip(f["idx"], f["heads"], strict=True)):
        for c, x, h in zip(ctxs, step_idx, step_heads, strict=True):
            xi = nd.array(x, ctx=c)
            with mx.autograd.record():
                w = p.row_sparse_data(xi)
                y = nd.Embedding(xi, w, input_dim=8, output_dim=3, sparse_grad=True)
            y.backward(nd.array(h, ctx=c))
        tr.step(2)
        got = p.row_sparse_data(nd.arange(8, ctx=mx.cpu(0)))
        np.testing.assert_allclose(got.asnumpy(), f["steps"][i], rtol=1e-5, atol=1e-6)
        grads = np.stack([g.asnumpy() for g in p.list_grad()])
        np.testing.assert_allclose(grads, f["grads"][i], rtol=1e-6)
    assert [g.indices.asnumpy().tolist() for g in p.list_grad()] == f["grad_rows_last"]


def test_row_sparse_data_is_the_parameters_variable():
    # MXNet: row_sparse_data pulls the rows into the parameter's own array,
    # so the gradient of whatever is computed from it reaches the Parameter
    p = mx.gluon.Parameter("w", shape=(4, 2), stype="row_sparse",
                           grad_stype="row_sparse")  # fmt: skip
    p.initialize(init=mx.init.One())
    mx.gluon.Trainer([p], "sgd", {"learning_rate": 1.0})
    w = p.row_sparse_data(nd.array([2, 0]))
    assert w is p._raw_data() and w.indices.asnumpy().tolist() == [0, 2]
    with mx.autograd.record():
        y = (w * 3).sum()
    y.backward()
    g = p.grad()
    assert g.stype == "row_sparse"
    np.testing.assert_array_equal(g.asnumpy(), np.full((4, 2), 3.0))


def test_sparse_output_of_a_recording_feeds_a_later_op():
    x = nd.array([[1.0, 0.0], [0.0, 0.0], [2.0, 3.0]]).tostype("row_sparse")
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2  # row_sparse, recorded
        assert y.stype == "row_sparse"
        z = nd.sum(nd.exp(y))
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * np.exp(2 * x.asnumpy()), rtol=1e-6)


def test_grad_function_on_a_sparse_variable():
    x = nd.array([[1.0, 0.0], [0.0, 4.0]]).tostype("csr")
    x.attach_grad()
    with mx.autograd.record():
        y = nd.sum(x * x)
    (g,) = mx.autograd.grad(y, [x])
    np.testing.assert_allclose(g.asnumpy(), 2 * x.asnumpy())
    assert (x.grad.asnumpy() == 0).all()  # grad() leaves the buffer alone


def test_not_recorded_outside_record():
    x = nd.ones((2, 2)).tostype("row_sparse")
    x.attach_grad()
    y = x * 2
    with pytest.raises(mx.base.MXNetError, match="not in a computational graph"):
        y.backward()


def test_sparse_result_of_a_consumed_graph_is_a_constant_later():
    # MXNet: after backward (no retain_graph) arrays computed by the graph are
    # constants to a later recording; a second backward through it fails
    x = nd.array([[1.0, 0.0], [2.0, 3.0]]).tostype("row_sparse")
    x.attach_grad()
    with mx.autograd.record():
        y = x * 2
        z = nd.sum(y)
    z.backward()
    with mx.autograd.record():
        w = nd.sum(y * x)
    w.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), 2 * x.asnumpy())
    with pytest.raises(mx.base.MXNetError, match="second time"):
        z.backward()


@pytest.mark.parametrize("sparse_grad", [True, False])
def test_embedding_on_a_row_sparse_variable_reads_stored_rows(sparse_grad):
    # rows not stored read as zeros; the gradient is the dense one (rows
    # looked up), written row_sparse
    w = nd.array([[1.0, 2.0], [0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    x = nd.array([[2, 1], [2, 0]])
    ws = w.tostype("row_sparse")
    ws.attach_grad()
    wd = w.copy()
    wd.attach_grad()
    head = nd.array(np.arange(8, dtype="float32").reshape(2, 2, 2))
    for weight in (ws, wd):
        with mx.autograd.record():
            y = nd.Embedding(x, weight, input_dim=4, output_dim=2,
                             sparse_grad=sparse_grad)  # fmt: skip
        y.backward(head)
        np.testing.assert_array_equal(y.asnumpy(), w.asnumpy()[x.asnumpy().astype(int)])
    assert ws.grad.stype == "row_sparse"
    np.testing.assert_array_equal(ws.grad.asnumpy(), wd.grad.asnumpy())
    assert ws.grad.indices.asnumpy().tolist() == [0, 1, 2]
