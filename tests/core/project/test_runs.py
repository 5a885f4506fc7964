"""The runs side by side (the settings that differ, figures, duration, device) and deleting one with its files."""

import pytest

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template, save_project
from workbench.core.project.actions import compare_runs, delete_run_files, train_project
from workbench.core.project.runs import RunDeleteError
from workbench.core.training.settings import TrainingSettings


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 200}})
    dataset = load_dataset(spec)
    fit_graph_to_dataset(project.graph, dataset)
    project.dataset = spec
    save_project(project, folder / "moons.json")
    for batch_size in (16, 32):
        project.training = TrainingSettings(epochs=1, batch_size=batch_size)
        project.add_run(train_project(project, folder, dataset=dataset).record)
    save_project(project)
    return project


def test_runs_side_by_side_show_only_the_settings_that_differ(project):
    table = compare_runs(project)
    assert table.run_ids == [r.id for r in reversed(project.runs)]
    assert table.columns == ["Run", "Status", "Batch size", "Test accuracy", "Test F1", "Test loss", "Epochs done",
                             "Duration", "Device", "Finished"]
    newest = table.rows[0]
    assert [newest[0].text, newest[2].text] == ["Run 2", "32"] and newest[2].key == 32.0
    record = project.runs[-1]
    assert newest[3].text == f"{record.figures('test')['accuracy']:.1%}"
    assert newest[8].text == record.device and newest[7].key == record.duration_s


def test_deleting_a_run_removes_its_files_only(project, tmp_path):
    first, second = project.runs
    folder = project.folder
    weights = folder / first.files.weights
    assert weights.is_file()
    removed = delete_run_files(first, folder)
    assert weights in removed and not weights.exists() and not weights.parent.exists()
    assert (folder / second.files.weights).is_file()
    assert [r.id for r in project.runs] == [first.id, second.id]          # the record is the caller's to drop
    assert project.remove_run(first.id) is first and project.runs == [second]


def test_the_files_of_a_run_that_cannot_be_removed_are_left_as_they_were(project, monkeypatch):
    import pathlib

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pathlib.Path, "unlink", refuse)
    record = project.runs[-1]
    with pytest.raises(RunDeleteError, match=r"^The files of 'Run 2' could not all be removed \(Permission denied\); "
                                             r"those left are where they were\.$"):
        delete_run_files(record, project.folder)
    assert (project.folder / record.files.weights).is_file()
