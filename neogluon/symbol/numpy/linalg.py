"""``mx.symbol.numpy.linalg``: graph builders of the registered operators (issue 8); the other names are placeholders.

MXNet 1.9.1's public names of ``mxnet.symbol.numpy.linalg`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from types import SimpleNamespace as _SimpleNamespace

import numpy as _onp

from ... import _missing
from .. import _np_symbol
from ..symbol import Symbol

_NAMES = {
    "cholesky": "function",
    "det": "function",
    "eig": "function",
    "eigh": "function",
    "eigvals": "function",
    "eigvalsh": "function",
    "inv": "function",
    "norm": "function",
    "pinv": "function",
    "slogdet": "function",
    "solve": "function",
    "svd": "function",
    "tensorinv": "function",
    "tensorsolve": "function",
}


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - numpy's name
    """Matrix or vector norm, by the rules of the eager ``np.linalg.norm``:
    ``_npi_norm`` nodes (its ``flag``: -2 flattened L2, -1 vector, 0 matrix
    2-norms, 1 Frobenius, 2 nuclear), the 1/inf norms as abs/sum/max nodes."""
    F = _SimpleNamespace(**_np_symbol.np_functions(["sum", "abs", "max", "min"]))

    def node(o, ax, flag):
        return _np_symbol._op("_npi_norm")(
            x, ord=o, axis=ax, keepdims=bool(keepdims), flag=flag
        )

    if axis is None and ord is None:
        return node(2, None, -2)
    if axis is not None and not isinstance(axis, (int, tuple, list)):
        raise TypeError("'axis' must be None, an integer or a tuple of integers.")
    if isinstance(axis, int):
        axis = (axis,)
    elif axis is not None:
        axis = tuple(int(a) for a in axis)
    if ord in (_onp.inf, -_onp.inf):
        ord = "inf" if ord > 0 else "-inf"  # noqa: A001
    if axis is not None and len(axis) == 2:
        row, col = axis
        if ord in ("inf", "-inf"):
            if not keepdims and row > col:
                row -= 1
            s = F.sum(F.abs(x), axis=col, keepdims=keepdims)
            return (F.max if ord == "inf" else F.min)(s, axis=row, keepdims=keepdims)
        if ord in (1, -1):
            if not keepdims and row < col:
                col -= 1
            s = F.sum(F.abs(x), axis=row, keepdims=keepdims)
            return (F.max if ord == 1 else F.min)(s, axis=col, keepdims=keepdims)
        if ord in (2, -2):
            return node(ord, axis, 0)
        if ord is None:
            return node(2, axis, 1)
    if ord == "inf":
        return F.max(F.abs(x), axis=axis, keepdims=keepdims)
    if ord == "-inf":
        return F.min(F.abs(x), axis=axis, keepdims=keepdims)
    if ord is None or ord in ("fro", "f"):
        return node(2, axis, 1)
    if ord == "nuc":
        return node(2, axis, 2)
    return node(float(ord), axis, -1)


def pinv(a, rcond=1e-15, hermitian=False):
    """Moore-Penrose pseudo-inverse: ``_npi_pinv`` with a Symbol ``rcond``,
    ``_npi_pinv_scalar_rcond`` with a number, as MXNet records them."""
    if isinstance(rcond, Symbol):
        return _np_symbol._op("_npi_pinv")(a, rcond, hermitian=bool(hermitian))
    return _np_symbol._op("_npi_pinv_scalar_rcond")(
        a, rcond=float(rcond), hermitian=bool(hermitian)
    )


_BUILT = _np_symbol.np_functions(list(_NAMES))
_BUILT.update(norm=norm, pinv=pinv)
globals().update(_BUILT)
__all__ = sorted(_BUILT) + _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy (mx.np symbols)",
    planned="issue 8",
    instead="mx.np eagerly (without hybridize) or the legacy mx.sym operators",
)
