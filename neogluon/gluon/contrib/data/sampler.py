"""``gluon.contrib.data.sampler``: MXNet 1.9.1 keeps ``IntervalSampler`` here.

It is the same class as ``gluon.data.sampler.IntervalSampler`` (one
implementation; see its notes for the ``len()`` of ``rollover=False``).
"""

from __future__ import annotations

from ...data.sampler import IntervalSampler

__all__ = ["IntervalSampler"]
