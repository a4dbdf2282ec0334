"""``mx.ndarray.numpy.linalg``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.ndarray.numpy.linalg`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd operators).
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
    area="mx.nd.numpy (mx.np internals)",
    planned="issue 8",
    instead="mx.nd operators",
)
