"""``mx.kvstore.base``: the key-value store base class, test store and factory.

:func:`create` lives here, above both the single-process stores
(``kvstore.py``) and the distributed ones (``dist.py``), as in MXNet 1.9.1.
"""

from __future__ import annotations

import torch

from ..base import MXNetError
from .dist import create_dist
from .kvstore import KVStore
from .kvstore import KVStoreBase
from .kvstore import TestStore

__all__ = ["KVStoreBase", "TestStore", "create"]

_LOCAL_NAMES = (
    "local",
    "device",
    "local_update_cpu",
    "local_allreduce_cpu",
    "local_allreduce_device",
)


def create(name: str = "local") -> KVStoreBase:
    """Create a key-value store.

    Parameters
    ----------
    name : str, default 'local'
        ``'local'`` (sum and update on the CPU), ``'device'`` (on the values'
        device), ``'nccl'`` (``'device'`` on CUDA arrays), ``'dist_sync'`` /
        ``'dist_device_sync'`` (several processes through
        ``torch.distributed``; launch with ``torchrun``), ``'horovod'`` (needs
        horovod), or a name registered with :meth:`KVStoreBase.register`.
        ``'dist_async'`` is not supported.

    Returns
    -------
    KVStoreBase
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}.")
    name = name.lower()
    if name in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[name]()
    if "dist" in name or name in ("horovod", "byteps"):
        return create_dist(name)
    if "nccl" in name:
        if not torch.cuda.is_available():
            raise MXNetError(
                "kvstore 'nccl' needs CUDA GPUs, but torch.cuda.is_available() is "
                "False; use kvstore 'device' or 'local' on CPU."
            )
        return KVStore(name)
    if name in _LOCAL_NAMES:
        return KVStore(name)
    raise ValueError(
        f"Unknown kvstore type {name!r}; expected one of 'local', 'device', "
        "'nccl', 'dist_sync', 'dist_device_sync', 'horovod' or a name registered "
        "with mx.kv.KVStoreBase.register."
    )
