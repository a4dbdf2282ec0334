"""``mx.util``: the parts of MXNet's util module with real meaning here.

neogluon implements MXNet's legacy (``mx.nd``) semantics only, so the numpy
interface switches report "off" and cannot be turned on.
"""

from __future__ import annotations

import functools
import inspect
import os

import numpy as np

from .base import MXNetError

__all__ = [
    "is_np_array",
    "is_np_shape",
    "set_np_shape",
    "set_np",
    "reset_np",
    "np_shape",
    "np_array",
    "use_np",
    "use_np_shape",
    "use_np_array",
    "getenv",
    "setenv",
    "get_gpu_count",
    "get_gpu_memory",
    "get_cuda_compute_capability",
    "set_module",
    "np_ufunc_legal_option",
    "wrap_np_unary_func",
    "wrap_np_binary_func",
]

_NP_UNSUPPORTED = (
    "numpy semantics (mx.np / npx.set_np) are not supported by neogluon yet "
    "(planned: issue 8); neogluon implements MXNet's legacy mx.nd API. "
)


def is_np_array() -> bool:
    """Whether the ``mx.np`` array semantics are active: never in neogluon."""
    return False


def is_np_shape() -> bool:
    """Whether numpy shape semantics (0-d and zero-size arrays) are active: no."""
    return False


def set_np_shape(active: bool) -> bool:
    """Turn numpy shape semantics off (a no-op); turning them on is unsupported.

    Returns the previous state (always False), as MXNet does.
    """
    if active:
        raise MXNetError(
            "set_np_shape(True): numpy shape semantics (mx.np / npx.set_np) are not "
            "supported by neogluon, which implements MXNet's legacy mx.nd API. "
            "Remove the call or use mx.nd arrays."
        )
    return False


def getenv(name: str) -> str | None:
    """The value of environment variable ``name`` (None when unset)."""
    return os.environ.get(name)


def setenv(name: str, value: str | None) -> None:
    """Set environment variable ``name``; ``None`` removes it."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = str(value)


def set_np(shape: bool = True, array: bool = True) -> None:
    """Turn numpy semantics on (unsupported: raises) or off (``set_np(False, False)``)."""
    if shape or array:
        raise MXNetError(
            f"set_np(shape={shape}, array={array}): {_NP_UNSUPPORTED}"
            "Use mx.nd arrays, or call set_np(shape=False, array=False)."
        )


def reset_np() -> None:
    """Turn numpy semantics off: they are always off in neogluon."""
    set_np(shape=False, array=False)


class _NpScope:
    """``with np_shape(False):`` / ``with np_array(False):`` (True raises)."""

    def __init__(self, what: str, active: bool) -> None:
        if active:
            raise MXNetError(
                f"{what}(True): {_NP_UNSUPPORTED}Remove the scope or pass False."
            )
        self._what = what

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


class _NumpyArrayScope(_NpScope):
    """MXNet's scope class behind :func:`np_array`: ``_NumpyArrayScope(False)``
    is a no-op scope; ``True`` raises (numpy array semantics, issue 8)."""

    def __init__(self, is_np_array: bool) -> None:  # noqa: N803 - MXNet's name
        super().__init__("_NumpyArrayScope", is_np_array)


def np_shape(active: bool = True) -> _NpScope:
    """Scope for numpy shape semantics; only ``np_shape(False)`` is supported."""
    return _NpScope("np_shape", active)


def np_array(active: bool = True) -> _NpScope:
    """Scope for numpy array semantics; only ``np_array(False)`` is supported."""
    return _NpScope("np_array", active)


def _np_decorator(what: str, func):
    """Wrap ``func`` (a function or a class) so that using it raises MXNetError."""
    text = (
        f"{getattr(func, '__qualname__', func)!s} is decorated with @{what}: "
        f"{_NP_UNSUPPORTED}Port it to mx.nd (drop @{what})."
    )
    if inspect.isclass(func):
        orig_init = func.__init__

        @functools.wraps(orig_init)
        def __init__(self, *args, **kwargs):
            raise MXNetError(text)

        func.__init__ = __init__
        func.__neogluon_np_decorated__ = orig_init
        return func
    if not callable(func):
        raise TypeError(
            f"@{what} decorates a function or class, got {type(func).__name__}"
        )

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        raise MXNetError(text)

    return wrapper


def use_np_shape(func):
    """Decorator activating numpy shape semantics; calling the result raises."""
    return _np_decorator("use_np_shape", func)


def use_np_array(func):
    """Decorator activating numpy array semantics; calling the result raises."""
    return _np_decorator("use_np_array", func)


def use_np(func):
    """Decorator activating numpy semantics (shape and array); calling raises.

    Decoration itself succeeds, so modules using ``@use_np`` import.
    """
    return _np_decorator("use_np", func)


def get_gpu_count() -> int:
    """Number of CUDA devices torch sees."""
    from .context import num_gpus

    return num_gpus()


def get_gpu_memory(gpu_dev_id: int) -> tuple[int, int]:
    """``(free, total)`` bytes of GPU ``gpu_dev_id``."""
    from .context import gpu_memory_info

    return gpu_memory_info(gpu_dev_id)


def get_cuda_compute_capability(ctx) -> int:
    """Compute capability of ``ctx``'s GPU as an integer (e.g. 80 for sm_80)."""
    from .runtime import cuda_compute_capability

    if getattr(ctx, "device_type", None) != "gpu":
        raise ValueError(
            f"Expecting a gpu context to get cuda compute capability, got {ctx}"
        )
    return cuda_compute_capability(ctx.device_id)


def set_module(module: str):
    """Decorator setting ``__module__`` of a function or class to ``module``."""

    def decorator(func):
        if module is not None:
            func.__module__ = module
        return func

    return decorator


_UFUNC_DEFAULTS = {
    "where": True,
    "casting": "same_kind",
    "order": "K",
    "dtype": None,
    "subok": True,
}
_UFUNC_DTYPES = {
    np.int8,
    np.uint8,
    np.int32,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
    "int8",
    "uint8",
    "int32",
    "int64",
    "float16",
    "float32",
    "float64",
}


def np_ufunc_legal_option(key: str, value) -> bool:
    """Whether ``key=value`` is a legal numpy ufunc keyword argument."""
    if key == "where":
        return True
    if key == "casting":
        return value in ("no", "equiv", "safe", "same_kind", "unsafe")
    if key == "order":
        return isinstance(value, str)
    if key == "dtype":
        return value in _UFUNC_DTYPES
    if key == "subok":
        return isinstance(value, bool)
    return False


def _check_ufunc_kwargs(name: str, kwargs: dict) -> None:
    for key, value in kwargs.items():
        if key not in _UFUNC_DEFAULTS:
            raise TypeError(f"{key} is an invalid keyword to function '{name}'")
        if value != _UFUNC_DEFAULTS[key]:
            if np_ufunc_legal_option(key, value):
                raise NotImplementedError(
                    f"{key}={value} is not implemented yet for operator {name}"
                )
            raise TypeError(f"{key}={value} not understood for operator {name}")


def wrap_np_unary_func(func):
    """Wrap a unary ufunc so numpy ufunc keywords are checked uniformly."""

    @functools.wraps(func)
    def wrapped(x, out=None, **kwargs):
        _check_ufunc_kwargs(func.__name__, kwargs)
        return func(x, out=out)

    return wrapped


def wrap_np_binary_func(func):
    """Wrap a binary ufunc so numpy ufunc keywords are checked uniformly."""

    @functools.wraps(func)
    def wrapped(x1, x2, out=None, **kwargs):
        _check_ufunc_kwargs(func.__name__, kwargs)
        return func(x1, x2, out=out)

    return wrapped
