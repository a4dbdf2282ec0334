"""``mx.kvstore.base``: the key-value store base class, test store and factory."""

from __future__ import annotations

from .kvstore import KVStoreBase
from .kvstore import TestStore
from .kvstore import create

__all__ = ["KVStoreBase", "TestStore", "create"]
