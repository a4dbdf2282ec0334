"""``mx.module.sequential_module``: :class:`SequentialModule`, modules chained
so that the outputs of one are the data of the next.

Forward runs the modules in order, each on the previous one's outputs;
backward runs them in reverse, each receiving the input gradients of the one
after it. Every module but the first is therefore bound with
``inputs_need_grad`` when training. Labels go (the same labels, from the
batch) to the modules added with ``take_labels=True``.
"""

from __future__ import annotations

import copy
import logging

from ..initializer import Uniform
from .base_module import BaseModule
from .base_module import _require

__all__ = ["SequentialModule"]


class SequentialModule(BaseModule):
    """A chain of modules, used as one module.

    Build it with :meth:`add`; then ``bind`` / ``init_params`` /
    ``init_optimizer`` / ``fit`` as any module.

    Differs from MXNet 1.9.1: ``bind`` records ``for_training`` and
    ``inputs_need_grad`` (MXNet's never sets them, so its
    ``get_input_grads`` always fails its own assertion).
    """

    META_TAKE_LABELS = "take_labels"
    META_AUTO_WIRING = "auto_wiring"

    def __init__(self, logger=logging) -> None:
        super().__init__(logger=logger)
        self._modules: list = []
        self._metas: list = []
        self._label_shapes = None
        self._meta_keys = {self.META_TAKE_LABELS, self.META_AUTO_WIRING}

    def add(self, module: BaseModule, **kwargs) -> SequentialModule:
        """Append ``module`` to the chain; returns ``self`` (to chain calls).

        Keyword arguments are the module's meta information:
        ``take_labels=True`` (the module receives the batch's labels; any
        module of the chain may) and ``auto_wiring=True`` (the previous
        outputs are renamed to this module's data names when binding).
        Adding a module resets the chain to unbound.
        """
        unknown = sorted(set(kwargs) - self._meta_keys)
        if unknown:
            raise ValueError(
                f"SequentialModule.add: unknown meta {unknown} (a typo?); known: "
                f"{sorted(self._meta_keys)}"
            )
        self._modules.append(module)
        self._metas.append(dict(kwargs))
        self.binded = False
        self.params_initialized = False
        self.optimizer_initialized = False
        return self

    def _takes_labels(self, i: int) -> bool:
        return bool(self._metas[i].get(self.META_TAKE_LABELS, False))

    @property
    def data_names(self) -> list:
        return self._modules[0].data_names if self._modules else []

    @property
    def output_names(self) -> list:
        return self._modules[-1].output_names if self._modules else []

    @property
    def data_shapes(self):
        """The first module's data shapes."""
        _require(self.binded, "data_shapes: bind the module first")
        return self._modules[0].data_shapes

    @property
    def label_shapes(self):
        """The label shapes given to ``bind``; None when no module takes labels."""
        _require(self.binded, "label_shapes: bind the module first")
        return self._label_shapes

    @property
    def output_shapes(self):
        """The last module's output shapes."""
        _require(self.binded, "output_shapes: bind the module first")
        return self._modules[-1].output_shapes

    def get_params(self) -> tuple[dict, dict]:
        """The parameters of all modules merged into two dicts."""
        _require(
            self.binded and self.params_initialized,
            "get_params: bind the module and initialize its parameters first",
        )
        arg_params: dict = {}
        aux_params: dict = {}
        for module in self._modules:
            arg, aux = module.get_params()
            arg_params.update(arg)
            aux_params.update(aux)
        return arg_params, aux_params

    def init_params(
        self,
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        arg_params=None,
        aux_params=None,
        allow_missing: bool = False,
        force_init: bool = False,
        allow_extra: bool = False,
    ) -> None:
        """Initialize every module's parameters (the same ``arg_params`` /
        ``aux_params`` dicts are offered to each); parameter names must be
        unique across the chain."""
        if self.params_initialized and not force_init:
            return
        _require(self.binded, "call bind before initializing the parameters")
        for module in self._modules:
            module.init_params(
                initializer=initializer,
                arg_params=arg_params,
                aux_params=aux_params,
                allow_missing=allow_missing,
                force_init=force_init,
                allow_extra=allow_extra,
            )
        owners: list[dict] = [{}, {}]
        for i, module in enumerate(self._modules):
            for kind, names in zip(owners, module.get_params(), strict=True):
                for name in names:
                    if name in kind:
                        j = kind[name]
                        raise AssertionError(
                            f'Duplicated parameter names: name "{name}" in layer {i} '
                            f"({type(module).__name__}) is already used in layer {j} "
                            f"({type(self._modules[j]).__name__})."
                        )
                    kind[name] = i
        self.params_initialized = True

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
        """Bind each module in turn, the next one's data shapes being the
        previous one's output shapes."""
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if inputs_need_grad and not for_training:
            raise AssertionError("inputs_need_grad=True needs for_training=True")
        if shared_module is not None:
            raise AssertionError("Shared module is not supported by SequentialModule")
        if not self._modules:
            raise AssertionError("Attempting to bind an empty SequentialModule")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._label_shapes = label_shapes
        my_data_shapes = data_shapes
        needs_label = False
        for i, module in enumerate(self._modules):
            my_label_shapes = None
            if self._takes_labels(i):
                my_label_shapes = label_shapes
                needs_label = True
            if self._metas[i].get(self.META_AUTO_WIRING, False):
                names = module.data_names
                if len(names) != len(my_data_shapes):
                    raise AssertionError(
                        f"auto_wiring: module {i} has data names {names} but the "
                        f"previous module gives {len(my_data_shapes)} outputs"
                    )
                my_data_shapes = [
                    (name, shape)
                    for name, (_, shape) in zip(names, my_data_shapes, strict=True)
                ]
            module.bind(
                data_shapes=my_data_shapes,
                label_shapes=my_label_shapes,
                for_training=for_training,
                inputs_need_grad=bool(inputs_need_grad or (for_training and i > 0)),
                force_rebind=force_rebind,
                shared_module=None,
                grad_req=grad_req,
            )
            my_data_shapes = module.output_shapes
        if not needs_label:
            self._label_shapes = None
        self.binded = True

    def init_optimizer(
        self,
        kvstore="local",
        optimizer="sgd",
        optimizer_params=(("learning_rate", 0.01),),
        force_init: bool = False,
    ) -> None:
        """Install the optimizer on every module."""
        _require(
            self.binded and self.params_initialized,
            "init_optimizer: bind the module and initialize its parameters first",
        )
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring.")
            return
        for module in self._modules:
            module.init_optimizer(
                kvstore=kvstore,
                optimizer=optimizer,
                optimizer_params=optimizer_params,
                force_init=force_init,
            )
        self.optimizer_initialized = True

    def forward(self, data_batch, is_train=None) -> None:
        """Run the modules in order, feeding each the previous outputs."""
        _require(
            self.binded and self.params_initialized,
            "forward: bind the module and initialize its parameters first",
        )
        # A shallow copy keeps the batch's other fields (pad, bucket_key...).
        data_batch = copy.copy(data_batch)
        last = len(self._modules) - 1
        for i, module in enumerate(self._modules):
            module.forward(data_batch, is_train=is_train)
            if i == last:
                break
            data_batch.data = module.get_outputs()
            if hasattr(data_batch, "provide_data"):
                names = [x[0] for x in module.output_shapes]
                data_batch.provide_data = [
                    (name, x.shape)
                    for name, x in zip(names, data_batch.data, strict=True)
                ]

    def backward(self, out_grads=None) -> None:
        """Run backward through the modules in reverse order."""
        _require(
            self.binded and self.params_initialized,
            "backward: bind the module and initialize its parameters first",
        )
        for i in range(len(self._modules) - 1, -1, -1):
            module = self._modules[i]
            module.backward(out_grads=out_grads)
            if i == 0:
                break
            out_grads = module.get_input_grads()

    def update(self) -> None:
        """Update every module's parameters."""
        _require(
            self.binded and self.params_initialized and self.optimizer_initialized,
            "update: bind, init_params and init_optimizer first",
        )
        for module in self._modules:
            module.update()

    def get_outputs(self, merge_multi_context: bool = True):
        """The last module's outputs."""
        _require(
            self.binded and self.params_initialized,
            "get_outputs: bind the module and initialize its parameters first",
        )
        return self._modules[-1].get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context: bool = True):
        """The first module's input gradients (bind with ``inputs_need_grad``)."""
        _require(
            self.binded and self.params_initialized and self.inputs_need_grad,
            "get_input_grads: bind with inputs_need_grad=True and initialize first",
        )
        return self._modules[0].get_input_grads(merge_multi_context=merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced: bool = False) -> None:
        """Update ``eval_metric`` on every module that takes labels."""
        _require(
            self.binded and self.params_initialized,
            "update_metric: bind the module and initialize its parameters first",
        )
        for i, module in enumerate(self._modules):
            if self._takes_labels(i):
                module.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon) -> None:
        """Install ``mon`` on every module's executors."""
        _require(self.binded, "install_monitor: bind the module first")
        for module in self._modules:
            module.install_monitor(mon)
