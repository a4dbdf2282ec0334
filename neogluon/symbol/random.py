"""``mx.sym.random``: random samplers as Symbol functions.

MXNet's Python samplers (``uniform``, ``normal``, ...; a scalar or Symbol
parameter picks the ``_random_*`` or ``_sample_*`` operator) come from
``symbol._frontend``; the registry's other ``_random_*`` operators are added
when ``neogluon.symbol`` is imported.
"""

from __future__ import annotations

from ._frontend import RANDOM_HELPERS as _HELPERS

globals().update(_HELPERS)
__all__: list[str] = sorted(_HELPERS)
