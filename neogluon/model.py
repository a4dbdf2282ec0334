"""``mx.model``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.model`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (Block.save_parameters / export and SymbolBlock.imports).
"""

from __future__ import annotations

from . import _missing

__neogluon_missing__ = True

_NAMES = {
    "BatchEndParam": "class",
    "FeedForward": "class",
    "SKLEARN_INSTALLED": "value",
    "load_checkpoint": "function",
    "load_params": "function",
    "save_checkpoint": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.model, the legacy FeedForward/checkpoint API",
    planned="issue 12",
    instead="Block.save_parameters / export and SymbolBlock.imports",
)
