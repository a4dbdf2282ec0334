"""``mx.kvstore.kvstore_server``: not implemented in neogluon yet (no PyTorch counterpart).

MXNet 1.9.1's public names of ``mxnet.kvstore.kvstore_server`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (the dist kvstore on torch.distributed (launch workers with torchrun; no server processes)).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "KVStoreServer": "class",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.kvstore_server, parameter-server processes",
    planned=None,
    instead="the dist kvstore on torch.distributed (launch workers with torchrun; no server processes)",
)
