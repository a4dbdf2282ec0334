"""Small text helpers shared by ``__repr__`` methods and error messages."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["indent", "fmt_shape"]


def indent(s: str, num_spaces: int) -> str:
    """Indent every line of ``s`` but the first by ``num_spaces`` spaces.

    Used to nest a child's multi-line ``repr`` under its parent's line.
    """
    lines = s.split("\n")
    return "\n".join([lines[0]] + [" " * num_spaces + line for line in lines[1:]])


def fmt_shape(shape: Sequence[int] | None) -> str:
    """A (partial) shape as text: ``(1, 6, 28, 28)``, ``(3,)``.

    Unknown dims (0, MXNet's legacy convention) and an unknown rank (``None``)
    print as ``?``: ``(?, 2, ?, ?)``.
    """
    if shape is None:
        return "?"
    dims = ["?" if not d else str(int(d)) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"
