"""``gluon.model_zoo``: predefined vision models and their pretrained files."""

from __future__ import annotations

from . import model_store
from . import vision

__all__ = ["model_store", "vision"]
