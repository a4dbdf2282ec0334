"""Control-flow nodes: MXNet's ``_foreach``, ``_while_loop`` and ``_cond`` ops.

A node keeps its subgraphs as :class:`Subgraph` objects in ``node.parsed
['subgraphs']``; the attributes MXNet writes (``num_args``, ``*_locs``, ...)
are in ``node.attrs``. The node's op is one of the :class:`OpDef` objects
below (not in the operator registry: they are not callable on arrays): the
executor calls the op's kernel with the input tensors like any other node,
and the kernel runs the compiled subgraph in a Python loop over torch
tensors, so autograd records every step. Shape and dtype inference infer the
subgraph with the per-step shapes.

This module works on graphs (:mod:`.graph`); building these nodes from
Python functions over Symbols is :mod:`.control_flow`, reading them from
JSON :mod:`.json_io`.
"""

from __future__ import annotations

import torch

from ..base import MXNetError
from ..ops.registry import OpDef
from ..ops.registry import P
from .compiler import compile_graph
from .graph import Graph
from .graph import _Node
from .graph import topo_order
from .infer import _merge_type
from .infer import infer_graph
from .infer import merge_shape

__all__ = ["Subgraph", "find_op", "make_node"]


# --------------------------------------------------------------------------- subgraph
class Subgraph:
    """A subgraph of a control-flow node: a :class:`Graph` (a Symbol when
    built by :mod:`.control_flow`), compiled on first use.

    ``input_names`` is ``graph.list_inputs()``: the order the node's
    ``*_locs`` attributes index.
    """

    __slots__ = ("graph", "input_names", "_vars", "_compiled")

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._vars = [n for n in topo_order(graph._outputs) if n.op is None]
        self.input_names = [n.name for n in self._vars]
        if len(set(self.input_names)) != len(self.input_names):
            raise MXNetError(
                f"control flow: the inputs of a subgraph must have unique names, "
                f"got {self.input_names}."
            )
        self._compiled = None

    def num_outputs(self) -> int:
        """The subgraph's visible outputs."""
        return len(self.graph)

    def __call__(self, tensors: list) -> list:
        if self._compiled is None:
            self._compiled = compile_graph(self.graph)
        return self._compiled(tensors)

    def infer(self, inputs: list, outputs: list, kind: str) -> tuple[list, list]:
        """Shapes (``kind='shape'``) or dtypes of the inputs and outputs, from
        what is known of them (None = unknown)."""
        known = {n: v for n, v in zip(self.input_names, inputs, strict=True)}
        vals = infer_graph(self.graph, known, kind, outputs=outputs)
        ins = [vals.get((id(n), 0)) for n in self._vars]
        outs = [vals.get((id(n), i)) for n, i in self.graph._outputs]
        return ins, outs

    def __repr__(self) -> str:
        return f"<Subgraph inputs={self.input_names} outputs={self.num_outputs()}>"


# --------------------------------------------------------------------------- helpers
def _merge(a, b, is_shape: bool, where: str):
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
    _, out_shapes = g.infer(shapes, [None] * g.num_outputs(), "shape")
    _, out_types = g.infer(types, [None] * g.num_outputs(), "type")
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
        num_out_data = attrs["num_out_data"]
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
            (_step_shape(v) if is_shape else v) if k < num_out_data else v
            for k, v in enumerate(out_vals)
        ]
        if is_shape:
            for k in range(num_out_data):
                # A 1-D step output (1,) comes from a (length, 1) output.
                if out_vals[k] is not None and len(out_vals[k]) == 1:
                    sub_out[k] = None
        sub_in, sub_out = g.infer(sub_in, sub_out, kind)
        new_in = list(in_vals)
        new_out: list = [None] * len(out_vals)
        length = 0
        if is_shape:
            for v in list(in_vals[:nd_]) + list(out_vals[:num_out_data]):
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
            if k < num_out_data and is_shape:
                new_out[k] = _stacked_shape(v, length)
            else:
                new_out[k] = v
        # A state keeps its shape and dtype from step to step.
        for k in range(ns):
            m = _merge(
                new_in[nd_ + k],
                new_out[num_out_data + k],
                is_shape,
                f"foreach: state {k} ",
            )
            new_in[nd_ + k] = new_out[num_out_data + k] = m
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
    _, out_shapes = func_g.infer(shapes, [None] * func_g.num_outputs(), "shape")
    _, out_types = func_g.infer(types, [None] * func_g.num_outputs(), "type")
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
        num_out_data = attrs["num_out_data"]
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
                out_vals[num_out_data + j],
                is_shape,
                f"while_loop: loop variable {j} ",
            )
            new_in[pos] = m
        sub_out = []
        for k, v in enumerate(out_vals):
            if k < num_out_data and is_shape:
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
        for k in range(num_out_data):
            v = f_out[k]
            new_out[k] = _stacked_shape(v, attrs["max_iterations"]) if is_shape else v
        for j, loc in enumerate(vl):
            new_out[num_out_data + j] = _merge(
                f_out[num_out_data + j],
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
        cse=False,  # stateful subgraph ops in MXNet
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
        cse=False,  # stateful subgraph ops in MXNet
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
        cse=False,  # stateful subgraph ops in MXNet
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
    subgraphs: list[Graph],
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
