"""The shared project data: one load per spec even when two threads ask at once, and imports handed over."""

from __future__ import annotations

import threading

import pytest

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.errors import CancelledError
from workbench.core.project import Project
from workbench.core.project import data as project_data


@pytest.fixture(autouse=True)
def empty_cache():
    project_data.forget_datasets()
    yield
    project_data.forget_datasets()


def iris_project(**spec) -> Project:
    return Project(dataset=DatasetSpec(source="builtin", name="iris", **spec))


def test_a_second_caller_waits_for_the_load_under_way(monkeypatch):
    started, release, calls = threading.Event(), threading.Event(), []
    real = project_data.load_dataset

    def slow_load(spec, **kwargs):
        calls.append(spec.name)
        started.set()
        assert release.wait(10)
        return real(spec, **kwargs)

    monkeypatch.setattr(project_data, "load_dataset", slow_load)
    project = iris_project()
    results = []
    first = threading.Thread(target=lambda: results.append(project_data.project_dataset(project)))
    first.start()
    assert started.wait(10)
    messages = []
    second = threading.Thread(target=lambda: results.append(project_data.project_dataset(
        project, progress=lambda fraction, message: messages.append(message))))
    second.start()
    assert project_data.cached_project_dataset(project) is None
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["iris"] and len(results) == 2 and results[0] is results[1]
    assert messages[0] == "Loading the data…"
    assert project_data.cached_project_dataset(project) is results[0]


def test_a_waiting_caller_can_cancel_and_a_failed_load_lets_the_next_caller_load(monkeypatch):
    started, release = threading.Event(), threading.Event()

    def failing_load(spec, **kwargs):
        started.set()
        assert release.wait(10)
        raise CancelledError("The import was cancelled.")

    monkeypatch.setattr(project_data, "load_dataset", failing_load)
    project = iris_project()
    errors = []

    def first_caller():
        try:
            project_data.project_dataset(project)
        except CancelledError as err:
            errors.append(err)

    first = threading.Thread(target=first_caller)
    first.start()
    assert started.wait(10)
    with pytest.raises(CancelledError):
        project_data.project_dataset(project, should_cancel=lambda: True)
    release.set()
    first.join(10)
    assert len(errors) == 1
    monkeypatch.setattr(project_data, "load_dataset", load_dataset)
    assert project_data.project_dataset(project).num_samples == 150


def test_an_import_handed_over_is_used_with_the_projects_augmentation():
    imported = load_dataset(DatasetSpec(source="builtin", name="iris"))
    project = iris_project(augmentation={"noise": 0.1})
    kept = project_data.remember_project_dataset(project, imported)
    assert kept.x is imported.x and kept.spec.augmentation == {"noise": 0.1}
    assert imported.spec.augmentation == {}
    assert project_data.project_dataset(project) is kept
    assert project_data.cached_project_dataset(iris_project()) is None
    assert project_data.cached_project_dataset(Project()) is None
