"""A project whose network has blocks trains, is saved with its definitions, compresses (structured pruning reaches
inside the block) and exports with parity: every action sees the flattened network."""

import json

from workbench.core.data import load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.graph import validate
from workbench.core.graph.block_edits import plan_make_block
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import compress_project, export_project, train_project
from workbench.core.training.settings import TrainingSettings


def with_a_block(folder):
    project = open_template("cnn")
    graph = project.graph
    plan = plan_make_block(graph, ["conv2", "relu2"], "Unit", "unit", "unit")
    for node_id in plan.removed:
        graph.remove_node(node_id)
    graph.add_block(plan.block_name, plan.definition)
    for n in plan.nodes:
        graph.add_node(n.type, n.params, n.name, n.node_id, n.position)
    for index, edge in plan.wires:
        graph.add_edge(edge, index)
    dataset = load_dataset(project.dataset, folder)
    fit_graph_to_dataset(project.graph, dataset)
    assert validate(project.graph).ok
    save_project(project, folder / "project.json")
    return project, dataset


def test_a_network_with_a_block_trains_compresses_and_exports(tmp_path):
    project, dataset = with_a_block(tmp_path)
    outcome = train_project(project, tmp_path, dataset=dataset, settings=TrainingSettings(epochs=1, device="cpu"),
                            num_threads=1)
    record = outcome.record
    assert {"unit__conv2", "unit__relu2"} <= {n["id"] for n in record.graph["nodes"]}
    assert "blocks" not in record.graph  # a run records the network it trained: flat
    assert record.trained_graph(project.graph)  # the run's flat network is the project's network expanded
    project.add_run(record)
    save_project(project)
    again = load_project(tmp_path / "project.json")
    assert again.runs[-1].trained_graph(again.graph)
    assert again.graph.nodes["unit"].definition is again.graph.blocks["Unit"]
    assert json.loads((tmp_path / "project.json").read_text())["graph"]["blocks"]["Unit"]["nodes"]
    variants = compress_project(again, "prune-structured", 0.5, dataset=dataset, base_dir=tmp_path)
    assert variants and variants[-1].params < validate(again.graph).total_params
    result = export_project(again, tmp_path / "export", dataset=dataset, base_dir=tmp_path)
    assert result.parity_max_abs_diff < 1e-3 and result.params == validate(again.graph).total_params
