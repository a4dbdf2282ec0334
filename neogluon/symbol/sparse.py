"""``mx.sym.sparse``: sparse-storage operators (``_sparse_*``) as Symbol functions.

Sparse storage is not implemented yet (planned: issue 13); the registered
operators that MXNet places here are added when ``neogluon.symbol`` is
imported and compute on dense storage.
"""

from __future__ import annotations

__all__: list[str] = []
