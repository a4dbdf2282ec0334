"""``mx.contrib.amp``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.amp`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (Block.cast('float16') or torch.autocast around neogluon.interop.to_torch_module).
"""

from __future__ import annotations

from ... import _missing
from . import amp  # noqa: F401
from . import lists  # noqa: F401
from . import loss_scaler  # noqa: F401

__neogluon_missing__ = True

_NAMES = {
    "convert_hybrid_block": "function",
    "convert_model": "function",
    "convert_symbol": "function",
    "init": "function",
    "init_trainer": "function",
    "list_conditional_fp32_ops": "function",
    "list_fp32_ops": "function",
    "list_loss_output_functions": "function",
    "list_lp16_fp32_ops": "function",
    "list_lp16_ops": "function",
    "list_lp16_use_fp32_params": "function",
    "list_widest_type_cast": "function",
    "scale_loss": "function",
    "unscale": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.amp, automatic mixed precision",
    planned="issue 9",
    instead="Block.cast('float16') or torch.autocast around neogluon.interop.to_torch_module",
)
__all__ += ["amp", "lists", "loss_scaler"]
