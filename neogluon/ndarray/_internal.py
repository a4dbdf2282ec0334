"""``mx.nd._internal``: internal operators (names starting with ``_``, e.g. ``_plus_scalar``).

The operator functions are generated from the operator registry and added to
this module when ``neogluon.ndarray`` is imported (``__all__`` lists them).
"""

from __future__ import annotations

__all__: list[str] = []
