"""Symbol's fluent methods: ``x.sum(axis=1)`` is ``sym.sum(x, axis=1)``, as on NDArray.

The ``sym`` functions come from :mod:`._frontend`, which builds on
:mod:`.symbol`; this module sits above both and adds the methods to
:class:`~.symbol.Symbol` when ``neogluon.symbol`` is imported.
"""

from __future__ import annotations

from collections.abc import Callable

from . import _frontend
from .symbol import Symbol

__all__: list[str] = []

#: Operators every Symbol has as a method of the same name.
_FLUENT = (
    "reshape_like zeros_like ones_like broadcast_axes repeat pad swapaxes split "
    "split_v2 slice slice_axis slice_like take one_hot pick sort topk argsort argmax "
    "argmax_channel argmin clip abs sign shape_array size_array broadcast_to "
    "broadcast_like tile transpose flip depth_to_space space_to_depth sum nansum "
    "prod nanprod mean max min norm round rint fix floor ceil trunc sin cos tan "
    "arcsin arccos arctan degrees radians sinh cosh tanh arcsinh arccosh arctanh "
    "exp expm1 log log10 log2 log1p sqrt rsqrt cbrt rcbrt square reciprocal relu "
    "sigmoid softmax log_softmax softmin"
).split()


def _fluent(name: str) -> Callable:
    fn = _frontend.lookup(name)
    if fn is None:
        raise AttributeError(
            f"Symbol.{name}: the operator '{name}' is not registered in neogluon."
        )
    return fn


def reshape(self, *args, **kwargs) -> Symbol:
    """``F.reshape``; accepts ``x.reshape((2, -1))`` and ``x.reshape(2, -1)``."""
    if args and "shape" not in kwargs:
        shape = args[0] if len(args) == 1 and not isinstance(args[0], int) else args
        kwargs["shape"] = shape
        args = ()
    return _fluent("reshape")(self, *args, **kwargs)


def expand_dims(self, axis, inplace: bool = False, **kwargs) -> Symbol:
    """``F.expand_dims``; ``inplace`` is ignored (MXNet's signature)."""
    return _fluent("expand_dims")(self, axis=axis, **kwargs)


def squeeze(self, axis=None, inplace: bool = False, **kwargs) -> Symbol:
    """``F.squeeze``; ``inplace`` is ignored (MXNet's signature)."""
    return _fluent("squeeze")(self, axis=axis, **kwargs)


def flatten(self, inplace: bool = False, **kwargs) -> Symbol:
    """``F.flatten``; ``inplace`` is ignored (MXNet's signature)."""
    return _fluent("flatten")(self, **kwargs)


def astype(self, *args, **kwargs) -> Symbol:
    """``F.cast(self, *args, **kwargs)`` (``dtype`` first); the NDArray-only
    ``copy`` keyword is accepted and ignored."""
    kwargs.pop("copy", None)
    return _fluent("cast")(self, *args, **kwargs)


def diag(self, k=0, **kwargs) -> Symbol:
    """``F.diag(self, k, ...)``."""
    return _fluent("diag")(self, k=k, **kwargs)


def _make_fluent(name: str) -> Callable:
    def method(self, *args, **kwargs):
        return _fluent(name)(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"Same as ``F.{name}(self, ...)``."
    return method


def _install() -> None:
    methods = {
        f.__name__: f for f in (reshape, expand_dims, squeeze, flatten, astype, diag)
    }
    for name in _FLUENT:
        # ``abs`` replaces the value-less guard; the rest never shadow a method.
        if name not in methods and (not hasattr(Symbol, name) or name == "abs"):
            methods[name] = _make_fluent(name)
    for name, fn in methods.items():
        fn.__qualname__ = f"Symbol.{name}"
        setattr(Symbol, name, fn)


_install()
