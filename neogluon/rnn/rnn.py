"""``mx.rnn.rnn``: not implemented in neogluon yet (issue 12).

MXNet 1.9.1's public names of ``mxnet.rnn.rnn`` resolve so that imports work;
calling or instantiating one raises MXNetError naming what to use
instead (gluon.rnn).
"""

from __future__ import annotations

from .. import _missing

__neogluon_missing__ = True

_NAMES = {
    "do_rnn_checkpoint": "function",
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
