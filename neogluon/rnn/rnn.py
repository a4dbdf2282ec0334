"""``mx.rnn.rnn``: checkpoints of models built from legacy RNN cells.

Fused cells keep all weights in one flat ``parameters`` array; these helpers
save checkpoints with the weights unpacked per gate (readable, and loadable
into the unfused cells) and pack them again on load.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from ..model import load_checkpoint
from ..model import save_checkpoint
from .rnn_cell import BaseRNNCell

__all__ = [
    "rnn_unroll",
    "save_rnn_checkpoint",
    "load_rnn_checkpoint",
    "do_rnn_checkpoint",
]


def _cell_list(cells) -> list:
    if isinstance(cells, BaseRNNCell):
        return [cells]
    return list(cells)


def rnn_unroll(
    cell, length, inputs=None, begin_state=None, input_prefix="", layout="NTC"
):
    """Deprecated: call ``cell.unroll(length, inputs, begin_state, layout)``.

    ``input_prefix`` named the input variables MXNet once created when
    ``inputs`` was None; inputs must now be given, so it has no effect.
    """
    warnings.warn(
        "rnn_unroll is deprecated. Please call cell.unroll directly.",
        DeprecationWarning,
        stacklevel=2,
    )
    return cell.unroll(length, inputs=inputs, begin_state=begin_state, layout=layout)


def save_rnn_checkpoint(
    cells, prefix: str, epoch: int, symbol, arg_params, aux_params
) -> None:
    """``mx.model.save_checkpoint`` with the weights of ``cells`` (one cell or
    a list) unpacked first: writes ``prefix-symbol.json`` and
    ``prefix-%04d.params``."""
    for cell in _cell_list(cells):
        arg_params = cell.unpack_weights(arg_params)
    save_checkpoint(prefix, epoch, symbol, arg_params, aux_params)


def load_rnn_checkpoint(cells, prefix: str, epoch: int):
    """``mx.model.load_checkpoint`` followed by packing the weights of
    ``cells``; returns ``(symbol, arg_params, aux_params)``."""
    sym, arg, aux = load_checkpoint(prefix, epoch)
    for cell in _cell_list(cells):
        arg = cell.pack_weights(arg)
    return sym, arg, aux


def do_rnn_checkpoint(cells, prefix: str, period: int = 1) -> Callable:
    """An epoch-end callback ``(iter_no, sym, arg, aux)`` that calls
    :func:`save_rnn_checkpoint` every ``period`` epochs (epoch number
    ``iter_no + 1``)."""
    period = int(max(1, period))

    def _callback(iter_no, sym=None, arg=None, aux=None):
        if (iter_no + 1) % period == 0:
            save_rnn_checkpoint(cells, prefix, iter_no + 1, sym, arg, aux)

    return _callback
