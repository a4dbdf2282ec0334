"""``mx.contrib.autograd``: MXNet's first (pre-``mx.autograd``) autograd API.

``set_is_training`` switches recording and training mode together; the
sections, ``mark_variables``/``backward`` and the ``grad``/``grad_and_loss``
function transforms are built on :mod:`neogluon.autograd`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .. import autograd as _ag
from ..ndarray import NDArray
from ..ndarray import zeros_like

__all__ = [
    "TrainingStateScope",
    "backward",
    "compute_gradient",
    "grad",
    "grad_and_loss",
    "mark_variables",
    "set_is_training",
    "test_section",
    "train_section",
]


def set_is_training(is_train: bool) -> bool:
    """Turn recording and training mode on or off together; returns the previous state."""
    prev = _ag.set_training(bool(is_train))
    _ag.set_recording(bool(is_train))
    return bool(prev)


class TrainingStateScope:
    """``with`` scope that sets :func:`set_is_training` and restores it on exit."""

    def __init__(self, enter_state: bool) -> None:
        self._enter_state = bool(enter_state)
        self._prev: bool | None = None

    def __enter__(self) -> TrainingStateScope:
        self._prev = set_is_training(self._enter_state)
        return self

    def __exit__(self, *exc) -> None:
        if self._prev is not None and self._prev != self._enter_state:
            set_is_training(self._prev)


def train_section() -> TrainingStateScope:
    """Scope that records operations for gradients, in training mode."""
    return TrainingStateScope(True)


def test_section() -> TrainingStateScope:
    """Scope without recording, in inference mode (inside a train_section)."""
    return TrainingStateScope(False)


def mark_variables(variables, gradients, grad_reqs="write") -> None:
    """Attach gradient buffers to ``variables`` (see ``mx.autograd.mark_variables``)."""
    _ag.mark_variables(variables, gradients, grad_reqs)


def backward(outputs, out_grads=None, retain_graph: bool = False) -> None:
    """Gradients of ``outputs`` (head gradients ``out_grads``, ones by default)."""
    _ag.backward(outputs, out_grads, retain_graph=retain_graph)


def compute_gradient(outputs) -> None:
    """Deprecated alias: ``backward(outputs)``."""
    backward(outputs)


def grad_and_loss(func: Callable, argnum=None) -> Callable:
    """Transform ``func`` into one returning ``(gradients, outputs)``.

    Gradients are taken with respect to the positional arguments listed in
    ``argnum`` (an int or list of ints; all of them by default), which must be
    NDArrays.
    """

    @functools.wraps(func)
    def wrapped(*args):
        if argnum is None:
            variables = list(args)
        else:
            idx = argnum if isinstance(argnum, (list, tuple)) else [argnum]
            variables = [args[i] for i in idx]
        for i, x in enumerate(variables):
            if not isinstance(x, NDArray):
                raise TypeError(
                    f"grad_and_loss: differentiated argument #{i} must be an NDArray, "
                    f"got {type(x).__name__}"
                )
        grads = [zeros_like(x) for x in variables]
        mark_variables(variables, grads)
        with train_section():
            outputs = func(*args)
        compute_gradient([outputs] if isinstance(outputs, NDArray) else outputs)
        return grads, outputs

    return wrapped


def grad(func: Callable, argnum=None) -> Callable:
    """Transform ``func`` into one returning the gradients of its output."""
    inner = grad_and_loss(func, argnum)

    @functools.wraps(func)
    def wrapped(*args):
        return inner(*args)[0]

    return wrapped
