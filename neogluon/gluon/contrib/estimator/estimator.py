"""``Estimator``: MXNet 1.9.1's high-level Gluon training loop."""

from __future__ import annotations

import copy
import logging
import sys
import warnings

from ....context import Context
from ....context import cpu
from ....context import gpu
from ....context import num_gpus
from ....metric import Loss as metric_loss
from ...data import DataLoader
from ...loss import Loss as gluon_loss
from ...trainer import Trainer
from .batch_processor import BatchProcessor
from .event_handler import BatchBegin
from .event_handler import BatchEnd
from .event_handler import EpochBegin
from .event_handler import EpochEnd
from .event_handler import GradientUpdateHandler
from .event_handler import LoggingHandler
from .event_handler import MetricHandler
from .event_handler import StoppingHandler
from .event_handler import TrainBegin
from .event_handler import TrainEnd
from .event_handler import ValidationHandler
from .event_handler import _check_event_handlers
from .utils import _check_handler_metric_ref
from .utils import _check_metrics
from .utils import _suggest_metric_for_loss

__all__ = ["Estimator"]


def _priority(handler) -> float:
    return getattr(handler, "priority", 0)


class _ContextNotAvailableError(ValueError, AssertionError):
    """A context that does not exist here (MXNet raises AssertionError)."""


class Estimator:
    """Train and evaluate a Gluon network with event handlers.

    Parameters
    ----------
    net : gluon.Block
        The model to train (initialized here if it is not yet).
    loss : gluon.loss.Loss
    train_metrics, val_metrics : EvalMetric or list of EvalMetric, default None
        Training metrics default to ``Accuracy`` (for ``SoftmaxCrossEntropyLoss``)
        plus a ``metric.Loss`` named after the loss; their names get the prefix
        ``'training '``. Validation metrics default to copies of the training
        metrics, named ``'validation ...'``.
    initializer : Initializer, default None
        Used when the net is not fully initialized.
    trainer : gluon.Trainer, default None
        None warns and uses ``Trainer(net.collect_params(), 'sgd',
        {'learning_rate': 0.001})``.
    context : Context or list of Context, default None
        None: ``gpu(0)`` when a GPU exists, else ``cpu()``.
    val_net : gluon.Block, default None
        Network used by ``evaluate`` (default ``net``).
    val_loss : gluon.loss.Loss, default None
        Loss used by ``evaluate`` (default ``loss``).
    batch_processor : BatchProcessor, default None
        Provides ``fit_batch`` and ``evaluate_batch``.

    Attributes
    ----------
    logger : logging.Logger
        Named 'Estimator', level INFO, writing to ``sys.stdout``.

    Examples
    --------
    >>> import neogluon as mx
    >>> from neogluon.gluon.contrib.estimator import Estimator
    >>> net = mx.gluon.nn.Dense(2, in_units=3)
    >>> net.initialize()
    >>> trainer = mx.gluon.Trainer(net.collect_params(), 'sgd')
    >>> est = Estimator(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer)
    >>> [m.name for m in est.train_metrics]
    ['training accuracy', 'training softmaxcrossentropyloss']
    """

    logger: logging.Logger | None = None

    def __init__(
        self,
        net,
        loss,
        train_metrics=None,
        val_metrics=None,
        initializer=None,
        trainer=None,
        context=None,
        val_net=None,
        val_loss=None,
        batch_processor=None,
    ) -> None:
        self.net = net
        self.loss = self._check_loss(loss)
        self._train_metrics = _check_metrics(train_metrics)
        self._val_metrics = _check_metrics(val_metrics)
        self._add_default_training_metrics()
        self._add_validation_metrics()
        self.val_loss = self.loss if val_loss is None else self._check_loss(val_loss)
        self.val_net = self.net if val_net is None else val_net

        self.logger = logging.Logger(name="Estimator", level=logging.INFO)
        self.logger.addHandler(logging.StreamHandler(sys.stdout))

        self.context = self._check_context(context)
        self._initialize(initializer)
        self.trainer = self._check_trainer(trainer)
        self.batch_processor = self._check_batch_processor(batch_processor)
        self.max_epoch: int | None = None
        self.max_batch: int | None = None
        self.batch_axis = 0

    # ------------------------------------------------------------ checks
    @staticmethod
    def _check_loss(loss):
        if not isinstance(loss, gluon_loss):
            raise ValueError(
                f"loss must be a gluon.loss.Loss, got {loss!r} ({type(loss).__name__})."
            )
        return loss

    @staticmethod
    def _check_context(context) -> list:
        gpus = num_gpus()
        available_gpus = [gpu(i) for i in range(gpus)]
        if context:
            if isinstance(context, Context):
                context = [context]
            elif not (
                isinstance(context, list)
                and all(isinstance(c, Context) for c in context)
            ):
                raise ValueError(
                    "context must be a Context or a list of Context, for example "
                    f"mx.cpu() or [mx.gpu(0), mx.gpu(1)], got {context!r}."
                )
            for ctx in context:
                if ctx not in available_gpus and not str(ctx).startswith("cpu"):
                    choices = ", ".join(str(c) for c in available_gpus)
                    raise _ContextNotAvailableError(
                        f"{ctx} is not available, please make sure your context is "
                        f"in one of: mx.cpu(), {choices}"
                    )
            return context
        if gpus > 0:
            if gpus > 1:
                warnings.warn(
                    "You have multiple GPUs, gpu(0) will be used by default."
                    "To utilize all your GPUs, specify context as a list of gpus, "
                    "e.g. context=[mx.gpu(0), mx.gpu(1)] ",
                    stacklevel=3,
                )
            return [gpu(0)]
        return [cpu()]

    @staticmethod
    def _check_batch_processor(batch_processor):
        if batch_processor is None:
            return BatchProcessor()
        fit = getattr(batch_processor, "fit_batch", None)
        evaluate = getattr(batch_processor, "evaluate_batch", None)
        if not callable(fit) or not callable(evaluate):
            raise ValueError(
                "Customized Batch Processor must contain fit_batch() and "
                f"evaluate_batch() methods, got {type(batch_processor).__name__}."
            )
        return batch_processor

    def _initialize(self, initializer) -> None:
        if not self._is_initialized():
            # Layers already initialized are not re-initialized.
            if initializer:
                self.net.initialize(init=initializer, ctx=self.context)
            else:
                self.net.initialize(ctx=self.context)
        elif initializer:
            warnings.warn(
                "Network already fully initialized, skipping initialization. "
                "You don't need to pass initializer if you already "
                "initialized your net. "
                "You can use net.initialize(init=your_initializer, force_reinit=True)"
                "to force re-initialize.",
                stacklevel=3,
            )

    def _check_trainer(self, trainer):
        if not trainer:
            warnings.warn(
                "No trainer specified, default SGD optimizer with learning rate "
                "0.001 is used.",
                stacklevel=3,
            )
            return Trainer(self.net.collect_params(), "sgd", {"learning_rate": 0.001})
        if not isinstance(trainer, Trainer):
            raise ValueError(
                f"Trainer must be a Gluon Trainer instance, got {trainer!r} "
                f"({type(trainer).__name__})."
            )
        return trainer

    def _is_initialized(self) -> bool:
        params = self.net.collect_params()
        for name in params:
            try:
                params[name].list_ctx()
            except RuntimeError:
                return False
        return True

    # MXNet has this helper on both classes; one body serves both.
    _get_data_and_label = BatchProcessor._get_data_and_label

    # ------------------------------------------------------------ metrics
    def _add_default_training_metrics(self) -> None:
        if not self._train_metrics:
            suggested = _suggest_metric_for_loss(self.loss)
            if suggested:
                self._train_metrics = [suggested]
            loss_name = self.loss.name.rstrip("1234567890")
            self._train_metrics.append(metric_loss(loss_name))
        # The prefixes tell handlers training metrics from validation ones.
        for metric in self._train_metrics:
            metric.name = "training " + metric.name

    def _add_validation_metrics(self) -> None:
        if not self._val_metrics:
            self._val_metrics = [copy.deepcopy(m) for m in self._train_metrics]
        for metric in self._val_metrics:
            if "training" in metric.name:
                metric.name = metric.name.replace("training", "validation")
            else:
                metric.name = "validation " + metric.name

    @property
    def train_metrics(self) -> list:
        """The training metrics (names start with 'training ')."""
        return self._train_metrics

    @property
    def val_metrics(self) -> list:
        """The validation metrics (names start with 'validation ')."""
        return self._val_metrics

    # ------------------------------------------------------------ loops
    def evaluate(self, val_data, batch_axis: int = 0, event_handlers=None) -> None:
        """Run ``val_net`` over ``val_data`` and update the validation metrics.

        Parameters
        ----------
        val_data : gluon.data.DataLoader
        batch_axis : int, default 0
            Axis along which batches are split over the contexts.
        event_handlers : EventHandler or list, default None
            A ``MetricHandler`` and a ``LoggingHandler`` over ``val_metrics`` are
            added unless given.
        """
        if not isinstance(val_data, DataLoader):
            raise ValueError(
                "Estimator only support input as Gluon DataLoader, got "
                f"{type(val_data).__name__}. Alternatively, you can transform your "
                "DataIter or any NDArray into Gluon DataLoader. Refer to "
                "gluon.data.DataLoader"
            )
        for metric in self.val_metrics:
            metric.reset()
        handlers = self._prepare_default_validation_handlers(event_handlers)
        _, epoch_begin, batch_begin, batch_end, epoch_end, _ = (
            self._categorize_handlers(handlers)
        )
        for handler in epoch_begin:
            handler.epoch_begin(self)
        for batch in val_data:
            for handler in batch_begin:
                handler.batch_begin(self, batch=batch)
            _, label, pred, loss = self.batch_processor.evaluate_batch(
                self, batch, batch_axis
            )
            for handler in batch_end:
                handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
        for handler in epoch_end:
            handler.epoch_end(self)

    def fit(
        self,
        train_data,
        val_data=None,
        epochs: int | None = None,
        event_handlers=None,
        batches: int | None = None,
        batch_axis: int = 0,
    ) -> None:
        """Train for ``epochs`` epochs or ``batches`` batches (exactly one).

        Parameters
        ----------
        train_data : gluon.data.DataLoader
        val_data : gluon.data.DataLoader, default None
            Evaluated after every epoch (a default ``ValidationHandler``).
        epochs, batches : int, default None
        event_handlers : EventHandler or list, default None
            ``StoppingHandler``, ``GradientUpdateHandler``, ``MetricHandler``,
            ``ValidationHandler`` (with ``val_data``) and ``LoggingHandler``
            are added unless one of the same class is given.
        batch_axis : int, default 0
        """
        if not isinstance(train_data, DataLoader):
            raise ValueError(
                "Estimator only support input as Gluon DataLoader, got "
                f"{type(train_data).__name__}. Alternatively, you can transform "
                "your DataIter or any NDArray into Gluon DataLoader. Refer to "
                "gluon.data.dataloader"
            )
        if (not epochs) == (not batches):
            raise ValueError(
                "Fit only support exactly one type of iteration, train by number "
                "of epochs or number of batches. Please specify one and only one "
                f"of: epochs or batches (got epochs={epochs}, batches={batches})."
            )
        self.max_epoch = epochs
        self.max_batch = batches
        self.batch_axis = batch_axis

        handlers = self._prepare_default_handlers(val_data, event_handlers)
        train_begin, epoch_begin, batch_begin, batch_end, epoch_end, train_end = (
            self._categorize_handlers(handlers)
        )
        for handler in train_begin:
            handler.train_begin(self)
        while True:
            for handler in epoch_begin:
                handler.epoch_begin(self)
            for batch in train_data:
                for handler in batch_begin:
                    handler.batch_begin(self, batch=batch)
                _, label, pred, loss = self.batch_processor.fit_batch(
                    self, batch, batch_axis
                )
                # Every handler runs; any True return then stops the epoch.
                results = [
                    handler.batch_end(
                        self, batch=batch, pred=pred, label=label, loss=loss
                    )
                    for handler in batch_end
                ]
                if any(results):
                    break
            results = [handler.epoch_end(self) for handler in epoch_end]
            if any(results):
                break
        for handler in train_end:
            handler.train_end(self)

    # ------------------------------------------------------------ handlers
    def _prepare_default_handlers(self, val_data, event_handlers) -> list:
        handlers = _check_event_handlers(event_handlers)
        added = [StoppingHandler(self.max_epoch, self.max_batch)]
        if not any(isinstance(h, GradientUpdateHandler) for h in handlers):
            added.append(GradientUpdateHandler())
        if not any(isinstance(h, MetricHandler) for h in handlers):
            added.append(MetricHandler(metrics=self.train_metrics))
        if not any(isinstance(h, ValidationHandler) for h in handlers) and val_data:
            added.append(ValidationHandler(val_data=val_data, eval_fn=self.evaluate))
        if not any(isinstance(h, LoggingHandler) for h in handlers):
            added.append(LoggingHandler(metrics=self.train_metrics))
        # User handlers mixed with default ones must use the same metrics.
        mixing = bool(handlers) and bool(added)
        handlers.extend(added)
        if mixing:
            known = set(self.train_metrics + self.val_metrics)
            for handler in handlers:
                _check_handler_metric_ref(handler, known)
        handlers.sort(key=_priority)
        return handlers

    def _prepare_default_validation_handlers(self, event_handlers) -> list:
        handlers = _check_event_handlers(event_handlers)
        added = []
        if not any(isinstance(h, MetricHandler) for h in handlers):
            added.append(MetricHandler(metrics=self.val_metrics))
        if not any(isinstance(h, LoggingHandler) for h in handlers):
            added.append(LoggingHandler(metrics=self.val_metrics))
        mixing = bool(handlers) and bool(added)
        handlers.extend(added)
        if mixing:
            known = set(self.val_metrics)
            for handler in handlers:
                _check_handler_metric_ref(handler, known)
        handlers.sort(key=_priority)
        return handlers

    @staticmethod
    def _categorize_handlers(event_handlers):
        """Split handlers into the six event lists (in their sorted order)."""
        kinds = (TrainBegin, EpochBegin, BatchBegin, BatchEnd, EpochEnd, TrainEnd)
        return tuple([h for h in event_handlers if isinstance(h, k)] for k in kinds)
