"""Run a Symbol graph as one compiled callable over torch tensors.

:func:`compile_graph` turns a graph into straight-line Python code (generated
once, compiled with ``compile``) that calls each node's ``OpDef.kernel`` with
its parsed attributes: no frontend dispatch, no per-op attribute parsing, no
dtype checks at run time. Intermediate tensors are dropped right after their
last use. This measured faster than a loop over prebuilt
``(kernel, slots, attrs)`` tuples (see ``benchmarks`` note in the module tests).

:class:`Executor` is MXNet's ``bind``/``simple_bind`` executor on top of it.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence

import torch

from .. import _state
from ..base import MXNetError
from ..ops.registry import ShapeError
from .freeze import FusedGroup
from .freeze import fold_batchnorm_params
from .freeze import plan_inference
from .symbol import Symbol
from .symbol import _Node
from .symbol import topo_order

__all__ = [
    "CompiledGraph",
    "compile_graph",
    "FrozenGraph",
    "freeze_graph",
    "onednn_available",
    "Executor",
    "simple_bind",
]


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
        "_shape_cache",
        "alloc_cache",
    )

    def __init__(self, symbol: Symbol) -> None:
        nodes = topo_order(symbol._outputs)
        self._nodes = nodes
        variables = [n for n in nodes if n.op is None]
        self.input_names = [n.name for n in variables]
        self.output_names = symbol.list_outputs()
        slot: dict[tuple[int, int], str] = {}
        for i, n in enumerate(variables):
            slot[(id(n), 0)] = f"v{i}"
        # Last use of every entry, to free intermediates early.
        heads = {(id(n), i) for n, i in symbol._outputs}
        last_use: dict[tuple[int, int], int] = {}
        for k, n in enumerate(nodes):
            for src, i in n.inputs:
                last_use[(id(src), i)] = k
        env: dict = {}
        self._symbol = symbol
        self._shape_cache: dict = {}
        #: executors' output (shape, dtype) lists per argument signature
        self.alloc_cache: dict = {}
        # Creation ops with unknown (0 or -1) dims in their shape (e.g. begin states
        # ``sym.zeros(shape=(L, 0, H))``): MXNet resolves those dims by shape
        # inference at bind time; here per input-shape signature, at call time.
        self._dynamic: list[tuple[_Node, dict]] = []
        lines = ["def _graph(_in):"]
        line_node: dict[int, _Node] = {}
        if variables:
            names = ", ".join(f"v{i}" for i in range(len(variables)))
            lines.append(f"    {names}, = _in")
        for k, n in enumerate(nodes):
            if n.op is None:
                continue
            env[f"k{k}"] = n.op.kernel
            shape_attr = n.parsed.get("shape") if n.op.creation else None
            # 0 and -1 both mean unknown (MXNet's legacy shape convention).
            if (shape_attr and any(d <= 0 for d in shape_attr)) or (
                # A sampler without shape: the consumer decides (MXNet).
                n.op.creation
                and "shape" in n.op.spec_map
                and not shape_attr
                and n.op.run_infer_shape([], n.parsed)[1][0] is None
            ):
                attrs = dict(n.parsed)
                self._dynamic.append((n, attrs))
                env[f"a{k}"] = attrs
            else:
                env[f"a{k}"] = n.parsed
            args = "".join(f"{slot[(id(src), i)]}, " for src, i in n.inputs)
            n_out = n.num_outputs()
            line_node[len(lines) + 1] = n
            if n_out == 1:
                out = f"t{k}"
                lines.append(f"    {out} = k{k}({args}**a{k})")
                slot[(id(n), 0)] = out
            else:
                lines.append(f"    r{k} = k{k}({args}**a{k})")
                outs = [f"t{k}_{j}" for j in range(n_out)]
                lines.append(f"    {', '.join(outs)}, = r{k}")
                line_node[len(lines)] = n
                for j, o in enumerate(outs):
                    slot[(id(n), j)] = o
            dead = sorted(
                {
                    slot[(id(src), i)]
                    for src, i in n.inputs
                    if last_use.get((id(src), i)) == k
                    and (id(src), i) not in heads
                    and src.op is not None
                }
            )
            if dead:
                lines.append(f"    del {', '.join(dead)}")
        rets = []
        for n, i in symbol._outputs:
            s = slot[(id(n), i)]
            # Never hand out an input (or a view of one) as an output: MXNet's
            # outputs are fresh arrays.
            if n.op is None or n.op.returns_view:
                env.setdefault("_fresh", _fresh)
                s = f"_fresh({s})"
            rets.append(s)
        lines.append(f"    return [{', '.join(rets)}]")
        self.source = "\n".join(lines) + "\n"
        self._code = compile(
            self.source, f"<neogluon graph {symbol.name or 'group'}>", "exec"
        )
        exec(self._code, env)  # noqa: S102 - our own generated code
        self._fn = env["_graph"]
        self._lines = line_node

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

    def _resolve_shapes(self, tensors: Sequence[torch.Tensor]) -> None:
        """Fill the unknown dims of creation ops from the input shapes."""
        key = tuple(tuple(t.shape) for t in tensors)
        shapes = self._shape_cache.get(key)
        if shapes is None:
            from .infer import infer_graph

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
        if src.op is None:
            idx = [n for n in self._nodes if n.op is None].index(src)
            return f"v{idx}"
        k = self._nodes.index(src)
        return f"t{k}" if src.num_outputs() == 1 else f"t{k}_{i}"


def _fresh(t: torch.Tensor) -> torch.Tensor:
    return t.clone()


def compile_graph(symbol: Symbol) -> CompiledGraph:
    """Compile ``symbol`` into a :class:`CompiledGraph` (one call runs the graph)."""
    return CompiledGraph(symbol)


#: id(symbol) -> (symbol, its output entries, CompiledGraph): executors bound
#: again and again to one symbol (MXNet's tests, Module, reshape) compile once.
#: The entry holds the symbol, so its id stays its own while cached.
_EXECUTOR_GRAPHS: dict = {}
_EXECUTOR_GRAPHS_MAX = 64


def _executor_graph(symbol: Symbol) -> CompiledGraph:
    key = tuple((id(n), i) for n, i in symbol._outputs)
    hit = _EXECUTOR_GRAPHS.get(id(symbol))
    if hit is not None and hit[0] is symbol and hit[1] == key:
        return hit[2]
    graph = compile_graph(symbol)
    if len(_EXECUTOR_GRAPHS) >= _EXECUTOR_GRAPHS_MAX:
        _EXECUTOR_GRAPHS.pop(next(iter(_EXECUTOR_GRAPHS)))
    _EXECUTOR_GRAPHS[id(symbol)] = (symbol, key, graph)
    return graph


# --------------------------------------------------------------------------- Frozen
_ONEDNN: bool | None = None


def onednn_available() -> bool:
    """Whether torch has the oneDNN fused convolution with prepacked weights."""
    global _ONEDNN
    if _ONEDNN is None:
        try:
            _ONEDNN = bool(
                torch.backends.mkldnn.is_available()
                and hasattr(torch._C._nn, "mkldnn_reorder_conv2d_weight")
                and hasattr(torch.ops.mkldnn, "_convolution_pointwise")
                and hasattr(torch.ops.mkldnn._convolution_pointwise, "binary")
            )
        except (AttributeError, RuntimeError):
            _ONEDNN = False
    return _ONEDNN


def _fold_group(g: FusedGroup, values: dict) -> tuple[torch.Tensor, object]:
    """The anchor's weight and bias with the group's BatchNorm folded in."""
    a = g.anchor
    in_names = a.input_names()
    by_name = {
        nm: values[src.name]
        for nm, (src, _) in zip(in_names[1:], a.inputs[1:], strict=True)
    }
    weight = by_name["weight"]
    bias = by_name.get("bias")
    if g.bn is None:
        return weight, bias
    bn_in = dict(
        zip(
            g.bn.input_names()[1:],
            (values[s.name] for s, _ in g.bn.inputs[1:]),
            strict=True,
        )
    )
    with torch.no_grad():
        scale, shift = fold_batchnorm_params(
            g.bn.parsed,
            bn_in["gamma"].double(),
            bn_in["beta"].double(),
            bn_in["moving_mean"].double(),
            bn_in["moving_var"].double(),
        )
        shape = (-1,) + (1,) * (weight.dim() - 1)
        w = (weight.double() * scale.reshape(shape)).to(weight.dtype).contiguous()
        b = shift if bias is None else bias.double() * scale + shift
        b = b.to(weight.dtype)
    return w, b


class FrozenGraph:
    """A predict-mode version of a :class:`CompiledGraph` with fixed parameters.

    The parameter values given at construction are treated as constants:
    BatchNorm is folded into the preceding Convolution/FullyConnected,
    2-D float32 convolutions on CPU run through oneDNN with weights prepacked
    once (``torch.ops.mkldnn._convolution_pointwise``), with ReLU and a
    following residual ``elemwise_add`` fused as oneDNN post-ops. Every other
    node runs its registered kernel as in the compiled graph.

    Call it with the same tensor list as the compiled graph (parameters
    included; their slots are ignored). Check :meth:`is_current` first: it is
    False once any parameter tensor was replaced or changed in place (torch's
    version counter), and the graph must then be frozen again.

    The first call for each new input signature (shapes, dtypes, devices)
    runs the unfrozen compiled graph instead, which validates the inputs with
    the exact kernels (errors name the node); later calls run the frozen code.

    Only for predict mode outside ``autograd.record()``: BatchNorm uses its
    moving statistics and nothing is recorded.
    """

    __slots__ = (
        "input_names",
        "output_names",
        "source",
        "onednn",
        "_fn",
        "_compiled",
        "_consts",
        "_data_idx",
        "_seen",
        "_broken",
    )

    def __init__(
        self,
        compiled: CompiledGraph,
        tensors: Sequence[torch.Tensor],
        const: Sequence[bool],
        onednn: bool | None = None,
        previous: FrozenGraph | None = None,
    ) -> None:
        names = compiled.input_names
        if len(tensors) != len(names) or len(const) != len(names):
            raise MXNetError(
                f"freeze_graph: the graph has {len(names)} inputs {names}; got "
                f"{len(tensors)} tensors and {len(const)} const flags."
            )
        self.input_names = names
        self.output_names = compiled.output_names
        self._compiled = compiled
        self._seen: set = set()
        self._broken: Exception | None = None
        values = {n: t for n, t, c in zip(names, tensors, const, strict=True) if c}
        self._consts = [
            (i, t, t._version)
            for i, (t, c) in enumerate(zip(tensors, const, strict=True))
            if c
        ]
        self._data_idx = [i for i, c in enumerate(const) if not c]
        if (
            previous is not None
            and previous._compiled is compiled
            and _signature(previous._consts) == _signature(self._consts)
        ):
            # Same graph, parameters of the same shapes and dtypes: the input
            # signatures it validated stay valid.
            self._seen = previous._seen
        if onednn is None:
            onednn = onednn_available()
        self.onednn = onednn
        symbol = compiled._symbol
        steps = plan_inference(symbol, set(values))
        nodes = compiled._nodes
        index = {id(n): k for k, n in enumerate(nodes)}
        variables = [n for n in nodes if n.op is None]
        slot: dict[tuple[int, int], str] = {}
        for i, n in enumerate(variables):
            slot[(id(n), 0)] = f"v{i}"
        dynamic = {id(n): attrs for n, attrs in compiled._dynamic}
        env: dict = {"_cpu": None, "_cpb": None}
        if onednn:
            env["_cpu"] = torch.ops.mkldnn._convolution_pointwise.default
            env["_cpb"] = torch.ops.mkldnn._convolution_pointwise.binary
        # Expand groups whose anchor cannot take folded weights (half
        # precision, integer) back into their member nodes.
        flat: list = []
        for st in steps:
            if isinstance(st, FusedGroup) and not self._foldable(st, values):
                flat.extend(st.members)
            else:
                flat.append(st)
        # Last use of each entry, over the steps, to free intermediates.
        heads = {(id(n), i) for n, i in symbol._outputs}
        last_use: dict[tuple[int, int], int] = {}
        for k, st in enumerate(flat):
            for e in self._step_inputs(st):
                last_use[(id(e[0]), e[1])] = k
        lines = ["def _graph(_in):"]
        if variables:
            lines.append(
                f"    {', '.join(f'v{i}' for i in range(len(variables)))}, = _in"
            )

        def arg(e) -> str:
            return slot[(id(e[0]), e[1])]

        for k, st in enumerate(flat):
            if isinstance(st, FusedGroup):
                line, out_node = self._emit_group(st, values, index, env, arg)
                lines.append(f"    t{index[id(out_node)]} = {line}")
                slot[(id(out_node), 0)] = f"t{index[id(out_node)]}"
            else:
                n = st
                j = index[id(n)]
                env[f"k{j}"] = n.op.kernel
                env[f"a{j}"] = dynamic.get(id(n), n.parsed)
                args = "".join(f"{arg(e)}, " for e in n.inputs)
                n_out = n.num_outputs()
                if n_out == 1:
                    lines.append(f"    t{j} = k{j}({args}**a{j})")
                    slot[(id(n), 0)] = f"t{j}"
                else:
                    lines.append(f"    r{j} = k{j}({args}**a{j})")
                    outs = [f"t{j}_{o}" for o in range(n_out)]
                    lines.append(f"    {', '.join(outs)}, = r{j}")
                    for o, name in enumerate(outs):
                        slot[(id(n), o)] = name
            dead = sorted(
                {
                    arg(e)
                    for e in self._step_inputs(st)
                    if last_use.get((id(e[0]), e[1])) == k
                    and (id(e[0]), e[1]) not in heads
                    and e[0].op is not None
                }
            )
            if dead:
                lines.append(f"    del {', '.join(dead)}")
        rets = []
        env["_fresh"] = _fresh
        for n, i in symbol._outputs:
            s = slot[(id(n), i)]
            if n.op is None or n.op.returns_view:
                rets.append(f"_fresh({s})")
            else:  # oneDNN convolutions return channels-last tensors
                rets.append(f"{s}.contiguous()")
        lines.append(f"    return [{', '.join(rets)}]")
        self.source = "\n".join(lines) + "\n"
        code = compile(
            self.source, f"<neogluon frozen {symbol.name or 'group'}>", "exec"
        )
        exec(code, env)  # noqa: S102 - our own generated code
        self._fn = env["_graph"]

    @staticmethod
    def _foldable(g: FusedGroup, values: dict) -> bool:
        w = values[g.anchor.inputs[1][0].name]
        return w.dtype in (torch.float32, torch.float64)

    @staticmethod
    def _step_inputs(st) -> list:
        if isinstance(st, FusedGroup):
            ins = [st.anchor.inputs[0]]
            if st.other is not None:
                ins.append(st.other)
            return ins
        return list(st.inputs)

    def _emit_group(self, g: FusedGroup, values, index, env, arg):
        """One expression computing the group; returns (source, output node)."""
        a = g.anchor
        j = index[id(a)]
        w, b = _fold_group(g, values)
        x = arg(a.inputs[0])
        relu = g.relu is not None
        use_onednn = (
            self.onednn
            and a.op.name == "Convolution"
            and w.dim() == 4
            and w.dtype == torch.float32
            and w.device.type == "cpu"
        )
        if use_onednn:
            from ..ops.nn import _conv_params

            _k, s, d, p = _conv_params(a.parsed, "Convolution")
            groups = int(a.parsed["num_group"])
            with torch.no_grad():
                pw = torch._C._nn.mkldnn_reorder_conv2d_weight(
                    w.contiguous().to_mkldnn(), list(p), list(s), list(d), groups, None
                )
            env[f"W{j}"] = pw
            env[f"B{j}"] = b
            geo = f"{list(p)}, {list(s)}, {list(d)}, {groups}"
            if g.add is not None:
                post = '"relu"' if relu else "None"
                line = (
                    f'_cpb({x}, {arg(g.other)}, W{j}, B{j}, {geo}, "add", 1.0, '
                    f"{post}, [], None)"
                )
            else:
                post = '"relu"' if relu else '"none"'
                line = f'_cpu({x}, W{j}, B{j}, {geo}, {post}, [], "")'
            return line, g.last
        # Generic path: the anchor's kernel with folded parameters, then the
        # original add / relu kernels, in one expression.
        env[f"k{j}"] = a.op.kernel
        env[f"a{j}"] = a.parsed
        env[f"W{j}"] = w
        env[f"B{j}"] = b
        expr = f"k{j}({x}, W{j}, B{j}, **a{j})"
        if g.add is not None:
            m = index[id(g.add)]
            env[f"k{m}"] = g.add.op.kernel
            env[f"a{m}"] = g.add.parsed
            other = arg(g.other)
            first = g.add.inputs[0] == g.other
            pair = f"{other}, {expr}" if first else f"{expr}, {other}"
            expr = f"k{m}({pair}, **a{m})"
        if relu:
            m = index[id(g.relu)]
            env[f"k{m}"] = g.relu.op.kernel
            env[f"a{m}"] = g.relu.parsed
            expr = f"k{m}({expr}, **a{m})"
        return expr, g.last

    def is_current(self, tensors: Sequence[torch.Tensor]) -> bool:
        """False if any constant was replaced or modified since freezing."""
        for i, t, version in self._consts:
            u = tensors[i]
            if u is not t or u._version != version:
                return False
        return True

    def __call__(self, tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        compiled = self._compiled
        if len(tensors) != len(self.input_names):
            return compiled(tensors)  # raises the compiled graph's error
        if self._broken is not None:
            return compiled(tensors)
        key = tuple(
            (tuple(tensors[i].shape), tensors[i].dtype, tensors[i].device)
            for i in self._data_idx
        )
        if key not in self._seen:
            # First call with these inputs: the exact kernels validate them.
            outs = compiled(tensors)
            if len(self._seen) >= 64:
                self._seen.clear()
            self._seen.add(key)
            return outs
        if compiled._dynamic:
            compiled._resolve_shapes(tensors)
        try:
            return self._fn(tensors)
        except Exception as err:  # noqa: BLE001 - fall back, loudly
            self._broken = err
            warnings.warn(
                f"neogluon: the frozen inference graph failed ({type(err).__name__}: "
                f"{err}); running the unfrozen graph from now on.",
                RuntimeWarning,
                stacklevel=2,
            )
            return compiled(tensors)


def _signature(consts) -> list:
    return [(i, tuple(t.shape), t.dtype, t.device) for i, t, _v in consts]


def freeze_graph(
    compiled: CompiledGraph,
    tensors: Sequence[torch.Tensor],
    const: Sequence[bool],
    onednn: bool | None = None,
    previous: FrozenGraph | None = None,
) -> FrozenGraph:
    """Freeze ``compiled`` for predict mode with the ``const`` inputs fixed.

    Parameters
    ----------
    compiled : CompiledGraph
        The graph (``compile_graph(symbol)``).
    tensors : sequence of torch.Tensor
        One tensor per ``compiled.input_names``; those flagged in ``const``
        are the parameter values baked into the frozen graph.
    const : sequence of bool
        Which inputs are constants (parameters and auxiliary states).
    onednn : bool, optional
        Use oneDNN prepacked convolutions (default: when torch has them).
    previous : FrozenGraph, optional
        An earlier freeze of the same graph (now stale): the input signatures
        it already validated are not run unfrozen again.
    """
    return FrozenGraph(compiled, tensors, const, onednn, previous)


# --------------------------------------------------------------------------- Executor
def _as_dict(values, names: list[str], what: str) -> dict:
    if values is None:
        return {}
    if isinstance(values, dict):
        # As MXNet, names the symbol does not have are ignored.
        return {k: v for k, v in values.items() if k in names}
    values = list(values)
    if len(values) != len(names):
        raise MXNetError(
            f"bind: {what} has {len(values)} arrays but the symbol has {len(names)} {names}"
        )
    return dict(zip(names, values, strict=True))


class Executor:
    """MXNet's executor: bound arrays, ``forward`` and ``backward``.

    Created by :meth:`Symbol.bind` / :meth:`Symbol.simple_bind`.
    """

    def __init__(
        self,
        symbol: Symbol,
        ctx,
        args,
        args_grad=None,
        grad_req="write",
        aux_states=None,
    ) -> None:
        from ..ndarray.ndarray import NDArray
        from .cse import optimize_for_bind

        self._symbol = symbol
        self._ctx = ctx
        # MXNet merges common subexpressions at bind time (MXNET_ELIMINATE_COMMON_EXPR).
        self._optimized = optimize_for_bind(symbol)
        self._graph = _executor_graph(self._optimized)
        arg_names = symbol.list_arguments()
        aux_names = symbol.list_auxiliary_states()
        self.arg_dict = _as_dict(args, arg_names, "args")
        missing = [n for n in arg_names if n not in self.arg_dict]
        if missing:
            raise MXNetError(f"bind: missing arrays for arguments {missing}")
        self.aux_dict = _as_dict(aux_states, aux_names, "aux_states")
        missing = [n for n in aux_names if n not in self.aux_dict]
        if missing:
            raise MXNetError(f"bind: missing arrays for auxiliary states {missing}")
        for name, a in list(self.arg_dict.items()) + list(self.aux_dict.items()):
            if not isinstance(a, NDArray):
                raise TypeError(
                    f"bind: '{name}' must be an NDArray, got {type(a).__name__}"
                )
        self.grad_dict = _as_dict(args_grad, arg_names, "args_grad")
        if isinstance(grad_req, str):
            reqs = dict.fromkeys(arg_names, grad_req)
        elif isinstance(grad_req, dict):
            reqs = {n: grad_req.get(n, "null") for n in arg_names}
        else:
            reqs = dict(zip(arg_names, grad_req, strict=True))
        for n, r in reqs.items():
            if r not in ("write", "add", "null"):
                raise ValueError(
                    f"grad_req for '{n}' must be 'write', 'add' or 'null', got {r!r}"
                )
            if n not in self.grad_dict:
                reqs[n] = "null"
        self._reqs = reqs
        self.arg_arrays = [self.arg_dict[n] for n in arg_names]
        self.grad_arrays = [self.grad_dict.get(n) for n in arg_names]
        self.aux_arrays = [self.aux_dict[n] for n in aux_names]
        self._grad_req = grad_req
        self._last_is_train = False
        self._leaves: dict = {}
        self._outs: list = []
        # As in MXNet, the output arrays exist from bind on and every forward
        # writes into them: a reference to ``outputs[i]`` sees later results.
        self.outputs: list = self._allocate_outputs()

    def _allocate_outputs(self) -> list:
        from ..ndarray.ndarray import zeros

        arrays = {**self.arg_dict, **self.aux_dict}
        sig = tuple((n, a.shape, a.dtype) for n, a in arrays.items())
        cache = self._graph.alloc_cache
        plan = cache.get(sig)
        if plan is None:
            plan = self._output_plan(arrays)
            if len(cache) >= 64:
                cache.clear()
            cache[sig] = plan
        ctx = self.arg_arrays[0].context if self.arg_arrays else self._ctx
        return [zeros(shape, ctx=ctx, dtype=dt) for shape, dt in plan]

    def _output_plan(self, arrays: dict) -> list:
        """``(shape, dtype)`` of every output from the bound arrays' shapes and
        dtypes; empty when they cannot be inferred before running."""
        from ..ops.registry import shape_known
        from .infer import infer_shapes
        from .infer import infer_types

        names = self._symbol.list_outputs()
        known = {n: a.shape for n, a in arrays.items()}
        dtypes = {n: a.dtype for n, a in arrays.items()}
        try:
            shapes = infer_shapes(self._symbol, known)
            types = infer_types(self._symbol, dtypes)
        except MXNetError:
            # The first forward reports the error with its inputs.
            return []
        if not all(shape_known(shapes.get(n)) for n in names):
            # Data-dependent output shapes: allocated by the first forward.
            return []
        return [(shapes[n], types.get(n) or "float32") for n in names]

    _monitor = None  # (callback, monitor_all) from set_monitor_callback

    def set_monitor_callback(self, callback, monitor_all: bool = False) -> None:
        """Call ``callback(name, handle)`` for every operator output (and, with
        ``monitor_all``, every operator input first) during ``forward``. As in
        MXNet, names are UTF-8 bytes (``<node>_output``, ``<node>_<input>``)
        and ``handle`` an NDArrayHandle value (an int): ``NDArray(handle)``
        inside the callback shares the array's data (see
        :mod:`neogluon.symbol._monitor`). As in MXNet,
        with ``monitor_all`` an input that is a variable is reported under the
        variable's name first (``data``, then ``conv_data``). Differs from MXNet
        1.9.1: outputs an operator keeps hidden (LRN's ``tmp_norm``) are not
        computed here, so not reported. ``None`` removes the callback."""
        self._monitor = None if callback is None else (callback, bool(monitor_all))

    def _run_monitored(self, tensors, record: bool):
        from ._monitor import run_monitored

        callback, monitor_all = self._monitor
        return run_monitored(
            self._optimized,
            self._graph.input_names,
            tensors,
            lambda name, _op, arr: callback(name, arr),
            monitor_all,
            record=record,
            variables=True,
        )

    def debug_str(self) -> str:
        """The bound graph as text in MXNet's format (:meth:`Symbol.debug_str`).

        Differs from MXNet 1.9.1: MXNet also lists the backward nodes it
        generates and its memory-plan totals; gradients here come from torch's
        autograd, so only the forward graph is listed."""
        return self._symbol.debug_str()

    def get_optimized_symbol(self) -> Symbol:
        """The symbol this executor runs, a copy: the bound symbol after
        common-subexpression elimination (unless ``MXNET_ELIMINATE_COMMON_EXPR``
        was ``0`` at bind time); no subgraph backend rewrites it."""
        import copy

        return copy.copy(self._optimized)

    @property
    def output_dict(self) -> dict:
        return dict(zip(self._symbol.list_outputs(), self.outputs, strict=True))

    def forward(self, is_train: bool = False, **kwargs):
        """Run the graph; ``kwargs`` arrays are copied into ``arg_dict`` first."""
        import numpy as np

        from ..ndarray.ndarray import NDArray

        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetError(
                    f"forward: unknown argument '{name}'; arguments are {list(self.arg_dict)}"
                )
            dst = self.arg_dict[name]
            if isinstance(value, NDArray):
                value.copyto(dst)
            else:
                dst[:] = np.asarray(value)
        return self._run(bool(is_train), record=bool(is_train))

    def _run(self, is_train: bool, record: bool):
        from ..ndarray.ndarray import _new

        leaves: dict = {}
        tensors = []
        for name in self._graph.input_names:
            if name in self.aux_dict:
                tensors.append(self.aux_dict[name]._data)
                continue
            t = self.arg_dict[name]._data
            if (
                record
                and self._reqs.get(name, "null") != "null"
                and t.is_floating_point()
            ):
                t = t.detach().requires_grad_(True)
                leaves[name] = t
            tensors.append(t)
        prev = _state.flags.training
        _state.flags.training = bool(is_train)
        try:
            with torch.set_grad_enabled(bool(leaves)):
                if self._monitor is not None:
                    outs = self._run_monitored(tensors, bool(leaves))
                else:
                    outs = self._graph(tensors)
        finally:
            _state.flags.training = prev
        self._leaves = leaves
        self._outs = outs
        self._last_is_train = is_train
        bufs = self.outputs
        if len(bufs) == len(outs) and all(
            b._data.shape == o.shape and b._data.dtype == o.dtype
            for b, o in zip(bufs, outs, strict=True)
        ):
            with torch.no_grad():
                for b, o in zip(bufs, outs, strict=True):
                    b._data.copy_(o)
        else:
            self.outputs = [_new(o.detach()) for o in outs]
        return self.outputs

    def backward(self, out_grads=None, is_train: bool = True) -> None:
        """Gradients of the outputs into ``grad_dict`` (per ``grad_req``).

        Differs from MXNet 1.9.1: integer arguments get zero gradients
        (``'write'``) or keep theirs (``'add'``); MXNet back-propagates through
        integer arrays (Cast passes the head gradient on), torch's autograd is
        floating-point only."""
        from ..ndarray.ndarray import NDArray

        if not self._leaves and any(r != "null" for r in self._reqs.values()):
            # MXNet allows backward after forward(is_train=False): the gradient
            # of the inference-mode graph. Predict-mode forwards have no side
            # effects (no running-stat updates, no dropout), so re-running it
            # recorded gives the same graph. Without any forward yet (MXNet
            # runs backward on the bound arrays), a training forward runs.
            self._run(self._last_is_train if self._outs else True, record=True)
        if not self._leaves:
            wanted = [n for n, r in self._reqs.items() if r != "null"]
            if all(not self.arg_dict[n]._data.is_floating_point() for n in wanted):
                # Nothing asks for a gradient (a no-op, as in MXNet), or only
                # integer arrays do: torch has no integer gradients, so those
                # get zeros with grad_req 'write' and stay as they are with 'add'.
                for n in wanted:
                    if self._reqs[n] == "write":
                        self.grad_dict[n]._data.zero_()
                return
        if not self._leaves:
            raise MXNetError(
                "backward: call forward() first and bind with args_grad (grad_req "
                "other than 'null') for the arguments that need gradients."
            )
        if out_grads is None:
            heads = [torch.ones_like(o) for o in self._outs]
        else:
            if isinstance(out_grads, NDArray):
                out_grads = [out_grads]
            elif isinstance(out_grads, dict):
                out_grads = [out_grads[k] for k in self._symbol.list_outputs()]
            for g in out_grads:
                if not isinstance(g, NDArray):
                    raise TypeError(
                        f"backward: out_grads must be NDArrays, got {type(g).__name__}"
                    )
            if len(out_grads) < len(self._outs):
                raise MXNetError(
                    f"backward: {len(out_grads)} out_grads given for "
                    f"{len(self._outs)} outputs {self._symbol.list_outputs()}"
                )
            # As MXNet, head gradients beyond the number of outputs are ignored.
            heads = [
                g._data.to(o.dtype)
                for g, o in zip(out_grads[: len(self._outs)], self._outs, strict=True)
            ]
        from ..ops.contrib_vision import is_zero_grad

        pairs = []
        for name, o, g in zip(
            self._symbol.list_outputs(), self._outs, heads, strict=True
        ):
            if is_zero_grad(o):
                # MXNet never reads such a head gradient (nor checks its shape).
                continue
            if g.shape != o.shape:
                raise MXNetError(
                    f"backward: the head gradient for output '{name}' has shape "
                    f"{tuple(g.shape)}, the output {tuple(o.shape)}."
                )
            pairs.append((o, g))
        names = list(self._leaves)
        grads = torch.autograd.grad(
            [o for o, _ in pairs],
            [self._leaves[n] for n in names],
            [g for _, g in pairs],
            allow_unused=True,
            # MXNet allows several backward calls after one forward.
            retain_graph=True,
        )
        with torch.no_grad():
            for n, r in self._reqs.items():
                if r == "write" and n not in self._leaves:
                    # An integer argument (softmax's length, an index): torch
                    # has no integer gradients; zeros, as MXNet gives for the
                    # integer inputs of operators that do not pass one through.
                    self.grad_dict[n]._data.zero_()
            for n, g in zip(names, grads, strict=True):
                if g is not None and g.layout != torch.strided:
                    g = g.to_dense()  # Embedding(sparse_grad=True)
                buf = self.grad_dict[n]._data
                if self._reqs[n] == "write":
                    if g is None:
                        buf.zero_()
                    else:
                        buf.copy_(g)
                elif g is not None:
                    buf.add_(g)

    def reshape(
        self, partial_shaping: bool = False, allow_up_sizing: bool = False, **kwargs
    ) -> Executor:
        """A new executor for new input shapes that shares memory with this one.

        ``kwargs`` give new shapes by argument name. Every array whose shape
        stays the same, or that does not grow, is a view of this executor's
        array (the first elements of it); a growing array is freshly allocated,
        which needs ``allow_up_sizing=True``. An argument not named in
        ``kwargs`` whose inferred shape changes is an error unless
        ``partial_shaping=True``. Outputs that do not grow share memory too.
        """
        from ..ndarray.ndarray import zeros
        from ..ops.registry import shape_known
        from .infer import infer_shapes

        known = {k: tuple(v) for k, v in kwargs.items() if isinstance(v, tuple)}
        unknown = [
            k for k in known if k not in self.arg_dict and k not in self.aux_dict
        ]
        if unknown:
            raise MXNetError(
                f"reshape: unknown argument names {unknown}; arguments are "
                f"{list(self.arg_dict)}"
            )
        shapes = infer_shapes(self._symbol, known)
        names = list(self.arg_dict) + list(self.aux_dict)
        if not all(shape_known(shapes.get(n)) for n in names):
            raise MXNetError(
                "reshape: insufficient argument shapes provided; could not infer "
                f"{[n for n in names if not shape_known(shapes.get(n))]} from {known}."
            )

        def take(arr, name: str, what: str, new_shape):
            if arr is None:
                return None
            if math.prod(new_shape) > arr.size:
                if not allow_up_sizing:
                    raise MXNetError(
                        f"reshape: new shape {new_shape} of {what} '{name}' is larger "
                        f"than the original {arr.shape}. Making a big executor and "
                        "then down-sizing it is more efficient; to up-size, pass "
                        "allow_up_sizing=True (allocates new arrays)."
                    )
                return zeros(new_shape, ctx=arr.context, dtype=arr.dtype)
            return _prefix_view(arr, new_shape)

        args, grads, aux = {}, {}, {}
        for what, src, dst in (
            ("arg", self.arg_dict, args),
            ("aux", self.aux_dict, aux),
        ):
            for name, arr in src.items():
                new_shape = tuple(shapes[name])
                if not (partial_shaping or name in known or new_shape == arr.shape):
                    raise MXNetError(
                        f"reshape: the shape of {what} '{name}', which was not given, "
                        f"changes from {arr.shape} to {new_shape}; the new executor "
                        "would not share it with this one. Check the network, or "
                        "pass partial_shaping=True if this is intended."
                    )
                dst[name] = take(arr, name, what, new_shape)
                if what == "arg" and self.grad_dict.get(name) is not None:
                    grads[name] = take(self.grad_dict[name], name, what, new_shape)
        new = Executor(self._symbol, self._ctx, args, grads, self._grad_req, aux)
        # As MXNet, the monitor callback carries over to the reshaped executor.
        new._monitor = self._monitor
        if len(new.outputs) == len(self.outputs):
            new.outputs = [
                _prefix_view(old, o.shape)
                if o.size <= old.size and o.dtype == old.dtype
                else o
                for old, o in zip(self.outputs, new.outputs, strict=True)
            ]
        return new

    def copy_params_from(
        self, arg_params, aux_params=None, allow_extra_params: bool = False
    ) -> None:
        """Copy arrays by name into the bound arguments / auxiliary states."""
        for name, arr in (arg_params or {}).items():
            if name in self.arg_dict:
                arr.copyto(self.arg_dict[name])
            elif not allow_extra_params:
                raise ValueError(f'Found name "{name}" that is not in the arguments')
        for name, arr in (aux_params or {}).items():
            if name in self.aux_dict:
                arr.copyto(self.aux_dict[name])
            elif not allow_extra_params:
                raise ValueError(
                    f'Found name "{name}" that is not in the auxiliary states'
                )


def _prefix_view(arr, shape):
    """An NDArray viewing the first ``prod(shape)`` elements of ``arr``."""
    from ..ndarray.ndarray import _new

    t = arr._data
    if not t.is_contiguous():
        raise MXNetError(
            f"reshape: cannot share a non-contiguous array of shape {arr.shape}"
        )
    view = t.reshape(-1)[: math.prod(shape)].view(tuple(shape))
    return _new(view, arr._ctx)


def simple_bind(
    symbol: Symbol, ctx, grad_req="write", type_dict=None, **shapes
) -> Executor:
    """Infer shapes/dtypes from ``shapes``, allocate zeros and bind."""
    from ..ndarray.ndarray import zeros
    from .infer import infer_shapes
    from .infer import infer_types
    from .infer import unknown_shape_message

    known = {k: ((v,) if isinstance(v, int) else tuple(v)) for k, v in shapes.items()}
    shp = infer_shapes(symbol, known)
    arg_names = symbol.list_arguments()
    aux_names = symbol.list_auxiliary_states()
    from ..ops.registry import shape_known

    bad = [n for n in arg_names + aux_names if not shape_known(shp.get(n))]
    if bad:
        raise MXNetError("simple_bind: " + unknown_shape_message(shp, bad))
    types = infer_types(symbol, dict(type_dict or {}))

    def dt(n):
        return types.get(n) or "float32"

    args = {n: zeros(shp[n], ctx=ctx, dtype=dt(n)) for n in arg_names}
    aux = {n: zeros(shp[n], ctx=ctx, dtype=dt(n)) for n in aux_names}
    if isinstance(grad_req, str):
        reqs = dict.fromkeys(arg_names, grad_req)
    elif isinstance(grad_req, dict):
        reqs = {n: grad_req.get(n, "null") for n in arg_names}
    else:
        reqs = dict(zip(arg_names, grad_req, strict=True))
    grads = {
        n: zeros(shp[n], ctx=ctx, dtype=dt(n)) for n in arg_names if reqs[n] != "null"
    }
    return Executor(symbol, ctx, args, grads, reqs, aux)
