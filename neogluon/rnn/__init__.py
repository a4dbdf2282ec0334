"""``mx.rnn``: MXNet 1.9.1's legacy symbolic RNN API.

Cells that build :mod:`neogluon.symbol` graphs (:class:`RNNCell`,
:class:`LSTMCell`, :class:`GRUCell`, :class:`FusedRNNCell` on the fused
``RNN`` operator, the convolutional cells, and the containers/modifiers
:class:`SequentialRNNCell`, :class:`BidirectionalCell`, :class:`DropoutCell`,
:class:`ZoneoutCell`, :class:`ResidualCell`), the bucketing iterator
:class:`BucketSentenceIter` with :func:`encode_sentences`, and checkpoint
helpers that unpack/pack fused weights. Names of variables and nodes are
MXNet's, so unrolled symbols list the same arguments and outputs and
serialize to the same JSON.
"""

from __future__ import annotations

from .. import initializer as init
from .. import ndarray
from .. import symbol
from ..base import numeric_types
from ..base import string_types
from ..io import DataBatch
from ..io import DataDesc
from ..io import DataIter
from ..model import load_checkpoint
from ..model import save_checkpoint
from . import io
from . import rnn
from . import rnn_cell
from .io import BucketSentenceIter
from .io import encode_sentences
from .rnn import do_rnn_checkpoint
from .rnn import load_rnn_checkpoint
from .rnn import rnn_unroll
from .rnn import save_rnn_checkpoint
from .rnn_cell import BaseConvRNNCell
from .rnn_cell import BaseRNNCell
from .rnn_cell import BidirectionalCell
from .rnn_cell import ConvGRUCell
from .rnn_cell import ConvLSTMCell
from .rnn_cell import ConvRNNCell
from .rnn_cell import DropoutCell
from .rnn_cell import FusedRNNCell
from .rnn_cell import GRUCell
from .rnn_cell import LSTMCell
from .rnn_cell import ModifierCell
from .rnn_cell import ResidualCell
from .rnn_cell import RNNCell
from .rnn_cell import RNNParams
from .rnn_cell import SequentialRNNCell
from .rnn_cell import ZoneoutCell

__all__ = [
    "BaseConvRNNCell",
    "BaseRNNCell",
    "BidirectionalCell",
    "BucketSentenceIter",
    "ConvGRUCell",
    "ConvLSTMCell",
    "ConvRNNCell",
    "DataBatch",
    "DataDesc",
    "DataIter",
    "DropoutCell",
    "FusedRNNCell",
    "GRUCell",
    "LSTMCell",
    "ModifierCell",
    "RNNCell",
    "RNNParams",
    "ResidualCell",
    "SequentialRNNCell",
    "ZoneoutCell",
    "do_rnn_checkpoint",
    "encode_sentences",
    "init",
    "io",
    "load_checkpoint",
    "load_rnn_checkpoint",
    "ndarray",
    "numeric_types",
    "rnn",
    "rnn_cell",
    "rnn_unroll",
    "save_checkpoint",
    "save_rnn_checkpoint",
    "string_types",
    "symbol",
]
