"""The graph core (neogluon.symbol.graph): Graph, topo_order, copy_graph."""

from __future__ import annotations

import neogluon as mx
from neogluon.symbol.graph import Graph
from neogluon.symbol.graph import copy_graph
from neogluon.symbol.graph import topo_order

S = mx.sym


def _net():
    x = S.var("x")
    h = S.FullyConnected(x, num_hidden=3, name="fc")
    return S.Group([S.BatchNorm(h, name="bn"), S.relu(h, name="r")])


def test_graph_answers_structure_like_symbol():
    sym = _net()
    g = Graph(sym._outputs)
    assert g.list_arguments() == sym.list_arguments()
    assert g.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert g.list_outputs() == ["bn_output", "r_output"]
    assert g.name is None and len(g) == 2
    assert Graph(sym[1]._outputs).name == "r"


def test_copy_graph_copies_operator_nodes_and_optionally_variables():
    sym = _net()
    old = topo_order(sym._outputs)
    new = topo_order(copy_graph(sym._outputs))
    assert [n.name for n in new] == [n.name for n in old]
    assert not {id(n) for n in new} & {id(n) for n in old}
    assert new[3].name == "fc" and new[3].parsed is old[3].parsed
    kept = topo_order(copy_graph(sym._outputs, keep_variables=True, copy_parsed=True))
    shared = {n.name for n, m in zip(kept, old, strict=True) if n is m}
    assert shared == set(sym.list_inputs())
    fc = next(n for n in kept if n.name == "fc")
    assert fc.parsed == old[3].parsed and fc.parsed is not old[3].parsed


def test_copy_graph_replace_and_bypass():
    sym = _net()
    y = S.var("y")
    out = copy_graph(sym._outputs, replace={"x": y._outputs[0]})
    assert Graph(out).list_arguments()[0] == "y"
    # Bypassing the FullyConnected node: its consumers read its first input.
    out = copy_graph(sym._outputs, bypass=lambda n: n.op.name == "FullyConnected")
    g = Graph(out)
    assert "fc_weight" not in g.list_arguments()
    assert [n.op.name for n in topo_order(out) if n.op] == ["BatchNorm", "relu"]
