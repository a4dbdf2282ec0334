"""NDArray arithmetic: the operator table's rows as NDArray methods.

Every ``+ - * / % **``, comparison, reflected, in-place and unary dunder of
:class:`NDArray` is built here from a row of ``ops/optable.py`` and runs the
kernels of the row's registered operators (``ops/elemwise.py``): the semantics
of ``x + y`` are those of ``broadcast_add``, of ``x + 2`` those of
``_plus_scalar``. As in MXNet, the ``nd`` function of a row and its dunder are
one function (``nd.add is NDArray.__add__``; :func:`function`), which also
takes a number on the left.

The function keeps one inline fast path (same dtype, nothing requiring grad;
or a float scalar on a float array) that calls the kernel directly: it is what
makes ``x + y`` cost about as much as on torch tensors. Everything else takes
:func:`_binary`, which checks dtypes and operands, casts a scalar to the
array's dtype and guards grad mode.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .. import _opprof
from .. import _state
from .._dtypes import dtype_name
from .._opprof import State as _PROF
from ..base import MXNetError
from ..ops import optable
from ..ops import registry as _reg
from ..ops.elemwise import FAST_KERNELS
from ..ops.elemwise import scalar_for
from ._core import NDArray
from ._core import _alloc
from ._core import _call1
from ._core import _grad_off
from ._core import _new
from ._core import note_recorded
from ._indexing import _SCALARS

__all__ = ["function"]

_flags = _state.flags


def _kernel(op_name: str) -> Callable:
    return _reg.get(op_name).kernel


def binary(r: optable.Binary) -> Callable:
    """The row's function ``f(lhs, rhs)``: ``NDArray.__add__`` and ``nd.add`` alike.

    An NDArray ``lhs`` takes the inline fast path or :func:`_binary`; any other
    ``lhs`` (a number, an NDArray subclass) goes through MXNet's operand
    dispatch (:func:`optable.make_function`), which also folds two numbers.
    """
    op_name, scalar_name = r.array_op, r.scalar_op
    kernel = _kernel(op_name)
    scalar_kernel = _kernel(scalar_name)
    # With nothing requiring grad, some kernels are one torch call (on float
    # operands for div and power).
    fast, float_only = FAST_KERNELS.get(kernel, (kernel, False))
    scalar_fast = FAST_KERNELS.get(scalar_kernel.core, (scalar_kernel.core, False))[0]

    def on_array(lhs, rhs):
        if _PROF.on and not _opprof.entered():
            name = op_name if isinstance(rhs, NDArray) else scalar_name
            return _opprof.op_range(name, on_array, lhs, rhs)
        return _binary(lhs, rhs, kernel, scalar_kernel, op_name)

    name = r.nd_functions[0] if r.nd_functions else r.name
    rmethod = on_array if r.symmetric else reflected(r)
    dispatch = optable.make_function(
        r, name, NDArray, on_array, rmethod, error=_function_error
    )

    def fn(lhs, rhs):
        if type(lhs) is not NDArray:
            return dispatch(lhs, rhs)
        if _PROF.on and not _opprof.entered():
            return on_array(lhs, rhs)
        ta = lhs._data
        if type(rhs) is NDArray:
            tb = rhs._data
            if (
                ta.dtype is tb.dtype
                and not (ta.requires_grad or tb.requires_grad)
                and (not float_only or ta.is_floating_point())
            ):
                try:
                    res = fast(ta, tb)
                except RuntimeError as err:
                    raise _broadcast_error(op_name, ta, tb, err) from None
                # ``_new`` inline: nothing requires grad, so nothing to note
                arr = _alloc(NDArray)
                arr._data = res
                arr._ag = None
                arr._ctx = lhs._ctx
                return arr
            if ta.dtype is tb.dtype and _flags.recording:
                # recorded (a variable inside ``record()``): the row's kernel,
                # whose gradient is MXNet's, then ``_new`` inline
                try:
                    res = kernel(ta, tb)
                except RuntimeError as err:
                    raise _broadcast_error(op_name, ta, tb, err) from None
                arr = _alloc(NDArray)
                arr._data = res
                arr._ag = None
                arr._ctx = lhs._ctx
                if res.requires_grad:
                    note_recorded(arr)
                return arr
        elif type(rhs) is float and ta.is_floating_point() and not ta.requires_grad:
            arr = _alloc(NDArray)
            arr._data = scalar_fast(ta, rhs)
            arr._ag = None
            arr._ctx = lhs._ctx
            return arr
        return _binary(lhs, rhs, kernel, scalar_kernel, op_name)

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "neogluon.ndarray"
    fn.optable_row = r
    fn.__doc__ = (
        f"Element-wise ``{name}`` with broadcasting (``{op_name}``); either "
        "operand may be a number."
        + (f" Also ``NDArray.__{r.dunders[0]}__``." if r.dunders else "")
    )
    return fn


def reflected(r: optable.Binary) -> Callable:
    """``number <op> x`` (``5 - x``), run as ``x``'s row ``rscalar_op``."""
    op_name = r.rscalar_op
    kernel = _kernel(op_name)

    def method(self, other):
        if _PROF.on and not _opprof.entered():
            return _opprof.op_range(op_name, _reflected, self, other, kernel, op_name)
        return _reflected(self, other, kernel, op_name)

    method.__name__ = f"__r{r.dunders[0]}__" if r.dunders else f"r{r.name}"
    return method


def inplace(r: optable.Binary) -> Callable:
    """``x <op>= other``: computed, then written into ``x`` (its shape kept)."""
    names = (r.array_op, r.scalar_op)
    kernel = _kernel(r.array_op)
    what = f"{r.symbol}="

    def method(self, other):
        if _PROF.on and not _opprof.entered():
            name = names[0] if isinstance(other, NDArray) else names[1]
            return _opprof.op_range(name, _inplace, self, other, kernel, what)
        return _inplace(self, other, kernel, what)

    method.__name__ = f"__i{r.dunders[0]}__"
    return method


def unary(u: optable.Unary) -> Callable:
    """``-x`` / ``abs(x)``: the row's registered kernel."""
    kernel = _kernel(u.op)

    def method(self):
        return _new(_call1(kernel, self._data), self._ctx)

    method.__name__ = f"__{u.dunder}__"
    return method


# ---------------------------------------------------------------- slow paths
def _binary(a: NDArray, b, kernel, scalar_kernel, op_name: str):
    ta = a._data
    if isinstance(b, NDArray):
        tb = b._data
        if ta.dtype != tb.dtype:
            raise _dtype_error(op_name, ta, tb)
        try:
            if (ta.requires_grad or tb.requires_grad) and not _flags.recording:
                res = _grad_off(kernel, ta, tb)
            else:
                res = kernel(ta, tb)
        except RuntimeError as err:
            raise _broadcast_error(op_name, ta, tb, err) from None
    elif isinstance(b, _SCALARS) and not isinstance(b, np.ndarray):
        res = _call1(scalar_kernel, ta, b)
    else:
        raise _operand_error(op_name, b)
    return _new(res, a._ctx)


def _reflected(a: NDArray, b, kernel, op_name: str):
    """``b <op> a`` for a number ``b``; ``kernel(a, b)`` is the reflected op."""
    if isinstance(b, _SCALARS) and not isinstance(b, np.ndarray):
        return _new(_call1(kernel, a._data, b), a._ctx)
    raise _operand_error(op_name, b)


def _inplace(a: NDArray, b, kernel, what: str):
    ta = a._data
    if isinstance(b, NDArray):
        tb = b._data
        if ta.dtype != tb.dtype:
            raise _dtype_error(what, ta, tb)
    elif isinstance(b, _SCALARS) and not isinstance(b, np.ndarray):
        tb = scalar_for(ta, b)
    else:
        raise _operand_error(what, b)
    # Recording into an array that is not a variable is recorded as torch
    # records it; otherwise the update is not part of any graph.
    plain = _flags.recording and not ta.requires_grad
    if plain:
        res = kernel(ta, tb)
    else:
        try:
            res = _grad_off(kernel, ta, tb)
        except RuntimeError as err:
            raise _broadcast_error(what, ta, tb, err) from None
    if res.shape != ta.shape:
        raise MXNetError(
            f"In-place {what}: result shape {tuple(res.shape)} differs from the "
            f"array's shape {tuple(ta.shape)}; the right operand must broadcast "
            "to the left one."
        )
    if plain:
        ta.copy_(res)
    else:
        _grad_off(ta.copy_, res)
    return a


# ---------------------------------------------------------------- errors
def _dtype_error(op_name: str, a: torch.Tensor, b: torch.Tensor) -> MXNetError:
    return MXNetError(
        f"Operator {op_name}: inputs have different dtypes, "
        f"{dtype_name(a.dtype)} {tuple(a.shape)} and {dtype_name(b.dtype)} "
        f"{tuple(b.shape)}; MXNet does not promote dtypes implicitly. "
        f"Cast one side with .astype('{dtype_name(a.dtype)}')."
    )


def _operand_error(op_name: str, other) -> TypeError:
    return TypeError(
        f"type {type(other)} not supported by {op_name}: an NDArray combines only "
        "with NDArrays and Python/numpy scalars (wrap numpy arrays with "
        "mx.nd.array(...))."
    )


def _broadcast_error(op_name, ta, tb, err) -> MXNetError:
    tb_shape = tuple(tb.shape) if isinstance(tb, torch.Tensor) else "scalar"
    return MXNetError(
        f"Operator {op_name}: operands could not be broadcast together with shapes "
        f"{tuple(ta.shape)} and {tb_shape} (each dim must be equal or 1). ({err})"
    )


def _function_error(name: str, lhs, rhs) -> TypeError:
    return TypeError(
        f"nd.{name}: operands must be NDArrays or numbers, got "
        f"{type(lhs).__name__} and {type(rhs).__name__}."
    )


# ---------------------------------------------------------------- built once
_FUNCTIONS: dict[str, Callable] = {}


def function(r: optable.Binary) -> Callable:
    """The row's function, built once: the ``nd`` functions of the row
    (``nd.add``) and its dunders (``__add__``, ``__radd__``) are this object."""
    fn = _FUNCTIONS.get(r.name)
    if fn is None:
        fn = _FUNCTIONS[r.name] = binary(r)
    return fn


optable.install_operators(
    NDArray,
    binary=function,
    reflected=reflected,
    unary=unary,
    inplace=inplace,
)
