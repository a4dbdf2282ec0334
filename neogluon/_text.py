"""Small text helpers shared by ``__repr__`` methods and error messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["indent", "fmt_shape", "fmt_shape_x", "fmt_shapes"]


def indent(s: str, num_spaces: int) -> str:
    """Indent every line of ``s`` but the first by ``num_spaces`` spaces.

    Used to nest a child's multi-line ``repr`` under its parent's line.
    """
    lines = s.split("\n")
    return "\n".join([lines[0]] + [" " * num_spaces + line for line in lines[1:]])


def fmt_shape(shape: Sequence[int] | None, *, partial: bool = True) -> str:
    """A (partial) shape as text: ``(1, 6, 28, 28)``, ``(3,)``.

    With ``partial`` (shapes under inference, for error messages), unknown dims
    (0, MXNet's legacy convention) and an unknown rank (``None``) print as
    ``?``: ``(?, 2, ?, ?)``. Without it the shape is an array's own and 0 is a
    real, empty dim: the text is then Python's ``str`` of the tuple.
    """
    if shape is None:
        return "?"
    dims = ["?" if partial and not d else str(int(d)) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def fmt_shape_x(shape: Sequence[int]) -> str:
    """A shape as MXNet prints it in an NDArray's repr and in plot labels:
    ``2x3`` (``""`` for a 0-d array)."""
    return "x".join(str(d) for d in shape)


def fmt_shapes(value: Any) -> str:
    """The shapes of an array or of nested lists/tuples of arrays, as MXNet's
    ``Block.summary`` prints them: ``(2, 3)``, ``(2, 3), [(1, 4), (1, 4)]``.
    Anything without a ``shape`` prints as itself (its repr when nested)."""

    def nested(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(nested(x) for x in v) + "]"
        shape = getattr(v, "shape", None)
        return fmt_shape(shape, partial=False) if isinstance(shape, tuple) else repr(v)

    if isinstance(value, (list, tuple)):
        return nested(value)[1:-1]
    shape = getattr(value, "shape", None)
    return fmt_shape(shape, partial=False) if isinstance(shape, tuple) else str(value)
