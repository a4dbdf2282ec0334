"""``mx.module.module``: :class:`Module`, a symbol bound to executors with
parameters and an optimizer (MXNet 1.9.1's intermediate-level training API).

Runs on neogluon's symbol executor (``Symbol.bind``), one per context
through :class:`~neogluon.module.executor_group.DataParallelExecutorGroup`.
Parameters live in the executors; ``get_params`` returns CPU copies.
Updates follow MXNet: without a kvstore (one context, or ``kvstore=None``)
an ``mx.optimizer`` Updater updates each parameter with index keys
(``param_idx2name`` maps them to names, so ``lr_mult``/``wd_mult`` from the
symbol's ``__lr_mult__``/``__wd_mult__`` attributes apply); with several
contexts the gradients are summed in an ``mx.kv`` store which, by default
(``MXNET_UPDATE_ON_KVSTORE=1``), also runs the optimizer.
"""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np

from .. import context as ctx
from .. import kvstore as kvs
from .. import optimizer as opt
from .._atomic import write_atomic
from ..initializer import InitDesc
from ..initializer import Uniform
from ..io import DataDesc
from ..model import load_checkpoint
from ..ndarray import zeros
from .base_module import BaseModule
from .base_module import _check_input_names
from .base_module import _parse_data_desc
from .base_module import _require
from .executor_group import DataParallelExecutorGroup

__all__ = ["Module"]


def _create_kvstore(kvstore, num_device: int, arg_params: dict):
    """``(kvstore or None, update_on_kvstore)`` as MXNet decides them: no
    store for one device unless distributed; the store runs the optimizer
    unless ``MXNET_UPDATE_ON_KVSTORE=0`` or a 'local' store holds a parameter
    larger than 16M elements."""
    update_on_kvstore = bool(int(os.getenv("MXNET_UPDATE_ON_KVSTORE", "1")))
    if kvstore is None:
        kv = None
    elif isinstance(kvstore, kvs.KVStoreBase):
        kv = kvstore
    elif isinstance(kvstore, str):
        if num_device == 1 and "dist" not in kvstore:
            kv = None
        else:
            kv = kvs.create(kvstore)
            if kvstore == "local" and arg_params:
                biggest = max(int(np.prod(p.shape)) for p in arg_params.values())
                if biggest > 1024 * 1024 * 16:
                    update_on_kvstore = False
    else:
        raise TypeError(
            f"kvstore must be a KVStore, a str or None; got {type(kvstore).__name__}"
        )
    if kv is None:
        update_on_kvstore = False
    else:
        update_on_kvstore &= kv.is_capable(kvs.KVStoreBase.OPTIMIZER)
    return kv, update_on_kvstore


class Module(BaseModule):
    """A module over one symbol.

    Parameters
    ----------
    symbol : Symbol
        The network.
    data_names : sequence of str
        Data inputs (arguments of ``symbol``).
    label_names : sequence of str or None
        Label inputs (a name that is not an argument only warns, as in MXNet).
    logger : logging.Logger
    context : Context or list of Context
        One executor per context; a batch is split between them.
    work_load_list : list of int, optional
        Share of each context in a batch (default equal).
    fixed_param_names : list of str, optional
        Parameters that are not updated (no gradient).
    state_names : list of str, optional
        Inputs that are states, set with :meth:`set_states`.
    group2ctxs : dict or list of dict, optional
        ``ctx_group`` -> context: variables of a group are allocated there
        (on CPU all contexts are one device).
    compression_params : dict, optional
        Gradient compression for the kvstore.

    Examples
    --------
    >>> data = mx.sym.Variable('data')
    >>> out = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=10), name='softmax')
    >>> mod = mx.mod.Module(out)
    >>> mod.fit(train_iter, num_epoch=2)  # doctest: +SKIP
    """

    def __init__(
        self,
        symbol,
        data_names=("data",),
        label_names=("softmax_label",),
        logger=logging,
        context=ctx.cpu(),  # noqa: B008 - MXNet's default, immutable
        work_load_list=None,
        fixed_param_names=None,
        state_names=None,
        group2ctxs=None,
        compression_params=None,
    ) -> None:
        super().__init__(logger=logger)
        from ..symbol import Symbol

        if not isinstance(symbol, Symbol):
            raise TypeError(
                f"Module: symbol must be an mx.sym.Symbol, got {type(symbol).__name__}"
            )
        if isinstance(context, ctx.Context):
            context = [context]
        self._context = list(context)
        if not self._context:
            raise ValueError("Module: context must name at least one Context.")
        if work_load_list is None:
            work_load_list = [1] * len(self._context)
        if len(work_load_list) != len(self._context):
            raise ValueError(
                f"work_load_list has {len(work_load_list)} entries for "
                f"{len(self._context)} contexts."
            )
        self._work_load_list = list(work_load_list)
        self._group2ctxs = group2ctxs
        self._symbol = symbol

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

        arg_names = symbol.list_arguments()
        input_names = data_names + label_names + state_names
        self._param_names = [x for x in arg_names if x not in input_names]
        self._fixed_param_names = fixed_param_names
        self._aux_names = symbol.list_auxiliary_states()
        self._data_names = data_names
        self._label_names = label_names
        self._state_names = state_names
        self._output_names = symbol.list_outputs()

        self._arg_params = None
        self._aux_params = None
        self._params_dirty = False
        self._compression_params = compression_params
        self._optimizer = None
        self._kvstore = None
        self._update_on_kvstore = None
        self._updater = None
        self._update_plan: tuple | None = None
        self._preload_opt_states = None
        self._grad_req = None
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    # ------------------------------------------------------------ checkpoints
    @staticmethod
    def load(
        prefix: str, epoch: int, load_optimizer_states: bool = False, **kwargs
    ) -> Module:
        """A Module from ``prefix-symbol.json`` and ``prefix-%04d.params``
        (``kwargs`` go to the constructor). With ``load_optimizer_states``,
        ``prefix-%04d.states`` is loaded by ``init_optimizer``."""
        sym, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=sym, **kwargs)
        mod._arg_params = args
        mod._aux_params = auxs
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = f"{prefix}-{int(epoch):04d}.states"
        return mod

    def save_checkpoint(
        self,
        prefix: str,
        epoch: int,
        save_optimizer_states: bool = False,
        remove_amp_cast: bool = True,
    ) -> None:
        """Write ``prefix-symbol.json``, ``prefix-%04d.params`` and, with
        ``save_optimizer_states``, ``prefix-%04d.states``."""
        self._symbol.save(f"{prefix}-symbol.json", remove_amp_cast=remove_amp_cast)
        param_name = f"{prefix}-{int(epoch):04d}.params"
        self.save_params(param_name)
        logging.info('Saved checkpoint to "%s"', param_name)
        if save_optimizer_states:
            state_name = f"{prefix}-{int(epoch):04d}.states"
            self.save_optimizer_states(state_name)
            logging.info('Saved optimizer state to "%s"', state_name)

    def _reset_bind(self) -> None:
        self.binded = False
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    # ------------------------------------------------------------ properties
    @property
    def data_names(self) -> list:
        """Names of the data inputs."""
        return self._data_names

    @property
    def label_names(self) -> list:
        """Names of the label inputs."""
        return self._label_names

    @property
    def output_names(self) -> list:
        """Names of the outputs."""
        return self._output_names

    @property
    def data_shapes(self) -> list:
        """DataDesc of each data input (after ``bind``)."""
        _require(self.binded, "data_shapes: bind the module first")
        return self._data_shapes

    @property
    def label_shapes(self):
        """DataDesc of each label input (after ``bind``), or None."""
        _require(self.binded, "label_shapes: bind the module first")
        return self._label_shapes

    @property
    def output_shapes(self) -> list:
        """``(name, shape)`` of each output (after ``bind``)."""
        _require(self.binded, "output_shapes: bind the module first")
        return self._exec_group.get_output_shapes()

    # ------------------------------------------------------------ parameters
    def get_params(self):
        """``(arg_params, aux_params)``: CPU copies of the parameters."""
        _require(self.params_initialized, "get_params: call init_params first")
        if self._params_dirty:
            self._sync_params_from_devices()
        return (self._arg_params, self._aux_params)

    def init_params(
        self,
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        arg_params=None,
        aux_params=None,
        allow_missing: bool = False,
        force_init: bool = False,
        allow_extra: bool = False,
    ) -> None:
        """Initialize parameters: copied from ``arg_params`` / ``aux_params``
        where given, otherwise drawn by ``initializer`` (a name missing from
        given dicts is an error unless ``allow_missing``). As in MXNet, names
        of the given dicts that the symbol lacks are ignored here;
        ``set_params(..., allow_missing=True)`` rejects them unless
        ``allow_extra``."""
        if self.params_initialized and not force_init:
            warnings.warn(
                "Parameters already initialized and force_init=False. "
                "init_params call ignored.",
                stacklevel=2,
            )
            return
        _require(self.binded, "call bind before initializing the parameters")

        def fill(name, arr, cache) -> None:
            if cache is not None:
                if name in cache:
                    src = cache[name]
                    if src is not arr:
                        src.copyto(arr)
                else:
                    if not allow_missing:
                        raise RuntimeError(f"{name} is not presented")
                    if initializer is not None:
                        initializer(name, arr)
            else:
                if initializer is None:
                    raise RuntimeError(
                        f"{name} is not presented (no arg_params/aux_params and no initializer)"
                    )
                initializer(name, arr)

        attrs = self._symbol.attr_dict()
        for name, arr in sorted(self._arg_params.items()):
            fill(InitDesc(name, attrs.get(name, None)), arr, arg_params)
        for name, arr in sorted(self._aux_params.items()):
            fill(InitDesc(name, attrs.get(name, None)), arr, aux_params)
        self.params_initialized = True
        self._params_dirty = False
        self._exec_group.set_params(
            self._arg_params, self._aux_params, allow_extra=allow_extra
        )

    def set_params(
        self,
        arg_params,
        aux_params,
        allow_missing: bool = False,
        force_init: bool = True,
        allow_extra: bool = False,
    ) -> None:
        """Assign parameter values (``allow_missing``: keep the current value
        of names not given)."""
        if self._set_params_handled(
            arg_params, aux_params, allow_missing, force_init, allow_extra
        ):
            return
        self._exec_group.set_params(arg_params, aux_params, allow_extra=allow_extra)
        # The values are in the executors; get_params copies them back.
        self._params_dirty = True
        self.params_initialized = True

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
        """Allocate executors for these input shapes.

        Parameters
        ----------
        data_shapes, label_shapes : list of DataDesc or (name, shape)
            Usually ``data_iter.provide_data`` / ``provide_label``.
        for_training : bool
            Allocate gradients (``backward`` needs it).
        inputs_need_grad : bool
            Also compute the gradients of the data inputs.
        force_rebind : bool
            Rebind if already bound (otherwise a second bind is ignored).
        shared_module : Module, optional
            A bound, initialized module whose parameters (same names) this
            one shares (bucketing).
        grad_req : str, list or dict
            ``'write'``, ``'add'`` or ``'null'``, globally or per argument.
        """
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        if not for_training and inputs_need_grad:
            raise AssertionError("inputs_need_grad needs for_training=True")
        self._data_shapes, self._label_shapes = _parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes
        )
        if shared_module is not None:
            if not (
                isinstance(shared_module, Module)
                and shared_module.binded
                and shared_module.params_initialized
            ):
                raise AssertionError(
                    "shared_module must be a bound Module with initialized parameters"
                )
            shared_group = shared_module._exec_group
            if len(shared_group.execs) < len(self._context):
                raise AssertionError(
                    f"shared_module has {len(shared_group.execs)} executors, this module "
                    f"needs {len(self._context)}"
                )
        else:
            shared_group = None
        try:
            self._exec_group = DataParallelExecutorGroup(
                self._symbol,
                self._context,
                self._work_load_list,
                self._data_shapes,
                self._label_shapes,
                self._param_names,
                for_training,
                inputs_need_grad,
                shared_group,
                logger=self.logger,
                fixed_param_names=self._fixed_param_names,
                grad_req=grad_req,
                group2ctxs=self._group2ctxs,
                state_names=self._state_names,
            )
        except BaseException:
            self._reset_bind()
            raise
        self._total_exec_bytes = self._exec_group._total_exec_bytes
        if shared_module is not None:
            self.params_initialized = True
            self._arg_params = shared_module._arg_params
            self._aux_params = shared_module._aux_params
        elif self.params_initialized:
            # Parameters were set before binding (Module.load, or a rebind).
            self._exec_group.set_params(self._arg_params, self._aux_params)
        else:
            if self._arg_params is not None or self._aux_params is not None:
                raise AssertionError("parameters exist but params_initialized is False")
            self._arg_params = {
                name: zeros(block[0].shape, dtype=block[0].dtype, stype=block[0].stype)
                for name, block in zip(
                    self._param_names, self._exec_group.param_arrays, strict=True
                )
            }
            self._aux_params = {
                name: zeros(block[0].shape, dtype=block[0].dtype)
                for name, block in zip(
                    self._aux_names, self._exec_group.aux_arrays, strict=True
                )
            }
        if shared_module is not None and shared_module.optimizer_initialized:
            self.borrow_optimizer(shared_module)
        self.binded = True

    def reshape(self, data_shapes, label_shapes=None) -> None:
        """New input shapes for the bound executors (memory shared)."""
        _require(self.binded, "reshape: bind the module first")
        self._data_shapes, self._label_shapes = _parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes
        )
        self._exec_group.reshape(self._data_shapes, self._label_shapes)

    # ------------------------------------------------------------ optimizer
    def init_optimizer(
        self,
        kvstore="local",
        optimizer="sgd",
        optimizer_params=(("learning_rate", 0.01),),
        force_init: bool = False,
    ) -> None:
        """Install the optimizer (a name for ``mx.optimizer.create`` with
        ``optimizer_params``, or an Optimizer).

        ``rescale_grad`` defaults to ``1 / batch_size`` (the whole batch, over
        all contexts); the optimizer gets ``sym`` (for ``__lr_mult__`` /
        ``__wd_mult__``) and ``param_idx2name``.
        """
        _require(
            self.binded and self.params_initialized,
            "init_optimizer: bind and init_params first",
        )
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        if self._params_dirty:
            self._sync_params_from_devices()
        kvstore, update_on_kvstore = _create_kvstore(
            kvstore, len(self._context), self._arg_params
        )
        batch_size = self._exec_group.batch_size
        if kvstore and "dist" in kvstore.type and "_sync" in kvstore.type:
            batch_size *= kvstore.num_workers
        rescale_grad = 1.0 / batch_size

        idx2name = {}
        if update_on_kvstore:
            idx2name.update(enumerate(self._exec_group.param_names))
        else:
            n = len(self._context)
            for k in range(n):
                idx2name.update(
                    {
                        i * n + k: name
                        for i, name in enumerate(self._exec_group.param_names)
                    }
                )
        if isinstance(optimizer, str):
            optimizer_params = dict(optimizer_params)
            optimizer_params.setdefault("rescale_grad", rescale_grad)
            optimizer = opt.create(
                optimizer, sym=self.symbol, param_idx2name=idx2name, **optimizer_params
            )
        else:
            if not isinstance(optimizer, opt.Optimizer):
                raise TypeError(
                    "init_optimizer: optimizer must be a name or an mx.optimizer."
                    f"Optimizer, got {type(optimizer).__name__}"
                )
            if optimizer.rescale_grad != rescale_grad:
                warnings.warn(
                    "Optimizer created manually outside Module but rescale_grad is not "
                    f"normalized to 1.0/batch_size/num_workers ({optimizer.rescale_grad} "
                    f"vs. {rescale_grad}). Is this intended?",
                    stacklevel=2,
                )
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._kvstore = kvstore
        self._update_on_kvstore = update_on_kvstore
        self._updater = None
        if kvstore:
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                kvstore.set_optimizer(self._optimizer)
            for idx, param_on_devs in enumerate(self._exec_group.param_arrays):
                name = self._param_names[idx]
                if update_on_kvstore:
                    kvstore.broadcast(name, self._arg_params[name], out=param_on_devs)
                else:
                    kvstore.init(name, self._arg_params[name])
        if not update_on_kvstore:
            self._updater = opt.get_updater(optimizer)
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module) -> None:
        """Use ``shared_module``'s optimizer, kvstore and updater."""
        _require(
            shared_module.optimizer_initialized,
            "borrow_optimizer: the shared module has no optimizer",
        )
        self._optimizer = shared_module._optimizer
        self._kvstore = shared_module._kvstore
        self._update_on_kvstore = shared_module._update_on_kvstore
        self._updater = shared_module._updater
        self.optimizer_initialized = True

    # ------------------------------------------------------------ computation
    def forward(self, data_batch, is_train=None) -> None:
        """Forward on ``data_batch`` (anything with ``.data``, optionally
        ``.label``, ``.provide_data``...; or a list of DataBatch, one per
        context). A batch of other shapes reshapes the executors first."""
        _require(
            self.binded and self.params_initialized,
            "forward: bind and init_params first",
        )
        shapes = self._data_shapes
        if not isinstance(data_batch, list):
            data = data_batch.data
            if len(data) == len(shapes) and all(
                d.shape == s.shape or tuple(d.shape) == tuple(s.shape)
                for d, s in zip(data, shapes, strict=True)
            ):
                # The bound shapes: no reshape (the common case, checked first).
                self._exec_group.forward(data_batch, is_train)
                return
        curr = tuple(tuple(d.shape) for d in shapes)
        if isinstance(data_batch, list):
            if not data_batch:
                raise AssertionError("Encountered empty data batch")
            new = []
            for i in range(len(data_batch[0].data)):
                shape = data_batch[0].data[i].shape
                for db in data_batch:
                    if shape != db.data[i].shape:
                        raise AssertionError(
                            "All data batches in a list need to have the same shape"
                        )
                new.append((len(data_batch) * shape[0],) + tuple(shape[1:]))
            new = tuple(new)
        else:
            new = tuple(tuple(d.shape) for d in data_batch.data)
        if curr != new:
            if getattr(data_batch, "provide_data", None):
                new_dshape = data_batch.provide_data
            else:
                new_dshape = [
                    DataDesc(d.name, shape, d.dtype, d.layout)
                    for d, shape in zip(self._data_shapes, new, strict=False)
                ]
            if getattr(data_batch, "provide_label", None):
                new_lshape = data_batch.provide_label
            elif getattr(data_batch, "label", None) and self._label_shapes:
                new_lshape = [
                    DataDesc(d.name, j.shape, d.dtype, d.layout)
                    for d, j in zip(self._label_shapes, data_batch.label, strict=False)
                ]
            else:
                new_lshape = None
            self.reshape(new_dshape, new_lshape)
        self._exec_group.forward(data_batch, is_train)

    def backward(self, out_grads=None) -> None:
        """Backward; ``out_grads`` are needed for outputs that are not losses."""
        _require(
            self.binded and self.params_initialized,
            "backward: bind and init_params first",
        )
        self._exec_group.backward(out_grads=out_grads)

    def update(self) -> None:
        """Apply the optimizer to the gradients of the last backward."""
        _require(
            self.binded and self.params_initialized and self.optimizer_initialized,
            "update: bind, init_params and init_optimizer first",
        )
        self._params_dirty = True
        group = self._exec_group
        if self._update_on_kvstore:
            for index, (arg_list, grad_list) in enumerate(
                zip(group.param_arrays, group.grad_arrays, strict=True)
            ):
                if grad_list[0] is None:
                    continue
                self._kvstore.pushpull(
                    group.param_names[index], grad_list, out=arg_list, priority=-index
                )
            return
        plan = self._update_plan
        if (
            plan is None
            or plan[0] is not group.param_arrays
            or plan[1] is not group.grad_arrays
        ):
            plan = self._update_plan = self._plan_updates(group)
        kvstore = self._kvstore
        if kvstore:
            for index, name, grad_list in plan[3]:
                # Sum the gradients over the devices into every device's gradient.
                kvstore.pushpull(name, grad_list, priority=-index)
        updater = self._updater
        for idx, grads, weights in plan[2]:
            updater(idx, grads, weights)

    def _plan_updates(self, group) -> tuple:
        """What :meth:`update` hands the updater, per device: the indices
        (``index * num_device + k``), gradients and weights of the parameters
        with gradients; and per such parameter its kvstore key. Kept while the
        executor group's parameter and gradient lists stay the same."""
        num_device = len(self._context)
        updates: list = [[] for _ in range(num_device)]
        pushes = []
        for index, (arg_list, grad_list) in enumerate(
            zip(group.param_arrays, group.grad_arrays, strict=True)
        ):
            if grad_list[0] is None:
                continue
            pushes.append((index, group.param_names[index], grad_list))
            for k, (w, g) in enumerate(zip(arg_list, grad_list, strict=True)):
                updates[k].append((index * num_device + k, g, w))
        calls = []
        for dev_updates in updates:
            if dev_updates:
                idx, grads, weights = zip(*dev_updates, strict=True)
                calls.append((list(idx), list(grads), list(weights)))
        return (group.param_arrays, group.grad_arrays, calls, pushes)

    def get_outputs(self, merge_multi_context: bool = True):
        """Outputs of the last forward (merged over contexts, or per context)."""
        _require(
            self.binded and self.params_initialized,
            "get_outputs: bind and init_params first",
        )
        return self._exec_group.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context: bool = True):
        """Gradients of the data inputs (bind with ``inputs_need_grad=True``)."""
        _require(
            self.binded and self.params_initialized and self.inputs_need_grad,
            "get_input_grads: bind with inputs_need_grad=True and init_params first",
        )
        return self._exec_group.get_input_grads(merge_multi_context=merge_multi_context)

    def get_states(self, merge_multi_context: bool = True):
        """State arrays, ``[[state1_dev1, state1_dev2], ...]``."""
        _require(
            self.binded and self.params_initialized,
            "get_states: bind and init_params first",
        )
        return self._exec_group.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None) -> None:
        """Set the states from arrays or one scalar ``value``."""
        _require(
            self.binded and self.params_initialized,
            "set_states: bind and init_params first",
        )
        self._exec_group.set_states(states, value)

    def update_metric(self, eval_metric, labels, pre_sliced: bool = False) -> None:
        """Accumulate ``eval_metric`` on the last outputs and ``labels``."""
        self._exec_group.update_metric(eval_metric, labels, pre_sliced)

    def _sync_params_from_devices(self) -> None:
        self._exec_group.get_params(self._arg_params, self._aux_params)
        self._params_dirty = False

    # ------------------------------------------------------------ optimizer states
    def save_optimizer_states(self, fname: str) -> None:
        """Write the optimizer states (pickled, MXNet's ``.states`` format)."""
        _require(
            self.optimizer_initialized,
            "save_optimizer_states: call init_optimizer first",
        )
        if self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname)
        else:
            write_atomic(fname, self._updater.get_states())

    def load_optimizer_states(self, fname: str) -> None:
        """Read optimizer states written by :meth:`save_optimizer_states`."""
        _require(
            self.optimizer_initialized,
            "load_optimizer_states: call init_optimizer first",
        )
        if self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
        else:
            with open(fname, "rb") as f:
                self._updater.set_states(f.read())

    def install_monitor(self, mon) -> None:
        """Install ``mon`` (``mx.monitor.Monitor``) on every executor."""
        _require(self.binded, "install_monitor: bind the module first")
        self._exec_group.install_monitor(mon)

    def prepare(self, data_batch, sparse_row_id_fn=None) -> None:
        """Nothing to prepare: every parameter is dense. As in MXNet for dense
        parameters, ``sparse_row_id_fn`` only warns (it is called, and its
        result checked, when the kvstore updates the parameters)."""
        _require(self.binded, "prepare: bind the module first")
        if sparse_row_id_fn is None:
            return
        if not self._kvstore or not self._update_on_kvstore:
            warnings.warn(
                UserWarning(
                    "Parameters are not updated in the KVStore. "
                    "No need to call sparse_row_id_fn."
                ),
                stacklevel=2,
            )
            return
        row_ids = sparse_row_id_fn(data_batch)
        if not isinstance(row_ids, dict):
            raise AssertionError(
                f"Expected dict output from sparse_row_id_fn, got {type(row_ids).__name__}"
            )
        for param_name in row_ids:
            if param_name not in self._exec_group.param_names:
                raise ValueError(
                    f"sparse_row_id_fn returned '{param_name}', which is not a parameter "
                    f"of the module {self._exec_group.param_names}"
                )
            warnings.warn(
                UserWarning(
                    f"{param_name}.stype is not 'row_sparse'. No need to perform "
                    "row_sparse_pull."
                ),
                stacklevel=2,
            )
