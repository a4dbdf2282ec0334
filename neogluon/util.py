"""``mx.util``: the parts of MXNet's util module with real meaning here.

Numpy *shape* semantics (``set_np_shape`` / ``np_shape`` / ``use_np_shape``)
and numpy *array* semantics (``set_np`` / ``np_array`` / ``use_np``: Gluon
and ``mx.np`` work with ``mx.np.ndarray``) are thread-local switches, as in
MXNet.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading

import numpy as np

__all__ = [
    "is_np_array",
    "is_np_default_dtype",
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


def is_np_array() -> bool:
    """Whether ``mx.np`` array semantics are active in this thread
    (:func:`set_np`, :func:`np_array`, :func:`use_np`): arrays created by
    Gluon are ``mx.np.ndarray`` then. Each thread starts inactive."""
    return bool(getattr(_NP_STATE, "array", False))


def is_np_default_dtype() -> bool:
    """Whether ``mx.np`` creates float64 arrays by default in this thread
    (``npx.set_np(dtype=True)``; off: float32, MXNet 1.9.1's only mode)."""
    return bool(getattr(_NP_STATE, "dtype", False))


def _set_np_array(active: bool) -> bool:
    prev = is_np_array()
    _NP_STATE.array = bool(active)
    return prev


def _set_np_default_dtype(active: bool) -> bool:
    prev = is_np_default_dtype()
    _NP_STATE.dtype = bool(active)
    return prev


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


def set_np(shape: bool = True, array: bool = True, *, dtype: bool = False) -> None:
    """Turn numpy semantics on or off for this thread.

    ``shape``: numpy shape semantics (:func:`set_np_shape`); ``array``: Gluon
    and ``mx.np`` work with ``mx.np.ndarray``; ``dtype=True`` (a neogluon
    keyword; MXNet 1.9.1 has no such switch) makes ``mx.np`` create float64
    arrays by default instead of float32. Array semantics need shape semantics,
    as in MXNet.
    """
    if not shape and array:
        raise ValueError(
            "set_np(shape=False, array=True): NumPy shape semantics are required "
            "for NumPy array semantics; pass shape=True."
        )
    _set_np_array(array)
    set_np_shape(shape)
    _set_np_default_dtype(dtype)


def reset_np() -> None:
    """Turn numpy shape and array semantics (and float64 default) off."""
    set_np(shape=False, array=False)


class _NumpyArrayScope:
    """Context manager setting numpy array semantics on entry and restoring the
    previous state on exit (MXNet's scope behind :func:`np_array`)."""

    def __init__(self, is_np_array: bool) -> None:  # noqa: N803 - MXNet's name
        self._is_np_array = bool(is_np_array)
        self._old: bool | None = None

    def __enter__(self):
        self._old = _set_np_array(self._is_np_array)
        return self

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            _set_np_array(self._old)
        return None


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


def np_array(active: bool = True) -> _NumpyArrayScope:
    """Scope with numpy array semantics on (``active=True``) or off."""
    return _NumpyArrayScope(active)


# Members a scope decorator leaves alone on a class: object protocol methods
# that run outside any call of the class's code.
_NOT_SCOPED = frozenset(
    ("__new__", "__init_subclass__", "__subclasshook__", "__class_getitem__")
    + ("__getattr__", "__getattribute__", "__setattr__", "__delattr__", "__repr__")
)


def _scoped(func, scope, what: str):
    """``func`` (a function, or every function, static/class method and
    property a class defines) run inside ``scope()``."""
    if inspect.isclass(func):
        # Inherited members too (Block.__call__, forward), as MXNet's
        # decorators wrap every member: a @use_np Block runs under numpy
        # semantics when called, not only in the methods it defines.
        members: dict = {}
        for klass in func.__mro__[:-1]:  # not object's slots
            for name, attr in vars(klass).items():
                members.setdefault(name, attr)
        for name, attr in members.items():
            if name in _NOT_SCOPED:
                continue
            if isinstance(attr, staticmethod):
                wrapped = staticmethod(_scoped(attr.__func__, scope, what))
            elif isinstance(attr, classmethod):
                wrapped = classmethod(_scoped(attr.__func__, scope, what))
            elif isinstance(attr, property):
                wrapped = property(
                    _scoped(attr.fget, scope, what) if attr.fget else None,
                    attr.fset,
                    attr.fdel,
                    attr.__doc__,
                )
            elif inspect.isfunction(attr):
                wrapped = _scoped(attr, scope, what)
            else:
                continue
            setattr(func, name, wrapped)
        return func
    if not callable(func):
        raise TypeError(
            f"{what} can only decorate classes and callable objects, "
            f"got {type(func).__name__}"
        )

    @functools.wraps(func)
    def _with_scope(*args, **kwargs):
        with scope():
            return func(*args, **kwargs)

    return _with_scope


def use_np_shape(func):
    """Decorator running ``func`` with numpy shape semantics on.

    On a class, every method and property of it is wrapped so. The wrapped
    function keeps ``__name__`` and ``__doc__``.
    """
    return _scoped(func, lambda: np_shape(active=True), "use_np_shape")


def use_np_array(func):
    """Decorator running ``func`` (or every method of a class) with numpy
    array semantics on."""
    return _scoped(func, lambda: np_array(active=True), "use_np_array")


def use_np(func):
    """Decorator running ``func`` (or every method of a class) with numpy
    shape and array semantics on: ``use_np_shape(use_np_array(func))``."""
    return use_np_shape(use_np_array(func))


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
