"""Reusable blocks in the core: a definition with several instances computes as its flattened graph; shapes,
counts and problems come back onto the Block nodes; the file keeps one definition per name; recursion is refused."""

import json

import pytest
import torch

from workbench.core.build import build_module, example_inputs
from workbench.core.errors import GraphEditError, ProjectFileError
from workbench.core.graph import Graph, validate
from workbench.core.graph.blocks import flatten
from workbench.core.graph.serialize import graph_from_dict, graph_to_dict
from workbench.core.graph.validate import instance_result
from workbench.core.project import Project, load_project, save_project


def conv_relu(filters=8) -> Graph:
    d = Graph()
    d.add_node("BlockInput", node_id="x", name="x")
    d.add_node("Conv2d", {"filters": filters, "padding": 1}, node_id="conv", name="conv")
    d.add_node("ReLU", node_id="relu", name="relu")
    d.add_node("BlockOutput", node_id="y", name="y")
    d.connect("x", "conv")
    d.connect("conv", "relu")
    d.connect("relu", "y")
    return d


def network(instances=2, filters=8) -> Graph:
    g = Graph()
    g.add_block("cbr", conv_relu(filters))
    g.add_node("Input", {"shape": [3, 8, 8]}, node_id="input")
    previous, port = "input", "out"
    for i in range(instances):
        g.add_node("Block", {"block": "cbr"}, node_id=f"b{i + 1}", name=f"unit{i + 1}")
        g.connect(previous, f"b{i + 1}", port, "x")
        previous, port = f"b{i + 1}", "y"
    g.add_node("GlobalAvgPool", node_id="pool")
    g.add_node("ClassificationHead", {"classes": 3}, node_id="head")
    g.connect(previous, "pool", port, "in")
    g.connect("pool", "head")
    return g


def test_a_block_node_shows_its_output_shape_and_the_counts_of_its_layers():
    g = network()
    result = validate(g)
    flat = validate(flatten(g))
    assert result.ok and flat.ok
    assert str(result.outputs["b1"]) == "(batch, 8, 8, 8)"
    assert result.port_outputs[("b2", "y")] == flat.outputs["b2__relu"]
    assert result.params["b1"] == 3 * 8 * 9 + 8 and result.params["b2"] == 8 * 8 * 9 + 8
    assert result.total_params == flat.total_params and result.total_macs == flat.total_macs
    assert set(result.outputs) == set(g.nodes)
    wire = g.incoming("pool")[0]
    assert result.edge_info(wire) == flat.outputs["b2__relu"]


def test_an_error_inside_a_block_is_on_the_block_node_and_names_the_instance_and_the_layer():
    g = network()
    g.blocks["cbr"].set_params("conv", {"kernel_size": 11, "padding": 0})
    result = validate(g)
    problem = result.problems_for("b1")[0]
    assert problem.severity == "error" and "'unit1/conv'" in problem.message
    assert problem.short.startswith("conv: ")
    inside = instance_result(result, ("b1",))
    assert "'unit1/conv'" in inside.problems_for("conv")[0].message
    assert str(inside.outputs["x"]) == "(batch, 3, 8, 8)"


def test_editing_the_definition_changes_every_instance_and_announces_a_change():
    g = network()
    seen = []
    g.changed.connect(lambda: seen.append(1))
    g.blocks["cbr"].set_params("conv", {"filters": 4})
    assert seen and validate(g).outputs["b2"].shape == (None, 4, 8, 8)


def test_the_module_is_the_flattened_graphs_and_computes_the_same():
    g = network()
    torch.manual_seed(0)
    module = build_module(g)
    torch.manual_seed(0)
    flat_module = build_module(flatten(g))
    assert list(module.state_dict()) == list(flat_module.state_dict())
    assert "layers.b2__conv.weight" in module.state_dict()
    x = example_inputs(module)
    assert torch.equal(module.eval()(*x), flat_module.eval()(*x))


def test_a_block_with_two_outputs_and_a_pass_through():
    d = Graph()
    g = Graph()
    g.add_block("split", d)
    d.add_node("BlockInput", node_id="x")
    d.add_node("Dense", {"units": 5}, node_id="dense")
    d.add_node("BlockOutput", node_id="a")
    d.add_node("BlockOutput", node_id="same")
    d.connect("x", "dense")
    d.connect("dense", "a")
    d.connect("x", "same")
    g.add_node("Input", {"shape": [4]}, node_id="input")
    g.add_node("Block", {"block": "split"}, node_id="s")
    g.add_node("Concat", node_id="cat")
    g.add_node("RegressionHead", {"outputs": 1}, node_id="head")
    g.connect("input", "s", "out", "x")
    g.connect("s", "cat", "same", "in")
    g.connect("s", "cat", "a", "in")
    g.connect("cat", "head")
    result = validate(g)
    assert result.ok, result.problems
    assert result.port_outputs[("s", "a")].shape == (None, 5) and result.port_outputs[("s", "same")].shape == (None, 4)
    assert result.outputs["cat"].shape == (None, 9)
    assert [e.src for e in flatten(g).incoming("cat")] == ["input", "s__dense"]  # the wires' order is kept


def test_nested_blocks_work_and_a_block_cannot_contain_itself():
    g = network(1)
    outer = Graph()
    g.add_block("twice", outer)
    outer.add_node("BlockInput", node_id="x")
    outer.add_node("Block", {"block": "cbr"}, node_id="first")
    outer.add_node("Block", {"block": "cbr"}, node_id="second")
    outer.add_node("BlockOutput", node_id="y")
    outer.connect("x", "first", "out", "x")
    outer.connect("first", "second", "y", "x")
    outer.connect("second", "y", "y", "in")
    g.add_node("Block", {"block": "twice"}, node_id="t")
    g.remove_edge(g.incoming("pool")[0])
    g.connect("b1", "t", "y", "x")
    g.connect("t", "pool", "y", "in")
    result = validate(g)
    assert result.ok, result.problems
    assert "t__second__conv" in flatten(g).nodes and result.params["t"] == 2 * (8 * 8 * 9 + 8)
    with pytest.raises(GraphEditError, match="cannot contain itself"):
        outer.add_node("Block", {"block": "twice"})
    with pytest.raises(GraphEditError, match="cannot contain itself"):
        g.blocks["cbr"].add_node("Block", {"block": "twice"})
    with pytest.raises(GraphEditError, match="no block called 'nope'"):
        g.add_node("Block", {"block": "nope"})


def test_a_wired_port_cannot_be_removed_and_ports_and_layers_stay_where_they_belong():
    g = network()
    with pytest.raises(GraphEditError, match="wired to 'unit1'"):
        g.blocks["cbr"].remove_node("x")
    stray = g.add_node("BlockInput", node_id="stray")
    assert "belongs inside a block" in validate(g).problems_for(stray.id)[0].message
    with pytest.raises(GraphEditError, match="not inside a block"):
        g.blocks["cbr"].add_node("Input", {"shape": [3]})


def test_the_file_keeps_one_definition_for_several_instances_and_drops_an_unused_one():
    g = network(3)
    g.add_block("spare", conv_relu())
    data = graph_to_dict(g)
    assert list(data["blocks"]) == ["cbr"]
    text = json.dumps(data)
    again = graph_from_dict(json.loads(text))
    assert graph_to_dict(again) == data
    assert validate(again).params == validate(g).params
    assert graph_to_dict(network(0).copy()) == graph_to_dict(network(0)) and "blocks" not in graph_to_dict(network(0))


def test_a_copy_has_its_own_definitions():
    g = network()
    clone = g.copy()
    clone.blocks["cbr"].set_params("conv", {"filters": 2})
    assert validate(g).outputs["b1"].shape == (None, 8, 8, 8)
    assert validate(clone).outputs["b1"].shape == (None, 2, 8, 8)


@pytest.mark.parametrize("change,field,message", [
    (lambda d: d["nodes"][1]["params"].update(block="nope"), "graph.nodes[1].params.block", "no block called"),
    (lambda d: d["blocks"]["cbr"]["nodes"].append({"id": "me", "type": "Block", "params": {"block": "cbr"}}),
     "graph.blocks.cbr", "contains itself"),
    (lambda d: d["nodes"].append({"id": "p", "type": "BlockInput"}), "graph.nodes[5].type", "outside a block"),
    (lambda d: d["edges"][0].update(to_port="nope"), "graph.edges[0]", "no input called 'nope'"),
    (lambda d: d.update(blocks=[]), "graph.blocks", "expected an object"),
])
def test_a_bad_block_in_a_file_is_refused_naming_the_field(change, field, message):
    data = graph_to_dict(network())
    change(data)
    with pytest.raises(ProjectFileError, match=message) as caught:
        graph_from_dict(data)
    assert caught.value.field == field


def test_blocks_travel_inside_the_project_file_with_their_positions(tmp_path):
    g = network()
    g.blocks["cbr"].move("conv", 120.0, 40.0)
    path = tmp_path / "p.wbproj"
    save_project(Project(graph=g, name="blocks"), path)
    loaded = load_project(path)
    assert graph_to_dict(loaded.graph) == graph_to_dict(g)
    assert loaded.graph.blocks["cbr"].positions["conv"] == (120.0, 40.0)
    saved = json.loads(path.read_text())
    assert saved["ui"]["block_positions"] == {"cbr": {"conv": [120.0, 40.0]}}


def test_blocks_inside_blocks_that_would_make_too_many_layers_are_refused_before_any_is_made(monkeypatch):
    g = network(1)
    inner = "cbr"
    for level in range(4):  # 10 instances of 10 instances of ... of 2 layers: 20,000 layers
        outer = Graph()
        g.add_block(f"level{level}", outer)
        outer.add_node("BlockInput", node_id="x")
        previous, port = "x", "out"
        for i in range(10):
            outer.add_node("Block", {"block": inner}, node_id=f"u{i}")
            outer.connect(previous, f"u{i}", port, "x")
            previous, port = f"u{i}", "y"
        outer.add_node("BlockOutput", node_id="y")
        outer.connect(previous, "y", port, "in")
        inner = f"level{level}"
    g.add_node("Block", {"block": inner}, node_id="huge")
    made = []
    monkeypatch.setattr("workbench.core.graph.blocks._inline", lambda *a: made.append(a))
    result = validate(g)
    assert not made and not result.ok
    assert "would have 20,005 layers, more than Workbench handles (10,000)" in result.errors[0].message
    with pytest.raises(Exception, match="20,005 layers"):
        build_module(g)


def test_the_frozen_project_with_a_block_still_opens_and_computes():
    from pathlib import Path

    project = load_project(Path(__file__).parents[2] / "data" / "project_v2_blocks.json")
    graph = project.graph
    result = validate(graph)
    assert result.ok and graph.nodes["unit1"].definition is graph.blocks["Conv unit"]
    assert set(flatten(graph).nodes) >= {"unit1__conv1", "unit1__relu1"}
    assert graph.blocks["Conv unit"].block_ports() == (("in1",), ("out1",))
    assert graph.blocks["Conv unit"].positions
