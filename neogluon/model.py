"""``mx.model``: legacy symbolic checkpoints.

``save_checkpoint`` / ``load_checkpoint`` / ``load_params`` read and write
MXNet 1.9.1's checkpoint pair: ``prefix-symbol.json`` (the graph) and
``prefix-%04d.params`` (an ``nd.save`` dict with ``arg:<name>`` and
``aux:<name>`` keys), byte-identical to MXNet's files.

:class:`FeedForward` is MXNet's oldest trainer API (deprecated in MXNet in
favour of ``mx.mod.Module``), kept for old scripts: it runs on
:class:`~neogluon.module.Module` and the symbol executor.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections import namedtuple

import numpy as np

from .initializer import Uniform

__all__ = [
    "SKLEARN_INSTALLED",
    "BatchEndParam",
    "FeedForward",
    "save_checkpoint",
    "load_params",
    "load_checkpoint",
]

#: Whether scikit-learn can be imported (MXNet makes FeedForward a
#: scikit-learn estimator then; neogluon's FeedForward is a plain class).
SKLEARN_INSTALLED = importlib.util.find_spec("sklearn") is not None

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
    save_dict = nd.serialization.load_any(fname)
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


def _call_all(callbacks, *args) -> None:
    if callbacks is None:
        return
    for cb in callbacks if isinstance(callbacks, list) else [callbacks]:
        cb(*args)


#: ``eval_end_callback``'s default: a LogValidationMetricsCallback.
_LOG_VALIDATION = "log_validation_metrics"


class FeedForward:
    """A symbol trained and run as one model (MXNet's pre-Module API).

    Deprecated in MXNet 1.9.1 as here (it warns): use ``mx.mod.Module``.

    Parameters
    ----------
    symbol : Symbol, or callable(bucket_key) -> Symbol
    ctx : Context or list of Context, default ``[mx.cpu()]``
    num_epoch : int
        Training runs epochs ``begin_epoch`` .. ``num_epoch - 1``.
    epoch_size : int, optional
        Batches per epoch (the iterator is reset only when it runs out);
        default: one pass over the data.
    optimizer : str or Optimizer
    initializer : Initializer
        Called ``initializer(name, array)`` for each parameter not in
        ``arg_params`` / ``aux_params``, in the symbol's argument order.
    numpy_batch_size : int
        Batch size when ``X`` is an array.
    arg_params, aux_params : dict of str -> NDArray, optional
    allow_extra_params : bool
        Drop entries of ``arg_params`` / ``aux_params`` the symbol lacks.
    begin_epoch : int
    **kwargs
        Optimizer parameters (``learning_rate``, ``momentum``, ``wd``...).
    """

    def __init__(
        self,
        symbol,
        ctx=None,
        num_epoch=None,
        epoch_size=None,
        optimizer="sgd",
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        numpy_batch_size: int = 128,
        arg_params=None,
        aux_params=None,
        allow_extra_params: bool = False,
        begin_epoch: int = 0,
        **kwargs,
    ) -> None:
        from .context import Context
        from .context import cpu
        from .symbol import Symbol

        warnings.warn(
            "mxnet.model.FeedForward has been deprecated. "
            "Please use mxnet.mod.Module instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        if isinstance(symbol, Symbol):
            self.symbol = symbol
            self.sym_gen = None
        elif callable(symbol):
            self.symbol = None
            self.sym_gen = symbol
        else:
            raise TypeError(
                "FeedForward: symbol must be a Symbol or a callable(bucket_key) -> "
                f"Symbol, got {type(symbol).__name__}"
            )
        self.arg_params = arg_params
        self.aux_params = aux_params
        self.allow_extra_params = allow_extra_params
        self.argument_checked = False
        if self.sym_gen is None:
            self._check_arguments()
        if ctx is None:
            ctx = [cpu()]
        elif isinstance(ctx, Context):
            ctx = [ctx]
        self.ctx = list(ctx)
        self.num_epoch = num_epoch
        self.epoch_size = epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer = optimizer
        self.initializer = initializer
        self.numpy_batch_size = numpy_batch_size
        self.begin_epoch = begin_epoch
        self._pred_exec = None

    # ------------------------------------------------------------ helpers
    def _check_arguments(self) -> None:
        if self.argument_checked:
            return
        self.argument_checked = True
        args = self.symbol.list_arguments()
        for names, what in (
            (args, "argument"),
            (self.symbol.list_auxiliary_states(), "auxiliary state"),
        ):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(
                    f"FeedForward: the symbol has duplicated {what} names {dup}; "
                    "give each variable a unique name"
                )
        if self.allow_extra_params:
            if self.arg_params:
                keep = set(args)
                self.arg_params = {
                    k: v for k, v in self.arg_params.items() if k in keep
                }
            if self.aux_params:
                keep = set(self.symbol.list_auxiliary_states())
                self.aux_params = {
                    k: v for k, v in self.aux_params.items() if k in keep
                }

    def _init_params(self, inputs) -> tuple[list, list, list]:
        """Allocate every parameter for the ``inputs`` descriptions, copying
        the given values and initializing the rest."""
        from . import ndarray as nd
        from .io import DataDesc

        inputs = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in inputs]
        input_shapes = {d.name: d.shape for d in inputs}
        arg_shapes, _, aux_shapes = self.symbol.infer_shape(**input_shapes)
        if arg_shapes is None:
            raise ValueError(
                f"FeedForward: cannot infer the parameter shapes from the inputs "
                f"{input_shapes}"
            )
        arg_types, _, aux_types = self.symbol.infer_type(
            **{d.name: d.dtype for d in inputs}
        )
        arg_names = self.symbol.list_arguments()
        aux_names = self.symbol.list_auxiliary_states()
        param_names = [n for n in arg_names if n not in input_shapes]
        new_args = {
            n: nd.zeros(shape=s, dtype=t)
            for n, s, t in zip(arg_names, arg_shapes, arg_types, strict=True)
            if n in param_names
        }
        new_aux = {
            n: nd.zeros(shape=s, dtype=t)
            for n, s, t in zip(aux_names, aux_shapes, aux_types, strict=True)
        }
        for given, fresh in ((self.arg_params, new_args), (self.aux_params, new_aux)):
            for name, arr in fresh.items():
                if given and name in given:
                    arr[:] = given[name]
                else:
                    self.initializer(name, arr)
        self.arg_params = new_args
        self.aux_params = new_aux
        return arg_names, param_names, aux_names

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_pred_exec"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def _init_predictor(self, input_shapes, type_dict=None) -> None:
        shapes = {name: arr.shape for name, arr in self.arg_params.items()}
        shapes.update(dict(input_shapes))
        if self._pred_exec is not None:
            arg_shapes, _, _ = self.symbol.infer_shape(**shapes)
            if arg_shapes == [x.shape for x in self._pred_exec.arg_arrays]:
                return
        exe = self.symbol.simple_bind(
            self.ctx[0], grad_req="null", type_dict=type_dict, **shapes
        )
        exe.copy_params_from(self.arg_params, self.aux_params)
        self._pred_exec = exe

    def _init_iter(self, X, y, is_train: bool):
        from . import io
        from . import ndarray as nd

        if isinstance(X, (np.ndarray, nd.NDArray)):
            if y is None:
                if is_train:
                    raise ValueError("y must be specified when X is numpy.ndarray")
                y = np.zeros(X.shape[0])
            if not isinstance(y, (np.ndarray, nd.NDArray)):
                raise TypeError("y must be ndarray when X is numpy.ndarray")
            if X.shape[0] != y.shape[0]:
                raise ValueError(
                    f"The numbers of data points and labels not equal: X has "
                    f"{X.shape[0]} rows, y has {y.shape[0]}"
                )
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.flatten()
            if y.ndim != 1:
                raise ValueError(
                    f"Label must be 1D or 2D (with 2nd dimension being 1), got shape "
                    f"{tuple(y.shape)}"
                )
            batch_size = min(X.shape[0], self.numpy_batch_size)
            if is_train:
                return io.NDArrayIter(
                    X, y, batch_size, shuffle=True, last_batch_handle="roll_over"
                )
            return io.NDArrayIter(X, y, batch_size, shuffle=False)
        if not isinstance(X, io.DataIter):
            raise TypeError(
                f"X must be DataIter, NDArray or numpy.ndarray, got {type(X).__name__}"
            )
        return X

    def _init_eval_iter(self, eval_data):
        from . import io

        if eval_data is None:
            return None
        if isinstance(eval_data, (tuple, list)) and len(eval_data) == 2:
            if eval_data[0] is None:
                raise ValueError("Eval data is NONE")
            if eval_data[1] is None and isinstance(eval_data[0], io.DataIter):
                return eval_data[0]
            x, y = (np.array(v) if isinstance(v, list) else v for v in eval_data)
            return self._init_iter(x, y, is_train=True)
        if not isinstance(eval_data, io.DataIter):
            raise TypeError(
                "Eval data must be DataIter, or NDArray/numpy.ndarray/list pair "
                f"(i.e. tuple/list of length 2), got {type(eval_data).__name__}"
            )
        return eval_data

    def _predictor_for(self, X, reset: bool):
        from .io import DataDesc

        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        type_dict = {k: v.dtype for k, v in self.arg_params.items()}
        for d in X.provide_data:
            if isinstance(d, DataDesc):
                type_dict[d.name] = d.dtype
            else:
                type_dict[d[0]] = np.float32
        self._init_predictor(X.provide_data, type_dict)
        names = [d[0] for d in X.provide_data]
        return X, [self._pred_exec.arg_dict[n] for n in names]

    @staticmethod
    def _load(batch, arrays) -> None:
        for src, dst in zip(batch.data, arrays, strict=True):
            src.copyto(dst)

    # ------------------------------------------------------------ public API
    def predict(self, X, num_batch=None, return_data: bool = False, reset: bool = True):
        """Outputs for ``X`` (a DataIter or an array) as numpy arrays, the
        padding of the last batch removed; one array per output (the array
        itself for a single output). With ``return_data``, also the data and
        labels: ``(outputs, data, label)``."""
        X, data_arrays = self._predictor_for(X, reset)
        batch_size = X.batch_size
        outputs: list[list] = [[] for _ in self._pred_exec.outputs]
        data_list: list[list] = [[] for _ in X.provide_data]
        label_list: list[list] = [[] for _ in X.provide_label]
        for i, batch in enumerate(X):
            self._load(batch, data_arrays)
            self._pred_exec.forward(is_train=False)
            real = batch_size - (batch.pad or 0)
            for acc, out in zip(outputs, self._pred_exec.outputs, strict=True):
                acc.append(out[0:real].asnumpy())
            if return_data:
                for acc, x in zip(data_list, batch.data, strict=False):
                    acc.append(x[0:real].asnumpy())
                for acc, x in zip(label_list, batch.label or [], strict=False):
                    acc.append(x[0:real].asnumpy())
            if num_batch is not None and i + 1 == num_batch:
                break
        res = [np.concatenate(x) for x in outputs]
        res = res[0] if len(res) == 1 else res
        if not return_data:
            return res
        data = [np.concatenate(x) for x in data_list]
        label = [np.concatenate(x) for x in label_list]
        return (
            res,
            data[0] if len(data) == 1 else data,
            label[0] if len(label) == 1 else label,
        )

    def score(
        self,
        X,
        eval_metric="acc",
        num_batch=None,
        batch_end_callback=None,
        reset: bool = True,
    ):
        """The value of ``eval_metric`` over ``X`` (its first value for
        composite metrics, as MXNet returns ``eval_metric.get()[1]``)."""
        from . import metric

        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)
        X, data_arrays = self._predictor_for(X, reset)
        for i, batch in enumerate(X):
            if num_batch is not None and i == num_batch:
                break
            self._load(batch, data_arrays)
            self._pred_exec.forward(is_train=False)
            eval_metric.update(batch.label, self._pred_exec.outputs)
            _call_all(
                batch_end_callback,
                BatchEndParam(
                    epoch=0, nbatch=i, eval_metric=eval_metric, locals=locals()
                ),
            )
        return eval_metric.get()[1]

    def fit(
        self,
        X,
        y=None,
        eval_data=None,
        eval_metric="acc",
        epoch_end_callback=None,
        batch_end_callback=None,
        kvstore="local",
        logger=None,
        work_load_list=None,
        monitor=None,
        eval_end_callback=_LOG_VALIDATION,
        eval_batch_end_callback=None,
    ) -> None:
        """Train on ``X`` (a DataIter, or arrays with labels ``y``).

        Per batch: forward, backward, update, then the metric and
        ``batch_end_callback`` (``nbatch`` counts from 1, as in MXNet's
        FeedForward); per epoch: ``epoch_end_callback(epoch, symbol,
        arg_params, aux_params)`` and, with ``eval_data``, the validation
        metric (logged by ``eval_end_callback``).
        """
        import time

        from . import metric
        from .callback import LogValidationMetricsCallback
        from .module import Module

        if self.num_epoch is None:
            raise ValueError("FeedForward.fit: num_epoch is None; give num_epoch")
        if work_load_list is not None:
            raise ValueError(
                "FeedForward.fit: work_load_list is not supported; batches are split "
                "evenly over the contexts"
            )
        if eval_end_callback is _LOG_VALIDATION:
            eval_end_callback = LogValidationMetricsCallback()
        logger = logging if logger is None else logger
        data = self._init_iter(X, y, is_train=True)
        eval_data = self._init_eval_iter(eval_data)
        if self.sym_gen is not None:
            self.symbol = self.sym_gen(data.default_bucket_key)
            self._check_arguments()
        self.kwargs["sym"] = self.symbol
        _, param_names, _ = self._init_params(data.provide_data + data.provide_label)
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)

        mod = Module(
            self.symbol,
            data_names=[d[0] for d in data.provide_data],
            label_names=[d[0] for d in data.provide_label],
            context=self.ctx,
            logger=logger,
        )
        mod.bind(data.provide_data, data.provide_label, for_training=True)
        if monitor is not None:
            mod.install_monitor(monitor)
        mod.init_params(arg_params=self.arg_params, aux_params=self.aux_params)
        optimizer_params = {k: v for k, v in self.kwargs.items() if k != "sym"}
        if isinstance(self.optimizer, str):
            mod.init_optimizer(
                kvstore=kvstore,
                optimizer=self.optimizer,
                optimizer_params=optimizer_params,
            )
        else:
            mod.init_optimizer(kvstore=kvstore, optimizer=self.optimizer)

        data.reset()
        for epoch in range(self.begin_epoch, self.num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            while True:
                do_reset = True
                for batch in data:
                    if monitor is not None:
                        monitor.tic()
                    mod.forward_backward(batch)
                    mod.update()
                    if monitor is not None:
                        monitor.toc_print()
                    mod.update_metric(eval_metric, batch.label)
                    nbatch += 1
                    _call_all(
                        batch_end_callback,
                        BatchEndParam(
                            epoch=epoch,
                            nbatch=nbatch,
                            eval_metric=eval_metric,
                            locals=locals(),
                        ),
                    )
                    if self.epoch_size is not None and nbatch >= self.epoch_size:
                        do_reset = False
                        break
                if do_reset:
                    logger.info("Epoch[%d] Resetting Data Iterator", epoch)
                    data.reset()
                if self.epoch_size is None or nbatch >= self.epoch_size:
                    break
            logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            arg, aux = mod.get_params()
            for name in param_names:
                self.arg_params[name][:] = arg[name]
            for name, value in aux.items():
                self.aux_params[name][:] = value
            _call_all(
                epoch_end_callback, epoch, self.symbol, self.arg_params, self.aux_params
            )
            if eval_data is not None:
                eval_metric.reset()
                eval_data.reset()
                total = 0
                for i, batch in enumerate(eval_data):
                    mod.forward(batch, is_train=False)
                    mod.update_metric(eval_metric, batch.label)
                    _call_all(
                        eval_batch_end_callback,
                        BatchEndParam(
                            epoch=epoch,
                            nbatch=i,
                            eval_metric=eval_metric,
                            locals=locals(),
                        ),
                    )
                    total += 1
                _call_all(
                    eval_end_callback,
                    BatchEndParam(
                        epoch=epoch,
                        nbatch=total,
                        eval_metric=eval_metric,
                        locals=locals(),
                    ),
                )
                eval_data.reset()
        self._pred_exec = None

    def save(self, prefix: str, epoch=None, remove_amp_cast: bool = True) -> None:
        """``save_checkpoint(prefix, epoch or num_epoch, ...)`` of the model."""
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise ValueError("FeedForward.save: give epoch (num_epoch is None)")
        save_checkpoint(
            prefix,
            epoch,
            self.symbol,
            self.arg_params,
            self.aux_params,
            remove_amp_cast=remove_amp_cast,
        )

    @staticmethod
    def load(prefix: str, epoch: int, ctx=None, **kwargs) -> FeedForward:
        """A FeedForward from ``load_checkpoint(prefix, epoch)``, resuming at
        ``begin_epoch=epoch``."""
        symbol, arg_params, aux_params = load_checkpoint(prefix, epoch)
        return FeedForward(
            symbol,
            ctx=ctx,
            arg_params=arg_params,
            aux_params=aux_params,
            begin_epoch=epoch,
            **kwargs,
        )

    @staticmethod
    def create(
        symbol,
        X,
        y=None,
        ctx=None,
        num_epoch=None,
        epoch_size=None,
        optimizer="sgd",
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        eval_data=None,
        eval_metric="acc",
        epoch_end_callback=None,
        batch_end_callback=None,
        kvstore="local",
        logger=None,
        work_load_list=None,
        eval_end_callback=_LOG_VALIDATION,
        eval_batch_end_callback=None,
        **kwargs,
    ) -> FeedForward:
        """Build a FeedForward and ``fit`` it; returns the model."""
        model = FeedForward(
            symbol,
            ctx=ctx,
            num_epoch=num_epoch,
            epoch_size=epoch_size,
            optimizer=optimizer,
            initializer=initializer,
            **kwargs,
        )
        model.fit(
            X,
            y,
            eval_data=eval_data,
            eval_metric=eval_metric,
            epoch_end_callback=epoch_end_callback,
            batch_end_callback=batch_end_callback,
            kvstore=kvstore,
            logger=logger,
            work_load_list=work_load_list,
            eval_end_callback=eval_end_callback,
            eval_batch_end_callback=eval_batch_end_callback,
        )
        return model
