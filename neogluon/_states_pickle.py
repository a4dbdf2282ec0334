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

Admitted globals are not enough: what the stream does with them is vetted
too. Every call it makes (``REDUCE``, ``NEWOBJ``, ``OBJ``...) must be one
these files make, with arguments of their kinds (no ``bytearray(2**40)``, no
direct ``numpy.ndarray(shape)``, no object-dtype arrays, no array declaring
more bytes than the file holds), and every ``__setstate__`` (``BUILD``) must
give an array, optimizer, scheduler or dtype the state such files give it.

Anything else raises ``MXNetError`` naming the global the file asked for. The
loaded object must also have the shape of a ``.states`` file: a dict from
parameter index to state (an array, ``None``, or tuples/lists of them),
optionally paired with the optimizer as ``(states, optimizer)``.
"""

from __future__ import annotations

import collections
import importlib
import io
import math
import numbers
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


def _np_dtype_ok(dt) -> bool:
    import numpy as np

    return isinstance(dt, np.dtype) and not dt.hasobject


class _StatesUnpickler(pickle._Unpickler):  # type: ignore[name-defined]
    """Unpickler that resolves only the globals a ``.states`` file uses and
    vets every call and ``__setstate__`` the stream asks for.

    It is Python's pure-Python unpickler (the C one cannot be hooked at the
    opcodes that call things): a ``.states`` file holds few objects, so the
    speed does not matter. Admitting a global is not enough, because what
    the stream does with it matters too: ``bytearray(2**40)``,
    ``numpy.ndarray((10**9,))`` or an object-dtype array set from a short list
    (which crashes numpy) are all made of admitted globals. So each call
    (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST) must be one that MXNet's and
    neogluon's files make, with arguments of the kinds they use, and arrays
    may not declare more bytes than the file holds.
    """

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, file, size: int) -> None:
        super().__init__(file)
        self._size = size

    # ------------------------------------------------------------ globals
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

    # ------------------------------------------------------------ calls
    def _bytes_of(self, shape, dtype, what: str) -> int:
        """Bytes an array of ``shape``/``dtype`` needs, refused past the file size."""
        if not isinstance(shape, tuple) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise MXNetError(
                f"{what}: the shape {shape!r:.80} is not a tuple of sizes."
            )
        if not _np_dtype_ok(dtype):
            raise MXNetError(
                f"{what}: dtype {dtype!r:.80} is not a numeric numpy dtype (object "
                "arrays are not part of a .states file)."
            )
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > self._size:
            raise MXNetError(
                f"{what}: an array of shape {shape!r:.80} and dtype {dtype} needs "
                f"{nbytes} bytes, more than the whole file ({self._size} bytes)."
            )
        return nbytes

    def _call(self, func, args: tuple, kwargs: dict | None = None):
        """``func(*args, **kwargs)`` if it is a call a ``.states`` file makes."""
        import numpy as np

        nd_cls, opt_cls, sched_cls = _base_classes()
        name = getattr(func, "__qualname__", type(func).__name__)
        if not isinstance(args, tuple) or kwargs:
            raise MXNetError(f"the pickle calls {name} with unexpected arguments.")
        ok = False
        if func is bytearray:
            ok = (
                len(args) == 0
                or (len(args) == 1 and isinstance(args[0], (bytes, bytearray)))
                or (len(args) == 2 and all(isinstance(a, str) for a in args))
            )
        elif func in (set, frozenset):
            ok = len(args) == 0 or (
                len(args) == 1 and isinstance(args[0], (list, tuple, set, frozenset))
            )
        elif func is complex:
            ok = len(args) <= 2 and all(
                isinstance(a, (int, float)) and not isinstance(a, bool) for a in args
            )
        elif func is collections.OrderedDict:
            ok = len(args) == 0 or (len(args) == 1 and isinstance(args[0], list))
        elif func is np.dtype or (
            isinstance(func, type) and issubclass(func, np.dtype)
        ):
            ok = all(isinstance(a, (str, bytes, bool, int)) for a in args)
        elif getattr(func, "__name__", None) == "_reconstruct" and len(args) == 3:
            sub, shape, code = args
            ok = sub is np.ndarray and isinstance(code, (bytes, str))
            if ok:
                self._bytes_of(shape, np.dtype(code), "numpy array")
        elif getattr(func, "__name__", None) == "scalar" and 1 <= len(args) <= 2:
            dt = args[0]
            ok = _np_dtype_ok(dt) and (
                len(args) == 1
                or (isinstance(args[1], bytes) and len(args[1]) == dt.itemsize)
            )
        elif getattr(func, "__name__", None) == "_frombuffer" and len(args) == 4:
            buf, dt, shape, order = args
            ok = isinstance(buf, (bytes, bytearray)) and order in ("C", "F")
            if ok:
                ok = self._bytes_of(shape, dt, "numpy array") == len(buf)
        elif isinstance(func, type) and issubclass(func, nd_cls):
            ok = args in ((), (None,))
        if not ok:
            raise MXNetError(
                f"refusing the call {name}{_short(args)} in the pickle: a .states "
                "file does not make it (it could allocate without bound or run code)."
            )
        return func(*args)

    def _new(self, cls, args: tuple, kwargs: dict | None = None):
        """``cls.__new__(cls)`` for the classes whose objects a file rebuilds."""
        nd_cls, opt_cls, sched_cls = _base_classes()
        if (
            isinstance(cls, type)
            and issubclass(cls, (nd_cls, opt_cls, sched_cls))
            and args == ()
            and not kwargs
        ):
            return cls.__new__(cls)  # type: ignore[call-overload]
        name = getattr(cls, "__qualname__", type(cls).__name__)
        raise MXNetError(
            f"refusing to create a {name} object with arguments {_short(args)} in "
            "the pickle: only arrays, optimizers and schedulers are rebuilt that way."
        )

    def load_reduce(self) -> None:
        args = self.stack.pop()
        self.stack[-1] = self._call(self.stack[-1], args)

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args))

    def load_newobj_ex(self) -> None:
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args, kwargs))

    def _instantiate(self, klass, args) -> None:
        self.append(self._call(klass, tuple(args)))

    # ------------------------------------------------------------ __setstate__
    def load_build(self) -> None:
        import numpy as np

        nd_cls, opt_cls, sched_cls = _base_classes()
        state = self.stack[-1]
        inst = self.stack[-2]
        if isinstance(inst, nd_cls):
            ok = isinstance(state, dict) and set(state) <= {"handle"}
        elif isinstance(inst, (opt_cls, sched_cls)):
            ok = isinstance(state, dict) and all(isinstance(k, str) for k in state)
        elif isinstance(inst, np.dtype):
            # A dtype's state is what pickling that very dtype gives; other
            # states (flags, fields) could describe memory it does not own.
            ok = state == inst.__reduce__()[2]
        elif type(inst) is np.ndarray:
            ok = (
                isinstance(state, tuple)
                and len(state) == 5
                and isinstance(state[4], (bytes, bytearray))
                and self._bytes_of(state[1], state[2], "numpy array") == len(state[4])
            )
        else:
            ok = False
        if not ok:
            raise MXNetError(
                f"refusing to set the state of a {type(inst).__name__} in the pickle "
                f"to {_short(state)}: not the state a .states file gives it."
            )
        super().load_build()  # type: ignore[misc]

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.BUILD[0]] = load_build


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_state(state, index, depth: int = 0, seen: set | None = None) -> None:
    nd_cls = _base_classes()[0]
    if state is None or isinstance(state, nd_cls):
        return
    if isinstance(state, (tuple, list)) and depth < _MAX_DEPTH:
        # A pickle can refer to one container many times (memo): check each
        # container once, or a small file could take exponential time.
        seen = set() if seen is None else seen
        if id(state) in seen:
            return
        seen.add(id(state))
        for s in state:
            _check_state(s, index, depth + 1, seen)
        return
    raise MXNetError(
        f"the state of parameter {index!r} is a {type(state).__name__}; a "
        ".states file holds arrays, None, or tuples/lists of them."
    )


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


# What the update step reads from every optimizer (MXNet 1.9.1's and ours).
_OPT_TYPES = {
    "lr": ("a number or None", lambda v: v is None or _is_real(v)),
    "wd": ("a number", _is_real),
    "rescale_grad": ("a number", _is_real),
    "clip_gradient": ("a number or None", lambda v: v is None or _is_real(v)),
    "aggregate_num": ("an int", lambda v: isinstance(v, int)),
    "num_update": ("an int", lambda v: isinstance(v, int)),
    "begin_num_update": ("an int", lambda v: isinstance(v, int)),
    "lr_mult": ("a dict", lambda v: isinstance(v, dict)),
    "wd_mult": ("a dict", lambda v: isinstance(v, dict)),
    "idx2name": ("a dict", lambda v: isinstance(v, dict)),
    "_index_update_count": ("a dict", lambda v: isinstance(v, dict)),
    "_all_index_update_counts": ("a dict", lambda v: isinstance(v, dict)),
}


def _check_optimizer(opt) -> None:
    """The pickled optimizer has the attributes a fresh one of its class has
    (neogluon's classes; the base Optimizer's for others), and the ones the
    update reads have their types: else ``set_states`` would half-replace the
    Trainer's optimizer and fail later with a bare AttributeError/TypeError."""
    _, opt_cls, sched_cls = _base_classes()
    cls = type(opt)
    try:
        fresh = cls() if cls.__module__.startswith("neogluon.") else opt_cls()
    except Exception:  # noqa: BLE001 - a class that needs arguments
        fresh = opt_cls()
    attrs = opt.__dict__
    missing = sorted(set(fresh.__dict__) - set(attrs) - {"param_dict"})
    if missing:
        raise MXNetError(
            f"the pickled {cls.__name__} optimizer lacks the attributes "
            f"{', '.join(missing[:6])}; the file is damaged or was not written by "
            "save_states."
        )
    for name, (want, ok) in _OPT_TYPES.items():
        if name in attrs and not ok(attrs[name]):
            raise MXNetError(
                f"the pickled {cls.__name__} optimizer's {name} is "
                f"{_short(attrs[name])} ({type(attrs[name]).__name__}); expected {want}."
            )
    sched = attrs.get("lr_scheduler")
    if sched is not None and not isinstance(sched, sched_cls):
        raise MXNetError(
            f"the pickled {cls.__name__} optimizer's lr_scheduler is a "
            f"{type(sched).__name__}; expected an LRScheduler or None."
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
        _check_optimizer(obj[1])
    if not isinstance(states, dict):
        raise MXNetError(
            "expected a dict from parameter index to optimizer state, got "
            f"{type(states).__name__}."
        )
    seen: set = set()
    for key, state in states.items():
        if not isinstance(key, (int, str)) or isinstance(key, bool):
            raise MXNetError(
                f"parameter index {key!r} is a {type(key).__name__}; expected an "
                "int (or a str name)."
            )
        _check_state(state, key, 0, seen)


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
        obj = _StatesUnpickler(io.BytesIO(data), len(data)).load()
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
