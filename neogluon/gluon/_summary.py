"""``Block.summary``: one forward pass with hooks that record every layer's
output shape and parameter counts, printed as MXNet 1.9.1 prints them."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .._text import fmt_shapes

__all__ = ["print_summary"]


class _SummaryOfHybridizedError(ValueError, AssertionError):
    """``summary()`` of a hybridized block (MXNet raises AssertionError)."""


def print_summary(block: Any, *inputs) -> None:
    """Run ``block(*inputs)`` and print each layer's output shape and parameter
    counts (shared parameters counted once in "Unique parameters").

    Every block in the tree must be unhybridized: hooks do not fire inside a
    hybridized graph.
    """
    summary: OrderedDict[str, dict] = OrderedDict()
    seen: set[int] = set()
    hooks = []

    def hook(blk, _, outputs) -> None:
        key = f"{blk.__class__.__name__}-{len(summary)}"
        entry = {"output_shape": fmt_shapes(outputs), "trainable": 0, "shared": 0}
        n = 0
        for p in blk.params.values():
            size = p.data().size
            n += size
            entry["trainable"] += 0 if p.grad_req == "null" else size
            if id(p) in seen:
                entry["shared"] += size
            else:
                seen.add(id(p))
        entry["n_params"] = n
        summary[key] = entry

    def register(blk) -> None:
        if blk._active:
            # AssertionError as in MXNet (its tests and users catch it).
            raise _SummaryOfHybridizedError(
                f'"{blk.name}" must not be hybridized to print summary: '
                "call summary() before hybridize(), or hybridize(active=False) "
                "first."
            )
        if blk._summary_row:
            hooks.append(blk.register_forward_hook(hook))

    summary["Input"] = {
        "output_shape": fmt_shapes(inputs if len(inputs) > 1 else inputs[0]),
        "n_params": 0,
        "trainable": 0,
        "shared": 0,
    }
    try:
        block.apply(register)
        block(*inputs)
        fmt = "{:>20}  {:>42} {:>15}"
        print("-" * 80)
        print(fmt.format("Layer (type)", "Output Shape", "Param #"))
        print("=" * 80)
        total = trainable = shared = 0
        for layer, e in summary.items():
            print(fmt.format(layer, str(e["output_shape"]), e["n_params"]))
            total += e["n_params"]
            trainable += e["trainable"]
            shared += e["shared"]
        print("=" * 80)
        print("Parameters in forward computation graph, duplicate included")
        print("   Total params: " + str(total))
        print("   Trainable params: " + str(trainable))
        print("   Non-trainable params: " + str(total - trainable))
        print("Shared params in forward computation graph: " + str(shared))
        print("Unique parameters in model: " + str(total - shared))
        print("-" * 80)
    finally:
        for h in hooks:
            h.detach()
