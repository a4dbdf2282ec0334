"""``mx.numpy.linalg``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.numpy.linalg`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd arrays and operators).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "cholesky": "function",
    "cond": "function",
    "det": "function",
    "eig": "function",
    "eigh": "function",
    "eigvals": "function",
    "eigvalsh": "function",
    "inv": "function",
    "lstsq": "function",
    "matrix_power": "function",
    "matrix_rank": "function",
    "multi_dot": "function",
    "norm": "function",
    "pinv": "function",
    "qr": "function",
    "slogdet": "function",
    "solve": "function",
    "svd": "function",
    "tensorinv": "function",
    "tensorsolve": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.np, the numpy-compatible array interface",
    planned="issue 8",
    instead="mx.nd arrays and operators",
)
