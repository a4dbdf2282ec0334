"""MXNet's fluent NDArray methods: ``x.sum()``, ``x.relu()``, ...

Each is a thin call of the ``nd`` function of the same name with the array as
its first input, installed by :func:`install_fluent_methods` once the ``nd``
functions exist (``ndarray/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._core import NDArray

__all__ = ["FLUENT_METHODS", "install_fluent_methods"]


#: (method name, nd function name): MXNet's NDArray methods that are thin calls
#: of ``nd.<op>(self, ...)``. Installed by :func:`install_fluent_methods` for the
#: ops that are registered; a method whose op is missing does not exist.
FLUENT_METHODS: tuple[tuple[str, str], ...] = tuple(
    (n, n)
    for n in (
        "reshape_like zeros_like ones_like broadcast_axes repeat pad swapaxes "
        "split split_v2 slice slice_axis slice_like take one_hot pick sort topk "
        "argsort argmax argmax_channel argmin clip abs sign flatten shape_array "
        "size_array expand_dims tile transpose flip depth_to_space space_to_depth "
        "diag sum nansum prod nanprod mean max min norm round rint fix floor ceil "
        "trunc sin cos tan arcsin arccos arctan degrees radians sinh cosh tanh "
        "arcsinh arccosh arctanh exp expm1 log log10 log2 log1p sqrt rsqrt cbrt "
        "rcbrt square reciprocal relu sigmoid softmax log_softmax softmin squeeze "
        "broadcast_to broadcast_like"
    ).split()
)
#: Methods with an ``inplace=False`` flag: ``inplace=True`` returns a reshaped
#: view of ``self`` instead of a copy.
_INPLACE_FLAG = ("expand_dims", "flatten", "squeeze")


def _make_method(method: str, fn_name: str, module):
    meth: Callable[..., Any]
    if method == "broadcast_to":

        def meth(self, shape):
            # MXNet's method prepends size-1 axes; the op needs equal ranks.
            shape = tuple(int(d) for d in shape)
            cur = self.shape
            if len(shape) < len(cur):
                raise ValueError(
                    f"operands could not be broadcast together with remapped shapes "
                    f"[original->remapped]: {cur} and requested shape {shape}"
                )
            full = (1,) * (len(shape) - len(cur)) + cur
            for c, s in zip(full, shape, strict=True):
                if c != s and c != 1:
                    raise ValueError(
                        f"operands could not be broadcast together with remapped "
                        f"shapes [original->remapped]: {cur} and requested shape {shape}"
                    )
            src = self.reshape(full) if full != cur else self
            return getattr(module, fn_name)(src, shape=shape)

    elif method in _INPLACE_FLAG:

        def meth(self, *args, inplace: bool = False, **kwargs):
            res = getattr(module, fn_name)(self, *args, **kwargs)
            return self.reshape(res.shape) if inplace else res

    else:

        def meth(self, *args, **kwargs):
            return getattr(module, fn_name)(self, *args, **kwargs)

    meth.__name__ = method
    meth.__qualname__ = f"NDArray.{method}"
    meth.__doc__ = f"Same as ``nd.{fn_name}(self, *args, **kwargs)``."
    return meth


def install_fluent_methods(module) -> list[str]:
    """Add the fluent op methods whose ``nd`` function exists in ``module``.

    Methods already defined on :class:`NDArray` are kept. Returns the names added.
    """
    added = []
    for method, fn_name in FLUENT_METHODS:
        if method in NDArray.__dict__ or not callable(getattr(module, fn_name, None)):
            continue
        setattr(NDArray, method, _make_method(method, fn_name, module))
        added.append(method)
    return added
