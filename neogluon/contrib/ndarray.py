"""``mx.contrib.ndarray`` (``mx.contrib.nd``): MXNet's older path to ``mx.nd.contrib``.

Every public name of ``mx.nd.contrib`` (its helpers and the registered
``_contrib_*`` operators) is available here.
"""

from __future__ import annotations

from ..ndarray import contrib as _contrib

__all__ = sorted(n for n in vars(_contrib) if not n.startswith("_"))
globals().update({n: getattr(_contrib, n) for n in __all__})
