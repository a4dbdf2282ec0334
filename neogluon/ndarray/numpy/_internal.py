"""``mx.nd.np._internal`` (``mxnet.ndarray.numpy._internal``): MXNet's
``_npi_*`` operators as functions named without the prefix
(``boolean_mask_assign_scalar`` runs ``_npi_boolean_mask_assign_scalar``).

Arrays in and out are ``mx.np.ndarray``; positional arguments after the
operator's inputs bind its attributes in order, and ``out=`` writes the result
into an existing array, as the functions MXNet generates from its registry.
"""

from __future__ import annotations

from collections.abc import Callable

from ...ops import registry as _reg
from .. import _frontend
from .._core import NDArray
from .._np import as_np
from .._np import ndarray

__all__: list[str] = []


def _np_result(res):
    if isinstance(res, NDArray) and not isinstance(res, ndarray):
        return as_np(res)
    if isinstance(res, (list, tuple)):
        return type(res)(_np_result(r) for r in res)
    return res


def _function(op: _reg.OpDef, public_name: str) -> Callable:
    nd_fn = _frontend.make_function(op, public_name)

    def fn(*args, **kwargs):
        for v in (*args, *kwargs.values()):
            if isinstance(v, NDArray) and not isinstance(v, ndarray):
                raise TypeError(
                    f"np._internal.{public_name}: got a legacy mx.nd.NDArray; these "
                    "functions take mx.np.ndarray: convert it with .as_np_ndarray()."
                )
        return _np_result(nd_fn(*args, **kwargs))

    fn.__name__ = fn.__qualname__ = public_name
    fn.__module__ = __name__
    fn.__doc__ = nd_fn.__doc__
    fn.__signature__ = nd_fn.__signature__  # type: ignore[attr-defined]
    return fn


for _op_name, _op in sorted(_reg.all_names().items()):
    if _op_name.startswith("_npi_"):
        _short = _op_name[len("_npi_") :]
        globals()[_short] = _function(_op, _short)
        __all__.append(_short)
