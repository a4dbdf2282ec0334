"""``gluon.contrib.nn``: contributed layers (MXNet 1.9.1 API)."""

from __future__ import annotations

from . import basic_layers  # noqa: F401 - MXNet module path
from .basic_layers import Concurrent
from .basic_layers import HybridConcurrent
from .basic_layers import Identity
from .basic_layers import PixelShuffle1D
from .basic_layers import PixelShuffle2D
from .basic_layers import PixelShuffle3D
from .basic_layers import SparseEmbedding
from .basic_layers import SyncBatchNorm

__all__ = [
    "Concurrent",
    "HybridConcurrent",
    "Identity",
    "SparseEmbedding",
    "SyncBatchNorm",
    "PixelShuffle1D",
    "PixelShuffle2D",
    "PixelShuffle3D",
]
