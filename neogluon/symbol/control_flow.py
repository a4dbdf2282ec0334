"""Control flow in graphs: MXNet's ``_foreach``, ``_while_loop`` and ``_cond`` nodes.

``sym.contrib.foreach/while_loop/cond`` call the user's Python function once
on Symbol placeholders; the nodes it creates are tagged (``AttrScope`` with
``__subgraph_name__``) and cut out of the main graph as a *subgraph*. Inputs
that come from outside the subgraph (closure captures such as parameters or
earlier results) are replaced by new variables named after the outer output
and become extra inputs of the control-flow node, as MXNet 1.9.1 does (same
names, input order, ``*_locs`` attributes and JSON ``subgraphs``).

The nodes themselves (their ops, kernels, shape rules and
:class:`Subgraph`) live in :mod:`.control_ops`, which works on graphs and
which the JSON reader uses too; this module traces Python functions over
Symbols into such nodes.
"""

from __future__ import annotations

import copy

from ..attribute import AttrScope
from ..base import MXNetError
from ..name import NameManager
from .control_ops import Subgraph
from .control_ops import find_op
from .control_ops import make_node
from .graph import _Node
from .graph import topo_order
from .graph import wrap_hidden
from .symbol import Group
from .symbol import Symbol
from .symbol import create
from .symbol import var

__all__ = ["Subgraph", "foreach", "while_loop", "cond", "find_op", "make_node"]

_SUBG = "__subgraph_name__"


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
