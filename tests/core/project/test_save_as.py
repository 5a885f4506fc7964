"""Save As: a project without a name of its own takes the file's name, and its runs and variants are filed under
it (copied, so the old place keeps them: a failure never loses a run)."""

import pytest

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.errors import WorkbenchError
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import compress_project, train_project
from workbench.core.project.trained import build_trained_module
from workbench.core.training.settings import TrainingSettings


@pytest.fixture
def unsaved(tmp_path):
    """A never-saved project ("Untitled") trained and compressed in its workspace folder."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    project = open_template("mlp")
    project.name = "Untitled"
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 200}})
    dataset = load_dataset(spec)
    fit_graph_to_dataset(project.graph, dataset)
    project.dataset = spec
    project.training = TrainingSettings(epochs=1, batch_size=16)
    project.add_run(train_project(project, workspace, dataset=dataset).record)
    project.add_variants(compress_project(project, "fp16", base_dir=workspace, workspace=workspace))
    return project, workspace


def test_save_as_names_the_project_and_files_its_runs_under_the_name(unsaved, tmp_path):
    project, workspace = unsaved
    old_files = project.record_files()
    assert all(path.split("/")[1] == "Untitled" for path in old_files)
    target = tmp_path / "mine" / "penguins.wbproj"
    target.parent.mkdir()
    save_project(project, target, base_dir=workspace)
    assert project.name == "penguins"
    new_files = project.record_files()
    assert [p.split("/")[:2] for p in new_files] == [[p.split("/")[0], "penguins"] for p in old_files]
    for old, new in zip(old_files, new_files):
        assert (target.parent / new).read_bytes() == (workspace / old).read_bytes()
        assert (workspace / old).is_file()                      # copied, not moved
    reopened = load_project(target)
    assert reopened.name == "penguins" and reopened.record_files() == new_files
    assert build_trained_module(reopened) is not None
    assert not (target.parent / "runs" / "Untitled").exists()


def test_a_project_with_a_name_of_its_own_keeps_it(unsaved, tmp_path):
    project, workspace = unsaved
    project.name = "Bird study"
    save_project(project, tmp_path / "birds.wbproj", base_dir=workspace)
    assert project.name == "Bird study"
    assert all(path.split("/")[1] == "birds" for path in project.record_files())


def test_a_failed_save_as_changes_nothing(unsaved, tmp_path, monkeypatch):
    import shutil

    project, workspace = unsaved
    old_files = project.record_files()
    calls = []

    def full_disk(source, target, **kwargs):
        calls.append(target)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return shutil.copyfile(source, target)

    monkeypatch.setattr(shutil, "copy2", full_disk)
    target = tmp_path / "penguins.wbproj"
    with pytest.raises(WorkbenchError, match="No space left on device"):
        save_project(project, target, base_dir=workspace)
    assert project.name == "Untitled" and project.record_files() == old_files and project.path is None
    assert not target.exists() and not (tmp_path / "runs" / "penguins").exists() or \
        not any(p.is_file() for p in (tmp_path / "runs" / "penguins").rglob("*"))
    assert all((workspace / old).is_file() for old in old_files)
