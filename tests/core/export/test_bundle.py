"""ONNX export: every template exports with parity, the export folder is complete and verified, predict.py runs on
its own, providers are chosen quietly, and bad cases fail with messages that name the layer at fault."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.core.trained_projects import TEMPLATES, train_template
from workbench.core.build import build_module, example_inputs
from workbench.core.errors import WorkbenchError
from workbench.core.export.bundle import CARD_FILE, LABELS_FILE, ONNX_FILE, PREDICT_FILE
from workbench.core.export.errors import ExportError, ParityError
from workbench.core.export.metadata import read_metadata
from workbench.core.export.onnx_export import export_module
from workbench.core.export.runtime import CPU, choose_providers, open_session
from workbench.core.export.verify import PARITY_TOLERANCE, check_parity, run_checker
from workbench.core.project import NotTrainedError, load_project, open_template, save_project, template_names
from workbench.core.project.actions import export_project


@pytest.fixture(scope="module")
def digits_cnn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cnn")
    return train_template(folder, "cnn")


@pytest.fixture(scope="module")
def digits_export(digits_cnn, tmp_path_factory):
    project, _ = digits_cnn
    out = tmp_path_factory.mktemp("export")
    return export_project(project, out)


def test_the_templates_list_is_complete():
    assert sorted(template_names()) == TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_exports_with_parity_and_a_dynamic_batch(template, tmp_path):
    project = open_template(template)
    torch.manual_seed(0)
    module = build_module(project.graph).eval()
    model = export_module(module, project.graph)
    path = tmp_path / "m.onnx"
    import onnx

    onnx.save_model(model, str(path))
    run_checker(path, model, project.graph, 17)
    session = open_session(path)
    assert session.provider == CPU
    for batch in (1, 7):
        samples = [x.numpy() for x in example_inputs(module, batch, torch.Generator().manual_seed(batch))]
        if module.input_infos[0].dtype == "int":
            assert samples[0].dtype == np.int64
        assert check_parity(module, session, samples) <= PARITY_TOLERANCE
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_export_folder_holds_a_verified_model_with_metadata_card_and_labels(digits_cnn, digits_export):
    project, dataset = digits_cnn
    result = digits_export
    assert sorted(result.files) == sorted([ONNX_FILE, CARD_FILE, LABELS_FILE, PREDICT_FILE])
    for name in result.files:
        assert (result.folder / name).is_file()
    assert not [p for p in result.folder.iterdir() if p.name.startswith(".export-")]
    assert 0 <= result.parity_max_abs_diff <= PARITY_TOLERANCE
    assert result.parity_samples == len(dataset.splits["test"])
    assert result.size_bytes == (result.folder / ONNX_FILE).stat().st_size
    assert result.provider == "CPU" and result.opset == 17

    import onnx

    model = onnx.load(str(result.onnx_path))
    meta = read_metadata(model)
    assert meta["labels"] == [str(i) for i in range(10)]
    assert meta["preprocessing"] == json.loads(json.dumps(dataset.preprocessing))
    assert meta["task"] == "classification"
    assert meta["description"] == project.description
    assert meta["compression"] == {"method": "none"}
    labels = (result.folder / LABELS_FILE).read_text().splitlines()
    assert labels == [str(i) for i in range(10)]
    card = (result.folder / CARD_FILE).read_text()
    accuracy = project.runs[-1].metrics["test"]["accuracy"]
    assert f"| accuracy | " in card and f"{accuracy:.4g}" in card
    assert "(batch, 1, 8, 8)" in card and "resized to 8x8" in card and "opset 17" in card


def test_exported_model_predicts_what_the_trained_network_predicts(digits_cnn, digits_export):
    project, dataset = digits_cnn
    from workbench.core.project.trained import build_trained_module

    module = build_trained_module(project)
    x, _ = dataset.arrays(dataset.split_indices("test"))
    session = open_session(digits_export.onnx_path)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    assert np.abs(session.run(x) - expected).max() <= PARITY_TOLERANCE


def test_predict_script_runs_alone_on_image_files(digits_cnn, digits_export, tmp_path):
    from PIL import Image

    from workbench.core.data import apply_preprocessing

    _, dataset = digits_cnn
    x, _ = dataset.arrays(dataset.split_indices("test")[:4])
    paths = []
    for i, sample in enumerate(x):
        path = tmp_path / f"digit{i}.png"
        Image.fromarray(np.rint(sample[0] * 255).astype(np.uint8)).resize((24, 24)).save(path)
        paths.append(path)
    script = digits_export.folder / PREDICT_FILE
    done = subprocess.run([sys.executable, str(script), *map(str, paths)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    images = [Image.open(p) for p in paths]
    inputs = apply_preprocessing(dataset.preprocessing, images)
    expected = open_session(digits_export.onnx_path).run(inputs).argmax(axis=1)
    assert lines == [dataset.class_names[k] for k in expected]

    top = subprocess.run([sys.executable, str(script), str(paths[0]), "--top", "3"], capture_output=True, text=True,
                         timeout=60)
    assert top.returncode == 0 and len(top.stdout.splitlines()) == 1
    assert top.stdout.count("(") == 3

    bad = subprocess.run([sys.executable, str(script), str(tmp_path / "missing.png")], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.startswith("error:") and "missing.png" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_predict_script_takes_a_csv_with_the_training_columns_and_ignores_the_target(tmp_path):
    from workbench.core.data import apply_preprocessing

    project, dataset = train_template(tmp_path, "mlp", epochs=3)
    result = export_project(project, tmp_path / "out")
    pre = dataset.preprocessing
    columns = list(pre["source_columns"])
    rows = [[5.1, 3.5, 1.4, 0.2, "setosa"], [6.7, 3.0, 5.2, 2.3, "virginica"], [5.9, 3.0, 4.2, 1.5, "versicolor"]]
    csv_path = tmp_path / "new.csv"
    csv_path.write_text(",".join(columns) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    done = subprocess.run([sys.executable, str(result.folder / PREDICT_FILE), str(csv_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    features = [dict(zip(columns, r)) for r in rows]
    expected = open_session(result.onnx_path).run(apply_preprocessing(pre, features)).argmax(axis=1)
    assert done.stdout.splitlines() == [dataset.class_names[k] for k in expected]

    missing = tmp_path / "missing_column.csv"
    missing.write_text(",".join(columns[1:]) + "\n" + ",".join(map(str, rows[0][1:])) + "\n")
    bad = subprocess.run([sys.executable, str(result.folder / PREDICT_FILE), str(missing)], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and columns[0] in bad.stderr and "missing" in bad.stderr


def test_an_untrained_project_says_to_train_first(tmp_path):
    project = open_template("cnn")
    save_project(project, tmp_path / "p.json")
    with pytest.raises(NotTrainedError, match="has not been trained yet.*Train it first"):
        export_project(load_project(tmp_path / "p.json"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


class _Unexportable(torch.nn.Module):
    """A layer whose operation the ONNX exporter has no translation for."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return torch.special.bessel_j0(self.inner(x))


def test_a_layer_the_exporter_cannot_express_is_named():
    project = open_template("cnn")
    module = build_module(project.graph).eval()
    module.layers["dense1"] = _Unexportable(module.layers["dense1"])
    with pytest.raises(ExportError) as caught:
        export_module(module, project.graph)
    assert caught.value.node_id == "dense1"
    assert str(caught.value).startswith("Dense 'dense1' cannot be expressed in ONNX opset 17")


def test_a_layer_the_chosen_opset_cannot_express_is_named_with_what_to_try(tmp_path):
    project = open_template("lstm")
    module = build_module(project.graph).eval()
    from workbench.core.export.bundle import ModelInfo, Verification, io_descriptions, write_bundle

    model = export_module(module, project.graph, opset=7)
    info = ModelInfo("t", "", "classification", ["a", "b"], {"kind": "tokens", "max_len": 40, "vocab_size": 2000})
    with pytest.raises(ExportError) as caught:
        write_bundle(model, tmp_path / "out", info, io_descriptions(module), 1, project.graph,
                     lambda session: Verification(0.0, 1, "x"))
    assert caught.value.node_id == "lstm1"
    assert "LSTM 'lstm1' cannot run in ONNX opset 7" in str(caught.value)
    assert "Choose opset 17 or newer" in str(caught.value)
    assert not any((tmp_path / "out").iterdir())


def test_a_model_that_computes_something_else_fails_parity(tmp_path):
    import onnx
    from onnx import numpy_helper

    project = open_template("mlp")
    module = build_module(project.graph).eval()
    model = export_module(module, project.graph)
    weight = next(i for i in model.graph.initializer if numpy_helper.to_array(i).ndim == 2)
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) + 0.5, weight.name))
    session = open_session(model.SerializeToString())
    samples = [example_inputs(module, 16, torch.Generator().manual_seed(0))[0].numpy()]
    with pytest.raises(ParityError, match="does not compute the same outputs as the trained network") as caught:
        check_parity(module, session, samples)
    assert caught.value.max_abs_diff > PARITY_TOLERANCE
    assert onnx  # the model was loaded and checked above


def test_bad_export_arguments_are_refused_in_words(digits_cnn, tmp_path):
    project, _ = digits_cnn
    with pytest.raises(ExportError, match="opset must be a whole number from 7 to 23"):
        export_project(project, tmp_path / "o", opset=5)
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(ExportError, match="is a file; choose a folder"):
        export_project(project, a_file)
    with pytest.raises(WorkbenchError, match="no variant called 'nope'"):
        export_project(project, tmp_path / "o", variant="nope")


def test_providers_fall_back_to_the_cpu_quietly():
    assert choose_providers("auto")[-1] == CPU
    assert choose_providers("cpu") == [CPU]
    from workbench.core.export.runtime import gpu_count

    if gpu_count() == 0:
        assert choose_providers("auto") == [CPU]
        with pytest.raises(WorkbenchError, match="CUDA \\(GPU\\) is not available on this computer"):
            choose_providers("cuda")
    code = ("from workbench.core.export.runtime import open_session, usable_providers\n"
            "from workbench.core.export.runtime import _tiny_model_bytes\n"
            "usable_providers(); print(open_session(_tiny_model_bytes()).provider_title)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.strip() in ("CPU", "CUDA (GPU)", "TensorRT (GPU)")


def test_export_command_prints_the_json_summary(digits_cnn, tmp_path, capsys):
    from workbench.cli import run_command

    project, _ = digits_cnn
    assert run_command(["export", str(project.path), "--out", str(tmp_path / "cli"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["onnx"] == str(tmp_path / "cli" / ONNX_FILE)
    assert summary["size_bytes"] == (tmp_path / "cli" / ONNX_FILE).stat().st_size
    assert 0 <= summary["parity_max_abs_diff"] <= PARITY_TOLERANCE
    assert run_command(["export", str(project.path), "--out", str(tmp_path / "x"), "--opset", "99"]) == 2
    assert "error: The ONNX opset must be" in capsys.readouterr().err


def test_predict_script_reads_text_for_a_sequence_model(tmp_path):
    from workbench.core.data import apply_preprocessing

    good = ["great fun", "loved it", "wonderful film", "really good", "nice story"]
    bad = ["boring mess", "hated it", "awful film", "really bad", "dull story"]
    lines = ["review,label"]
    for i in range(60):
        lines.append(f"{good[i % 5]} {good[(i * 3 + 1) % 5]},pos")
        lines.append(f"{bad[i % 5]} {bad[(i * 3 + 1) % 5]},neg")
    (tmp_path / "reviews.csv").write_text("\n".join(lines) + "\n")
    data = {"source": "csv", "path": "reviews.csv", "options": {"target": "label", "text": {"column": "review"}}}
    project, dataset = train_template(tmp_path, "transformer", data, epochs=3)
    result = export_project(project, tmp_path / "out")
    assert result.parity_max_abs_diff <= PARITY_TOLERANCE
    (tmp_path / "new.csv").write_text("label,review\n,wonderful story\nneg,an awful mess\n")
    done = subprocess.run([sys.executable, str(result.folder / PREDICT_FILE), str(tmp_path / "new.csv")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    inputs = apply_preprocessing(dataset.preprocessing, ["wonderful story", "an awful mess"])
    assert inputs.dtype == np.int64
    expected = open_session(result.onnx_path).run(inputs).argmax(axis=1)
    assert done.stdout.splitlines() == [dataset.class_names[k] for k in expected]


def test_an_export_never_replaces_a_file_workbench_did_not_write(digits_cnn, tmp_path, capsys):
    from workbench.cli import run_command
    from workbench.core.export.bundle import MANIFEST_FILE, WouldReplaceFilesError

    project, _ = digits_cnn
    out = tmp_path / "out"
    out.mkdir()
    (out / CARD_FILE).write_text("# My own notes\n")
    (out / "data.csv").write_text("a,b\n")
    with pytest.raises(WouldReplaceFilesError, match="already has model_card.md, which Workbench did not write"):
        export_project(project, out)
    assert sorted(p.name for p in out.iterdir()) == ["data.csv", "model_card.md"]  # nothing written
    assert run_command(["export", str(project.path), "--out", str(out)]) == 2
    assert "--overwrite replaces them" in capsys.readouterr().err
    assert (out / CARD_FILE).read_text() == "# My own notes\n"

    export_project(project, out, overwrite=True)
    assert (out / CARD_FILE).read_text().startswith("# Digits CNN") and (out / MANIFEST_FILE).is_file()
    export_project(project, out)  # its own files, unchanged since: replaced without asking
    (out / LABELS_FILE).write_text("zero\none\n")  # the user edits one of them
    with pytest.raises(WouldReplaceFilesError, match="already has labels.txt"):
        export_project(project, out)


def test_a_folder_as_workbench_left_it_is_checked_without_reading_its_files(digits_cnn, tmp_path, monkeypatch):
    import shutil

    from workbench.core.export import bundle

    project, _ = digits_cnn
    out = tmp_path / "out"
    export_project(project, out)
    copied = tmp_path / "copied"
    shutil.copytree(out, copied, copy_function=shutil.copyfile)  # new modification times, same contents
    hashed = []
    real_sha256 = bundle._sha256
    monkeypatch.setattr(bundle, "_sha256", lambda path: hashed.append(path.name) or real_sha256(path))

    assert bundle.files_to_replace(out) == [] and hashed == []
    assert bundle.files_to_replace(copied) == [] and sorted(hashed) == sorted(bundle.BUNDLE_FILES)

    labels = out / LABELS_FILE
    stat = labels.stat()
    edited = labels.read_text().replace("0", "9", 1)  # the same size, other contents
    labels.write_text(edited)
    assert len(edited.encode()) == stat.st_size
    assert bundle.files_to_replace(out) == [LABELS_FILE]


def test_a_manifest_of_digests_alone_is_still_honoured(digits_cnn, tmp_path):
    import json

    from workbench.core.export import bundle

    project, _ = digits_cnn
    out = tmp_path / "out"
    export_project(project, out)
    manifest = json.loads((out / bundle.MANIFEST_FILE).read_text())
    (out / bundle.MANIFEST_FILE).write_text(json.dumps({name: entry["sha256"] for name, entry in manifest.items()}))
    assert bundle.files_to_replace(out) == []
    (out / CARD_FILE).write_text("# My own notes\n")
    assert bundle.files_to_replace(out) == [CARD_FILE]
