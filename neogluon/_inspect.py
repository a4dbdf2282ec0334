"""``neogluon inspect``: what an exported model contains.

Reads a ``-symbol.json`` (and optionally its ``-0000.params``), runs symbol
shape inference with the input shapes the user gives (``--shape
data=1,1,28,28``) and the parameter shapes stored in the params file, and
tabulates every operator node: its op, data inputs, output shapes and the
number of parameters it owns. Unknown dims print as ``?``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field

from ._text import fmt_shape

__all__ = ["LayerRow", "ModelReport", "inspect_model"]

Shape = tuple[int, ...]


@dataclass
class LayerRow:
    """One operator node of the graph."""

    name: str
    op: str
    inputs: list[str]
    out_shapes: list[Shape | None]
    params: list[tuple[str, Shape | None, bool]] = field(default_factory=list)

    @property
    def n_params(self) -> int | None:
        """Parameter count, or None if a parameter's shape is unknown."""
        total = 0
        for _, shape, _ in self.params:
            if not _known(shape):
                return None
            total += math.prod(shape)
        return total


@dataclass
class ModelReport:
    """The result of :func:`inspect_model`."""

    symbol_file: str
    params_file: str | None
    inputs: dict[str, Shape | None]
    outputs: dict[str, Shape | None]
    rows: list[LayerRow]
    missing_params: list[str] = field(default_factory=list)
    unused_params: list[str] = field(default_factory=list)

    def _count(self, aux: bool | None) -> int | None:
        total = 0
        seen: set[str] = set()
        for row in self.rows:
            for name, shape, is_aux in row.params:
                if name in seen or (aux is not None and is_aux != aux):
                    continue
                seen.add(name)
                if not _known(shape):
                    return None
                total += math.prod(shape)
        return total

    @property
    def total_params(self) -> int | None:
        """All parameters (shared ones counted once), None if any is unknown."""
        return self._count(None)

    @property
    def trainable_params(self) -> int | None:
        """Arguments that are not auxiliary states."""
        return self._count(False)

    @property
    def aux_params(self) -> int | None:
        """Auxiliary states (BatchNorm running statistics...)."""
        return self._count(True)

    def format(self, verbose: bool = False) -> str:
        """The report as a text table."""
        header = ("#", "Layer (op)", "Output shape", "Param #", "Inputs")
        table = []
        for i, row in enumerate(self.rows):
            n = row.n_params
            table.append(
                (
                    str(i),
                    f"{row.name} ({row.op})",
                    ", ".join(fmt_shape(s) for s in row.out_shapes),
                    "?" if n is None else f"{n:,}",
                    ", ".join(row.inputs),
                )
            )
        widths = [max(len(r[c]) for r in [header, *table]) for c in range(5)]
        widths[4] = max(widths[4], 6)

        def line(cells) -> str:
            a, b, c, d, e = cells
            return (
                f"{a:>{widths[0]}}  {b:<{widths[1]}}  {c:<{widths[2]}}  "
                f"{d:>{widths[3]}}  {e}"
            ).rstrip()

        rule = "-" * (sum(widths) + 8)
        out = [
            f"model:   {self.symbol_file}",
            f"params:  {self.params_file or '(none given)'}",
            "inputs:  "
            + (
                ", ".join(f"{k} {fmt_shape(v)}" for k, v in self.inputs.items())
                or "(none)"
            ),
            rule,
            line(header),
            rule.replace("-", "="),
        ]
        for cells, row in zip(table, self.rows, strict=True):
            out.append(line(cells))
            if verbose:
                for name, shape, is_aux in row.params:
                    tag = " (aux)" if is_aux else ""
                    out.append(
                        " " * (widths[0] + 4) + f"{name} {fmt_shape(shape)}{tag}"
                    )
        out.append(rule)
        out.append(
            "outputs: "
            + ", ".join(f"{k} {fmt_shape(v)}" for k, v in self.outputs.items())
        )

        def num(v: int | None) -> str:
            return "? (some parameter shapes are unknown)" if v is None else f"{v:,}"

        out += [
            f"total params:     {num(self.total_params)}",
            f"trainable params: {num(self.trainable_params)}",
            f"aux states:       {num(self.aux_params)}",
        ]
        if self.missing_params:
            out.append(
                "missing from the params file: " + ", ".join(self.missing_params)
            )
        if self.unused_params:
            out.append(
                "in the params file but not used by the graph: "
                + ", ".join(self.unused_params)
            )
        if any(not _known(v) for v in self.inputs.values()):
            out.append(
                "hint: give input shapes to infer every output, e.g. "
                + " ".join(f"--shape {k}=..." for k in self.inputs)
            )
        return "\n".join(out)


def _known(shape) -> bool:
    return shape is not None and all(int(d) > 0 for d in shape)


def _load_params(params_file: str) -> tuple[dict[str, Shape], set[str]]:
    from .ndarray import load

    loaded = load(params_file)
    if not isinstance(loaded, dict):
        raise ValueError(
            f"{params_file}: holds an unnamed list of {len(loaded)} arrays; an "
            "exported model's params file maps 'arg:<name>'/'aux:<name>' to arrays"
        )
    shapes: dict[str, Shape] = {}
    aux: set[str] = set()
    for key, arr in loaded.items():
        kind, sep, name = key.partition(":")
        if not sep:
            name, kind = key, "arg"
        shapes[name] = tuple(arr.shape)
        if kind == "aux":
            aux.add(name)
    return shapes, aux


def _seed_from_consumer(var, nodes, vals: dict) -> Shape | None:
    """Partial shape of an input read off the convolution that consumes it.

    An export's params fix a convolution's input channels and the input's rank
    but not batch or spatial size: ``(?, C, ?, ?)`` for NCHW data.
    """
    for n in nodes:
        if n.op is None or n.op.name not in ("Convolution", "Deconvolution"):
            continue
        if not n.inputs or n.inputs[0][0] is not var or len(n.inputs) < 2:
            continue
        weight = vals.get((id(n.inputs[1][0]), 0))
        layout = n.parsed.get("layout") if n.parsed else None
        if not _known(weight) or layout not in (None, "NCW", "NCHW", "NCDHW"):
            continue
        groups = int(n.parsed.get("num_group", 1) or 1) if n.parsed else 1
        channels = weight[0] if n.op.name == "Deconvolution" else weight[1] * groups
        return (0, int(channels)) + (0,) * (len(weight) - 2)
    return None


def inspect_model(
    symbol_file: str,
    params_file: str | None = None,
    shapes: dict[str, Shape] | None = None,
) -> ModelReport:
    """Tabulate the operator nodes of an exported model.

    Parameters
    ----------
    symbol_file : str
        ``model-symbol.json`` as written by ``HybridBlock.export`` (ours or
        MXNet's).
    params_file : str, optional
        ``model-0000.params``; its shapes feed shape inference and decide
        which variables are parameters.
    shapes : dict, optional
        Input shapes, e.g. ``{'data': (1, 1, 28, 28)}``.

    Returns
    -------
    ModelReport
        Use ``report.format()`` for the table.

    Raises
    ------
    ValueError
        If a given shape names no variable of the graph, or shapes contradict
        each other (the message names the node and op).
    """
    from .symbol import load
    from .symbol.infer import infer_graph
    from .symbol.symbol import aux_nodes
    from .symbol.symbol import topo_order

    shapes = dict(shapes or {})
    sym = load(symbol_file)
    nodes = topo_order(sym._outputs)
    variables = [n for n in nodes if n.op is None]
    var_names = [n.name for n in variables]
    unknown = [k for k in shapes if k not in var_names]
    if unknown:
        raise ValueError(
            f"--shape names {unknown} but the graph's variables are {var_names}"
        )
    file_shapes: dict[str, Shape] = {}
    file_aux: set[str] = set()
    if params_file is not None:
        file_shapes, file_aux = _load_params(params_file)
    aux_ids = aux_nodes(nodes)

    # A variable is a parameter if the params file has it, if it is an aux
    # state, or if some op takes it at a slot other than its first (data) one;
    # a variable the user gave a shape for (and the file lacks) is an input.
    slot_param: set[int] = set()
    for n in nodes:
        if n.op is None:
            continue
        for pos, (src, _) in enumerate(n.inputs):
            if src.op is None and pos > 0:
                slot_param.add(id(src))
    is_param = {}
    for v in variables:
        given = v.name in shapes and v.name not in file_shapes
        is_param[id(v)] = not given and (
            v.name in file_shapes or id(v) in aux_ids or id(v) in slot_param
        )

    known = {k: v for k, v in file_shapes.items() if k in var_names}
    known.update(shapes)
    try:
        vals = infer_graph(sym, known, "shape")
        seeds = {}
        for v in variables:
            if not is_param[id(v)] and v.name not in known:
                seeded = _seed_from_consumer(v, nodes, vals)
                if seeded is not None:
                    seeds[v.name] = seeded
        if seeds:
            vals = infer_graph(sym, {**known, **seeds}, "shape")
    except ValueError as err:
        raise ValueError(f"shape inference failed: {err}") from None

    rows = []
    for n in nodes:
        if n.op is None:
            continue
        ins, params = [], []
        for src, i in n.inputs:
            if src.op is None and is_param[id(src)]:
                is_aux = id(src) in aux_ids or src.name in file_aux
                params.append((src.name, vals.get((id(src), 0)), is_aux))
            elif src.op is None:
                ins.append(src.name)
            else:
                out_names = src.output_names()
                ins.append(src.name if len(out_names) == 1 else out_names[i])
        outs = [vals.get((id(n), i)) for i in range(n.num_outputs())]
        rows.append(LayerRow(n.name, n.op.name, ins, outs, params))

    inputs = {v.name: vals.get((id(v), 0)) for v in variables if not is_param[id(v)]}
    outputs = {
        name: vals.get((id(node), i))
        for name, (node, i) in zip(sym.list_outputs(), sym._outputs, strict=True)
    }
    graph_params = [v.name for v in variables if is_param[id(v)]]
    missing = [p for p in graph_params if p not in file_shapes] if params_file else []
    unused = [p for p in file_shapes if p not in var_names]
    return ModelReport(
        symbol_file=str(symbol_file),
        params_file=None if params_file is None else str(params_file),
        inputs=inputs,
        outputs=outputs,
        rows=rows,
        missing_params=missing,
        unused_params=unused,
    )
