"""CSRNDArray / RowSparseNDArray API: construction, bad input, assignment,
copies, comparisons, gradients (behaviour of MXNet 1.9.1, see each test)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as spsp

import neogluon as mx
from neogluon.base import MXNetError

nd = mx.nd
DENSE = np.array([[0, 1, 0], [2, 0, 3], [0, 0, 0]], dtype=np.float32)


def test_constructors_agree():
    a = nd.sparse.csr_matrix(([1, 2, 3], [1, 0, 2], [0, 1, 3, 3]), shape=(3, 3))
    b = nd.sparse.csr_matrix(DENSE)
    c = nd.sparse.csr_matrix(spsp.csr_matrix(DENSE))
    d = nd.array(spsp.csr_matrix(DENSE))
    e = nd.sparse.csr_matrix(([1.0, 2, 3], ([0, 1, 1], [1, 0, 2])), shape=(3, 3))
    assert e.dtype == np.float64  # scipy's COO of Python floats, as in MXNet
    for x in (a, b, c, d, e):
        assert x.stype == "csr" and x.shape == (3, 3)
        np.testing.assert_array_equal(x.asnumpy(), DENSE)
        np.testing.assert_array_equal(x.indptr.asnumpy(), [0, 1, 3, 3])
    assert (a.asscipy() != spsp.csr_matrix(DENSE)).nnz == 0
    r = nd.sparse.row_sparse_array(([[2, 0, 3]], [1]), shape=(3, 3))
    np.testing.assert_array_equal(r.asnumpy(), DENSE * (np.arange(3)[:, None] == 1))
    assert nd.zeros((4, 2), stype="row_sparse").indices.shape == (0,)
    assert nd.empty((4, 2), stype="csr").indptr.asnumpy().tolist() == [0] * 5


@pytest.mark.parametrize(
    "arg, shape, match",
    [
        (([1.0, 2], [2, 2], [0, 2]), (1, 3), "not sorted and unique"),
        (([1.0, 2], [0, 5], [0, 1, 2]), (2, 3), r"column indices must lie in \[0, 3\)"),
        (([1.0, 2], [0, 1], [0, 3, 2]), (2, 3), "indptr"),
        (([1.0, 2], [0, 1], [0, 1]), (3, 3), "indptr has 2 entries, expected rows"),
        (([1.0, 2, 3], [0, 1], [0, 1, 2]), (2, 3), "one entry per stored value"),
    ],
)
def test_bad_csr_components_raise(arg, shape, match):
    with pytest.raises(MXNetError, match=match):
        nd.sparse.csr_matrix(arg, shape=shape)


def test_unsorted_csr_columns_are_sorted():
    # The same matrix (MXNet and scipy accept unsorted columns in a row);
    # neogluon stores them sorted, so every kernel sees canonical CSR.
    a = nd.sparse.csr_matrix(([1.0, 2, 3], [2, 0, 1], [0, 2, 3]), shape=(2, 3))
    np.testing.assert_array_equal(a.asnumpy(), [[2, 0, 1], [0, 3, 0]])
    np.testing.assert_array_equal(a.indices.asnumpy(), [0, 2, 1])
    np.testing.assert_array_equal(a.data.asnumpy(), [2, 1, 3])


@pytest.mark.parametrize(
    "data, idx, match",
    [
        ([[1.0], [2.0]], [3, 1], "sorted and unique"),
        ([[1.0], [2.0]], [1, 1], "sorted and unique"),
        ([[1.0], [2.0]], [1, 9], r"row indices must lie in \[0, 4\)"),
        ([[1.0], [2.0]], [1], "has 2 rows but indices has 1"),
        ([[1.0, 2.0]], [0], r"expected \(k,\) \+ \(1,\)"),
    ],
)
def test_bad_rsp_components_raise(data, idx, match):
    with pytest.raises(MXNetError, match=match):
        nd.sparse.row_sparse_array((data, idx), shape=(4, 1))


def test_wrong_shapes_raise():
    c = nd.array(DENSE).tostype("csr")
    with pytest.raises(MXNetError, match="inner dimension"):
        nd.dot(c, nd.ones((4, 2)))
    with pytest.raises(MXNetError, match="same shape"):
        nd.elemwise_add(c, nd.ones((2, 3)).tostype("csr"))
    with pytest.raises(ValueError, match="not supported"):
        c.tostype("row_sparse")
    with pytest.raises(MXNetError, match="not supported for SparseNDArray"):
        c.reshape((9,))


def test_assignment_copy_and_out():
    x = nd.zeros((3, 3), stype="row_sparse")
    x[:] = DENSE
    np.testing.assert_array_equal(x.asnumpy(), DENSE)
    x[:] = 2
    assert (x.asnumpy() == 2).all() and x.stype == "row_sparse"
    y = nd.zeros((3, 3), stype="csr")
    nd.ones((3, 3)).copyto(y)
    assert y.stype == "csr" and y.asnumpy().sum() == 9
    with pytest.raises(ValueError, match="numeric"):
        y[:] = 1
    out = nd.zeros((3, 3), stype="csr")
    nd.broadcast_add(nd.ones((3, 3)), nd.ones((3, 3)), out=out)
    assert out.stype == "csr" and (out.asnumpy() == 2).all()
    z = y.copyto(mx.cpu())
    assert z.stype == "csr" and z is not y


def test_comparisons_keep_storage_when_zero_maps_to_zero():
    c = nd.ones((2, 3)).tostype("csr")
    assert (c == 1).stype == "csr" and (c == 1).asnumpy().all()
    assert (c == 0).stype == "default" and not (c == 0).asnumpy().any()
    assert (c > 0).stype == "csr"
    assert (c < 0.5).stype == "default"


def test_sparse_grad_with_grad_req_add():
    emb = mx.gluon.nn.Embedding(6, 2, sparse_grad=True)
    emb.initialize()
    emb.weight.grad_req = "add"
    for _ in range(2):
        with mx.autograd.record():
            y = emb(nd.array([1, 3]))
        y.backward()
    g = emb.weight.grad()
    assert g.stype == "row_sparse"
    expected = np.zeros((6, 2), np.float32)
    expected[[1, 3]] = 2
    np.testing.assert_array_equal(g.asnumpy(), expected)
    emb.weight.zero_grad()
    assert emb.weight.grad().asnumpy().sum() == 0


def test_kvstore_row_sparse_pull():
    kv = mx.kv.create("local")
    kv.init("w", nd.arange(12).reshape((4, 3)))
    out = nd.sparse.zeros("row_sparse", (4, 3))
    kv.row_sparse_pull("w", out=out, row_ids=nd.array([3, 1, 1], dtype="int64"))
    assert out.indices.asnumpy().tolist() == [1, 3]
    np.testing.assert_array_equal(out.data.asnumpy(), [[3, 4, 5], [9, 10, 11]])


def test_dot_speed_path_matches_dense():
    rng = np.random.RandomState(0)
    a = (rng.rand(200, 300) < 0.02) * rng.randn(200, 300)
    b = rng.randn(300, 16)
    c = nd.array(a).tostype("csr")
    got = nd.dot(c, nd.array(b)).asnumpy()
    np.testing.assert_allclose(got, (a @ b).astype(np.float32), rtol=1e-4, atol=1e-4)


def test_sparse_dispatch_is_in_the_one_call_path():
    # nd.X is the registry's function (no wrapper); the sparse implementation
    # runs inside invoke, for nd.X, nd.op.X, nd.sparse.X and the fluent method.
    from neogluon.ndarray import _invoke

    for name in ("dot", "abs", "elemwise_add", "sgd_update"):
        fn = getattr(mx.nd, name)
        assert not hasattr(fn, "__wrapped__"), name
        assert fn.op.name in _invoke.SPARSE_IMPLS, name
    csr = mx.nd.array(np.array([[0, 2.0], [3.0, 0]])).tostype("csr")
    for res in (mx.nd.abs(csr), mx.nd.op.abs(csr), mx.nd.sparse.abs(csr), csr.abs()):
        assert res.stype == "csr"
    assert isinstance(mx.nd.NDArray.tostype, type(lambda: 0))
    assert mx.nd.zeros((2, 3), stype="row_sparse").stype == "row_sparse"
    assert mx.nd.empty((2, 3), stype="csr").stype == "csr"
    with pytest.raises(mx.base.MXNetError, match="unknown stype 'coo'"):
        mx.nd.zeros((2, 3), stype="coo")


def test_sgd_update_op_is_lazy_on_row_sparse_grad():
    w = mx.nd.ones((4, 2))
    g = mx.nd.sparse.row_sparse_array(
        (np.ones((1, 2), dtype="float32"), [2]), shape=(4, 2)
    )
    mx.nd.sgd_update(w, g, lr=0.5, wd=0.1, out=w)
    expected = np.ones((4, 2), dtype="float32")
    expected[2] = 1 - 0.5 * 0.1 - 0.5
    np.testing.assert_allclose(w.asnumpy(), expected, rtol=1e-6)
    w2 = mx.nd.ones((4, 2))
    mx.nd.sgd_update(w2, g, lr=0.5, wd=0.1, lazy_update=False, out=w2)
    assert w2.asnumpy()[0, 0] == np.float32(1 - 0.05)


def test_bad_input_in_ops_and_graphs():
    r = nd.sparse.row_sparse_array(([[1.0, 2.0]], [1]), shape=(3, 2))
    with pytest.raises(MXNetError, match=r"retain: indices must lie in \[0, 3\)"):
        nd.sparse.retain(r, nd.array([0, 5], dtype="int64"))
    with pytest.raises(MXNetError, match="must be integers"):
        nd.sparse.retain(r, [0.5])
    c = nd.array(DENSE).tostype("csr")
    x = mx.sym.var("x", stype="csr")
    ex = mx.sym.sparse.dot(x, mx.sym.var("w")).bind(
        mx.cpu(), {"x": c, "w": nd.ones((4, 2))}
    )
    with pytest.raises(MXNetError, match="dot"):
        ex.forward()
    with pytest.raises(MXNetError, match="unknown stype"):
        nd.empty((2, 2), stype="dense")
    with pytest.raises(MXNetError, match="csr storage needs a 2-D array"):
        nd.ones((2, 2, 2)).tostype("csr")
