"""``mx.util``: the parts of MXNet's util module with real meaning here.

neogluon implements MXNet's legacy (``mx.nd``) semantics only, so the numpy
interface switches report "off" and cannot be turned on.
"""

from __future__ import annotations

import os

from .base import MXNetError

__all__ = ["is_np_array", "is_np_shape", "set_np_shape", "getenv", "setenv"]


def is_np_array() -> bool:
    """Whether the ``mx.np`` array semantics are active: never in neogluon."""
    return False


def is_np_shape() -> bool:
    """Whether numpy shape semantics (0-d and zero-size arrays) are active: no."""
    return False


def set_np_shape(active: bool) -> bool:
    """Turn numpy shape semantics off (a no-op); turning them on is unsupported.

    Returns the previous state (always False), as MXNet does.
    """
    if active:
        raise MXNetError(
            "set_np_shape(True): numpy shape semantics (mx.np / npx.set_np) are not "
            "supported by neogluon, which implements MXNet's legacy mx.nd API. "
            "Remove the call or use mx.nd arrays."
        )
    return False


def getenv(name: str) -> str | None:
    """The value of environment variable ``name`` (None when unset)."""
    return os.environ.get(name)


def setenv(name: str, value: str | None) -> None:
    """Set environment variable ``name``; ``None`` removes it."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = str(value)
