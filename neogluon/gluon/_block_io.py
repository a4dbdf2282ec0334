"""``Block.save`` / ``Block.load``: MXNet 1.9.1's model-structure files.

``save(prefix)`` writes ``<prefix>-model.json`` (the block tree: for every
block, keyed ``<class name lower><n>`` in depth-first order, its name, its
children's registered names and, for a hybridized block that has run, its
traced graph) and ``<prefix>-model.params`` (:meth:`save_parameters`).
``load(prefix)`` walks a block built by the same code in the same order,
gives every block, parameter key and child the name it had when saved, and
loads the parameters.

Differs from MXNet 1.9.1: a hybridized block's graph is stored for reference
but traced again on the first call after ``load`` (the block's code is the
same, so the graph is too) instead of being restored from the file; the
``in_format``/``out_format`` entries hold neogluon's own format descriptions.
"""

from __future__ import annotations

import json
from typing import Any

from .._atomic import write_atomic


def _jsonable(value) -> Any:
    try:
        json.dumps(value)
    except TypeError:
        return repr(value)
    return value


def save_model(block, prefix: str) -> None:
    from .block import HybridBlock

    model: dict = {}
    counter = [0]

    def visit(blk, structure: dict) -> None:
        entry: dict = {"orig_name": blk.name}
        structure[type(blk).__name__.lower() + str(counter[0])] = entry
        if isinstance(blk, HybridBlock):
            graph = blk._last_graph if blk._active else None
            entry["hybridized"] = graph is not None
            if graph is not None:
                entry["in_format"] = _jsonable(list(graph.data_names))
                entry["out_format"] = _jsonable(graph.out_fmt)
                sym = graph.symbol
                entry["inputs"] = [_var_json(name) for name in graph.data_names]
                entry["symbol"] = sym.tojson()
        children: dict = {}
        entry["children"] = children
        for ch_name, child in blk._children.items():
            counter[0] += 1
            children[child.name] = ch_name
            visit(child, entry)

    visit(block, model)
    write_atomic(prefix + "-model.json", json.dumps(model))
    block.save_parameters(prefix + "-model.params")


def _var_json(name: str) -> str:
    from ..symbol import var

    return var(name).tojson()


def load_model(block, prefix: str) -> None:
    from .block import HybridBlock

    with open(prefix + "-model.json") as fp:
        model = json.load(fp)
    counter = [0]

    def visit(blk, structure: dict) -> None:
        key = type(blk).__name__.lower() + str(counter[0])
        if key not in structure:
            raise ValueError(
                f"Block.load: {prefix}-model.json has no entry {key!r} for block "
                f"{blk.name!r}; the model must be built by the same code, in the same "
                f"order, as the saved one (entries here: {sorted(structure)})"
            )
        entry = structure[key]
        old_prefix = blk.params.prefix
        blk._name = entry["orig_name"]
        if isinstance(blk, HybridBlock) and entry.get("hybridized"):
            blk._active = True
            blk._clear_cached_op()
        params = blk.params._params
        for pname in list(params):
            param = params.pop(pname)
            params[blk.name + "_" + pname[len(old_prefix) :]] = param
        for child in blk._children.values():
            counter[0] += 1
            visit(child, entry)
        saved = entry["children"]
        for ch_name in list(blk._children):
            child = blk._children.pop(ch_name)
            if child.name not in saved:
                raise ValueError(
                    f"Block.load: child {child.name!r} of {blk.name!r} is not in the "
                    f"saved model (saved children: {sorted(saved)})"
                )
            blk._children[saved[child.name]] = child

    visit(block, model)
    block.load_parameters(prefix + "-model.params")
