"""Errors, sentinels and dtype helpers shared by every layer of neogluon."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

import numpy as np

__all__ = [
    "MXNetError",
    "DeferredInitializationError",
    "NotImplementedForSymbol",
    "mx_real_t",
    "data_dir",
    "numeric_types",
    "integer_types",
    "string_types",
    "_Null",
    "_as_list",
    "py_str",
    "classproperty",
    "with_metaclass",
    "register_error",
    "error_types",
    "NotSupportedForSparseNDArray",
    "build_param_doc",
    "add_fileline_to_docstring",
    "check_call",
    "c2pyerror",
    "get_last_ffi_error",
    "MXCallbackList",
    "c_str",
    "c_str_array",
    "c_array",
    "c_array_buf",
    "c_handle_array",
    "ctypes2buffer",
    "ctypes2numpy_shared",
    "mx_uint",
    "mx_float_p",
    "NDArrayHandle",
    "OpHandle",
    "SymbolHandle",
]


class MXNetError(RuntimeError):
    """Error raised by neogluon operators and runtime (MXNet's error type)."""


class DeferredInitializationError(MXNetError):
    """A Parameter was used before its deferred initialization completed."""


class NotImplementedForSymbol(MXNetError):
    """A Python feature that a Symbol cannot support (``bool(x)``, ``len(x)``)."""

    def __init__(self, function, alias=None, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self) -> str:
        msg = f"Function {self.function}"
        if self.alias:
            msg += f" (namely operator '{self.alias}')"
        if self.args:
            msg += " with arguments (" + ", ".join(self.args) + ")"
        msg += " is not implemented for Symbol and only available in NDArray."
        hint = getattr(self, "hint", "")
        return f"{msg} {hint}" if hint else msg


class _NullType:
    """Placeholder for an argument that was not given (MXNet's ``_Null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "_Null"

    def __bool__(self) -> bool:
        return False


_Null = _NullType()

mx_real_t = np.float32
numeric_types = (float, int, np.generic)
integer_types = (int, np.integer)
string_types = (str,)


def data_dir_default() -> str:
    return os.path.join(os.path.expanduser("~"), ".mxnet")


def data_dir() -> str:
    """MXNet's data directory: ``$MXNET_HOME`` or ``~/.mxnet``."""
    return os.getenv("MXNET_HOME", data_dir_default())


def py_str(x: bytes | str) -> str:
    """Decode bytes from a C string (UTF-8); a ``str`` is returned unchanged."""
    return x.decode("utf-8") if isinstance(x, (bytes, bytearray)) else x


def _as_list(obj):
    """``obj`` itself when it is a list or tuple, else ``[obj]``."""
    return obj if isinstance(obj, (list, tuple)) else [obj]


class NotSupportedForSparseNDArray(MXNetError):
    """A function that sparse NDArrays do not support."""

    def __init__(self, function, alias=None, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self) -> str:
        msg = f"Function {self.function}"
        if self.alias:
            msg += f" (namely operator '{self.alias}')"
        if self.args:
            msg += " with arguments (" + ", ".join(self.args) + ")"
        return (
            msg + " is not supported for SparseNDArray and only available in NDArray."
        )


# ---------------------------------------------------------------- error registry

#: error class name -> class, filled by :func:`register_error` (``mx.error``).
error_types: dict[str, type] = {}


def register_error(func_name=None, cls=None):
    """Register an error class under its name (MXNet's ``register_error``).

    Usable as ``@register_error``, ``@register_error("Name")`` or
    ``register_error("Name", cls)``; returns the class.
    """
    if callable(func_name) and cls is None:
        cls, func_name = func_name, None

    def register(klass):
        error_types[func_name if isinstance(func_name, str) else klass.__name__] = klass
        return klass

    return register if cls is None else register(cls)


# ---------------------------------------------------------------- class helpers


class _ClassPropertyDescriptor:
    def __init__(self, fget):
        self.fget = fget

    def __get__(self, obj, klass=None):
        if klass is None:
            klass = type(obj)
        return self.fget.__get__(obj, klass)()


def classproperty(func: Callable) -> _ClassPropertyDescriptor:
    """A read-only property of the class (``Cls.prop`` works without an instance)."""
    if not isinstance(func, (classmethod, staticmethod)):
        func = classmethod(func)
    return _ClassPropertyDescriptor(func)


def with_metaclass(meta: type, *bases: type) -> type:
    """A base class created with metaclass ``meta`` (Python 2/3 helper)."""
    return meta("_WithMetaclassBase", bases or (object,), {})


# ---------------------------------------------------------------- doc helpers


def build_param_doc(arg_names, arg_types, arg_descs, remove_dup: bool = True) -> str:
    """A numpydoc ``Parameters`` section from parallel name/type/description lists."""
    seen = set()
    items = []
    for key, type_info, desc in zip(arg_names, arg_types, arg_descs, strict=False):
        if (key in seen and remove_dup) or key == "num_args":
            continue
        seen.add(key)
        item = f"{key} : {type_info}"
        if desc:
            item += "\n    " + desc
        items.append(item)
    return "Parameters\n----------\n" + "\n".join(items) + "\n"


def add_fileline_to_docstring(module, incursive: bool = True) -> None:
    """Append ``From:file:line`` to the docstrings of a module's functions/classes."""
    import inspect
    import sys

    if isinstance(module, str):
        module = sys.modules[module]

    def add(obj):
        if inspect.isfunction(obj) or inspect.isclass(obj):
            if obj.__doc__ is None or "From:" in obj.__doc__:
                return
            try:
                fname = inspect.getsourcefile(obj)
                _, line = inspect.getsourcelines(obj)
            except (OSError, TypeError):
                return
            obj.__doc__ += f"\n\nFrom:{fname}:{line}"

    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        add(obj)
        if incursive and inspect.isclass(obj):
            for attr in vars(obj).values():
                add(attr)


# ---------------------------------------------------------------- C API helpers
# MXNet's ctypes conversion helpers work on plain ctypes values; neogluon has no
# libmxnet, so calls into ``_LIB`` raise.

mx_uint = ctypes.c_uint
mx_int = ctypes.c_int
mx_float = ctypes.c_float
mx_float_p = ctypes.POINTER(mx_float)
NDArrayHandle = ctypes.c_void_p
OpHandle = ctypes.c_void_p
SymbolHandle = ctypes.c_void_p


class _NoLibrary:
    """Stands in for MXNet's ``_LIB`` (libmxnet.so): every C function raises."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise MXNetError(
            f"_LIB.{name}: neogluon has no libmxnet C library; MXNet's C API is not "
            "available. Use the Python API (mx.nd, mx.sym, mx.gluon) instead."
        )

    def __repr__(self) -> str:
        return "<neogluon: no libmxnet>"


_LIB = _NoLibrary()


class MXCallbackList(ctypes.Structure):
    """MXNet's C struct of callbacks handed to custom operators (layout only:
    neogluon has no C library that would call them)."""

    _fields_ = [  # noqa: RUF012 - ctypes layout
        ("num_callbacks", ctypes.c_int),
        ("callbacks", ctypes.POINTER(ctypes.CFUNCTYPE(ctypes.c_int))),
        ("contexts", ctypes.POINTER(ctypes.c_void_p)),
    ]


def _error_type_of(line: str) -> str | None:
    """``'ValueError'`` for a first line ``'ValueError: ...'`` (a dotted Python
    identifier before the colon), else None."""
    name, sep, _ = line.partition(":")
    if not sep or not name:
        return None
    return name if all(part.isidentifier() for part in name.split(".")) else None


def c2pyerror(err_msg: str) -> tuple[str, str | None]:
    """Turn a C++ error text into a Python-style message and its error type.

    The ``Stack trace:`` block (its indented lines) becomes a ``Traceback
    (most recent call last):`` block, innermost frame last; the other lines
    are the message. Returns ``(message, error type name or None)``.
    """
    lines = err_msg.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    err_type = _error_type_of(lines[0]) if lines else None
    stack: list[str] = []
    message: list[str] = []
    in_trace = False
    for line in lines:
        if in_trace and line.startswith("  "):
            stack.append(line)
            continue
        in_trace = False
        if line.startswith("Stack trace"):
            in_trace = True
        else:
            message.append(line)
    out = ""
    if stack:
        out = "Traceback (most recent call last):\n" + "\n".join(reversed(stack)) + "\n"
    return out + "\n".join(message), err_type


def get_last_ffi_error() -> MXNetError:
    """The error of the last failed C API call, as an exception object.

    neogluon has no libmxnet C library, so there is no C error state: this
    raises MXNetError saying so (through ``_LIB.MXGetLastError``).
    """
    msg, err_type = c2pyerror(py_str(_LIB.MXGetLastError()))
    if err_type is not None and err_type.startswith("mxnet.error."):
        err_type = err_type[len("mxnet.error.") :]
    return error_types.get(err_type, MXNetError)(msg)


def check_call(ret: int) -> None:
    """Raise MXNetError if a C API return code is non-zero."""
    if ret != 0:
        raise MXNetError(f"C API call failed with return code {ret}")


def c_str(string: str) -> ctypes.c_char_p:
    """A ``char*`` for a Python string (UTF-8)."""
    return ctypes.c_char_p(string.encode("utf-8"))


def c_str_array(strings) -> ctypes.Array:
    """A ``char*[]`` for a list of Python strings."""
    arr = (ctypes.c_char_p * len(strings))()
    arr[:] = [s.encode("utf-8") for s in strings]
    return arr


def c_array(ctype, values) -> ctypes.Array:
    """A C array of ``ctype`` holding ``values``."""
    out = (ctype * len(values))()
    out[:] = values
    return out


def c_array_buf(ctype, buf) -> ctypes.Array:
    """A C array of ``ctype`` sharing memory with the buffer ``buf``."""
    return (ctype * len(buf)).from_buffer(buf)


def c_handle_array(objs) -> ctypes.Array:
    """A ``void*[]`` of the ``handle`` attributes of ``objs``."""
    arr = (ctypes.c_void_p * len(objs))()
    arr[:] = [o.handle for o in objs]
    return arr


def ctypes2buffer(cptr, length: int) -> bytearray:
    """Copy ``length`` bytes from a ``char*`` into a bytearray."""
    if not isinstance(cptr, ctypes.POINTER(ctypes.c_char)):
        raise TypeError(f"expected a ctypes char pointer, got {type(cptr).__name__}")
    res = bytearray(length)
    rptr = (ctypes.c_char * length).from_buffer(res)
    if not ctypes.memmove(rptr, cptr, length):
        raise RuntimeError("memmove failed")
    return res


def ctypes2numpy_shared(cptr, shape) -> np.ndarray:
    """A numpy float32 array sharing memory with a ``float*`` of ``shape``."""
    if not isinstance(cptr, ctypes.POINTER(mx_float)):
        raise RuntimeError("expected a float pointer")
    size = int(np.prod(shape))
    dbuffer = (mx_float * size).from_address(ctypes.addressof(cptr.contents))
    return np.frombuffer(dbuffer, dtype=np.float32).reshape(shape)
