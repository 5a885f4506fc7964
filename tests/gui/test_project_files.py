"""Two windows on one project: the second save notices that the file changed and asks, instead of silently
throwing the first window's edits away."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.project import load_project, open_template, save_project
from workbench.gui.document.document import ProjectDocument
from workbench.gui.project_files import ProjectFiles


@pytest.fixture
def two_windows(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    path = save_project(open_template("mlp"), tmp_path / "shared.json")
    windows = []
    for _ in range(2):
        document = ProjectDocument(load_project(path))
        files = ProjectFiles(document, None)
        files.errors = []
        files.show_error = lambda title, message, errors=files.errors: errors.append(message)
        windows.append(files)
    return path, windows


def edit(files: ProjectFiles, name: str) -> None:
    files.document.project.name = name
    files.document.mark_dirty()


@pytest.mark.parametrize("choice", ["cancel", "overwrite", "reload", "copy"])
def test_the_second_save_asks_what_to_do(two_windows, tmp_path, choice):
    path, (first, second) = two_windows
    edit(first, "first window's edit")
    assert first.save()
    edit(second, "second window's edit")
    asked = []
    second.ask_changed_on_disk = lambda: asked.append(True) or choice
    second.ask_save_path = lambda: str(tmp_path / "copy.json")
    saved = second.save()
    assert asked and second.errors == []
    on_disk = load_project(path).name
    if choice == "cancel":
        assert not saved and on_disk == "first window's edit" and second.document.is_dirty
    elif choice == "overwrite":
        assert saved and on_disk == "second window's edit" and not second.document.is_dirty
    elif choice == "reload":
        assert saved and on_disk == "first window's edit" and second.document.project.name == "first window's edit"
    else:
        assert saved and on_disk == "first window's edit"
        assert load_project(tmp_path / "copy.json").name == "second window's edit"
        assert second.document.project.path == (tmp_path / "copy.json").resolve()


def test_saving_again_after_your_own_save_does_not_ask(two_windows):
    _, (first, _) = two_windows
    first.ask_changed_on_disk = lambda: pytest.fail("asked although only this window wrote the file")
    for name in ("one", "two"):
        edit(first, name)
        assert first.save()


def test_a_project_that_reads_files_outside_its_folder_asks_first_and_once(qapp, tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    folder = tmp_path / "downloaded"
    folder.mkdir()
    data = json.loads(save_project(open_template("mlp"), folder / "p.json").read_text())
    data["dataset"] = {"source": "csv", "path": "../../../../../etc/passwd"}
    (folder / "p.json").write_text(json.dumps(data))
    document = ProjectDocument(open_template("cnn"))
    files = ProjectFiles(document, None)
    asked = []
    files.ask_read_outside = lambda name, paths: asked.append((name, paths)) or False
    assert not files.open_path(folder / "p.json")
    assert asked == [("p.json", [Path("/etc/passwd")])] and document.project.name == "Digits CNN"  # not opened
    files.ask_read_outside = lambda name, paths: asked.append((name, paths)) or True
    assert files.open_path(folder / "p.json") and document.project.path == (folder / "p.json").resolve()
    files.ask_read_outside = lambda name, paths: pytest.fail("asked again about the files it was allowed to read")
    assert ProjectFiles(ProjectDocument(open_template("cnn")), None, trusted=files.trusted).open_path(folder / "p.json")
