"""``mx.nd.sparse``: sparse NDArrays (CSR and row-sparse storage).

Sparse storage is not implemented yet (planned: issue 13). MXNet's Python
names of this module resolve and raise MXNetError when used; the registered
operators that MXNet places here are added when ``neogluon.ndarray`` is
imported and compute on dense storage.
"""

from __future__ import annotations

from .. import _missing

_NAMES = {
    "BaseSparseNDArray": "class",
    "CSRNDArray": "class",
    "RowSparseNDArray": "class",
    "add": "function",
    "array": "function",
    "csr_matrix": "function",
    "divide": "function",
    "empty": "function",
    "multiply": "function",
    "row_sparse_array": "function",
    "subtract": "function",
    "zeros": "function",
}
__all__ = _missing.define(
    globals(),
    _NAMES,
    area="sparse storage (CSR / row_sparse NDArrays)",
    planned="issue 13",
    instead="dense NDArrays (mx.nd.array / mx.nd.zeros)",
)
