"""``mx.ndarray.numpy_extension``: the ``mx.npx`` operators (issue 8); other names are placeholders.

MXNet 1.9.1's public names of ``mxnet.ndarray.numpy_extension`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd operators).
"""

from __future__ import annotations

import importlib

from ... import _missing
from . import image  # noqa: F401
from . import random  # noqa: F401

_NAMES = {
    "activation": "function",
    "arange_like": "function",
    "batch_dot": "function",
    "batch_flatten": "function",
    "batch_norm": "function",
    "cast": "function",
    "constraint_check": "function",
    "convolution": "function",
    "deconvolution": "function",
    "dropout": "function",
    "embedding": "function",
    "erf": "function",
    "erfinv": "function",
    "fully_connected": "function",
    "gamma": "function",
    "gammaln": "function",
    "gather_nd": "function",
    "layer_norm": "function",
    "leaky_relu": "function",
    "log_softmax": "function",
    "multibox_detection": "function",
    "multibox_prior": "function",
    "multibox_target": "function",
    "nonzero": "function",
    "one_hot": "function",
    "pick": "function",
    "pooling": "function",
    "relu": "function",
    "reshape": "function",
    "reshape_like": "function",
    "rnn": "function",
    "roi_pooling": "function",
    "sequence_mask": "function",
    "shape_array": "function",
    "sigmoid": "function",
    "slice": "function",
    "smooth_l1": "function",
    "softmax": "function",
    "topk": "function",
}
# The operators ``mx.npx`` implements (np arrays in and out), for ``F.npx`` in
# a ``hybrid_forward`` called eagerly (``F`` is ``mx.nd``).
_npx = importlib.import_module("neogluon.numpy_extension")
_FROM_NPX = [n for n in _NAMES if getattr(_npx, n, None) is not None]
_FROM_NPX = [
    n for n in _FROM_NPX if not hasattr(getattr(_npx, n), "__neogluon_missing__")
]
globals().update({n: getattr(_npx, n) for n in _FROM_NPX})
__all__ = _FROM_NPX + _missing.define(
    globals(),
    _NAMES,
    area="mx.nd.numpy_extension (mx.npx internals)",
    planned="issue 8",
    instead="mx.nd operators",
)
__all__ += ["image", "random"]
