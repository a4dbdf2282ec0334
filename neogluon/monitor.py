"""``mx.monitor``: :class:`Monitor`, statistics of a bound graph's arrays
for debugging (MXNet 1.9.1's executor monitor).

A monitor is installed on executors (``Module.install_monitor`` /
``fit(monitor=...)``); between ``tic()`` and ``toc()`` every ``interval``-th
batch it collects ``stat_func`` of each operator output whose name matches
``pattern`` (with ``monitor_all``, of the operator inputs too), and at
``toc()`` of the executors' arguments and auxiliary states. It uses the
executor's monitor callback (``Executor.set_monitor_callback``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from math import sqrt

from . import ndarray
from .ndarray import NDArray

__all__ = ["Monitor"]


def _name_str(name) -> str:
    return name.decode("utf-8") if isinstance(name, bytes) else str(name)


def _default_stat(x: NDArray) -> NDArray:
    """``norm(x) / sqrt(x.size)``: the root mean square of ``x``."""
    return ndarray.norm(x) / sqrt(x.size)


class Monitor:
    """Collect statistics of the arrays of executors.

    Parameters
    ----------
    interval : int
        Collect every ``interval`` batches (counted by ``tic``).
    stat_func : callable(NDArray) -> NDArray or list of NDArray, optional
        Default: ``norm(x) / sqrt(x.size)``.
    pattern : str
        Regular expression; arrays whose name matches it (``re.match``,
        from the start) are collected.
    sort : bool
        Sort ``toc``'s results by name.
    monitor_all : bool
        Also collect the inputs of every operator, not only its outputs.
    """

    def __init__(
        self,
        interval: int,
        stat_func: Callable | None = None,
        pattern: str = ".*",
        sort: bool = False,
        monitor_all: bool = False,
    ) -> None:
        self.stat_func = _default_stat if stat_func is None else stat_func
        self.interval = interval
        self.activated = False
        self.queue: list = []
        self.step = 0
        self.exes: list = []
        self.re_prog = re.compile(pattern)
        self.sort = sort
        self.monitor_all = monitor_all

        def stat_helper(name, handle) -> None:
            name = _name_str(name)
            if not self.activated or not self.re_prog.match(name):
                return
            array = handle if isinstance(handle, NDArray) else NDArray(handle)
            self.queue.append((self.step, name, self.stat_func(array)))

        self.stat_helper = stat_helper

    def install(self, exe) -> None:
        """Install the monitor's callback on executor ``exe`` (any number of
        executors may share one monitor)."""
        exe.set_monitor_callback(self.stat_helper, self.monitor_all)
        self.exes.append(exe)

    def tic(self) -> None:
        """Start a batch: collect during it if it is an ``interval``-th one.
        Call before ``forward``."""
        if self.step % self.interval == 0:
            self.queue = []
            self.activated = True
        self.step += 1

    def toc(self) -> list:
        """End the batch; returns ``[(step, name, text)]``, ``text`` the
        statistics' values joined by tabs (empty when the batch was not
        collected). Arguments and auxiliary states of the executors are
        added here."""
        if not self.activated:
            return []
        for exe in self.exes:
            symbol = exe._symbol
            for name, array in zip(
                symbol.list_arguments(), exe.arg_arrays, strict=True
            ):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
            for name, array in zip(
                symbol.list_auxiliary_states(), exe.aux_arrays, strict=True
            ):
                if self.re_prog.match(name):
                    self.queue.append((self.step, name, self.stat_func(array)))
        self.activated = False
        if self.sort:
            self.queue.sort(key=lambda x: x[1])
        res = []
        for step, name, values in self.queue:
            if isinstance(values, NDArray):
                values = [values]
            if not isinstance(values, list):
                raise TypeError(
                    f"Monitor: stat_func returned {type(values).__name__} for "
                    f"'{name}'; it must return an NDArray or a list of NDArrays"
                )
            text = ""
            for v in values:
                if not isinstance(v, NDArray):
                    raise TypeError(
                        f"Monitor: stat_func returned a list holding "
                        f"{type(v).__name__} for '{name}'; expected NDArrays"
                    )
                text += str(v.asscalar()) if v.shape == (1,) else str(v.asnumpy())
                text += "\t"
            res.append((step, name, text))
        self.queue = []
        return res

    def toc_print(self) -> None:
        """``toc()`` and log each result at INFO level."""
        for step, name, text in self.toc():
            logging.info(f"Batch: {step:7d} {name:30s} {text:s}")
