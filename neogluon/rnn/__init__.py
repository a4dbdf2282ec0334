"""``mx.rnn``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.rnn`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (gluon.rnn).
"""

from __future__ import annotations

from .. import _missing
from .. import initializer as init  # noqa: F401
from .. import ndarray  # noqa: F401
from .. import symbol  # noqa: F401
from ..base import numeric_types  # noqa: F401
from ..base import string_types  # noqa: F401
from ..io import DataBatch  # noqa: F401
from ..io import DataDesc  # noqa: F401
from ..io import DataIter  # noqa: F401
from ..model import load_checkpoint  # noqa: F401
from ..model import save_checkpoint  # noqa: F401
from . import io  # noqa: F401
from . import rnn  # noqa: F401
from . import rnn_cell  # noqa: F401

__neogluon_missing__ = True

_NAMES = {
    "BaseConvRNNCell": "class",
    "BaseRNNCell": "class",
    "BidirectionalCell": "class",
    "BucketSentenceIter": "class",
    "ConvGRUCell": "class",
    "ConvLSTMCell": "class",
    "ConvRNNCell": "class",
    "DropoutCell": "class",
    "FusedRNNCell": "class",
    "GRUCell": "class",
    "LSTMCell": "class",
    "ModifierCell": "class",
    "RNNCell": "class",
    "RNNParams": "class",
    "ResidualCell": "class",
    "SequentialRNNCell": "class",
    "ZoneoutCell": "class",
    "do_rnn_checkpoint": "function",
    "encode_sentences": "function",
    "load_rnn_checkpoint": "function",
    "rnn_unroll": "function",
    "save_rnn_checkpoint": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.rnn, the legacy symbolic RNN cells",
    planned="issue 12",
    instead="gluon.rnn",
)
__all__ += ["init", "io", "ndarray", "rnn", "rnn_cell", "symbol"]
__all__ += [
    "DataBatch",
    "DataDesc",
    "DataIter",
    "load_checkpoint",
    "numeric_types",
    "save_checkpoint",
    "string_types",
]
