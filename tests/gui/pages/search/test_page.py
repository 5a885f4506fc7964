"""The Search page as a user drives it: tick what may vary, press Search and watch points arrive on the Pareto plot,
stop and continue, pick a trial and use its network (undoable)."""

import pytest
from PySide6.QtCore import Qt

from workbench.core.project import open_template
from workbench.core.search import TrialState
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.search.page import SearchPage

WAIT_MS = 240_000


@pytest.fixture
def page(qtbot, show, data_dir):
    project = open_template("cnn")
    project.training = project.training.replaced(device="cpu", batch_size=128)
    document = ProjectDocument(project)
    page = SearchPage(document)
    show(page, 1300, 850)
    return page


def tick(page, target: str, low: str | None = None, high: str | None = None) -> None:
    row = page.editor.row_of(target)
    page.editor.table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    if low is not None:
        page.editor.table.item(row, 3).setText(low)
    if high is not None:
        page.editor.table.item(row, 4).setText(high)


def click_row(qtbot, table, row: int) -> None:
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_search_shows_points_then_use_this_network_is_undoable(qtbot, page):
    tick(page, "conv1.filters", "2", "16")
    tick(page, "dense1.units", "8", "64")
    page.editor.width_edit.setText("")
    page.editor.trials.setValue(3)
    page.editor.epochs.setValue(2)
    qtbot.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    assert page.is_running and not page.search_button.isEnabled()
    qtbot.waitUntil(lambda: len(page.plot.points) >= 1, timeout=WAIT_MS)  # the first point arrives live
    qtbot.waitUntil(lambda: not page.is_running, timeout=WAIT_MS)
    assert len(page.plot.points) == 3 and page.table.rowCount() == 3
    assert len(page.plot.scatter.data) == 3 and len(page.plot.front_line.xData) >= 1
    assert page.status_label.text().startswith("Finished: 3 trials")
    project = page.document.project
    assert [r.target for r in project.search.space.ranges] == ["conv1.filters", "dense1.units"]
    assert page.document.undo_stack.undoText() == "Set up the search"

    number = page.front()[-1]  # the most accurate of the front
    row = [page.table.item(r, 0).text() for r in range(page.table.rowCount())].index(str(number))
    click_row(qtbot, page.table, row)
    assert page.selected_trial().number == number and page.use_button.isEnabled()
    assert "conv1 (Conv2d" in page.detail.text() and len(page.curve_line.xData) == 2
    before, training_before = project.graph.copy(), project.training
    chosen = page.trials[number].choices
    shown = []  # what the Train page's form is told to show
    page.document.training_changed.connect(shown.append)
    qtbot.mouseClick(page.use_button, Qt.MouseButton.LeftButton)
    assert shown == [project.training] and project.training.epochs == 2  # the trial's settings
    assert project.graph.nodes["conv1"].params["filters"] == chosen["conv1.filters"]
    assert project.graph.nodes["dense1"].params["units"] == chosen["dense1.units"]
    assert project.runs[-1].id == page.trials[number].run["id"] and project.runs[-1].has_weights
    assert page.document.undo_stack.undoText() == f"Use the network of search trial {number}"
    page.document.undo_stack.undo()
    assert project.graph.nodes["conv1"].params == before.nodes["conv1"].params and project.runs == []
    assert shown[-1] == training_before == project.training
    assert project.graph.positions == before.positions
    page.document.undo_stack.redo()
    assert project.graph.nodes["dense1"].params["units"] == chosen["dense1.units"] and len(project.runs) == 1


def test_stop_then_search_again_continues_the_study(qtbot, page):
    tick(page, "conv1.filters", "2", "16")
    page.editor.trials.setValue(3)
    page.editor.epochs.setValue(2)
    qtbot.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.plot.points) >= 1, timeout=WAIT_MS)
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.is_running, timeout=WAIT_MS)
    assert page.status_label.text().startswith("Stopped")
    stopped = len(page.trials)
    assert stopped < 4
    qtbot.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.is_running, timeout=WAIT_MS)
    counted = [t for t in page.trials.values() if t.state is not TrialState.STOPPED]
    assert len(counted) == 3 and sorted(page.trials) == list(range(len(page.trials)))
    assert page.status_label.text().startswith("Finished")


def test_an_empty_space_is_refused_on_the_page(qtbot, page):
    page.editor.width_edit.setText("")
    qtbot.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    assert not page.is_running
    assert "search space is empty" in page.status_label.text()
    assert page.document.project.search is None


def test_a_bad_number_names_the_row(qtbot, page):
    tick(page, "conv1.filters", "two", "16")
    qtbot.mouseClick(page.search_button, Qt.MouseButton.LeftButton)
    assert page.status_label.text() == "conv1 filters: 'two' is not a number." and not page.is_running
