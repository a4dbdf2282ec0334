"""``mx.symbol.numpy.linalg``: graph builders of the registered operators (issue 8); the other names are placeholders.

MXNet 1.9.1's public names of ``mxnet.symbol.numpy.linalg`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from ... import _missing
from .. import _np_symbol

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
_BUILT = _np_symbol.np_functions(list(_NAMES))
globals().update(_BUILT)
__all__ = sorted(_BUILT) + _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy (mx.np symbols)",
    planned="issue 8",
    instead="mx.np eagerly (without hybridize) or the legacy mx.sym operators",
)
