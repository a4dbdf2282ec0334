"""The operator table: MXNet's arithmetic and comparison operators, declared once.

One row per binary operator says which registered operators implement it for
each operand combination, and which Python operators (dunders) and module
functions expose it:

* ``array_op``: array <op> array (``broadcast_add``), the op of ``nd.add(a, b)``
  and of ``a + b`` on NDArrays;
* ``scalar_op``: array <op> number (``_plus_scalar``);
* ``rscalar_op``: number <op> array (``_rminus_scalar``; for comparisons the
  mirrored comparison, ``5 > x`` is ``x < 5``); None when the operator is
  symmetric and ``scalar_op`` serves with the operands swapped;
* ``graph_ops``: the MXNet operator names Symbol arithmetic calls (``_Plus``,
  ``_PlusScalar``, ...). They resolve to the same registered operators (they
  are aliases) and, lower-cased, name the nodes (``_plusscalar0``), as in MXNet;
* ``fold``: number <op> number, for the module functions (``nd.add(1, 2)``);
* ``np_ops``: MXNet's operators of the numpy interface (``_npi_add``,
  ``_npi_add_scalar``, ``_npi_rsubtract_scalar``), which name the nodes of
  hybridized ``mx.np`` code; ``np_functions`` the ``mx.np`` functions of the
  row and ``np_result`` its result-dtype rule under numpy semantics
  (``"promote"``: the operands' common dtype; ``"float"``: integer operands
  give the default float dtype, true division; ``"bool"``: comparisons).

The kernels are not here: they are the registered operators' kernels
(``ops/elemwise.py``), so the semantics of ``+`` exist once. Each array type
turns rows into methods with its own *builders* and hands them to
:func:`install_operators`, which sets every dunder the table declares; module
functions (``nd.maximum``, ``sym.pow``) come from :func:`make_function`. NDArray
(``ndarray/_arith.py``), Symbol (``symbol/symbol.py``), ``nd`` (``ndarray/_ufunc.py``)
and ``sym`` (``symbol/_frontend.py``) are built this way; another array type
(``mx.np``'s ndarray) supplies its builders and gets the same surface.

This module imports nothing from neogluon, so every layer can read it.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BINARY",
    "UNARY",
    "Binary",
    "GraphOps",
    "Unary",
    "dunder_names",
    "install_operators",
    "make_function",
    "row",
]


@dataclass(frozen=True)
class GraphOps:
    """The MXNet operator names Symbol arithmetic calls for one operator."""

    array: str
    scalar: str
    rscalar: str | None = None


@dataclass(frozen=True)
class Binary:
    """One binary operator (see the module docstring for the fields)."""

    name: str
    array_op: str
    scalar_op: str
    rscalar_op: str | None
    graph_ops: GraphOps
    fold: Callable[[Any, Any], Any]
    #: Python operator text (``"+"``), used in error messages; None: no operator.
    symbol: str | None = None
    #: Dunder stems: ``("truediv", "div")`` gives ``__truediv__`` and ``__div__``.
    dunders: tuple[str, ...] = ()
    #: Whether ``__r<stem>__`` exists (comparisons have no reflected dunder:
    #: Python mirrors them itself).
    reflected: bool = True
    #: Whether arrays get ``__i<stem>__`` (Symbols never do).
    inplace: bool = False
    #: Functions of the ``nd`` module (and of the third array type's module).
    nd_functions: tuple[str, ...] = ()
    #: Functions of the ``sym`` module.
    sym_functions: tuple[str, ...] = ()
    #: ``sym`` functions call MXNet's ``_RPowerScalar`` where ``__rpow__`` calls
    #: ``_rpower_scalar``: the name of the node differs, so the row says so.
    sym_function_rscalar: str | None = None
    #: MXNet's numpy-interface operators for the row (None: no np operator).
    np_ops: GraphOps | None = None
    #: Functions of ``mx.np``.
    np_functions: tuple[str, ...] = ()
    #: Result dtype under numpy semantics: "promote", "float" or "bool".
    np_result: str = "promote"

    @property
    def symmetric(self) -> bool:
        """``scalar <op> array`` is ``array <op> scalar``."""
        return self.rscalar_op is None


@dataclass(frozen=True)
class Unary:
    """One unary operator: ``-x``, ``abs(x)``."""

    dunder: str
    #: The registered operator arrays run.
    op: str
    #: What Symbols add to the graph: MXNet's ``-x`` is ``_MulScalar(x, -1.0)``.
    graph_op: str
    graph_attrs: tuple[tuple[str, Any], ...] = ()
    #: MXNet's numpy-interface operator (``_npi_negative``).
    np_op: str | None = None


def _flag(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], int]:
    def fold(x, y):
        return 1 if fn(x, y) else 0

    fold.__name__ = getattr(fn, "__name__", "fold")
    return fold


def _maximum(x, y):
    return x if x > y else y


def _minimum(x, y):
    return x if x < y else y


def _and(x, y):
    return x and y


def _or(x, y):
    return x or y


def _xor(x, y):
    return bool(x) != bool(y)


def _npi(name: str, reflected: bool = False, mirror: str | None = None) -> GraphOps:
    """The ``_npi_`` operators of a row: ``_npi_<name>``, ``_npi_<name>_scalar``
    and the reflected ``_npi_r<name>_scalar`` (or the mirrored comparison)."""
    if mirror is not None:
        rscalar: str | None = f"_npi_{mirror}_scalar"
    else:
        rscalar = f"_npi_r{name}_scalar" if reflected else None
    return GraphOps(f"_npi_{name}", f"_npi_{name}_scalar", rscalar)


# mx.np spells ``lesser`` as ``less``.
_NP_NAME = {"lesser": "less", "lesser_equal": "less_equal"}


def _cmp(name, symbol, stem, mirror, graph_scalar=None) -> Binary:
    np_name = _NP_NAME.get(name, name)
    return Binary(
        name,
        f"broadcast_{name}",
        f"_{name}_scalar",
        f"_{mirror}_scalar",
        GraphOps(f"_{name}", graph_scalar or f"_{name}_scalar"),
        _flag(getattr(operator, stem)),
        symbol=symbol,
        dunders=(stem,),
        reflected=False,
        nd_functions=(name,),
        np_ops=_npi(np_name, mirror=_NP_NAME.get(mirror, mirror)),
        np_functions=(np_name,),
        np_result="bool",
    )


#: Every binary operator. Order is irrelevant; names are unique.
BINARY: tuple[Binary, ...] = (
    Binary(
        "add",
        "broadcast_add",
        "_plus_scalar",
        None,
        GraphOps("_Plus", "_PlusScalar"),
        operator.add,
        symbol="+",
        dunders=("add",),
        inplace=True,
        nd_functions=("add",),
        np_ops=_npi("add"),
        np_functions=("add",),
    ),
    Binary(
        "sub",
        "broadcast_sub",
        "_minus_scalar",
        "_rminus_scalar",
        GraphOps("_Minus", "_MinusScalar", "_RMinusScalar"),
        operator.sub,
        symbol="-",
        dunders=("sub",),
        inplace=True,
        nd_functions=("subtract",),
        np_ops=_npi("subtract", reflected=True),
        np_functions=("subtract",),
    ),
    Binary(
        "mul",
        "broadcast_mul",
        "_mul_scalar",
        None,
        GraphOps("_Mul", "_MulScalar"),
        operator.mul,
        symbol="*",
        dunders=("mul",),
        inplace=True,
        nd_functions=("multiply",),
        np_ops=_npi("multiply"),
        np_functions=("multiply",),
    ),
    Binary(
        "div",
        "broadcast_div",
        "_div_scalar",
        "_rdiv_scalar",
        GraphOps("_Div", "_DivScalar", "_RDivScalar"),
        operator.truediv,
        symbol="/",
        dunders=("truediv", "div"),
        inplace=True,
        nd_functions=("divide", "true_divide"),
        np_ops=_npi("true_divide", reflected=True),
        np_functions=("true_divide", "divide"),
        np_result="float",
    ),
    Binary(
        "mod",
        "broadcast_mod",
        "_mod_scalar",
        "_rmod_scalar",
        GraphOps("_Mod", "_ModScalar", "_RModScalar"),
        operator.mod,
        symbol="%",
        dunders=("mod",),
        inplace=True,
        nd_functions=("modulo",),
        np_ops=_npi("mod", reflected=True),
        np_functions=("mod", "remainder"),
    ),
    Binary(
        "power",
        "broadcast_power",
        "_power_scalar",
        "_rpower_scalar",
        GraphOps("_Power", "_PowerScalar", "_rpower_scalar"),
        operator.pow,
        symbol="**",
        dunders=("pow",),
        nd_functions=("power",),
        sym_functions=("pow", "power"),
        sym_function_rscalar="_RPowerScalar",
        np_ops=_npi("power", reflected=True),
        np_functions=("power",),
    ),
    Binary(
        "maximum",
        "broadcast_maximum",
        "_maximum_scalar",
        None,
        GraphOps("_Maximum", "_MaximumScalar"),
        _maximum,
        nd_functions=("maximum",),
        sym_functions=("maximum",),
        np_ops=_npi("maximum"),
        np_functions=("maximum",),
    ),
    Binary(
        "minimum",
        "broadcast_minimum",
        "_minimum_scalar",
        None,
        GraphOps("_Minimum", "_MinimumScalar"),
        _minimum,
        nd_functions=("minimum",),
        sym_functions=("minimum",),
        np_ops=_npi("minimum"),
        np_functions=("minimum",),
    ),
    Binary(
        "hypot",
        "broadcast_hypot",
        "_hypot_scalar",
        None,
        GraphOps("_Hypot", "_HypotScalar"),
        math.hypot,
        sym_functions=("hypot",),
        np_ops=_npi("hypot"),
        np_functions=("hypot",),
    ),
    _cmp("equal", "==", "eq", "equal"),
    _cmp("not_equal", "!=", "ne", "not_equal"),
    _cmp("greater", ">", "gt", "lesser"),
    _cmp("greater_equal", ">=", "ge", "lesser_equal"),
    _cmp("lesser", "<", "lt", "greater"),
    _cmp("lesser_equal", "<=", "le", "greater_equal"),
    Binary(
        "logical_and",
        "broadcast_logical_and",
        "_logical_and_scalar",
        None,
        GraphOps("_logical_and", "_logical_and_scalar"),
        _flag(_and),
        nd_functions=("logical_and",),
        np_ops=_npi("logical_and"),
        np_functions=("logical_and",),
        np_result="bool",
    ),
    Binary(
        "logical_or",
        "broadcast_logical_or",
        "_logical_or_scalar",
        None,
        GraphOps("_logical_or", "_logical_or_scalar"),
        _flag(_or),
        nd_functions=("logical_or",),
        np_ops=_npi("logical_or"),
        np_functions=("logical_or",),
        np_result="bool",
    ),
    Binary(
        "logical_xor",
        "broadcast_logical_xor",
        "_logical_xor_scalar",
        None,
        GraphOps("_logical_xor", "_logical_xor_scalar"),
        _flag(_xor),
        nd_functions=("logical_xor",),
        np_ops=_npi("logical_xor"),
        np_functions=("logical_xor",),
        np_result="bool",
    ),
)

#: Every unary operator with a dunder.
UNARY: tuple[Unary, ...] = (
    Unary("neg", "negative", "_MulScalar", (("scalar", -1.0),), "_npi_negative"),
    Unary("abs", "abs", "abs", np_op="_npi_absolute"),
)

_BY_NAME = {r.name: r for r in BINARY}


def row(name: str) -> Binary:
    """The row called ``name`` (``"add"``, ``"greater"``, ...)."""
    return _BY_NAME[name]


def dunder_names(inplace: bool) -> dict[str, Binary | Unary]:
    """Every dunder the table declares, mapped to its row; in-place ones only
    when ``inplace`` (arrays, not Symbols)."""
    out: dict[str, Binary | Unary] = {}
    for r in BINARY:
        for stem in r.dunders:
            out[f"__{stem}__"] = r
            if r.reflected:
                out[f"__r{stem}__"] = r
            if inplace and r.inplace:
                out[f"__i{stem}__"] = r
    for u in UNARY:
        out[f"__{u.dunder}__"] = u
    return out


def install_operators(
    cls: type,
    binary: Callable[[Binary], Callable],
    reflected: Callable[[Binary], Callable],
    unary: Callable[[Unary], Callable],
    inplace: Callable[[Binary], Callable] | None = None,
) -> None:
    """Set every dunder of the table on ``cls`` from the type's builders.

    ``binary(row)`` makes ``x <op> other``; ``reflected(row)`` makes
    ``other <op> x`` for a number ``other`` (called only for rows with a
    reflected dunder that are not symmetric: a symmetric row's reflected dunder
    is its ``binary`` method); ``unary(u)``
    makes ``-x``/``abs(x)``; ``inplace(row)``, when given, makes ``x <op>= other``.
    Each method gets ``optable_row`` naming its row.
    """
    for r in BINARY:
        if not r.dunders:
            continue
        meth = _tag(binary(r), r)
        if not r.reflected:
            rmeth = None
        elif r.symmetric:
            rmeth = meth
        else:
            rmeth = _tag(reflected(r), r)
        imeth = _tag(inplace(r), r) if inplace is not None and r.inplace else None
        for stem in r.dunders:
            setattr(cls, f"__{stem}__", meth)
            if rmeth is not None:
                setattr(cls, f"__r{stem}__", rmeth)
            if imeth is not None:
                setattr(cls, f"__i{stem}__", imeth)
    for u in UNARY:
        setattr(cls, f"__{u.dunder}__", _tag(unary(u), u))


def _tag(fn: Callable, r) -> Callable:
    fn.optable_row = r
    return fn


def make_function(
    r: Binary,
    name: str,
    array_type: type | tuple[type, ...],
    method: Callable,
    rmethod: Callable,
    error: Callable[[str, Any, Any], Exception] | None = None,
) -> Callable:
    """A module function ``name(lhs, rhs)`` (``nd.add``, ``sym.maximum``).

    MXNet's dispatch on the operand types: two arrays or an array and a number
    go to ``method(array, other)``, a number and an array to
    ``rmethod(array, number)`` (the row's ``rscalar_op``, or ``method`` when
    symmetric), two numbers to the row's ``fold``; anything else raises
    ``error(name, lhs, rhs)`` (a TypeError by default).
    """
    fold = r.fold
    number = numbers.Number

    def fn(lhs, rhs):
        if isinstance(lhs, array_type):
            if isinstance(rhs, array_type) or isinstance(rhs, number):
                return method(lhs, rhs)
        elif isinstance(rhs, array_type):
            if isinstance(lhs, number):
                return rmethod(rhs, lhs)
        elif isinstance(lhs, number) and isinstance(rhs, number):
            return fold(lhs, rhs)
        if error is not None:
            raise error(name, lhs, rhs)
        raise TypeError(f"types ({type(lhs)}, {type(rhs)}) not supported")

    fn.__name__ = fn.__qualname__ = name
    fn.optable_row = r
    return fn
