"""``mx.module.base_module``: the interface every module implements, and the
training loops built on it (``fit``, ``score``, ``predict``).

A module goes through states: created (names known), bound (shapes known,
arrays allocated: ``bind``), parameters initialized (``init_params``),
optimizer installed (``init_optimizer``). Subclasses implement the
intermediate API (``bind``, ``forward``, ``backward``, ``update``,
``get_outputs``, ``update_metric``, ``get_params``/``set_params``...);
:class:`BaseModule` turns it into the high-level loops, as MXNet 1.9.1 does.
"""

from __future__ import annotations

import logging
import time
import warnings

import numpy as np

from .. import metric
from .. import ndarray
from ..base import _as_list
from ..context import cpu
from ..initializer import Uniform
from ..io import DataBatch
from ..io import DataDesc
from ..io import DataIter
from ..model import BatchEndParam

__all__ = ["BaseModule"]


def _check_input_names(symbol, names, typename: str, throw: bool) -> None:
    """Every name of ``names`` must be an argument of ``symbol``."""
    args = symbol.list_arguments()
    for name in names:
        if name in args:
            continue
        candidates = [
            a for a in args if not a.endswith(("_weight", "_bias", "_gamma", "_beta"))
        ]
        msg = (
            f"You created Module with Module(..., {typename}_names={list(names)}) but "
            f"input with name '{name}' is not found in symbol.list_arguments(). "
            "Did you mean one of:\n\t" + "\n\t".join(candidates)
        )
        if throw:
            raise ValueError(msg)
        warnings.warn(msg, stacklevel=3)


def _check_names_match(data_names, data_shapes, name: str, throw: bool) -> None:
    actual = [x[0] for x in data_shapes]
    if sorted(data_names) != sorted(actual):
        msg = (
            f"Data provided by {name}_shapes don't match names specified by "
            f"{name}_names ({data_shapes} vs. {list(data_names)})"
        )
        if throw:
            raise ValueError(msg)
        warnings.warn(msg, stacklevel=3)


def _parse_data_desc(data_names, label_names, data_shapes, label_shapes):
    """``data_shapes`` / ``label_shapes`` as DataDesc lists, names checked."""
    data_shapes = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in data_shapes]
    _check_names_match(data_names, data_shapes, "data", True)
    if label_shapes is not None:
        label_shapes = [
            x if isinstance(x, DataDesc) else DataDesc(*x) for x in label_shapes
        ]
        _check_names_match(label_names, label_shapes, "label", False)
    else:
        _check_names_match(label_names, [], "label", False)
    return data_shapes, label_shapes


def _require(cond: bool, what: str) -> None:
    if not cond:
        raise AssertionError(what)


class BaseModule:
    """The base class of modules (see the module docstring for the states).

    Attributes
    ----------
    binded, for_training, inputs_need_grad, params_initialized, optimizer_initialized : bool
        The module's state flags.
    symbol : Symbol or None
        The graph (for a bucketing module, the current bucket's).
    """

    def __init__(self, logger=logging) -> None:
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol = None
        self._total_exec_bytes = 0

    # ------------------------------------------------------------ high level
    def forward_backward(self, data_batch) -> None:
        """``forward(data_batch, is_train=True)`` then ``backward()``."""
        self.forward(data_batch, is_train=True)
        self.backward()

    def score(
        self,
        eval_data,
        eval_metric,
        num_batch=None,
        batch_end_callback=None,
        score_end_callback=None,
        reset: bool = True,
        epoch: int = 0,
        sparse_row_id_fn=None,
    ) -> list:
        """Predict on ``eval_data`` and evaluate ``eval_metric``; returns
        ``eval_metric.get_name_value()``.

        Parameters
        ----------
        eval_data : DataIter
        eval_metric : EvalMetric, str or list
            A metric or what ``mx.metric.create`` accepts.
        num_batch : int, optional
            Stop after this many batches.
        batch_end_callback, score_end_callback : callable or list, optional
            Called with a ``BatchEndParam`` after each batch / at the end.
        reset : bool
            Reset ``eval_data`` first.
        epoch : int
            Passed to the callbacks.
        """
        _require(
            self.binded and self.params_initialized, "score: bind and init_params first"
        )
        if reset:
            eval_data.reset()
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)
        eval_metric.reset()
        actual_num_batch = 0
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            if isinstance(eval_batch, list):
                self.update_metric(
                    eval_metric, [eb.label for eb in eval_batch], pre_sliced=True
                )
            else:
                self.update_metric(eval_metric, eval_batch.label)
            if batch_end_callback is not None:
                params = BatchEndParam(
                    epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals()
                )
                for callback in _as_list(batch_end_callback):
                    callback(params)
            actual_num_batch += 1
        if score_end_callback:
            params = BatchEndParam(
                epoch=epoch,
                nbatch=actual_num_batch,
                eval_metric=eval_metric,
                locals=locals(),
            )
            for callback in _as_list(score_end_callback):
                callback(params)
        return eval_metric.get_name_value()

    def iter_predict(
        self, eval_data, num_batch=None, reset: bool = True, sparse_row_id_fn=None
    ):
        """Yield ``(outputs, nbatch, batch)`` per batch (outputs without the
        batch's padding)."""
        _require(
            self.binded and self.params_initialized,
            "iter_predict: bind and init_params first",
        )
        if reset:
            eval_data.reset()
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            outputs = [out[0 : out.shape[0] - pad] for out in self.get_outputs()]
            yield (outputs, nbatch, eval_batch)

    def predict(
        self,
        eval_data,
        num_batch=None,
        merge_batches: bool = True,
        reset: bool = True,
        always_output_list: bool = False,
        sparse_row_id_fn=None,
    ):
        """Run prediction and collect the outputs.

        With ``merge_batches`` the result is one array per output (batches
        concatenated, padding removed), or the array itself for a single
        output unless ``always_output_list``; without it, one list of outputs
        per batch. An NDArray or numpy array is run as one batch and its first
        output returned.
        """
        _require(
            self.binded and self.params_initialized,
            "predict: bind and init_params first",
        )
        if isinstance(eval_data, (ndarray.NDArray, np.ndarray)):
            if isinstance(eval_data, np.ndarray):
                eval_data = ndarray.array(eval_data)
            self.forward(DataBatch([eval_data]))
            return self.get_outputs()[0]
        if not isinstance(eval_data, DataIter):
            raise ValueError(
                f"eval_data must be of type NDArray or DataIter, got {type(eval_data).__name__}"
            )
        if reset:
            eval_data.reset()
        output_list = []
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            output_list.append(
                [out[0 : out.shape[0] - pad].copy() for out in self.get_outputs()]
            )
        if not output_list:
            return output_list
        if merge_batches:
            num_outputs = len(output_list[0])
            for out in output_list:
                if len(out) != num_outputs:
                    raise AssertionError(
                        "Cannot merge batches, as num of outputs is not the same in "
                        "mini-batches. Maybe bucketing is used?"
                    )
            merged = [
                ndarray.concatenate([out[i] for out in output_list])
                for i in range(num_outputs)
            ]
            if num_outputs == 1 and not always_output_list:
                return merged[0]
            return merged
        return output_list

    def fit(
        self,
        train_data,
        eval_data=None,
        eval_metric="acc",
        epoch_end_callback=None,
        batch_end_callback=None,
        kvstore="local",
        optimizer="sgd",
        optimizer_params=(("learning_rate", 0.01),),
        eval_end_callback=None,
        eval_batch_end_callback=None,
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        arg_params=None,
        aux_params=None,
        allow_missing: bool = False,
        force_rebind: bool = False,
        force_init: bool = False,
        begin_epoch: int = 0,
        num_epoch=None,
        validation_metric=None,
        monitor=None,
        sparse_row_id_fn=None,
    ) -> None:
        """Train the module on ``train_data`` for epochs ``begin_epoch`` to
        ``num_epoch - 1``.

        Binds (for training), initializes the parameters (``arg_params`` /
        ``aux_params`` first, ``initializer`` for the rest when
        ``allow_missing``) and the optimizer, then per batch runs
        forward-backward, ``update`` and ``update_metric``; after each epoch
        logs the training metric, calls ``epoch_end_callback(epoch, symbol,
        arg_params, aux_params)`` and scores ``eval_data`` with
        ``validation_metric`` (default ``eval_metric``).
        """
        if num_epoch is None:
            raise AssertionError("please specify number of epochs")
        self.bind(
            data_shapes=train_data.provide_data,
            label_shapes=train_data.provide_label,
            for_training=True,
            force_rebind=force_rebind,
        )
        if monitor is not None:
            self.install_monitor(monitor)
        self.init_params(
            initializer=initializer,
            arg_params=arg_params,
            aux_params=aux_params,
            allow_missing=allow_missing,
            force_init=force_init,
        )
        self.init_optimizer(
            kvstore=kvstore, optimizer=optimizer, optimizer_params=optimizer_params
        )
        if validation_metric is None:
            validation_metric = eval_metric
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)

        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            data_iter = iter(train_data)
            end_of_batch = False
            next_data_batch = next(data_iter)
            eval_name_vals = []
            while not end_of_batch:
                data_batch = next_data_batch
                if monitor is not None:
                    monitor.tic()
                self.forward_backward(data_batch)
                self.update()
                if isinstance(data_batch, list):
                    self.update_metric(
                        eval_metric, [db.label for db in data_batch], pre_sliced=True
                    )
                else:
                    self.update_metric(eval_metric, data_batch.label)
                # Fetch the next batch only now: iterators may reuse the
                # memory of the batch they returned.
                try:
                    next_data_batch = next(data_iter)
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                except StopIteration:
                    end_of_batch = True
                if monitor is not None:
                    monitor.toc_print()
                if end_of_batch:
                    eval_name_vals = eval_metric.get_global_name_value()
                if batch_end_callback is not None:
                    params = BatchEndParam(
                        epoch=epoch,
                        nbatch=nbatch,
                        eval_metric=eval_metric,
                        locals=locals(),
                    )
                    for callback in _as_list(batch_end_callback):
                        callback(params)
                nbatch += 1
            for name, val in eval_name_vals:
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)

            # Gather the parameters from the devices (and write them back, so
            # every device holds the same values).
            arg_params_, aux_params_ = self.get_params()
            self.set_params(arg_params_, aux_params_)
            if epoch_end_callback is not None:
                for callback in _as_list(epoch_end_callback):
                    callback(epoch, self.symbol, arg_params_, aux_params_)
            if eval_data is not None:
                res = self.score(
                    eval_data,
                    validation_metric,
                    score_end_callback=eval_end_callback,
                    batch_end_callback=eval_batch_end_callback,
                    epoch=epoch,
                )
                for name, val in res:
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()

    # ------------------------------------------------------------ parameters
    def set_params(
        self,
        arg_params,
        aux_params,
        allow_missing: bool = False,
        force_init: bool = True,
        allow_extra: bool = False,
    ) -> None:
        """Assign parameter and auxiliary state values (``init_params`` with
        no initializer)."""
        self.init_params(
            initializer=None,
            arg_params=arg_params,
            aux_params=aux_params,
            allow_missing=allow_missing,
            force_init=force_init,
            allow_extra=allow_extra,
        )

    def _set_params_handled(
        self, arg_params, aux_params, allow_missing, force_init, allow_extra
    ) -> bool:
        """The ``set_params`` cases every module resolves the same way: without
        ``allow_missing`` it is ``init_params`` with no initializer; with it, an
        initialized module and ``force_init=False`` ignore the call (warning).
        True when the call is done; otherwise the subclass assigns the values."""
        if not allow_missing:
            self.init_params(
                initializer=None,
                arg_params=arg_params,
                aux_params=aux_params,
                allow_missing=allow_missing,
                force_init=force_init,
                allow_extra=allow_extra,
            )
            return True
        if self.params_initialized and not force_init:
            warnings.warn(
                "Parameters already initialized and force_init=False. "
                "set_params call ignored.",
                stacklevel=3,
            )
            return True
        return False

    def save_params(self, fname: str) -> None:
        """Save the parameters to ``fname`` (``arg:<name>`` / ``aux:<name>`` keys)."""
        arg_params, aux_params = self.get_params()
        save_dict = {f"arg:{k}": v.as_in_context(cpu()) for k, v in arg_params.items()}
        save_dict.update(
            {f"aux:{k}": v.as_in_context(cpu()) for k, v in aux_params.items()}
        )
        ndarray.save(fname, save_dict)

    def load_params(self, fname: str) -> None:
        """Load parameters saved by :meth:`save_params` (or MXNet) and set them."""
        save_dict = ndarray.serialization.load_any(fname)
        if not isinstance(save_dict, dict):
            raise ValueError(
                f"Invalid param file {fname}: it holds an unnamed list of arrays; "
                "expected 'arg:<name>' / 'aux:<name>' keys"
            )
        arg_params: dict = {}
        aux_params: dict = {}
        for k, value in save_dict.items():
            kind, _, name = k.partition(":")
            if kind == "arg":
                arg_params[name] = value
            elif kind == "aux":
                aux_params[name] = value
            else:
                raise ValueError(
                    f"Invalid param file {fname}: key '{k}' does not start with 'arg:' or 'aux:'"
                )
        self.set_params(arg_params, aux_params)

    def get_states(self, merge_multi_context: bool = True) -> list:
        """State arrays (none for a module without states)."""
        _require(
            self.binded and self.params_initialized,
            "get_states: bind and init_params first",
        )
        _require(
            not merge_multi_context, "get_states: merge_multi_context must be False"
        )
        return []

    def set_states(self, states=None, value=None) -> None:
        """Set state arrays (a module without states accepts no values)."""
        _require(
            self.binded and self.params_initialized,
            "set_states: bind and init_params first",
        )
        _require(not states and not value, "set_states: this module has no states")

    def prepare(self, data_batch, sparse_row_id_fn=None) -> None:
        """Prepare for ``data_batch`` (switch bucket, reshape...): nothing here."""
        if sparse_row_id_fn is not None:
            warnings.warn(
                UserWarning("sparse_row_id_fn is not invoked for BaseModule."),
                stacklevel=2,
            )

    @property
    def symbol(self):
        """The module's symbol (the current one for bucketing modules)."""
        return self._symbol

    # ------------------------------------------------------------ to implement
    def _abstract(self, what: str):
        raise NotImplementedError(
            f"{type(self).__name__} does not implement {what}; BaseModule only "
            "defines the interface (use mx.mod.Module)."
        )

    def install_monitor(self, mon) -> None:
        """Install a monitor on the executors."""
        self._abstract("install_monitor")

    def forward(self, data_batch, is_train=None) -> None:
        """Forward computation on ``data_batch``."""
        self._abstract("forward")

    def backward(self, out_grads=None) -> None:
        """Backward computation."""
        self._abstract("backward")

    def get_outputs(self, merge_multi_context: bool = True):
        """Outputs of the previous forward."""
        self._abstract("get_outputs")

    def get_input_grads(self, merge_multi_context: bool = True):
        """Gradients of the inputs from the previous backward."""
        self._abstract("get_input_grads")

    def update(self) -> None:
        """Update the parameters with the installed optimizer."""
        self._abstract("update")

    def update_metric(self, eval_metric, labels, pre_sliced: bool = False) -> None:
        """Accumulate ``eval_metric`` on the outputs of the last forward."""
        self._abstract("update_metric")

    def bind(
        self,
        data_shapes,
        label_shapes=None,
        for_training: bool = True,
        inputs_need_grad: bool = False,
        force_rebind: bool = False,
        shared_module=None,
        grad_req="write",
    ) -> None:
        """Allocate the executors for these input shapes."""
        self._abstract("bind")

    def init_optimizer(
        self,
        kvstore="local",
        optimizer="sgd",
        optimizer_params=(("learning_rate", 0.01),),
        force_init: bool = False,
    ) -> None:
        """Install the optimizer."""
        self._abstract("init_optimizer")

    def get_params(self):
        """``(arg_params, aux_params)`` dicts of CPU copies."""
        self._abstract("get_params")

    def init_params(
        self,
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        arg_params=None,
        aux_params=None,
        allow_missing: bool = False,
        force_init: bool = False,
        allow_extra: bool = False,
    ) -> None:
        """Initialize parameters and auxiliary states."""
        self._abstract("init_params")

    @property
    def data_names(self):
        """Names of the data inputs."""
        return self._abstract("data_names")

    @property
    def output_names(self):
        """Names of the outputs."""
        return self._abstract("output_names")

    @property
    def data_shapes(self):
        """``(name, shape)`` of the data inputs."""
        return self._abstract("data_shapes")

    @property
    def label_shapes(self):
        """``(name, shape)`` of the label inputs."""
        return self._abstract("label_shapes")

    @property
    def output_shapes(self):
        """``(name, shape)`` of the outputs."""
        return self._abstract("output_shapes")
