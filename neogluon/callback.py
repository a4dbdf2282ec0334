"""``mx.callback``: callbacks for ``Module.fit`` / ``score``.

Epoch-end callbacks are called as ``callback(epoch, symbol, arg_params,
aux_params)``; batch-end callbacks get a ``mx.model.BatchEndParam``
(``epoch``, ``nbatch``, ``eval_metric``, ``locals``). Messages are logged
with the ``logging`` module's root logger, in MXNet 1.9.1's formats.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from .model import save_checkpoint

__all__ = [
    "LogValidationMetricsCallback",
    "ProgressBar",
    "Speedometer",
    "do_checkpoint",
    "log_train_metric",
    "module_checkpoint",
]


def module_checkpoint(
    mod, prefix: str, period: int = 1, save_optimizer_states: bool = False
) -> Callable:
    """Epoch-end callback saving ``mod`` (``mod.save_checkpoint(prefix,
    epoch + 1, save_optimizer_states)``) every ``period`` epochs."""
    period = int(max(1, period))

    def _callback(iter_no, sym=None, arg=None, aux=None):
        if (iter_no + 1) % period == 0:
            mod.save_checkpoint(prefix, iter_no + 1, save_optimizer_states)

    return _callback


def do_checkpoint(prefix: str, period: int = 1) -> Callable:
    """Epoch-end callback writing ``mx.model.save_checkpoint(prefix,
    epoch + 1, ...)`` every ``period`` epochs."""
    period = int(max(1, period))

    def _callback(iter_no, sym, arg, aux):
        if (iter_no + 1) % period == 0:
            save_checkpoint(prefix, iter_no + 1, sym, arg, aux)

    return _callback


def log_train_metric(period: int, auto_reset: bool = False) -> Callable:
    """Batch-end callback logging the training metric every ``period``
    batches (``auto_reset``: reset the metric's local state after logging)."""

    def _callback(param):
        if param.nbatch % period == 0 and param.eval_metric is not None:
            for name, value in param.eval_metric.get_name_value():
                logging.info(
                    "Iter[%d] Batch[%d] Train-%s=%f",
                    param.epoch,
                    param.nbatch,
                    name,
                    value,
                )
            if auto_reset:
                param.eval_metric.reset_local()

    return _callback


class Speedometer:
    """Batch-end callback logging samples per second (and the metric) every
    ``frequent`` batches.

    Parameters
    ----------
    batch_size : int
        Samples per batch.
    frequent : int
        Log every this many batches.
    auto_reset : bool
        Reset the metric's local state after each log (the logged value is
        then the one of the last ``frequent`` batches).
    """

    def __init__(
        self, batch_size: int, frequent: int = 50, auto_reset: bool = True
    ) -> None:
        self.batch_size = batch_size
        self.frequent = frequent
        self.init = False
        self.tic = 0.0
        self.last_count = 0
        self.auto_reset = auto_reset

    def __call__(self, param) -> None:
        count = param.nbatch
        if self.last_count > count:
            # A new epoch started.
            self.init = False
        self.last_count = count
        if not self.init:
            self.init = True
            self.tic = time.time()
            return
        if count % self.frequent != 0:
            return
        elapsed = time.time() - self.tic
        speed = (
            self.frequent * self.batch_size / elapsed if elapsed > 0 else float("inf")
        )
        if param.eval_metric is not None:
            name_value = param.eval_metric.get_name_value()
            flat = [x for pair in name_value for x in pair]
            if self.auto_reset:
                param.eval_metric.reset_local()
                msg = "Epoch[%d] Batch [%d-%d]\tSpeed: %.2f samples/sec"
                msg += "\t%s=%f" * len(name_value)
                logging.info(
                    msg, param.epoch, count - self.frequent, count, speed, *flat
                )
            else:
                msg = "Epoch[%d] Batch [0-%d]\tSpeed: %.2f samples/sec"
                msg += "\t%s=%f" * len(name_value)
                logging.info(msg, param.epoch, count, speed, *flat)
        else:
            logging.info(
                "Iter[%d] Batch [%d]\tSpeed: %.2f samples/sec",
                param.epoch,
                count,
                speed,
            )
        self.tic = time.time()


class ProgressBar:
    """Batch-end callback logging a text progress bar of ``length``
    characters for ``total`` batches."""

    def __init__(self, total: int, length: int = 80) -> None:
        self.bar_len = length
        self.total = total

    def __call__(self, param) -> None:
        count = param.nbatch
        filled_len = int(round(self.bar_len * count / float(self.total)))
        percents = math.ceil(100.0 * count / float(self.total))
        prog_bar = "=" * filled_len + "-" * (self.bar_len - filled_len)
        logging.info("[%s] %s%s\r", prog_bar, percents, "%")


class LogValidationMetricsCallback:
    """Score-end callback logging each validation metric
    (``Epoch[%d] Validation-<name>=<value>``)."""

    def __call__(self, param) -> None:
        if not param.eval_metric:
            return
        for name, value in param.eval_metric.get_name_value():
            logging.info("Epoch[%d] Validation-%s=%f", param.epoch, name, value)
