"""``mx.contrib.amp``: automatic mixed precision (float16, bfloat16), MXNet
1.9.1's API.

See :mod:`.amp` for what :func:`init`, :func:`init_trainer`,
:func:`scale_loss`, :func:`unscale` and the ``convert_*`` functions do on
neogluon.
"""

from __future__ import annotations

from . import amp
from . import lists
from . import loss_scaler
from .amp import AmpListError
from .amp import convert_bucketing_module
from .amp import convert_hybrid_block
from .amp import convert_model
from .amp import convert_symbol
from .amp import init
from .amp import init_trainer
from .amp import list_conditional_fp32_ops
from .amp import list_fp32_ops
from .amp import list_loss_output_functions
from .amp import list_lp16_fp32_ops
from .amp import list_lp16_ops
from .amp import list_lp16_use_fp32_params
from .amp import list_widest_type_cast
from .amp import scale_loss
from .amp import unscale
from .loss_scaler import LossScaler

__all__ = [
    "AmpListError",
    "LossScaler",
    "amp",
    "convert_bucketing_module",
    "convert_hybrid_block",
    "convert_model",
    "convert_symbol",
    "init",
    "init_trainer",
    "list_conditional_fp32_ops",
    "list_fp32_ops",
    "list_loss_output_functions",
    "list_lp16_fp32_ops",
    "list_lp16_ops",
    "list_lp16_use_fp32_params",
    "list_widest_type_cast",
    "lists",
    "loss_scaler",
    "scale_loss",
    "unscale",
]
