"""A project whose network has blocks trains, is saved with its definitions, compresses (structured pruning reaches
inside the block) and exports with parity: every action sees the flattened network."""

import json

import torch

from workbench.core.build import build_module, example_inputs
from workbench.core.data import load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.graph import validate
from workbench.core.graph.block_edits import apply_plan, plan_expand, plan_make_block
from workbench.core.graph.blocks import has_blocks
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import compress_project, export_project, train_project
from workbench.core.project.trained import build_trained_module
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.trainer import Trainer
from workbench.core.training.weights import load_weights


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



def test_a_run_of_blocks_whose_flat_ids_pass_64_characters_reopens_and_its_weights_fit_the_expanded_layers(tmp_path):
    project = open_template("cnn")
    graph = project.graph
    inner_id, outer_id = "unit_" + "i" * 35, "stage_" + "o" * 34  # their layers' flat ids pass 64 characters
    apply_plan(graph, plan_make_block(graph, ["conv2", "relu2"], "Unit", inner_id, "unit"))
    apply_plan(graph, plan_make_block(graph, [inner_id], "Stage", outer_id, "stage"))
    dataset = load_dataset(project.dataset, tmp_path)
    fit_graph_to_dataset(graph, dataset)
    outcome = train_project(project, tmp_path, dataset=dataset, settings=TrainingSettings(epochs=1, device="cpu"),
                            num_threads=1)
    project.add_run(outcome.record)
    save_project(project, tmp_path / "project.json")
    again = load_project(tmp_path / "project.json")  # was refused: the run's snapshot had ids of 84 characters
    apply_plan(again.graph, plan_expand(again.graph, outer_id))
    inner_instance = next(nid for nid, n in again.graph.nodes.items() if n.type == "Block")
    apply_plan(again.graph, plan_expand(again.graph, inner_instance))
    assert not has_blocks(again.graph) and again.runs[-1].trained_graph(again.graph)  # still the network trained
    module = build_module(again.graph).eval()
    load_weights(module, tmp_path / again.runs[-1].files.weights)  # strict: every tensor fits a layer by its id
    trained = build_trained_module(again, base_dir=tmp_path)
    x = example_inputs(module)
    with torch.no_grad():
        assert torch.equal(module(*x), trained(*x))


def test_freezing_a_block_whose_layers_flat_ids_are_shortened_freezes_all_of_them(tmp_path):
    project = open_template("cnn")
    graph = project.graph
    instance = "unit_" + "u" * 53                  # its layers' flat ids (65 characters) lose the 'unit_…__' prefix
    apply_plan(graph, plan_make_block(graph, ["conv2", "relu2"], "Unit", instance, "unit"))
    dataset = load_dataset(project.dataset, tmp_path)
    fit_graph_to_dataset(graph, dataset)
    module = build_module(graph)
    inside = [key for key, origin in module.origins.items() if origin == instance and key in module.layers]
    assert inside and not any(key.startswith(instance + "__") for key in inside)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    settings = TrainingSettings(epochs=1, device="cpu", frozen_nodes=[instance])
    result = Trainer(module, dataset, settings, graph=graph).fit()  # was refused: "no layer with id 'unit_uuu…'"
    assert result.status == "completed"
    after = module.state_dict()
    frozen = [k for k in after if k.split(".")[1] in inside]
    assert frozen and all(torch.equal(before[k], after[k]) for k in frozen)
    assert any(not torch.equal(before[k], after[k]) for k in after if k not in frozen)   # the rest trained
    trained = train_project(project, tmp_path, dataset=dataset, num_threads=1, settings=settings)  # as the app does
    assert trained.result.ok                       # the project tier tells the trainer the instances too
