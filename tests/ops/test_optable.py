"""The operator table (``ops/optable.py``) drives NDArray and Symbol dunders,
the ``nd`` arithmetic functions and the ``sym`` binary functions.

These tests pin that: every operator dunder of NDArray and Symbol comes from
a table row, the ops a row names are registered and agree between frontends,
``nd.X``/``sym.X`` give what the operators give, and a new array type gets the
whole surface from its builders alone.
"""

from __future__ import annotations

import json
import operator

import numpy as np
import pytest

import neogluon as mx
from neogluon import nd
from neogluon import sym
from neogluon.base import MXNetError
from neogluon.ops import optable
from neogluon.ops import registry as reg

#: Every operator dunder Python has (numeric, comparison, unary, in-place).
_STEMS = (
    "add sub mul matmul truediv floordiv div mod divmod pow lshift rshift and xor or"
).split()
PY_DUNDERS = {
    *(f"__{p}{s}__" for s in _STEMS for p in ("", "r", "i")),
    *(f"__{s}__" for s in "eq ne lt le gt ge neg pos abs invert".split()),
}

_PY_OPS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "mod": operator.mod,
    "power": operator.pow,
    "equal": operator.eq,
    "not_equal": operator.ne,
    "greater": operator.gt,
    "greater_equal": operator.ge,
    "lesser": operator.lt,
    "lesser_equal": operator.le,
}


def _with_dunders():
    return [r for r in optable.BINARY if r.dunders]


# ------------------------------------------------------------------ the table
def test_rows_name_registered_ops_that_agree_between_frontends():
    for r in optable.BINARY:
        for name in (r.array_op, r.scalar_op, r.graph_ops.array, r.graph_ops.scalar):
            assert reg.find(name) is not None, (r.name, name)
        # Symbols add the very operator NDArrays run for ``x <op> number``.
        assert reg.get(r.graph_ops.scalar) is reg.get(r.scalar_op), r.name
        if r.graph_ops.rscalar is not None:
            assert reg.get(r.graph_ops.rscalar) is reg.get(r.rscalar_op), r.name
        if r.sym_function_rscalar is not None:
            assert reg.get(r.sym_function_rscalar) is reg.get(r.rscalar_op)
        if r.symmetric:
            assert r.graph_ops.rscalar is None
    names = [r.name for r in optable.BINARY]
    assert len(names) == len(set(names))
    assert optable.row("greater").rscalar_op == "_lesser_scalar"


@pytest.mark.parametrize(
    ("cls", "inplace"), [(nd.NDArray, True), (sym.Symbol, False)], ids=["nd", "sym"]
)
def test_every_operator_dunder_comes_from_the_table(cls, inplace):
    declared = optable.dunder_names(inplace)
    for name, r in declared.items():
        assert getattr(cls, name).optable_row is r, name
    # No operator dunder is written by hand on the class.
    own = {n for n in vars(cls) if n in PY_DUNDERS}
    assert own == set(declared), own ^ set(declared)
    if not inplace:
        assert not any(n.startswith("__i") for n in own)


def test_symmetric_rows_share_one_method():
    assert nd.NDArray.__radd__ is nd.NDArray.__add__
    assert nd.NDArray.__rmul__ is nd.NDArray.__mul__
    assert nd.NDArray.__div__ is nd.NDArray.__truediv__
    assert nd.NDArray.__rsub__ is not nd.NDArray.__sub__
    assert sym.Symbol.__radd__ is sym.Symbol.__add__


def test_a_new_array_type_gets_the_whole_surface_from_builders():
    class Toy:
        def __init__(self, v):
            self.v = v

    def binary(r):
        return lambda self, other: ("fwd", r.name, self.v, other)

    def reflected(r):
        return lambda self, other: ("rev", r.rscalar_op, self.v, other)

    def unary(u):
        return lambda self: ("unary", u.op, self.v)

    def inplace(r):
        return lambda self, other: ("inplace", r.array_op, self.v, other)

    optable.install_operators(Toy, binary, reflected, unary, inplace)
    own = {n for n in vars(Toy) if n in PY_DUNDERS}
    assert own == {n for n in vars(nd.NDArray) if n in PY_DUNDERS}
    t = Toy(3)
    assert t + 1 == ("fwd", "add", 3, 1)
    assert 1 + t == ("fwd", "add", 3, 1)
    assert 2 - t == ("rev", "_rminus_scalar", 3, 2)
    assert 2**t == ("rev", "_rpower_scalar", 3, 2)
    assert (5 > t) == ("fwd", "lesser", 3, 5)  # Python mirrors comparisons
    assert -t == ("unary", "negative", 3)
    assert Toy.__iadd__(t, 4) == ("inplace", "broadcast_add", 3, 4)
    f = optable.make_function(
        optable.row("greater"), "greater", Toy, binary(optable.row("greater")), None
    )
    assert f(2, 3) == 0
    assert f(t, 1) == ("fwd", "greater", 3, 1)
    with pytest.raises(TypeError, match="not supported"):
        f("a", t)


# ------------------------------------------------------------------ NDArray
_A = np.array([[1.5, -2.0, 3.0], [4.0, -0.5, 6.0]], dtype=np.float32)
_B = np.array([[2.0], [-3.0]], dtype=np.float32)
_AI = np.array([[7, -8, 9], [2, -3, 4]], dtype=np.int32)
_BI = np.array([[2], [-3]], dtype=np.int32)


@pytest.mark.parametrize("r", _with_dunders(), ids=lambda r: r.name)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_nd_dunders_run_the_registered_ops(r, dtype):
    a_np, b_np = (_A, _B) if dtype == "float32" else (_AI, _BI)
    a, b = nd.array(a_np, dtype=dtype), nd.array(b_np, dtype=dtype)
    op = _PY_OPS[r.name]
    internal = nd._internal
    want = getattr(nd, r.array_op)(a, b).asnumpy()
    np.testing.assert_array_equal(op(a, b).asnumpy(), want)
    want = getattr(internal, r.scalar_op)(a, scalar=3).asnumpy()
    np.testing.assert_array_equal(op(a, 3).asnumpy(), want)
    np.testing.assert_array_equal(op(a, 3.0).asnumpy(), want)
    rop = r.rscalar_op or r.scalar_op
    want = getattr(internal, rop)(a, scalar=3).asnumpy()
    np.testing.assert_array_equal(op(3, a).asnumpy(), want)
    # The slow path (an attached variable, outside record) agrees.
    v = a.copy()
    v.attach_grad()
    np.testing.assert_array_equal(op(v, b).asnumpy(), op(a, b).asnumpy())
    np.testing.assert_array_equal(op(v, 3.0).asnumpy(), op(a, 3.0).asnumpy())


@pytest.mark.parametrize("r", optable.BINARY, ids=lambda r: r.name)
def test_nd_functions_are_the_dunders_with_mxnet_dispatch(r):
    for fname in r.nd_functions:
        f = getattr(nd, fname)
        assert f.optable_row is r
        if r.dunders and fname != "power":  # nd.power has MXNet's (base, exp)
            assert f is getattr(nd.NDArray, f"__{r.dunders[0]}__")
        assert getattr(nd.ndarray, fname) is f
        a, b = nd.array(_A), nd.array(_B)
        internal = nd._internal
        np.testing.assert_array_equal(
            f(a, b).asnumpy(), getattr(nd, r.array_op)(a, b).asnumpy()
        )
        np.testing.assert_array_equal(
            f(a, 2).asnumpy(), getattr(internal, r.scalar_op)(a, scalar=2).asnumpy()
        )
        rop = r.rscalar_op or r.scalar_op
        np.testing.assert_array_equal(
            f(2, a).asnumpy(), getattr(internal, rop)(a, scalar=2).asnumpy()
        )
        assert f(6, 4) == r.fold(6, 4)
        if r.name in _PY_OPS:
            op = _PY_OPS[r.name]
            np.testing.assert_array_equal(f(a, b).asnumpy(), op(a, b).asnumpy())
            np.testing.assert_array_equal(f(2.5, a).asnumpy(), op(2.5, a).asnumpy())
        with pytest.raises(TypeError, match=f"nd.{r.nd_functions[0]}: operands"):
            f("x", a)


def test_nd_function_errors_are_the_operator_errors():
    a = nd.ones((2, 3))
    d = nd.ones((2, 3), dtype="float64")
    with pytest.raises(MXNetError) as e1:
        a + d
    with pytest.raises(MXNetError) as e2:
        nd.add(a, d)
    assert str(e1.value) == str(e2.value)
    assert "broadcast_add" in str(e1.value)
    with pytest.raises(MXNetError, match=r"\(2, 3\) and \(4,\)"):
        nd.multiply(a, nd.ones((4,)))


def test_integer_power_truncates_as_in_mxnet():
    # Values printed by MXNet 1.9.1 (broadcast_power, ``**``, _rpower_scalar).
    a = nd.array([2, 3, -2], dtype="int32")
    b = nd.array([-1, 2, 3], dtype="int32")
    for got in (a**b, nd.broadcast_power(a, b), nd.power(a, b)):
        assert got.asnumpy().tolist() == [0, 9, -8]
    assert (a**-1).asnumpy().tolist() == [0, 0, 0]
    assert (2**b).asnumpy().tolist() == [0, 4, 8]
    assert nd._internal._rpower_scalar(b, scalar=2).asnumpy().tolist() == [0, 4, 8]


def test_integer_division_and_modulo_agree_across_paths():
    a = nd.array([7, -7, 5], dtype="int32")
    b = nd.array([2, 2, -3], dtype="int32")
    want_div = [3, -3, -1]  # truncates toward zero
    want_mod = [1, 1, -1]  # takes the divisor's sign
    assert (a / b).asnumpy().tolist() == want_div
    assert nd.divide(a, b).asnumpy().tolist() == want_div
    assert (a % b).asnumpy().tolist() == want_mod
    assert nd.modulo(a, b).asnumpy().tolist() == want_mod
    assert (7 / b).asnumpy().tolist() == [3, 3, -2]
    assert nd._internal._rdiv_scalar(b, scalar=7).asnumpy().tolist() == [3, 3, -2]
    c = a.copy()
    c /= b
    assert c.asnumpy().tolist() == want_div


def test_comparisons_mirror():
    x = nd.array([1, 5, 9])
    for f, op in (
        (nd.greater, operator.gt),
        (nd.lesser, operator.lt),
        (nd.greater_equal, operator.ge),
        (nd.lesser_equal, operator.le),
    ):
        np.testing.assert_array_equal(f(5, x).asnumpy(), op(5, x).asnumpy())
        np.testing.assert_array_equal(
            op(5, x).asnumpy(), op(5, x.asnumpy()).astype(np.float32)
        )


# ------------------------------------------------------------------ Symbol
def _last_op(s):
    return json.loads(s.tojson())["nodes"][-1]["op"]


@pytest.mark.parametrize("r", _with_dunders(), ids=lambda r: r.name)
def test_symbol_dunders_agree_with_nd(r):
    op = _PY_OPS[r.name]
    x, y = sym.var("x"), sym.var("y")
    a, b = nd.array(_A), nd.array(_A[::-1].copy())
    cases = [
        (op(x, y), op(a, b), r.graph_ops.array),
        (op(x, 3.0), op(a, 3.0), r.graph_ops.scalar),
    ]
    if r.reflected:
        cases.append(
            (op(3.0, x), op(3.0, a), r.graph_ops.rscalar or r.graph_ops.scalar)
        )
    for s, want, op_name in cases:
        assert s.name.startswith(op_name.lower()), (s.name, op_name)
        assert _last_op(s) == reg.get(op_name).name
        got = s.eval(mx.cpu(), x=a, y=b)[0]
        np.testing.assert_array_equal(got.asnumpy(), want.asnumpy())


@pytest.mark.parametrize(
    "r", [r for r in optable.BINARY if r.sym_functions], ids=lambda r: r.name
)
def test_sym_functions_agree_with_nd(r):
    x, y = sym.var("x"), sym.var("y")
    a, b = nd.array(np.abs(_A) + 1), nd.array(np.abs(_A[::-1]) + 0.5)
    nd_fn = getattr(nd, r.array_op)
    internal = nd._internal
    for fname in r.sym_functions:
        f = getattr(sym, fname)
        cases = [
            (f(x, y), nd_fn(a, b)),
            (f(x, 2.0), getattr(internal, r.scalar_op)(a, scalar=2.0)),
            (f(2.0, x), getattr(internal, r.rscalar_op or r.scalar_op)(a, scalar=2.0)),
        ]
        for s, want in cases:
            got = s.eval(mx.cpu(), x=a, y=b)[0]
            np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-6)
        assert f(3, 4) == r.fold(3, 4)
        with pytest.raises(TypeError, match="not supported"):
            f("a", x)
    # MXNet's node names: sym.pow(2, x) calls _RPowerScalar, 2 ** x _rpower_scalar.
    if r.name == "power":
        assert sym.pow(2, x).name.startswith("_rpowerscalar")
        assert (2**x).name.startswith("_rpower_scalar")


def test_symbol_unary_dunders():
    x = sym.var("x")
    a = nd.array(_A)
    assert (-x).name.startswith("_mulscalar")
    assert abs(x).name.startswith("abs")
    np.testing.assert_array_equal((-x).eval(mx.cpu(), x=a)[0].asnumpy(), -_A)
    np.testing.assert_array_equal(abs(x).eval(mx.cpu(), x=a)[0].asnumpy(), abs(_A))
    np.testing.assert_array_equal((-a).asnumpy(), -_A)


@pytest.mark.parametrize(
    "r", [r for r in _with_dunders() if r.reflected], ids=lambda r: r.name
)
def test_reflected_dunders_record_gradients_as_the_ops_do(r):
    # ``3 % x`` once ran a scalar-first torch call that has no gradient.
    op = _PY_OPS[r.name]
    grads = []
    for f in (
        lambda v: op(3.0, v),
        lambda v: getattr(nd._internal, r.rscalar_op or r.scalar_op)(v, scalar=3.0),
    ):
        v = nd.array([[1.5, 2.0], [4.0, 0.5]])
        v.attach_grad()
        with mx.autograd.record():
            out = f(v)
        out.backward()
        grads.append(v.grad.asnumpy())
    np.testing.assert_array_equal(grads[0], grads[1])
