"""Operator names in profiles: MXNet's operator ranges around eager ops.

While :mod:`neogluon.profiler` runs a torch profiling session
(``State.on``), the eager frontends (``nd.<op>``, NDArray's arithmetic
operators, :func:`neogluon.ndarray.ndarray.invoke`) run each operator inside
a ``torch.profiler.record_function`` range named as MXNet names the operator
(``sqrt``, ``_plus_scalar``, ``broadcast_add``), so the trace and the
aggregate table show MXNet's names with torch's kernels (``aten::sqrt``)
nested below. Only the outermost operator is named (an operator whose kernel
calls other frontends is one range, as it is one operator in MXNet).

When not profiling, the frontends pay one class-attribute check per call.
This module is imported by the hot paths, so it stays free of heavy imports.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["State", "entered", "op_range"]


class State:
    """``on``: a profiling session is running (set by ``neogluon.profiler``)."""

    on = False
    #: operator names that got a range (the profiler's aggregate table
    #: leaves out the torch events nested inside them)
    names: set = set()


_local = threading.local()


def entered() -> bool:
    """Whether this thread is inside an operator's range already."""
    return getattr(_local, "inside", False)


def op_range(name: str, fn: Callable, /, *args, **kwargs):
    """``fn(*args, **kwargs)`` inside a profiler range called ``name``
    (just the call when already inside an operator's range).

    Callers check ``State.on and not entered()`` first and pass themselves as
    ``fn``: the re-entered call then runs the operator."""
    if getattr(_local, "inside", False):
        return fn(*args, **kwargs)
    from torch.autograd.profiler import record_function

    State.names.add(name)
    _local.inside = True
    try:
        with record_function(name):
            return fn(*args, **kwargs)
    finally:
        _local.inside = False
