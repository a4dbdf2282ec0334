"""``mx.symbol.numpy.linalg``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.symbol.numpy.linalg`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.sym operators).
"""

from __future__ import annotations

from ... import _missing

__neogluon_missing__ = True

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
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy (mx.np symbols)",
    planned="issue 8",
    instead="mx.sym operators",
)
