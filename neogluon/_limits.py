"""Shape limits checked before anything is allocated.

torch stores sizes as int64: a shape whose element count does not fit fails
deep inside the allocator with "Storage size calculation overflowed", and a
negative dim with a message that names no argument. :func:`checked_shape`
turns both into an ``MXNetError`` that names the shape, the offending value
and the limit.
"""

from __future__ import annotations

from .base import MXNetError

__all__ = ["INT64_MAX", "checked_shape"]

#: The largest element count (and dim) torch can represent.
INT64_MAX = 2**63 - 1


def checked_shape(shape: tuple[int, ...], what: str = "array") -> tuple[int, ...]:
    """``shape`` unchanged if every dim is >= 0 and their product fits int64.

    Examples
    --------
    >>> from neogluon._limits import checked_shape
    >>> checked_shape((2, 3))
    (2, 3)
    """
    n = 1
    for i, d in enumerate(shape):
        if d < 0:
            raise MXNetError(
                f"Invalid {what} shape {shape}: dim {i} is {d}; dims must be >= 0 "
                "(-1 and the other special codes are only for reshape)."
            )
        n *= d
    if n > INT64_MAX:
        raise MXNetError(
            f"Invalid {what} shape {shape}: it has {n} elements, more than the "
            f"largest size an array can have ({INT64_MAX}, the int64 maximum)."
        )
    return shape
