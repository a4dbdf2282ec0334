"""``HybridBlock``: a Block whose ``hybrid_forward`` runs eagerly or as a graph.

``hybrid_forward(F, x, *args, **params)`` is written once for ``F = mx.nd``
(eager) and ``F = mx.sym`` (traced). ``hybridize()`` traces it into a Symbol
graph once per argument structure, compiles it and caches it (``_cache``);
later calls run the cached graph through :func:`._graph_run.run_graph`, the
path ``SymbolBlock`` shares. Deferred parameter shapes are inferred by tracing
the block and running shape inference over the graph in both directions, so
any op with an inference rule can complete them. ``export`` writes the last
graph and its parameters in MXNet's ``-symbol.json`` / ``.params`` format.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import _state
from .. import ndarray as nd
from ..base import DeferredInitializationError
from ..base import MXNetError
from ..ndarray import NDArray
from ..util import _NP_STATE
from ..util import is_np_array
from ..util import np_shape
from ._base_block import Block
from ._base_block import _as_np_outputs
from ._graph_run import MISS
from ._graph_run import CachedGraph
from ._graph_run import flatten
from ._graph_run import fmt_key
from ._graph_run import leaves
from ._graph_run import regroup
from ._graph_run import run_arrays
from ._graph_run import run_graph
from .parameter import ParameterDict

__all__ = ["HybridBlock"]

#: The cache key of a call with one NDArray (what flatten and fmt_key give).
_ONE_ARRAY_KEY = ((0,), (False,))


_SYMBOL_MODULE = None


def _sym():
    """``neogluon.symbol`` (imported on first use: symbol imports gluon)."""
    global _SYMBOL_MODULE
    if _SYMBOL_MODULE is None:
        from .. import symbol

        _SYMBOL_MODULE = symbol
    return _SYMBOL_MODULE


_NP_NDARRAY: list = []


def _np_ndarray_class() -> type:
    """``mx.np.ndarray`` (imported on first use, as NDArray.as_np_ndarray does)."""
    if not _NP_NDARRAY:
        from ..ndarray._np import ndarray

        _NP_NDARRAY.append(ndarray)
    return _NP_NDARRAY[0]


def _np_symbols() -> Callable:
    """What tracing applies to input Symbols: under numpy semantics
    (``npx.set_np()``) they become np Symbols, whose operators add MXNet's
    ``_npi_`` nodes; otherwise they stay as they are."""
    if not is_np_array():
        return lambda s: s
    from ..symbol._np_symbol import as_np_symbol

    return as_np_symbol


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
        self._cache: OrderedDict[Any, CachedGraph] = OrderedDict()
        self._last_graph: CachedGraph | None = None
        #: number of positional NDArray arguments -> the cached graph such a
        #: call runs, for :meth:`__call__`'s fast path (see :meth:`_call_cached`)
        self._fast: dict[int, CachedGraph] = {}
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
        self._fast = {}

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
        self._fast = {}
        for child in self._children.values():
            child._callback = callback
            child._monitor_all = monitor_all
            if isinstance(child, HybridBlock):
                child._fast = {}

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
        self._fast = {}
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
        flat_args, in_fmt = flatten(args, "input")
        real = [a for a in flat_args if a is not None]
        if len(real) == 1:
            names = ["data"]
        else:
            names = [f"data{i}" for i in range(len(real))]
        it = iter(names)
        sym_args = [None if a is None else sym.var(next(it)) for a in flat_args]
        to_np = _np_symbols()  # numpy semantics: np Symbols, whose ops are ``_npi_``
        sym_args = [to_np(a) for a in sym_args]
        grouped, _ = regroup(sym_args, in_fmt)
        if not isinstance(grouped, list) or isinstance(in_fmt, int):
            grouped = [grouped]
        params = {k: v.var() for k, v in self._reg_params.items()}
        params = {k: to_np(v) for k, v in params.items()}
        _state.flags.tracing += 1
        try:
            with self.name_scope():
                out = self.hybrid_forward(sym, *grouped, **params)
        finally:
            _state.flags.tracing -= 1
        flat_out, out_fmt = flatten(out, "output")
        return names, sym.Group(flat_out), out_fmt, flat_args

    def _infer_param_shapes(self, symbol, data_names, flat_args) -> ParameterDict:
        """Run graph shape inference from the inputs; set what it resolves."""
        from ..symbol.infer import infer_shapes

        real = [a for a in flat_args if a is not None]
        known = dict(zip(data_names, (a.shape for a in real), strict=True))
        # Parameters mark unknown dims with 0 (the legacy convention), also
        # under numpy semantics (npx.set_np): infer in legacy shape mode.
        with np_shape(False):
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
        names, symbol, _, flat_args = self._graph_of(args)
        self._infer_param_shapes(symbol, names, flat_args)

    def infer_type(self, *args) -> None:
        """Infer and set every parameter's dtype from example inputs."""
        from ..symbol.infer import infer_types

        names, symbol, _, flat_args = self._graph_of(args)
        real = [a for a in flat_args if a is not None]
        types = infer_types(
            symbol, {n: a.dtype for n, a in zip(names, real, strict=True)}
        )
        for p in self.collect_params().values():
            t = types.get(p.name)
            if t is not None:
                p.dtype = t

    # ---------------------------------------------------------------- forward
    def __call__(self, *args):
        """Run the block (see :meth:`Block.__call__`).

        A hybridized block called again with positional NDArrays, as in a call
        that already ran its cached graph, takes a fast path: no hooks, no
        tracing and no numpy semantics to apply, the graph is run directly
        (:func:`._graph_run.run_arrays`), which falls back to the full call
        when an input's device or context or a parameter's arrays changed.
        """
        entry = self._fast.get(len(args))
        if (
            entry is not None
            and not self._forward_pre_hooks
            and not self._forward_hooks
        ):
            # numpy semantics: mx.np arrays in, mx.np arrays out (Block.__call__)
            np_on = getattr(_NP_STATE, "array", False)
            cls = _np_ndarray_class() if np_on else NDArray
            for a in args:
                if a.__class__ is not cls:
                    return super().__call__(*args)
            path = _state.flags.block_path
            path.append(self._name)
            try:
                out = run_arrays(entry, args, self._freeze)
            finally:
                path.pop()
            if out is not MISS:
                if self._last_graph is not entry:  # (__setattr__ is slow)
                    self._last_graph = entry
                return _as_np_outputs(out) if np_on else out
        return super().__call__(*args)

    def forward(self, x, *args):
        """Run ``hybrid_forward`` eagerly, traced, or as the cached graph."""
        if not args and isinstance(x, NDArray):
            # the common call: one array
            if self._active:
                return self._call_cached(x)
            first = x
            return self._forward_eager(first, x)
        if (
            not self._active
            and isinstance(x, NDArray)
            and all(isinstance(a, NDArray) for a in args)
        ):
            # eager with several arrays (a loss's pred and label)
            return self._forward_eager(x, x, *args)
        Symbol = _sym().Symbol
        if isinstance(x, Symbol) and not args:
            first = None
        else:  # several inputs, nested lists, None or scalars: look at each
            items = leaves([x, *args])
            arrays = [a for a in items if isinstance(a, NDArray)]
            n_sym = sum(isinstance(a, Symbol) for a in items)
            if arrays and n_sym:
                raise ValueError(
                    f"HybridBlock '{self.name}': inputs must be all NDArrays "
                    "or all Symbols, got a mix."
                )
            if not arrays and not n_sym:
                raise ValueError(
                    f"HybridBlock '{self.name}': no input is an NDArray or a "
                    f"Symbol (got {[type(a).__name__ for a in items]})."
                )
            if self._active and arrays:
                # The cached graph takes arrays (and None) only, on one device.
                flatten([x, *args], "input")
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
        return self._forward_eager(first, x, *args)

    def _forward_eager(self, first, x, *args):
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

    def _graph_of(self, args) -> tuple[list[str], Any, Any, list]:
        """The graph a call with ``args`` runs: ``(input names, symbol, output
        format, flattened args)``. A HybridBlock traces ``hybrid_forward``."""
        return self._trace(args)

    def _compile(self, symbol):
        from ..symbol.compiler import compile_graph

        return compile_graph(symbol)

    def _build_cache(self, args, key) -> CachedGraph:
        names, symbol, out_fmt, flat_args = self._graph_of(args)
        params = self.collect_params()
        if any(p._deferred_init for p in params.values()):
            self._infer_and_init(symbol, names, flat_args)
        by_name = {p.name: p for p in params.values()}
        compiled = self._compile(symbol)
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
        entry = CachedGraph(symbol, compiled, slots, out_fmt, names, params)
        self._cache[key] = entry
        if len(self._cache) > self._MAX_CACHE:
            _, old = self._cache.popitem(last=False)
            self._fast = {n: e for n, e in self._fast.items() if e is not old}
        return entry

    def _call_cached(self, *args):
        """Run the cached graph for this argument structure (built on first use)."""
        if len(args) == 1 and isinstance(args[0], NDArray):
            flat, key = list(args), _ONE_ARRAY_KEY  # what flatten/fmt_key give
        else:
            flat, fmt = flatten(args, "input")
            key = (fmt_key(fmt), tuple(a is None for a in flat))
        entry = self._cache.get(key)
        if entry is None:
            entry = self._build_cache(args, key)
        if self._last_graph is not entry:
            self._last_graph = entry
        if (
            key[1].count(False) == len(args) == len(key[0])
            and all(
                a.__class__ is NDArray or a.__class__ is _np_ndarray_class()
                for a in args
            )
            and self._callback is None
            and type(self).forward is HybridBlock.forward
        ):
            # Positional NDArrays only: the next such call may skip forward()
            # (run_arrays checks what may have changed since this one).
            self._fast[len(args)] = entry
        try:
            return run_graph(
                entry, flat, self._freeze, self._callback, self._monitor_all
            )
        except DeferredInitializationError:
            self._infer_and_init(entry.symbol, entry.data_names, flat)
            return run_graph(
                entry, flat, self._freeze, self._callback, self._monitor_all
            )

    # ---------------------------------------------------------------- export
    def _export_symbol(self):
        """The graph :meth:`export` writes: that of the last hybridized call."""
        if self._last_graph is None:
            raise RuntimeError(
                "Please first call block.hybridize() and then run forward with "
                "this block at least once before calling export."
            )
        return self._last_graph.symbol

    def export(self, path: str, epoch: int = 0, remove_amp_cast: bool = True):
        """Write ``path-symbol.json`` and ``path-%04d.params`` (arg:/aux: keys)."""
        symbol = self._export_symbol()
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
        if is_np_array():  # npx.save's records: MXNet's np imports need them
            from ..ndarray.serialization import save_np

            save_np(params_file, arg_dict)
        else:
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
