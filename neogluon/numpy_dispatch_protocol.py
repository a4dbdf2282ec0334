"""NumPy's dispatch protocols for ``mx.np`` arrays (``mxnet.numpy_dispatch_protocol``).

With them, official NumPy functions and ufuncs called on ``mx.np.ndarray``
run neogluon's ``mx.np`` functions (``onp.sum(x)`` is ``mx.np.sum(x)`` and
returns an ``mx.np.ndarray``), as MXNet 1.9.1 registers them at import:

* ``__array_function__`` (NEP 18) for the functions of
  :data:`_NUMPY_ARRAY_FUNCTION_LIST`;
* ``__array_ufunc__`` (NEP 13) for the ufuncs of :data:`_NUMPY_ARRAY_UFUNC_LIST`.

A listed name that the installed NumPy or ``mx.np`` lacks is skipped; NumPy
functions not registered run in NumPy on host copies of the arrays (refused
under ``autograd.record()``), see ``ndarray.__array_function__``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as _np

from . import numpy as mx_np
from .ndarray._np import ARRAY_FUNCTIONS as _NUMPY_ARRAY_FUNCTION_DICT
from .ndarray._np import ARRAY_UFUNCS as _NUMPY_ARRAY_UFUNC_DICT

__all__ = [
    "_NUMPY_ARRAY_FUNCTION_LIST",
    "_NUMPY_ARRAY_UFUNC_LIST",
    "with_array_function_protocol",
    "with_array_ufunc_protocol",
]

#: NumPy functions dispatched to ``mx.np`` through ``__array_function__``
#: (MXNet 1.9.1's list).
_NUMPY_ARRAY_FUNCTION_LIST = [
    "all", "any", "sometrue", "argmin", "argmax", "around", "round", "round_",
    "argsort", "sort", "append", "broadcast_arrays", "broadcast_to", "clip",
    "concatenate", "copy", "cumsum", "diag", "diagonal", "diagflat", "dot",
    "expand_dims", "fix", "flip", "flipud", "fliplr", "inner", "insert", "max",
    "amax", "mean", "min", "amin", "nonzero", "ones_like", "atleast_1d",
    "atleast_2d", "atleast_3d", "prod", "product", "ravel", "repeat", "reshape",
    "roll", "split", "array_split", "hsplit", "vsplit", "dsplit", "squeeze",
    "stack", "std", "sum", "swapaxes", "take", "tensordot", "tile", "transpose",
    "unique", "unravel_index", "diag_indices_from", "delete", "var", "vdot",
    "vstack", "column_stack", "hstack", "dstack", "zeros_like", "linalg.norm",
    "linalg.cholesky", "linalg.inv", "linalg.solve", "linalg.tensorinv",
    "linalg.tensorsolve", "linalg.pinv", "linalg.eigvals", "linalg.eig",
    "linalg.eigvalsh", "linalg.eigh", "shape", "trace", "tril", "meshgrid",
    "outer", "einsum", "polyval", "shares_memory", "may_share_memory", "quantile",
    "percentile", "diff", "ediff1d", "resize", "where", "full_like", "bincount",
    "empty_like", "nan_to_num", "isnan", "isfinite", "isposinf", "isneginf",
    "isinf", "pad",
]  # fmt: skip

#: NumPy ufuncs dispatched to ``mx.np`` through ``__array_ufunc__`` (MXNet 1.9.1's list).
_NUMPY_ARRAY_UFUNC_LIST = [
    "abs", "fabs", "add", "arctan2", "copysign", "degrees", "hypot", "lcm",
    "subtract", "multiply", "true_divide", "negative", "power", "mod", "matmul",
    "absolute", "rint", "sign", "exp", "log", "log2", "log10", "expm1", "sqrt",
    "square", "cbrt", "reciprocal", "invert", "bitwise_not", "remainder", "sin",
    "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh",
    "arccosh", "arctanh", "maximum", "minimum", "ceil", "trunc", "floor",
    "bitwise_and", "bitwise_xor", "bitwise_or", "logical_not", "equal",
    "not_equal", "less", "less_equal", "greater", "greater_equal",
]  # fmt: skip


def _wrapped_protocol_test(func: Callable, what: str) -> Callable:
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except Exception as err:
            raise RuntimeError(
                f"Running function {func.__name__} with NumPy {what} protocol failed "
                f"with exception {err}"
            ) from err

    return run


def with_array_function_protocol(func: Callable) -> Callable:
    """Decorate a test that needs the ``__array_function__`` dispatch: an
    exception it raises is reported as a RuntimeError naming the function."""
    return _wrapped_protocol_test(func, "array function")


def with_array_ufunc_protocol(func: Callable) -> Callable:
    """Decorate a test that needs the ``__array_ufunc__`` dispatch: an
    exception it raises is reported as a RuntimeError naming the function."""
    return _wrapped_protocol_test(func, "array ufunc")


def _implemented(module: Any, name: str) -> Any:
    fn = getattr(module, name, None)
    if fn is None or hasattr(fn, "__neogluon_missing__"):
        return None
    return fn


def _register_array_function() -> None:
    """Map each listed NumPy function to its ``mx.np`` function."""
    for op_name in _NUMPY_ARRAY_FUNCTION_LIST:
        *sub, name = op_name.split(".")
        onp_mod: Any = _np
        mx_mod: Any = mx_np
        for part in sub:
            onp_mod = getattr(onp_mod, part)
            mx_mod = getattr(mx_mod, part)
        onp_fn = getattr(onp_mod, name, None) if hasattr(onp_mod, "__dict__") else None
        mx_fn = _implemented(mx_mod, name)
        if onp_fn is not None and mx_fn is not None:
            _NUMPY_ARRAY_FUNCTION_DICT[onp_fn] = mx_fn


def _register_array_ufunc() -> None:
    """Map each listed ufunc (by NumPy's ufunc name, e.g. ``divide`` for
    ``true_divide`` in NumPy 2) to its ``mx.np`` function."""
    for op_name in _NUMPY_ARRAY_UFUNC_LIST:
        mx_fn = _implemented(mx_np, op_name)
        if mx_fn is None:
            continue
        _NUMPY_ARRAY_UFUNC_DICT[op_name] = mx_fn
        ufunc = getattr(_np, op_name, None)
        if isinstance(ufunc, _np.ufunc):
            _NUMPY_ARRAY_UFUNC_DICT.setdefault(ufunc.__name__, mx_fn)


_register_array_function()
_register_array_ufunc()
