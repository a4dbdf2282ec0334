"""``mx.sym.linalg``: linear-algebra operators (``_linalg_*``: ``gemm2``, ``potrf``, ...).

The operator functions are generated from the operator registry and added to
this module when ``neogluon.symbol`` is imported (``__all__`` lists them).
"""

from __future__ import annotations

__all__: list[str] = []
