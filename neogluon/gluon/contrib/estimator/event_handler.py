"""Event handlers of the Gluon :class:`Estimator` (MXNet 1.9.1 API).

A handler subclasses one or more of the mixins ``TrainBegin``, ``TrainEnd``,
``EpochBegin``, ``EpochEnd``, ``BatchBegin`` and ``BatchEnd`` and is called at
those events, in ascending ``priority`` order (default 0):
``GradientUpdateHandler`` (-2000) updates the weights first, ``MetricHandler``
and ``ValidationHandler`` (-1000) then update the metrics, user handlers run
next, and ``LoggingHandler`` (+inf) reports last. An ``epoch_end`` or
``batch_end`` that returns True stops training.
"""

from __future__ import annotations

import math
import os
import time
import warnings

import numpy as np

from ....base import MXNetError
from ....metric import CompositeEvalMetric
from ....metric import EvalMetric
from ....metric import Loss as metric_loss
from .utils import _check_metrics

__all__ = [
    "TrainBegin",
    "TrainEnd",
    "EpochBegin",
    "EpochEnd",
    "BatchBegin",
    "BatchEnd",
    "StoppingHandler",
    "MetricHandler",
    "ValidationHandler",
    "LoggingHandler",
    "CheckpointHandler",
    "EarlyStoppingHandler",
    "GradientUpdateHandler",
]


class EventHandler:
    """Base class of every event handler."""


def _check_event_handlers(handlers) -> list:
    """Normalize ``handlers`` (a handler, a list, or None) to a new list."""
    if isinstance(handlers, EventHandler):
        return [handlers]
    handlers = list(handlers or [])
    bad = [h for h in handlers if not isinstance(h, EventHandler)]
    if bad:
        raise ValueError(
            "event_handlers must be an EventHandler or a list of EventHandler "
            f"(subclasses of TrainBegin, EpochEnd, BatchEnd, ...), got {bad!r}."
        )
    return handlers


class TrainBegin(EventHandler):
    """Mixin: ``train_begin(estimator)`` is called once before training."""

    def train_begin(self, estimator, *args, **kwargs) -> None:
        """Hook called before the first epoch (no-op by default)."""


class TrainEnd(EventHandler):
    """Mixin: ``train_end(estimator)`` is called once after training."""

    def train_end(self, estimator, *args, **kwargs) -> None:
        """Hook called after the last epoch (no-op by default)."""


class EpochBegin(EventHandler):
    """Mixin: ``epoch_begin(estimator)`` is called before each epoch."""

    def epoch_begin(self, estimator, *args, **kwargs) -> None:
        """Hook called before each epoch (no-op by default)."""


class EpochEnd(EventHandler):
    """Mixin: ``epoch_end(estimator)`` is called after each epoch; True stops."""

    def epoch_end(self, estimator, *args, **kwargs) -> bool:
        """Hook called after each epoch; return True to stop training."""
        return False


class BatchBegin(EventHandler):
    """Mixin: ``batch_begin(estimator, batch=...)`` is called before each batch."""

    def batch_begin(self, estimator, *args, **kwargs) -> None:
        """Hook called before each batch (no-op by default)."""


class BatchEnd(EventHandler):
    """Mixin: ``batch_end(estimator, batch, pred, label, loss)``; True stops."""

    def batch_end(self, estimator, *args, **kwargs) -> bool:
        """Hook called after each batch; return True to stop training."""
        return False


class StoppingHandler(TrainBegin, BatchEnd, EpochEnd):
    """Stop training after ``max_epoch`` epochs or ``max_batch`` batches.

    The limits are taken from ``estimator.max_epoch``/``max_batch`` (set by
    ``fit(epochs=...)``/``fit(batches=...)``) at train begin.

    Parameters
    ----------
    max_epoch : int, default None
    max_batch : int, default None
    """

    def __init__(self, max_epoch: int | None = None, max_batch: int | None = None):
        self.max_epoch = max_epoch
        self.max_batch = max_batch
        self.current_batch = 0
        self.current_epoch = 0
        self.stop_training = False

    def train_begin(self, estimator, *args, **kwargs) -> None:
        self.max_epoch = estimator.max_epoch
        self.max_batch = estimator.max_batch
        self.current_batch = 0
        self.current_epoch = 0

    def batch_end(self, estimator, *args, **kwargs) -> bool:
        self.current_batch += 1
        if self.current_batch == self.max_batch:
            self.stop_training = True
        return self.stop_training

    def epoch_end(self, estimator, *args, **kwargs) -> bool:
        self.current_epoch += 1
        if self.current_epoch == self.max_epoch:
            self.stop_training = True
        return self.stop_training


class MetricHandler(EpochBegin, BatchEnd):
    """Reset metrics at epoch begin and update them at batch end.

    ``metric.Loss`` instances are updated with the batch losses, the others
    with ``(label, pred)``.

    Parameters
    ----------
    metrics : list of EvalMetric
    priority : float, default -1000
        Handlers run in ascending priority; metrics must be current before
        other handlers read them.
    """

    def __init__(self, metrics, priority: float = -1000):
        self.metrics = _check_metrics(metrics)
        self.priority = priority

    def epoch_begin(self, estimator, *args, **kwargs) -> None:
        for metric in self.metrics:
            metric.reset()

    def batch_end(self, estimator, *args, **kwargs) -> None:
        pred = kwargs["pred"]
        label = kwargs["label"]
        loss = kwargs["loss"]
        for metric in self.metrics:
            if isinstance(metric, metric_loss):
                metric.update(0, loss)
            else:
                metric.update(label, pred)


class ValidationHandler(TrainBegin, BatchEnd, EpochEnd):
    """Run ``eval_fn`` on ``val_data`` every ``epoch_period`` epochs / ``batch_period`` batches.

    Parameters
    ----------
    val_data : DataLoader
    eval_fn : callable
        Called as ``eval_fn(val_data=..., batch_axis=..., event_handlers=...)``,
        usually ``estimator.evaluate``.
    epoch_period : int, default 1
    batch_period : int, default None
    priority : float, default -1000
    event_handlers : EventHandler or list, default None
        Passed on to ``eval_fn``.
    """

    def __init__(
        self,
        val_data,
        eval_fn,
        epoch_period: int | None = 1,
        batch_period: int | None = None,
        priority: float = -1000,
        event_handlers=None,
    ):
        self.val_data = val_data
        self.eval_fn = eval_fn
        self.epoch_period = epoch_period
        self.batch_period = batch_period
        self.current_batch = 0
        self.current_epoch = 0
        self.priority = priority
        self.event_handlers = event_handlers

    def train_begin(self, estimator, *args, **kwargs) -> None:
        self.current_batch = 0
        self.current_epoch = 0

    def batch_end(self, estimator, *args, **kwargs) -> None:
        self.current_batch += 1
        if self.batch_period and self.current_batch % self.batch_period == 0:
            self.eval_fn(
                val_data=self.val_data,
                batch_axis=estimator.batch_axis,
                event_handlers=self.event_handlers,
            )

    def epoch_end(self, estimator, *args, **kwargs) -> None:
        self.current_epoch += 1
        if self.epoch_period and self.current_epoch % self.epoch_period == 0:
            self.eval_fn(
                val_data=self.val_data,
                batch_axis=estimator.batch_axis,
                event_handlers=self.event_handlers,
            )


def _metric_msg(metrics) -> str:
    return "".join("%s: %.4f, " % metric.get() for metric in metrics)  # noqa: UP031


class LoggingHandler(TrainBegin, TrainEnd, EpochBegin, EpochEnd, BatchBegin, BatchEnd):
    """Log the optimizer, the learning rate and the metrics to ``estimator.logger``.

    Parameters
    ----------
    log_interval : int or 'epoch', default 'epoch'
        Log every epoch, or every ``k`` batches (and every epoch).
    metrics : list of EvalMetric, default None
        Metrics reported (at batch end, epoch end and train end).
    priority : float, default inf
        Runs after every other handler.
    """

    def __init__(self, log_interval="epoch", metrics=None, priority: float = math.inf):
        if not isinstance(log_interval, int) and log_interval != "epoch":
            raise ValueError(
                "LoggingHandler: log_interval must be either an integer or the "
                f"string 'epoch', got {log_interval!r}."
            )
        self.metrics = _check_metrics(metrics)
        self.batch_index = 0
        self.current_epoch = 0
        self.processed_samples = 0
        self.priority = priority
        self.log_interval = log_interval
        self.log_interval_time = 0.0
        self.train_start = 0.0
        self.epoch_start = 0.0
        self.batch_start = 0.0

    def train_begin(self, estimator, *args, **kwargs) -> None:
        self.train_start = time.time()
        trainer = estimator.trainer
        estimator.logger.info(
            "Training begin: using optimizer %s with current learning rate %.4f ",
            type(trainer.optimizer).__name__,
            trainer.learning_rate,
        )
        if estimator.max_epoch:
            estimator.logger.info("Train for %d epochs.", estimator.max_epoch)
        else:
            estimator.logger.info("Train for %d batches.", estimator.max_batch)
        self.current_epoch = 0
        self.batch_index = 0
        self.processed_samples = 0
        self.log_interval_time = 0.0

    def train_end(self, estimator, *args, **kwargs) -> None:
        train_time = time.time() - self.train_start
        msg = "Train finished using total %ds with %d epochs. " % (  # noqa: UP031
            train_time,
            self.current_epoch,
        )
        msg += _metric_msg(self.metrics)
        estimator.logger.info(msg.rstrip(", "))

    def batch_begin(self, estimator, *args, **kwargs) -> None:
        if isinstance(self.log_interval, int):
            self.batch_start = time.time()

    def batch_end(self, estimator, *args, **kwargs) -> None:
        if isinstance(self.log_interval, int):
            batch_time = time.time() - self.batch_start
            msg = f"[Epoch {self.current_epoch}][Batch {self.batch_index}]"
            self.processed_samples += kwargs["batch"][0].shape[0]
            msg += f"[Samples {self.processed_samples}] "
            self.log_interval_time += batch_time
            if self.batch_index % self.log_interval == 0:
                msg += "time/interval: %.3fs " % self.log_interval_time  # noqa: UP031
                self.log_interval_time = 0.0
                msg += _metric_msg(self.metrics)
                estimator.logger.info(msg.rstrip(", "))
        self.batch_index += 1

    def epoch_begin(self, estimator, *args, **kwargs) -> None:
        # The estimator names its metrics 'training ...' / 'validation ...';
        # that tells a training epoch from a validation pass.
        is_training = any("training" in metric.name for metric in self.metrics)
        self.epoch_start = time.time()
        if is_training:
            estimator.logger.info(
                "[Epoch %d] Begin, current learning rate: %.4f",
                self.current_epoch,
                estimator.trainer.learning_rate,
            )
        else:
            estimator.logger.info("Validation Begin")

    def epoch_end(self, estimator, *args, **kwargs) -> None:
        epoch_time = time.time() - self.epoch_start
        msg = "[Epoch %d] Finished in %.3fs, " % (  # noqa: UP031
            self.current_epoch,
            epoch_time,
        )
        msg += _metric_msg(self.metrics)
        estimator.logger.info(msg.rstrip(", "))
        self.current_epoch += 1
        self.batch_index = 0


def _monitor_op(handler: str, monitor, mode: str):
    """MXNet's choice of comparison for ``mode``; returns (op, initial best)."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(
            f"{handler} mode {mode} is unknown, fallback to auto mode. "
            f"{handler} will use max mode for f1 and accuracy metric comparison "
            "and use min mode otherwise",
            RuntimeWarning,
            stacklevel=3,
        )
        mode = "auto"
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    # MXNet 1.9.1 tests `'acc' or 'f1' in name`, which is always true: 'auto'
    # compares with `greater` for every metric, loss included, and says so in
    # this warning. Kept for identical results; pass mode='min' for losses.
    warnings.warn(
        f"`greater` operator will be used to determine if {monitor.get()[0]} has "
        "improved. Please specify `mode='min'` to use the `less` operator. "
        "Specify `mode='max' to disable this warning.`",
        stacklevel=3,
    )
    return np.greater


class CheckpointHandler(TrainBegin, BatchEnd, EpochEnd):
    """Save parameters and trainer states periodically (and the best ones).

    Files in ``model_dir``: ``<prefix>-epoch<E>batch<B>.params`` and
    ``.states`` every ``epoch_period`` epochs / ``batch_period`` batches
    (``E``/``B``: zero-based epoch and batch counters at the save),
    ``<prefix>-best.params``/``.states`` when ``save_best`` and ``monitor``
    improved, and ``<prefix>-symbol.json`` after the first batch when the net
    is a hybridized HybridBlock.

    Parameters
    ----------
    model_dir : str
        Directory of the checkpoint files (created if missing).
    model_prefix : str, default 'model'
    monitor : EvalMetric, default None
        The metric that decides the best model.
    verbose : int, default 0
        1 logs every save.
    save_best : bool, default False
    mode : {'auto', 'min', 'max'}, default 'auto'
        How ``monitor`` improves ('auto' = 'max', as in MXNet 1.9.1).
    epoch_period : int, default 1
    batch_period : int, default None
    max_checkpoints : int, default 5
        Periodic checkpoints kept; older ones are deleted (best not counted).
    resume_from_checkpoint : bool, default False
        Load the latest checkpoint in ``model_dir`` at train begin and train
        only the remaining epochs/batches.

    Notes
    -----
    Differs from MXNet 1.9.1: an old checkpoint is removed by its exact file
    names; MXNet removes every file that starts with its prefix, so dropping
    ``model-epoch0batch1`` also deleted ``model-epoch0batch10.params``.
    """

    def __init__(
        self,
        model_dir: str,
        model_prefix: str = "model",
        monitor=None,
        verbose: int = 0,
        save_best: bool = False,
        mode: str = "auto",
        epoch_period: int | None = 1,
        batch_period: int | None = None,
        max_checkpoints: int = 5,
        resume_from_checkpoint: bool = False,
    ):
        self.monitor = monitor
        self.verbose = verbose
        os.makedirs(model_dir, exist_ok=True)
        self.model_dir = model_dir
        self.model_prefix = model_prefix
        self.save_best = save_best
        if self.save_best and not isinstance(self.monitor, EvalMetric):
            raise ValueError(
                "CheckpointHandler: to save the best model only, please provide one "
                "of the metric objects from estimator.train_metrics and "
                f"estimator.val_metrics as monitor (got monitor={monitor!r})."
            )
        self.epoch_period = epoch_period
        self.batch_period = batch_period
        self.current_batch = 0
        self.current_epoch = 0
        self.max_checkpoints = max_checkpoints
        self.resume_from_checkpoint = resume_from_checkpoint
        self.saved_checkpoints: list[str] = []
        self.trained_epoch = -1
        self.trained_batch = -1
        if self.save_best:
            self.monitor_op = _monitor_op("CheckpointHandler", monitor, mode)
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def train_begin(self, estimator, *args, **kwargs) -> None:
        self.current_epoch = 0
        self.current_batch = 0
        if self.save_best:
            self.best = np.inf if self.monitor_op is np.less else -np.inf
        if self.resume_from_checkpoint:
            by_batch = bool(estimator.max_batch)
            if (by_batch and (not self.batch_period or self.epoch_period)) or (
                estimator.max_epoch and (not self.epoch_period or self.batch_period)
            ):
                raise ValueError(
                    "CheckpointHandler: to resume from a checkpoint, save with the "
                    "same type of period you train with: fit(epochs=...) needs "
                    "epoch_period set and batch_period=None; fit(batches=...) "
                    "needs batch_period set and epoch_period=None (got "
                    f"epoch_period={self.epoch_period}, "
                    f"batch_period={self.batch_period})."
                )
            self._resume_from_checkpoint(estimator)

    def batch_end(self, estimator, *args, **kwargs) -> None:
        if self.current_batch == 0:
            self._save_symbol(estimator)
        if self.batch_period and (self.current_batch + 1) % self.batch_period == 0:
            self._save_checkpoint(estimator)
        self.current_batch += 1

    def epoch_end(self, estimator, *args, **kwargs) -> None:
        if self.epoch_period and (self.current_epoch + 1) % self.epoch_period == 0:
            self._save_checkpoint(estimator)
        self.current_epoch += 1

    def _save_checkpoint(self, estimator) -> None:
        if self.resume_from_checkpoint:
            save_epoch = self.current_epoch + self.trained_epoch + 1
            if estimator.max_epoch:
                # Saved at epoch end: the batch counter has already moved on.
                save_batch = self.current_batch + self.trained_batch
            else:
                save_batch = self.current_batch + self.trained_batch + 1
        else:
            save_epoch = self.current_epoch
            save_batch = self.current_batch
        prefix = f"{self.model_prefix}-epoch{save_epoch}batch{save_batch}"
        self._save_params_and_trainer(estimator, prefix)
        if self.verbose > 0:
            estimator.logger.info(
                "[Epoch %d] CheckpointHandler: trained total %d batches, saving "
                "model at %s with prefix: %s",
                self.current_epoch,
                self.current_batch + 1,
                self.model_dir,
                prefix,
            )
        if not self.save_best:
            return
        monitor_name, monitor_value = self.monitor.get()
        if np.isnan(monitor_value):
            warnings.warn(
                f"Skipping save best because {monitor_name} is not updated, make "
                "sure you pass one of the metric objects estimator.train_metrics "
                "and estimator.val_metrics as monitor",
                RuntimeWarning,
                stacklevel=4,
            )
        elif self.monitor_op(monitor_value, self.best):
            prefix = self.model_prefix + "-best"
            self._save_params_and_trainer(estimator, prefix)
            if self.verbose > 0:
                estimator.logger.info(
                    "[Epoch %d] CheckpointHandler: %s improved from %0.5f to "
                    "%0.5f, updating best model at %s with prefix: %s",
                    self.current_epoch,
                    monitor_name,
                    self.best,
                    monitor_value,
                    self.model_dir,
                    prefix,
                )
            self.best = monitor_value
        elif self.verbose > 0:
            estimator.logger.info(
                "[Epoch %d] CheckpointHandler: %s did not improve from %0.5f, "
                "skipping updating best model",
                self.current_epoch,
                monitor_name,
                self.best,
            )

    def _save_symbol(self, estimator) -> None:
        symbol_file = os.path.join(self.model_dir, self.model_prefix + "-symbol.json")
        graph = getattr(estimator.net, "_last_graph", None)
        if graph is not None:
            graph.symbol.save(symbol_file)
        else:
            estimator.logger.info(
                "Model architecture(symbol file) is not saved, please use "
                "HybridBlock to construct your model, and call net.hybridize() "
                "before passing to Estimator in order to save model architecture "
                "as %s.",
                symbol_file,
            )

    def _save_params_and_trainer(self, estimator, file_prefix: str) -> None:
        param_file = os.path.join(self.model_dir, file_prefix + ".params")
        trainer_file = os.path.join(self.model_dir, file_prefix + ".states")
        estimator.net.save_parameters(param_file)
        estimator.trainer.save_states(trainer_file)
        # Only the periodic checkpoints count towards max_checkpoints.
        if "best" not in file_prefix:
            self.saved_checkpoints.append(file_prefix)
        if len(self.saved_checkpoints) > self.max_checkpoints:
            prefix = self.saved_checkpoints.pop(0)
            for ext in (".params", ".states"):
                path = os.path.join(self.model_dir, prefix + ext)
                if os.path.exists(path):
                    os.remove(path)

    def _resume_from_checkpoint(self, estimator) -> None:
        prefix = self.model_prefix + "-epoch"
        self.trained_epoch = self._find_max_iteration(
            self.model_dir, prefix, "epoch", "batch"
        )
        prefix += str(self.trained_epoch)
        self.trained_batch = self._find_max_iteration(
            self.model_dir, prefix, "batch", ".params"
        )
        if self.trained_epoch == -1:
            msg = "CheckpointHandler: No checkpoint found, training from scratch for "
            if estimator.max_batch:
                msg += "%d batches" % estimator.max_batch  # noqa: UP031
            else:
                msg += "%d epochs" % estimator.max_epoch  # noqa: UP031
            estimator.logger.info(msg)
            return
        msg = (
            f"CheckpointHandler: Checkpoint resumed from epoch {self.trained_epoch} "
            f"batch {self.trained_batch}, continue to train for "
        )
        if estimator.max_epoch:
            if self.trained_epoch >= estimator.max_epoch - 1:
                raise ValueError(
                    "Found checkpoint with maximum number of epoch "
                    f"{estimator.max_epoch} reached, please specify "
                    "resume_from_checkpoint=False (default value) if you want to "
                    "train from scratch."
                )
            estimator.max_epoch = estimator.max_epoch - self.trained_epoch - 1
            msg += f"{estimator.max_epoch} epochs "
        if estimator.max_batch:
            if self.trained_batch >= estimator.max_batch - 1:
                raise ValueError(
                    "Found checkpoint with maximum number of batch "
                    f"{self.trained_batch} reached, please specify "
                    "resume_from_checkpoint=False (default value) if you want to "
                    "train from scratch."
                )
            estimator.max_batch = estimator.max_batch - self.trained_batch - 1
            msg += f"{estimator.max_batch} batches "
        stem = f"{self.model_prefix}-epoch{self.trained_epoch}batch{self.trained_batch}"
        param_file = os.path.join(self.model_dir, stem + ".params")
        trainer_file = os.path.join(self.model_dir, stem + ".states")
        for path in (param_file, trainer_file):
            if not os.path.exists(path):
                raise MXNetError(
                    f"CheckpointHandler: failed to load checkpoint, {path} does not "
                    "exist (every .params checkpoint needs its .states file)."
                )
        estimator.net.load_parameters(param_file, ctx=estimator.context)
        estimator.trainer.load_states(trainer_file)
        estimator.logger.warning(msg)

    @staticmethod
    def _find_max_iteration(dirname: str, prefix: str, start: str, end: str) -> int:
        # MXNet 1.9.1 means to record the checkpoints found here in
        # saved_checkpoints but never does (it tests an empty list), so files
        # from before a resume do not count towards max_checkpoints; same here.
        max_iter = -1
        for fname in os.listdir(dirname):
            if fname.startswith(prefix) and ".params" in fname:
                text = fname[fname.find(start) + len(start) : fname.find(end)]
                try:
                    it = int(text)
                except ValueError:
                    raise ValueError(
                        f"Error parsing checkpoint file {fname!r} in {dirname}, "
                        "please check your checkpoints have the format: "
                        "{model_name}-epoch{epoch_number}batch{batch_number}.params, "
                        "there should also be a .states file for each .params file"
                    ) from None
                max_iter = max(max_iter, it)
        return max_iter


class EarlyStoppingHandler(TrainBegin, EpochEnd, TrainEnd):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : EvalMetric
        One of ``estimator.train_metrics``/``val_metrics`` (not a composite).
    min_delta : float, default 0
        Smallest change that counts as an improvement.
    patience : int, default 0
        Epochs without improvement before stopping.
    mode : {'auto', 'min', 'max'}, default 'auto'
        How ``monitor`` improves ('auto' = 'max', as in MXNet 1.9.1).
    baseline : float, default None
        Initial best value.
    """

    def __init__(
        self,
        monitor,
        min_delta: float = 0,
        patience: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
    ):
        if not isinstance(monitor, EvalMetric):
            raise ValueError(
                "EarlyStoppingHandler: please provide one of the metric objects from "
                "estimator.train_metrics and estimator.val_metrics as monitor "
                f"(got {monitor!r})."
            )
        if isinstance(monitor, CompositeEvalMetric):
            raise ValueError(
                "CompositeEvalMetric is not supported for EarlyStoppingHandler, "
                "please specify a simple metric instead."
            )
        self.monitor = monitor
        self.baseline = baseline
        self.patience = patience
        self.wait = 0
        self.stopped_epoch = 0
        self.current_epoch = 0
        self.stop_training = False
        self.monitor_op = _monitor_op("EarlyStoppingHandler", monitor, mode)
        self.min_delta = min_delta if self.monitor_op is np.greater else -min_delta
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def train_begin(self, estimator, *args, **kwargs) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.current_epoch = 0
        self.stop_training = False
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def epoch_end(self, estimator, *args, **kwargs) -> bool:
        monitor_name, monitor_value = self.monitor.get()
        if np.isnan(monitor_value):
            warnings.warn(
                f"{monitor_name} is not updated, make sure you pass one of the "
                "metric objects from estimator.train_metrics and "
                "estimator.val_metrics as monitor.",
                RuntimeWarning,
                stacklevel=3,
            )
        elif self.monitor_op(monitor_value - self.min_delta, self.best):
            self.best = monitor_value
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = self.current_epoch
                self.stop_training = True
        self.current_epoch += 1
        return self.stop_training

    def train_end(self, estimator, *args, **kwargs) -> None:
        if self.stopped_epoch > 0:
            estimator.logger.info(
                "[Epoch %d] EarlyStoppingHanlder: early stopping due to %s not "
                "improving",
                self.stopped_epoch,
                self.monitor.get()[0],
            )


class GradientUpdateHandler(BatchEnd):
    """Apply the gradients: ``trainer.step(batch size)`` at each batch end.

    The batch size is the sum of ``loss.shape[0]`` over the per-device losses.

    Parameters
    ----------
    priority : float, default -2000
        Runs before every other handler.
    """

    def __init__(self, priority: float = -2000):
        self.priority = priority

    def batch_end(self, estimator, *args, **kwargs) -> None:
        loss = kwargs["loss"]
        if not isinstance(loss, list):
            loss = [loss]
        batch_size = sum(loss_i.shape[0] for loss_i in loss)
        estimator.trainer.step(batch_size)
