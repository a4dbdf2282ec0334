"""``mx.model``: legacy symbolic checkpoints.

``save_checkpoint`` / ``load_checkpoint`` / ``load_params`` read and write
MXNet 1.9.1's checkpoint pair: ``prefix-symbol.json`` (the graph) and
``prefix-%04d.params`` (an ``nd.save`` dict with ``arg:<name>`` and
``aux:<name>`` keys), byte-identical to MXNet's files.

The ``FeedForward`` trainer API is not implemented yet (issue 12): its names
resolve so that imports work, and using one raises MXNetError naming what to
use instead (Block.save_parameters / export and SymbolBlock.imports).
"""

from __future__ import annotations

import logging
from collections import namedtuple

from . import _missing

__all__ = ["BatchEndParam", "save_checkpoint", "load_params", "load_checkpoint"]

#: What training loops pass to batch-end and score-end callbacks
#: (``Module.fit`` / ``score``): the epoch, the batch number, the metric and
#: the loop's ``locals()``.
BatchEndParam = namedtuple(
    "BatchEndParams", ["epoch", "nbatch", "eval_metric", "locals"]
)


def save_checkpoint(
    prefix: str,
    epoch: int,
    symbol,
    arg_params: dict,
    aux_params: dict,
    remove_amp_cast: bool = True,
) -> None:
    """Write ``prefix-symbol.json`` (unless ``symbol`` is None) and
    ``prefix-%04d.params`` holding ``arg:<name>`` / ``aux:<name>`` arrays,
    copied to the CPU.

    Parameters
    ----------
    prefix : str
        Path prefix of both files.
    epoch : int
        Number written with four digits into the params file name.
    symbol : Symbol or None
    arg_params, aux_params : dict of str -> NDArray
    remove_amp_cast : bool, default True
        Drop ``amp_cast`` / ``amp_multicast`` nodes from the saved graph.
    """
    from . import ndarray as nd
    from .context import cpu

    if symbol is not None:
        symbol.save(f"{prefix}-symbol.json", remove_amp_cast=remove_amp_cast)
    save_dict = {f"arg:{k}": v.as_in_context(cpu()) for k, v in arg_params.items()}
    save_dict.update(
        {f"aux:{k}": v.as_in_context(cpu()) for k, v in aux_params.items()}
    )
    param_name = f"{prefix}-{int(epoch):04d}.params"
    nd.save(param_name, save_dict)
    logging.info('Saved checkpoint to "%s"', param_name)


def load_params(prefix: str, epoch: int) -> tuple[dict, dict]:
    """Read ``prefix-%04d.params`` into ``(arg_params, aux_params)`` (keys
    without their ``arg:`` / ``aux:`` prefix; other keys are ignored)."""
    from . import ndarray as nd

    fname = f"{prefix}-{int(epoch):04d}.params"
    save_dict = nd.load(fname)
    arg_params: dict = {}
    aux_params: dict = {}
    if not save_dict:
        logging.warning("Params file '%s' is empty", fname)
        return arg_params, aux_params
    if not isinstance(save_dict, dict):
        raise ValueError(
            f"{fname} holds an unnamed list of {len(save_dict)} arrays; a checkpoint "
            "needs named 'arg:<name>' / 'aux:<name>' entries"
        )
    for key, value in save_dict.items():
        kind, _, name = key.partition(":")
        if kind == "arg":
            arg_params[name] = value
        elif kind == "aux":
            aux_params[name] = value
    return arg_params, aux_params


def load_checkpoint(prefix: str, epoch: int):
    """Read ``prefix-symbol.json`` and ``prefix-%04d.params``; returns
    ``(symbol, arg_params, aux_params)``."""
    from . import symbol as sym

    symbol = sym.load(f"{prefix}-symbol.json")
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params


_NAMES = {
    "FeedForward": "class",
    "SKLEARN_INSTALLED": "value",
}
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.model's FeedForward trainer API",
    planned="issue 12",
    instead="Block.save_parameters / export and SymbolBlock.imports",
)
