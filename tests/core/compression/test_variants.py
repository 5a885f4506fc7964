"""Compression: every method makes a checked variant beside the original, with its files, figures and per-layer
effects; structured pruning really removes channels; bad requests are refused in words."""

import json
import re

import numpy as np
import pytest
import torch

from tests.core.trained_projects import train_template
from workbench.core.build import build_module
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.methods import get_method, offered_methods
from workbench.core.compression.structured import plan_structured_pruning, prune_structured
from workbench.core.compression.variants import check_variant_parity
from workbench.core.data.loader import resolve_path
from workbench.core.export.errors import ParityError
from workbench.core.export.metadata import read_metadata
from workbench.core.export.verify import PARITY_TOLERANCE
from workbench.core.project import NotTrainedError, load_project, open_template, save_project
from workbench.core.project.actions import compress_project, export_project

METHODS = [m.name for m in offered_methods()]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compress")
    project, dataset = train_template(folder, "cnn", epochs=6)
    return project, dataset


@pytest.fixture(scope="module")
def variants(trained):
    """Every method run once (one fine-tune epoch), each record list as returned."""
    project, dataset = trained
    made = {}
    for method in METHODS:
        records = compress_project(project, method, dataset=dataset,
                                   epochs=1 if get_method(method).takes_epochs else None)
        project.add_variants(records)
        made[method] = records
    return made


def _record(variants, method):
    return variants[method][-1]


def test_the_first_variant_comes_with_the_original_and_names_are_unique(trained, variants):
    project, _ = trained
    first = variants[METHODS[0]]
    assert [r.method for r in first] == ["none", METHODS[0]]
    assert all(len(variants[m]) == 1 for m in METHODS[1:])
    names = [r.name for r in project.variants]
    assert len(names) == len(set(names)) == len(METHODS) + 1
    original = first[0]
    assert original.name == "original" and original.files.weights is None
    assert original.metrics["test"]["accuracy"] == pytest.approx(project.runs[-1].metrics["test"]["accuracy"])


@pytest.mark.parametrize("method", METHODS)
def test_each_method_records_checked_files_and_figures(trained, variants, method):
    project, dataset = trained
    record = _record(variants, method)
    onnx_path = resolve_path(record.files.onnx, project.folder)
    assert onnx_path.is_file() and record.size_bytes == onnx_path.stat().st_size
    assert record.run == project.runs[-1].id
    assert set(record.metrics) == {"val", "test"}
    assert 0.0 <= record.metrics["test"]["accuracy"] <= 1.0
    timing = record.latency.onnxruntime
    assert 0 < timing.p50_ms <= timing.p99_ms and timing.throughput > 0
    assert record.parity.samples == len(dataset.splits["test"])
    import onnx

    meta = read_metadata(onnx.load(str(onnx_path)))
    assert meta["compression"]["method"] == method
    assert meta["labels"] == dataset.class_names
    if record.files.weights:
        assert resolve_path(record.files.weights, project.folder).is_file()
        assert record.parity.max_abs_diff <= PARITY_TOLERANCE
        assert record.latency.torch.p50_ms > 0


def test_quantized_variants_are_smaller_and_agree_with_the_original(variants):
    original = variants[METHODS[0]][0]
    static = _record(variants, "int8-static")
    dynamic = _record(variants, "int8-dynamic")
    fp16 = _record(variants, "fp16")
    assert static.size_bytes <= 0.3 * original.size_bytes
    assert 0.45 * original.size_bytes <= fp16.size_bytes <= 0.55 * original.size_bytes
    assert dynamic.size_bytes < 0.6 * original.size_bytes
    assert re.search(r"The (1 convolution layer stays|\d+ convolution layers stay) fp32", dynamic.notes)
    for record in (static, dynamic, fp16):
        assert record.parity.agreement >= 0.9
        assert abs(record.metrics["test"]["accuracy"] - original.metrics["test"]["accuracy"]) <= 0.03
        assert record.params == original.params
        errors = {row.node: row.value for row in record.layers}
        assert {"conv1", "dense1"} <= set(errors)
        assert all(0 <= v < 0.2 for v in errors.values())
    conv_errors = {r.node: r.value for r in dynamic.layers}
    assert conv_errors["conv1"] == 0.0  # dynamic INT8 leaves convolutions alone
    assert max(r.value for r in fp16.layers) < 1e-2


def test_magnitude_pruning_zeroes_weights_but_keeps_the_size(trained, variants):
    project, _ = trained
    original = variants[METHODS[0]][0]
    record = _record(variants, "prune")
    assert record.name == "prune-50" and record.amount == 0.5
    assert abs(record.size_bytes - original.size_bytes) < 0.02 * original.size_bytes
    assert "not smaller" in record.notes and "not faster" in record.notes
    sparsity = {row.node: row.value for row in record.layers}
    assert set(sparsity) == {"conv1", "conv2", "dense1"}
    from safetensors.numpy import load_file

    weights = load_file(str(resolve_path(record.files.weights, project.folder)))
    kernels = [weights[k] for k in ("conv1.weight", "conv2.weight", "dense1.weight")]
    zeros = sum(int((w == 0).sum()) for w in kernels) / sum(w.size for w in kernels)
    assert zeros == pytest.approx(0.5, abs=0.01)


def test_structured_pruning_removes_channels_for_real(trained, variants):
    project, _ = trained
    original = variants[METHODS[0]][0]
    record = _record(variants, "prune-structured")
    channels = {row.node: (row.before, row.after) for row in record.layers}
    assert channels == {"conv1": (16, 8), "conv2": (32, 16), "dense1": (64, 32)}
    graph = record.graph
    params = {n["id"]: n["params"] for n in graph["nodes"]}
    assert params["conv1"]["filters"] == 8 and params["dense1"]["units"] == 32
    assert record.params < 0.3 * original.params
    assert record.size_bytes < 0.35 * original.size_bytes


def test_structured_surgery_keeps_the_strongest_channels_and_the_function_of_the_rest():
    project = open_template("mlp")
    torch.manual_seed(0)
    module = build_module(project.graph).eval()
    dense = module.layers["dense1"]
    with torch.no_grad():
        dense.weight[::2] *= 0.001  # the even neurons are weak
        dense.bias[::2] = 0.0
    graph, smaller, plan = prune_structured(project.graph, module, 0.5)
    assert plan.keep["dense1"].tolist() == list(range(1, 64, 2))
    x = torch.randn(5, 4)
    with torch.no_grad():
        hidden_before = module.layers["relu1"](module.layers["dense1"](module.layers["flatten1"](x)))[:, 1::2]
        hidden_after = smaller.layers["relu1"](smaller.layers["dense1"](smaller.layers["flatten1"](x)))
    assert torch.allclose(hidden_before, hidden_after)
    assert graph.nodes["dense1"].params["units"] == 32 and project.graph.nodes["dense1"].params["units"] == 64


def test_structured_pruning_keeps_residual_layers_whole_and_refuses_what_it_cannot_cut():
    project = open_template("resnet")
    module = build_module(project.graph).eval()
    plan = plan_structured_pruning(project.graph, module, 0.5)
    assert set(plan.keep) == {"conv2", "conv4"}
    assert "Add 'add1' needs all of its inputs" in plan.skipped["conv1"]
    lstm = open_template("lstm")
    with pytest.raises(CompressionError, match="No layer of this network can lose channels"):
        plan_structured_pruning(lstm.graph, build_module(lstm.graph), 0.5)
    with pytest.raises(CompressionError, match="between 0 and 1"):
        plan_structured_pruning(project.graph, module, 1.0)


def test_distillation_trains_a_smaller_student(trained, variants):
    original = variants[METHODS[0]][0]
    record = _record(variants, "distill")
    assert record.params < 0.35 * original.params
    assert "27% of the teacher's parameters" in record.notes
    assert record.graph is not None and record.files.weights


def test_distilling_into_a_drawn_student_checks_its_input_and_output(trained, tmp_path):
    project, dataset = trained
    student = open_template("mlp").graph
    with pytest.raises(CompressionError, match="must take the same input"):
        compress_project(project, "distill", dataset=dataset, student_graph=student, epochs=1,
                         workspace=tmp_path)
    assert not (tmp_path / "variants").exists()


def test_a_variant_exports_as_a_verified_folder(trained, variants, tmp_path):
    project, _ = trained
    static = export_project(project, tmp_path / "static", variant="int8-static")
    assert static.parity_reference.startswith("the trained network")
    pruned = export_project(project, tmp_path / "pruned", variant="prune-structured-50", opset=13)
    assert pruned.opset == 13 and pruned.parity_max_abs_diff <= PARITY_TOLERANCE
    card = (tmp_path / "pruned" / "model_card.md").read_text()
    assert "Structured pruning" in card


def test_variant_parity_rules():
    ref = [np.array([[3.0, 0.0], [0.0, 3.0]] * 10, dtype=np.float32)]
    assert check_variant_parity("none", "classification", ref, [ref[0] + 5e-5])["max_abs_diff"] <= 1e-4
    with pytest.raises(ParityError, match="does not compute what its network computes"):
        check_variant_parity("prune", "classification", ref, [ref[0] + 1e-3])
    swapped = ref[0][:, ::-1].copy()
    with pytest.raises(ParityError, match="picks a different class .* on 100% of the samples"):
        check_variant_parity("int8-static", "classification", ref, [swapped])
    assert check_variant_parity("int8-static", "classification", ref, [ref[0] + 0.5])["agreement"] == 1.0
    with pytest.raises(ParityError, match="FP16 variant drifts too far"):
        check_variant_parity("fp16", "regression", ref, [ref[0] + 0.5])


def test_a_declared_method_makes_its_variant_through_its_own_builder_and_parity_rule(trained, tmp_path,
                                                                                     temporary_method):
    project, dataset = trained
    temporary_method()
    copy = compress_project(project, "test-copy", dataset=dataset, workspace=tmp_path)[-1]
    assert (copy.name, copy.method, copy.amount) == ("test-copy-30", "test-copy", 0.3)
    assert copy.notes == "A copy made by a test." and copy.parity.max_abs_diff <= PARITY_TOLERANCE
    ref = [np.array([[3.0, 0.0], [0.0, 3.0]] * 10, dtype=np.float32)]
    with pytest.raises(ParityError, match="The Test copy variant's ONNX file does not compute"):
        check_variant_parity("test-copy", "classification", ref, [ref[0] + 1e-3])
    temporary_method(name="test-fixed", title="Test fixed", takes_amount=False, default_amount=None)
    with pytest.raises(CompressionError, match="Test fixed takes no amount"):
        compress_project(project, "test-fixed", 0.5, dataset=dataset, workspace=tmp_path)


def test_bad_compression_requests_are_refused_and_leave_the_project_unchanged(trained, tmp_path):
    project, dataset = trained
    before = [r.to_dict() for r in project.variants]
    with pytest.raises(CompressionError, match="Unknown compression method 'zip'"):
        compress_project(project, "zip", dataset=dataset)
    with pytest.raises(CompressionError, match="--amount must be between 0 and 1 for prune"):
        compress_project(project, "prune", 1.5, dataset=dataset)
    with pytest.raises(CompressionError, match="Dynamic INT8 takes no epochs: it does not train"):
        compress_project(project, "int8-dynamic", dataset=dataset, epochs=5)
    with pytest.raises(CompressionError, match="Static INT8 \\(QDQ\\) takes no amount"):
        compress_project(project, "int8-static", 0.5, dataset=dataset)
    assert [r.to_dict() for r in project.variants] == before
    untrained = open_template("cnn")
    save_project(untrained, tmp_path / "u.json")
    with pytest.raises(NotTrainedError):
        compress_project(load_project(tmp_path / "u.json"), "fp16")


def test_compress_command_writes_a_new_project_with_the_variants(trained, tmp_path, capsys):
    from workbench.cli import run_command

    project, _ = trained
    source = load_project(project.path)
    source.variants.clear()
    save_project(source)
    out = tmp_path / "out" / "compressed.json"
    out.parent.mkdir()
    assert run_command(["compress", str(project.path), "--method", "int8-dynamic", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in summary["variants"]] == ["original", "int8-dynamic"]
    for v in summary["variants"]:
        assert v["size_bytes"] > 0 and v["params"] > 0 and v["latency_ms"] > 0
        assert 0 <= v["test"]["accuracy"] <= 1
    written = load_project(out)
    assert len(written.variants) == 2
    for v in written.variants:
        assert resolve_path(v.files.onnx, written.folder).is_file()
    assert load_project(project.path).variants == []  # the input project is untouched
    assert run_command(["bench", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in report["rows"]] == ["original", "int8-dynamic"]
    assert report["rows"][0]["torch_reference"] == "own"
    assert report["rows"][1]["torch_reference"] == "fp32 source"
    for row in report["rows"]:
        assert row["onnxruntime"]["p50_ms"] > 0 and row["torch"]["p50_ms"] > 0


def test_compressing_into_a_folder_that_cannot_be_written_is_one_clear_line(trained, tmp_path, capsys):
    from workbench.cli import run_command

    project, _ = trained
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "variants").write_text("a file where the variants folder should be")
    code = run_command(["compress", str(project.path), "--method", "fp16", "--out", str(blocked / "p.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("error: ") == 1 and "Traceback" not in err
    assert "Could not write the variant into" in err and "Nothing was added to the project" in err
    assert sorted(p.name for p in blocked.iterdir()) == ["variants"]
