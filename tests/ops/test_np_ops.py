"""MXNet 1.9.1's NumPy-interface operators (``_npi_*`` / ``_np_*``) against
fixtures from real MXNet (``tools/fixtures/np_ops.py``).

Every case calls the operator through ``mx.nd._internal`` with its attributes
given as the strings MXNet writes into symbol JSON, and compares outputs
(shape, dtype, values) and, for float inputs, the input gradients for MXNet's
head gradient. Tolerances: float32 ``rtol=1e-4, atol=1e-5`` (linear algebra
``1e-3``), float16 ``1e-3``, float64 ``1e-6``; integers and bools exactly.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import neogluon as mx
from neogluon.base import MXNetError
from neogluon.ops import registry as R
from tests.conftest import load_fixture
from tests.ops.op_check import unpack

FAMILY = "np_ops"
_LINALG = (
    "_npi_inv",
    "_npi_det",
    "_npi_cholesky",
    "_npi_solve",
    "_npi_slogdet",
    "_npi_eigvalsh",
    "_npi_pinv",
    "_npi_tensorinv",
    "_npi_norm",
    "_npi_einsum",
    "_npi_tensordot",
    "_npi_matmul",
    "_np_dot",
    "_npi_std",
    "_npi_var",
    "_npi_percentile",
    "_npi_logspace",
)


def _load():
    data = load_fixture(FAMILY, "cases")
    return data["cases"], unpack(data)


CASES, ARRAYS = _load()


def _tol(dtype, op: str) -> tuple[float, float]:
    if dtype == np.float16:
        return 2e-3, 2e-3
    if dtype == np.float64:
        return 1e-6, 1e-7
    if op in _LINALG:
        return 1e-3, 1e-4
    return 1e-4, 1e-5


def _check(what: str, got, want: np.ndarray, op: str) -> None:
    g = got.asnumpy() if hasattr(got, "asnumpy") else np.asarray(got)
    assert g.shape == want.shape, f"{what}: shape {g.shape} != {want.shape}"
    assert g.dtype == want.dtype, f"{what}: dtype {g.dtype} != {want.dtype}"
    if want.dtype.kind in "fc":
        rt, at = _tol(want.dtype, op)
        np.testing.assert_allclose(g, want, rtol=rt, atol=at, err_msg=what)
    else:
        np.testing.assert_array_equal(g, want, err_msg=what)


def _fn(op: str):
    return getattr(mx.nd._internal, op)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_op_matches_mxnet(case):
    name, op = case["name"], case["op"]
    xs = [
        mx.nd.array(ARRAYS[f"{name}.in{i}"], dtype=ARRAYS[f"{name}.in{i}"].dtype)
        for i in range(case["n_in"])
    ]
    for i in case["grad"]:
        xs[i].attach_grad()
    with mx.autograd.record():
        out = _fn(op)(*xs, **case["attrs"])
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    assert len(outs) == case["n_out"]
    for i, o in enumerate(outs):
        _check(f"{name} output {i}", o, ARRAYS[f"{name}.out{i}"], op)
    if case["grad"]:
        hgs = [mx.nd.array(ARRAYS[f"{name}.hg{i}"]) for i in range(len(outs))]
        hgs = [h.astype(o.dtype) for h, o in zip(hgs, outs, strict=True)]
        mx.autograd.backward(outs, hgs)
        for k, i in enumerate(case["grad"]):
            if i in case.get("unchecked_grad", ()):
                continue  # MXNet's gradient is wrong here (see the generator)
            _check(
                f"{name} grad of input {i}", xs[i].grad, ARRAYS[f"{name}.grad{k}"], op
            )


def test_svd_singular_values_and_reconstruction():
    a = ARRAYS["svd.in"]
    ut, s, v = mx.nd._internal._npi_svd(mx.nd.array(a))
    np.testing.assert_allclose(s.asnumpy(), ARRAYS["svd.s"], rtol=1e-4, atol=1e-5)
    rec = np.einsum("bij,bj,bjk->bik", ut.asnumpy(), s.asnumpy(), v.asnumpy())
    np.testing.assert_allclose(rec, a, rtol=1e-4, atol=1e-4)
    with pytest.raises(MXNetError, match="M <= N"):
        mx.nd._internal._npi_svd(mx.nd.ones((4, 3)))


# --------------------------------------------------------------------------- dtypes
DTYPES = load_fixture(FAMILY, "dtypes")["table"]
_PROMOTING = ("add", "subtract", "multiply", "mod", "power", "true_divide")


@pytest.mark.parametrize("key", sorted(DTYPES))
def test_result_dtype_matches_mxnet(key):
    op, a, b = key.split("|")
    want = DTYPES[key]
    if op.endswith("_scalar"):
        is_int = b == "True"
        args = (
            [mx.nd.ones((2,), dtype=a)],
            {"scalar": 2 if is_int else 2.5, "is_int": is_int},
        )
    else:
        args = ([mx.nd.ones((2,), dtype=a), mx.nd.ones((2,), dtype=b)], {})
    fn = _fn(f"_npi_{op}")
    if want == "ERR" and op in _PROMOTING and f"add|{a}|{b}" in DTYPES:
        # MXNet 1.9.1 infers these mixed pairs (as add does) but its kernels
        # refuse them at run time ("not implemented yet"); neogluon computes
        # them in the dtype MXNet's own inference gives.
        want = DTYPES[f"add|{a}|{b}"]
        if op == "true_divide" and not np.dtype(want).kind == "f":
            want = "float32"
    if want == "ERR":
        with pytest.raises(MXNetError):
            fn(*args[0], **args[1]).asnumpy()
        return
    got = fn(*args[0], **args[1])
    assert np.dtype(got.dtype).name == want
    # Symbolic inference gives the same dtype.
    opdef = R.get(f"_npi_{op}")
    attrs = opdef.parse_attrs(args[1])
    in_types = [np.dtype(x.dtype).name for x in args[0]]
    assert opdef.run_infer_type(in_types, attrs)[1][0] == want


def test_true_divide_of_ints_is_float32_by_default():
    out = mx.nd._internal._npi_true_divide(
        mx.nd.array([1, 2, 3], dtype="int32"), mx.nd.array([2, 2, 2], dtype="int32")
    )
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), [0.5, 1.0, 1.5])


# --------------------------------------------------------------------------- random
RANDOM = load_fixture(FAMILY, "random")


@pytest.mark.parametrize(
    "case",
    RANDOM["cases"],
    ids=[f"{c['op']}-{i}" for i, c in enumerate(RANDOM["cases"])],
)
def test_random_shape_and_dtype(case):
    params = [mx.nd.array(RANDOM["in0"]), mx.nd.array(RANDOM["in1"])]
    out = _fn(case["op"])(*params[: case["n_in"]], **case["attrs"])
    assert list(out.shape) == case["shape"]
    assert np.dtype(out.dtype).name == case["dtype"]
    opdef = R.get(case["op"])
    attrs = opdef.parse_attrs(case["attrs"])
    in_shapes = [tuple(p.shape) for p in params[: case["n_in"]]]
    _, outs = opdef.run_infer_shape(in_shapes, attrs)
    if outs[0] is not None:
        assert list(outs[0]) == case["shape"]


def test_random_moments():
    mx.random.seed(7)
    u = mx.nd._internal._npi_uniform(low=1.0, high=3.0, size=(20000,)).asnumpy()
    assert u.min() >= 1.0 and u.max() < 3.0 and abs(u.mean() - 2.0) < 0.03
    n = mx.nd._internal._npi_normal(loc=1.0, scale=2.0, size=(20000,)).asnumpy()
    assert abs(n.mean() - 1.0) < 0.06 and abs(n.std() - 2.0) < 0.06
    loc = mx.nd.array([[0.0], [10.0]])
    m = mx.nd._internal._npi_normal(loc, loc=None, scale=0.1, size=(2, 500)).asnumpy()
    assert abs(m[0].mean()) < 0.05 and abs(m[1].mean() - 10.0) < 0.05
    r = mx.nd._internal._npi_random_randint(low=2, high=5, shape=(1000,)).asnumpy()
    assert set(np.unique(r)) == {2, 3, 4}
    c = mx.nd._internal._npi_choice(a=10, size=(10,), replace=False).asnumpy()
    assert sorted(c.tolist()) == list(range(10))


# --------------------------------------------------------------------------- graphs
GRAPH = load_fixture(FAMILY, "graph")
GRAPH_ARRAYS = unpack(GRAPH)


@pytest.mark.parametrize("name", sorted(GRAPH["graphs"]))
def test_mxnet_graph_json_loads_infers_and_runs(name):
    g = GRAPH["graphs"][name]
    sym = mx.sym.load_json(g["json"])
    inputs = {
        k.split(".", 1)[1]: v
        for k, v in GRAPH_ARRAYS.items()
        if k.startswith(name + ".") and not k.endswith(".out")
    }
    arg_s, out_s, _ = sym.infer_shape(**{k: v.shape for k, v in inputs.items()})
    assert [list(s) for s in arg_s] == g["arg_shapes"]
    assert [list(s) for s in out_s] == g["out_shapes"]
    arg_t, out_t, _ = sym.infer_type(**{k: v.dtype for k, v in inputs.items()})
    assert [np.dtype(t).name for t in arg_t] == g["arg_types"]
    assert [np.dtype(t).name for t in out_t] == g["out_types"]
    args = {k: mx.nd.array(v, dtype=v.dtype) for k, v in inputs.items()}
    got = sym.bind(mx.cpu(), args).forward()[0]
    want = GRAPH_ARRAYS[f"{name}.out"]
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)
    assert got.shape == want.shape


def test_symbol_from_np_op_infers_and_round_trips():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    s = mx.sym._internal._npi_true_divide(x, y)
    s = mx.sym._internal._np_sum(s, axis=(1,), keepdims=True)
    _, out_t, _ = s.infer_type(x=np.int32, y=np.int32)
    assert out_t == [np.float32]
    _, out_s, _ = s.infer_shape(x=(2, 3), y=(3,))
    assert out_s == [(2, 1)]
    js = json.loads(s.tojson())
    ops = [n["op"] for n in js["nodes"]]
    assert ops == ["null", "null", "_npi_true_divide", "_np_sum"]
    assert js["nodes"][3]["attrs"]["keepdims"] == "True"
    back = mx.sym.load_json(s.tojson())
    out = back.eval(
        x=mx.nd.array([[1, 2, 3], [4, 5, 6]], dtype="int32"),
        y=mx.nd.array([2, 2, 2], dtype="int32"),
    )[0]
    np.testing.assert_allclose(out.asnumpy(), [[3.0], [7.5]])


def test_reduction_to_0d_in_graph():
    s = mx.sym._internal._npi_mean(mx.sym.var("a"))
    _, out_s, _ = s.infer_shape(a=(2, 3))
    assert out_s == [()]


# --------------------------------------------------------------------------- numpy refs
def test_pad_modes_mxnet_refuses_match_numpy():
    # MXNet 1.9.1's _npi_pad implements constant/maximum/minimum only; the other
    # NumPy modes are computed here and checked against NumPy.
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    for mode in ("edge", "reflect", "symmetric"):
        got = mx.nd._internal._npi_pad(
            mx.nd.array(a), pad_width="((1, 2), (3, 1))", mode=mode
        )
        np.testing.assert_array_equal(got.asnumpy(), np.pad(a, ((1, 2), (3, 1)), mode))


def test_boolean_mask_assign_and_insert_match_numpy():
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    m = np.array([True, False, True])
    got = mx.nd._internal._npi_boolean_mask_assign_scalar(
        mx.nd.array(a), mx.nd.array(m, dtype="bool"), value=7.0, start_axis=0
    )
    want = a.copy()
    want[m] = 7.0
    np.testing.assert_array_equal(got.asnumpy(), want)
    b = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = mx.nd._internal._npi_insert_scalar(mx.nd.array(b), val=9.0, int_ind=1, axis=1)
    np.testing.assert_array_equal(got.asnumpy(), np.insert(b, 1, 9.0, axis=1))
    c = np.arange(5, dtype=np.float32)
    for i in (-1, -5, 0, 5):
        got = mx.nd._internal._npi_insert_scalar(mx.nd.array(c), val=9.0, int_ind=i)
        np.testing.assert_array_equal(got.asnumpy(), np.insert(c, i, 9.0))


def test_npx_reshape_codes():
    f = mx.nd._internal._npi_reshape
    x = mx.nd.ones((2, 3, 4))
    assert f(x, newshape=(-2, -1)).shape == (2, 12)
    assert f(x, newshape=(-5, -2)).shape == (6, 4)
    assert f(x, newshape=(-6, 1, 2, -4)).shape == (1, 2, 3, 4)
    with pytest.raises(MXNetError, match="cannot reshape"):
        f(x, newshape=(5, -1))


def test_errors_name_op_and_fix():
    with pytest.raises(MXNetError, match="_npi_equal.*dtype"):
        mx.nd._internal._npi_equal(mx.nd.ones((2,)), mx.nd.ones((2,), dtype="int32"))
    with pytest.raises(MXNetError, match="_npi_bitwise_and.*int"):
        mx.nd._internal._npi_bitwise_and(mx.nd.ones((2,)), mx.nd.ones((2,)))
    with pytest.raises(MXNetError, match="axis 3 is out of bounds"):
        mx.nd._internal._np_sum(mx.nd.ones((2, 2)), axis=3)
    with pytest.raises(MXNetError, match="zero-size"):
        mx.nd._internal._np_max(mx.nd.ones((0,)))


def test_every_mxnet_np_op_is_registered_but_cv_io():
    names = {n for n in R.all_names() if n.startswith(("_npi_", "_np_"))}
    assert len(names) >= 227
    npx = {n for n in R.all_names() if n.startswith("_npx_")}
    assert len(npx) >= 54  # every _npx_ name of MXNet 1.9.1
    for n in ("_npi_add", "_npi_einsum", "_npi_unique", "_np_sum", "_npi_svd"):
        assert n in names


def test_scatter_set_nd_and_copyto():
    # MXNet runs these only in place (no imperative fixture); NumPy is the reference.
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    idx = np.array([[0, 2], [1, 3]])
    got = mx.nd._internal._npi_scatter_set_nd(
        mx.nd.array(a),
        mx.nd.array([9.0, 8.0]),
        mx.nd.array(idx, dtype="int32"),
        shape=(3, 4),
    )
    want = a.copy()
    want[tuple(idx)] = [9.0, 8.0]
    np.testing.assert_array_equal(got.asnumpy(), want)
    np.testing.assert_array_equal(
        mx.nd._internal._npi_copyto(mx.nd.array(a)).asnumpy(), a
    )


def test_cse_never_merges_np_samplers():
    loc = mx.sym.var("loc")
    a = mx.sym._internal._npi_normal(loc, loc=None, scale=1.0)
    b = mx.sym._internal._npi_normal(loc, loc=None, scale=1.0)
    c = mx.sym._internal._npi_exp(loc) + mx.sym._internal._npi_exp(loc)
    exe = mx.sym.Group([a, b, c]).bind(mx.cpu(), {"loc": mx.nd.zeros((50,))})
    ops = [n["op"] for n in json.loads(exe.get_optimized_symbol().tojson())["nodes"]]
    assert ops.count("_npi_normal") == 2  # two independent draws
    assert ops.count("_npi_exp") == 1  # deterministic ops are still merged
    out = exe.forward()
    assert not np.array_equal(out[0].asnumpy(), out[1].asnumpy())


def test_npx_constraint_check_raises_value_error():
    with pytest.raises(ValueError, match="scale must be positive"):
        mx.nd._internal._npx_constraint_check(
            mx.nd.array([1, 0], dtype="bool"), msg="scale must be positive"
        )


def test_cse_never_merges_npx_dropout():
    x = mx.sym.var("x")
    a = mx.sym._internal._npx_dropout(x, p=0.5)
    b = mx.sym._internal._npx_dropout(x, p=0.5)
    exe = mx.sym.Group([a, b]).bind(mx.cpu(), {"x": mx.nd.ones((4,))})
    ops = [n["op"] for n in json.loads(exe.get_optimized_symbol().tojson())["nodes"]]
    assert ops.count("_npx_dropout") == 2


# Operators whose MXNet gradients are wrong (docs/mxnet-behaviours.md, "Behaviours not
# copied"): their autograd gradients are checked by central differences in float64.
_FD_CASES = [
    ("_npi_std", [(2, 4)], {"axis": 1}),
    ("_npi_var", [(3, 4)], {"axis": 0, "ddof": 1}),
    ("_npi_rot90", [(2, 3)], {"k": 1, "axes": (0, 1)}),
    ("_npi_matmul", [(2, 1, 2, 3), (3, 3, 4)], {}),
    ("_npi_average", [(2, 3)], {"weighted": False, "axis": 1}),
    ("_npi_average", [(2, 3), (3,)], {"axis": 1}),
    ("_npi_rarctan2_scalar", [(2, 3)], {"scalar": 1.5, "is_int": False}),
    ("_np_atleast_2d", [(3,)], {"num_args": 1}),
]


@pytest.mark.parametrize("op,shapes,attrs", _FD_CASES, ids=[c[0] for c in _FD_CASES])
def test_gradients_mxnet_gets_wrong_match_finite_differences(op, shapes, attrs):
    rng = np.random.RandomState(0)
    xs = [rng.uniform(0.5, 1.5, size=s) for s in shapes]
    fn = _fn(op)

    def loss(arrays, head=None):
        out = fn(*[mx.nd.array(a, dtype="float64") for a in arrays], **attrs)
        out = out[0] if isinstance(out, list) else out
        return out, float((out.asnumpy() * head).sum()) if head is not None else None

    out, _ = loss(xs)
    head = rng.normal(size=out.shape)
    nds = [mx.nd.array(a, dtype="float64") for a in xs]
    for x in nds:
        x.attach_grad()
    with mx.autograd.record():
        y = fn(*nds, **attrs)
        y = y[0] if isinstance(y, list) else y
    y.backward(mx.nd.array(head, dtype="float64"))
    eps = 1e-6
    for k, a in enumerate(xs):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [x.copy() for x in xs]
            minus = [x.copy() for x in xs]
            plus[k][idx] += eps
            minus[k][idx] -= eps
            num[idx] = (loss(plus, head)[1] - loss(minus, head)[1]) / (2 * eps)
        np.testing.assert_allclose(nds[k].grad.asnumpy(), num, rtol=1e-5, atol=1e-7)
