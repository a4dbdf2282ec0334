"""``mx.contrib.amp.lists.symbol_bf16``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.amp.lists.symbol_bf16`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (Block.cast('float16') or torch.autocast around neogluon.interop.to_torch_module).
"""

from __future__ import annotations

from .... import _missing

__neogluon_missing__ = True

_NAMES = {
    "BF16_FP32_FUNCS": "value",
    "BF16_FUNCS": "value",
    "BF16_USE_FP32_PARAMS": "value",
    "CONDITIONAL_FP32_FUNCS": "value",
    "FP32_FUNCS": "value",
    "LOSS_OUTPUT_FUNCTIONS": "value",
    "WIDEST_TYPE_CASTS": "value",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.amp, automatic mixed precision",
    planned="issue 9",
    instead="Block.cast('float16') or torch.autocast around neogluon.interop.to_torch_module",
)
