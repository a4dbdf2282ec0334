"""``mx.sym.npx`` (``mxnet.symbol.numpy_extension``): graph builders of ``mx.npx``.

``F.npx.relu(x)`` traced under ``npx.set_np()`` adds a ``_npx_relu`` node (the
registered ``_npx_<name>`` operators; see :mod:`neogluon.symbol._np_symbol`).
MXNet's names without an operator resolve to placeholders that raise
MXNetError when called.
"""

from __future__ import annotations

from ... import _missing
from .. import _np_symbol
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
_BUILT = _np_symbol.npx_functions(list(_NAMES))
globals().update(_BUILT)
_Symbol = _np_symbol._Symbol
__all__ = sorted(_BUILT) + _missing.define(
    globals(),
    _NAMES,
    area="mx.sym.numpy_extension (mx.npx symbols)",
    planned="issue 8",
    instead="mx.np eagerly (without hybridize) or the legacy mx.sym operators",
)
__all__ += ["image", "random"]
