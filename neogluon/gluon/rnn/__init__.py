"""``gluon.rnn``: fused recurrent layers and recurrent cells (MXNet 1.9.1 API)."""

from __future__ import annotations

from .rnn_cell import BidirectionalCell
from .rnn_cell import DropoutCell
from .rnn_cell import GRUCell
from .rnn_cell import HybridRecurrentCell
from .rnn_cell import HybridSequentialRNNCell
from .rnn_cell import LSTMCell
from .rnn_cell import ModifierCell
from .rnn_cell import RecurrentCell
from .rnn_cell import ResidualCell
from .rnn_cell import RNNCell
from .rnn_cell import SequentialRNNCell
from .rnn_cell import ZoneoutCell
from .rnn_layer import GRU
from .rnn_layer import LSTM
from .rnn_layer import RNN

__all__ = [
    "BidirectionalCell",
    "DropoutCell",
    "GRU",
    "GRUCell",
    "HybridRecurrentCell",
    "HybridSequentialRNNCell",
    "LSTM",
    "LSTMCell",
    "ModifierCell",
    "RNN",
    "RNNCell",
    "RecurrentCell",
    "ResidualCell",
    "SequentialRNNCell",
    "ZoneoutCell",
]
