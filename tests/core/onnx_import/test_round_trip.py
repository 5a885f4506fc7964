"""Models built and exported with torch, in the styles people import, come back as Workbench graphs that compute the
same: exported again by Workbench, they give the original's outputs on ONNX Runtime, at several opsets."""

import pytest
import torch

from tests.core.onnx_import.torch_models import MODELS, export_bytes
from workbench.core.build import build_module
from workbench.core.graph.blocks import flatten
from workbench.core.onnx_import import import_onnx
from workbench.core.onnx_import.round_trip import check_round_trip
from workbench.core.training.weights import load_state


@pytest.mark.parametrize("opset", [9, 13, 17])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_import_then_export_gives_the_original_outputs(name, opset, tmp_path):
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(export_bytes(name, opset))
    imported = import_onnx(path)
    report = imported.report
    assert report.complete and report.round_trip is not None, report.lines()
    assert report.round_trip.ok and report.round_trip.max_relative_diff <= 1e-4
    assert "gives the same outputs as the original on ONNX Runtime" in "\n".join(report.lines())
    if opset < 17:
        assert f"The model used ONNX opset {opset}; it was converted to opset 17" in report.lines()[1]


def test_the_imported_layers_are_the_models_layers(tmp_path):
    path = tmp_path / "shufflenet.onnx"
    path.write_bytes(export_bytes("shufflenet", 17))
    graph = import_onnx(path).graph
    layers = flatten(graph)  # its two shuffle units are a block's instances, their layers named as in the model
    types = [n.type for n in layers.nodes.values()]
    assert types.count("ChannelShuffle") == 2 and "Reshape" not in types and "Permute" not in types
    depthwise = layers.node_by_name("units/units.0/depthwise/Conv")
    assert depthwise.params["groups"] == 12 and depthwise.params["bias"]  # its batch norm folded in by torch
    assert layers.node_by_name("units/units.0/compress/Conv").params["groups"] == 3
    assert [n.params["shape"] for n in graph.input_nodes()] == [(3, 16, 16)]
    assert set(graph.positions) == set(graph.nodes)
    assert len({x for x, _ in graph.positions.values()}) == len(graph.nodes)  # a chain, left to right
    unit = graph.blocks["Residual unit (units)"]
    assert set(unit.positions) == set(unit.nodes) and len({x for x, _ in unit.positions.values()}) > 5
    plain = import_onnx(path, blocks=False, verify=False).graph
    columns = {plain.positions[n.id][0] for n in plain.nodes.values()}
    assert len(columns) > 10  # laid out left to right, not piled up


def test_the_round_trip_check_sees_a_network_that_computes_something_else(tmp_path):
    path = tmp_path / "resnet.onnx"
    path.write_bytes(export_bytes("resnet", 17))
    imported = import_onnx(path)
    tensors = dict(imported.tensors)
    key = next(k for k in tensors if k.endswith(".weight") and tensors[k].ndim == 4)
    tensors[key] = tensors[key] * 1.01
    module = build_module(imported.graph)
    load_state(module, tensors)
    original = path.read_bytes()
    check = check_round_trip(original, {}, module.eval(), imported.graph, imported.outputs)
    assert not check.ok and check.max_relative_diff > 1e-3
    assert "outputs that DIFFER from the original" in check.sentence()


def test_batch_norm_after_a_concat_keeps_its_statistics(tmp_path):
    path = tmp_path / "densenet.onnx"
    path.write_bytes(export_bytes("densenet", 17))
    imported = import_onnx(path)
    norms = [n.id for n in imported.graph.nodes.values() if n.type == "BatchNorm2d"]
    assert norms and all(torch.any(imported.tensors[f"{n}.running_var"] != 1) for n in norms)
    assert sum(n.type == "Concat" for n in imported.graph.nodes.values()) == 7
