"""The Train page's "Watch" list offers only the figures the project's task measures, in plain words: a multi-label
network adds the micro F1 and the exact match, a classifier does not; a monitor the task lacks shows as such."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.help import GLOSSARY
from workbench.core.project import open_template
from workbench.core.training.settings import TrainingSettings
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import TrainPage

CLASSIFICATION = ["Validation loss", "Validation accuracy", "Validation F1"]
MULTILABEL = ["Validation loss", "Validation labels right", "Validation F1 (mean over labels)",
              "Validation F1 (all labels together)", "Validation exact match"]


def document_on(name: str, monitor: str = "val_loss") -> ProjectDocument:
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": name})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.dataset = spec
    project.training = TrainingSettings(epochs=2, monitor=monitor)
    return ProjectDocument(project)


def choose(qtbot, combo, text: str) -> None:
    """Opens the list and clicks the entry ``text``, as a user does."""
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    index = view.model().index(combo.findText(text), 0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: not view.isVisible())


def offered(form) -> list[str]:
    return [form.monitor.itemText(i) for i in range(form.monitor.count())]


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))


def test_a_multilabel_project_watches_its_micro_f1_chosen_in_the_list(qtbot, show, tmp_path):
    document = document_on("digit_traits")
    page = show(TrainPage(document), 1200, 800)
    form = page.form
    assert offered(form) == MULTILABEL and form.monitor.currentText() == "Validation loss"
    assert form.monitor.itemData(3, Qt.ItemDataRole.ToolTipRole) == GLOSSARY["f1"].text
    assert form.monitor.itemData(4, Qt.ItemDataRole.ToolTipRole) == GLOSSARY["exact_match"].text
    form.monitor.showPopup()
    form.window().grab().save(str(tmp_path / "watch.png"))
    form.monitor.hidePopup()
    choose(qtbot, form.monitor, "Validation F1 (all labels together)")
    assert document.project.training.monitor == "val_f1_micro"
    document.undo_stack.undo()
    assert document.project.training.monitor == "val_loss" and form.monitor.currentText() == "Validation loss"
    choose(qtbot, form.monitor, "Validation exact match")
    assert document.project.training.monitor == "val_exact_match"


def test_a_classifier_is_not_offered_the_multilabel_figures_and_shows_one_it_lacks_as_such(show):
    document = document_on("iris")
    form = show(TrainPage(document), 1200, 800).form
    assert offered(form) == CLASSIFICATION
    file_says = document_on("iris", monitor="val_exact_match")
    form = show(TrainPage(file_says), 1200, 800).form
    assert offered(form) == CLASSIFICATION + ["Validation exact match (not measured for this data)"]
    assert form.monitor.currentText() == "Validation exact match (not measured for this data)"
    assert file_says.project.training.monitor == "val_exact_match"     # unchanged until the user chooses


def test_the_list_follows_the_head_when_the_data_becomes_multilabel(show):
    document = document_on("iris")
    form = show(TrainPage(document), 1200, 800).form
    traits = load_dataset(DatasetSpec(source="builtin", name="digit_traits"))
    document.set_dataset(traits.spec, traits.input_shape, traits.input_dtype, traits.task, traits.output_size)
    assert offered(form) == MULTILABEL
    document.undo_stack.undo()
    assert offered(form) == CLASSIFICATION


def test_a_multilabel_run_plots_its_labels_right_and_the_page_links_early_stopping(qtbot, show):
    page = TrainPage(document_on("digit_traits"))
    qtbot.addWidget(page)
    show(page, 1200, 800)
    assert page.curves.metric_plot.titleLabel.text == "Validation labels right"
    assert "early_stopping" in page.glossary.links
    record = SimpleNamespace(curves=SimpleNamespace(batches_per_epoch=1, batch_step=[0], batch_loss=[0.5],
                                                    learning_rate=[], epochs=[{"epoch": 0, "val_loss": 0.4,
                                                                               "val_accuracy": 0.8,
                                                                               "val_exact_match": 0.5}]),
                             epochs_done=1)
    page.curves.show_record(record)
    assert page.curves.metric_plot.titleLabel.text == "Validation labels right"
    assert list(page.curves.buffers["metric"].y) == [0.8]
    classifier = TrainPage(document_on("iris"))
    qtbot.addWidget(classifier)
    assert classifier.curves.metric_plot.titleLabel.text == "Validation accuracy"
