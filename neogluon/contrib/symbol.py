"""``mx.contrib.symbol`` (``mx.contrib.sym``): MXNet's older path to ``mx.sym.contrib``.

Every public name of ``mx.sym.contrib`` (the registered ``_contrib_*``
operators) is available here.
"""

from __future__ import annotations

from ..symbol import contrib as _contrib

__all__ = sorted(n for n in vars(_contrib) if not n.startswith("_"))
globals().update({n: getattr(_contrib, n) for n in __all__})
