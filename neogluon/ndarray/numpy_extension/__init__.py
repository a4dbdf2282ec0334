"""``mx.ndarray.numpy_extension``: not implemented in neogluon yet (issue 8).

MXNet 1.9.1's public names of ``mxnet.ndarray.numpy_extension`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (mx.nd operators).
"""

from __future__ import annotations

from ... import _missing
from . import image  # noqa: F401
from . import random  # noqa: F401

__neogluon_missing__ = True

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
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.nd.numpy_extension (mx.npx internals)",
    planned="issue 8",
    instead="mx.nd operators",
)
__all__ += ["image", "random"]
