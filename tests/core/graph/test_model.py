"""The graph model's edits and checks, and validation messages attached to the node at fault."""

import pytest

from workbench.core.errors import CycleError, GraphEditError, PortOccupiedError
from workbench.core.graph import Edge, Graph, validate


def chain(graph, *specs):
    nodes, prev = [], None
    for spec in specs:
        type_name, params = spec if isinstance(spec, tuple) else (spec, {})
        node = graph.add_node(type_name, params)
        if prev is not None:
            graph.connect(prev.id, node.id)
        nodes.append(node)
        prev = node
    return nodes


def test_edits_emit_signals_in_order():
    g = Graph()
    seen = []
    g.node_added.connect(lambda n: seen.append(("node_added", n.id)))
    g.edge_added.connect(lambda e: seen.append(("edge_added", e.src, e.dst)))
    g.edge_removed.connect(lambda e: seen.append(("edge_removed", e.src, e.dst)))
    g.node_removed.connect(lambda n: seen.append(("node_removed", n.id)))
    a, b = chain(g, ("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    g.remove_node(a.id)
    assert seen == [("node_added", "input1"), ("node_added", "dense1"), ("edge_added", "input1", "dense1"),
                    ("edge_removed", "input1", "dense1"), ("node_removed", "input1")]


def test_cycle_is_refused_and_graph_unchanged():
    g = Graph()
    a, d, b, c = chain(g, ("Input", {"shape": [4]}), "Add", "Dense", "ReLU")
    before = list(g.edges)
    with pytest.raises(CycleError, match="would make a loop: 'add1' already feeds into 'relu1'"):
        g.add_edge(Edge(c.id, d.id))
    with pytest.raises(CycleError, match="cannot be connected to itself"):
        g.add_edge(Edge(d.id, d.id))
    assert g.edges == before


def test_single_input_port_refuses_a_second_wire_but_add_takes_many():
    g = Graph()
    a = g.add_node("Input", {"shape": [4]})
    b = g.add_node("Input", {"shape": [4]})
    dense = g.add_node("Dense")
    g.connect(a.id, dense.id)
    with pytest.raises(PortOccupiedError, match="already takes its input from 'input1'"):
        g.connect(b.id, dense.id)
    add = g.add_node("Add")
    g.connect(a.id, add.id)
    g.connect(b.id, add.id)
    assert len(g.incoming(add.id)) == 2


def test_names_are_unique_and_settings_checked():
    g = Graph()
    a = g.add_node("Dense")
    b = g.add_node("Dense")
    assert (a.name, b.name) == ("dense1", "dense2")
    with pytest.raises(GraphEditError, match="already called 'dense1'"):
        g.rename(b.id, "dense1")
    with pytest.raises(GraphEditError, match="units: 0 is below the smallest allowed value"):
        g.set_params(a.id, {"units": 0})
    assert a.params["units"] == 64
    assert g.set_params(a.id, {"units": 5}) == {"units": 64}


def test_validation_reports_rank_mismatch_in_user_words():
    g = Graph()
    nodes = chain(g, ("Input", {"shape": [16]}), ("Dense", {"units": 64}), ("Conv2d", {}), "Flatten",
                  ("ClassificationHead", {"classes": 3}))
    nodes[2].name = "conv2"
    result = validate(g)
    assert [p.message for p in result.errors] == [
        "Conv2d 'conv2' needs a 4-D input (batch, channels, height, width) but 'dense1' gives (batch, 64). "
        "Add a Reshape before it."]
    assert result.errors[0].node_id == nodes[2].id
    assert str(result.outputs["dense1"]) == "(batch, 64)"
    assert "flatten1" not in result.outputs  # nothing is guessed downstream of an error


def test_validation_finds_missing_pieces():
    g = Graph()
    dense = g.add_node("Dense")
    result = validate(g)
    messages = [p.message for p in result.errors]
    assert "Dense 'dense1' has nothing connected to its input. Drag a wire into it from the layer before." in messages
    assert "The network has no Input layer: add one where the data comes in." in messages
    assert ("The network has no output: end it with a Classification output or a Regression output."
            in messages)
    assert result.problems_for(dense.id)


def test_validation_reports_loops_loaded_from_files():
    g = Graph()
    a, b, c = chain(g, ("Input", {"shape": [4]}), "Dense", "ReLU")
    g.edges.append(Edge(c.id, b.id, "out", "in"))  # as a file may hold it
    errors = validate(g).errors
    assert any("is part of a loop" in p.message and p.node_id == b.id for p in errors)


def test_unused_output_is_a_warning():
    g = Graph()
    inp, dense, head = chain(g, ("Input", {"shape": [4]}), "Dense", ("ClassificationHead", {"classes": 2}))
    extra = g.add_node("ReLU")
    g.connect(dense.id, extra.id)
    result = validate(g)
    assert result.ok
    assert [p.message for p in result.warnings] == [
        "The output of ReLU 'relu1' goes nowhere. Connect it to a later layer or delete it."]


def test_absurd_sizes_are_errors_not_allocations():
    g = Graph()
    chain(g, ("Input", {"shape": [1_000_000]}), ("Dense", {"units": 1_000_000}),
          ("ClassificationHead", {"classes": 2}))
    result = validate(g)
    assert any("1,000,001,000,000 parameters" in p.message for p in result.errors)


def test_copy_is_independent():
    g = Graph()
    a, b = chain(g, ("Input", {"shape": [4]}), "Dense")
    snapshot = g.copy()
    g.set_params(b.id, {"units": 3})
    g.remove_node(a.id)
    assert snapshot.nodes[b.id].params["units"] == 64 and a.id in snapshot.nodes and snapshot.edges


def test_several_layers_and_wires_added_at_once_are_checked_as_one_at_a_time_would_be_and_undone_at_once():
    g = Graph()
    chain(g, ("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    seen = []
    g.node_added.connect(lambda n: seen.append(n.id))
    g.edge_added.connect(lambda e: seen.append((e.src, e.dst)))
    g.changed.connect(lambda: seen.append("changed"))
    before = (dict(g.nodes), list(g.edges))
    refused = [[("Dense", {"units": 2}, "a", "a", None), ("ReLU", {}, "dense1", "b", None)],  # a name taken
               [("Dense", {"units": 2}, "a", "a", None), ("ReLU", {}, "b", "a", None)],  # an id twice
               [("Dense", {"units": 0}, "a", "a", None)]]  # a bad setting
    for nodes in refused:
        with pytest.raises(GraphEditError):
            g.add_nodes(nodes)
        assert (dict(g.nodes), list(g.edges)) == before and seen == []
    g.add_nodes([("Dense", {"units": 2}, "a", "a", (1.0, 2.0)), ("ReLU", {}, "b", "b", None)])
    assert seen == ["a", "b", "changed"] and g.positions["a"] == (1.0, 2.0)
    with pytest.raises(PortOccupiedError):
        g.add_edges([Edge("dense1", "a"), Edge("input1", "a")])
    with pytest.raises(CycleError, match="would make a loop: 'a' already feeds into 'b'"):
        g.add_edges([Edge("a", "b"), Edge("b", "a")])
    with pytest.raises(GraphEditError, match="already connected"):
        g.add_edges([Edge("a", "b"), Edge("a", "b")])
    assert list(g.edges) == before[1] and seen == ["a", "b", "changed"]
    g.add_edges([Edge("dense1", "a"), Edge("a", "b")])
    assert g.edges[-2:] == [Edge("dense1", "a"), Edge("a", "b")]
    assert seen[3:] == [("dense1", "a"), ("a", "b"), "changed"]
    g.remove_nodes(["a", "b"])
    assert (dict(g.nodes), list(g.edges)) == before


def test_wires_added_at_once_beside_a_loop_read_from_a_file_are_refused_only_when_they_close_one():
    g = Graph()
    add, dense = chain(g, ("Input", {"shape": [4]}), "Add", ("Dense", {"units": 4}))[1:]
    g.edges.append(Edge(dense.id, add.id))  # as a file with a loop loads (validation shows it)
    g.add_node("ReLU", node_id="r1")
    g.add_node("ReLU", node_id="r2")
    g.add_edges([Edge(dense.id, "r1"), Edge("r1", "r2")])
    assert g.edges[-1] == Edge("r1", "r2")
    with pytest.raises(CycleError):
        g.add_edges([Edge("r2", add.id)])
