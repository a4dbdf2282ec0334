"""``mx.kv`` / ``mx.kvstore``: key-value stores for data-parallel training.

``create('local' | 'device' | 'nccl')`` makes a single-process store;
``create('dist_sync' | 'dist_device_sync')`` one over ``torch.distributed``
(one process per worker, launched with ``torchrun``).
"""

from __future__ import annotations

from .base import create
from .kvstore import KVStore
from .kvstore import KVStoreBase
from .kvstore import TestStore
from .kvstore_server import KVStoreServer

__all__ = ["KVStore", "KVStoreBase", "KVStoreServer", "TestStore", "create"]
