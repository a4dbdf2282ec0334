"""Base :class:`Optimizer`, the optimizer registry, :class:`Updater`.

Matches MXNet 1.9.1's ``mxnet.optimizer.optimizer`` module: the same attribute
names (so pickled optimizers in Trainer ``.states`` files round-trip), per-index
update counts incremented before the learning rate is looked up, ``lr_mult`` /
``wd_mult`` read live from Gluon Parameters through ``param_dict``, and
``clip_gradient`` applied only when truthy.
"""

from __future__ import annotations

import os
import pickle
import warnings
from typing import Any

import numpy

from ..ndarray import NDArray

__all__ = [
    "Optimizer",
    "Updater",
    "create",
    "get_updater",
    "register",
]


class Optimizer:
    """The base class of every optimizer.

    Parameters
    ----------
    rescale_grad : float, default 1.0
        Gradients are multiplied by this before the update (``Trainer.step``
        sets it to ``1/batch_size``).
    param_idx2name : dict of int to str, optional
        Index -> parameter name (Module-era; enables the ``*_weight`` /
        ``*_gamma`` weight-decay rule).
    wd : float, default 0.0
        Weight decay, applied to every parameter (times its ``wd_mult``).
    clip_gradient : float, optional
        Clip the rescaled gradient to ``[-c, c]``; only used when truthy.
    learning_rate : float, optional
        Defaults to 0.01 when neither it nor ``lr_scheduler`` is given.
    lr_scheduler : LRScheduler, optional
        Called with ``num_update`` to get the learning rate.
    begin_num_update : int, default 0
        Initial update count.
    multi_precision : bool, default False
        Keep float32 master copies of float16 weights.
    param_dict : dict of int to Parameter, optional
        Index -> Gluon Parameter, source of ``lr_mult``/``wd_mult``.
    """

    opt_registry: dict[str, type] = {}

    def __init__(
        self,
        rescale_grad: float = 1.0,
        param_idx2name: dict | None = None,
        wd: float = 0.0,
        clip_gradient: float | None = None,
        learning_rate: float | None = None,
        lr_scheduler: Any = None,
        sym: Any = None,
        begin_num_update: int = 0,
        multi_precision: bool = False,
        param_dict: dict | None = None,
    ) -> None:
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if self.lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if self.lr_scheduler is not None and learning_rate is not None:
            if self.lr_scheduler.base_lr != learning_rate:
                # MXNet prints (does not raise or warn) this UserWarning.
                print(
                    UserWarning(
                        "learning rate from ``lr_scheduler`` has been "
                        "overwritten by ``learning_rate`` in optimizer."
                    )
                )
                self.lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult: dict = {}
        self.wd_mult: dict = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts: dict = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise TypeError(
                "param_idx2name should be a dict of param indexes to names, got "
                f"{type(param_idx2name).__name__}."
            )
        self.idx2name = param_idx2name.copy()
        self.sym_info = (
            (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        )
        self.param_dict = param_dict if param_dict else {}
        self.allow_np_array = False
        self.set_lr_mult({})
        self.set_wd_mult({})

    # ------------------------------------------------------------ registry
    @staticmethod
    def register(klass: type) -> type:
        """Register an optimizer class under its lower-case class name."""
        if not isinstance(klass, type):
            raise TypeError(f"register expects a class, got {klass!r}")
        name = klass.__name__.lower()
        if name in Optimizer.opt_registry:
            old = Optimizer.opt_registry[name]
            warnings.warn(
                f"WARNING: New optimizer {klass.__module__}.{klass.__name__} is "
                f"overriding existing optimizer {old.__module__}.{old.__name__}",
                stacklevel=2,
            )
        Optimizer.opt_registry[name] = klass
        return klass

    @staticmethod
    def create_optimizer(name: str, **kwargs) -> Optimizer:
        """Instantiate a registered optimizer by (case-insensitive) name."""
        key = name.lower()
        if key in Optimizer.opt_registry:
            return Optimizer.opt_registry[key](**kwargs)
        raise ValueError(
            f"Cannot find optimizer {name}. Registered optimizers: "
            f"{sorted(Optimizer.opt_registry)}."
        )

    # ------------------------------------------------------------ lr / wd
    @property
    def learning_rate(self) -> float:
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr: float) -> None:
        """Set the learning rate (only when there is no lr_scheduler)."""
        if self.lr_scheduler is not None:
            raise UserWarning(
                "LRScheduler of the optimizer has already been defined. Note that "
                "set_learning_rate can mutate the value of the learning rate of "
                "the optimizer only when the LRScheduler of the optimizer is "
                "undefined."
            )
        self.lr = lr

    def set_lr_scale(self, args_lrscale) -> None:
        """[DEPRECATED] Use set_lr_mult."""
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult: dict) -> None:
        """Set per-parameter learning-rate multipliers (by index or name)."""
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__lr_mult__" in attr[name]:
                    self.lr_mult[name] = float(attr[name]["__lr_mult__"])
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult: dict) -> None:
        """Set per-parameter weight-decay multipliers (by index or name)."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not (n.endswith("_weight") or n.endswith("_gamma")):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id: int) -> None:
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index) -> None:
        if not isinstance(index, (list, tuple)):
            index = [index]
        counts = self._index_update_count
        for idx in index:
            if idx not in counts:
                counts[idx] = self.begin_num_update
            counts[idx] += 1
            self.num_update = max(counts[idx], self.num_update)

    def _get_lrs(self, indices) -> list[float]:
        if self.lr_scheduler is not None:
            lr = self.lr_scheduler(self.num_update)
        else:
            lr = self.lr
        lrs = [lr for _ in indices]
        for i, index in enumerate(indices):
            if index in self.param_dict:
                lrs[i] *= self.param_dict[index].lr_mult
            elif index in self.lr_mult:
                lrs[i] *= self.lr_mult[index]
            elif index in self.idx2name:
                lrs[i] *= self.lr_mult.get(self.idx2name[index], 1.0)
        return lrs

    def _get_lr(self, index) -> float:
        return self._get_lrs([index])[0]

    def _get_wds(self, indices) -> list[float]:
        wds = [self.wd for _ in indices]
        for i, index in enumerate(indices):
            if index in self.param_dict:
                wds[i] *= self.param_dict[index].wd_mult
            elif index in self.wd_mult:
                wds[i] *= self.wd_mult[index]
            elif index in self.idx2name:
                wds[i] *= self.wd_mult.get(self.idx2name[index], 1.0)
        return wds

    def _get_wd(self, index) -> float:
        return self._get_wds([index])[0]

    # ------------------------------------------------------------ states
    #: Order of a float16 weight's multi-precision state: MXNet's base class
    #: keeps ``(master_copy, state)``, its SGD family ``(state, master_copy)``.
    _master_copy_first: bool = True
    #: Optimizer name in the float16-without-multi_precision warning (MXNet's
    #: SGD family says "the SGD optimizer", the base class "the optimizer").
    _fp16_warning_name: str = ""

    def create_state(self, index, weight: NDArray):
        """Auxiliary state (momentum, ...) for one weight; None by default."""
        return None

    def create_state_multi_precision(self, index, weight: NDArray):
        """Like :meth:`create_state`, plus a float32 master copy for float16."""
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = weight.astype(numpy.float32)
            state = self.create_state(index, weight_master_copy)
            if self._master_copy_first:
                return (weight_master_copy, state)
            return (state, weight_master_copy)
        if weight.dtype == numpy.float16 and not self.multi_precision:
            name = f"{self._fp16_warning_name} " if self._fp16_warning_name else ""
            warnings.warn(
                "Accumulating with float16 in optimizer can lead to poor accuracy "
                "or slow convergence. Consider using multi_precision=True option "
                f"of the {name}optimizer",
                stacklevel=2,
            )
        return self.create_state(index, weight)

    def update(self, index, weight: NDArray, grad: NDArray, state) -> None:
        """Update ``weight`` in place from ``grad`` and ``state``."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement update(index, weight, grad, "
            "state)."
        )

    def update_multi_precision(self, index, weight: NDArray, grad: NDArray, state):
        """:meth:`update`, through the float32 master copy for float16 weights."""
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = state[0]
            original_state = state[1]
            grad32 = grad.astype(numpy.float32)
            self.update(index, weight_master_copy, grad32, original_state)
            weight[:] = weight_master_copy.astype(weight.dtype)
        else:
            self.update(index, weight, grad, state)

    # ------------------------------------------------------------ pickling
    def __getstate__(self):
        ret = self.__dict__.copy()
        ret.pop("param_dict", None)
        return ret

    def __setstate__(self, state) -> None:
        self.__dict__ = state
        self.param_dict = {}


register = Optimizer.register
create = Optimizer.create_optimizer


def _update_dense_copies(update, indices, weights, grads, states) -> None:
    """Run ``update(indices, weights, grads, states)`` on dense copies of the
    sparse weights and write the results back in each weight's storage type.

    The fused update kernels write dense tensors in place, and a sparse
    weight's ``to_torch()`` is a dense copy, so they cannot update a
    row_sparse or csr weight directly (MXNet's storage fallback also updates
    a dense copy). Only the rows the update touches change.
    """
    from ..ndarray.sparse import _assign

    dense = [w.tostype("default") if w.stype != "default" else w for w in weights]
    update(indices, dense, grads, states)
    for w, d in zip(weights, dense, strict=True):
        if w is not d:
            _assign(w, d)


def _aggregation_size(default: int) -> int:
    """MXNet's ``MXNET_OPTIMIZER_AGGREGATION_SIZE`` (params per fused update)."""
    return int(os.getenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", str(default)))


#: Updater plans kept (one per index list: per device of a Module).
_MAX_PLANS = 16


class Updater:
    """Applies an optimizer to ``(index, grad, weight)`` and keeps the states.

    ``__call__`` accepts one index or lists; optimizers with ``aggregate_num > 0``
    get the weights in groups (per dtype) of up to ``aggregate_num``. A call
    with lists that repeats the previous one (the same indices, weight and
    gradient arrays, states and optimizer settings: a training loop) reuses
    its groups.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.states: dict = {}
        self.states_synced: dict = {}
        self.aggregate_updates = optimizer.aggregate_num > 0
        # indices -> (key, device id, [(indices, weights, grads, states) per
        # optimizer call]) of the last call with these indices as lists (one
        # per device in a multi-device Module); the key holds the states dict,
        # the calls hold the arrays (so their ids in the key stay theirs).
        self._plans: dict = {}

    def _plan_key(self, indices, grads, weights) -> tuple:
        return (
            tuple(indices),
            tuple(map(id, weights)),
            tuple(map(id, grads)),
            self.states,
            self.optimizer,
            self.aggregate_updates,
            self.optimizer.aggregate_num,
        )

    def __call__(self, index, grad, weight) -> None:
        if not isinstance(index, (list, tuple)):
            indices = [index]
            grads = [grad]
            weights = [weight]
        else:
            plan = self._plans.get(tuple(index))
            if plan is not None:
                key = plan[0]
                if (
                    key[3] is self.states
                    and key[4] is self.optimizer
                    and key == self._plan_key(index, grad, weight)
                ):
                    self.optimizer._set_current_context(plan[1])
                    self._run_calls(plan[2])
                    return
            indices = list(index)
            grads = list(grad)
            weights = list(weight)
        if any(w.stype != "default" for w in weights):
            # A sparse weight (a Module parameter declared var(stype=...)).
            _update_dense_copies(
                lambda i, w, g, _s: self(i, g, w), indices, weights, grads, None
            )
            return
        device = weights[0].context.device_id if weights else None
        if device is not None:
            self.optimizer._set_current_context(device)
        for i, idx in enumerate(indices):
            if isinstance(idx, bytes):
                idx = idx.decode()
                indices[i] = idx
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(
                    idx, weights[i]
                )
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(
                    self.states[idx], weights[i].context
                )
                self.states_synced[idx] = True
        calls: list = []
        if self.aggregate_updates:
            type_map: dict = {}
            for i, w, g in zip(indices, weights, grads, strict=True):
                type_map.setdefault(w.dtype, []).append((i, w, g))
            size = self.optimizer.aggregate_num
            for group in type_map.values():
                g_idx, g_w, g_g = (list(t) for t in zip(*group, strict=True))
                for start in range(0, len(g_idx), size):
                    chunk = g_idx[start : start + size]
                    calls.append(
                        (
                            tuple(chunk),
                            tuple(g_w[start : start + size]),
                            tuple(g_g[start : start + size]),
                            tuple(self.states[i] for i in chunk),
                        )
                    )
        else:
            calls = [
                (i, w, g, self.states[i])
                for i, w, g in zip(indices, weights, grads, strict=True)
            ]
        self._run_calls(calls)
        if isinstance(index, (list, tuple)) and device is not None:
            if len(self._plans) >= _MAX_PLANS:
                self._plans.clear()
            key = self._plan_key(index, grad, weight)
            self._plans[key[0]] = (key, device, calls)

    def _run_calls(self, calls: list) -> None:
        update = self.optimizer.update_multi_precision
        if self.aggregate_updates:
            # Fresh lists per call: an optimizer may change the ones it gets.
            # Aggregating optimizers (aggregate_num > 0) take lists where the
            # base signature names one NDArray, as MXNet's do.
            for i, w, g, st in calls:
                update(list(i), list(w), list(g), list(st))  # type: ignore[arg-type]
        else:
            for args in calls:
                update(*args)

    def sync_state_context(self, state, context):
        """Move a state (array, tuple/list of arrays, None) to ``context``."""
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(s, context) for s in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def set_states(self, states: bytes) -> None:
        """Restore states from :meth:`get_states` bytes (MXNet files too), or
        from what ``_states_pickle.loads_states`` returned for such bytes."""
        states = _loads(states) if isinstance(states, (bytes, bytearray)) else states
        if isinstance(states, tuple) and len(states) == 2:
            self.states, self.optimizer = states
            # The restored optimizer decides aggregation (an MXNet pickle may
            # carry aggregate_num=0).
            self.aggregate_updates = self.optimizer.aggregate_num > 0
        else:
            self.states = states
        self.states_synced = dict.fromkeys(self.states.keys(), False)
        self._plans = {}

    def get_states(self, dump_optimizer: bool = False) -> bytes:
        """Pickled states (and the optimizer when ``dump_optimizer``)."""
        return pickle.dumps(
            (self.states, self.optimizer) if dump_optimizer else self.states
        )


def _loads(data: bytes):
    from .._states_pickle import loads_states

    return loads_states(data)


def get_updater(optimizer: Optimizer) -> Updater:
    """The :class:`Updater` closure for ``optimizer`` (MXNet's kvstore hook)."""
    return Updater(optimizer)


#: ``nd.abs`` under the name MXNet's optimizer module imports it as.
from ..ndarray import abs as NDabs  # noqa: E402, F401, N812


def __getattr__(name: str):
    # MXNet keeps every optimizer class in ``mxnet.optimizer.optimizer``; pickled
    # optimizers (Trainer ``.states`` files) name them by that module. Ours live
    # one per file; the package exports them all.
    import importlib

    package = importlib.import_module(__name__.rpartition(".")[0])
    value = getattr(package, name, None)
    if isinstance(value, type) and issubclass(value, Optimizer):
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
