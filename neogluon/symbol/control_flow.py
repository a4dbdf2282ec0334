"""Control flow in graphs: MXNet's ``_foreach``, ``_while_loop`` and ``_cond`` nodes.

``sym.contrib.foreach/while_loop/cond`` call the user's Python function once
on Symbol placeholders; the nodes it creates are tagged (``AttrScope`` with
``__subgraph_name__``) and cut out of the main graph as a *subgraph*. Inputs
that come from outside the subgraph (closure captures such as parameters or
earlier results) are replaced by new variables named after the outer output
and become extra inputs of the control-flow node, as MXNet 1.9.1 does (same
names, input order, ``*_locs`` attributes and JSON ``subgraphs``).

A node keeps its subgraphs as :class:`Subgraph` objects in ``node.parsed
['subgraphs']``; the attributes MXNet writes (``num_args``, ``*_locs``, ...)
are in ``node.attrs``. The node's op is one of the :class:`OpDef` objects
below (not in the operator registry: they are not callable on arrays): the
executor calls the op's kernel with the input tensors like any other node,
and the kernel runs the compiled subgraph in a Python loop over torch
tensors, so autograd records every step. Shape and dtype inference infer the
subgraph with the per-step shapes.
"""

from __future__ import annotations

import copy

import torch

from ..attribute import AttrScope
from ..base import MXNetError
from ..name import NameManager
from ..ops.registry import OpDef
from ..ops.registry import P
from .symbol import Group
from .symbol import Symbol
from .symbol import _Node
from .symbol import topo_order
from .symbol import var
from .symbol import wrap_hidden

__all__ = ["Subgraph", "foreach", "while_loop", "cond", "find_op", "make_node"]

_SUBG = "__subgraph_name__"


# --------------------------------------------------------------------------- subgraph
class Subgraph:
    """A subgraph of a control-flow node: a Symbol, compiled on first use.

    ``input_names`` is ``symbol.list_inputs()``: the order the node's
    ``*_locs`` attributes index.
    """

    __slots__ = ("symbol", "input_names", "_vars", "_compiled")

    def __init__(self, symbol: Symbol) -> None:
        self.symbol = symbol
        self._vars = [n for n in topo_order(symbol._outputs) if n.op is None]
        self.input_names = [n.name for n in self._vars]
        if len(set(self.input_names)) != len(self.input_names):
            raise MXNetError(
                f"control flow: the inputs of a subgraph must have unique names, "
                f"got {self.input_names}."
            )
        self._compiled = None

    @property
    def num_outputs(self) -> int:
        return len(self.symbol._outputs)

    def __call__(self, tensors: list) -> list:
        if self._compiled is None:
            from .executor import compile_graph

            self._compiled = compile_graph(self.symbol)
        return self._compiled(tensors)

    def infer(self, inputs: list, outputs: list, kind: str) -> tuple[list, list]:
        """Shapes (``kind='shape'``) or dtypes of the inputs and outputs, from
        what is known of them (None = unknown)."""
        from .infer import infer_graph

        known = {n: v for n, v in zip(self.input_names, inputs, strict=True)}
        vals = infer_graph(self.symbol, known, kind, outputs=outputs)
        ins = [vals.get((id(n), 0)) for n in self._vars]
        outs = [vals.get((id(n), i)) for n, i in self.symbol._outputs]
        return ins, outs

    def __repr__(self) -> str:
        return f"<Subgraph inputs={self.input_names} outputs={self.num_outputs}>"


# --------------------------------------------------------------------------- helpers
def _merge(a, b, is_shape: bool, where: str):
    from .infer import _merge_type
    from .infer import merge_shape

    return merge_shape(a, b, where) if is_shape else _merge_type(a, b, where)


def _step_shape(s):
    """Shape of one step of an array of shape ``s`` (MXNet: 1-D gives (1,))."""
    if s is None:
        return None
    return tuple(s[1:]) if len(s) > 1 else (1,)


def _stacked_shape(step, length: int):
    return None if step is None else (length, *step)


def _step_tensor(t: torch.Tensor, i: int) -> torch.Tensor:
    return t[i] if t.dim() > 1 else t[i : i + 1]


def _as_bool(t: torch.Tensor, what: str) -> bool:
    if t.numel() != 1:
        raise MXNetError(
            f"{what} must be a scalar (one element); got shape {tuple(t.shape)}."
        )
    return bool(t.reshape(()).item())


def _fresh_outputs(outs: list, ins) -> list:
    """Outputs never alias the node's inputs (MXNet's outputs are new arrays)."""
    ids = {id(t) for t in ins}
    return [o.clone() if id(o) in ids else o for o in outs]


def _single(outs: list):
    return outs[0] if len(outs) == 1 else tuple(outs)


def _locs(value) -> list[int]:
    return [int(v) for v in value]


# --------------------------------------------------------------------------- _foreach
def _foreach_kernel(
    *tensors,
    subgraphs,
    num_out_data,
    in_data_locs,
    in_state_locs,
    remain_locs,
    **_attrs,
):
    g = subgraphs[0]
    nd_, ns = len(in_data_locs), len(in_state_locs)
    data = tensors[:nd_]
    states = list(tensors[nd_ : nd_ + ns])
    slots: list = [None] * len(g.input_names)
    for loc, t in zip(remain_locs, tensors[nd_ + ns :], strict=True):
        slots[loc] = t
    length = data[0].shape[0]
    for k, d in enumerate(data):
        if d.shape[0] != length:
            raise MXNetError(
                f"foreach: every data array must have the same length on axis 0; "
                f"data 0 has {length}, data {k} has shape {tuple(d.shape)}."
            )
    steps: list[list] = [[] for _ in range(num_out_data)]
    if length == 0:
        # No step runs: the step shapes come from the subgraph's inference.
        shapes, dtypes = _foreach_empty(
            g, tensors, in_data_locs, in_state_locs, remain_locs
        )
        outs = [
            torch.empty((0, *shapes[k]), dtype=dtypes[k], device=data[0].device)
            for k in range(num_out_data)
        ]
        return _single(outs + _fresh_outputs(states, tensors))
    for i in range(length):
        for loc, d in zip(in_data_locs, data, strict=True):
            slots[loc] = _step_tensor(d, i)
        for loc, s in zip(in_state_locs, states, strict=True):
            slots[loc] = s
        res = g(slots)
        for k in range(num_out_data):
            steps[k].append(res[k])
        states = res[num_out_data:]
    outs = [torch.stack(col) for col in steps]
    return _single(outs + _fresh_outputs(states, tensors))


def _foreach_empty(g, tensors, in_data_locs, in_state_locs, remain_locs):
    from .._dtypes import dtype_name
    from .._dtypes import to_torch_dtype

    nd_, ns = len(in_data_locs), len(in_state_locs)
    shapes: list = [None] * len(g.input_names)
    types: list = [None] * len(g.input_names)
    for k, t in enumerate(tensors):
        if k < nd_:
            loc, s = in_data_locs[k], _step_shape(tuple(t.shape))
        elif k < nd_ + ns:
            loc, s = in_state_locs[k - nd_], tuple(t.shape)
        else:
            loc, s = remain_locs[k - nd_ - ns], tuple(t.shape)
        shapes[loc], types[loc] = s, dtype_name(t.dtype)
    _, out_shapes = g.infer(shapes, [None] * g.num_outputs, "shape")
    _, out_types = g.infer(types, [None] * g.num_outputs, "type")
    if any(s is None or 0 in s for s in out_shapes):
        raise MXNetError(
            "foreach over data of length 0: the step output shapes cannot be "
            f"inferred (got {out_shapes})."
        )
    return out_shapes, [to_torch_dtype(t or "float32") for t in out_types]


def _foreach_infer(kind: str):
    is_shape = kind == "shape"

    def rule(in_vals: list, attrs: dict, out_vals: list | None = None):
        g = attrs["subgraphs"][0]
        dl, sl, rl = attrs["in_data_locs"], attrs["in_state_locs"], attrs["remain_locs"]
        n_out = attrs["num_out_data"]
        nd_, ns = len(dl), len(sl)
        out_vals = (
            list(out_vals) if out_vals is not None else [None] * attrs["num_outputs"]
        )
        sub_in: list = [None] * len(g.input_names)
        for k, v in enumerate(in_vals):
            if k < nd_:
                sub_in[dl[k]] = _step_shape(v) if is_shape else v
            elif k < nd_ + ns:
                sub_in[sl[k - nd_]] = v
            else:
                sub_in[rl[k - nd_ - ns]] = v
        sub_out = [
            (_step_shape(v) if is_shape else v) if k < n_out else v
            for k, v in enumerate(out_vals)
        ]
        if is_shape:
            for k in range(n_out):
                # A 1-D step output (1,) comes from a (length, 1) output.
                if out_vals[k] is not None and len(out_vals[k]) == 1:
                    sub_out[k] = None
        sub_in, sub_out = g.infer(sub_in, sub_out, kind)
        new_in = list(in_vals)
        new_out: list = [None] * len(out_vals)
        length = 0
        if is_shape:
            for v in list(in_vals[:nd_]) + list(out_vals[:n_out]):
                if v is not None and len(v) and v[0]:
                    length = v[0]
                    break
        for k in range(nd_):
            s = sub_in[dl[k]]
            if not is_shape:
                new_in[k] = s
            elif s is not None:
                one_d = in_vals[k] is not None and len(in_vals[k]) == 1
                new_in[k] = (length,) if one_d else _stacked_shape(s, length)
        for k in range(ns):
            new_in[nd_ + k] = sub_in[sl[k]]
        for k in range(len(rl)):
            new_in[nd_ + ns + k] = sub_in[rl[k]]
        for k, v in enumerate(sub_out):
            if k < n_out and is_shape:
                new_out[k] = _stacked_shape(v, length)
            else:
                new_out[k] = v
        # A state keeps its shape and dtype from step to step.
        for k in range(ns):
            m = _merge(
                new_in[nd_ + k], new_out[n_out + k], is_shape, f"foreach: state {k} "
            )
            new_in[nd_ + k] = new_out[n_out + k] = m
        return new_in, new_out

    return rule


# --------------------------------------------------------------------------- _while_loop
def _loop_var_cond_map(func_var_locs, func_input_locs, cond_input_locs) -> list[int]:
    """For each loop variable, its position among the cond graph's inputs (-1)."""
    out = []
    for loc in func_var_locs:
        pos = func_input_locs[loc]
        out.append(cond_input_locs.index(pos) if pos in cond_input_locs else -1)
    return out


def _while_loop_kernel(
    *tensors,
    subgraphs,
    max_iterations,
    cond_input_locs,
    func_input_locs,
    func_var_locs,
    num_out_data,
    **attrs,
):
    cond_g, func_g = subgraphs
    cond_in = [tensors[i] for i in cond_input_locs]
    func_in = [tensors[i] for i in func_input_locs]
    oi = _loop_var_cond_map(func_var_locs, func_input_locs, cond_input_locs)
    steps: list[list] = [[] for _ in range(num_out_data)]
    n = 0
    while n < max_iterations:
        if not _as_bool(cond_g(cond_in)[0], "while_loop: the value of cond"):
            break
        res = func_g(func_in)
        for k in range(num_out_data):
            steps[k].append(res[k])
        for j, r in enumerate(res[num_out_data:]):
            func_in[func_var_locs[j]] = r
            if oi[j] != -1:
                cond_in[oi[j]] = r
        n += 1
    outs = []
    if num_out_data:
        if n:
            shapes = [tuple(col[0].shape) for col in steps]
            dtypes = [col[0].dtype for col in steps]
        else:
            shapes, dtypes = _while_empty(func_g, func_in, num_out_data)
        device = tensors[0].device if tensors else None
        for k in range(num_out_data):
            col = [t.unsqueeze(0) for t in steps[k]]
            for t in col:
                if t.shape[1:] != shapes[k]:
                    raise MXNetError(
                        f"while_loop: step output {k} changes shape across steps: "
                        f"{shapes[k]} then {tuple(t.shape[1:])}."
                    )
            if n < max_iterations:
                # MXNet leaves these rows uninitialized; here they are zeros.
                col.append(
                    torch.zeros(
                        (max_iterations - n, *shapes[k]), dtype=dtypes[k], device=device
                    )
                )
            outs.append(torch.cat(col, dim=0))
    final = [func_in[loc] for loc in func_var_locs]
    return _single(outs + _fresh_outputs(final, tensors))


def _while_empty(func_g, func_in, num_out_data):
    from .._dtypes import dtype_name
    from .._dtypes import to_torch_dtype

    shapes = [tuple(t.shape) for t in func_in]
    types = [dtype_name(t.dtype) for t in func_in]
    _, out_shapes = func_g.infer(shapes, [None] * func_g.num_outputs, "shape")
    _, out_types = func_g.infer(types, [None] * func_g.num_outputs, "type")
    out_shapes = out_shapes[:num_out_data]
    if any(s is None or 0 in s for s in out_shapes):
        raise MXNetError(
            "while_loop ran no step and the step output shapes cannot be "
            f"inferred (got {out_shapes})."
        )
    return out_shapes, [to_torch_dtype(t or "float32") for t in out_types]


def _while_infer(kind: str):
    is_shape = kind == "shape"

    def rule(in_vals: list, attrs: dict, out_vals: list | None = None):
        cond_g, func_g = attrs["subgraphs"]
        n_out = attrs["num_out_data"]
        cl, fl, vl = (
            attrs["cond_input_locs"],
            attrs["func_input_locs"],
            attrs["func_var_locs"],
        )
        out_vals = (
            list(out_vals) if out_vals is not None else [None] * attrs["num_outputs"]
        )
        new_in = list(in_vals)
        # A loop variable keeps its shape and dtype: the final value's is the
        # initial one's.
        for j, loc in enumerate(vl):
            pos = fl[loc]
            m = _merge(
                new_in[pos],
                out_vals[n_out + j],
                is_shape,
                f"while_loop: loop variable {j} ",
            )
            new_in[pos] = m
        sub_out = []
        for k, v in enumerate(out_vals):
            if k < n_out and is_shape:
                sub_out.append(tuple(v[1:]) if v is not None and len(v) > 1 else None)
            else:
                sub_out.append(v)
        f_in, f_out = func_g.infer([new_in[i] for i in fl], sub_out, kind)
        for k, i in enumerate(fl):
            new_in[i] = _merge(new_in[i], f_in[k], is_shape, "while_loop: ")
        c_in, _ = cond_g.infer([new_in[i] for i in cl], [None], kind)
        for k, i in enumerate(cl):
            new_in[i] = _merge(new_in[i], c_in[k], is_shape, "while_loop: ")
        new_out: list = [None] * len(out_vals)
        for k in range(n_out):
            v = f_out[k]
            new_out[k] = _stacked_shape(v, attrs["max_iterations"]) if is_shape else v
        for j, loc in enumerate(vl):
            new_out[n_out + j] = _merge(
                f_out[n_out + j],
                new_in[fl[loc]],
                is_shape,
                f"while_loop: loop variable {j} ",
            )
        return new_in, new_out

    return rule


# --------------------------------------------------------------------------- _cond
def _cond_kernel(
    *tensors, subgraphs, cond_input_locs, then_input_locs, else_input_locs, **_attrs
):
    pred_g, then_g, else_g = subgraphs
    pred = pred_g([tensors[i] for i in cond_input_locs])[0]
    if _as_bool(pred, "cond: the value of pred"):
        res = then_g([tensors[i] for i in then_input_locs])
    else:
        res = else_g([tensors[i] for i in else_input_locs])
    return _single(_fresh_outputs(res, tensors))


def _cond_infer(kind: str):
    is_shape = kind == "shape"

    def rule(in_vals: list, attrs: dict, out_vals: list | None = None):
        pred_g, then_g, else_g = attrs["subgraphs"]
        out_vals = (
            list(out_vals) if out_vals is not None else [None] * attrs["num_outputs"]
        )
        new_in = list(in_vals)
        outs = list(out_vals)
        for g, locs in (
            (then_g, attrs["then_input_locs"]),
            (else_g, attrs["else_input_locs"]),
        ):
            g_in, g_out = g.infer([new_in[i] for i in locs], outs, kind)
            for k, i in enumerate(locs):
                new_in[i] = _merge(new_in[i], g_in[k], is_shape, "cond: ")
            outs = [
                _merge(a, b, is_shape, f"cond: output {k} of the two branches: ")
                for k, (a, b) in enumerate(zip(outs, g_out, strict=True))
            ]
        locs = attrs["cond_input_locs"]
        p_in, _ = pred_g.infer([new_in[i] for i in locs], [None], kind)
        for k, i in enumerate(locs):
            new_in[i] = _merge(new_in[i], p_in[k], is_shape, "cond: ")
        return new_in, outs

    return rule


# --------------------------------------------------------------------------- op defs
_LOCS = "shape"  # "[0, 2]" parses as a tuple of ints
_OPS = {
    "_foreach": OpDef(
        name="_foreach",
        kernel=_foreach_kernel,
        inputs=("data",),
        variadic=True,
        num_outputs=lambda a: a["num_outputs"],
        params=(
            P("num_args", "int"),
            P("num_outputs", "int"),
            P("num_out_data", "int"),
            P("in_state_locs", _LOCS),
            P("in_data_locs", _LOCS),
            P("remain_locs", _LOCS),
            P("subgraphs", "any", None),
        ),
        infer_shape=_foreach_infer("shape"),
        infer_type=_foreach_infer("type"),
        same_dtype=False,
        doc="Run a subgraph over axis 0 of the data arrays (sym.contrib.foreach).",
    ),
    "_while_loop": OpDef(
        name="_while_loop",
        kernel=_while_loop_kernel,
        inputs=("data",),
        variadic=True,
        num_outputs=lambda a: a["num_outputs"],
        params=(
            P("num_args", "int"),
            P("num_outputs", "int"),
            P("num_out_data", "int"),
            P("max_iterations", "int"),
            P("cond_input_locs", _LOCS),
            P("func_input_locs", _LOCS),
            P("func_var_locs", _LOCS),
            P("subgraphs", "any", None),
        ),
        infer_shape=_while_infer("shape"),
        infer_type=_while_infer("type"),
        same_dtype=False,
        doc="Run a subgraph while a condition subgraph holds (sym.contrib.while_loop).",
    ),
    "_cond": OpDef(
        name="_cond",
        kernel=_cond_kernel,
        inputs=("data",),
        variadic=True,
        num_outputs=lambda a: a["num_outputs"],
        params=(
            P("num_args", "int"),
            P("num_outputs", "int"),
            P("cond_input_locs", _LOCS),
            P("then_input_locs", _LOCS),
            P("else_input_locs", _LOCS),
            P("subgraphs", "any", None),
        ),
        infer_shape=_cond_infer("shape"),
        infer_type=_cond_infer("type"),
        same_dtype=False,
        doc="Run one of two subgraphs by a predicate subgraph (sym.contrib.cond).",
    ),
}
_NUM_SUBGRAPHS = {"_foreach": 1, "_while_loop": 2, "_cond": 3}


def find_op(name: str) -> OpDef | None:
    """The control-flow op called ``name`` (None for any other name)."""
    return _OPS.get(name)


def make_node(
    op_name: str,
    name: str,
    attrs: dict[str, str],
    inputs: list,
    versions: list[int],
    subgraphs: list[Symbol],
) -> _Node:
    """A control-flow node from its string attributes and subgraph symbols
    (used by the builders below and by the JSON reader)."""
    op = _OPS[op_name]
    if len(subgraphs) != _NUM_SUBGRAPHS[op_name]:
        raise MXNetError(
            f"{op_name} node '{name}' needs {_NUM_SUBGRAPHS[op_name]} subgraph(s), "
            f"got {len(subgraphs)}."
        )
    parsed = op.parse_attrs({k: v for k, v in attrs.items() if k in op.spec_map})
    for k, v in parsed.items():
        if k.endswith("_locs"):
            parsed[k] = _locs(v)
    parsed["subgraphs"] = [Subgraph(s) for s in subgraphs]
    if len(inputs) + len(subgraphs) != parsed["num_args"]:
        raise MXNetError(
            f"{op_name} node '{name}': num_args={parsed['num_args']} but it has "
            f"{len(inputs)} inputs and {len(subgraphs)} subgraph(s)."
        )
    return _Node(op, name, attrs, parsed, inputs, versions)


# --------------------------------------------------------------------------- building
class UnusedLoopInputError(MXNetError, AssertionError):
    """A foreach data or state array that the body does not use (MXNet raises
    AssertionError)."""


def _flatten(args, what: str) -> tuple[list, object]:
    if isinstance(args, Symbol):
        if len(args._outputs) != 1:
            raise MXNetError(
                f"{what}: a grouped symbol with {len(args._outputs)} outputs "
                f"{args.list_outputs()} was given; pass its outputs as a list "
                "(list(sym)) instead."
            )
        return [args], 0
    if not isinstance(args, (list, tuple)):
        raise TypeError(
            f"{what} must be a Symbol or a (nested) list of Symbols, got "
            f"{type(args).__name__}: {args!r}"
        )
    flat, fmts = [], []
    for a in args:
        f, fmt = _flatten(a, what)
        flat.extend(f)
        fmts.append(fmt)
    return flat, fmts


def _regroup(args: list, fmt):
    if isinstance(fmt, int):
        if fmt == 0:
            return args[0], args[1:]
        return args[:fmt], args[fmt:]
    out = []
    for f in fmt:
        res, args = _regroup(args, f)
        out.append(res)
    return out, args


def _uniq_name(sym: Symbol) -> str:
    """``<node name>-<output index>``: names of the placeholders of loop
    data/states (differ on purpose from the names of cut inputs)."""
    node, index = sym._outputs[0]
    return f"{node.name}-{index}"


def _subgraph_name(name: str) -> str:
    outer = AttrScope.current.get(None).get(_SUBG, "")
    if outer:
        name = f"{outer}${name}"
    counts = AttrScope._subgraph_names
    counts[name] += 1
    return f"{name}{counts[name] - 1}"


def _in_graph(sym: Symbol, name: str) -> bool:
    return sym._outputs[0][0].attrs.get(_SUBG, "") == name


def _identity(sym: Symbol) -> Symbol:
    from .symbol import create

    return create("_copy", [sym], {}, hint="identity")


def _group_outputs(outputs: list, states: list, name: str, distinct: bool) -> Symbol:
    """Group the body's results; a result that is an input variable, comes
    from outside the subgraph or (``distinct``) is also a step output goes
    through ``identity`` so that every output is a node of the subgraph."""
    all_inputs = (
        set(Group(outputs + states).list_inputs()) if outputs + states else set()
    )
    out_names = {o.name for o in outputs}
    flat = []
    for o in outputs:
        keep = o.name not in all_inputs and _in_graph(o, name)
        flat.append(o if keep else _identity(o))
    for s in states:
        keep = (
            s.name not in all_inputs
            and _in_graph(s, name)
            and not (distinct and s.name in out_names)
        )
        flat.append(s if keep else _identity(s))
    return Group(flat)


def _cut(graph: Symbol) -> list[tuple[str, tuple]]:
    """Cut the entries that enter the subgraph from outside: each becomes a
    new variable named after the outer output (once per distinct entry).
    Returns ``[(variable name, outer entry)]`` in cut order."""
    head = graph._outputs[0][0]
    name = head.attrs.get(_SUBG)
    if name is None:
        return []
    cuts: list[tuple[_Node, int]] = []
    for n in topo_order(graph._outputs):
        if n.attrs.get(_SUBG) != name:
            continue
        for j, (src, _i) in enumerate(n.inputs):
            if src.attrs.get(_SUBG) != name:
                cuts.append((n, j))
    made: dict[tuple[int, int], _Node] = {}
    out: list[tuple[str, tuple]] = []
    for n, j in cuts:
        entry = n.inputs[j]
        key = (id(entry[0]), entry[1])
        v = made.get(key)
        if v is None:
            vname = entry[0].output_names()[entry[1]]
            v = _Node(None, vname, {}, None, [])
            made[key] = v
            out.append((vname, entry))
        n.inputs[j] = (v, 0)
        n.versions[j] = 0
    return out


def _graph_inputs(graph: Symbol) -> dict[str, Symbol]:
    return {
        n.name: Symbol([(n, 0)]) for n in topo_order(graph._outputs) if n.op is None
    }


def _make(
    op_name: str, subgraphs: list[Symbol], inputs: list[Symbol], given: dict
) -> Symbol:
    attrs = {wrap_hidden(k): str(v) for k, v in AttrScope.current.get(None).items()}
    attrs.update({k: str(v) for k, v in given.items()})
    attrs["num_args"] = str(len(subgraphs) + len(inputs))
    entries = [s._outputs[0] for s in inputs]
    versions = [src.version if src.op is None else 0 for src, _ in entries]
    name = NameManager.current.get(None, op_name)
    node = make_node(op_name, name, attrs, entries, versions, subgraphs)
    return Symbol([(node, i) for i in range(node.num_outputs())])


def foreach(body, data, init_states, name: str = "foreach"):
    """Symbolic ``foreach``: ``out, states = body(data[i], states)`` for every
    ``i`` along axis 0; returns ``(outputs stacked on axis 0, final states)``
    with the nesting ``body`` returned.

    ``body`` is called once, on placeholder Symbols, to build the loop's
    subgraph; Symbols it uses from outside (parameters, earlier results)
    become inputs of the ``_foreach`` node.
    """
    flat_data, data_fmt = _flatten(data, "foreach: data")
    flat_states, state_fmt = _flatten(init_states, "foreach: init_states")
    sg_name = _subgraph_name(name)
    with AttrScope(**{_SUBG: sg_name}):
        in_eles, _ = _regroup([var(_uniq_name(s)) for s in flat_data], data_fmt)
        st, _ = _regroup(
            [var(_uniq_name(s)) for s in flat_states], copy.deepcopy(state_fmt)
        )
        sym_out, sym_states = body(in_eles, st)
        sym_out, out_fmt = _flatten(sym_out, "foreach: the body's outputs")
        sym_states, new_fmt = _flatten(sym_states, "foreach: the body's states")
        if new_fmt != state_fmt:
            raise ValueError(
                "foreach: the body must return states in the format of "
                f"init_states ({state_fmt}), got {new_fmt}."
            )
        num_out_data = len(sym_out)
        num_outputs = num_out_data + len(sym_states)
        if not num_outputs:
            raise ValueError("foreach: the body returns no outputs and no states.")
        g = _group_outputs(sym_out, sym_states, sg_name, distinct=True)
    cut = dict(_cut(g))
    inner = _graph_inputs(g)
    names = g.list_inputs()
    data_names = [_uniq_name(s) for s in flat_data]
    state_names = [_uniq_name(s) for s in flat_states]
    for what, group in (("data arrays", data_names), ("state arrays", state_names)):
        for n in group:
            if n not in names:
                raise UnusedLoopInputError(
                    f"foreach: the {what} have to be used in the loop body; "
                    f"'{n}' is not (the body's inputs: {names})."
                )
    ordered = list(flat_data) + list(flat_states)
    remain_locs = []
    for k, n in enumerate(names):
        if n in cut:
            ordered.append(Symbol([cut[n]]))
            remain_locs.append(k)
        elif n not in data_names and n not in state_names:
            ordered.append(copy.deepcopy(inner[n]))
            remain_locs.append(k)
    ret = _make(
        "_foreach",
        [g],
        ordered,
        {
            "num_outputs": num_outputs,
            "num_out_data": num_out_data,
            "in_state_locs": [names.index(n) for n in state_names],
            "in_data_locs": [names.index(n) for n in data_names],
            "remain_locs": remain_locs,
        },
    )
    outs, _ = _regroup([ret[i] for i in range(num_out_data)], out_fmt)
    states, _ = _regroup(
        [ret[num_out_data + i] for i in range(len(sym_states))], state_fmt
    )
    return outs, states


def _union_inputs(
    graphs: list[Symbol], named: dict[str, Symbol] | None, by_name: bool
) -> tuple[list[Symbol], list[list[int]]]:
    """The node's inputs for several subgraphs and each one's locations.

    ``named`` maps placeholder names to the outer loop variables (shared by
    every graph); other inputs are the cut outer entries or copies of the
    subgraph's own variables. With ``by_name`` (cond), a later graph reuses an
    input whose Symbol name equals its variable's name (MXNet's rule).
    """
    inputs: list[Symbol] = []
    index: dict[int, int] = {}
    locs: list[list[int]] = []
    for g in graphs:
        cut = {n: Symbol([e]) for n, e in _cut(g)}
        own = _graph_inputs(g)
        earlier = {s.name: s for s in inputs} if by_name else {}
        g_locs = []
        for n in g.list_inputs():
            if named is not None and n in named:
                sym = named[n]
            elif n in earlier:
                sym = earlier[n]
            elif n in cut:
                sym = cut[n]
            else:
                sym = copy.deepcopy(own[n])
            if id(sym) not in index:
                index[id(sym)] = len(inputs)
                inputs.append(sym)
            g_locs.append(index[id(sym)])
        locs.append(g_locs)
    return inputs, locs


def _loop_subgraph(loop_vars: list, fmt, fn, name: str):
    sg_name = _subgraph_name(name)
    with AttrScope(**{_SUBG: sg_name}):
        placeholders, _ = _regroup([var(_uniq_name(s)) for s in loop_vars], fmt)
        outputs, states, out_fmt = fn(placeholders)
        g = _group_outputs(outputs, states, sg_name, distinct=False)
    return g, len(outputs), len(outputs) + len(states), out_fmt


def while_loop(cond, func, loop_vars, max_iterations=None, name: str = "while_loop"):
    """Symbolic ``while_loop``: ``while cond(*vars): out, vars = func(*vars)``,
    at most ``max_iterations`` times.

    Returns ``(step outputs stacked on axis 0, final loop variables)``; the
    step outputs always have ``max_iterations`` rows (rows after the last
    step are zeros here, uninitialized in MXNet).
    """
    flat_vars, var_fmt = _flatten(loop_vars, "while_loop: loop_vars")
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    if hasattr(max_iterations, "asscalar"):
        max_iterations = max_iterations.asscalar()
    try:
        max_iterations = int(max_iterations)
    except (TypeError, ValueError):
        raise ValueError(
            f"Cannot convert max_iteration ({max_iterations!r}) to python int"
        ) from None
    if not flat_vars:
        raise ValueError("loop_vars should contain at least one element")

    def cond_fn(vs):
        vs = [vs] if isinstance(vs, Symbol) else vs
        result = cond(*vs)
        if not isinstance(result, Symbol):
            raise ValueError("Return of cond must be a Symbol")
        return [], [result], None

    def func_fn(vs):
        vs = [vs] if isinstance(vs, Symbol) else vs
        res = func(*vs)
        if not isinstance(res, (tuple, list)) or len(res) != 2:
            raise ValueError(
                "while_loop: func must return (step_output, new_loop_vars), got "
                f"{res!r}."
            )
        step_output, new_vars = res
        step_output = [] if step_output is None else step_output
        new_vars = [] if new_vars is None else new_vars
        if isinstance(step_output, tuple):
            step_output = list(step_output)
        if isinstance(new_vars, tuple):
            new_vars = list(new_vars)
        step_output, out_fmt = _flatten(step_output, "while_loop: step outputs")
        new_vars, _ = _flatten(new_vars, "while_loop: loop_vars")
        if len(new_vars) != len(flat_vars):
            raise ValueError(
                "The number of loop_vars should be consistent during the loop: "
                f"{len(flat_vars)} given, func returned {len(new_vars)}."
            )
        return step_output, new_vars, out_fmt

    cond_g, n_cond_data, n_cond, _ = _loop_subgraph(
        flat_vars, var_fmt, cond_fn, name + "_cond"
    )
    func_g, num_out_data, num_outputs, out_fmt = _loop_subgraph(
        flat_vars, var_fmt, func_fn, name + "_func"
    )
    named = {_uniq_name(s): s for s in flat_vars}
    inputs, (cond_locs, func_locs) = _union_inputs([cond_g, func_g], named, False)
    func_names = func_g.list_inputs()
    func_var_locs = []
    for k, s in enumerate(flat_vars):
        n = _uniq_name(s)
        if n not in func_names:
            raise ValueError(
                f"The {k + 1}-th loop_var doesn't involve into the computation"
            )
        func_var_locs.append(func_names.index(n))
    ret = _make(
        "_while_loop",
        [cond_g, func_g],
        inputs,
        {
            "max_iterations": max_iterations,
            "cond_input_locs": cond_locs,
            "func_input_locs": func_locs,
            "func_var_locs": func_var_locs,
            "num_out_data": num_out_data,
            "num_outputs": num_outputs,
        },
    )
    outs, _ = _regroup([ret[i] for i in range(num_out_data)], out_fmt)
    final, _ = _regroup([ret[i] for i in range(num_out_data, num_outputs)], var_fmt)
    return outs, final


def cond(pred, then_func, else_func, name: str = "cond"):
    """Symbolic ``cond``: the outputs of ``then_func()`` where ``pred`` (a
    one-element Symbol) is true, else those of ``else_func()``. Both
    functions are called once to build their subgraphs and must return the
    same number of outputs."""

    def branch(fn, sub_name):
        sg_name = _subgraph_name(sub_name)
        with AttrScope(**{_SUBG: sg_name}):
            outputs, fmt = _flatten(fn(), f"cond: the outputs of {sub_name}")
            g = _group_outputs(outputs, [], sg_name, distinct=False)
        return g, len(outputs), fmt

    if not isinstance(pred, Symbol):
        raise TypeError(f"cond: pred must be a Symbol, got {type(pred).__name__}.")
    pred_g, n_pred, _ = branch(lambda: pred, name + "_pred")
    if n_pred != 1:
        raise ValueError("pred should always be a single output")
    then_g, n_then, then_fmt = branch(then_func, name + "_then")
    else_g, n_else, _ = branch(else_func, name + "_else")
    if n_then != n_else:
        raise ValueError(
            "Number of outputs differs between then-branch and else-branch "
            f"({n_then} vs {n_else})"
        )
    inputs, (c_locs, t_locs, e_locs) = _union_inputs(
        [pred_g, then_g, else_g], None, True
    )
    ret = _make(
        "_cond",
        [pred_g, then_g, else_g],
        inputs,
        {
            "cond_input_locs": c_locs,
            "then_input_locs": t_locs,
            "else_input_locs": e_locs,
            "num_outputs": n_then,
        },
    )
    outs, _ = _regroup([ret[i] for i in range(n_then)], then_fmt)
    return outs
