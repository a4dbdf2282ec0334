"""``mx.rnn.rnn_cell``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.rnn.rnn_cell`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (gluon.rnn).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "BaseConvRNNCell": "class",
    "BaseRNNCell": "class",
    "BidirectionalCell": "class",
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
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="mx.rnn, the legacy symbolic RNN cells",
    planned="issue 12",
    instead="gluon.rnn",
)
