"""Operator lists of AMP: :mod:`.symbol_fp16` and :mod:`.symbol_bf16`."""

from __future__ import annotations

from . import symbol_bf16
from . import symbol_fp16

__all__ = ["symbol_bf16", "symbol_fp16"]
