"""``mx.symbol.numpy.linalg``: graph builders of the registered operators (issue 8); the other names are placeholders.

MXNet 1.9.1's public names of ``mxnet.symbol.numpy.linalg`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from types import SimpleNamespace as _SimpleNamespace

from ... import _missing
from ...ops.np_linalg import compose_norm
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

    return compose_norm(x, ord, axis, keepdims, node, F)


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
