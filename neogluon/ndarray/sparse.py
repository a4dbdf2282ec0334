"""``mx.nd.sparse``: sparse NDArrays (CSR and row-sparse storage).

Sparse storage is not implemented yet (planned: issue 13): the sparse array
classes and constructors resolve and raise MXNetError when used.

The operator functions MXNet places here are its ``_sparse_*`` aliases of the
ordinary operators (``nd.sparse.abs`` is ``abs`` registered again under
``_sparse_abs``); on dense inputs MXNet computes exactly what the dense
operator computes, so here they are the dense operators under the same names.
``cast_storage`` works for ``stype='default'``; the two operators that only
exist for row_sparse inputs (``retain``, ``adagrad_update``) raise MXNetError,
as MXNet does for dense inputs.
"""

from __future__ import annotations

from .. import _missing
from ..base import MXNetError
from ..ops import registry as _reg
from . import _frontend

#: MXNet 1.9.1's ``_sparse_*`` aliases: the same operator as the dense name.
DENSE_ALIASES = (
    "ElementWiseSum", "Embedding", "FullyConnected", "LinearRegressionOutput",
    "LogisticRegressionOutput", "MAERegressionOutput", "_contrib_round_ste",
    "_contrib_sign_ste", "abs", "adam_update", "add_n", "arccos", "arccosh",
    "arcsin", "arcsinh", "arctan", "arctanh", "broadcast_add", "broadcast_div",
    "broadcast_minus", "broadcast_mul", "broadcast_plus", "broadcast_sub", "cbrt",
    "ceil", "clip", "concat", "cos", "cosh", "degrees", "dot", "elemwise_add",
    "elemwise_div", "elemwise_mul", "elemwise_sub", "exp", "expm1", "fix", "floor",
    "ftrl_update", "gamma", "gammaln", "log", "log10", "log1p", "log2", "make_loss",
    "mean", "negative", "norm", "radians", "relu", "rint", "round", "rsqrt",
    "sgd_mom_update", "sgd_update", "sigmoid", "sign", "sin", "sinh", "slice",
    "sqrt", "square", "stop_gradient", "sum", "tan", "tanh", "trunc", "where",
    "zeros_like",
)  # fmt: skip

#: Operators MXNet registers only for row_sparse storage.
ROW_SPARSE_ONLY = {
    "retain": "keeps the given rows of a row_sparse array",
    "adagrad_update": "AdaGrad update of a row_sparse gradient (use "
    "mx.optimizer.AdaGrad on dense arrays)",
}

_ALL_OPS = _reg.all_names()
for _n in DENSE_ALIASES:
    _op = _ALL_OPS.get(_n)
    if _op is not None:
        globals()[_n] = _frontend.make_function(_op, _n)
        globals()[_n].__module__ = __name__


def check_default_stype(stype, where: str) -> None:
    """Raise MXNetError unless ``stype`` names dense storage."""
    if stype not in ("default", None):
        raise MXNetError(
            f"{where}: stype={stype!r} needs sparse storage, which neogluon does "
            "not implement yet (planned: issue 13); only stype='default' works"
        )


def cast_storage(data=None, stype=None, out=None, name=None, **kwargs):
    """Cast ``data`` to storage type ``stype``; only ``'default'`` (dense) works,
    returning a copy as MXNet does for a dense input."""
    if stype is None:
        raise MXNetError("cast_storage: the required argument 'stype' is missing")
    check_default_stype(stype, "cast_storage")
    if out is not None:
        data.copyto(out)
        return out
    return data.copy()


def _row_sparse_only(name: str, what: str):
    def fn(*args, **kwargs):
        raise MXNetError(
            f"{name} {what}; it is only defined for row_sparse inputs and sparse "
            "storage is not implemented in neogluon yet (planned: issue 13). "
            "MXNet itself rejects dense inputs here."
        )

    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = __name__
    fn.__doc__ = f"Row-sparse only: {what}. Raises MXNetError (issue 13)."
    fn.__neogluon_missing__ = True
    return fn


for _n, _what in ROW_SPARSE_ONLY.items():
    globals()[_n] = _row_sparse_only(_n, _what)

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
    "_ndarray_cls": "function",
}
__all__ = [
    *(n for n in DENSE_ALIASES if n in globals() and not n.startswith("_")),
    *ROW_SPARSE_ONLY,
    "cast_storage",
]
__all__ += _missing.define(
    globals(),
    _NAMES,
    area="sparse storage (CSR / row_sparse NDArrays)",
    planned="issue 13",
    instead="dense NDArrays (mx.nd.array / mx.nd.zeros)",
)
