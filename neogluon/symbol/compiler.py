"""The graph compiler: a Graph as one Python function over torch tensors.

:func:`compile_graph` turns a graph into straight-line Python code (emitted by
:mod:`.codegen`, compiled once) that calls each node's ``OpDef.kernel`` with
its parsed attributes: no frontend dispatch, no per-op attribute parsing, no
dtype checks at run time. Intermediate tensors are dropped right after their
last use. A kernel error is re-raised naming the node, its input shapes and
attributes. Hybridized blocks, bound executors and control-flow subgraphs run
graphs through it; :mod:`.frozen` builds on it for predict mode.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import torch

from .. import _state
from ..base import MXNetError
from ..ops.registry import ShapeError
from ..util import is_np_shape
from .codegen import emit_graph
from .graph import Graph
from .graph import _Node
from .graph import topo_order
from .infer import infer_graph

__all__ = ["CompiledGraph", "compile_graph"]

_set_grad = torch._C._set_grad_enabled
_grad_enabled = torch._C.is_grad_enabled


class CompiledGraph:
    """A graph compiled to one Python function over torch tensors.

    Attributes
    ----------
    input_names : list of str
        Variable names in ``symbol.list_inputs()`` order; ``__call__`` takes
        one tensor per name, in this order.
    output_names : list of str
        ``symbol.list_outputs()``.
    source : str
        The generated Python source (for debugging).

    Notes
    -----
    Grad mode and the training flag are left as the caller sets them.
    """

    __slots__ = (
        "input_names",
        "output_names",
        "source",
        "_fn",
        "_lines",
        "_nodes",
        "_code",
        "_symbol",
        "_dynamic",
        "_slots",
        "_shape_cache",
        "alloc_cache",
    )

    def __init__(self, symbol: Graph) -> None:
        nodes = topo_order(symbol._outputs)
        self._nodes = nodes
        variables = [n for n in nodes if n.op is None]
        self.input_names = [n.name for n in variables]
        self.output_names = symbol.list_outputs()
        self._symbol = symbol
        self._shape_cache: dict = {}
        #: executors' output (shape, dtype) lists per argument signature
        self.alloc_cache: dict = {}
        # Creation ops with unknown (0 or -1) dims in their shape (e.g. begin states
        # ``sym.zeros(shape=(L, 0, H))``): MXNet resolves those dims by shape
        # inference at bind time; here per input-shape signature, at call time.
        self._dynamic: list[tuple[_Node, dict]] = []
        np_zero = is_np_shape()
        steps = []
        for k, n in enumerate(nodes):
            if n.op is None:
                continue
            shape_attr = n.parsed.get("shape") if n.op.creation else None
            # 0 and -1 both mean unknown (MXNet's legacy shape convention);
            # under numpy shape semantics (and in the numpy-interface ``_np*``
            # ops) 0 is a real extent and only -1 is unknown.
            lowest = 0 if np_zero or n.op.name.startswith("_np") else 1
            if (shape_attr and any(d < lowest for d in shape_attr)) or (
                # A sampler without shape: the consumer decides (MXNet).
                n.op.creation
                and "shape" in n.op.spec_map
                and not shape_attr
                and n.op.run_infer_shape([], n.parsed)[1][0] is None
            ):
                attrs = dict(n.parsed)
                self._dynamic.append((n, attrs))
            else:
                attrs = n.parsed
            steps.append((k, n, attrs))
        code = emit_graph(
            f"<neogluon graph {symbol.name or 'group'}>",
            variables,
            symbol._outputs,
            steps,
            lambda st: st[1].inputs,
            lambda em, st: em.call(*st),
        )
        self.source = code.source
        self._code = code.code
        self._fn = code.fn
        self._lines = code.line_node
        self._slots = code.slots

    def __call__(self, tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        if len(tensors) != len(self.input_names):
            raise MXNetError(
                f"compiled graph expects {len(self.input_names)} inputs "
                f"{self.input_names}, got {len(tensors)}."
            )
        if self._dynamic:
            self._resolve_shapes(tensors)
        try:
            return self._fn(tensors)
        except Exception as err:  # noqa: BLE001 - re-raised with the node named
            raise self._error(err) from None

    def run_entry(self, entry, arrays: Sequence, freeze: bool) -> list | None:
        """Run this graph for a Gluon block call with the positional NDArrays
        ``arrays``, fed like the previous call; None (nothing run) otherwise.

        ``entry`` is the block's ``gluon._graph_run.CachedGraph`` of this
        graph: its ``_bound`` (where each parameter's array was found on the
        previous call's Context, and that Context's device index when arrays
        on it carry no Context tag), ``_data_slots`` and ``slots``. None when
        there was no previous call, an input is tagged (``cpu(1)``) or on
        another device, a parameter's array list was replaced (initialize,
        ``reset_ctx``, ``cast``, ``grad_req``) or creation ops wait for
        shapes: the caller then takes its full path. Otherwise the graph runs
        as ``run_graph`` would run it (grad off outside ``record()``; the
        frozen copy, kept current by ``entry.refreeze``, for predict-mode calls
        with ``freeze``).
        """
        bound = entry._bound
        if bound is None or self._dynamic:
            return None
        dev = bound[2]
        tensors = [None] * len(entry.slots)
        for k, s in entry._data_slots:
            a = arrays[s]
            t = a._data
            if a._ctx is not None or t.get_device() != dev:
                return None
            tensors[k] = t
        for k, p, arrs, i in bound[1]:
            if p._data is not arrs:
                return None
            tensors[k] = arrs[i]._data
        flags = _state.flags
        if flags.recording:
            try:
                return self._fn(tensors)
            except Exception as err:  # noqa: BLE001 - re-raised naming the node
                raise self._error(err) from None
        prev = _grad_enabled()
        _set_grad(False)
        try:
            if freeze and not flags.training:
                frozen = entry.frozen
                if frozen is None or not frozen.is_current(tensors):
                    frozen = entry.refreeze(tensors)
                return frozen(tensors)
            try:
                return self._fn(tensors)
            except Exception as err:  # noqa: BLE001 - re-raised naming the node
                raise self._error(err) from None
        finally:
            _set_grad(prev)

    def _resolve_shapes(self, tensors: Sequence[torch.Tensor]) -> None:
        """Fill the unknown dims of creation ops from the input shapes."""
        key = tuple(tuple(t.shape) for t in tensors)
        shapes = self._shape_cache.get(key)
        if shapes is None:
            vals = infer_graph(
                self._symbol, dict(zip(self.input_names, key, strict=True)), "shape"
            )
            shapes = []
            for n, _attrs in self._dynamic:
                s = vals.get((id(n), 0))
                if s is None and not n.parsed.get("shape"):
                    # Undecided and no shape given: the op's own default.
                    shapes.append(n.parsed.get("shape"))
                    continue
                if s is None or not all(s):
                    raise MXNetError(
                        f"Cannot decide the shape of {n.name} ({n.op.name} with "
                        f"shape={n.parsed['shape']}; 0 and -1 mean unknown) from the input "
                        f"shapes {dict(zip(self.input_names, key, strict=True))}: "
                        f"inference reached {s}. Give the full shape."
                    )
                shapes.append(tuple(s))
            if len(self._shape_cache) >= 64:
                self._shape_cache.clear()
            self._shape_cache[key] = shapes
        for (_n, attrs), s in zip(self._dynamic, shapes, strict=True):
            attrs["shape"] = s

    def _error(self, err: Exception) -> Exception:
        tb = sys.exc_info()[2]
        frame = None
        lineno = None
        while tb is not None:
            if tb.tb_frame.f_code is self._fn.__code__:
                frame = tb.tb_frame
                lineno = tb.tb_lineno
            tb = tb.tb_next
        node = self._lines.get(lineno) if lineno is not None else None
        if node is None or frame is None:
            return err
        local = frame.f_locals
        names = node.input_names()
        shapes = []
        in_shapes = []
        for nm, (src, i) in zip(names, node.inputs, strict=False):
            t = local.get(self._slot_name(src, i))
            shp = tuple(t.shape) if isinstance(t, torch.Tensor) else None
            in_shapes.append(shp)
            shapes.append(f"{nm}={shp if shp is not None else '?'}")
        given = {k: node.parsed[k] for k in node.attrs if k in node.parsed}
        detail = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
        why = None
        if all(sh is not None for sh in in_shapes):
            why = node.op.diagnose(in_shapes, node.parsed)
        cls = type(err) if isinstance(err, MXNetError) else MXNetError
        if isinstance(err, ShapeError) or why:
            cls = ShapeError
            detail = why or detail
        block = _state.current_block()
        where = f" (in block '{block}')" if block else ""
        return cls(
            f"Error in operator {node.name} ({node.op.name}){where} on inputs "
            f"{', '.join(shapes)} with attrs {given}: {detail}"
        )

    def _slot_name(self, src: _Node, i: int) -> str:
        return self._slots[(id(src), i)]


def compile_graph(symbol: Graph) -> CompiledGraph:
    """Compile ``symbol`` into a :class:`CompiledGraph` (one call runs the graph)."""
    return CompiledGraph(symbol)
