"""Operator family: elemwise (declarations only; see registry.py for the conventions)."""

from __future__ import annotations

import torch

from .registry import OpDef
from .registry import register


def _relu(data):
    return torch.relu(data)


register(OpDef("relu", _relu, doc="Rectified linear unit, ``max(x, 0)``."))
