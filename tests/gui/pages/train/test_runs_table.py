"""The runs side by side on the Train page, driven like a user: sort by a column, open a run on the Evaluate page,
compare curves, delete a run with its files (after saying yes)."""

import pytest
from PySide6.QtCore import QPoint, Qt

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template, save_project
from workbench.core.project.actions import train_project
from workbench.core.training.settings import TrainingSettings
from workbench.gui.pages.train import runs_table
from workbench.gui.pages.train.page import TrainPage

LEFT = Qt.MouseButton.LeftButton


def project_with_runs(folder, batch_sizes=(32, 16, 64)):
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 200}})
    dataset = load_dataset(spec)
    fit_graph_to_dataset(project.graph, dataset)
    project.dataset = spec
    save_project(project, folder / "moons.json")
    for batch_size in batch_sizes:
        project.training = TrainingSettings(epochs=1, batch_size=batch_size)
        project.add_run(train_project(project, folder, dataset=dataset).record)
    save_project(project)
    return project


@pytest.fixture
def page(qtbot, tmp_path, show, data_dir):
    from workbench.gui.document.document import ProjectDocument

    page = TrainPage(ProjectDocument(project_with_runs(tmp_path)))
    show(page, 1300, 900)
    return page


def click_header(qtbot, table, column):
    header = table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), LEFT, pos=QPoint(header.sectionViewportPosition(column) + 6,
                                                          header.height() // 2))


def click_row(qtbot, table, row, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.mouseClick(table.viewport(), LEFT, modifier, table.visualItemRect(table.item(row, 0)).center())


def column_texts(table, column):
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_the_runs_sit_side_by_side_and_sort_by_a_click_on_a_column(qtbot, page, tmp_path):
    table = page.runs.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:3] == ["Run", "Status", "Batch size"] and {"Test accuracy", "Duration", "Device"} <= set(headers)
    assert "Learning rate" not in headers                     # the same in every run: not a column
    assert column_texts(table, 0) == ["Run 3", "Run 2", "Run 1"]
    click_header(qtbot, table, 2)
    sizes = column_texts(table, 2)
    assert sizes in (["16", "32", "64"], ["64", "32", "16"])    # as numbers, not as text ("16" < "32" < "64")
    click_header(qtbot, table, 2)
    assert column_texts(table, 2) == sizes[::-1]
    page.grab().save(str(tmp_path / "runs-table.png"))


def test_a_run_is_opened_on_the_evaluate_page(qtbot, page):
    table = page.runs.table
    assert not page.runs.open_button.isEnabled()
    row = column_texts(table, 0).index("Run 1")
    click_row(qtbot, table, row)
    assert page.runs.open_button.isEnabled()
    with qtbot.waitSignal(page.run_open_requested) as opened:
        qtbot.mouseClick(page.runs.open_button, LEFT)
    assert opened.args == [page.document.project.runs[0].id]


def test_chosen_runs_are_compared_as_curves(qtbot, page):
    table = page.runs.table
    click_row(qtbot, table, 1)
    click_row(qtbot, table, 2, Qt.KeyboardModifier.ControlModifier)
    qtbot.mouseClick(page.runs.compare_button, LEFT)
    ticked = [page.compare.item(i).text().split(" — ")[0] for i in range(page.compare.count())
              if page.compare.item(i).checkState() == Qt.CheckState.Checked]
    assert sorted(ticked) == ["Run 1", "Run 2"]
    assert len(page.curves.overlay_items) == 4             # validation loss and accuracy of each


def test_a_run_is_deleted_with_its_files_after_the_user_says_yes(qtbot, page, monkeypatch):
    project = page.document.project
    record = project.runs[1]
    weights = project.folder / record.files.weights
    answers = []
    monkeypatch.setattr(runs_table, "confirm_delete", lambda parent, title: answers.append(title) or False)
    click_row(qtbot, page.runs.table, column_texts(page.runs.table, 0).index("Run 2"))
    qtbot.mouseClick(page.runs.delete_button, LEFT)
    assert answers == ["Run 2"] and weights.is_file() and len(project.runs) == 3      # "no": nothing changed

    monkeypatch.setattr(runs_table, "confirm_delete", lambda parent, title: True)
    with qtbot.waitSignal(page.runs.deleted):
        qtbot.mouseClick(page.runs.delete_button, LEFT)
    assert not weights.exists() and [r.name for r in project.runs] == ["Run 1", "Run 3"]
    assert column_texts(page.runs.table, 0) == ["Run 3", "Run 1"]
    assert [page.compare.item(i).text().split(" — ")[0] for i in range(page.compare.count())] == ["Run 3", "Run 1"]
    assert page.document.is_dirty and "Deleted 'Run 2'" in page.runs.message.text()


def test_open_on_evaluate_switches_to_the_evaluate_page_showing_that_run(qtbot, window, tmp_path):
    project = project_with_runs(tmp_path, batch_sizes=(32, 16))
    window.document.replace_project(project)
    bar = window.tabs.tabBar()
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(titles.index("Train")).center())
    page = window.pages["Train"].page
    table = page.runs.table
    click_row(qtbot, table, column_texts(table, 0).index("Run 1"))
    qtbot.mouseClick(page.runs.open_button, LEFT)
    assert window.tabs.currentWidget() is window.pages["Evaluate"]
    evaluate = window.pages["Evaluate"].page
    qtbot.waitUntil(lambda: evaluate.result is not None and evaluate.worker is None, timeout=30_000)
    assert evaluate.run_combo.currentData() == project.runs[0].id
