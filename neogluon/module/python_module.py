"""``mx.module.python_module``: modules written in Python.

:class:`PythonModule` is the base of modules whose computation is plain
Python (no symbol, no parameters): it does the bookkeeping of names and
shapes, and its ``init_params`` / ``init_optimizer`` / ``update`` have no
parameters to act on. :class:`PythonLossModule` is the usual use of it: the
last module of a :class:`~neogluon.module.SequentialModule` that passes its
input through as output and, in ``backward``, computes the input gradient
with a Python function ``grad_func(scores, labels)``.
"""

from __future__ import annotations

import logging

from .. import ndarray as nd
from ..initializer import Uniform
from .base_module import BaseModule
from .base_module import _require

__all__ = ["PythonLossModule", "PythonModule"]


class PythonModule(BaseModule):
    """A module computed in Python, without parameters.

    Subclasses implement ``forward``, ``backward``, ``get_outputs``,
    ``get_input_grads`` and ``_compute_output_shapes`` (called by ``bind``).

    Parameters
    ----------
    data_names, label_names, output_names : list of str
    logger : Logger
    """

    def __init__(self, data_names, label_names, output_names, logger=logging) -> None:
        super().__init__(logger=logger)
        self._data_names = list(data_names)
        self._label_names = None if label_names is None else list(label_names)
        self._output_names = list(output_names)
        self._data_shapes = None
        self._label_shapes = None
        self._output_shapes = None

    @property
    def data_names(self) -> list:
        return self._data_names

    @property
    def output_names(self) -> list:
        return self._output_names

    @property
    def data_shapes(self):
        """``(name, shape)`` of the data inputs given to ``bind``."""
        return self._data_shapes

    @property
    def label_shapes(self):
        """``(name, shape)`` of the labels given to ``bind`` (None without)."""
        return self._label_shapes

    @property
    def output_shapes(self):
        """``(name, shape)`` of the outputs, from ``_compute_output_shapes``."""
        return self._output_shapes

    def get_params(self) -> tuple[dict, dict]:
        """No parameters: two empty dicts."""
        return {}, {}

    def init_params(
        self,
        initializer=Uniform(0.01),  # noqa: B008 - MXNet's default, never mutated
        arg_params=None,
        aux_params=None,
        allow_missing: bool = False,
        force_init: bool = False,
        allow_extra: bool = False,
    ) -> None:
        """Marks the (empty) parameter set initialized."""
        self.params_initialized = True

    def init_optimizer(
        self,
        kvstore="local",
        optimizer="sgd",
        optimizer_params=(("learning_rate", 0.01),),
        force_init: bool = False,
    ) -> None:
        """No parameters to optimize; marks the optimizer installed."""
        self.optimizer_initialized = True

    def update(self) -> None:
        """No parameters to update: does nothing (as MXNet's)."""
        return None

    def update_metric(self, eval_metric, labels, pre_sliced: bool = False) -> None:
        """Update ``eval_metric`` with ``labels`` and the outputs (only when
        bound with labels)."""
        if self._label_shapes is None:
            return
        if pre_sliced:
            raise RuntimeError("PythonModule does not support presliced labels")
        eval_metric.update(labels, self.get_outputs())

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
        """Record the input shapes and compute the output shapes."""
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if grad_req != "write":
            raise ValueError(
                f"{type(self).__name__}.bind: grad_req={grad_req!r}; a Python "
                "module only supports grad_req='write'"
            )
        data_shapes = [tuple(x) for x in data_shapes]
        names = [x[0] for x in data_shapes]
        if names != self._data_names:
            raise ValueError(
                f"{type(self).__name__}.bind: data_shapes name {names}, the module "
                f"was created with data_names={self._data_names}"
            )
        if label_shapes is not None:
            label_shapes = [tuple(x) for x in label_shapes]
            lnames = [x[0] for x in label_shapes]
            if self._label_names is None or lnames != self._label_names:
                raise ValueError(
                    f"{type(self).__name__}.bind: label_shapes name {lnames}, the "
                    f"module was created with label_names={self._label_names}"
                )
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._data_shapes = data_shapes
        self._label_shapes = label_shapes
        self.binded = True
        self._output_shapes = self._compute_output_shapes()

    def _compute_output_shapes(self):
        """``(name, shape)`` of the outputs for the bound input shapes."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _compute_output_shapes"
        )


class PythonLossModule(PythonModule):
    """A loss module in Python: the output is the input (the scores), and
    ``backward`` sets the input gradient to ``grad_func(scores, labels)``.

    Parameters
    ----------
    name : str
        The output is named ``<name>_output``.
    data_names, label_names : one name each
    grad_func : callable(scores, labels) -> NDArray or array-like
        The gradient of the loss with respect to the scores.
    """

    def __init__(
        self,
        name: str = "pyloss",
        data_names=("data",),
        label_names=("softmax_label",),
        logger=logging,
        grad_func=None,
    ) -> None:
        super().__init__(data_names, label_names, [name + "_output"], logger=logger)
        self._name = name
        if len(self._data_names) != 1 or len(self._label_names) != 1:
            raise ValueError(
                "PythonLossModule takes exactly one data name and one label name, "
                f"got data_names={list(data_names)}, label_names={list(label_names)}"
            )
        if grad_func is not None and not callable(grad_func):
            raise TypeError(
                f"PythonLossModule: grad_func must be callable, got {type(grad_func)}"
            )
        self._grad_func = grad_func
        self._scores = None
        self._labels = None
        self._scores_grad = None

    def _compute_output_shapes(self):
        return [(self._name + "_output", self._data_shapes[0][1])]

    def forward(self, data_batch, is_train=None) -> None:
        """Keep references to the scores (and, training, the labels)."""
        self._scores = data_batch.data[0]
        if is_train is None:
            is_train = self.for_training
        if is_train:
            self._labels = data_batch.label[0]

    def get_outputs(self, merge_multi_context: bool = True) -> list:
        """``[scores]``: the input of the last forward."""
        _require(merge_multi_context, "PythonLossModule has a single context")
        return [self._scores]

    def backward(self, out_grads=None) -> None:
        """Compute the gradient of the scores with ``grad_func``."""
        _require(out_grads is None, "For a loss module, out_grads should be None")
        _require(self.for_training, "backward: bind the module for training")
        self._backward_impl()

    def _backward_impl(self) -> None:
        if self._grad_func is None:
            raise NotImplementedError(
                "PythonLossModule without grad_func: pass grad_func(scores, labels) "
                "or subclass it and override _backward_impl"
            )
        grad = self._grad_func(self._scores, self._labels)
        if not isinstance(grad, nd.NDArray):
            grad = nd.array(grad)
        self._scores_grad = grad

    def get_input_grads(self, merge_multi_context: bool = True) -> list:
        """``[d loss / d scores]`` from the last backward."""
        _require(merge_multi_context, "PythonLossModule has a single context")
        return [self._scores_grad]

    def install_monitor(self, mon) -> None:
        """A Python module has no executor to monitor."""
        raise NotImplementedError(
            "PythonLossModule has no executor to monitor; install the monitor on "
            "the symbolic modules before it"
        )
