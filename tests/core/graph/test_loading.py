"""Reading a graph from a project file: each wire's check (messages naming the wire at fault), and work that grows
with the size of the graph, not with its square."""

import gc
import json

import pytest
import torch

from workbench.core.build import build_module
from workbench.core.errors import CycleError, GraphEditError, PortOccupiedError, ProjectFileError
from workbench.core.graph import Edge, Graph, validate
from workbench.core.graph.serialize import graph_from_dict
from workbench.core.project import load_project


def small_graph(edges: list[dict]) -> dict:
    return {"nodes": [{"id": "a", "type": "Input", "params": {"shape": [4]}},
                      {"id": "b", "type": "Dense", "name": "dense1", "params": {"units": 4}},
                      {"id": "s", "type": "Add"},
                      {"id": "c", "type": "ClassificationHead", "params": {"classes": 3}}],
            "edges": edges}


BAD_WIRES = {
    "the same wire twice": ([{"from": "a", "to": "b"}, {"from": "b", "to": "c"}, {"from": "a", "to": "b"}],
                            "graph.edges[2]: Input 'a' is already connected to Dense 'dense1'."),
    "an occupied input": ([{"from": "a", "to": "b"}, {"from": "s", "to": "b"}],
                          "graph.edges[1]: Dense 'dense1' already takes its input from 'a'. Remove that wire first, "
                          "or combine both with an Add or Concat layer."),
    "an unknown output port": ([{"from": "a", "to": "b", "from_port": "side"}],
                               "graph.edges[0]: Input 'a' has no output called 'side'."),
    "an unknown input port": ([{"from": "a", "to": "b"}, {"from": "b", "to": "s", "to_port": "left"}],
                              "graph.edges[1]: Add 's' has no input called 'left'."),
    "a wire out of a head": ([{"from": "c", "to": "s"}], "graph.edges[0]: Classification output 'c' has no output "
                                                         "called 'out'."),
}


@pytest.mark.parametrize("case", sorted(BAD_WIRES))
def test_a_refused_wire_names_its_place_in_the_file(case):
    edges, expected = BAD_WIRES[case]
    with pytest.raises(ProjectFileError) as info:
        graph_from_dict(small_graph(edges))
    assert str(info.value) == expected


def test_the_occupied_input_names_the_first_wire_into_it_even_a_loop():
    """The port's first wire, in file order, is the one named, as the model names it during editing."""
    edges = [{"from": "s", "to": "s"}, {"from": "a", "to": "s"}, {"from": "s", "to": "b"}, {"from": "a", "to": "b"}]
    with pytest.raises(ProjectFileError, match=r"^graph.edges\[3\]: Dense 'dense1' already takes its input from 's'"):
        graph_from_dict(small_graph(edges))


def test_loops_load_as_they_are_and_validation_names_them():
    """A loop through other layers, and a layer wired to itself, even into a taken input: all kept, in file order."""
    edges = [{"from": "a", "to": "s"}, {"from": "s", "to": "b"}, {"from": "b", "to": "s"}, {"from": "b", "to": "b"},
             {"from": "b", "to": "c"}]
    graph = graph_from_dict(small_graph(edges))
    assert graph.edges == [Edge("a", "s"), Edge("s", "b"), Edge("b", "s"), Edge("b", "b"), Edge("b", "c")]
    errors = validate(graph).errors
    assert {p.node_id for p in errors if "is part of a loop" in p.message} == {"s", "b", "c"}


def test_editing_refuses_the_same_wires_with_the_same_messages():
    graph = graph_from_dict(small_graph([{"from": "a", "to": "s"}, {"from": "s", "to": "b"}]))
    refusals = [(Edge("a", "s"), GraphEditError, "Input 'a' is already connected to Add 's'."),
                (Edge("a", "b"), PortOccupiedError, "Dense 'dense1' already takes its input from 's'."),
                (Edge("a", "b", "side"), GraphEditError, "Input 'a' has no output called 'side'."),
                (Edge("b", "s", "out", "left"), GraphEditError, "Add 's' has no input called 'left'."),
                (Edge("s", "s"), CycleError, "Add 's' cannot be connected to itself."),
                (Edge("b", "s"), CycleError, "Connecting 'dense1' to 's' would make a loop: 's' already feeds "
                                             "into 'dense1'.")]
    for edge, kind, message in refusals:
        with pytest.raises(kind) as info:
            graph.check_edge(edge)
        assert str(info.value).startswith(message), edge
    assert graph.edges == [Edge("a", "s"), Edge("s", "b")]


# --- work in proportion to the graph ---------------------------------------------------------------------------------

class CountedEdges(list):
    """An edge list that counts how many edges are looked at (iterated over, searched or removed)."""

    looked_at = 0

    def __iter__(self):
        for edge in super().__iter__():
            CountedEdges.looked_at += 1
            yield edge

    def __contains__(self, item):
        CountedEdges.looked_at += len(self)
        return super().__contains__(item)

    def index(self, *args):
        CountedEdges.looked_at += len(self)
        return super().index(*args)

    def remove(self, item):
        CountedEdges.looked_at += len(self)
        super().remove(item)


# Graph methods that look at every node or every edge: fine once per edit, quadratic once per wire of a file
WHOLE_GRAPH_SCANS = ("reaches", "incoming", "outgoing", "node_by_name", "unique_id", "unique_name", "check_edge",
                     "topological_order", "input_nodes", "head_nodes")


@pytest.fixture
def counted(monkeypatch):
    """Counts edges looked at and calls of whole-graph scans of every Graph made while the test runs."""
    calls = {name: 0 for name in WHOLE_GRAPH_SCANS}
    CountedEdges.looked_at = 0
    plain_init = Graph.__init__

    def init(self):
        plain_init(self)
        self.edges = CountedEdges()
    monkeypatch.setattr(Graph, "__init__", init)
    for name in WHOLE_GRAPH_SCANS:
        def counting(self, *args, _plain=getattr(Graph, name), _name=name, **kwargs):
            calls[_name] += 1
            return _plain(self, *args, **kwargs)
        monkeypatch.setattr(Graph, name, counting)
    return calls


def chain_data(layers: int) -> dict:
    nodes = [{"id": "input1", "type": "Input", "params": {"shape": [4]}}]
    nodes += [{"id": f"relu{i}", "type": "ReLU"} for i in range(1, layers - 1)]
    nodes.append({"id": "head1", "type": "ClassificationHead", "params": {"classes": 2}})
    edges = [{"from": a["id"], "to": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return {"format": "workbench-project", "version": 1, "name": "chain", "graph": {"nodes": nodes, "edges": edges}}


@pytest.mark.parametrize("shape", ["chain", "residual stack"])
def test_opening_validating_and_building_look_at_each_wire_a_few_times(shape, counted, residual_stack, tmp_path):
    data = chain_data(2001) if shape == "chain" else residual_stack(400)
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data))
    wires = len(data["graph"]["edges"])
    project = load_project(path)
    assert isinstance(project.graph.edges, CountedEdges) and len(project.graph.edges) == wires >= 2000
    result = validate(project.graph)
    assert result.ok
    build_module(project.graph, result)
    assert CountedEdges.looked_at <= 10 * wires  # a check that rescans the list per wire looks at millions
    assert sum(counted.values()) <= 10, counted  # whole-graph scans a few times in all, not once per layer


def test_one_edit_on_a_long_graph_looks_at_each_wire_a_few_times(counted):
    graph = graph_from_dict(chain_data(2000)["graph"])
    graph.remove_edge(Edge("relu999", "relu1000"))
    CountedEdges.looked_at = 0
    graph.add_edge(Edge("relu999", "relu1000"))
    assert CountedEdges.looked_at <= 5 * len(graph.edges)


@pytest.mark.parametrize("enabled", [True, False])
def test_building_pauses_the_garbage_collector_and_leaves_it_as_it_was(enabled, residual_stack, monkeypatch):
    graph = graph_from_dict(residual_stack(2)["graph"])
    during = []
    plain_conv = torch.nn.Conv2d
    monkeypatch.setattr(torch.nn, "Conv2d", lambda *args, **kwargs: during.append(gc.isenabled())
                        or plain_conv(*args, **kwargs))
    was_enabled = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        build_module(graph)
        assert gc.isenabled() == enabled
    finally:
        gc.enable() if was_enabled else gc.disable()
    assert during == [False, False]
