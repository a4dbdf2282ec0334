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

__all__ = ["State", "entered", "op_range", "custom_scope"]


class State:
    """``on``: a profiling session is running (set by ``neogluon.profiler``)."""

    on = False
    #: operator names that got a range (the profiler's aggregate table
    #: leaves out the torch events nested inside them)
    names: set = set()
    #: names recorded inside custom operators (``<op_type>::pure_python``,
    #: ``<op_type>::<operator>``): MXNet's "Custom Operator" category
    custom: set = set()


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

    prefix = getattr(_local, "prefix", "")
    if prefix:
        name = prefix + name
        State.custom.add(name)
    State.names.add(name)
    _local.inside = True
    try:
        with record_function(name):
            return fn(*args, **kwargs)
    finally:
        _local.inside = False


class custom_scope:  # noqa: N801 - used as a context manager
    """The Python code of custom operator ``label`` (``op_type`` or
    ``_backward_<op_type>``) runs in a profiler range ``<label>::pure_python``,
    and the operators it calls are named ``<label>::<operator>`` (MXNet's
    "Custom Operator" category). Only a range while profiling."""

    __slots__ = ("_label", "_saved", "_rf")

    def __init__(self, label: str) -> None:
        self._label = label
        self._saved = None
        self._rf = None

    def __enter__(self) -> custom_scope:
        self._saved = (getattr(_local, "inside", False), getattr(_local, "prefix", ""))
        _local.inside = False
        _local.prefix = f"{self._label}::"
        if State.on:
            from torch.autograd.profiler import record_function

            name = f"{self._label}::pure_python"
            State.custom.add(name)
            self._rf = record_function(name)
            self._rf.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._rf is not None:
            self._rf.__exit__(*exc)
            self._rf = None
        _local.inside, _local.prefix = self._saved
