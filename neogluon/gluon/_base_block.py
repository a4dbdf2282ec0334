"""``Block``: MXNet's Gluon model building block, run eagerly by ``forward``.

A :class:`Block` owns parameters (``self.params``) and child blocks registered by
attribute assignment, names them through :class:`_BlockScope`, saves and loads
their values and runs hooks around :meth:`Block.forward`. ``HybridBlock``
(``_hybrid_block.py``) and ``SymbolBlock`` (``_symbol_block.py``) build on it;
``neogluon.gluon.block`` gathers the three under MXNet's module path.
"""

from __future__ import annotations

import re
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import _state
from .. import initializer
from .. import ndarray as nd
from .._text import indent as _indent
from ..ndarray._np import as_np as _as_np
from ..ndarray._np import ndarray as _np_ndarray
from ..ndarray.ndarray import NDArray
from ..util import _NP_STATE
from ._naming import _BlockScope
from ._summary import print_summary
from .parameter import Parameter
from .parameter import ParameterDict
from .utils import HookHandle

__all__ = ["Block"]


class Block:
    """Base class for all neural network layers and models.

    Parameters
    ----------
    prefix : str, optional
        Prefix of this block's name and of its parameters' names. Default:
        ``<class name lower><n>_`` from a per-hint counter.
    params : ParameterDict, optional
        Share parameters with another block (e.g. ``params=other.collect_params()``).

    Examples
    --------
    >>> import neogluon as mx
    >>> class Model(mx.gluon.Block):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         with self.name_scope():
    ...             self.dense = mx.gluon.nn.Dense(4)
    ...     def forward(self, x):
    ...         return self.dense(x)
    """

    #: Whether :meth:`summary` prints a row for this block (MXNet leaves out
    #: the ``Sequential`` containers, whose children get their own rows).
    _summary_row: bool = True
    #: Whether calls run a cached graph (only a hybridized HybridBlock does).
    _active: bool = False

    def __init__(self, prefix: str | None = None, params: ParameterDict | None = None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children: OrderedDict[str, Block] = OrderedDict()
        self._reg_params: dict[str, Parameter] = {}
        self._forward_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._forward_pre_hooks: OrderedDict[int, Callable] = OrderedDict()

    def __repr__(self) -> str:
        s = "{name}(\n{modstr}\n)"
        modstr = "\n".join(
            f"  ({key}): {_indent(repr(block), 2)}"
            for key, block in self.__dict__.items()
            if isinstance(block, Block)
        )
        return s.format(name=self.__class__.__name__, modstr=modstr)

    def __setattr__(self, name: str, value: Any) -> None:
        """Register blocks and parameters assigned as attributes."""
        if hasattr(self, name):
            existing = getattr(self, name)
            if isinstance(existing, (Parameter, Block)) and not isinstance(
                value, type(existing)
            ):
                raise TypeError(
                    f"Changing attribute type for {name} from {type(existing)} to "
                    f"{type(value)} is not allowed."
                )
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params:
                raise ValueError(
                    f"Overriding Parameter attribute {name} is not allowed. If you "
                    "want to share parameters between blocks, please set 'params' "
                    "at Block construction instead."
                )
            self._reg_params[name] = value
        super().__setattr__(name, value)

    def _check_container_with_block(self) -> None:
        children = set(self._children.values())

        def find(data) -> bool:
            if isinstance(data, (list, tuple)):
                return any(find(x) for x in data)
            if isinstance(data, dict):
                return any(find(x) for x in data.values())
            if isinstance(data, Block):
                return data not in children
            return False

        for k, v in self.__dict__.items():
            if isinstance(v, (list, tuple, dict)) and not (
                k.startswith("__") or k == "_children"
            ):
                if find(v):
                    warnings.warn(
                        f'"{self.name}.{k}" is an unregistered container with Blocks. '
                        "Note that Blocks inside the list, tuple or dict will not be "
                        "registered automatically. Make sure to register them using "
                        "register_child() or switching to "
                        "nn.Sequential/nn.HybridSequential instead. ",
                        stacklevel=3,
                    )

    def _alias(self) -> str:
        return self.__class__.__name__.lower()

    @property
    def prefix(self) -> str:
        """Prefix of this block's name and its parameters' names."""
        return self._prefix

    @property
    def name(self) -> str:
        """Name of this block, without the trailing ``_``."""
        return self._name

    def name_scope(self) -> _BlockScope:
        """Scope in which child blocks get names prefixed by this block's."""
        return self._scope

    @property
    def params(self) -> ParameterDict:
        """This block's own parameters (children's are not included)."""
        return self._params

    def collect_params(self, select: str | None = None) -> ParameterDict:
        """Parameters of this block and all its children.

        ``select`` is a regular expression matched (``re.match``) against full
        parameter names, e.g. ``'.*weight|.*bias'``.
        """
        self._check_container_with_block()
        ret = ParameterDict(self._params.prefix)
        if not select:
            ret.update(self.params)
        else:
            pattern = re.compile(select)
            ret.update({n: v for n, v in self.params.items() if pattern.match(n)})
        for child in self._children.values():
            ret.update(child.collect_params(select=select))
        return ret

    def _collect_params_with_prefix(self, prefix: str = "") -> dict[str, Parameter]:
        if prefix:
            prefix += "."
        ret = {prefix + key: val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    # ---------------------------------------------------------------- files
    def save_parameters(self, filename: str, deduplicate: bool = False) -> None:
        """Save parameters under their structural names (``0.weight``, ...)."""
        params = self._collect_params_with_prefix()
        if deduplicate:
            reverse: dict[int, str] = {}
            for k, v in params.items():
                reverse.setdefault(id(v), k)
            params = {k: v for k, v in params.items() if reverse[id(v)] == k}
        arg_dict = {key: val._reduce() for key, val in params.items()}
        nd.save(filename, arg_dict)

    def load_parameters(
        self,
        filename: str,
        ctx=None,
        allow_missing: bool = False,
        ignore_extra: bool = False,
        cast_dtype: bool = False,
        dtype_source: str = "current",
    ) -> None:
        """Load parameters saved by :meth:`save_parameters` (or legacy files)."""
        loaded = nd.serialization.load_any(filename)
        if isinstance(loaded, list):
            if loaded:
                raise ValueError(
                    f"load_parameters: '{filename}' holds an unnamed list of "
                    f"{len(loaded)} arrays; parameter files map names to arrays."
                )
            loaded = {}
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if not any("." in k for k in loaded):
            # Legacy file written by save_params / collect_params().save.
            del loaded
            self.collect_params().load(
                filename,
                ctx,
                allow_missing,
                ignore_extra,
                self.prefix,
                cast_dtype=cast_dtype,
                dtype_source=dtype_source,
            )
            return
        if not allow_missing:
            # A shared parameter is present if any of its paths is.
            present = {id(params[k]) for k in params if k in loaded}
            for name, param in params.items():
                if name not in loaded and id(param) not in present:
                    raise AssertionError(
                        f"Parameter '{name}' is missing in file '{filename}', which "
                        "contains parameters: "
                        f"{_brief(loaded.keys())}. Set allow_missing=True to ignore "
                        "missing parameters."
                    )
        for name in loaded:
            if not ignore_extra and name not in params:
                raise ValueError(
                    f"Parameter '{name}' loaded from file '{filename}' is not present "
                    "in ParameterDict, which contains parameters "
                    f"{_brief(params.keys())}. Set ignore_extra=True to ignore. "
                )
        # Every value is checked before any is assigned: a file that fails on
        # its last parameter leaves the block as it was (MXNet assigns as it
        # goes and leaves a half-loaded network behind).
        names = [name for name in loaded if name in params]
        for name in names:
            params[name]._check_load(loaded[name], ctx, cast_dtype, dtype_source)
        for name in names:
            params[name]._load_init(
                loaded[name], ctx, cast_dtype=cast_dtype, dtype_source=dtype_source
            )

    def save_params(self, filename: str) -> None:
        """Deprecated: use :meth:`save_parameters`."""
        warnings.warn(
            "save_params is deprecated. Please use save_parameters. Note that if you "
            "want load from SymbolBlock later, please use export instead.",
            stacklevel=2,
        )
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_params(
        self, filename: str, ctx=None, allow_missing=False, ignore_extra=False
    ):
        """Deprecated: use :meth:`load_parameters`."""
        warnings.warn(
            "load_params is deprecated. Please use load_parameters.", stacklevel=2
        )
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def save(self, prefix: str) -> None:
        """Write ``<prefix>-model.json`` (the block tree) and
        ``<prefix>-model.params``; see :mod:`neogluon.gluon._block_io`."""
        from ._block_io import save_model

        save_model(self, prefix)

    def load(self, prefix: str) -> None:
        """Restore the names and parameters written by :meth:`save` into a block
        built by the same code; see :mod:`neogluon.gluon._block_io`."""
        from ._block_io import load_model

        load_model(self, prefix)

    def register_op_hook(self, callback: Callable, monitor_all: bool = False) -> None:
        """Install ``callback(name, op_name, handle)`` on the hybridized children
        (see :meth:`HybridBlock.register_op_hook`)."""
        for child in self._children.values():
            child.register_op_hook(callback, monitor_all)

    # ---------------------------------------------------------------- children
    def register_child(self, block: Block, name: str | None = None) -> None:
        """Register ``block`` as a child (named ``name`` or its index)."""
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook: Callable) -> HookHandle:
        """``hook(block, inputs)`` runs before ``forward``."""
        handle = HookHandle()
        handle.attach(self._forward_pre_hooks, hook)
        return handle

    def register_forward_hook(self, hook: Callable) -> HookHandle:
        """``hook(block, inputs, outputs)`` runs after ``forward``."""
        handle = HookHandle()
        handle.attach(self._forward_hooks, hook)
        return handle

    def apply(self, fn: Callable[[Block], Any]) -> Block:
        """Apply ``fn`` to every child (recursively), then to this block."""
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def initialize(
        self, init=None, ctx=None, verbose: bool = False, force_reinit: bool = False
    ):
        """Initialize all parameters (``init`` is the default for parameters
        without their own initializer; ``Uniform(0.07)`` when omitted)."""
        if init is None:
            init = initializer.Uniform()
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def hybridize(self, active: bool = True, **kwargs) -> None:
        """Hybridize every HybridBlock child (this Block itself stays eager)."""
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def cast(self, dtype) -> None:
        """Cast parameters (and children's) to ``dtype``."""
        for child in self._children.values():
            child.cast(dtype)
        for _, param in self.params.items():
            param.cast(dtype)

    def zero_grad(self) -> None:
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx) -> None:
        self.collect_params().reset_ctx(ctx)

    # ---------------------------------------------------------------- call
    def __call__(self, *args):
        """Run pre-hooks, :meth:`forward` and hooks.

        Hooks do not fire while a parent traces itself for shape inference or
        hybridization (differs from MXNet 1.9.1, where ``summary`` then shows
        Symbol outputs).
        """
        flags = _state.flags
        hooks_on = not flags.tracing
        if hooks_on:
            for hook in self._forward_pre_hooks.values():
                hook(self, args)
        path = flags.block_path
        path.append(self._name)
        try:
            out = self.forward(*args)
        finally:
            path.pop()
        if getattr(_NP_STATE, "array", False):  # is_np_array(), inlined
            out = _as_np_outputs(out)
        if hooks_on:
            for hook in self._forward_hooks.values():
                hook(self, args, out)
        return out

    def forward(self, *args):
        """Override to define the computation."""
        raise NotImplementedError(
            f"{type(self).__name__} must define forward() (or hybrid_forward() for "
            "a HybridBlock)."
        )

    def summary(self, *inputs) -> None:
        """Print output shapes and parameter counts of every layer.

        The network must be initialized (deferred shapes are completed by the
        forward pass this runs) and not hybridized.
        """
        print_summary(self, *inputs)


def _brief(keys) -> str:
    keys = list(keys)
    s = ", ".join(f"'{k}'" for k in keys[:10])
    return s + (f", ... ({len(keys)} in all)" if len(keys) > 10 else "")


def _as_np_outputs(out):
    """Block outputs as ``mx.np.ndarray`` views (numpy array semantics)."""
    t = type(out)
    if t is _np_ndarray:  # the usual outputs: already np, or a dense NDArray
        return out
    if t is NDArray:
        return _as_np(out)
    if isinstance(out, NDArray):
        return out.as_np_ndarray()
    if isinstance(out, (list, tuple)):
        return type(out)(_as_np_outputs(o) for o in out)
    return out
