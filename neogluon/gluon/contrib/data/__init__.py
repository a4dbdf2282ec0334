"""``gluon.contrib.data``: ``IntervalSampler`` and the WikiText language-model
datasets (``text.WikiText2``, ``text.WikiText103``) of MXNet 1.9.1."""

from __future__ import annotations

from . import sampler  # noqa: F401 - MXNet module path
from . import text
from .sampler import IntervalSampler

__all__ = ["IntervalSampler", "text"]
