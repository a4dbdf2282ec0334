"""``mx.sym.sparse``: MXNet's ``_sparse_*`` operators as Symbol functions.

Graphs carry dense storage only (sparse arrays are imperative, in
``mx.nd.sparse``). As in ``mx.nd.sparse``, the names MXNet places here are the ordinary operators
registered again under ``_sparse_<name>``; on dense inputs they build the
same graph node as the dense operator, so here they are the dense operators.
``cast_storage`` works for ``stype='default'``; ``retain`` and
``adagrad_update`` exist only for row_sparse inputs and raise MXNetError.
"""

from __future__ import annotations

from ..base import MXNetError
from ..ndarray.sparse import DENSE_ALIASES
from ..ops import registry as _reg
from . import _frontend

#: Operators MXNet registers only for row_sparse storage.
ROW_SPARSE_ONLY = {
    "retain": "keeps the given rows of a row_sparse array",
    "adagrad_update": "AdaGrad update of a row_sparse gradient",
}


def check_default_stype(stype, where: str) -> None:
    """Raise MXNetError unless ``stype`` names dense storage."""
    if stype not in ("default", None):
        raise MXNetError(
            f"{where}: stype={stype!r}: symbols (graphs) in neogluon carry dense "
            "storage only; sparse arrays work imperatively (mx.nd.sparse). Use "
            "stype='default' here."
        )


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


def cast_storage(data=None, stype=None, name=None, attr=None, out=None, **kwargs):
    """Cast to storage type ``stype``; only ``'default'`` (dense) works: the
    node is an identity (``_copy``) of ``data``, as MXNet's is on dense input."""
    if stype is None:
        raise ValueError("cast_storage: the required argument 'stype' is missing")
    check_default_stype(stype, "sym.sparse.cast_storage")
    return _frontend.make_function(_ALL_OPS["_copy"], "cast_storage")(
        data, name=name, attr=attr
    )


__all__ = [
    *(n for n in DENSE_ALIASES if n in globals() and not n.startswith("_")),
    *ROW_SPARSE_ONLY,
    "cast_storage",
]
