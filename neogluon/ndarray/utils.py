"""``mx.nd.utils``: creation and save/load functions (dense storage).

MXNet's versions also create sparse arrays for ``stype="csr"``/``"row_sparse"``;
sparse storage is not implemented yet (see ``mx.nd.sparse``).
"""

from __future__ import annotations

from .ndarray import array
from .ndarray import empty
from .ndarray import zeros
from .serialization import load
from .serialization import load_frombuffer
from .serialization import save

__all__ = ["array", "empty", "load", "load_frombuffer", "save", "zeros"]
