"""The Evaluate page: figures, a clickable confusion matrix, the gallery, regression plots and warnings."""

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template, save_project
from workbench.core.project.actions import train_project
from workbench.core.training.settings import TrainingSettings
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.evaluate.page import EvaluatePage


def trained_document(tmp_path, name, epochs=2, **options):
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": name, "options": options})
    dataset = load_dataset(spec)
    fit_graph_to_dataset(project.graph, dataset)
    project.dataset = spec
    project.training = TrainingSettings(epochs=epochs, batch_size=32)
    save_project(project, tmp_path / f"{name}.json")
    project.add_run(train_project(project, tmp_path, dataset=dataset).record)
    save_project(project)
    return ProjectDocument(project)


def open_panel(qtbot, document):
    panel = EvaluatePage(document)
    qtbot.addWidget(panel)
    panel.resize(1200, 850)
    with qtbot.waitSignal(panel.evaluated, timeout=30_000) as done:
        panel.show()
    return panel, done.args[0]


def test_classification_matrix_table_and_gallery(qtbot, tmp_path):
    panel, result = open_panel(qtbot, trained_document(tmp_path, "moons", n_samples=200))
    assert result["split"] == "test" and panel.pages.currentWidget() is panel.classification_page
    assert "Accuracy" in panel.figures_label.text()
    assert "test split, 30 samples" in panel.matrix_title.text()
    assert np.sum(panel.matrix.matrix) == 30 and panel.matrix.names == ["moon 1", "moon 2"]
    assert panel.class_table.rowCount() == 2 and panel.class_table.item(0, 0).text() == "moon 1"
    assert panel.gallery.count() == result["wrong_count"]

    # clicking a cell shows the samples behind it
    grid, side = panel.matrix._grid()
    with qtbot.waitSignal(panel.matrix.cell_clicked) as clicked:
        qtbot.mouseClick(panel.matrix, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(grid.left() + 0.5 * side), int(grid.top() + 0.5 * side)))
    assert clicked.args == [0, 0]
    assert panel.gallery.count() == result["confusion_matrix"][0][0]
    assert "True class 'moon 1', correctly predicted" in panel.gallery_title.text()
    first = panel.gallery.item(0)
    assert "true moon 1" in first.text() and "Probabilities: moon" in first.toolTip()

    # another split
    with qtbot.waitSignal(panel.evaluated, timeout=30_000) as done:
        panel.split_combo.setCurrentIndex(panel.split_combo.findData("val"))
    assert done.args[0]["split"] == "val" and "validation split" in panel.status_label.text()


def test_images_are_shown_as_images(qtbot, tmp_path):
    panel, result = open_panel(qtbot, trained_document(tmp_path, "digits", epochs=1))
    assert result["wrong_count"] > 0
    item = panel.gallery.item(0)
    assert not item.icon().isNull()
    assert item.icon().availableSizes()[0].width() == 56


def test_regression_shows_plots_and_figures(qtbot, tmp_path):
    panel, result = open_panel(qtbot, trained_document(tmp_path, "diabetes"))
    assert panel.pages.currentWidget() is panel.regression
    assert "R²" in panel.figures_label.text() and "MAE" in panel.figures_label.text()
    x, y = panel.regression.scatter.getData()
    assert len(x) == result["samples_count"]
    assert np.allclose(x, result["samples"]["true"].ravel()) and np.allclose(y, result["samples"]["predicted"].ravel())
    assert "True progression" in panel.regression.scatter_plot.getAxis("bottom").labelText


def test_warnings_reach_the_user(qtbot, tmp_path):
    document = trained_document(tmp_path, "moons", n_samples=200)
    record = document.project.runs[-1]
    train = list(np.linspace(1.0, 0.1, 20))
    val = [1.0 - 0.05 * i for i in range(8)] + [0.65 + 0.05 * i for i in range(12)]
    epochs = [{"epoch": i, "train_loss": t, "val_loss": v} for i, (t, v) in enumerate(zip(train, val))]
    document.project.runs[-1] = dataclasses.replace(record, curves=dataclasses.replace(record.curves, epochs=epochs))
    panel, _ = open_panel(qtbot, document)
    assert panel.warnings_label.isVisible() and "Overfitting" in panel.warnings_label.text()


def test_without_runs_the_page_says_what_to_do(qtbot):
    panel = EvaluatePage(ProjectDocument(open_template("mlp")))
    qtbot.addWidget(panel)
    panel.show()
    assert panel.pages.currentWidget() is panel.empty and "Train the network" in panel.empty.text()


def test_missing_weights_are_reported(qtbot, tmp_path):
    document = trained_document(tmp_path, "moons", n_samples=200)
    (tmp_path / document.project.runs[-1].files.weights).unlink()
    panel = EvaluatePage(document)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: "Could not evaluate" in panel.empty.text(), timeout=20_000)
    assert "does not exist" in panel.empty.text()
