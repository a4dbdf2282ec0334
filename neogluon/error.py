"""``mx.error``: structured error classes and their registry.

``register`` (MXNet's ``register_error``) records an error class by name in
``neogluon.base.error_types``; Python's built-in errors are registered under
their own names, as in MXNet.
"""

from __future__ import annotations

from .base import MXNetError
from .base import register_error

__all__ = ["MXNetError", "register", "InternalError"]

register = register_error


@register_error
class InternalError(MXNetError):
    """An internal error of the library (a bug, not a usage error)."""

    def __init__(self, msg: str) -> None:
        if "MXNet hint:" not in msg:
            msg += (
                "\nMXNet hint: You hit an internal error. Please report it to "
                "neogluon with the code that triggers it."
            )
        super().__init__(msg)


for _cls in (ValueError, TypeError, AttributeError, IndexError, NotImplementedError):
    register_error(_cls.__name__, _cls)
