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
