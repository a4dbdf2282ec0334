"""Structure checks of symbol JSON before a graph is built from it.

MXNet's JSON graph is a list of ``nodes`` (each with ``op``, ``name``,
``attrs`` and ``inputs`` = ``[node, output, version]`` entries pointing at
earlier nodes), ``arg_nodes`` (indices of the variables), ``node_row_ptr``
(prefix sums of the nodes' output counts) and ``heads`` (the graph's output
entries). Python's negative indexing would make ``[-1, 0, 0]`` silently wire
a node to the last node, and a malformed value would surface as a bare
``IndexError``/``TypeError``/``KeyError``. :func:`check_graph` rejects every
such file with an ``MXNetError`` that names the node, the field, the value
and what was expected, as MXNet 1.9.1 rejects them.
"""

from __future__ import annotations

from ..base import MXNetError
from ..ops import registry as _reg
from .graph import flag_dtype

__all__ = ["check_graph"]


def _err(msg: str) -> MXNetError:
    return MXNetError(f"load_json: {msg}")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _node_label(i: int, node) -> str:
    name = node.get("name") if isinstance(node, dict) else None
    return f"node {i} ('{name}')" if isinstance(name, str) else f"node {i}"


def _outputs_of(node: dict) -> int | None:
    """How many output entries ``node`` has, or None when unknown here."""
    op_name = node.get("op", "null")
    if op_name == "null":
        return 1
    op = _reg.find(op_name)
    if op is None or getattr(op.kernel, "specialize", None) is not None:
        return None
    attrs: dict = {}
    for key in ("attrs", "attr", "param"):
        if isinstance(node.get(key), dict):
            attrs.update({k: str(v) for k, v in node[key].items()})
    try:
        parsed = op.parse_attrs({k: v for k, v in attrs.items() if k in op.spec_map})
        return op.num_total_outputs_for(parsed)
    except (MXNetError, ValueError, TypeError):
        return None  # the loader reports bad attributes itself


_PARSE_ERRORS = (ValueError, TypeError, SyntaxError, MXNetError, RecursionError)


def _check_hidden(node: dict, label: str) -> None:
    """A variable's ``__shape__``/``__dtype__`` must parse (shape inference
    reads them; a bad value used to escape as a bare ValueError/TypeError)."""
    for key in ("attrs", "attr", "param"):
        attrs = node.get(key) or {}
        if "__shape__" in attrs:
            text = str(attrs["__shape__"])
            try:
                shape = _reg.parse_shape(text)
                ok = shape is None or all(d is None or _is_int(d) for d in shape)
            except _PARSE_ERRORS:
                ok = False
            if not ok:
                raise _err(
                    f"{label}: attribute __shape__ is {text!r:.80}; expected a shape "
                    "such as '(3, 4)' (0 or -1 for an unknown dim)."
                )
        if "__dtype__" in attrs:
            text = str(attrs["__dtype__"])
            try:
                flag_dtype(text)
            except _PARSE_ERRORS:
                raise _err(
                    f"{label}: attribute __dtype__ is {text!r:.80}; expected an MXNet "
                    "type flag (0 float32, 1 float64, 2 float16, 3 uint8, 4 int32, ...)."
                ) from None


def _check_entry(entry, where: str, n_nodes: int, outputs: list) -> None:
    """One ``[node, output(, version)]`` entry of inputs or heads."""
    if not isinstance(entry, (list, tuple)) or not 1 <= len(entry) <= 3:
        raise _err(
            f"{where} is {entry!r}; expected a list [node_index, output_index, "
            "version] of 1 to 3 integers."
        )
    if not all(_is_int(v) for v in entry):
        raise _err(f"{where} is {list(entry)!r}; its items must be integers.")
    src = entry[0]
    if not 0 <= src < n_nodes:
        raise _err(
            f"{where} refers to node {src}, but node indices run from 0 to "
            f"{n_nodes - 1} (negative indices are not allowed)."
        )
    if len(entry) > 1:
        out = entry[1]
        num_total = outputs[src]
        if out < 0 or (num_total is not None and out >= num_total):
            have = (
                f"{num_total} output(s)" if num_total is not None else "outputs from 0"
            )
            raise _err(
                f"{where} asks for output {out} of node {src}, which has {have}."
            )
    if len(entry) > 2 and entry[2] < 0:
        raise _err(f"{where} has a negative version {entry[2]}.")


def _check_index_list(data: dict, key: str, n_nodes: int) -> None:
    value = data.get(key)
    if value is None:
        return
    if not isinstance(value, list) or not all(_is_int(v) for v in value):
        raise _err(f"'{key}' must be a list of integers, got {value!r:.80}.")
    if key == "arg_nodes":
        bad = [v for v in value if not 0 <= v < n_nodes]
        if bad:
            raise _err(
                f"'arg_nodes' holds {bad[0]}, but node indices run from 0 to "
                f"{n_nodes - 1}."
            )
        return
    # node_row_ptr: prefix sums of output counts, one more than the nodes.
    if value and (
        value[0] != 0
        or any(b < a for a, b in zip(value, value[1:], strict=False))
        or len(value) != n_nodes + 1
    ):
        raise _err(
            f"'node_row_ptr' is {value!r:.80}; expected {n_nodes + 1} "
            "non-decreasing integers starting at 0 (one per node, plus the end)."
        )


def check_graph(data: dict) -> None:
    """Raise ``MXNetError`` if ``data`` (one parsed JSON graph) is malformed."""
    if not isinstance(data, dict):
        raise _err(f"a graph must be a JSON object, got {type(data).__name__}.")
    nodes = data.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise _err(f"'nodes' must be a non-empty list, got {nodes!r:.80}.")
    n_nodes = len(nodes)
    outputs: list = []
    for i, node in enumerate(nodes):
        label = _node_label(i, node)
        if not isinstance(node, dict):
            raise _err(f"{label} must be a JSON object, got {node!r:.80}.")
        for key in ("op", "name"):
            if key in node and not isinstance(node[key], str):
                raise _err(f"{label}: '{key}' must be a string, got {node[key]!r:.80}.")
        for key in ("attrs", "attr", "param"):
            if key in node and not isinstance(node[key], dict):
                raise _err(
                    f"{label}: '{key}' must be an object of name: value strings, "
                    f"got {node[key]!r:.80}."
                )
        if node.get("op", "null") == "null":
            _check_hidden(node, label)
        subgraphs = node.get("subgraphs", [])
        if not isinstance(subgraphs, list):
            raise _err(f"{label}: 'subgraphs' must be a list of graphs.")
        for k, sub in enumerate(subgraphs):
            try:
                check_graph(sub)
            except MXNetError as err:
                raise _err(
                    f"{label}, subgraph {k}: {str(err).removeprefix('load_json: ')}"
                ) from None
        inputs = node.get("inputs", [])
        if not isinstance(inputs, list):
            raise _err(f"{label}: 'inputs' must be a list, got {inputs!r:.80}.")
        for k, entry in enumerate(inputs):
            where = f"{label}, input {k}"
            if (
                isinstance(entry, (list, tuple))
                and entry
                and _is_int(entry[0])
                and i <= entry[0] < n_nodes
            ):
                raise _err(
                    f"{where} refers to node {entry[0]}, which is not earlier in "
                    "topological order (inputs must point at earlier nodes)."
                )
            _check_entry(entry, where, i, outputs)
        outputs.append(_outputs_of(node))
    _check_index_list(data, "arg_nodes", n_nodes)
    _check_index_list(data, "node_row_ptr", n_nodes)
    heads = data.get("heads")
    if heads is not None:
        if not isinstance(heads, list) or not heads:
            raise _err(
                f"'heads' must be a non-empty list of entries, got {heads!r:.80}."
            )
        for k, entry in enumerate(heads):
            _check_entry(entry, f"head {k}", n_nodes, outputs)
    attrs = data.get("attrs")
    if attrs is not None and not isinstance(attrs, dict):
        raise _err(f"the graph's 'attrs' must be an object, got {attrs!r:.80}.")
    version = (attrs or {}).get("mxnet_version")
    if version is not None:
        v = version[1] if isinstance(version, list) and len(version) == 2 else version
        try:
            int(v)
        except (TypeError, ValueError):
            raise _err(
                f'attrs.mxnet_version is {version!r:.80}; expected ["int", N].'
            ) from None
