"""Small text helpers shared by the ``__repr__`` methods."""

from __future__ import annotations

__all__ = ["indent"]


def indent(s: str, num_spaces: int) -> str:
    """Indent every line of ``s`` but the first by ``num_spaces`` spaces.

    Used to nest a child's multi-line ``repr`` under its parent's line.
    """
    lines = s.split("\n")
    return "\n".join([lines[0]] + [" " * num_spaces + line for line in lines[1:]])
