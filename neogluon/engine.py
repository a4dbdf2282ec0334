"""``mx.engine``: MXNet's dependency-engine controls.

MXNet's asynchronous engine can bulk several operators into one scheduled
segment (``bulk`` / ``set_bulk_size``). PyTorch executes each operator as it
is called, so there is nothing to bulk: neogluon records the requested size
(``set_bulk_size`` returns the previous one, like MXNet) and it has no effect
on execution. Hybridized blocks get the same benefit from compiling the whole
graph (``hybridize``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["bulk", "set_bulk_size"]

_bulk_size = 0


def set_bulk_size(size: int) -> int:
    """Set the engine's bulk size (no effect on PyTorch); returns the previous one."""
    global _bulk_size
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"set_bulk_size: size must be an int >= 0, got {size!r}")
    prev, _bulk_size = _bulk_size, size
    return prev


@contextlib.contextmanager
def bulk(size: int) -> Iterator[None]:
    """Scope with bulk size ``size``; the previous size is restored on exit."""
    prev = set_bulk_size(size)
    try:
        yield
    finally:
        set_bulk_size(prev)
