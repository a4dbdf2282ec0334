"""Errors, sentinels and dtype helpers shared by every layer of neogluon."""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "MXNetError",
    "DeferredInitializationError",
    "NotImplementedForSymbol",
    "mx_real_t",
    "data_dir",
    "numeric_types",
    "integer_types",
    "string_types",
    "_Null",
]


class MXNetError(RuntimeError):
    """Error raised by neogluon operators and runtime (MXNet's error type)."""


class DeferredInitializationError(MXNetError):
    """A Parameter was used before its deferred initialization completed."""


class NotImplementedForSymbol(MXNetError):
    """A Python feature that a Symbol cannot support (``bool(x)``, ``len(x)``)."""

    def __init__(self, function, alias=None, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self) -> str:
        msg = f"Function {self.function}"
        if self.alias:
            msg += f" (namely operator '{self.alias}')"
        if self.args:
            msg += " with arguments (" + ", ".join(self.args) + ")"
        msg += " is not implemented for Symbol and only available in NDArray."
        hint = getattr(self, "hint", "")
        return f"{msg} {hint}" if hint else msg


class _NullType:
    """Placeholder for an argument that was not given (MXNet's ``_Null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_Null"

    def __bool__(self) -> bool:
        return False


_Null = _NullType()

mx_real_t = np.float32
numeric_types = (float, int, np.generic)
integer_types = (int, np.integer)
string_types = (str,)


def data_dir_default() -> str:
    return os.path.join(os.path.expanduser("~"), ".mxnet")


def data_dir() -> str:
    """MXNet's data directory: ``$MXNET_HOME`` or ``~/.mxnet``."""
    return os.getenv("MXNET_HOME", data_dir_default())
