"""``mx.numpy_extension.random``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.numpy_extension.random`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd operators).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "bernoulli": "function",
    "normal_n": "function",
    "seed": "function",
    "uniform_n": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.npx, the numpy-extension interface",
    planned="issue 8",
    instead="mx.nd operators",
)
