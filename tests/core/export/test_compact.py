"""Size-only compaction of exported models: every template computes the same after it, dense layers lose the
attributes that restate defaults, static INT8 shares its zero points and still runs on ONNX Runtime's int8 kernels,
the metadata stores each fact once and reads back whole, and static INT8 of the digits MLP is at most 0.3 of fp32."""

import copy
import json

import numpy as np
import onnx
import pytest
import torch

from tests.core.trained_projects import TEMPLATES, train_template
from workbench.core.build import build_module, example_inputs
from workbench.core.data.loader import resolve_path
from workbench.core.export.compact import compact, layer_of
from workbench.core.export.metadata import build_metadata, read_metadata, write_metadata
from workbench.core.export.onnx_export import export_module
from workbench.core.export.runtime import open_session
from workbench.core.project import open_template
from workbench.core.project.actions import compress_project

DIGITS = {"source": "builtin", "name": "digits"}


@pytest.mark.parametrize("template", TEMPLATES)
def test_compaction_computes_the_same_in_fewer_bytes(template):
    project = open_template(template)
    torch.manual_seed(0)
    module = build_module(project.graph).eval()
    raw = export_module(module, project.graph)
    compacted = copy.deepcopy(raw)
    compact(compacted, set(project.graph.nodes))
    onnx.checker.check_model(compacted, full_check=True)
    assert len(compacted.SerializeToString()) < len(raw.SerializeToString())
    samples = [x.numpy() for x in example_inputs(module, 5, torch.Generator().manual_seed(1))]
    before = open_session(raw.SerializeToString()).session.run(None, _feeds(raw, samples))
    after = open_session(compacted.SerializeToString()).session.run(None, _feeds(compacted, samples))
    assert len(before) == len(after)
    assert all(np.abs(b - a).max() <= 1e-6 for b, a in zip(before, after))
    for node in compacted.graph.node:
        assert node.name == "" or (layer_of(node.name) in project.graph.nodes and node.name.count("/") == 2)
        if node.op_type == "Gemm":
            assert not {a.name for a in node.attribute} & {"alpha", "beta", "transB"}
    names = [i.name for i in compacted.graph.initializer]
    assert len(names) == len(set(names))


def _feeds(model, samples) -> dict:
    return {value.name: x for value, x in zip(model.graph.input, samples)}


def _optimized_ops(path, tmp_path) -> list[str]:
    """The operators ONNX Runtime runs after its graph optimisations (where QDQ groups become int8 kernels)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return [n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node]


def test_static_int8_of_the_digits_mlp_is_at_most_0_3_of_fp32_and_runs_int8_kernels(tmp_path):
    project, dataset = train_template(tmp_path, "mlp", DIGITS, epochs=3)
    original, static = compress_project(project, "int8-static", dataset=dataset)
    assert static.size_bytes <= 0.3 * original.size_bytes
    assert static.parity.agreement >= 0.9
    path = resolve_path(static.files.onnx, project.folder)
    model = onnx.load(str(path))
    zero_points = {n.input[2] for n in model.graph.node
                   if n.op_type in ("QuantizeLinear", "DequantizeLinear") and len(n.input) > 2}
    inits = {i.name: i for i in model.graph.initializer}
    assert len(zero_points) == 2 and {inits[z].data_type for z in zero_points} == {onnx.TensorProto.UINT8,
                                                                                    onnx.TensorProto.INT8}
    ops = _optimized_ops(path, tmp_path)
    assert ops.count("QGemm") == 2  # the hidden dense layers run as int8 kernels; the last one has a float output
    meta = read_metadata(model)
    assert meta["preprocessing"] == json.loads(json.dumps(dataset.preprocessing))
    assert meta["compression"] == {"method": "int8-static", "variant": "int8-static"}


@pytest.mark.parametrize("task, labels, preprocessing, stored_target", [
    ("classification", ["0", "1"],
     {"kind": "image", "size": [8, 8], "target": {"task": "classification", "columns": [], "classes": ["0", "1"]}},
     None),
    ("classification", ["setosa", "virginica"],
     {"kind": "table", "target": {"task": "classification", "columns": ["species"], "classes": ["setosa",
                                                                                               "virginica"]}},
     {"columns": ["species"]}),
    ("regression", ["price"],
     {"kind": "table", "target": {"task": "regression", "columns": ["price"], "mean": [3.5], "std": [1.25]}},
     {"columns": ["price"], "mean": [3.5], "std": [1.25]}),
])
def test_metadata_stores_each_target_fact_once_and_reads_back_whole(task, labels, preprocessing, stored_target):
    entries = build_metadata(name="n", description="d", task=task, labels=labels, preprocessing=preprocessing,
                             compression={"method": "int8-static", "amount": None, "variant": "v"})
    stored = json.loads(entries["preprocessing"])
    assert stored.get("target") == stored_target
    assert {k: v for k, v in stored.items() if k != "target"} == {k: v for k, v in preprocessing.items()
                                                                  if k != "target"}
    assert json.loads(entries["compression"]) == {"method": "int8-static", "variant": "v"}
    model = onnx.helper.make_model(onnx.helper.make_graph([], "g", [], []))
    write_metadata(model, entries)
    meta = read_metadata(model)
    assert meta["preprocessing"] == preprocessing and meta["labels"] == labels and meta["task"] == task
