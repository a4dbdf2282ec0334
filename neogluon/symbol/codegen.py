"""The one code emitter: a graph as a straight-line Python function.

Both the compiled graph (:mod:`.compiler`) and the frozen graph
(:mod:`.frozen`) are emitted here. The function is ``_graph(_in)``: it unpacks
the input tensors into ``v0, v1, ...`` (one per variable, in graph order), runs
one *step* per line, deletes every intermediate right after its last use and
returns the outputs as a list. A step is an operator node, emitted as
``tK = kK(inputs..., **aK)`` (``kK`` bound to ``OpDef.kernel``, ``aK`` to its
parsed attributes; ``K`` is the node's position in :func:`~.graph.topo_order`,
and a multi-output node unpacks ``tK_0, tK_1, ...``), or any single-output
expression the caller builds (the frozen graph's fused convolutions).
Outputs that are graph inputs or views of them are cloned: MXNet's outputs
are fresh arrays. The source is compiled once; it measured faster than a loop
over prebuilt ``(kernel, slots, attrs)`` tuples.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence

from .graph import Entry
from .graph import _Node

__all__ = ["Emitter", "GraphCode", "emit_graph"]


def _fresh(t):
    return t.clone()


def _view_roots(entry) -> set:
    """The entries whose storage ``entry`` may share: itself for an op that
    computes a new tensor, the roots of its inputs for a view op, and the
    variable for an input (marked ``"var"``)."""
    n, i = entry[0], entry[1]
    if n.op is None:
        return {("var", id(n), i)}
    if not n.op.returns_view:
        return {(id(n), i)}
    roots: set = set()
    for src in n.inputs:
        roots |= _view_roots(src)
    return roots


def _outputs_to_copy(outputs) -> set[int]:
    """Indices of the graph outputs that must be returned as copies: inputs,
    views of inputs, and views sharing storage with another output (each
    output of a block call is an array of its own, as in MXNet). A view of an
    intermediate result that nothing else returns is handed out as is (a
    reshape of the last layer's output need not copy it)."""
    roots = [
        _view_roots(e) if e[0].op is None or e[0].op.returns_view else None
        for e in outputs
    ]
    own = [
        r if r is not None else {(id(e[0]), e[1])}
        for r, e in zip(roots, outputs, strict=True)
    ]
    copy = set()
    for k, r in enumerate(roots):
        if r is None:
            continue
        others = set().union(*(o for j, o in enumerate(own) if j != k))
        if any(x[0] == "var" for x in r) or r & others:
            copy.add(k)
    return copy


class Emitter:
    """The function being emitted: its lines, globals and entry names.

    Attributes
    ----------
    env : dict
        The function's globals (kernels, attributes, constants).
    slots : dict
        ``(id(node), output_index)`` -> the local variable holding that entry.
    line_node : dict
        Source line number -> the node it runs (for error messages).
    """

    __slots__ = ("env", "lines", "slots", "line_node")

    def __init__(self, variables: Sequence[_Node], env: dict | None = None) -> None:
        self.env: dict = {} if env is None else env
        self.lines = ["def _graph(_in):"]
        self.slots: dict[tuple[int, int], str] = {}
        self.line_node: dict[int, _Node] = {}
        for i, n in enumerate(variables):
            self.slots[(id(n), 0)] = f"v{i}"
        if variables:
            names = ", ".join(f"v{i}" for i in range(len(variables)))
            self.lines.append(f"    {names}, = _in")

    def arg(self, entry: Entry) -> str:
        """The local variable holding ``entry``."""
        return self.slots[(id(entry[0]), entry[1])]

    def call(self, k: int, node: _Node, attrs: dict) -> None:
        """Run ``node``'s kernel on its inputs with ``attrs``."""
        self.env[f"k{k}"] = node.op.kernel
        self.env[f"a{k}"] = attrs
        args = "".join(f"{self.arg(e)}, " for e in node.inputs)
        num_outputs = node.num_outputs()
        self.line_node[len(self.lines) + 1] = node
        if num_outputs == 1:
            self.lines.append(f"    t{k} = k{k}({args}**a{k})")
            self.slots[(id(node), 0)] = f"t{k}"
            return
        self.lines.append(f"    r{k} = k{k}({args}**a{k})")
        outs = [f"t{k}_{j}" for j in range(num_outputs)]
        self.lines.append(f"    {', '.join(outs)}, = r{k}")
        self.line_node[len(self.lines)] = node
        for j, o in enumerate(outs):
            self.slots[(id(node), j)] = o

    def assign(self, k: int, node: _Node, expr: str) -> None:
        """``tK = <expr>``: the (single) output of ``node`` computed by ``expr``."""
        self.line_node[len(self.lines) + 1] = node
        self.lines.append(f"    t{k} = {expr}")
        self.slots[(id(node), 0)] = f"t{k}"


class GraphCode:
    """An emitted graph function with its source and line map."""

    __slots__ = ("fn", "source", "code", "line_node", "slots")

    def __init__(self, fn, source: str, code, line_node: dict, slots: dict) -> None:
        self.fn = fn
        self.source = source
        self.code = code
        self.line_node = line_node
        self.slots = slots


def emit_graph(
    filename: str,
    variables: Sequence[_Node],
    outputs: Sequence[Entry],
    steps: Sequence,
    inputs_of: Callable[[object], list[Entry]],
    emit_step: Callable[[Emitter, object], None],
    env: dict | None = None,
    contiguous: bool = False,
) -> GraphCode:
    """Emit and compile ``_graph(_in)``.

    Parameters
    ----------
    filename : str
        The code object's file name (shown in tracebacks).
    variables : sequence of _Node
        The graph's variables, in the order of the input list.
    outputs : sequence of entries
        What the function returns.
    steps : sequence
        What to run, in an order that respects every dependency.
    inputs_of : callable
        ``inputs_of(step)``: the entries a step reads (to free them after
        their last use).
    emit_step : callable
        ``emit_step(emitter, step)``: emits the step's lines
        (:meth:`Emitter.call` or :meth:`Emitter.assign`).
    env : dict, optional
        Initial globals of the function.
    contiguous : bool
        Return outputs made contiguous (the frozen graph: oneDNN gives
        channels-last tensors).
    """
    em = Emitter(variables, env)
    heads = {(id(n), i) for n, i in outputs}
    reads = [inputs_of(st) for st in steps]
    last_use: dict[tuple[int, int], int] = {}
    for k, ins in enumerate(reads):
        for src, i in ins:
            last_use[(id(src), i)] = k
    for k, (st, ins) in enumerate(zip(steps, reads, strict=True)):
        emit_step(em, st)
        dead = sorted(
            {
                em.arg(e)
                for e in ins
                if last_use.get((id(e[0]), e[1])) == k
                and (id(e[0]), e[1]) not in heads
                and e[0].op is not None
            }
        )
        if dead:
            em.lines.append(f"    del {', '.join(dead)}")
    rets = []
    copied = _outputs_to_copy(outputs)
    for k, (n, i) in enumerate(outputs):
        s = em.arg((n, i))
        if k in copied:
            # Never hand out an input (or a view of one) as an output.
            em.env["_fresh"] = _fresh
            s = f"_fresh({s})"
        elif contiguous:
            s = f"{s}.contiguous()"
        rets.append(s)
    em.lines.append(f"    return [{', '.join(rets)}]")
    source = "\n".join(em.lines) + "\n"
    code = compile(source, filename, "exec")
    exec(code, em.env)  # noqa: S102 - our own generated code
    return GraphCode(em.env["_graph"], source, code, em.line_node, em.slots)
