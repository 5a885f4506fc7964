"""Collapse, the way back from Expand, and renaming a block definition, as plans and model edits: Collapse gives the
very instance Expand took apart (same block, id, place and wire order) while the layers are as Expand left them,
and a new block of the same layers and flattened ids once they were changed; a rename reaches every instance."""

import pytest

from tests.core.graph.test_block_edits import branches
from workbench.core.errors import GraphEditError, ProjectFileError
from workbench.core.graph import validate
from workbench.core.graph.block_edits import apply_plan, expanded_group, plan_collapse, plan_expand, plan_make_block
from workbench.core.graph.blocks import flatten
from workbench.core.graph.serialize import graph_from_dict, graph_to_dict, positions_to_dict


def unordered(g):
    """The file's content with its nodes and wires as sets (their order matters only among the wires into one
    port, which the tests check apart), and the positions."""
    data = graph_to_dict(g)
    return (sorted(map(str, data["nodes"])), sorted(map(str, data["edges"])), str(data.get("blocks")),
            positions_to_dict(g))


def expanded():
    g = branches()
    apply_plan(g, plan_make_block(g, ["dense_a", "dense_b"], "Pair", "pair", "pair"))
    made = unordered(g)
    apply_plan(g, plan_expand(g, "pair"))
    return g, made


def test_collapse_undoes_expand_exactly_while_the_layers_are_unchanged():
    g, made = expanded()
    assert expanded_group(g, "pair__dense_b") == ("pair", ["pair__dense_a", "pair__dense_b"])
    assert expanded_group(g, "concat") is None
    plan, matched = plan_collapse(g, "pair__dense_b", "Block 1")
    assert matched == "Pair" and plan.block_name is None
    apply_plan(g, plan)
    assert unordered(g) == made
    assert [(e.src, e.src_port) for e in g.incoming("concat")] == [("pair", "out1"), ("pair", "out2")]


def test_changed_layers_collapse_into_a_new_block_with_the_same_flattened_ids():
    g, _ = expanded()
    g.set_params("pair__dense_a", {"units": 4})
    flat_before = graph_to_dict(flatten(g))
    plan, matched = plan_collapse(g, "pair__dense_a", "Pair 2")
    assert matched is None and plan.block_name == "Pair 2"
    apply_plan(g, plan)
    assert g.nodes["pair"].params["block"] == "Pair 2" and g.nodes["pair"].name == "pair"
    inside = g.blocks["Pair 2"]
    assert {n.id: n.name for n in inside.nodes.values() if n.type == "Dense"} == {"dense_a": "dense1",
                                                                               "dense_b": "dense2"}
    assert inside.nodes["dense_a"].params["units"] == 4 and g.blocks["Pair"].nodes["dense_a"].params["units"] == 3
    flat_after = graph_to_dict(flatten(g))
    assert sorted(map(str, flat_after["nodes"])) == sorted(map(str, flat_before["nodes"]))
    assert validate(g).ok and validate(g).outputs["concat"].shape == (None, 9)


def test_a_rewired_layer_no_longer_matches_and_a_taken_instance_id_gets_a_free_one():
    g, _ = expanded()
    g.add_node("Dense", {"units": 1}, node_id="pair", name="pair")  # the instance's id and name were taken since
    g.remove_edge(next(e for e in g.edges if e.dst == "pair__dense_a"))
    g.connect("pair__dense_b", "pair__dense_a")
    plan, matched = plan_collapse(g, "pair__dense_a", "Pair 2")
    assert matched is None and plan.nodes[0].node_id == "block1" and plan.nodes[0].name == "pair2"


def test_a_layer_that_did_not_come_from_a_block_cannot_be_collapsed():
    g = branches()
    with pytest.raises(GraphEditError, match="did not come from a block"):
        plan_collapse(g, "dense_a", "Block 1")


def test_renaming_a_block_renames_every_instance_nested_ones_too_and_keeps_its_place():
    g = branches()
    apply_plan(g, plan_make_block(g, ["dense_a"], "A", "a", "a"))
    apply_plan(g, plan_make_block(g, ["a", "dense_b"], "Outer", "outer", "outer"))
    assert list(g.blocks) == ["A", "Outer"]
    assert g.rename_block("A", "  Inner ") == "Inner"
    assert list(g.blocks) == ["Inner", "Outer"] and g.blocks["Inner"].block_name == "Inner"
    assert g.blocks["Outer"].nodes["a"].params["block"] == "Inner"
    assert g.blocks["Outer"].nodes["a"].definition is g.blocks["Inner"]
    assert g.blocks["Outer"].nodes["a"].spec.display_name == "Inner" and validate(g).ok
    assert graph_to_dict(g)["blocks"].keys() == {"Inner", "Outer"}
    with pytest.raises(GraphEditError, match="There is already a block called 'Outer'"):
        g.blocks["Outer"].rename_block("Inner", "Outer")
    with pytest.raises(GraphEditError, match="A block needs a name"):
        g.rename_block("Inner", "   ")
    assert list(g.blocks) == ["Inner", "Outer"]


def test_inside_a_block_a_nested_instance_expands_and_collapses_back():
    g = branches()
    apply_plan(g, plan_make_block(g, ["dense_a"], "A", "a", "a"))
    apply_plan(g, plan_make_block(g, ["a", "dense_b"], "Outer", "outer", "outer"))
    outer = g.blocks["Outer"]
    flat_before = sorted(map(str, graph_to_dict(flatten(g))["nodes"]))
    made = unordered(outer)
    apply_plan(outer, plan_expand(outer, "a"))
    assert "a__dense_a" in outer.nodes
    plan, matched = plan_collapse(outer, "a__dense_a", "Block 1")
    assert matched == "A"
    apply_plan(outer, plan)
    assert unordered(outer) == made and sorted(map(str, graph_to_dict(flatten(g))["nodes"])) == flat_before
    with pytest.raises(GraphEditError, match="did not come from a block"):
        plan_collapse(outer, "dense_b", "Block 1")


def test_the_expansion_is_saved_with_its_block_and_collapse_after_reopening_gives_the_instance_back():
    g, made = expanded()
    g.rename_block("Pair", "Twins")  # the record follows a rename
    reopened = graph_from_dict(graph_to_dict(g), positions_to_dict(g))
    assert list(reopened.blocks) == ["Twins"]
    assert expanded_group(reopened, "pair__dense_a") == ("pair", ["pair__dense_a", "pair__dense_b"])
    plan, matched = plan_collapse(reopened, "pair__dense_a", "Block 1")
    assert matched == "Twins" and plan.block_name is None
    apply_plan(reopened, plan)
    assert reopened.expansions == {} and reopened.nodes["pair"].params["block"] == "Twins"


def test_only_layers_that_expand_made_can_be_collapsed_whatever_their_ids():
    g = branches()
    g.add_node("Dense", {"units": 2}, node_id="encoder__dense", name="encoder/dense")  # as an import names a layer
    with pytest.raises(GraphEditError, match="did not come from a block"):
        plan_collapse(g, "encoder__dense", "Block 1")
    assert expanded_group(g, "encoder__dense") is None


@pytest.mark.parametrize("raw, field", [
    ({"pair": {"block": "Nope", "layers": {"dense_a": "dense_a"}}}, "graph.expanded.pair.block"),
    ({"pair": {"block": "Pair", "layers": {"dense_a": "gone"}}}, "graph.expanded.pair.layers.dense_a"),
    ({"pair": []}, "graph.expanded.pair"),
])
def test_a_bad_expanded_record_in_a_file_is_refused_naming_the_field(raw, field):
    g, _ = expanded()
    data = graph_to_dict(g)
    data["expanded"] = raw
    with pytest.raises(ProjectFileError) as caught:
        graph_from_dict(data)
    assert caught.value.field == field
