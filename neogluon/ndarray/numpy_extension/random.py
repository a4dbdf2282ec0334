"""``mx.ndarray.numpy_extension.random``: ``uniform_n`` and ``normal_n`` (the
``F.npx.random`` of an eager ``hybrid_forward``); ``bernoulli`` is a
placeholder.

``*_n`` samplers put ``batch_shape`` in front of the parameters' broadcast
shape (MXNet's ``_npi_uniform_n`` / ``_npi_normal_n``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _missing

__all__ = ["normal_n", "uniform_n"]


def _n_shape(batch_shape: Any, *params: Any) -> tuple[int, ...]:
    if batch_shape is None:
        batch: tuple[int, ...] = ()
    elif isinstance(batch_shape, (int, np.integer)):
        batch = (int(batch_shape),)
    else:
        batch = tuple(int(d) for d in batch_shape)
    event = np.broadcast_shapes(*(tuple(getattr(p, "shape", ())) for p in params))
    return batch + tuple(event)


def uniform_n(low=0.0, high=1.0, batch_shape=None, dtype=None, ctx=None) -> Any:
    """Samples from U[low, high) of shape ``batch_shape + broadcast(low, high)``."""
    from .._np_random import uniform

    return uniform(
        low, high, size=_n_shape(batch_shape, low, high), dtype=dtype, ctx=ctx
    )


def normal_n(loc=0.0, scale=1.0, batch_shape=None, dtype=None, ctx=None) -> Any:
    """Samples from N(loc, scale^2) of shape ``batch_shape + broadcast(loc, scale)``."""
    from .._np_random import normal

    return normal(
        loc, scale, size=_n_shape(batch_shape, loc, scale), dtype=dtype, ctx=ctx
    )


_NAMES = {
    "bernoulli": "function",
    "normal_n": "function",
    "uniform_n": "function",
}
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="mx.nd.numpy_extension (mx.npx internals)",
    planned="issue 8",
    instead="mx.nd operators",
)
