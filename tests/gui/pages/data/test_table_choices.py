"""The Data page on a table, as a user means it: the target the import suggests waits for a confirmation, and
every change of a setting (target, column kind) shows in the preview and the report without pressing Import."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from workbench.core.project import open_template
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.data.page import DataPage
from workbench.gui.workers import cancel_all_workers

LEFT = Qt.MouseButton.LeftButton
WAIT_MS = 30_000
SPECIES = ["Adelie", "Gentoo", "Chinstrap"]


@pytest.fixture
def page(qtbot, tmp_path, monkeypatch, show):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    document = ProjectDocument(open_template("mlp"))
    panel = DataPage(document)
    show(panel, 1300, 850)
    qtbot.waitUntil(lambda: panel.preview.sample_count() > 0, timeout=WAIT_MS)
    yield panel
    cancel_all_workers()


def penguins(path):
    rows = ["species,island,bill_length_mm,sex,year"]
    for i in range(90):
        bill = "NA" if i % 10 == 4 else f"{38 + i % 9 + 0.1 * (i % 7):.1f}"
        rows.append(f"{SPECIES[i % 3]},{['Biscoe', 'Dream'][i % 2]},{bill},{'mf'[i % 2]},{2007 + i % 3}")
    path.write_text("\n".join(rows) + "\n")
    return path


def report_lines(page) -> list[str]:
    report = page.preview.report
    return [report.item(i).text() for i in range(report.count())]


def test_the_suggested_target_is_confirmed_or_changed_and_the_preview_follows(qtbot, page, tmp_path, monkeypatch):
    table = penguins(tmp_path / "penguins.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(table), ""))
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(page.sources.csv_button, LEFT)
    form = page.csv_form
    assert form.target.currentText() == "Automatic (species)"         # not the last column, 'year'
    assert page.preview.balance.names == ["Adelie", "Chinstrap", "Gentoo"]
    assert "Which column should the network predict? The import suggests 'species' because its name says so." \
        in page.banner.text()
    assert not page.use_button.isEnabled() and form.confirm_target.text() == "Predict 'species'"
    assert any(line.startswith("Kept 9 rows with missing values") for line in report_lines(page))
    page.grab().save(str(tmp_path / "suggested.png"))

    # choose another target: the preview and the report change, with no Import pressed
    form.target.setFocus()
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.keyClicks(form.target, "island")
    assert page.preview.balance.names == ["Biscoe", "Dream"]
    assert "Column 'island': the target, 2 classes (Biscoe, Dream)." in report_lines(page)
    assert not form.confirm_target.isVisible() and page.use_button.isEnabled()

    # back to Automatic, then confirm the suggestion with its button
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.keyClick(form.target, Qt.Key.Key_Home)
    assert form.confirm_target.isVisible() and not page.use_button.isEnabled()
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        qtbot.mouseClick(form.confirm_target, LEFT)
    assert imported.args[0].spec.options["target"] == "species" and page.use_button.isEnabled()

    # read the year as categories: select it in the column list, choose the kind
    form.columns.setCurrentItem(form.item("year"))
    form.kind.setFocus()
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        qtbot.keyClicks(form.kind, "Categories")
    assert imported.args[0].spec.options["kinds"] == {"year": "categorical"}
    assert any(line.startswith("Column 'year': 3 categories (2007, 2008, 2009)") for line in report_lines(page))
    assert form.item("year").text(1).startswith("3 categories (2007, 2008, 2009)")
    assert form.columns.currentItem() is form.item("year") and form.kind.currentText() == "Categories"
    page.grab().save(str(tmp_path / "declared.png"))
    qtbot.mouseClick(page.use_button, LEFT)
    assert page.document.project.dataset.options["kinds"] == {"year": "categorical"}


def test_a_column_of_separated_labels_becomes_a_multilabel_head(qtbot, page, tmp_path, monkeypatch):
    rows = ["a,b,tags"] + [f"{i % 7},{i % 5},{['red|round', 'round', '', 'big|red', 'red'][i % 5]}" for i in range(60)]
    table = tmp_path / "tags.csv"
    table.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(table), ""))
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(page.sources.csv_button, LEFT)
    form = page.csv_form
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        qtbot.mouseClick(form.confirm_target, LEFT)
    dataset = imported.args[0]
    assert dataset.task == "multilabel" and dataset.class_names == ["big", "red", "round"]
    assert form.task.currentText() == "Automatic (multilabel)"
    assert "Column 'tags' holds labels separated by '|', so the task is multi-label" in " ".join(report_lines(page))
    assert "multi-label (3 labels, any number per sample)" in page.preview.summary.text()
    qtbot.mouseClick(page.use_button, LEFT)
    head = page.document.project.graph.head_nodes()[0]
    assert head.type == "MultiLabelHead" and head.params == {"labels": 3}


def test_several_target_columns_stay_the_target(qtbot, page, tmp_path):
    table = tmp_path / "labels.csv"
    table.write_text("a,red,round\n" + "".join(f"{i % 7},{i % 2},{i % 3 == 0:d}\n" for i in range(40)))
    form = page.csv_form
    form.set_file(table, {"target": ["red", "round"]})
    assert form.target.currentText() == "red, round (several columns)"
    assert form.options()["target"] == ["red", "round"]
    assert form.item("red").text(1) == "the target" and form.item("round").text(1) == "the target"
