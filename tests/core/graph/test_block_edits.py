"""Make block, Expand and Make unique as plans: the network computes the same before and after, wires into a Concat
keep their order, Expand keeps the flattened ids (so trained weights fit), and a selection with the Input is refused."""

import pytest
import torch

from workbench.core.build import build_module, example_inputs
from workbench.core.errors import GraphEditError
from workbench.core.graph import Graph, validate
from workbench.core.graph.block_edits import apply_plan, plan_expand, plan_make_block, plan_make_unique
from workbench.core.graph.blocks import flatten
from workbench.core.graph.model import ID_PATTERN
from workbench.core.graph.serialize import graph_from_dict, graph_to_dict


def branches() -> Graph:
    """input -> dense_a, dense_b -> concat(b first, then a) -> head: the selection {dense_a, dense_b} has one way in
    (used twice) and two ways out into one Concat."""
    g = Graph()
    g.add_node("Input", {"shape": [6]}, node_id="input")
    g.add_node("Dense", {"units": 3}, node_id="dense_a")
    g.add_node("Dense", {"units": 5}, node_id="dense_b")
    g.add_node("Concat", node_id="concat")
    g.add_node("RegressionHead", {"outputs": 2}, node_id="head")
    g.connect("input", "dense_a")
    g.connect("input", "dense_b")
    g.connect("dense_b", "concat")
    g.connect("dense_a", "concat")
    g.connect("concat", "head")
    for i, nid in enumerate(g.nodes):
        g.move(nid, 100.0 * i, 0.0)
    return g


def outputs(graph: Graph, x):
    torch.manual_seed(0)
    return build_module(graph).eval()(*x)


def test_make_block_keeps_what_the_network_computes_and_the_order_into_a_concat():
    g = branches()
    x = example_inputs(build_module(g))
    before = outputs(g, x)
    apply_plan(g, plan_make_block(g, ["dense_b", "dense_a"], "Pair", "pair", "pair"))
    assert set(g.nodes) == {"input", "pair", "concat", "head"} and g.blocks["Pair"].block_ports() == (
        ("in1",), ("out1", "out2"))
    assert [(e.src, e.src_port) for e in g.incoming("concat")] == [("pair", "out1"), ("pair", "out2")]
    assert [e.src for e in flatten(g).incoming("concat")] == ["pair__dense_b", "pair__dense_a"]
    assert validate(g).ok and validate(g).outputs["concat"].shape == (None, 8)
    torch.manual_seed(0)
    module = build_module(g).eval()
    torch.manual_seed(0)
    plain = build_module(branches()).eval()
    weights = {k.replace("pair__", ""): v for k, v in module.state_dict().items()}
    plain.load_state_dict(weights)
    assert torch.allclose(plain(*x), before) and torch.allclose(module(*x), plain(*x))


def test_expand_puts_the_layers_back_with_their_flattened_ids_and_wire_order():
    g = branches()
    apply_plan(g, plan_make_block(g, ["dense_a", "dense_b"], "Pair", "pair", "pair"))
    flat_before = graph_to_dict(flatten(g))
    apply_plan(g, plan_expand(g, "pair"))
    assert {"pair__dense_a", "pair__dense_b"} <= set(g.nodes) and "pair" not in g.nodes
    assert [e.src for e in g.incoming("concat")] == ["pair__dense_b", "pair__dense_a"]
    flat_after = graph_to_dict(flatten(g))
    assert sorted(map(str, flat_after["edges"])) == sorted(map(str, flat_before["edges"]))
    saved = graph_to_dict(g)  # the definition stays while layers expanded from it are left (for Collapse)
    assert saved["blocks"].keys() == {"Pair"} and saved["expanded"] == {
        "pair": {"block": "Pair", "layers": {"dense_a": "pair__dense_a", "dense_b": "pair__dense_b"}}}
    g.remove_node("pair__dense_a")
    g.remove_node("pair__dense_b")
    assert "blocks" not in graph_to_dict(g) and "expanded" not in graph_to_dict(g)  # truly unused: dropped


def test_make_unique_detaches_one_instance():
    g = branches()
    apply_plan(g, plan_make_block(g, ["dense_a", "dense_b"], "Pair", "pair", "pair"))
    apply_plan(g, plan_make_unique(g, "pair", "Pair 2"))
    assert g.nodes["pair"].params["block"] == "Pair 2" and validate(g).ok
    g.blocks["Pair 2"].set_params("dense_a", {"units": 4})
    assert g.blocks["Pair"].nodes["dense_a"].params["units"] == 3
    assert validate(g).outputs["concat"].shape == (None, 9)


def test_the_input_cannot_go_into_a_block_and_an_empty_selection_is_refused():
    g = branches()
    with pytest.raises(GraphEditError, match="cannot go into a block"):
        plan_make_block(g, ["input", "dense_a"], "B", "b", "b")
    with pytest.raises(GraphEditError, match="Select the layers"):
        plan_make_block(g, [], "B", "b", "b")


def test_expand_of_blocks_deep_enough_to_pass_64_characters_keeps_the_flat_ids_so_the_weights_fit():
    g = branches()
    inner_id, outer_id = "unit_" + "i" * 35, "stage_" + "o" * 34  # 40 characters each: their layers pass 64
    apply_plan(g, plan_make_block(g, ["dense_a", "dense_b"], "Unit", inner_id, "unit"))
    apply_plan(g, plan_make_block(g, [inner_id], "Stage", outer_id, "stage"))
    flat = flatten(g)
    long_ids = [nid for nid in flat.nodes if nid.startswith("stage_")]
    assert len(long_ids) == 2 and all(len(nid) == 64 and ID_PATTERN.match(nid) for nid in long_ids)
    assert graph_from_dict(graph_to_dict(flat)).nodes.keys() == flat.nodes.keys()  # a run's snapshot reads back
    x = example_inputs(build_module(g))
    torch.manual_seed(0)
    trained = build_module(g).eval()
    weights = trained.layers.state_dict()
    apply_plan(g, plan_expand(g, outer_id))  # the outer block: the inner instance's id is shortened too
    inner_instance = next(nid for nid in g.nodes if g.nodes[nid].type == "Block")
    assert len(inner_instance) == 64
    expanded_once = build_module(g).eval()
    expanded_once.layers.load_state_dict(weights)  # strict: every layer keeps the id of its weights
    apply_plan(g, plan_expand(g, inner_instance))
    assert sorted(nid for nid in g.nodes if nid.startswith("stage_")) == sorted(long_ids)
    expanded = build_module(g).eval()
    expanded.layers.load_state_dict(weights)
    with torch.no_grad():
        assert torch.equal(expanded(*x), trained(*x)) and torch.equal(expanded_once(*x), trained(*x))
