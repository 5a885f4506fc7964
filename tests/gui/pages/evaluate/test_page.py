"""The Evaluate page: figures, a clickable confusion matrix, the gallery, regression plots and warnings."""

import dataclasses
from pathlib import Path

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
        # while the first figures are on their way the page says so (not "train first": it is trained)
        assert panel.empty.text().startswith("Evaluating Run 1") and "Train the network" not in panel.empty.text()
    return panel, done.args[0]


def test_classification_matrix_table_and_gallery(qtbot, tmp_path):
    panel, result = open_panel(qtbot, trained_document(tmp_path, "moons", n_samples=200))
    assert result["split"] == "test" and panel.pages.currentWidget() is panel.classification_page
    assert "Accuracy" in panel.figures_label.text()
    assert "test split, 30 samples" in panel.matrix_title.text()
    assert np.sum(panel.matrix.matrix) == 30 and panel.matrix.names == ["moon 1", "moon 2"]
    assert panel.class_table.rowCount() == 2 and panel.class_table.item(0, 0).text() == "moon 1"
    assert panel.samples_table.rowCount() == result["wrong_count"]  # a table model's samples: rows of a table

    # clicking a cell shows the samples behind it
    grid, side = panel.matrix._grid()
    with qtbot.waitSignal(panel.matrix.cell_clicked) as clicked:
        qtbot.mouseClick(panel.matrix, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(grid.left() + 0.5 * side), int(grid.top() + 0.5 * side)))
    assert clicked.args == [0, 0]
    assert panel.samples_table.rowCount() == result["confusion_matrix"][0][0]
    assert "True class 'moon 1', correctly predicted" in panel.gallery_title.text()
    table = panel.samples_table
    assert table.item(0, 1).text() == "moon 1" and table.item(0, 2).text() == "moon 1"

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


def test_the_page_follows_the_newest_run_and_keeps_older_ones_in_the_picker(qtbot, tmp_path):
    document = trained_document(tmp_path, "moons", n_samples=200)
    project = document.project
    first = project.runs[-1]
    panel, _ = open_panel(qtbot, document)
    assert panel.run_combo.currentData() == first.id

    # a second run finishes while the page is on screen: it is shown at once
    project.training = TrainingSettings(epochs=1, batch_size=16)
    with qtbot.waitSignal(panel.evaluated, timeout=30_000):
        project.add_run(train_project(project, tmp_path).record)
        document.mark_dirty()
    second = project.runs[-1]
    assert panel.run_combo.count() == 2 and panel.run_combo.currentData() == second.id

    # the older run is one choice away in the picker, and stays chosen when the user comes back to the page
    panel.run_combo.setFocus()
    with qtbot.waitSignal(panel.evaluated, timeout=30_000):
        qtbot.keyClick(panel.run_combo, Qt.Key.Key_Down)
    assert panel.run_combo.currentData() == first.id
    panel.hide()
    panel.show()
    assert panel.run_combo.currentData() == first.id

    # a third run, finished while the user looked elsewhere, is picked when the page is shown again
    panel.hide()
    project.add_run(train_project(project, tmp_path).record)
    document.mark_dirty()
    with qtbot.waitSignal(panel.evaluated, timeout=30_000):
        panel.show()
    assert panel.run_combo.currentData() == project.runs[-1].id


def trained_on(tmp_path, template, spec_dict, epochs=1):
    project = open_template(template)
    spec = DatasetSpec.from_dict(spec_dict)
    dataset = load_dataset(spec)
    fit_graph_to_dataset(project.graph, dataset)
    project.dataset = spec
    project.training = TrainingSettings(epochs=epochs, batch_size=16)
    save_project(project, tmp_path / "project.json")
    project.add_run(train_project(project, tmp_path, dataset=dataset).record)
    save_project(project)
    return ProjectDocument(project)


def penguins_csv(path):
    rng = np.random.default_rng(0)
    lines = ["species,island,bill_length_mm,flipper_length_mm"]
    for i in range(120):
        species = ["Adelie", "Gentoo", "Chinstrap"][i % 3]
        island = ["Torgersen", "Biscoe", "Dream"][rng.integers(3)]
        lines.append(f"{species},{island},{rng.uniform(32, 60):.1f},{int(rng.integers(170, 232))}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_wrong_predictions_of_a_table_model_are_rows_of_the_users_own_values(qtbot, tmp_path):
    csv_path = penguins_csv(tmp_path / "penguins.csv")     # random features: many wrong predictions
    document = trained_on(tmp_path, "mlp", {"source": "csv", "path": str(csv_path),
                                            "options": {"target": "species"}})
    panel, result = open_panel(qtbot, document)
    table = panel.samples_table
    assert table.isVisible() and not panel.gallery.isVisible()
    assert result["wrong_count"] > 1 and table.rowCount() == result["wrong_count"]
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Sample", "True class", "Predicted", "Confidence", "island", "bill_length_mm",
                       "flipper_length_mm"]
    file_rows = [line.split(",") for line in csv_path.read_text().splitlines()[1:]]
    for row in range(table.rowCount()):
        index = int(table.item(row, 0).text().lstrip("#"))
        species, island, bill, flipper = file_rows[index]
        assert table.item(row, 1).text() == species                 # the true class of that very row
        assert table.item(row, 4).text() == island and table.item(row, 6).text() == flipper
        assert float(table.item(row, 5).text()) == pytest.approx(float(bill), abs=1e-4)   # not standardised
    confidences = [float(table.item(r, 3).text().rstrip("%")) for r in range(table.rowCount())]
    assert confidences == sorted(confidences, reverse=True)         # the most confident mistakes first

    # sorting by a column of values, with a click on its header
    header = table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(5) + 5, header.height() // 2))
    bills = [float(table.item(r, 5).text()) for r in range(table.rowCount())]
    assert bills == sorted(bills) or bills == sorted(bills, reverse=True)

    # clicking a row shows it large: every column with its value, and the classes
    rect = table.visualItemRect(table.item(2, 0))
    with qtbot.waitSignal(panel.samples.sample_chosen) as chosen:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    index = chosen.args[0]
    assert table.item(2, 0).text() == f"#{index}"
    text = panel.samples.large_text.text()
    assert f"Sample #{index}" in text and f"island: <b>{file_rows[index][1]}</b>" in text
    assert f"True class: <b>{file_rows[index][0]}</b>" in text and "sure)" in text
    qtbot.wait(100)  # the new text laid out, for the screenshot
    panel.grab().save(str(tmp_path / "evaluate-table.png"))


def test_wrong_predictions_of_an_image_model_show_the_original_image_large(qtbot, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    root = tmp_path / "shapes"
    for name in ("circles", "squares"):
        (root / name).mkdir(parents=True)
        for i in range(12):
            pixels = rng.integers(0, 256, (20, 40, 3), dtype=np.uint8)        # 40 wide, 20 high: noise
            Image.fromarray(pixels, "RGB").save(root / name / f"{i}.png")
    document = trained_on(tmp_path, "cnn", {"source": "images", "path": str(root),
                                            "options": {"image_size": 8, "color_mode": "rgb"},
                                            "split": {"train": 0.5, "val": 0.0, "test": 0.5, "seed": 0,
                                                      "stratify": True}})
    panel, result = open_panel(qtbot, document)
    panel.split_combo.setCurrentIndex(panel.split_combo.findData("train"))    # more samples, surely some wrong
    qtbot.waitUntil(lambda: panel.result["split"] == "train", timeout=30_000)
    gallery = panel.gallery
    assert gallery.isVisible() and gallery.count() > 0
    item = gallery.item(0)
    assert "%)" in item.text() and item.text().startswith("true ")
    with qtbot.waitSignal(panel.samples.sample_chosen) as chosen:
        qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=gallery.visualItemRect(item).center())
    pixmap = panel.samples.large_image.pixmap()
    assert (pixmap.width(), pixmap.height()) == (280, 140)      # the 40x20 file, not the 8x8 the model sees
    files = panel.dataset.sample_files
    assert f"File: {Path(files[chosen.args[0]]).name}" in panel.samples.large_text.text()
    qtbot.wait(100)  # laid out, for the screenshot
    panel.grab().save(str(tmp_path / "evaluate-gallery.png"))


def test_multilabel_shows_per_label_figures_and_rows_with_a_label_wrong(qtbot, tmp_path):
    panel, result = open_panel(qtbot, trained_document(tmp_path, "digit_traits", epochs=3))
    assert result["task"] == "multilabel" and panel.pages.currentWidget() is panel.labels_view
    text = panel.figures_label.text()
    assert f"Labels right {result['accuracy']:.1%}" in text and "exact match" in text and "F1 micro" in text
    table = panel.labels_view.label_table
    assert [table.item(i, 0).text() for i in range(table.rowCount())] == ["even", "greater than 4", "prime"]
    assert table.item(0, 1).text() == f"{result['per_label'][0]['accuracy']:.3f}"
    wrong = panel.labels_view.wrong_table
    assert wrong.rowCount() == min(result["wrong_count"], 200) > 0
    first = result["wrong"][0]
    assert wrong.item(0, 0).text() == f"#{first['index']}" and not wrong.item(0, 0).icon().isNull()
    names = result["label_names"]
    assert wrong.item(0, 3).text() == ", ".join(names[k] for k in first["wrong_labels"])
    assert f"{result['wrong_count']} of {result['samples_count']}" in panel.labels_view.wrong_title.text()
    assert "exact_match" in panel.glossary.links and "confusion_matrix" not in panel.glossary.links
    panel.grab().save(str(tmp_path / "evaluate-multilabel.png"))
