"""Several 0/1 columns as the target, chosen on the Data page as a user does: the form suggests the columns of 0 and
1, "Several labels per row" ticks them, the import becomes multi-label with a Multi-label output of as many labels,
the choice is saved, reopened and undone with the rest of the dataset, and a tiny network learns it above chance.
A column that is not 0/1 cannot be ticked and says why; a project read with ``target_rule: last`` keeps its rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QStyleOptionViewItem

from workbench.core.build import build_module
from workbench.core.data_fit import dataset_problems
from workbench.core.project import load_project, open_template, save_project
from workbench.core.training.evaluation import evaluate
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.trainer import Trainer
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.data.page import DataPage
from workbench.gui.workers import cancel_all_workers

LEFT = Qt.MouseButton.LeftButton
WAIT_MS = 30_000
LABELS = ["warm", "windy", "wet"]


def weather(path, n: int = 240):
    """Three numbers, a column of words, a column of counts, and three 0/1 labels that follow the numbers."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 3))
    on = np.stack([x[:, 0] > 0, x[:, 1] > 0.3, x[:, 0] + x[:, 2] < 0], axis=1)
    lines = ["a,b,c,colour,visits," + ",".join(LABELS)]
    for i, (row, labels) in enumerate(zip(x, on)):
        lines.append(",".join(f"{v:.4f}" for v in row) + f",{'rg'[i % 2]},{i % 4}," + ",".join(map(str, labels * 1)))
    path.write_text("\n".join(lines) + "\n")
    return path


def page_for(qtbot, show, document) -> DataPage:
    panel = DataPage(document)
    show(panel, 1300, 900)
    return panel


@pytest.fixture
def page(qtbot, tmp_path, monkeypatch, show):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    panel = page_for(qtbot, show, ProjectDocument(open_template("mlp")))
    qtbot.waitUntil(lambda: panel.preview.sample_count() > 0, timeout=WAIT_MS)
    yield panel
    cancel_all_workers()


def open_table(qtbot, page, path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(page.sources.csv_button, LEFT)


def tick_box(qtbot, box) -> None:
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))


def toggle_item(qtbot, tree, item) -> None:
    """Clicks the tick box of a row of the checklist."""
    option = QStyleOptionViewItem()
    option.rect = tree.visualRect(tree.indexFromItem(item, 0))
    option.features = QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option, tree)
    qtbot.mouseClick(tree.viewport(), LEFT, pos=box.center())


def checked(choice) -> list[str]:
    return [i.text(0) for i in choice.items() if i.checkState(0) == Qt.CheckState.Checked]


def test_several_label_columns_are_suggested_chosen_used_and_learned(qtbot, page, tmp_path, monkeypatch, show):
    table = weather(tmp_path / "weather.csv")
    open_table(qtbot, page, table, monkeypatch)
    form, choice = page.csv_form, page.csv_form.labels
    assert choice.hint.isVisible() and not choice.columns.isVisible()
    assert choice.hint.text() == ("3 columns hold only 0 and 1 (warm, windy, wet): tick “Several labels per row” to "
                                  "predict them together.")
    graph_before = page.document.project.graph.copy()

    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        tick_box(qtbot, choice.several)
    dataset = imported.args[0]
    assert choice.columns.isVisible() and not choice.hint.isVisible() and not choice.problem.isVisible()
    assert checked(choice) == LABELS                        # the suggested columns, ticked
    assert dataset.task == "multilabel" and dataset.class_names == LABELS
    assert dataset.spec.options["target"] == LABELS
    assert form.target.currentText() == "warm, windy, wet (several columns)"
    assert form.task.currentText() == "Automatic (multilabel)"
    assert [form.item(n).text(1) for n in LABELS] == ["one label of the target (0 or 1)."] * 3
    assert "multi-label (3 labels, any number per sample)" in page.preview.summary.text()
    colour = choice.item("colour")
    assert not colour.flags() & Qt.ItemFlag.ItemIsEnabled and colour.text(1) == "has values other than 0 and 1"
    assert colour.toolTip(0) == "'colour' has values other than 0 and 1: it cannot be one of several labels."
    assert not choice.item("visits").flags() & Qt.ItemFlag.ItemIsEnabled
    # the Design page's message for a network that still ends in a classifier
    messages = [p.message for p in dataset_problems(graph_before, dataset.info())]
    assert any(m.startswith("Classification output 'classifier1' does not fit the data 'weather.csv', whose task is "
                            "multi-label (several yes-or-no labels per row)") and
               m.endswith("replace it with a Multi-label output layer.") for m in messages), messages
    page.grab().save(str(tmp_path / "several-labels.png"))

    # untick one label: two are left, the import follows without Import being pressed
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        toggle_item(qtbot, choice.columns, choice.item("wet"))
    assert imported.args[0].class_names == ["warm", "windy"] and form.options()["target"] == ["warm", "windy"]
    assert form.item("wet").flags() & Qt.ItemFlag.ItemIsUserCheckable          # an input again
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        toggle_item(qtbot, choice.columns, choice.item("wet"))
    assert imported.args[0].class_names == LABELS

    qtbot.mouseClick(page.use_button, LEFT)
    head = page.document.project.graph.head_nodes()[0]
    assert head.type == "MultiLabelHead" and head.params == {"labels": 3}
    assert page.document.project.dataset.options["target"] == LABELS

    # a tiny network learns the labels well above chance
    torch.manual_seed(0)
    graph = page.document.project.graph
    module = build_module(graph)
    settings = TrainingSettings(epochs=40, batch_size=32, learning_rate=0.01, monitor="val_f1_micro", seed=0)
    Trainer(module, page.dataset, settings, device="cpu", graph=graph, num_threads=1).fit()
    figures = evaluate(module, page.dataset, "test", graph=graph)
    assert figures["accuracy"] > 0.85 and figures["exact_match"] > 0.6   # chance: about 0.5 and 0.15

    # one undoable step: undo gives back the template's data and head, redo the labels
    page.document.undo_stack.undo()
    assert page.document.project.graph.head_nodes()[0].type == "ClassificationHead"
    assert page.document.project.dataset is None or page.document.project.dataset.source != "csv"
    page.document.undo_stack.redo()
    assert page.document.project.dataset.options["target"] == LABELS
    qtbot.waitUntil(lambda: form.target.currentText() == "warm, windy, wet (several columns)", timeout=WAIT_MS)
    assert choice.is_open and checked(choice) == LABELS

    # saved and opened again: the same choice, read again the same way
    path = tmp_path / "weather.wbproj"
    page.document.project.path = path
    save_project(page.document.project, path)
    reopened = page_for(qtbot, show, ProjectDocument(load_project(path)))
    again = reopened.csv_form
    assert again.target.currentText() == "warm, windy, wet (several columns)"
    assert again.labels.is_open and checked(again.labels) == LABELS and again.options() == form.options()
    qtbot.waitUntil(lambda: reopened.dataset is not None and again.labels.candidates is not None, timeout=WAIT_MS)
    assert reopened.dataset.task == "multilabel" and reopened.dataset.class_names == LABELS


def test_unticking_several_labels_goes_back_to_the_single_target(qtbot, page, tmp_path, monkeypatch):
    open_table(qtbot, page, weather(tmp_path / "weather.csv"), monkeypatch)
    form, choice = page.csv_form, page.csv_form.labels
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(form.confirm_target, LEFT)
    single = form.target.currentData()
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        tick_box(qtbot, choice.several)
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        tick_box(qtbot, choice.several)
    assert form.target.currentData() == single and imported.args[0].task == "classification"
    assert not choice.columns.isVisible() and choice.hint.isVisible()
    # choosing one column in the target list closes the checklist too (here after leaving one label ticked)
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        tick_box(qtbot, choice.several)
    for name in ("windy", "wet"):
        with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
            toggle_item(qtbot, choice.columns, choice.item(name))
    form.target.setFocus()
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        qtbot.keyClicks(form.target, "visits")
    assert not choice.is_open and not choice.columns.isVisible() and imported.args[0].spec.options["target"] == "visits"
    # the entry of the last two or more columns ticked opens the checklist again, with those columns ticked
    assert form.target.findText("warm, wet (several columns)") >= 0
    qtbot.wait(QApplication.keyboardInputInterval() + 100)  # a new search: typed within it, the keys would add to "visits"
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        qtbot.keyClicks(form.target, "warm, wet")
    assert choice.is_open and checked(choice) == ["warm", "wet"] and imported.args[0].class_names == ["warm", "wet"]


def test_one_ticked_label_is_that_column_alone_and_a_column_that_is_not_a_label_says_why(qtbot, page, tmp_path,
                                                                                         monkeypatch):
    table = weather(tmp_path / "weather.csv")
    open_table(qtbot, page, table, monkeypatch)
    form, choice = page.csv_form, page.csv_form.labels
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        tick_box(qtbot, choice.several)
    for name in ("windy", "wet"):
        with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
            toggle_item(qtbot, choice.columns, choice.item(name))
    assert form.options()["target"] == "warm" and imported.args[0].task == "classification"
    assert choice.problem.text() == ("With one column ticked the target is 'warm' alone: tick two or more to predict "
                                     "several labels.")

    # a project that names a column of words among its labels: kept as it is, with the reason and what to do
    form.set_file(table, {"target": ["warm", "colour"]})
    assert choice.is_open and checked(choice) == ["colour", "warm"]
    choice.set_candidates(["warm", "windy", "wet"])
    assert choice.item("colour").flags() & Qt.ItemFlag.ItemIsEnabled      # ticked: it can be unticked
    assert choice.problem.isVisible() and choice.problem.text() == (
        "'colour' has values other than 0 and 1: it cannot be one of several labels. Untick it, or choose Regression "
        "as the Task to predict numbers.")


def test_a_table_read_with_the_last_column_rule_keeps_it(qtbot, page, tmp_path):
    table = weather(tmp_path / "weather.csv")
    form = page.csv_form
    form.set_file(table, {"target_rule": "last", "missing": "drop"})
    assert form.options()["target_rule"] == "last"
    page._set_source({"source": "csv", "path": str(table)})
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        page.import_data()
    dataset = imported.args[0]
    assert dataset.spec.options["target_rule"] == "last"
    assert dataset.preprocessing["target"]["columns"] == ["wet"]   # the last column, not the suggested 'colour'
    form.set_file(table)                                           # another table: the rule was that project's
    assert "target_rule" not in form.options()
