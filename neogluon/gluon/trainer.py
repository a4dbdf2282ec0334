"""``gluon.Trainer``: applies an optimizer to a set of Parameters.

Matches MXNet 1.9.1: parameters sorted by key (optimizer index = position),
``step(batch_size)`` rescales gradients by ``1/batch_size``, gradients of
several contexts are summed, a stale gradient raises ``UserWarning`` (unless
``ignore_stale_grad``), ``grad_req='null'`` parameters are skipped and
``'add'`` gradients are never zeroed. ``.states`` files are MXNet's pickle of
``(states, optimizer)`` and files written by MXNet load too.

All parameters of one context are handed to the optimizer in one call, so SGD
updates them with one multi-tensor (``torch._foreach_*``) kernel sequence.

KVStore rules (MXNet's ``_create_kvstore``), resolved at the first ``step``:
one context and a non-distributed ``kvstore`` -> no kvstore, local updates;
several contexts -> ``mx.kv.create(kvstore)`` with ``update_on_kvstore=True``
unless the argument says otherwise, ``MXNET_UPDATE_ON_KVSTORE=0`` is set, or
``'local'`` holds a parameter of more than 16M elements. With
``update_on_kvstore`` the store sums the gradients and applies the optimizer
to its copy of each weight, then every context pulls the weight; otherwise
gradients are summed (``pushpull``) and each context updates its copy.

``'dist_sync'`` / ``'dist_device_sync'`` (``torch.distributed``, launched
with ``torchrun``): at the first step every worker takes rank 0's weights;
each step sums the gradients over all contexts of all workers, and the
optimizer rescales by ``1/batch_size`` with the ``batch_size`` given to
``step``, exactly as MXNet 1.9.1's Gluon Trainer does. So pass the *global*
batch size (the samples of all workers together) for the mean gradient of a
single-process run over the whole batch; passing the per-worker size makes
steps ``num_workers`` times larger (MXNet's ``Module``, not Gluon, multiplies
by ``num_workers`` for you).

Differs from MXNet 1.9.1: with a distributed store the optimizer runs on the
workers, so ``set_learning_rate``, a changed ``batch_size`` and
``save_states`` keep working (MXNet pickles the optimizer to its servers once).
"""

from __future__ import annotations

import math
import numbers
import os

from .. import kvstore as kvs
from .. import optimizer as opt
from .._atomic import write_atomic
from .._states_pickle import loads_states as _loads_states
from ..base import MXNetError
from ..registry import AssertionValueError
from .parameter import Parameter
from .parameter import ParameterDict

__all__ = ["Trainer"]

_STALE = (
    "Gradient of Parameter `{}` on context {} has not been updated by backward "
    "since last `step`. This could mean a bug in your model that made it only use "
    "a subset of the Parameters (Blocks) for this iteration. If you are "
    "intentionally only using a subset, call step with ignore_stale_grad=True to "
    "suppress this warning and skip updating of Parameters with stale gradient"
)

# MXNet's _create_kvstore: 'local' with a parameter over this size updates locally.
_LOCAL_UPDATE_MAX = 1024 * 1024 * 16


class Trainer:
    """Applies an Optimizer on a set of Parameters.

    Parameters
    ----------
    params : ParameterDict, dict or list of Parameter
        Dicts are sorted by key; the position is the optimizer's index.
    optimizer : str or Optimizer
        Name (``'sgd'``, ``'adam'``, ...) or an instance (then
        ``optimizer_params`` must be empty).
    optimizer_params : dict, optional
        Keyword arguments of the optimizer, e.g. ``{'learning_rate': 0.1}``.
    kvstore : str or KVStore, default 'device'
        ``'device'``, ``'local'``, ``'nccl'`` (several contexts; one context
        uses no kvstore), ``'dist_sync'``, ``'dist_device_sync'``, a KVStore,
        or None (no kvstore: several contexts are then not synchronized).
    compression_params : dict, optional
        Gradient compression, e.g. ``{'type': '2bit', 'threshold': 0.5}``
        (``'device'`` and ``'dist*'`` stores).
    update_on_kvstore : bool, optional
        Whether the kvstore applies the optimizer (None: MXNet's default, see
        the module docstring). Overrides ``MXNET_UPDATE_ON_KVSTORE``.

    Examples
    --------
    >>> import neogluon as mx
    >>> net = mx.gluon.nn.Dense(1, in_units=2)
    >>> net.initialize(mx.init.One())
    >>> trainer = mx.gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    >>> with mx.autograd.record():
    ...     loss = net(mx.nd.array([[1, 2]])).sum()
    >>> loss.backward()
    >>> trainer.step(2)
    >>> net.weight.data().asnumpy()
    array([[0.95, 0.9 ]], dtype=float32)
    """

    def __init__(
        self,
        params,
        optimizer,
        optimizer_params=None,
        kvstore="device",
        compression_params=None,
        update_on_kvstore=None,
    ) -> None:
        if isinstance(params, (dict, ParameterDict)):
            params = [params[key] for key in sorted(params.keys())]
        if not isinstance(params, (list, tuple)):
            raise ValueError(
                f"First argument must be a list or dict of Parameters, got "
                f"{type(params)}."
            )
        self._params: list[Parameter] = []
        self._param2idx: dict[str, int] = {}
        for i, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise ValueError(
                    "First argument must be a list or dict of Parameters, got list "
                    f"of {type(param)}."
                )
            self._param2idx[param.name] = i
            self._params.append(param)
            param._set_trainer(self)
        self._compression_params = compression_params
        self._contexts = self._check_contexts()
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad
        self._kvstore_params = {
            "kvstore": kvstore,
            "update_on_kvstore": update_on_kvstore,
        }
        self._kv_initialized = False
        self._kvstore = None
        self._update_on_kvstore = None
        self._distributed = None
        self._params_to_init: list = []
        self._reset_kvstore()

    # ------------------------------------------------------------ set-up
    def _check_contexts(self):
        contexts = None
        for param in self._params:
            ctx = param.list_ctx()
            if contexts is not None and contexts != ctx:
                raise ValueError(
                    "All Parameters must be initialized on the same set of "
                    f"contexts, but Parameter {param.name} is initialized on "
                    f"{ctx} while previous Parameters are initialized on "
                    f"{contexts}."
                )
            contexts = ctx
        return contexts

    def _init_optimizer(self, optimizer, optimizer_params: dict) -> None:
        param_dict = dict(enumerate(self._params))
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise ValueError(
                    "optimizer_params must be None if optimizer is an instance of "
                    f"Optimizer instead of str (got {optimizer_params})."
                )
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        else:
            self._optimizer = opt.create(
                optimizer, param_dict=param_dict, **optimizer_params
            )
        n = len(self._contexts) if self._contexts else 1
        self._updaters = [opt.get_updater(self._optimizer) for _ in range(n)]

    def _reset_kvstore(self) -> None:
        """Forget the kvstore; the next step makes a new one from the weights."""
        if self._kvstore and "dist" in self._kvstore.type:
            raise RuntimeError(
                "Cannot reset distributed KVStore: the stored weights are shared "
                "by all workers. Change parameter data before the first step, or "
                "on every worker through the trainer's updates."
            )
        self._kv_initialized = False
        self._kvstore = None
        self._distributed = None
        self._update_on_kvstore = None
        self._params_to_init = list(self._params)

    def _create_kvstore(self, kvstore):
        """MXNet's ``model._create_kvstore``: ``(kvstore or None, update_on_kv)``."""
        update_on_kvstore = bool(int(os.getenv("MXNET_UPDATE_ON_KVSTORE", "1")))
        num_device = len(self._contexts) if self._contexts else 1
        if kvstore is None:
            kv = None
        elif isinstance(kvstore, kvs.KVStoreBase):
            kv = kvstore
        elif isinstance(kvstore, str):
            if num_device == 1 and "dist" not in kvstore and kvstore != "horovod":
                kv = None  # one device on one machine: nothing to synchronize
            else:
                kv = kvs.create(kvstore)
                if kvstore == "local":
                    sizes = [_numel(p.shape) for p in self._params]
                    if sizes and max(sizes) > _LOCAL_UPDATE_MAX:
                        update_on_kvstore = False
        else:
            raise TypeError(
                f"Trainer: kvstore must be a KVStore, str or None, got "
                f"{type(kvstore).__name__}."
            )
        if kv is None:
            return None, False
        return kv, update_on_kvstore and kv.is_capable(kvs.KVStoreBase.OPTIMIZER)

    def _create_sparse_kvstore(self, kvstore):
        """MXNet's ``model._create_sparse_kvstore``: sparse weights always live
        in a kvstore (even on one device) that applies the optimizer."""
        if isinstance(kvstore, kvs.KVStoreBase):
            kv = kvstore
        elif isinstance(kvstore, str):
            kv = kvs.create(kvstore)
        else:
            raise TypeError(
                f"Cannot create '{kvstore}' KVStore with row_sparse parameters. The "
                "type must be KVStore or str (e.g. kvstore='device')."
            )
        if not kv.is_capable(kvs.KVStoreBase.OPTIMIZER):
            raise AssertionValueError(
                f"KVStore with sparse weight requires optimizer support, but "
                f"{type(kv).__name__} does not support optimizer. Please consider "
                "other kvstore backends (e.g. kvstore='device')."
            )
        return kv, True

    def _init_kvstore(self) -> None:
        config = self._kvstore_params
        if any(p.stype != "default" for p in self._params):
            # MXNet: sparse weights live in the kvstore and are always updated
            # there; row_sparse_data pulls the rows each forward needs.
            kvstore, update_on_kvstore = self._create_sparse_kvstore(config["kvstore"])
        else:
            kvstore, update_on_kvstore = self._create_kvstore(config["kvstore"])
        self._distributed = bool(kvstore) and "dist" in kvstore.type
        if any(p.stype != "default" for p in self._params):
            if config["update_on_kvstore"] is False:
                raise ValueError(
                    "Trainer: cannot set update_on_kvstore=False when sparse "
                    "weights (Parameters with stype='row_sparse') are present; "
                    "leave it None or True."
                )
        elif any(p.grad_stype == "row_sparse" for p in self._params):
            # MXNet: dense weights with sparse gradients update locally (push
            # and pull the gradients) unless the store is distributed.
            if config["update_on_kvstore"] is False and self._distributed:
                raise ValueError(
                    "Trainer: cannot set update_on_kvstore=False on a dist kvstore "
                    "when sparse gradients are present."
                )
            update_on_kvstore = self._distributed
        if config["update_on_kvstore"] is not None:
            update_on_kvstore = config["update_on_kvstore"]
        if update_on_kvstore and kvstore and not kvstore.is_capable("optimizer"):
            if config["update_on_kvstore"]:
                raise ValueError(
                    "Please set update_on_kvstore=False when training with "
                    f"{type(kvstore).__name__}: it cannot apply optimizers."
                )
            update_on_kvstore = False
        if kvstore:
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                kvstore.set_optimizer(self._optimizer)
            self._kvstore = kvstore
            self._update_on_kvstore = bool(update_on_kvstore)
        else:
            self._kvstore = None
            self._update_on_kvstore = None
        self._kv_initialized = True

    def _init_params(self, only=None) -> None:
        """Broadcast initialized weights into the kvstore (deferred ones wait);
        with ``only``, just that parameter."""
        pending = []
        if self._kvstore:
            for param in self._params_to_init:
                if param._deferred_init or (only is not None and param is not only):
                    pending.append(param)
                    continue
                arrays = param._raw_list_data()
                idx = self._param2idx[param.name]
                if param.stype != "default":
                    # the weight stays in the store; row_sparse_data pulls it
                    self._kvstore.init(idx, arrays[0])
                else:
                    self._kvstore.broadcast(idx, arrays[0], arrays)
        self._params_to_init = pending

    def _ensure_kvstore(self) -> None:
        if not self._kv_initialized:
            self._init_kvstore()
        if self._params_to_init:
            self._init_params()

    # ------------------------------------------------------------ properties
    @property
    def learning_rate(self) -> float:
        if not isinstance(self._optimizer, opt.Optimizer):
            raise UserWarning(
                "Optimizer has to be defined before its learning rate can be accessed."
            )
        return self._optimizer.learning_rate

    @property
    def optimizer(self) -> opt.Optimizer:
        if isinstance(self._optimizer, opt.Optimizer):
            return self._optimizer
        raise UserWarning("Optimizer has not been initialized yet")

    def set_learning_rate(self, lr: float) -> None:
        """Set the optimizer's learning rate (UserWarning if it has a scheduler)."""
        if not isinstance(self._optimizer, opt.Optimizer):
            raise UserWarning(
                "Optimizer has to be defined before its learning rate is mutated."
            )
        self._optimizer.set_learning_rate(lr)

    # ------------------------------------------------------------ step
    def step(self, batch_size: int, ignore_stale_grad: bool = False) -> None:
        """One update: ``rescale_grad = 1/batch_size``, sum grads, update.

        ``batch_size`` is the number of samples behind the (summed) gradient;
        pass 1 when the loss was already averaged. With a ``dist*`` kvstore
        the gradient is summed over all workers, so pass the global batch.
        """
        self._optimizer.rescale_grad = self._scale / _check_batch_size(batch_size)
        self._ensure_kvstore()
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self) -> None:
        """Sum each parameter's gradient over its contexts (and workers)."""
        self._ensure_kvstore()
        if self._kvstore and self._update_on_kvstore:
            raise AssertionValueError(
                "allreduce_grads() when parameters are updated on kvstore is not "
                "supported. Try setting `update_on_kvstore` to False when creating "
                "trainer."
            )
        self._allreduce_grads()

    def _allreduce_grads(self) -> None:
        if not self._kvstore:
            return
        for i, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            grads = param.list_grad()
            if self._update_on_kvstore and param.stype != "default":
                # the store updates the sparse weight; row_sparse_data pulls it
                self._kvstore.push(i, grads, priority=-i)
            elif self._update_on_kvstore:
                # push the gradients, the store updates, pull the weights
                self._kvstore.pushpull(i, grads, out=param.list_data(), priority=-i)
            elif grads[0].stype != "default":
                # Sparse gradients: push, then pull the sum back into them
                # (MXNet pulls with ignore_sparse only on a distributed store).
                self._kvstore.push(i, grads, priority=-i)
                self._kvstore.pull(
                    i, grads, priority=-i, ignore_sparse=self._distributed
                )
            else:
                self._kvstore.pushpull(i, grads, priority=-i)

    def update(self, batch_size: int, ignore_stale_grad: bool = False) -> None:
        """The update half of :meth:`step` (after :meth:`allreduce_grads`)."""
        self._ensure_kvstore()
        if self._kvstore and self._update_on_kvstore:
            raise AssertionValueError(
                "update() when parameters are updated on kvstore is not supported. "
                "Try setting `update_on_kvstore` to False when creating trainer."
            )
        self._optimizer.rescale_grad = self._scale / _check_batch_size(batch_size)
        self._update(ignore_stale_grad)

    def _update(self, ignore_stale_grad: bool = False) -> None:
        if len(self._updaters) == 1 and not (self._kvstore and self._update_on_kvstore):
            self._update_one_context(ignore_stale_grad)
            return
        updates: list[list] = [[] for _ in self._updaters]
        for i, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            datas = param._raw_list_data()
            if not ignore_stale_grad:
                for data in datas:
                    if not data._fresh_grad:
                        raise UserWarning(_STALE.format(param.name, data.context))
            if self._kvstore and self._update_on_kvstore:
                # updated by the store in _allreduce_grads; like MXNet, the
                # fresh flags are left as they are
                continue
            for upd, arr, grad in zip(updates, datas, param.list_grad(), strict=True):
                if not ignore_stale_grad or arr._fresh_grad:
                    upd.append((i, grad, arr))
                    arr._fresh_grad = False
        for updater, upd in zip(self._updaters, updates, strict=True):
            if upd:
                idx, grads, arrs = zip(*upd, strict=True)
                updater(list(idx), list(grads), list(arrs))

    def _update_one_context(self, ignore_stale_grad: bool) -> None:
        """:meth:`_update` for parameters on one context updated here (the
        common case): the same checks and one updater call, without the
        per-context lists."""
        idx, grads, arrs = [], [], []
        for i, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            (arr,) = param._raw_list_data()
            if not arr._fresh_grad:
                if not ignore_stale_grad:
                    raise UserWarning(_STALE.format(param.name, arr.context))
                continue
            idx.append(i)
            grads.append(param.list_grad()[0])
            arrs.append(arr)
            arr._fresh_grad = False
        if idx:
            self._updaters[0](idx, grads, arrs)

    def _row_sparse_pull(self, parameter, out, row_id, full_idx: bool = False) -> None:
        """Pull the rows ``row_id`` of ``parameter``'s weight from the kvstore
        into the row_sparse arrays ``out`` (all rows with ``full_idx``)."""
        # Only this parameter enters the store now: broadcasting the others
        # would write into dense weights a recorded forward may have used.
        if not self._kv_initialized:
            self._init_kvstore()
        if parameter in self._params_to_init:
            self._init_params(only=parameter)
        if not self._kvstore:
            raise RuntimeError(
                f"Cannot pull row_sparse data of Parameter '{parameter.name}': the "
                "Trainer has no kvstore."
            )
        idx = self._param2idx[parameter.name]
        if full_idx and "dist" not in self._kvstore.type:
            self._kvstore.pull(idx, out=out, priority=-idx, ignore_sparse=False)
        else:
            self._kvstore.row_sparse_pull(idx, out=out, row_ids=row_id, priority=-idx)

    # ------------------------------------------------------------ states
    def save_states(self, fname: str) -> None:
        """Write the optimizer states and the optimizer (MXNet's pickle format).

        The file is replaced atomically: a failed save (disk full, Ctrl-C)
        leaves the previous file as it was.
        """
        self._ensure_kvstore()
        if self._update_on_kvstore:
            updater = getattr(self._kvstore, "_updater", None)
            if updater is None:
                # A store without a local updater writes the file itself.
                self._kvstore.save_optimizer_states(fname, dump_optimizer=True)
                return
        else:
            updater = self._updaters[0]
        write_atomic(fname, updater.get_states(dump_optimizer=True))

    def load_states(self, fname: str) -> None:
        """Load states written by :meth:`save_states` (neogluon or MXNet 1.9.1).

        The file is unpickled with a restricted unpickler that admits only
        what ``.states`` files contain (arrays, optimizers, schedulers, plain
        containers); anything else raises ``MXNetError`` before any state of
        this Trainer changes.
        """
        self._ensure_kvstore()
        if self._update_on_kvstore and getattr(self._kvstore, "_updater", None) is None:
            self._kvstore.load_optimizer_states(fname)
            return
        try:
            with open(fname, "rb") as f:
                data = f.read()
            states = _loads_states(data)
        except MXNetError as err:
            raise MXNetError(f"Trainer.load_states('{fname}'): {err}") from None
        self._check_state_shapes(fname, states)
        if self._update_on_kvstore:
            self._kvstore._updater.set_states(states)
            self._optimizer = self._kvstore._updater.optimizer
            self._updaters = [opt.get_updater(self._optimizer) for _ in self._updaters]
        else:
            self._updaters[0].set_states(states)
            for updater in self._updaters[1:]:
                # Each context keeps its own copy of the states.
                updater.set_states(data)
                updater.optimizer = self._updaters[0].optimizer
            self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = dict(enumerate(self._params))

    def _check_state_shapes(self, fname: str, states) -> None:
        """Refuse a states file whose arrays do not fit this Trainer's
        parameters, before anything changes (every optimizer state array has
        its weight's shape). States are stored by parameter index, and a
        Trainer given a dict orders parameters by sorted name, as MXNet does:
        a net built with other automatic names ('dense9_' and 'dense10_' sort
        in the other order) would otherwise take another layer's states, or
        fail later inside the optimizer with an unrelated shape error."""
        table = states[0] if isinstance(states, tuple) and len(states) == 2 else states
        if not isinstance(table, dict):
            return
        for index, state in table.items():
            if not isinstance(index, int) or not 0 <= index < len(self._params):
                continue
            param = self._params[index]
            shape = tuple(param.shape) if param.shape is not None else None
            if shape is None or 0 in shape:
                continue  # deferred: nothing to compare with yet
            for leaf in _state_arrays(state):
                if tuple(leaf.shape) != shape:
                    raise MXNetError(
                        f"Trainer.load_states('{fname}'): the state saved for "
                        f"parameter #{index} has shape {tuple(leaf.shape)}, but "
                        f"this Trainer's parameter #{index} is '{param.name}' "
                        f"with shape {shape}. The file was saved by a Trainer "
                        "whose parameters were in another order or of other "
                        "shapes. States are matched by position; a Trainer "
                        "given a dict orders its parameters by sorted name, so "
                        "build the network with the same parameter names as "
                        "when saving (e.g. the same prefix), or pass the "
                        "parameters as a list in a fixed order."
                    )


def _state_arrays(state):
    """The arrays inside one optimizer state (an array, a tuple/list, None)."""
    if isinstance(state, (tuple, list)):
        for s in state:
            yield from _state_arrays(s)
    elif state is not None and hasattr(state, "shape"):
        yield state


def _check_batch_size(batch_size):
    """``batch_size`` if it can divide the gradients, else a clear MXNetError.

    A one-element array counts as its value: MXNet divides by it, and the d2l
    book passes ``Y_valid_len.sum()`` (train_seq2seq).
    """
    if getattr(batch_size, "size", None) == 1 and hasattr(batch_size, "asnumpy"):
        batch_size = batch_size.asnumpy().item()
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Real):
        raise MXNetError(
            f"Trainer.step: batch_size must be a number (the count of samples "
            f"behind the gradient), got {type(batch_size).__name__} {batch_size!r}."
        )
    if batch_size == 0 or not math.isfinite(batch_size):
        raise MXNetError(
            f"Trainer.step: batch_size={batch_size!r}; gradients are scaled by "
            "1/batch_size, so it must be a finite non-zero number. Pass the number "
            "of samples in the batch, or 1 if the loss is already averaged."
        )
    return batch_size


def _numel(shape) -> int:
    n = 1
    for d in shape or ():
        n *= d
    return n
