"""``mx.nd.numpy_extension.random``: the ``mx.npx.random`` samplers, for
``F.npx.random`` in a ``hybrid_forward`` called eagerly (``F`` is ``mx.nd``).
"""

from __future__ import annotations

from ...numpy_extension.random import bernoulli  # noqa: F401
from ...numpy_extension.random import normal_n  # noqa: F401
from ...numpy_extension.random import uniform_n  # noqa: F401

__all__ = ["bernoulli", "normal_n", "uniform_n"]
