"""The app and the command line do what a user asks through the project tier's actions, never a use case of their
own: with an action swapped for a stand-in, the command and the page's job both reach the stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import run_command
from workbench.core.errors import WorkbenchError
from workbench.core.project import actions, open_template, save_project
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.evaluate import page as evaluate_page
from workbench.gui.pages.export import page as export_page
from workbench.gui.pages.train import page as train_page
from workbench.gui.pages.tryit import page as tryit_page
from workbench.gui.project_files import ProjectFiles


class Swapped(WorkbenchError):
    """Raised by the stand-in, so neither front end goes on with a result it did not expect."""


def swap(monkeypatch, names) -> list[str]:
    """The actions `names` swapped for stand-ins that record their call and raise `Swapped`; returns the record."""
    seen: list[str] = []
    for name in names:
        def stand_in(*args, _name=name, **kwargs):
            seen.append(_name)
            raise Swapped(f"{_name} was called")
        monkeypatch.setattr(actions, name, stand_in)
    return seen


@pytest.fixture
def calls(monkeypatch):
    return swap(monkeypatch, actions.__all__)


class JobControl:
    cancelled = False

    def check(self):
        pass

    def report(self, payload):
        pass

    def report_now(self, payload):
        pass


@pytest.fixture
def project_file(tmp_path) -> Path:
    return save_project(open_template("mlp"), tmp_path / "p.json")


@pytest.mark.parametrize("argv, action", [
    (["train", "{p}", "--epochs", "1"], "train_project"),
    (["evaluate", "{p}"], "evaluate_project"),
    (["compress", "{p}", "--method", "fp16", "--out", "{out}"], "compress_project"),
    (["export", "{p}", "--out", "{out}"], "export_project"),
    (["bench", "{p}"], "bench_project"),
    (["import", "{p}", "--out", "{out}"], "import_model_project"),
])
def test_each_command_calls_its_action(argv, action, monkeypatch, project_file, tmp_path, capsys):
    calls = swap(monkeypatch, [action])
    code = run_command([a.format(p=project_file, out=tmp_path / "out") for a in argv])
    assert code == 2 and f"{action} was called" in capsys.readouterr().err
    assert calls == [action]


def test_each_page_job_calls_its_action(calls, tmp_path):
    project = open_template("mlp")
    jobs = [
        ("train_project", lambda: train_page.train_job(JobControl(), project, tmp_path, train_page.RunControl(),
                                                        None, 1)),
        ("evaluate_project", lambda: evaluate_page.evaluate_job(JobControl(), project, "run-1", "test", tmp_path)),
        ("compress_project", lambda: export_page.compress_job(JobControl(), project, "fp16", None, None, tmp_path,
                                                               1)),
        ("export_project", lambda: export_page.export_job(JobControl(), project, tmp_path / "o", 17, None,
                                                           tmp_path, 1)),
        ("bench_project", lambda: export_page.bench_job(JobControl(), project, tmp_path, 1)),
        ("open_predictor", lambda: tryit_page.load_job(JobControl(), tryit_page.TRAINED, project, tmp_path)),
    ]
    for action, job in jobs:
        with pytest.raises(Swapped, match=action):
            job()
    assert calls == [action for action, _ in jobs]


def test_opening_and_saving_in_the_app_call_the_actions(calls, qapp, project_file, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    document = ProjectDocument(open_template("mlp"))
    with pytest.raises(Swapped, match="save_project"):
        document.save(tmp_path / "saved.json")
    files = ProjectFiles(document, None)
    errors = []
    files.show_error = lambda title, message: errors.append(message)
    assert not files.open_path(project_file)
    assert calls == ["save_project", "open_project"] and errors == ["open_project was called"]
