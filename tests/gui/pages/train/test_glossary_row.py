"""The Train page's row of glossary links names the figures of the project's task only (a classifier's accuracy, a
regression's R², a multi-label network's labels right, F1 and exact match), and follows the data when it changes."""

from __future__ import annotations

import pytest

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import TrainPage

TRAINING = ["Loss", "Validation", "Epoch", "Batch", "Learning rate", "Overfitting", "Early stopping"]
FIGURES = {"moons": ["Accuracy", "F1 score"], "diabetes": ["MAE", "RMSE", "R²"],
           "digit_traits": ["Accuracy", "F1 score", "Exact match"]}


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))


def document_on(name: str) -> ProjectDocument:
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": name})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.dataset = spec
    return ProjectDocument(project)


def shown_words(page) -> list[str]:
    """The link texts as the row shows them, left to right."""
    row = page.glossary.row
    labels = [row.itemAt(i).widget() for i in range(1, row.count()) if row.itemAt(i).widget() is not None]
    return [label.text().split(">", 1)[1].rsplit("</a>", 1)[0] for label in labels if label.isVisible()]


@pytest.mark.parametrize("name", ["moons", "diabetes", "digit_traits"])
def test_the_glossary_row_names_the_figures_of_the_project_task(qtbot, show, tmp_path, name):
    page = show(TrainPage(document_on(name)), 1300, 900)
    assert shown_words(page) == TRAINING + FIGURES[name]
    page.glossary.grab().save(str(tmp_path / f"glossary-{name}.png"))


def test_the_glossary_row_follows_the_data_when_it_changes_and_when_that_is_undone(qtbot, show):
    document = document_on("moons")
    page = show(TrainPage(document), 1300, 900)
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "diabetes"})
    data = load_dataset(spec)
    document.set_dataset(spec, data.input_shape, data.input_dtype, data.task, data.output_size)  # as the Data page
    qtbot.waitUntil(lambda: shown_words(page) == TRAINING + FIGURES["diabetes"])   # new links show once drawn
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: shown_words(page) == TRAINING + FIGURES["moons"])
