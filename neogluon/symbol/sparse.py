"""``mx.sym.sparse``: MXNet's ``_sparse_*`` operators as Symbol functions,
and storage types in bound graphs.

As in ``mx.nd.sparse``, most names MXNet places here are the ordinary
operators registered again under ``_sparse_<name>``: the same graph node as
the dense operator. ``retain`` (``_sparse_retain``) and ``cast_storage`` are
their own nodes (``ops/sparse_ops.py``); ``adagrad_update`` exists only for
row_sparse inputs and raises MXNetError.

Variables carry ``stype`` as MXNet writes it (``__storage_type__`` in JSON);
bound graphs with sparse arrays: :mod:`neogluon.symbol.storage`.
"""

from __future__ import annotations

from ..base import MXNetError
from ..ndarray.sparse import DENSE_ALIASES
from ..ops import registry as _reg
from . import _frontend

#: Operators MXNet registers only for row_sparse storage.
ROW_SPARSE_ONLY = {
    "adagrad_update": "AdaGrad update of a row_sparse gradient",
}


def _row_sparse_only(name: str, what: str):
    def fn(*args, **kwargs):
        raise MXNetError(
            f"sym.sparse.{name} {what}; it is only defined for row_sparse inputs, "
            "and neogluon graphs carry dense storage only. Use "
            f"mx.nd.sparse.{name} on RowSparseNDArrays instead."
        )

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = f"Row-sparse only: {what}. Raises MXNetError in graphs."
    return fn


_ALL_OPS = _reg.all_names()
for _n in DENSE_ALIASES:
    _op = _ALL_OPS.get(_n)
    if _op is not None:
        globals()[_n] = _frontend.make_function(_op, _n)
        globals()[_n].__module__ = __name__

for _n, _what in ROW_SPARSE_ONLY.items():
    globals()[_n] = _row_sparse_only(_n, _what)
    globals()[_n].__module__ = __name__


retain = _frontend.make_function(_ALL_OPS["_sparse_retain"], "retain")
retain.__module__ = __name__
cast_storage = _frontend.make_function(_ALL_OPS["cast_storage"], "cast_storage")
cast_storage.__module__ = __name__


__all__ = [
    *(n for n in DENSE_ALIASES if n in globals() and not n.startswith("_")),
    *ROW_SPARSE_ONLY,
    "cast_storage",
    "retain",
]
