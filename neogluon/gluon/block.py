"""``Block`` and ``HybridBlock``: MXNet's Gluon model building blocks.

A :class:`Block` owns parameters (``self.params``) and child blocks registered by
attribute assignment. A :class:`HybridBlock` writes its computation once as
``hybrid_forward(F, x, *args, **params)`` where ``F`` is ``mx.nd`` (eager) or
``mx.sym`` (traced). ``hybridize()`` traces it into a graph once per argument
structure and runs the compiled graph afterwards. Deferred parameter shapes are
inferred by tracing the block and running shape inference over the graph in both
directions, so any op with an inference rule can complete them.
"""

from __future__ import annotations

import os
import re
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import _state
from .. import autograd
from .. import initializer
from .. import ndarray as nd
from .._text import indent as _indent
from ..base import DeferredInitializationError
from ..base import MXNetError
from ..ndarray.ndarray import NDArray
from ._naming import _BlockScope
from .parameter import Parameter
from .parameter import ParameterDict
from .utils import HookHandle

__all__ = ["Block", "HybridBlock", "SymbolBlock"]


def _sym():
    from .. import symbol

    return symbol


# --------------------------------------------------------------------------- flatten
def _flatten(args, inout_str: str):
    """Flatten nested lists of arrays/symbols into a list plus a format tree."""
    Symbol = _sym().Symbol
    if isinstance(args, NDArray):
        return [args], 0
    if isinstance(args, Symbol):
        n = len(args.list_outputs())
        return [args], n if n > 1 else 0
    if args is None:
        return [None], -1
    if not isinstance(args, (list, tuple)):
        raise ValueError(
            f"The {inout_str} of a HybridBlock must be an NDArray, a Symbol, None "
            f"or a (nested) list of them, but got {type(args).__name__}: {args!r:.60}"
        )
    flat, fmts = [], []
    for item in args:
        f, fmt = _flatten(item, inout_str)
        flat.extend(f)
        fmts.append(fmt)
    return flat, fmts


def _regroup(args, fmt):
    """Inverse of :func:`_flatten` (tuples come back as lists, as in MXNet)."""
    if isinstance(fmt, int):
        if fmt == 0:
            return args[0], args[1:]
        if fmt == -1:
            if args[0] is not None:
                raise ValueError("expected None in a position of the input format")
            return None, args[1:]
        return args[:fmt], args[fmt:]
    ret = []
    for i in fmt:
        res, args = _regroup(args, i)
        ret.append(res)
    return ret, args


def _leaves(args) -> list:
    """Every non-list item of nested lists/tuples (arrays, symbols, scalars)."""
    if isinstance(args, (list, tuple)):
        return [leaf for a in args for leaf in _leaves(a)]
    return [args]


def _fmt_key(fmt):
    return tuple(_fmt_key(f) for f in fmt) if isinstance(fmt, list) else fmt


# --------------------------------------------------------------------------- Block


class _SummaryOfHybridizedError(ValueError, AssertionError):
    """``summary()`` of a hybridized block (MXNet raises AssertionError)."""


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
        loaded = nd.load(filename)
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
            if name in params:
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
        summary: OrderedDict[str, dict] = OrderedDict()
        seen: set[int] = set()
        hooks = []

        def shape_str(args) -> str:
            def shapes(a):
                if isinstance(a, (list, tuple)):
                    return [shapes(x) for x in a]
                return a.shape if isinstance(a, NDArray) else a

            s = shapes(args)
            return str(s)[1:-1] if isinstance(s, list) else str(s)

        def register(block: Block) -> None:
            if isinstance(block, HybridBlock) and block._active:
                # AssertionError as in MXNet (its tests and users catch it).
                raise _SummaryOfHybridizedError(
                    f'"{block.name}" must not be hybridized to print summary: '
                    "call summary() before hybridize(), or hybridize(active=False) "
                    "first."
                )

            def hook(blk, _, outputs):
                key = f"{blk.__class__.__name__}-{len(summary)}"
                entry = {
                    "output_shape": shape_str(outputs),
                    "trainable": 0,
                    "shared": 0,
                }
                n = 0
                for p in blk.params.values():
                    size = p.data().size
                    n += size
                    entry["trainable"] += 0 if p.grad_req == "null" else size
                    if id(p) in seen:
                        entry["shared"] += size
                    else:
                        seen.add(id(p))
                entry["n_params"] = n
                summary[key] = entry

            if block._summary_row:
                hooks.append(block.register_forward_hook(hook))

        summary["Input"] = {
            "output_shape": shape_str(inputs if len(inputs) > 1 else inputs[0]),
            "n_params": 0,
            "trainable": 0,
            "shared": 0,
        }
        try:
            self.apply(register)
            self(*inputs)
            fmt = "{:>20}  {:>42} {:>15}"
            print("-" * 80)
            print(fmt.format("Layer (type)", "Output Shape", "Param #"))
            print("=" * 80)
            total = trainable = shared = 0
            for layer, e in summary.items():
                print(fmt.format(layer, str(e["output_shape"]), e["n_params"]))
                total += e["n_params"]
                trainable += e["trainable"]
                shared += e["shared"]
            print("=" * 80)
            print("Parameters in forward computation graph, duplicate included")
            print("   Total params: " + str(total))
            print("   Trainable params: " + str(trainable))
            print("   Non-trainable params: " + str(total - trainable))
            print("Shared params in forward computation graph: " + str(shared))
            print("Unique parameters in model: " + str(total - shared))
            print("-" * 80)
        finally:
            for h in hooks:
                h.detach()


def _brief(keys) -> str:
    keys = list(keys)
    s = ", ".join(f"'{k}'" for k in keys[:10])
    return s + (f", ... ({len(keys)} in all)" if len(keys) > 10 else "")


# --------------------------------------------------------------------------- Hybrid
class _CachedGraph:
    """One traced and compiled graph for one argument structure."""

    __slots__ = (
        "symbol",
        "compiled",
        "slots",
        "out_fmt",
        "data_names",
        "params",
        "frozen",
    )

    def __init__(self, symbol, compiled, slots, out_fmt, data_names, params):
        self.symbol = symbol
        self.compiled = compiled
        self.slots = slots  # per graph input: int (flat arg index) or Parameter
        self.out_fmt = out_fmt
        self.data_names = data_names
        self.params = params
        self.frozen = None  # FrozenGraph for predict-mode calls (freeze=True)


class HybridBlock(Block):
    """A Block that can run eagerly or as a traced, compiled graph.

    Subclasses define ``hybrid_forward(self, F, x, *args, **params)``; ``params``
    holds this block's registered parameters by attribute name.

    Notes
    -----
    Differs from MXNet 1.9.1: a hybridized block accepts calls with a different
    argument structure (it traces again, keeping a small cache), where MXNet
    raises "The argument structure of HybridBlock does not match the cached
    version".
    """

    _MAX_CACHE = 8
    _callback: Callable | None = None
    _monitor_all = False

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._cache: OrderedDict[Any, _CachedGraph] = OrderedDict()
        self._last_graph: _CachedGraph | None = None
        self._active = False
        self._freeze = False
        self._flags: list[tuple[str, Any]] = []

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if isinstance(value, HybridBlock):
            self._clear_cached_op()

    def register_child(self, block: Block, name: str | None = None) -> None:
        if not isinstance(block, HybridBlock):
            raise ValueError(
                "Children of HybridBlock must also be HybridBlock, but "
                f"{block!s} has type {type(block)}. If you are using Sequential, "
                "please try HybridSequential instead."
            )
        super().register_child(block, name)
        self._clear_cached_op()

    def _clear_cached_op(self) -> None:
        self._cache = OrderedDict()
        self._last_graph = None

    def register_op_hook(self, callback: Callable, monitor_all: bool = False) -> None:
        """Call ``callback(name, op_name, handle)`` for every operator output
        (and, with ``monitor_all``, every input first) when the hybridized graph
        runs. As in MXNet, names are UTF-8 bytes and ``handle`` an
        NDArrayHandle value; ``NDArray(handle)`` inside the callback gives the
        array (see :mod:`neogluon.symbol._monitor`). As in MXNet, this block
        and its direct children get the callback; it fires for the graph of the hybridized
        block that is called (eager calls run no graph and report nothing).
        """
        self._callback = callback
        self._monitor_all = monitor_all
        for child in self._children.values():
            child._callback = callback
            child._monitor_all = monitor_all

    def hybridize(
        self,
        active: bool = True,
        backend=None,
        clear: bool = True,
        static_alloc: bool = False,
        static_shape: bool = False,
        inline_limit: int = 2,
        forward_bulk_size=None,
        backward_bulk_size=None,
        freeze: bool | None = None,
        **kwargs,
    ) -> None:
        """Trace ``hybrid_forward`` into a graph on the next call and run that.

        ``static_alloc``, ``static_shape``, ``inline_limit`` and the bulk sizes
        are performance hints (accepted for compatibility; torch manages memory).

        Parameters
        ----------
        freeze : bool, optional
            Run predict-mode calls (outside ``autograd.record()`` and
            ``train_mode()``) on a frozen copy of the graph: BatchNorm folded
            into the preceding Convolution/FullyConnected, convolutions on
            oneDNN with prepacked weights and fused ReLU / residual add.
            Default (None): on when ``static_alloc`` and ``static_shape`` are
            both True, MXNet's usual inference setting. Training and recorded
            calls always run the unfrozen graph. The frozen copy is rebuilt
            when any parameter changes (replaced or modified in place through
            NDArray/torch ops); writes that bypass torch's version counter
            (``tensor.data``, shared numpy memory) are not seen. Results agree
            with the unfrozen graph to float32 rounding (about 1e-6 relative).

            Differs from MXNet 1.9.1: MXNet has no ``freeze`` argument (its
            oneDNN subgraph backend fuses conv+BN+ReLU on CPU by itself).
        """
        self._active = active
        self._freeze = bool(static_alloc and static_shape) if freeze is None else freeze
        self._flags = [
            ("static_alloc", static_alloc),
            ("static_shape", static_shape),
            ("inline_limit", inline_limit),
        ]
        if clear:
            self._clear_cached_op()
        if active and (self._forward_hooks or self._forward_pre_hooks):
            warnings.warn(
                f'"{self.name}" is being hybridized while still having forward hook/'
                'pre-hook. If "{self.name}" is a child of HybridBlock, the hooks '
                "will not take effect.",
                stacklevel=2,
            )
        for child in self._children.values():
            child.hybridize(
                active,
                backend=backend,
                clear=clear,
                static_alloc=static_alloc,
                static_shape=static_shape,
                inline_limit=inline_limit,
                freeze=freeze,
                **kwargs,
            )

    def cast(self, dtype) -> None:
        self._clear_cached_op()
        super().cast(dtype)

    # ---------------------------------------------------------------- tracing
    def _trace(self, args):
        """Trace ``hybrid_forward`` with symbolic inputs named data/data0..."""
        sym = _sym()
        flat_args, in_fmt = _flatten(args, "input")
        real = [a for a in flat_args if a is not None]
        if len(real) == 1:
            names = ["data"]
        else:
            names = [f"data{i}" for i in range(len(real))]
        it = iter(names)
        sym_args = [None if a is None else sym.var(next(it)) for a in flat_args]
        grouped, _ = _regroup(sym_args, in_fmt)
        if not isinstance(grouped, list) or isinstance(in_fmt, int):
            grouped = [grouped]
        params = {k: v.var() for k, v in self._reg_params.items()}
        _state.flags.tracing += 1
        try:
            with self.name_scope():
                out = self.hybrid_forward(sym, *grouped, **params)
        finally:
            _state.flags.tracing -= 1
        flat_out, out_fmt = _flatten(out, "output")
        return names, sym.Group(flat_out), out_fmt, flat_args

    def _infer_param_shapes(self, symbol, data_names, flat_args) -> ParameterDict:
        """Run graph shape inference from the inputs; set what it resolves."""
        from ..symbol.infer import infer_shapes

        real = [a for a in flat_args if a is not None]
        known = dict(zip(data_names, (a.shape for a in real), strict=True))
        shapes = infer_shapes(symbol, known)
        params = self.collect_params()
        for p in params.values():
            if p.shape is None or 0 in p.shape:
                s = shapes.get(p.name)
                if s is not None and all(s):
                    p.shape = s
        return params

    def _infer_and_init(self, symbol, data_names, flat_args) -> None:
        """Fill unknown parameter shapes from the inputs, then finish init."""
        params = self._infer_param_shapes(symbol, data_names, flat_args)
        unresolved = [
            (p.name, p.shape)
            for p in params.values()
            if p._deferred_init and (p.shape is None or 0 in p.shape)
        ]
        if unresolved:
            real = [a.shape for a in flat_args if a is not None]
            detail = "\n".join(f"\t{n}: {s}" for n, s in unresolved)
            raise DeferredInitializationError(
                f"Deferred initialization failed in block '{self.name}' "
                f"({type(self).__name__}) because shape cannot be inferred from "
                f"input shapes {real}. Cannot decide shape for the following "
                "parameters (0s in shape means unknown dimensions):"
                f"\n{detail}\nSpecify the unknown dims when creating the layer "
                "(in_units, in_channels, ...) or use ops whose shape rules relate "
                "the parameter to the input."
            )
        for p in params.values():
            if p._deferred_init:
                p._finish_deferred_init()

    def infer_shape(self, *args) -> None:
        """Infer and set every parameter's shape from example inputs."""
        names, symbol, _, flat_args = self._trace(args)
        self._infer_param_shapes(symbol, names, flat_args)

    def infer_type(self, *args) -> None:
        """Infer and set every parameter's dtype from example inputs."""
        from ..symbol.infer import infer_types

        names, symbol, _, flat_args = self._trace(args)
        real = [a for a in flat_args if a is not None]
        types = infer_types(
            symbol, {n: a.dtype for n, a in zip(names, real, strict=True)}
        )
        for p in self.collect_params().values():
            t = types.get(p.name)
            if t is not None:
                p.dtype = t

    # ---------------------------------------------------------------- forward
    def forward(self, x, *args):
        """Run ``hybrid_forward`` eagerly, traced, or as the cached graph."""
        Symbol = _sym().Symbol
        if isinstance(x, NDArray) and not args:
            first = x
        elif isinstance(x, Symbol) and not args:
            first = None
        else:  # several inputs, nested lists, None or scalars: look at each
            leaves = _leaves([x, *args])
            arrays = [a for a in leaves if isinstance(a, NDArray)]
            n_sym = sum(isinstance(a, Symbol) for a in leaves)
            if arrays and n_sym:
                raise ValueError(
                    f"HybridBlock '{self.name}': inputs must be all NDArrays "
                    "or all Symbols, got a mix."
                )
            if not arrays and not n_sym:
                raise ValueError(
                    f"HybridBlock '{self.name}': no input is an NDArray or a "
                    f"Symbol (got {[type(a).__name__ for a in leaves]})."
                )
            if self._active and arrays:
                # The cached graph takes arrays (and None) only, on one device.
                _flatten([x, *args], "input")
                # cpu_pinned memory is CPU memory: it mixes with cpu(i).
                ctxs = {
                    ("cpu", c.device_id)
                    if c.device_type == "cpu_pinned"
                    else (c.device_type, c.device_id)
                    for c in (a.context for a in arrays)
                }
                if len(ctxs) > 1:
                    raise ValueError(
                        f"HybridBlock '{self.name}': all inputs of a hybridized "
                        f"block must be on one context, got "
                        f"{sorted(f'{t}({i})' for t, i in ctxs)}."
                    )
            first = arrays[0] if arrays else None
        if first is None:  # symbolic call: compose into the caller's graph
            params = {k: v.var() for k, v in self._reg_params.items()}
            with self.name_scope():
                return self.hybrid_forward(_sym(), x, *args, **params)
        if self._active:
            return self._call_cached(x, *args)
        ctx = first.context
        try:
            params = {k: v.data(ctx) for k, v in self._reg_params.items()}
        except DeferredInitializationError:
            names, symbol, _, flat_args = self._trace((x, *args))
            self._infer_and_init(symbol, names, flat_args)
            params = {k: v.data(ctx) for k, v in self._reg_params.items()}
        return self.hybrid_forward(nd, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        """Override: the computation, written once for ``F = nd`` or ``sym``."""
        raise NotImplementedError(
            f"{type(self).__name__} must define hybrid_forward(self, F, x, ...)."
        )

    def _build_cache(self, args, key) -> _CachedGraph:
        from ..symbol.executor import compile_graph

        names, symbol, out_fmt, flat_args = self._trace(args)
        params = self.collect_params()
        if any(p._deferred_init for p in params.values()):
            self._infer_and_init(symbol, names, flat_args)
        by_name = {p.name: p for p in params.values()}
        compiled = compile_graph(symbol)
        real_idx = [i for i, a in enumerate(flat_args) if a is not None]
        data_pos = {n: real_idx[i] for i, n in enumerate(names)}
        slots: list[Any] = []
        unused = set(names)
        for n in compiled.input_names:
            if n in data_pos:
                slots.append(data_pos[n])
                unused.discard(n)
            elif n in by_name:
                slots.append(by_name[n])
            else:
                raise MXNetError(
                    f"HybridBlock '{self.name}': the traced graph needs input '{n}', "
                    "which is neither a block input nor a parameter of this block. "
                    "Parameters used in hybrid_forward must belong to the block "
                    "(register them with self.params.get(...))."
                )
        for n in sorted(unused):
            warnings.warn(
                f"The {n} input to HybridBlock '{self.name}' is unused by the "
                "traced graph.",
                stacklevel=4,
            )
        entry = _CachedGraph(symbol, compiled, slots, out_fmt, names, params)
        self._cache[key] = entry
        if len(self._cache) > self._MAX_CACHE:
            self._cache.popitem(last=False)
        return entry

    def _call_cached(self, *args):
        flat, fmt = _flatten(args, "input")
        key = (_fmt_key(fmt), tuple(a is None for a in flat))
        entry = self._cache.get(key)
        if entry is None:
            entry = self._build_cache(args, key)
        self._last_graph = entry
        ctx = next(a for a in flat if a is not None).context
        tensors = []
        try:
            for s in entry.slots:
                if isinstance(s, int):
                    tensors.append(flat[s]._data)
                else:
                    tensors.append(s.data(ctx)._data)
        except DeferredInitializationError:
            self._infer_and_init(entry.symbol, entry.data_names, flat)
            return self._call_cached(*args)
        if self._freeze and not _state.flags.recording and not _state.flags.training:
            entry.frozen = _frozen_for(
                entry.compiled, entry.frozen, tensors, entry.slots
            )
            with autograd._no_grad():
                outs = entry.frozen(tensors)
        elif self._callback is not None:
            from ..symbol._monitor import run_monitored

            outs = run_monitored(
                entry.symbol,
                entry.compiled.input_names,
                tensors,
                self._callback,
                self._monitor_all,
                ctx,
                record=_state.flags.recording,
            )
        else:
            outs = _run_compiled(entry.compiled, tensors)
        wrapped = [nd.from_torch(t, ctx) for t in outs]
        res, _ = _regroup(wrapped, entry.out_fmt)
        return res

    # ---------------------------------------------------------------- export
    def export(self, path: str, epoch: int = 0, remove_amp_cast: bool = True):
        """Write ``path-symbol.json`` and ``path-%04d.params`` (arg:/aux: keys)."""
        entry = self._last_graph
        if entry is None:
            raise RuntimeError(
                "Please first call block.hybridize() and then run forward with "
                "this block at least once before calling export."
            )
        symbol = entry.symbol
        sym_file = f"{path}-symbol.json"
        symbol.save(sym_file, remove_amp_cast=remove_amp_cast)
        arg_names = set(symbol.list_arguments())
        aux_names = set(symbol.list_auxiliary_states())
        arg_dict = {}
        for name, param in self.collect_params().items():
            if name in arg_names:
                arg_dict[f"arg:{name}"] = param._reduce()
            elif name in aux_names:
                arg_dict[f"aux:{name}"] = param._reduce()
        params_file = "%s-%04d.params" % (path, epoch)  # noqa: UP031
        nd.save(params_file, arg_dict)
        return sym_file, params_file

    def optimize_for(self, x, *args, backend=None, **kwargs):
        """Build the cached graph without a backend partitioner.

        Differs from MXNet 1.9.1: there are no subgraph backends; passing one
        raises an error instead of partitioning.
        """
        if backend is not None:
            raise MXNetError(
                f"optimize_for: backend {backend!r} is not available in neogluon; "
                "there are no MXNet subgraph backends. Call hybridize() instead."
            )
        raise ValueError('Must specify "backend" to optimize_for')


def _run_compiled(compiled, tensors):
    if _state.flags.recording:
        return compiled(tensors)
    with autograd._no_grad():
        return compiled(tensors)


def _frozen_for(compiled, frozen, tensors, slots):
    """``frozen`` if its parameter values are current, else a new freeze."""
    if frozen is not None and frozen.is_current(tensors):
        return frozen
    from ..symbol.executor import freeze_graph

    const = [not isinstance(s, int) for s in slots]
    with autograd._no_grad():
        return freeze_graph(compiled, tensors, const, previous=frozen)


# --------------------------------------------------------------------------- Symbol
class SymbolBlock(HybridBlock):
    """A block built from a Symbol graph (e.g. one loaded from ``-symbol.json``).

    Parameters
    ----------
    outputs : Symbol or list of Symbol
        The graph outputs.
    inputs : Symbol or list of Symbol
        Input variables.
    params : ParameterDict, optional
        Parameters to share; other graph arguments become new Parameters named
        exactly as the graph's variables.

    Examples
    --------
    >>> import neogluon as mx
    >>> net = mx.gluon.SymbolBlock.imports(
    ...     'model-symbol.json', ['data'], 'model-0000.params')  # doctest: +SKIP
    """

    @staticmethod
    def imports(
        symbol_file,
        input_names,
        param_file=None,
        ctx=None,
        allow_missing=False,
        ignore_extra=False,
    ):
        """Load a model exported by ``HybridBlock.export`` or Module checkpoints."""
        sym = _sym()
        symbol = sym.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        if param_file is None:
            inputs = [sym.var(i, dtype="float32") for i in input_names]
        else:
            inputs = [sym.var(i) for i in input_names]
        ret = SymbolBlock(symbol, inputs)
        if param_file is not None:
            ret.collect_params().load(
                param_file,
                ctx,
                allow_missing,
                ignore_extra,
                cast_dtype=True,
                dtype_source="saved",
            )
        return ret

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix="", params=None)
        sym = _sym()
        self._prefix = ""
        self._params = ParameterDict("", params)
        if isinstance(inputs, sym.Symbol) and len(inputs.list_outputs()) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        syms, self._in_format = _flatten(inputs, "input")
        out, self._out_format = _flatten(outputs, "output")
        out = sym.Group(out)
        input_names = set()
        for s in syms:
            if len(s.get_internals().list_outputs()) != 1:
                raise ValueError(
                    f"SymbolBlock inputs must be variables, but {s.name} is an "
                    "operator output."
                )
            input_names.add(s.name)
        self._input_names = [s.name for s in syms]
        self._sym_outputs = out
        arg_params = out.list_arguments()
        aux_params = out.list_auxiliary_states()
        from ..symbol.infer import infer_types

        try:
            types = infer_types(out, {})
        except MXNetError:
            types = {}
        for name in arg_params:
            if name not in input_names:
                self.params.get(
                    name,
                    allow_deferred_init=True,
                    dtype=types.get(name) or "float32",
                )
        for name in aux_params:
            if name not in input_names:
                self.params.get(
                    name,
                    grad_req="null",
                    allow_deferred_init=True,
                    dtype=types.get(name) or "float32",
                )
        self._graph_params = [
            self.params[n] for n in arg_params + aux_params if n not in input_names
        ]
        # Registered under their names less the common prefix, as in MXNet, so
        # save_parameters of a parent writes 'backbone.conv0_weight'.
        names = list(self._params.keys())
        cut = len(os.path.commonprefix(names)) if names else 0
        self._reg_params = {k[cut:]: v for k, v in self._params.items()}
        self._compiled = None
        self._frozen = None

    def forward(self, x, *args):
        Symbol = _sym().Symbol
        if isinstance(x, Symbol):
            return self._compose(x, *args)
        flat, _ = _flatten([x, *args], "input")
        arrays = [a for a in flat if a is not None]
        if len(arrays) != len(self._input_names):
            raise ValueError(
                f"SymbolBlock expects {len(self._input_names)} inputs "
                f"{self._input_names}, got {len(arrays)}."
            )
        if self._compiled is None:
            from ..symbol.executor import compile_graph

            self._compiled = compile_graph(self._sym_outputs)
        if any(p._deferred_init for p in self._graph_params):
            self._infer_and_init(self._sym_outputs, self._input_names, arrays)
        ctx = arrays[0].context
        by_input = dict(zip(self._input_names, arrays, strict=True))
        by_param = {p.name: p for p in self._graph_params}
        tensors = []
        for n in self._compiled.input_names:
            if n in by_input:
                tensors.append(by_input[n]._data)
            else:
                tensors.append(by_param[n].data(ctx)._data)
        if self._freeze and not _state.flags.recording and not _state.flags.training:
            slots = [0 if n in by_input else None for n in self._compiled.input_names]
            self._frozen = _frozen_for(self._compiled, self._frozen, tensors, slots)
            with autograd._no_grad():
                outs = self._frozen(tensors)
        else:
            outs = _run_compiled(self._compiled, tensors)
        wrapped = [nd.from_torch(t, ctx) for t in outs]
        res, _ = _regroup(wrapped, self._out_format)
        return res

    def _compose(self, *args):
        """The loaded graph with its input variables replaced by ``args``
        (Symbols): an imported model inside a parent that is traced or
        hybridized. Its parameters stay variables of the same names, which
        the parent's graph binds to this block's Parameters."""
        flat, _ = _flatten(list(args), "input")
        syms = [a for a in flat if a is not None]
        if len(syms) != len(self._input_names):
            raise ValueError(
                f"SymbolBlock expects {len(self._input_names)} inputs "
                f"{self._input_names}, got {len(syms)} Symbols."
            )
        out = self._sym_outputs(**dict(zip(self._input_names, syms, strict=True)))
        if len(out.list_outputs()) == 1 and self._out_format == 0:
            return out
        res, _ = _regroup([out[i] for i in range(len(out))], self._out_format)
        return res

    def _call_cached(self, *args):
        return self.forward(*args)

    def export(self, path: str, epoch: int = 0, remove_amp_cast: bool = True):
        self._last_graph = _CachedGraph(
            self._sym_outputs, None, [], self._out_format, self._input_names, None
        )
        return super().export(path, epoch, remove_amp_cast)

    def _clear_cached_op(self) -> None:
        super()._clear_cached_op()
        if hasattr(self, "_compiled"):
            self._compiled = None
            self._frozen = None

    def cast(self, dtype) -> None:
        self._clear_cached_op()
        for name, p in self.params.items():
            if name.endswith(
                ("running_var", "moving_var", "running_mean", "moving_mean")
            ):
                continue
            p.cast(dtype)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise MXNetError("SymbolBlock runs its loaded graph; hybrid_forward is unused")
