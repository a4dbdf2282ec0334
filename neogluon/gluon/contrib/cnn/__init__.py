"""``mx.gluon.contrib.cnn``: deformable convolution blocks (see ``conv_layers``)."""

from __future__ import annotations

from . import conv_layers
from .conv_layers import *  # noqa: F403

__all__ = list(conv_layers.__all__)
