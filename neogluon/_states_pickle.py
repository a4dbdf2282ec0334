"""Restricted loading of optimizer ``.states`` files (Trainer, KVStore, Module).

A ``.states`` file is a pickle, and a pickle can name any importable callable,
so ``pickle.load`` on a file from elsewhere runs whatever the file asks for
(MXNet 1.9.1 does exactly that). :func:`loads_states` admits only what MXNet's
and neogluon's ``.states`` files contain:

- arrays: ``NDArray`` (and its subclasses) from ``mxnet.ndarray.*`` /
  ``neogluon.ndarray.*``, numpy arrays, dtypes and scalars;
- optimizers and learning-rate schedulers: subclasses of ``Optimizer`` and
  ``LRScheduler`` from ``mxnet.optimizer.*`` / ``mxnet.lr_scheduler`` (read
  as neogluon's), from ``neogluon``, or from a module the program has already
  imported (a custom optimizer registered in the training script); no module
  is imported on the file's behalf;
- plain containers: ``bytearray``, ``set``, ``frozenset``, ``complex``,
  ``collections.OrderedDict`` (and the pickle opcodes for lists, dicts,
  tuples, strings and numbers).

Anything else raises ``MXNetError`` naming the global the file asked for. The
loaded object must also have the shape of a ``.states`` file: a dict from
parameter index to state (an array, ``None``, or tuples/lists of them),
optionally paired with the optimizer as ``(states, optimizer)``.
"""

from __future__ import annotations

import importlib
import io
import pickle
import sys

from .base import MXNetError

__all__ = ["loads_states"]

_BUILTINS = {"bytearray", "set", "frozenset", "complex"}
_NUMPY_MODULES = {
    "numpy",
    "numpy.core.multiarray",
    "numpy._core.multiarray",
    "numpy.core.numeric",
    "numpy._core.numeric",
}
_NUMPY_NAMES = {"_reconstruct", "ndarray", "dtype", "scalar", "_frombuffer"}
_NUMPY_DTYPE_MODULES = {"numpy.dtypes"}
_MAX_DEPTH = 4


def _base_classes():
    from .lr_scheduler import LRScheduler
    from .ndarray.ndarray import NDArray
    from .optimizer.optimizer import Optimizer

    return NDArray, Optimizer, LRScheduler


def _refuse(module: str, name: str, why: str) -> MXNetError:
    return MXNetError(
        f"refusing to load the pickled global {module}.{name}: {why}. A .states "
        "file holds only arrays, an optimizer, a learning-rate scheduler and "
        "plain containers; loading other globals could run arbitrary code. If "
        "the file is yours and uses a custom optimizer or scheduler class, "
        "import the module that defines it before loading."
    )


class _StatesUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals a ``.states`` file uses."""

    def find_class(self, module: str, name: str):
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if module == "collections" and name == "OrderedDict":
            return super().find_class(module, name)
        if module in _NUMPY_MODULES and name in _NUMPY_NAMES:
            return super().find_class(module, name)
        if module in _NUMPY_DTYPE_MODULES and name.endswith("DType"):
            return super().find_class(module, name)
        nd_cls, opt_cls, sched_cls = _base_classes()
        ours = module
        if module == "mxnet" or module.startswith("mxnet."):
            ours = "neogluon" + module[len("mxnet") :]
        if ours.startswith(
            ("neogluon.ndarray", "neogluon.optimizer", "neogluon.lr_scheduler")
        ):
            try:
                mod = importlib.import_module(ours)
            except ImportError:
                raise _refuse(module, name, "neogluon has no such module") from None
        else:
            # Never import on the file's behalf: only modules already loaded.
            mod = sys.modules.get(module)
            if mod is None:
                raise _refuse(
                    module, name, "it is not an array, optimizer or scheduler"
                )
        obj = getattr(mod, name, None) if "." not in name else None
        if isinstance(obj, type) and issubclass(obj, (nd_cls, opt_cls, sched_cls)):
            return obj
        raise _refuse(module, name, "it is not an array, optimizer or scheduler")


def _check_state(state, index, depth: int = 0) -> None:
    nd_cls = _base_classes()[0]
    if state is None or isinstance(state, nd_cls):
        return
    if isinstance(state, (tuple, list)) and depth < _MAX_DEPTH:
        for s in state:
            _check_state(s, index, depth + 1)
        return
    raise MXNetError(
        f"the state of parameter {index!r} is a {type(state).__name__}; a "
        ".states file holds arrays, None, or tuples/lists of them."
    )


def _check_shape(obj) -> None:
    _, opt_cls, _ = _base_classes()
    states = obj
    if isinstance(obj, tuple):
        if len(obj) != 2 or not isinstance(obj[1], opt_cls):
            raise MXNetError(
                "expected (states, optimizer) or a dict of states, got a tuple of "
                f"{len(obj)} items ({', '.join(type(o).__name__ for o in obj[:4])})."
            )
        states = obj[0]
        if not isinstance(getattr(obj[1], "__dict__", None), dict):
            raise MXNetError("the pickled optimizer carries no attributes.")
    if not isinstance(states, dict):
        raise MXNetError(
            "expected a dict from parameter index to optimizer state, got "
            f"{type(states).__name__}."
        )
    for key, state in states.items():
        if not isinstance(key, (int, str)) or isinstance(key, bool):
            raise MXNetError(
                f"parameter index {key!r} is a {type(key).__name__}; expected an "
                "int (or a str name)."
            )
        _check_state(state, key)


def loads_states(data: bytes):
    """Unpickle ``.states`` bytes with the restrictions described above.

    Returns ``states`` or ``(states, optimizer)``; raises ``MXNetError`` for
    a global outside the allowed set, a damaged pickle or a wrong structure.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"states must be bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise MXNetError("the data is empty (0 bytes), not a pickled .states file.")
    try:
        obj = _StatesUnpickler(io.BytesIO(data)).load()
    except MXNetError:
        raise
    except RecursionError:
        raise MXNetError("the pickle nests too deeply to be a .states file.") from None
    except Exception as err:  # noqa: BLE001 - any damage in the pickle stream
        raise MXNetError(
            f"not a valid pickled .states file ({type(err).__name__}: {err})."
        ) from None
    _check_shape(obj)
    return obj
