"""Runs of a project: records, weights files, checkpoints and resuming, starting from other weights."""

import json

import numpy as np
import pytest
import torch

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.errors import WorkbenchError
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import train_project
from workbench.core.project.train import curves_of
from workbench.core.project.trained import build_trained_module
from workbench.core.training import Callback, RunControl, TrainingSettings
from workbench.core.training.weights import (WeightsError, layer_state, load_matching_weights, load_weights,
                                             read_weights, save_weights)


@pytest.fixture(scope="module")
def moons_data():
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 200}})
    return spec, load_dataset(spec)


@pytest.fixture
def project(moons_data, tmp_path):
    spec, dataset = moons_data
    p = open_template("mlp")
    fit_graph_to_dataset(p.graph, dataset)
    p.dataset = spec
    p.training = TrainingSettings(epochs=3, batch_size=32, early_stopping=False)
    save_project(p, tmp_path / "moons.json")
    return p


def test_a_run_writes_weights_and_a_json_safe_record(project, moons_data, tmp_path):
    _, dataset = moons_data
    outcome = train_project(project, tmp_path, dataset=dataset)
    record = outcome.record
    json.dumps(record.to_dict(), allow_nan=False)
    assert record.status == "completed" and record.epochs_done == 3
    assert record.files.weights == f"runs/moons/{record.id}/best.safetensors"
    for key in ("weights", "best", "last", "state"):
        assert (tmp_path / getattr(record.files, key)).is_file()
    assert set(record.metrics) == {"val", "test"}
    assert set(record.metrics["test"]) >= {"accuracy", "loss", "f1_macro"}
    assert record.metrics["test"] == {k: outcome.evaluation[k] for k in record.metrics["test"]}
    assert len(record.curves.epochs) == 3
    assert len(record.curves.batch_loss) == len(outcome.result.batch_losses)
    assert record.settings.epochs == 3 and record.graph["nodes"]
    assert record.name == "Run 1"

    project.add_run(record)
    save_project(project)
    reopened = load_project(project.path)
    module = build_trained_module(reopened)
    x, _ = dataset.tensors("test")
    with torch.no_grad():
        assert torch.equal(module(x), outcome.module.eval()(x))


def test_the_trained_network_survives_later_edits(project, moons_data, tmp_path):
    _, dataset = moons_data
    outcome = train_project(project, tmp_path, dataset=dataset)
    project.add_run(outcome.record)
    project.graph.set_params("dense1", {"units": 7})  # the user edits after training
    module = build_trained_module(project, base_dir=tmp_path)
    assert module.layers["dense1"].out_features == 64


def test_weights_that_do_not_fit_are_refused_plainly(project, tmp_path):
    module = build_module(project.graph)
    path = save_weights(layer_state(module), tmp_path / "w.safetensors")
    project.graph.set_params("dense1", {"units": 7})
    other = build_module(project.graph)
    with pytest.raises(WeightsError, match=r"dense1.bias has shape \(64,\) instead of \(7,\)"):
        load_weights(other, path)
    with pytest.raises(WeightsError, match="does not exist"):
        load_weights(other, tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a weights file")
    with pytest.raises(WeightsError, match="not a readable weights file"):
        load_weights(other, tmp_path / "junk.safetensors")


def stopped_after_two_epochs(project, dataset, base):
    """A run of the project stopped by the user after its second epoch."""
    control = RunControl()

    class StopAfterTwo(Callback):
        def on_epoch_end(self, trainer, info):
            if info.epoch == 1:
                control.stop()

    return train_project(project, base, dataset=dataset, callbacks=[StopAfterTwo()], control=control)


def test_stopped_run_resumes_from_its_last_epoch(project, moons_data, tmp_path):
    _, dataset = moons_data
    project.training = TrainingSettings(epochs=5, batch_size=32, early_stopping=False)
    first = stopped_after_two_epochs(project, dataset, tmp_path)
    assert first.record.status == "stopped" and first.record.epochs_done == 2
    project.add_run(first.record)
    _, meta = read_weights(tmp_path / first.record.files.state)
    resumed = train_project(project, tmp_path, dataset=dataset, resume_run=first.record.id)
    record = resumed.record
    assert record.id == first.record.id and record.status == "completed"
    assert [row["epoch"] for row in record.curves.epochs] == [0, 1, 2, 3, 4]
    assert record.curves.epochs[:2] == first.record.curves.epochs
    nb = len(first.result.batch_losses) // 2
    assert len(resumed.result.batch_losses) == 5 * nb
    assert np.array_equal(resumed.result.batch_losses[:2 * nb], first.result.batch_losses)
    project.add_run(record)
    assert len(project.runs) == 1
    with pytest.raises(WorkbenchError, match="already finished all 5 epochs"):
        train_project(project, tmp_path, dataset=dataset, resume_run=record.id)


def test_transfer_loads_layers_that_match_by_name_and_shape(project, moons_data, tmp_path):
    spec, dataset = moons_data
    outcome = train_project(project, tmp_path, dataset=dataset)
    project.add_run(outcome.record)
    save_project(project)

    target = open_template("mlp")
    fit_graph_to_dataset(target.graph, dataset)
    target.graph.set_params("dense2", {"units": 16})  # same name, other shape
    target.graph.rename("relu1", "act1")
    module = build_module(target.graph)
    tensors, names = read_weights(tmp_path / outcome.record.files.weights)[0], None
    report = load_matching_weights(module, {nid: n.name for nid, n in target.graph.nodes.items()}, tensors, names)
    assert report.loaded == ["dense1"]
    assert report.skipped == [("dense2", "weight has shape (32, 64) there but (16, 64) here; "
                                          "bias has shape (32,) there but (16,) here")]
    assert report.partly == [("classifier1", "weight has shape (2, 32) there but (2, 16) here")]
    assert torch.equal(module.layers["classifier1"].bias, outcome.module.layers["classifier1"].bias)
    assert torch.equal(module.layers["dense1"].weight, outcome.module.layers["dense1"].weight)
    assert "Loaded 1 layer: dense1." in report.summary()

    # a run that starts from another project's run
    target.dataset = spec
    target.training = TrainingSettings(epochs=1, init_from={"project": str(project.path)})
    run = train_project(target, tmp_path, dataset=dataset)
    assert run.record.transfer["loaded"] == ["dense1"]
    assert run.record.transfer["skipped"][0][0] == "dense2"


def test_transfer_with_nothing_in_common_is_an_error(project, tmp_path):
    module = build_module(project.graph)
    with pytest.raises(WeightsError, match="None of the source's layers match"):
        load_matching_weights(module, {"dense1": "dense1"}, {"other.weight": torch.zeros(3)})


def test_weights_files_carry_node_names_for_transfer(project, moons_data, tmp_path):
    _, dataset = moons_data
    module = build_module(project.graph)
    names = {nid: f"layer_{nid}" for nid in project.graph.nodes}
    path = save_weights(layer_state(module), tmp_path / "named.safetensors", names)
    project.training = TrainingSettings(epochs=1, init_from={"weights": str(path)})
    renamed = {nid: f"layer_{nid}" for nid in project.graph.nodes}
    for nid, name in renamed.items():
        project.graph.rename(nid, name)
    outcome = train_project(project, tmp_path, dataset=dataset)
    assert outcome.record.transfer["loaded"] == ["layer_dense1", "layer_dense2", "layer_classifier1"]


def test_find_run_explains_what_is_missing(project):
    with pytest.raises(WorkbenchError, match="no trained run yet"):
        project.find_run()
    with pytest.raises(WorkbenchError, match="no run 'run-x'"):
        project.find_run("run-x")


def test_curves_are_averaged_into_a_bounded_number_of_points():
    losses = np.arange(10_000, dtype=np.float32)
    curves = curves_of([{"epoch": 0}], losses)
    assert len(curves.batch_loss) == 2000 and len(curves.batch_step) == 2000
    assert curves.batch_loss[0] == pytest.approx(2.0) and curves.batch_step[0] == pytest.approx(2.0)
    assert np.mean(curves.batch_loss) == pytest.approx(losses.mean())
    short = curves_of([], np.array([1.0, 2.0], np.float32))
    assert short.batch_loss == [1.0, 2.0] and short.batch_step == [0.0, 1.0]


def test_settings_come_from_the_project(project, moons_data, tmp_path):
    _, dataset = moons_data
    project.training = TrainingSettings(epochs=0)
    with pytest.raises(WorkbenchError, match="training.epochs"):
        train_project(project, tmp_path, dataset=dataset)
    outcome = train_project(project, tmp_path, dataset=dataset, settings=TrainingSettings(epochs=1))
    assert outcome.record.epochs_done == 1


def test_a_run_whose_folder_cannot_be_written_is_kept_in_memory_and_saved_elsewhere(project, moons_data, tmp_path,
                                                                                     capsys):
    from workbench.cli import run_command

    _, dataset = moons_data
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "runs").write_text("a file where the runs folder should be")
    outcome = train_project(project, blocked, dataset=dataset)
    record = outcome.record
    assert outcome.result.checkpoint_error and "blocked/runs' is a file, not a folder" in record.message
    assert record.status == "completed" and record.files.weights == f"runs/moons/{record.id}/best.safetensors"
    assert list(outcome.unsaved_weights) == [record.files.weights]
    outcome.add_to(project)
    x, _ = dataset.tensors("test")
    with torch.no_grad():  # evaluating and exporting work from memory before it is saved
        assert torch.equal(build_trained_module(project, base_dir=blocked)(x), outcome.module.eval()(x))
    before = project.path.read_bytes()
    with pytest.raises(WorkbenchError, match="The project was not saved; save it in a folder you can write to"):
        save_project(project, blocked / "moons.json")
    assert project.path.read_bytes() == before and project.unsaved_weights
    (tmp_path / "elsewhere").mkdir()
    elsewhere = save_project(project, tmp_path / "elsewhere" / "moons.json")
    assert project.unsaved_weights == {} and (elsewhere.parent / record.files.weights).is_file()
    reopened = load_project(elsewhere)
    with torch.no_grad():
        assert torch.equal(build_trained_module(reopened)(x), outcome.module.eval()(x))

    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "runs").write_text("in the way")
    assert run_command(["train", "mlp", "--epochs", "1", "--out", str(tmp_path / "cli" / "p.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("error: ") == 1 and "Traceback" not in err
    assert "so the run is lost; train again with --out in a folder" in err


def test_two_projects_of_one_name_in_one_folder_never_share_a_run_folder(moons_data, tmp_path, monkeypatch):
    """Both trained from the template within one second (one clock reading): each run keeps its own weights."""
    from datetime import datetime, timezone

    from workbench.core.project import train as train_module

    class OneSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 12, 1, 12, 0, 0, tzinfo=timezone.utc)

    monkeypatch.setattr(train_module, "datetime", OneSecond)
    spec, dataset = moons_data
    records = []
    for seed in (1, 2):
        p = open_template("mlp")
        fit_graph_to_dataset(p.graph, dataset)
        p.dataset = spec
        p.training = TrainingSettings(epochs=1, batch_size=32, seed=seed)
        records.append(train_project(p, tmp_path, dataset=dataset).record)
    first, second = (read_weights(tmp_path / r.files.weights)[0] for r in records)
    assert records[0].files.weights != records[1].files.weights
    assert records[0].id == "run-20261201-120000" and records[1].id == "run-20261201-120000-2"
    assert any(not torch.equal(first[k], second[k]) for k in first)


def test_a_stopped_run_resumes_from_its_own_folder_after_the_project_file_is_renamed(project, moons_data, tmp_path):
    _, dataset = moons_data
    project.training = TrainingSettings(epochs=4, batch_size=32, early_stopping=False)
    first = stopped_after_two_epochs(project, dataset, tmp_path)
    project.add_run(first.record)
    save_project(project)
    (tmp_path / "moons.json").rename(tmp_path / "renamed.json")  # in the file manager: runs/moons/ stays
    reopened = load_project(tmp_path / "renamed.json")
    resumed = train_project(reopened, tmp_path, dataset=dataset, resume_run=first.record.id)
    assert [row["epoch"] for row in resumed.record.curves.epochs] == [0, 1, 2, 3]
    assert resumed.record.files.state == first.record.files.state


def test_a_run_that_ends_after_save_as_into_another_folder_is_filed_beside_the_project(project, moons_data, tmp_path):
    _, dataset = moons_data
    old_folder = project.folder
    outcome = train_project(project, old_folder, dataset=dataset)  # while it trains, the user saves elsewhere:
    (tmp_path / "elsewhere").mkdir()
    save_project(project, tmp_path / "elsewhere" / "copy.json")
    outcome.add_to(project, written_in=old_folder)
    record = project.find_run(outcome.record.id)
    assert record.files.weights.startswith(f"runs/copy/{record.id}/")
    assert all((tmp_path / "elsewhere" / path).is_file() for path in record.files.paths())
    assert (old_folder / "runs" / "moons" / record.id / "best.safetensors").is_file()  # the originals stay
    save_project(project)
    reopened = load_project(tmp_path / "elsewhere" / "copy.json")
    assert build_trained_module(reopened, reopened.find_run(record.id)) is not None


def test_a_run_that_cannot_be_copied_names_its_files_where_they_are(project, moons_data, tmp_path, monkeypatch):
    _, dataset = moons_data
    old_folder = project.folder
    outcome = train_project(project, old_folder, dataset=dataset)
    (tmp_path / "elsewhere").mkdir()
    save_project(project, tmp_path / "elsewhere" / "copy.json")

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("workbench.core.project.storage.shutil.copy2", full_disk)
    outcome.add_to(project, written_in=old_folder)
    record = project.find_run(outcome.record.id)
    assert record.files.weights == str((old_folder / "runs" / "moons" / record.id / "best.safetensors").resolve())
    assert not (tmp_path / "elsewhere" / "runs").exists() or not any((tmp_path / "elsewhere" / "runs").rglob("*.*"))
