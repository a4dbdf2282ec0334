"""``gluon.Trainer``: applies an optimizer to a set of Parameters.

Matches MXNet 1.9.1: parameters sorted by key (optimizer index = position),
``step(batch_size)`` rescales gradients by ``1/batch_size``, gradients of
several contexts are summed, a stale gradient raises ``UserWarning`` (unless
``ignore_stale_grad``), ``grad_req='null'`` parameters are skipped and
``'add'`` gradients are never zeroed. ``.states`` files are MXNet's pickle of
``(states, optimizer)`` and files written by MXNet load too.

All parameters of one context are handed to the optimizer in one call, so SGD
updates them with one multi-tensor (``torch._foreach_*``) kernel sequence.
"""

from __future__ import annotations

from .. import optimizer as opt
from ..base import MXNetError
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

_DIST_KVSTORES = ("dist", "horovod", "nccl", "byteps")


def _is_fresh(arr) -> bool:
    ag = arr._ag
    return ag is not None and ag.fresh


def _clear_fresh(arr) -> None:
    ag = arr._ag
    if ag is not None:
        ag.fresh = False


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
    kvstore : str, default 'device'
        Single-machine values (``'device'``, ``'local'``, None) all update
        locally; gradients of several contexts are summed.
    compression_params : dict, optional
        Accepted for compatibility (no gradient compression).
    update_on_kvstore : bool, optional
        Accepted for compatibility (updates are always local).

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
        if isinstance(kvstore, str) and any(d in kvstore for d in _DIST_KVSTORES):
            raise MXNetError(
                f"Trainer: kvstore={kvstore!r} (distributed training) is not "
                "supported by this neogluon build; use kvstore='device' or 'local'."
            )
        self._compression_params = compression_params
        self._contexts = self._check_contexts()
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad
        self._kvstore_params = {
            "kvstore": kvstore,
            "update_on_kvstore": update_on_kvstore,
        }
        # Updates are always local (MXNet's behaviour with one context).
        self._kvstore = None
        self._update_on_kvstore = None
        self._distributed = False
        self._kv_initialized = True
        self._params_to_init: list = []

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
        pass 1 when the loss was already averaged.
        """
        self._optimizer.rescale_grad = self._scale / batch_size
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self) -> None:
        """Sum each parameter's gradient over its contexts (in place)."""
        self._allreduce_grads()

    def _allreduce_grads(self) -> None:
        if not self._contexts or len(self._contexts) < 2:
            return
        for param in self._params:
            if param.grad_req == "null":
                continue
            grads = param.list_grad()
            total = grads[0].copy()
            for g in grads[1:]:
                total += g.as_in_context(total.context)
            for g in grads:
                total.copyto(g)

    def update(self, batch_size: int, ignore_stale_grad: bool = False) -> None:
        """The update half of :meth:`step` (after :meth:`allreduce_grads`)."""
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def _update(self, ignore_stale_grad: bool = False) -> None:
        updates: list[list] = [[] for _ in self._updaters]
        for i, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            datas = param.list_data()
            if not ignore_stale_grad:
                for data in datas:
                    if not _is_fresh(data):
                        raise UserWarning(_STALE.format(param.name, data.context))
            for upd, arr, grad in zip(updates, datas, param.list_grad(), strict=True):
                if not ignore_stale_grad or _is_fresh(arr):
                    upd.append((i, grad, arr))
                    _clear_fresh(arr)
        for updater, upd in zip(self._updaters, updates, strict=True):
            if upd:
                idx, grads, arrs = zip(*upd, strict=True)
                updater(list(idx), list(grads), list(arrs))

    # ------------------------------------------------------------ states
    def save_states(self, fname: str) -> None:
        """Write the optimizer states and the optimizer (MXNet's pickle format)."""
        with open(fname, "wb") as fout:
            fout.write(self._updaters[0].get_states(dump_optimizer=True))

    def load_states(self, fname: str) -> None:
        """Load states written by :meth:`save_states` (neogluon or MXNet 1.9.1)."""
        with open(fname, "rb") as f:
            states = f.read()
        for updater in self._updaters:
            updater.set_states(states)
            updater.optimizer = self._updaters[0].optimizer
        self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = dict(enumerate(self._params))
