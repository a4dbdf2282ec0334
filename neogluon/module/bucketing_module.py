"""``mx.module.bucketing_module``: :class:`BucketingModule`, one
:class:`~neogluon.module.module.Module` per bucket key (e.g. sequence
length), all sharing the parameters of the default bucket's module.

``sym_gen(bucket_key)`` returns ``(symbol, data_names, label_names)``; it is
called inside a fresh ``mx.name.NameManager`` so automatic names are the
same for every bucket. A batch's ``bucket_key`` (with its ``provide_data`` /
``provide_label``) selects the module; a new bucket's module is bound with
the default bucket's module as ``shared_module`` (same parameter arrays,
gradients and optimizer).
"""

from __future__ import annotations

import logging

import numpy as np

from .. import context as ctx
from .. import ndarray as nd
from .. import symbol as sym
from ..initializer import Uniform
from ..model import load_params
from ..name import NameManager
from .base_module import BaseModule
from .base_module import _check_input_names
from .base_module import _require
from .module import Module

__all__ = ["BucketingModule"]


class BucketingModule(BaseModule):
    """A module switching between symbols by bucket key.

    Parameters
    ----------
    sym_gen : callable
        ``bucket_key -> (symbol, data_names, label_names)``.
    default_bucket_key : hashable
        The bucket whose module owns the parameters (the largest bucket,
        typically).
    logger, context, work_load_list, fixed_param_names, state_names, group2ctxs, compression_params
        As for :class:`~neogluon.module.module.Module`, for every bucket.
    """

    def __init__(
        self,
        sym_gen,
        default_bucket_key=None,
        logger=logging,
        context=ctx.cpu(),  # noqa: B008 - MXNet's default, immutable
        work_load_list=None,
        fixed_param_names=None,
        state_names=None,
        group2ctxs=None,
        compression_params=None,
    ) -> None:
        super().__init__(logger=logger)
        if default_bucket_key is None:
            raise AssertionError("BucketingModule needs a default_bucket_key")
        self._default_bucket_key = default_bucket_key
        self._sym_gen = sym_gen
        symbol, data_names, label_names = self._call_sym_gen(default_bucket_key)
        data_names = list(data_names) if data_names is not None else []
        label_names = list(label_names) if label_names is not None else []
        state_names = list(state_names) if state_names is not None else []
        fixed_param_names = (
            list(fixed_param_names) if fixed_param_names is not None else []
        )
        _check_input_names(symbol, data_names, "data", True)
        _check_input_names(symbol, label_names, "label", False)
        _check_input_names(symbol, state_names, "state", True)
        _check_input_names(symbol, fixed_param_names, "fixed_param", True)
        self._compression_params = compression_params
        self._fixed_param_names = fixed_param_names
        self._state_names = state_names
        self._context = context
        self._work_load_list = work_load_list
        self._group2ctxs = group2ctxs
        self._buckets: dict = {}
        self._curr_module = None
        self._curr_bucket_key = None
        self._params_dirty = False
        self._monitor = None
        self._grad_req = None

    def _reset_bind(self) -> None:
        self.binded = False
        self._buckets = {}
        self._curr_module = None
        self._curr_bucket_key = None

    def _call_sym_gen(self, *args, **kwargs):
        with NameManager():
            return self._sym_gen(*args, **kwargs)

    def _new_module(self, symbol, data_names, label_names) -> Module:
        return Module(
            symbol,
            data_names,
            label_names,
            logger=self.logger,
            context=self._context,
            work_load_list=self._work_load_list,
            fixed_param_names=self._fixed_param_names,
            state_names=self._state_names,
            group2ctxs=self._group2ctxs,
            compression_params=self._compression_params,
        )

    # ------------------------------------------------------------ properties
    @property
    def data_names(self):
        """Data input names (of the current bucket once bound)."""
        if self.binded:
            return self._curr_module.data_names
        return self._call_sym_gen(self._default_bucket_key)[1]

    @property
    def output_names(self):
        """Output names (of the current bucket once bound)."""
        if self.binded:
            return self._curr_module.output_names
        return self._call_sym_gen(self._default_bucket_key)[0].list_outputs()

    @property
    def data_shapes(self):
        """The current bucket's data shapes."""
        _require(self.binded, "data_shapes: bind the module first")
        return self._curr_module.data_shapes

    @property
    def label_shapes(self):
        """The current bucket's label shapes."""
        _require(self.binded, "label_shapes: bind the module first")
        return self._curr_module.label_shapes

    @property
    def output_shapes(self):
        """The current bucket's output shapes."""
        _require(self.binded, "output_shapes: bind the module first")
        return self._curr_module.output_shapes

    @property
    def symbol(self):
        """The current bucket's symbol."""
        _require(self.binded, "symbol: bind the module first")
        return self._curr_module.symbol

    # ------------------------------------------------------------ parameters
    def get_params(self):
        """``(arg_params, aux_params)`` (shared by all buckets)."""
        _require(self.params_initialized, "get_params: call init_params first")
        self._curr_module._params_dirty = self._params_dirty
        params = self._curr_module.get_params()
        self._params_dirty = False
        return params

    def set_params(
        self,
        arg_params,
        aux_params,
        allow_missing: bool = False,
        force_init: bool = True,
        allow_extra: bool = False,
    ) -> None:
        """Assign parameter values (see :meth:`Module.set_params`)."""
        if self._set_params_handled(
            arg_params, aux_params, allow_missing, force_init, allow_extra
        ):
            return
        self._curr_module.set_params(
            arg_params,
            aux_params,
            allow_missing=allow_missing,
            force_init=force_init,
            allow_extra=allow_extra,
        )
        self._params_dirty = True
        self.params_initialized = True

    def init_params(
        self,
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        arg_params=None,
        aux_params=None,
        allow_missing: bool = False,
        force_init: bool = False,
        allow_extra: bool = False,
    ) -> None:
        """Initialize the parameters (through the current bucket's module)."""
        if self.params_initialized and not force_init:
            return
        _require(self.binded, "call bind before initializing the parameters")
        self._curr_module.init_params(
            initializer=initializer,
            arg_params=arg_params,
            aux_params=aux_params,
            allow_missing=allow_missing,
            force_init=force_init,
            allow_extra=allow_extra,
        )
        self._params_dirty = False
        self.params_initialized = True

    def get_states(self, merge_multi_context: bool = True):
        """The current bucket's states."""
        _require(
            self.binded and self.params_initialized,
            "get_states: bind and init_params first",
        )
        return self._curr_module.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None) -> None:
        """Set the current bucket's states."""
        _require(
            self.binded and self.params_initialized,
            "set_states: bind and init_params first",
        )
        self._curr_module.set_states(states, value)

    # ------------------------------------------------------------ binding
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
        """Bind the default bucket's module (other buckets bind on first use)."""
        if self.params_initialized:
            arg_params, aux_params = self.get_params()
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if shared_module is not None:
            raise AssertionError("shared_module for BucketingModule is not supported")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        symbol, data_names, label_names = self._call_sym_gen(self._default_bucket_key)
        module = self._buckets.get(self._default_bucket_key)
        if module is None:
            module = self._new_module(symbol, data_names, label_names)
        module.bind(
            data_shapes,
            label_shapes,
            for_training,
            inputs_need_grad,
            force_rebind=False,
            shared_module=None,
            grad_req=self._grad_req,
        )
        self.binded = True
        self._curr_module = module
        self._curr_bucket_key = self._default_bucket_key
        self._buckets[self._default_bucket_key] = module
        if self.params_initialized:
            self.set_params(arg_params, aux_params)

    def switch_bucket(self, bucket_key, data_shapes, label_shapes=None) -> None:
        """Make ``bucket_key``'s module current, creating and binding it
        (sharing the default bucket's parameters) the first time."""
        _require(self.binded, "call bind before switching bucket")
        module = self._buckets.get(bucket_key)
        if module is None:
            symbol, data_names, label_names = self._call_sym_gen(bucket_key)
            module = self._new_module(symbol, data_names, label_names)
            module.bind(
                data_shapes,
                label_shapes,
                self._curr_module.for_training,
                self._curr_module.inputs_need_grad,
                force_rebind=False,
                shared_module=self._buckets[self._default_bucket_key],
                grad_req=self._grad_req,
            )
            if self._monitor is not None:
                module.install_monitor(self._monitor)
            self._buckets[bucket_key] = module
        elif not module.binded:
            module.bind(
                data_shapes,
                label_shapes,
                self._curr_module.for_training,
                self._curr_module.inputs_need_grad,
                force_rebind=False,
                shared_module=self._buckets[self._default_bucket_key],
                grad_req=self._grad_req,
            )
        self._curr_module = module
        self._curr_bucket_key = bucket_key

    def init_optimizer(
        self,
        kvstore="local",
        optimizer="sgd",
        optimizer_params=(("learning_rate", 0.01),),
        force_init: bool = False,
    ) -> None:
        """Install the optimizer on the current module; every other bucket
        borrows it."""
        _require(
            self.binded and self.params_initialized,
            "init_optimizer: bind and init_params first",
        )
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring.")
            return
        self._curr_module.init_optimizer(
            kvstore, optimizer, optimizer_params, force_init=force_init
        )
        for mod in self._buckets.values():
            if mod is not self._curr_module:
                mod.borrow_optimizer(self._curr_module)
        self.optimizer_initialized = True

    # ------------------------------------------------------------ computation
    def prepare(self, data_batch, sparse_row_id_fn=None) -> None:
        """Bind the batch's bucket if new (the current bucket stays)."""
        _require(
            self.binded and self.params_initialized,
            "prepare: bind and init_params first",
        )
        original = self._curr_bucket_key
        self.switch_bucket(
            data_batch.bucket_key, data_batch.provide_data, data_batch.provide_label
        )
        self._curr_module.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self.switch_bucket(original, None, None)

    def forward(self, data_batch, is_train=None) -> None:
        """Switch to the batch's bucket and run forward."""
        _require(
            self.binded and self.params_initialized,
            "forward: bind and init_params first",
        )
        self.switch_bucket(
            data_batch.bucket_key, data_batch.provide_data, data_batch.provide_label
        )
        self._curr_module.forward(data_batch, is_train=is_train)

    def backward(self, out_grads=None) -> None:
        """Backward on the current bucket."""
        _require(
            self.binded and self.params_initialized,
            "backward: bind and init_params first",
        )
        self._curr_module.backward(out_grads=out_grads)

    def update(self) -> None:
        """Update the (shared) parameters."""
        _require(
            self.binded and self.params_initialized and self.optimizer_initialized,
            "update: bind, init_params and init_optimizer first",
        )
        self._params_dirty = True
        self._curr_module.update()

    def get_outputs(self, merge_multi_context: bool = True):
        """The current bucket's outputs."""
        _require(
            self.binded and self.params_initialized,
            "get_outputs: bind and init_params first",
        )
        return self._curr_module.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context: bool = True):
        """The current bucket's input gradients."""
        _require(
            self.binded and self.params_initialized and self.inputs_need_grad,
            "get_input_grads: bind with inputs_need_grad=True and init_params first",
        )
        return self._curr_module.get_input_grads(
            merge_multi_context=merge_multi_context
        )

    def update_metric(self, eval_metric, labels, pre_sliced: bool = False) -> None:
        """Accumulate ``eval_metric`` on the current bucket's outputs."""
        _require(
            self.binded and self.params_initialized,
            "update_metric: bind and init_params first",
        )
        self._curr_module.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon) -> None:
        """Install ``mon`` on every bucket (and buckets created later)."""
        _require(self.binded, "install_monitor: bind the module first")
        self._monitor = mon
        for mod in self._buckets.values():
            mod.install_monitor(mon)

    # ------------------------------------------------------------ checkpoints
    def save_checkpoint(
        self, prefix: str, epoch: int, remove_amp_cast: bool = False
    ) -> None:
        """Write ``prefix-%04d.params``, one ``prefix-<key>-symbol.json`` per
        bucket and ``prefix.buckets`` (the keys, an int32 NDArray)."""
        if not self._buckets:
            raise AssertionError("Empty BucketingModule cannot be saved")
        self.save_params(f"{prefix}-{int(epoch):04d}.params")
        for bucket_key in self._buckets:
            symbol, _, _ = self._sym_gen(bucket_key)
            symbol.save(
                f"{prefix}-{bucket_key}-symbol.json", remove_amp_cast=remove_amp_cast
            )
        nd.save(
            f"{prefix}.buckets", nd.array(list(self._buckets.keys()), dtype=np.int32)
        )

    @staticmethod
    def load(prefix: str, epoch: int, sym_gen=None, default_bucket_key=None, **kwargs):
        """A BucketingModule from :meth:`save_checkpoint`'s files."""
        if sym_gen is None:
            raise AssertionError("sym_gen is required for loading BucketingModule")
        if default_bucket_key is None:
            raise AssertionError(
                "default_bucket_key is required for loading BucketingModule"
            )
        keys = nd.serialization.load_any(f"{prefix}.buckets")
        keys = [int(k) for k in keys[0].asnumpy().astype("int32")]
        mod = BucketingModule(sym_gen, default_bucket_key, **kwargs)
        for bucket_key in keys:
            _, data_names, label_names = sym_gen(bucket_key)
            symbol = sym.load(f"{prefix}-{bucket_key}-symbol.json")
            mod._buckets[bucket_key] = Module(symbol, data_names, label_names, **kwargs)
            if bucket_key == default_bucket_key:
                mod._curr_module = mod._buckets[bucket_key]
        if mod._curr_module is None:
            raise AssertionError(
                f"default_bucket_key {default_bucket_key!r} is not among the saved "
                f"buckets {keys}"
            )
        arg_params, aux_params = load_params(prefix, epoch)
        mod._curr_module._arg_params = arg_params
        mod._curr_module._aux_params = aux_params
        mod._curr_module.params_initialized = True
        mod.params_initialized = True
        return mod

    @staticmethod
    def load_dict(
        sym_dict=None,
        sym_gen=None,
        default_bucket_key=None,
        arg_params=None,
        aux_params=None,
        **kwargs,
    ):
        """A BucketingModule from ``{bucket_key: symbol}`` and parameters."""
        for value, what in (
            (sym_dict, "sym_dict"),
            (arg_params, "arg_params"),
            (aux_params, "aux_params"),
            (default_bucket_key, "default_bucket_key"),
        ):
            if value is None:
                raise AssertionError(
                    f"{what} needs to be provided for BucketingModule.load_dict"
                )
        mod = BucketingModule(sym_gen, default_bucket_key, **kwargs)
        for bucket_key, loaded in sym_dict.items():
            _, data_names, label_names = sym_gen(default_bucket_key)
            mod._buckets[bucket_key] = Module(loaded, data_names, label_names, **kwargs)
            if bucket_key == default_bucket_key:
                mod._curr_module = mod._buckets[bucket_key]
        if mod._curr_module is None:
            raise AssertionError(
                f"default_bucket_key {default_bucket_key!r} is not a key of sym_dict"
            )
        mod._curr_module._arg_params = arg_params
        mod._curr_module._aux_params = aux_params
        mod._curr_module.params_initialized = True
        mod.params_initialized = True
        return mod
