"""``gluon.contrib.rnn``: convolutional recurrent cells, ``VariationalDropoutCell``
and ``LSTMPCell`` (MXNet 1.9.1 API); ``rnn_cell.dynamic_unroll``."""

from __future__ import annotations

from . import conv_rnn_cell  # noqa: F401 - MXNet module path
from . import rnn_cell  # noqa: F401 - MXNet module path
from .conv_rnn_cell import Conv1DGRUCell
from .conv_rnn_cell import Conv1DLSTMCell
from .conv_rnn_cell import Conv1DRNNCell
from .conv_rnn_cell import Conv2DGRUCell
from .conv_rnn_cell import Conv2DLSTMCell
from .conv_rnn_cell import Conv2DRNNCell
from .conv_rnn_cell import Conv3DGRUCell
from .conv_rnn_cell import Conv3DLSTMCell
from .conv_rnn_cell import Conv3DRNNCell
from .rnn_cell import LSTMPCell
from .rnn_cell import VariationalDropoutCell

__all__ = [
    "Conv1DRNNCell",
    "Conv2DRNNCell",
    "Conv3DRNNCell",
    "Conv1DLSTMCell",
    "Conv2DLSTMCell",
    "Conv3DLSTMCell",
    "Conv1DGRUCell",
    "Conv2DGRUCell",
    "Conv3DGRUCell",
    "VariationalDropoutCell",
    "LSTMPCell",
]
