"""An imported model shows its repeated structure as blocks: a ResNet stage's identical residual units become
instances of one definition, each with its own weights re-keyed to its layers' flat ids, so the round trip, training
from the imported weights and a new head work as on the flat graph; a model without repetition is unchanged."""

import warnings

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from tests.core.onnx_import.torch_models import export_bytes, make_model
from workbench.core.graph.blocks import flatten
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.onnx_import import import_onnx
from workbench.core.project import actions
from workbench.core.project.data import project_dataset, use_data
from workbench.core.project.trained import build_trained_module
from workbench.core.training import TrainingSettings

UNITS = ["layer1/layer1.0", "layer1/layer1.1", "layer1/layer1.2"]


@pytest.fixture
def resnet_file(tmp_path):
    path = tmp_path / "resnet_units.onnx"
    path.write_bytes(export_bytes("resnet_units", 17))
    return path


def test_identical_residual_units_are_instances_of_one_block(resnet_file):
    imported = import_onnx(resnet_file)
    graph, report = imported.graph, imported.report
    instances = [n for n in graph.nodes.values() if n.type == "Block"]
    assert [n.name for n in instances] == UNITS and {n.params["block"] for n in instances} == {"Residual unit (layer1)"}
    assert list(graph.blocks) == ["Residual unit (layer1)"]
    unit = graph.blocks["Residual unit (layer1)"]
    assert sorted(n.name for n in unit.nodes.values()) == ["Add", "Relu", "Relu_1", "conv1/Conv", "conv2/Conv",
                                                           "in", "out"]
    assert "3 repeated units of 5 layers are shown as the block 'Residual unit (layer1)'" in "\n".join(report.lines())
    assert report.layers == 21 and report.round_trip.ok and report.round_trip.max_relative_diff <= 1e-4
    flat = flatten(graph)
    assert flat.node_by_name("layer1/layer1.2/conv2/Conv").id == "layer1_layer1_2__conv2_Conv"
    # the weights stay per instance, keyed by the flat ids, and are the model's own
    model = make_model("resnet_units")
    weights = [imported.tensors[f"layer1_layer1_{k}__conv1_Conv.weight"] for k in range(3)]
    assert not torch.equal(weights[0], weights[1])
    for k in range(3):
        scale = model.layer1[k].bn1.weight / torch.sqrt(model.layer1[k].bn1.running_var + 1e-5)
        torch.testing.assert_close(weights[k], model.layer1[k].conv1.weight * scale.view(-1, 1, 1, 1))
    assert set(imported.tensors) == {f"{n}.{p}" for n, node in flat.nodes.items() if node.type in
                                     ("Conv2d", "ClassificationHead") for p in ("weight", "bias")}


def test_without_blocks_the_graph_is_flat_and_the_same_network(resnet_file):
    grouped = import_onnx(resnet_file, verify=False)
    plain = import_onnx(resnet_file, blocks=False, verify=False)
    assert not plain.graph.blocks and "Block" not in {n.type for n in plain.graph.nodes.values()}
    assert not plain.report.blocks and len(plain.graph.nodes) == 21
    assert plain.graph.node_by_name("layer1/layer1.1/conv1/Conv").id == "layer1_layer1_1_conv1_Conv"
    names = lambda graph: sorted(n.name for n in graph.nodes.values())  # noqa: E731
    assert names(flatten(grouped.graph)) == names(plain.graph)


@pytest.mark.parametrize("name", ["mlp", "vgg", "densenet"])
def test_a_model_without_repetition_is_unchanged(name, tmp_path):
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(export_bytes(name, 17))
    grouped = import_onnx(path, verify=False)
    plain = import_onnx(path, blocks=False, verify=False)
    assert not grouped.report.blocks and not grouped.graph.blocks
    assert graph_to_dict(grouped.graph) == graph_to_dict(plain.graph)
    assert grouped.graph.positions == plain.graph.positions
    assert sorted(grouped.tensors) == sorted(plain.tensors)


def test_training_starts_from_the_imported_weights(resnet_file, tmp_path):
    """The first step's loss is the original model's loss (one batch of the whole training split, whose mean loss
    does not depend on the order): the imported weights were really loaded into the grouped network."""
    project = actions.import_model_project(resnet_file).project
    use_data(project, "digits")
    actions.save_project(project, tmp_path / "p.json")
    dataset = project_dataset(project)
    x, y = dataset.arrays(dataset.split_indices("train"))
    with torch.no_grad():
        expected = F.cross_entropy(make_model("resnet_units")(torch.from_numpy(x)), torch.from_numpy(y)).item()
    project.training = TrainingSettings(epochs=1, batch_size=len(y), early_stopping=False, seed=0,
                                        init_from={"run": "imported"})
    outcome = actions.train_project(project, tmp_path, num_threads=1)
    assert outcome.record.transfer["skipped"] == [] and len(outcome.record.transfer["loaded"]) == 8
    assert outcome.result.batch_losses[0] == pytest.approx(expected, rel=1e-4)
    project.training = project.training.replaced(init_from=None)  # from scratch, for contrast
    scratch = actions.train_project(project, tmp_path, num_threads=1)
    assert scratch.result.batch_losses[0] != pytest.approx(expected, rel=1e-3)


def test_a_new_head_freezes_the_imported_units_and_trains(resnet_file, tmp_path):
    project = actions.import_model_project(resnet_file).project
    use_data(project, "digits")
    change = actions.new_head_for_dataset(project)
    instances = [n.id for n in project.graph.nodes.values() if n.type == "Block"]
    assert set(instances) <= set(change.frozen) and "stem_stem_0_Conv" in change.frozen
    assert change.head_id not in change.frozen
    actions.save_project(project, tmp_path / "p.json")
    project.training = project.training.replaced(epochs=1, early_stopping=False, seed=0)
    outcome = actions.train_project(project, tmp_path, num_threads=1)
    outcome.add_to(project)
    before = build_trained_module(project, project.find_run("imported"), tmp_path)
    after = build_trained_module(project, outcome.record, tmp_path)
    inside = "layer1_layer1_1__conv2_Conv"
    torch.testing.assert_close(after.layers[inside].weight, before.layers[inside].weight)
    assert not torch.equal(after.layers[change.head_id].weight, before.layers[change.head_id].weight)
    # the fine-tuned network with its blocks compresses and exports, verified
    variants = actions.compress_project(project, "prune-structured", 0.25, base_dir=tmp_path, epochs=1)
    assert variants[-1].params < variants[0].params
    exported = actions.export_project(project, tmp_path / "export", base_dir=tmp_path)
    assert exported.onnx_path.is_file() and exported.parity_max_abs_diff < 1e-4 and exported.parity_samples > 0


def test_the_saved_project_keeps_the_blocks_and_computes_the_original(resnet_file, tmp_path):
    project = actions.import_model_project(resnet_file).project
    actions.save_project(project, tmp_path / "p.json")
    opened = actions.open_project(tmp_path / "p.json")
    assert [n.name for n in opened.graph.nodes.values() if n.type == "Block"] == UNITS
    run = opened.find_run("imported")
    assert run.trained_graph(opened.graph)  # the run trained this very network
    module = build_trained_module(opened, run, tmp_path)
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((4, 1, 8, 8)).astype(np.float32))
    with torch.no_grad():
        torch.testing.assert_close(module(x), make_model("resnet_units")(x), rtol=1e-4, atol=1e-5)


def test_units_without_names_of_their_own_are_numbered_and_named_by_their_layers(tmp_path):
    """A plain chain of identical conv-ReLU pairs, whose ONNX names share no per-unit prefix ("features/features.0/
    Conv", "features/features.1/Relu", ...): the units are numbered, the layers inside named by their kind."""
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                *[m for _ in range(3) for m in (torch.nn.Conv2d(4, 4, 3, padding=1),
                                                                torch.nn.ReLU())],
                                torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 3)).eval()
    path = tmp_path / "chain.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(2, 1, 6, 6),), path, dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "batch"}})
    imported = import_onnx(path)
    [block] = imported.report.blocks
    assert block.name == "Conv2d-ReLU unit" and block.instances == ("Conv2d-ReLU unit 1", "Conv2d-ReLU unit 2",
                                                                    "Conv2d-ReLU unit 3")
    assert sorted(n.name for n in imported.graph.blocks[block.name].nodes.values()) == ["Conv2d", "ReLU", "in", "out"]
    assert imported.report.round_trip.ok
    x = torch.randn(2, 1, 6, 6)
    module = build_trained_module(actions.import_model_project(path).project, None)
    with torch.no_grad():
        torch.testing.assert_close(module(x), model(x), rtol=1e-4, atol=1e-5)
