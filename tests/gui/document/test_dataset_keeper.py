"""The project's data in the document: kept loaded by the `DatasetKeeper`, checked against the graph in the problems
list, fitted by `set_dataset` (vocabulary included), and the Data tab right after Design."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.core.data import DatasetSpec
from workbench.core.project import Project, open_template
from workbench.gui.document.commands import SetParamsCommand
from workbench.gui.document.dataset_keeper import DatasetKeeper
from workbench.gui.document.document import ProjectDocument
from workbench.gui.workers import cancel_all_workers

WAIT_MS = 30_000


@pytest.fixture
def document(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    doc = ProjectDocument(open_template("cnn"))   # digits
    yield doc
    cancel_all_workers()


def test_the_keeper_loads_the_projects_data_and_follows_a_replaced_project(qtbot, document):
    keeper = DatasetKeeper.of(document)
    assert DatasetKeeper.of(document) is keeper
    qtbot.waitUntil(lambda: document.dataset is not None, timeout=WAIT_MS)
    assert document.dataset.name == "Handwritten digits (8x8)" and not keeper.loading and keeper.error == ""
    document.replace_project(open_template("mlp"))
    assert document.dataset is None   # the digits no longer belong to the project
    with qtbot.waitSignal(document.dataset_changed, timeout=WAIT_MS):
        pass
    assert document.dataset.name == "Iris flowers"
    with qtbot.waitSignal(document.dataset_changed, timeout=WAIT_MS):   # the iris data is let go
        document.replace_project(Project())
    assert document.dataset is None and not keeper.loading


def test_a_project_whose_data_cannot_be_read_says_so(qtbot, document, tmp_path):
    keeper = DatasetKeeper.of(document)
    project = open_template("mlp")
    project.dataset = dataclasses.replace(project.dataset, source="csv", name=None, path=str(tmp_path / "gone.csv"))
    document.replace_project(project)
    qtbot.waitUntil(lambda: keeper.error != "", timeout=WAIT_MS)
    assert keeper.error.startswith("The project's data could not be loaded: The file ")
    assert "gone.csv' does not exist" in keeper.error and document.dataset is None


def test_the_problems_list_says_when_the_graph_no_longer_fits_the_data(qtbot, document):
    DatasetKeeper.of(document)
    qtbot.waitUntil(lambda: document.dataset is not None, timeout=WAIT_MS)
    assert document.result.ok
    with qtbot.waitSignal(document.validated):
        document.push(SetParamsCommand(document.project.graph, "classifier1", {"classes": 3}))
    problems = [p for p in document.result.problems if p.node_id == "classifier1"]
    assert [p.severity for p in problems] == ["error"]
    assert problems[0].message.startswith("Classification output 'classifier1' tells 3 classes apart but the data "
                                          "'Handwritten digits (8x8)' has 10")
    assert not document.result.ok
    document.undo_stack.undo()
    assert document.result.ok
    document.push(SetParamsCommand(document.project.graph, "input1", {"shape": (1, 16, 16)}))
    assert any(p.node_id == "input1" and "have shape (1, 8, 8)" in p.message for p in document.result.problems)


def test_set_dataset_fits_the_embedding_vocabulary_and_undoes_it(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    project = open_template("lstm")
    project.dataset = None  # the template opens on its reviews; here no data was chosen yet
    project.graph.set_params("input1", {"shape": (40,)})
    project.graph.set_params("embed1", {"vocab_size": 2000})
    document = ProjectDocument(project)
    graph = document.project.graph
    spec = DatasetSpec.from_dict({"source": "csv", "path": "/data/reviews.csv",
                                  "options": {"text": {"column": "review"}}})
    document.set_dataset(spec, (64,), "int", "classification", 3, vocab_size=750)
    assert graph.node("embed1").params["vocab_size"] == 750
    assert graph.node("input1").params == {"shape": (64,), "dtype": "int", "padding": True}
    assert graph.node("classifier1").params["classes"] == 3
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert graph.node("embed1").params["vocab_size"] == 2000 and graph.node("input1").params["shape"] == (40,)
    assert document.project.dataset is None


def test_the_data_tab_comes_right_after_design_and_shows_the_demo_digits(qtbot, window):  # noqa: F811
    tabs = window.tabs
    assert [tabs.tabText(i) for i in range(3)] == ["Design", "Data", "Train"]
    tabs.setCurrentIndex(1)
    page = window.pages["Data"].page
    assert type(page).__name__ == "DataPage"
    qtbot.waitUntil(lambda: page.preview.sample_count() == 40, timeout=WAIT_MS)
    assert page.use_button.text() == "In use" and window.document.dataset is not None
    cancel_all_workers()
