"""Common-subexpression elimination for bound executors.

MXNet 1.9.1 runs this pass when a symbol is bound (``Symbol.bind`` /
``simple_bind``) unless the environment variable
``MXNET_ELIMINATE_COMMON_EXPR`` is ``0``: operator nodes with the same
operator, the same attributes and the same inputs are merged into one, and
``Executor.get_optimized_symbol()`` returns the merged graph. The rules
follow MXNet's pass:

* variables and nodes without inputs (creation ops) are never merged;
* attributes must be equal as given (``transpose(a)`` and
  ``transpose(a, axes=())`` stay apart);
* operators that draw random numbers (``Dropout``, ``_random_*``,
  ``_sample_*``, ``_shuffle``, ``_image_random_*``), that update their inputs
  (auxiliary states such as BatchNorm's running statistics, optimizer
  updates), that keep state (``RNN``, ``Custom``) or that MXNet implements as
  legacy stateful operators (``SliceChannel``, ``Pad``, ``SwapAxis``, ...) are
  never merged;
* merging repeats until nothing changes; whenever a round merged something,
  graph outputs that became the same entry are kept apart by ``_copy`` nodes
  named ``<node>_<k>_copy`` (so ``Group([a * d, a * d])`` keeps two nodes).

The bound symbol itself is not changed: the pass works on a copy of the
graph, and a graph with nothing to merge is returned as it was.
"""

from __future__ import annotations

import os

from ..ops import registry
from ..ops.np_all import NEVER_MERGED as _NP_NEVER_MERGED
from .graph import Graph
from .graph import _Node
from .graph import copy_graph
from .graph import topo_order

__all__ = ["eliminate_common_expr", "cse_enabled", "optimize_for_bind"]

#: Operators MXNet registers as legacy ``OperatorProperty`` ops: stateful
#: nodes (``FCreateOpState``), which the pass never merges.
_LEGACY_STATEFUL = frozenset(
    {
        "BatchNorm_v1",
        "BilinearSampler",
        "Convolution_v1",
        "Correlation",
        "Crop",
        "GridGenerator",
        "IdentityAttachKLSparseReg",
        "InstanceNorm",
        "L2Normalization",
        "MakeLoss",
        "Pad",
        "Pooling_v1",
        "ROIPooling",
        "SVMOutput",
        "SequenceLast",
        "SequenceMask",
        "SequenceReverse",
        "SliceChannel",
        "SpatialTransformer",
        "SwapAxis",
        "_CrossDeviceCopy",
        "_NDArray",
        "_Native",
        "_contrib_DeformableConvolution",
        "_contrib_DeformablePSROIPooling",
        "_contrib_MultiBoxDetection",
        "_contrib_MultiBoxPrior",
        "_contrib_MultiBoxTarget",
        "_contrib_MultiProposal",
        "_contrib_PSROIPooling",
        "_contrib_Proposal",
        "_contrib_SyncBatchNorm",
        "_contrib_count_sketch",
        "_contrib_fft",
        "_contrib_ifft",
    }
)

#: Other operators that are stateful, random or change their inputs.
_NEVER_MERGED = frozenset(
    {
        "Dropout",
        "RNN",
        "Custom",
        "_shuffle",
        "reset_arrays",
        "multi_lars",
        "multi_all_finite",
        "_foreach",
        "_while_loop",
        "_cond",
    }
)


def _mergeable(op) -> bool:
    """Whether nodes of ``op`` may be merged (MXNet's per-operator rules)."""
    name = getattr(op, "name", None)
    if not isinstance(name, str):
        return False
    names = (name, *getattr(op, "aliases", ()))
    for n in names:
        if n in _LEGACY_STATEFUL or n in _NEVER_MERGED or n in _NP_NEVER_MERGED:
            return False
        if n.startswith(("_random_", "_sample_", "_image_random_", "_npi_random")):
            # Sampling ops draw random numbers; the density ops do not.
            if not n.startswith("_random_pdf_"):
                return False
        if n.endswith("_update") or "_update_" in n:
            # Optimizer updates write their state inputs in place.
            return False
    # Ops with auxiliary states (BatchNorm) update them in place.
    return not getattr(op, "aux", ())


def _equal(n: _Node, m: _Node) -> bool:
    if n.op is None or m.op is None or n.op is not m.op:
        return False
    if n.attrs != m.attrs:
        return False
    return _mergeable(n.op)


def _common_nodes(outputs: list) -> list[tuple[_Node, _Node]]:
    """``(kept, replaced)`` pairs of equal nodes with the same inputs."""
    groups: dict[tuple, list[_Node]] = {}
    for node in topo_order(outputs):
        if node.inputs:
            key = tuple((id(s), i) for s, i in node.inputs)
            groups.setdefault(key, []).append(node)
    pairs = []
    for group in groups.values():
        merged: set[int] = set()
        for i, src in enumerate(group):
            if i in merged:
                continue
            for j in range(i + 1, len(group)):
                if _equal(src, group[j]):
                    merged.add(j)
                    pairs.append((src, group[j]))
    return pairs


def _merge(outputs: list, pairs: list[tuple[_Node, _Node]]) -> list:
    """Point every use of a replaced node at its kept twin; returns the new
    output entries, duplicates kept apart by ``_copy`` nodes."""
    keep = {id(rep): src for src, rep in pairs}
    for node in topo_order(outputs):
        if any(id(s) in keep for s, _ in node.inputs):
            node.inputs = [(keep.get(id(s), s), i) for s, i in node.inputs]
    outputs = [(keep.get(id(n), n), i) for n, i in outputs]
    copy_op = registry.get("_copy")
    seen: dict[tuple[int, int], int] = {}
    result = []
    for node, i in outputs:
        key = (id(node), i)
        if key not in seen:
            seen[key] = 0
            result.append((node, i))
            continue
        name = f"{node.name}_{seen[key]}_copy"
        seen[key] += 1
        copy = _Node(copy_op, name, {}, copy_op.parse_attrs({}), [(node, i)])
        result.append((copy, 0))
    return result


def eliminate_common_expr(symbol: Graph) -> Graph:
    """``symbol`` with equal operator nodes on equal inputs merged (MXNet's
    bind-time pass; see the module docstring). Returns ``symbol`` itself when
    nothing merges, else a new symbol over a copy of the graph."""
    outputs = list(symbol._outputs)
    if not _common_nodes(outputs):
        return symbol
    outputs = copy_graph(outputs, keep_variables=True)
    while True:
        pairs = _common_nodes(outputs)
        if not pairs:
            return type(symbol)(outputs)
        outputs = _merge(outputs, pairs)


def cse_enabled() -> bool:
    """``MXNET_ELIMINATE_COMMON_EXPR`` as MXNet reads it (on unless ``0``)."""
    value = os.environ.get("MXNET_ELIMINATE_COMMON_EXPR", "1").strip()
    try:
        return int(value) != 0
    except ValueError:
        return value.lower() not in ("false", "")


#: id(symbol) -> (symbol, its output entries, optimized symbol): binding one
#: symbol again and again (Module, reshape) reuses one optimized graph, so the
#: executor's compiled-graph cache keeps hitting.
_OPTIMIZED: dict = {}
_OPTIMIZED_MAX = 64


def optimize_for_bind(symbol: Graph) -> Graph:
    """The graph a bound executor runs: ``symbol`` after common-subexpression
    elimination, or ``symbol`` itself when ``MXNET_ELIMINATE_COMMON_EXPR`` is
    ``0``."""
    if not cse_enabled():
        return symbol
    key = tuple((id(n), i) for n, i in symbol._outputs)
    hit = _OPTIMIZED.get(id(symbol))
    if hit is not None and hit[0] is symbol and hit[1] == key:
        return hit[2]
    optimized = eliminate_common_expr(symbol)
    if len(_OPTIMIZED) >= _OPTIMIZED_MAX:
        _OPTIMIZED.pop(next(iter(_OPTIMIZED)))
    _OPTIMIZED[id(symbol)] = (symbol, key, optimized)
    return optimized
