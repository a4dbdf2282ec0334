"""Graph nodes of ``mx.np`` functions that MXNet 1.9.1 runs as Python
operators (``mxnet.numpy_op_fallback``).

MXNet registers a few numpy functions without a C++ operator as custom
operators (``Custom`` nodes with ``op_type='resize_fallback'``,
``'unravel_index_fallback'``, ``'mvn_fallback'``), so a hybridized
``F.np.resize``, ``F.np.unravel_index`` or ``F.np.random.multivariate_normal``
records such a node in its ``-symbol.json``. The same op types are registered here (as
:mod:`neogluon.operator` custom operators) so those graphs build, run, export
and load; the computation is ``mx.np``'s eager function.
"""

from __future__ import annotations

import ast
from typing import Any

from . import operator
from .base import MXNetError

__all__ = ["symbol_node"]


def _literal(text: Any) -> Any:
    return ast.literal_eval(text) if isinstance(text, str) else text


def _as_tuple(size: Any) -> tuple:
    if size is None:
        return ()
    return (int(size),) if isinstance(size, int) else tuple(int(d) for d in size)


class _Resize(operator.CustomOp):
    """``np.resize(a, new_shape)``."""

    def __init__(self, new_shape: Any) -> None:
        super().__init__()
        self._new_shape = new_shape

    def forward(self, is_train, req, in_data, out_data, aux) -> None:
        from . import numpy as mnp

        out = mnp.resize(in_data[0].as_np_ndarray(), self._new_shape)
        out_data[0].as_np_ndarray()[()] = out

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux) -> None:
        raise MXNetError("np.resize in a graph has no gradient (as in MXNet 1.9.1).")


@operator.register("resize_fallback")
class _ResizeProp(operator.CustomOpProp):
    """Signature of ``resize_fallback``: one input ``a``, attribute ``new_shape``."""

    def __init__(self, new_shape: Any) -> None:
        super().__init__(need_top_grad=True)
        self._new_shape = _literal(new_shape)

    def list_arguments(self) -> list[str]:
        return ["a"]

    def infer_shape(self, in_shape):
        return (in_shape[0],), (list(_as_tuple(self._new_shape)),), ()

    def create_operator(self, ctx, in_shapes, in_dtypes) -> operator.CustomOp:
        return _Resize(self._new_shape)


class _MultivariateNormal(operator.CustomOp):
    """Samples of N(mean, cov) batched over the leading dims."""

    def forward(self, is_train, req, in_data, out_data, aux) -> None:
        from . import numpy as mnp

        loc = in_data[0].as_np_ndarray()
        cov = in_data[1].as_np_ndarray()
        work = "float32" if str(cov.dtype) == "float16" else cov.dtype
        scale = mnp.linalg.cholesky(cov.astype(work))
        out = out_data[0].as_np_ndarray()
        noise = mnp.random.normal(size=out.shape, dtype=work)
        res = loc.astype(work) + mnp.einsum("...jk,...k->...j", scale, noise)
        out[()] = res.astype(out.dtype)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux) -> None:
        raise MXNetError(
            "np.random.multivariate_normal in a graph has no gradient (as in "
            "MXNet 1.9.1)."
        )


@operator.register("mvn_fallback")
class _MultivariateNormalProp(operator.CustomOpProp):
    """Signature of ``mvn_fallback``: inputs ``mean``, ``cov``; attribute
    ``size``."""

    def __init__(self, size: Any = None) -> None:
        super().__init__(need_top_grad=True)
        self._size = _literal(size)

    def list_arguments(self) -> list[str]:
        return ["mean", "cov"]

    def infer_shape(self, in_shape):
        loc, cov = list(in_shape[0]), list(in_shape[1])
        if len(cov) < 2 or not loc or cov[-1] != cov[-2] or cov[-1] != loc[-1]:
            raise MXNetError(
                "np.random.multivariate_normal: mean must be at least 1-d of length "
                "n and cov at least 2-d ending in (n, n), got shapes "
                f"{tuple(loc)} and {tuple(cov)}."
            )
        out = list(_as_tuple(self._size)) + _broadcast(loc, cov[:-1])
        return (loc, cov), (out,), ()

    def create_operator(self, ctx, in_shapes, in_dtypes) -> operator.CustomOp:
        return _MultivariateNormal()


class _UnravelIndex(operator.CustomOp):
    """``np.unravel_index(indices, shape)`` stacked into one array."""

    def __init__(self, shape: Any) -> None:
        super().__init__()
        self._shape = shape

    def forward(self, is_train, req, in_data, out_data, aux) -> None:
        import numpy

        idx = in_data[0].asnumpy().astype(numpy.int64)
        out = numpy.stack(numpy.unravel_index(idx, self._shape))
        out_data[0].as_np_ndarray()[()] = out.astype(out_data[0].dtype)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux) -> None:
        raise MXNetError("np.unravel_index has no gradient (as in MXNet 1.9.1).")


@operator.register("unravel_index_fallback")
class _UnravelIndexProp(operator.CustomOpProp):
    """Signature of ``unravel_index_fallback``: input ``indices``; attribute
    ``shape`` (of the array the flat indices index)."""

    def __init__(self, shape: Any) -> None:
        super().__init__(need_top_grad=True)
        self._shape = _literal(shape)

    def list_arguments(self) -> list[str]:
        return ["indices"]

    def infer_shape(self, in_shape):
        n = len(_as_tuple(self._shape))
        return (in_shape[0],), ([n, *in_shape[0]],), ()

    def create_operator(self, ctx, in_shapes, in_dtypes) -> operator.CustomOp:
        return _UnravelIndex(self._shape)


def _broadcast(a: list, b: list) -> list:
    """numpy's broadcast of two shapes."""
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + list(a)
    b = [1] * (n - len(b)) + list(b)
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and 1 not in (x, y):
            raise MXNetError(f"shapes {tuple(a)} and {tuple(b)} do not broadcast")
        out.append(y if x == 1 else x)
    return out


def symbol_node(op_type: str, inputs: list, **attrs: Any) -> Any:
    """A ``Custom`` graph node of one of these op types, as an np Symbol."""
    from .symbol import Custom
    from .symbol._np_symbol import as_np_symbol

    text = {k: repr(v) for k, v in attrs.items()}
    return as_np_symbol(Custom(*inputs, op_type=op_type, **text))
