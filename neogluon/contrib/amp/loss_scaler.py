"""``mx.contrib.amp.loss_scaler``: not implemented in neogluon yet (issue 9).

MXNet 1.9.1's public names of ``mxnet.contrib.amp.loss_scaler`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (Block.cast('float16') or torch.autocast around neogluon.interop.to_torch_module).
"""

from __future__ import annotations

from ... import _missing

__neogluon_missing__ = True

_NAMES = {
    "LossScaler": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="contrib.amp, automatic mixed precision",
    planned="issue 9",
    instead="Block.cast('float16') or torch.autocast around neogluon.interop.to_torch_module",
)
