"""Inference-time graph analysis for frozen (parameters-as-constants) execution.

:func:`plan_inference` walks a graph whose parameter variables are known
constants and groups each ``Convolution`` / ``FullyConnected`` node with the
nodes that directly and exclusively consume its output::

    anchor -> [BatchNorm] -> [elemwise_add(., other)] -> [relu]

(each step optional, in this order). The executor
(:class:`neogluon.symbol.frozen.FrozenGraph`) runs a group as one call:
BatchNorm folded into the anchor's weight and bias, the residual add and the
ReLU as oneDNN post-ops where the convolution runs on prepacked oneDNN
weights. Every other node keeps its registered kernel.

The analysis is pure graph work (no tensors); the numeric folding and the
prepacking live with the frozen graph in ``frozen.py``.

Only predict-mode semantics are modelled: BatchNorm uses its moving
statistics. Callers must run a plan only when not training and not recording.
"""

from __future__ import annotations

from dataclasses import dataclass

from .graph import Graph
from .graph import _Node
from .graph import topo_order

__all__ = ["FusedGroup", "plan_inference", "fold_batchnorm_params"]

#: Element-wise sums fused into a group (equal shapes by definition).
_ADD_OPS = ("elemwise_add",)


@dataclass
class FusedGroup:
    """One anchor (Convolution/FullyConnected) with the nodes fused into it.

    Attributes
    ----------
    anchor : _Node
        The Convolution or FullyConnected node.
    bn : _Node or None
        A BatchNorm node folded into the anchor's weight and bias.
    add : _Node or None
        An ``elemwise_add`` node; ``other`` is its input that is not the
        anchor's (folded) output.
    other : tuple or None
        ``(node, output_index)`` of the added tensor.
    relu : _Node or None
        A ReLU applied last.
    """

    anchor: _Node
    bn: _Node | None = None
    add: _Node | None = None
    other: tuple | None = None
    relu: _Node | None = None

    @property
    def last(self) -> _Node:
        """The node whose output the group produces."""
        return self.relu or self.add or self.bn or self.anchor

    @property
    def members(self) -> tuple[_Node, ...]:
        return tuple(
            n for n in (self.anchor, self.bn, self.add, self.relu) if n is not None
        )


def _is_relu(n: _Node) -> bool:
    if n.op is None:
        return False
    if n.op.name == "Activation":
        return n.parsed.get("act_type") == "relu"
    return n.op.name == "relu"


def _const_var(entry, const: set[str]) -> bool:
    src, _ = entry
    return src.op is None and src.name in const


def _anchor_ok(n: _Node, const: set[str]) -> bool:
    """A Convolution/FullyConnected whose weight (and bias) are constants."""
    if n.op is None or n.op.name not in ("Convolution", "FullyConnected"):
        return False
    if not all(_const_var(e, const) for e in n.inputs[1:]):
        return False
    if n.op.name == "Convolution":
        # Channels-first only: BatchNorm's axis 1 is then the output channel.
        return n.parsed.get("layout") in (None, "NCW", "NCHW", "NCDHW")
    return True


def _bn_ok(bn: _Node, anchor: _Node, const: set[str]) -> bool:
    if bn.op is None or bn.op.name != "BatchNorm" or bn.inputs[0][1] != 0:
        return False
    if bn.parsed["output_mean_var"]:
        return False
    if not all(_const_var(e, const) for e in bn.inputs[1:]):
        return False
    axis = bn.parsed["axis"]
    if anchor.op.name == "Convolution":
        return axis == 1
    # FullyConnected with flatten=True gives (N, num_hidden): axis 1 or -1.
    return bool(anchor.parsed["flatten"]) and axis in (1, -1)


def plan_inference(symbol: Graph, const: set[str]) -> list[_Node | FusedGroup]:
    """Steps to run ``symbol`` in predict mode with ``const`` variables fixed.

    Parameters
    ----------
    symbol : Graph
        The graph.
    const : set of str
        Names of the variables whose values are constants (the parameters).

    Returns
    -------
    list
        Operator nodes and :class:`FusedGroup` objects in an order that
        respects every dependency (a group sits where its last node was).
        Variables are not listed. Nodes absorbed into a group do not appear
        on their own.
    """
    nodes = topo_order(symbol._outputs)
    uses: dict[tuple[int, int], list[_Node]] = {}
    for n in nodes:
        for src, i in n.inputs:
            uses.setdefault((id(src), i), []).append(n)
    heads = {(id(n), i) for n, i in symbol._outputs}

    def sole_user(n: _Node) -> _Node | None:
        """The only consumer of ``n``'s output 0 (None if shared or a head)."""
        if n.num_outputs() != 1 or (id(n), 0) in heads:
            return None
        users = uses.get((id(n), 0), [])
        if len(users) != 1:
            return None
        user = users[0]
        # Used once: the entry appears in exactly one input slot.
        if sum(1 for src, i in user.inputs if src is n and i == 0) != 1:
            return None
        return user

    groups: dict[int, FusedGroup] = {}
    absorbed: set[int] = set()
    for n in nodes:
        if not _anchor_ok(n, const):
            continue
        g = FusedGroup(anchor=n)
        cur = n
        nxt = sole_user(cur)
        if nxt is not None and _bn_ok(nxt, n, const):
            g.bn = nxt
            cur = nxt
            nxt = sole_user(cur)
        if (
            nxt is not None
            and nxt.op is not None
            and nxt.op.name in _ADD_OPS
            and len(nxt.inputs) == 2
        ):
            others = [e for e in nxt.inputs if e[0] is not cur]
            if len(others) == 1 and id(nxt) not in absorbed:
                g.add = nxt
                g.other = others[0]
                cur = nxt
                nxt = sole_user(cur)
        if nxt is not None and _is_relu(nxt):
            g.relu = nxt
        for m in g.members[1:]:
            absorbed.add(id(m))
        groups[id(g.last)] = g
        absorbed.add(id(n))
    steps: list[_Node | FusedGroup] = []
    for n in nodes:
        if n.op is None:
            continue
        g = groups.get(id(n))
        if g is not None:
            steps.append(g)
        elif id(n) not in absorbed:
            steps.append(n)
    return steps


def fold_batchnorm_params(
    bn_attrs: dict, gamma, beta, mean, var
) -> tuple[object, object]:
    """Per-channel ``(scale, shift)`` with ``bn(y) = y * scale + shift``.

    Works on any array type with ``+``, ``*``, ``/``, ``** 0.5`` (numpy or
    torch); the executor calls it on float64 tensors. ``fix_gamma`` treats
    gamma as 1, as MXNet does.
    """
    g = gamma * 0 + 1 if bn_attrs["fix_gamma"] else gamma
    scale = g / (var + bn_attrs["eps"]) ** 0.5
    shift = beta - mean * scale
    return scale, shift
