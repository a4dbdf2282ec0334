"""``mx.util``: the parts of MXNet's util module with real meaning here.

Numpy *shape* semantics (``set_np_shape`` / ``np_shape`` / ``use_np_shape``)
are real and thread-local. The numpy *array* interface (``mx.np``, ``np_array``,
``use_np``) is not implemented (issue 8): those switches report "off" and
cannot be turned on.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading

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

_NP_STATE = threading.local()

_NP_UNSUPPORTED = (
    "numpy semantics (mx.np / npx.set_np) are not supported by neogluon yet "
    "(planned: issue 8); neogluon implements MXNet's legacy mx.nd API. "
)


def is_np_array() -> bool:
    """Whether the ``mx.np`` array semantics are active: never in neogluon."""
    return False


def is_np_shape() -> bool:
    """Whether numpy shape semantics are active in this thread.

    When active, a shape ``()`` is a scalar (0-d array) and a dim ``0`` is a
    real zero-size dim; in symbolic shape inference unknown dims are written
    ``-1`` and an unknown rank ``None``. Each thread starts inactive.
    """
    return bool(getattr(_NP_STATE, "shape", False))


def set_np_shape(active: bool) -> bool:
    """Turn numpy shape semantics on or off for this thread; returns the
    previous state.

    Eager ``mx.nd`` arrays are 0-d / zero-size capable in both modes; the
    switch changes how symbolic shape inference reads and reports shapes
    (``-1`` = unknown dim, ``None`` = unknown rank).
    """
    prev = is_np_shape()
    _NP_STATE.shape = bool(active)
    return prev


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
    """Set numpy semantics: ``shape`` switches numpy shape semantics (see
    :func:`set_np_shape`); ``array=True`` (the mx.np array interface) is not
    supported and raises."""
    if array:
        raise MXNetError(
            f"set_np(shape={shape}, array={array}): {_NP_UNSUPPORTED}"
            "Use mx.nd arrays, or call set_np(shape=..., array=False)."
        )
    set_np_shape(shape)


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


class _NumpyShapeScope:
    """Context manager setting numpy shape semantics on entry and restoring
    the previous state on exit (MXNet's ``_NumpyShapeScope``)."""

    def __init__(self, is_np_shape: bool) -> None:  # noqa: N803 - MXNet's name
        self._enter_is_np_shape = bool(is_np_shape)
        self._prev_is_np_shape: bool | None = None

    def __enter__(self):
        self._prev_is_np_shape = set_np_shape(self._enter_is_np_shape)
        return self

    def __exit__(self, *exc) -> None:
        if self._prev_is_np_shape is not None:
            set_np_shape(self._prev_is_np_shape)
        return None


def np_shape(active: bool = True) -> _NumpyShapeScope:
    """Scope with numpy shape semantics on (``active=True``) or off."""
    return _NumpyShapeScope(active)


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
    """Decorator running ``func`` with numpy shape semantics on.

    On a class, every method and property of it is wrapped so. The wrapped
    function keeps ``__name__`` and ``__doc__``.
    """
    if inspect.isclass(func):
        for name, member in inspect.getmembers(
            func,
            predicate=lambda f: (
                inspect.isfunction(f) or inspect.ismethod(f) or isinstance(f, property)
            ),
        ):
            if isinstance(member, property):
                setattr(
                    func,
                    name,
                    property(
                        use_np_shape(member.__get__),
                        member.__set__,
                        member.__delete__,
                    ),
                )
            else:
                setattr(func, name, use_np_shape(member))
        return func
    if not callable(func):
        raise TypeError(
            f"use_np_shape can only decorate classes and callable objects, "
            f"got {type(func).__name__}"
        )

    @functools.wraps(func)
    def _with_np_shape(*args, **kwargs):
        with np_shape(active=True):
            return func(*args, **kwargs)

    return _with_np_shape


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
