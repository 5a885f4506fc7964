"""The runs side by side on the Train page, driven like a user: sort by a column, open a run on the Evaluate page,
compare curves, delete a run (after saying yes), take the deletion back with Edit > Undo, and find its files gone once
the project was saved without it and closed."""

import pytest
from PySide6.QtCore import QPoint, Qt

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import train_project
from workbench.core.project.trained import build_trained_module
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


def test_a_run_is_deleted_after_the_user_says_yes(qtbot, page, monkeypatch):
    project = page.document.project
    record = project.runs[1]
    weights = project.folder / record.files.weights
    answers = []
    monkeypatch.setattr(runs_table, "confirm_delete", lambda parent, title: answers.append(title) or False)
    click_row(qtbot, page.runs.table, column_texts(page.runs.table, 0).index("Run 2"))
    qtbot.mouseClick(page.runs.delete_button, LEFT)
    assert answers == ["Run 2"] and weights.is_file() and len(project.runs) == 3      # "no": nothing changed

    monkeypatch.setattr(runs_table, "confirm_delete", lambda parent, title: True)
    qtbot.mouseClick(page.runs.delete_button, LEFT)
    assert [r.name for r in project.runs] == ["Run 1", "Run 3"]
    assert weights.is_file()                                  # kept while Edit > Undo can bring the run back
    assert column_texts(page.runs.table, 0) == ["Run 3", "Run 1"]
    assert [page.compare.item(i).text().split(" — ")[0] for i in range(page.compare.count())] == ["Run 3", "Run 1"]
    assert page.document.is_dirty
    assert page.runs.message.text() == "Deleted 'Run 2'. Edit > Undo brings it back."


def train_page_with_runs(window, folder):
    window.document.replace_project(project_with_runs(folder))
    bar = window.tabs.tabBar()
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    bar.setCurrentIndex(titles.index("Train"))
    return window.pages["Train"].page


def delete_run(qtbot, page, monkeypatch, title):
    monkeypatch.setattr(runs_table, "confirm_delete", lambda parent, asked: asked == title)
    click_row(qtbot, page.runs.table, column_texts(page.runs.table, 0).index(title))
    qtbot.mouseClick(page.runs.delete_button, LEFT)


def test_edit_undo_brings_a_deleted_run_back_with_its_curves_and_weights(qtbot, window, tmp_path, monkeypatch):
    page = train_page_with_runs(window, tmp_path)
    project = window.document.project
    record = project.runs[1]
    click_row(qtbot, page.runs.table, column_texts(page.runs.table, 0).index("Run 3"))
    qtbot.mouseClick(page.runs.compare_button, LEFT)          # another run's curves drawn: they stay ticked
    delete_run(qtbot, page, monkeypatch, "Run 2")
    assert [r.name for r in project.runs] == ["Run 1", "Run 3"] and window.isWindowModified()
    assert len(page.curves.overlay_items) == 2
    assert window.undo_action.text() == "&Undo Delete Run 2"
    window.undo_action.trigger()                              # Edit > Undo
    assert [r.name for r in project.runs] == ["Run 1", "Run 2", "Run 3"] and project.runs[1] is record
    assert not window.isWindowModified()
    assert column_texts(page.runs.table, 0) == ["Run 3", "Run 2", "Run 1"] and page.runs.message.text() == ""
    assert [page.compare.item(i).text().split(" — ")[0] for i in range(page.compare.count())] == \
        ["Run 3", "Run 2", "Run 1"]
    page.compare_runs([record.id])
    assert len(page.curves.overlay_items) == 2                # its curves are back: validation loss and accuracy
    assert record.curves.epochs and build_trained_module(project, record) is not None          # its weights load
    window.redo_action.trigger()
    assert [r.name for r in project.runs] == ["Run 1", "Run 3"]


def test_a_run_deleted_and_saved_is_gone_once_the_project_is_reopened(qtbot, window, tmp_path, monkeypatch):
    page = train_page_with_runs(window, tmp_path)
    path = window.document.project.path
    kept, deleted = window.document.project.runs[0], window.document.project.runs[1]
    delete_run(qtbot, page, monkeypatch, "Run 2")
    assert window.files.save()
    assert window.files.open_path(path)                       # closed, and opened again
    reopened = window.document.project
    assert [r.name for r in reopened.runs] == ["Run 1", "Run 3"] and load_project(path).runs == reopened.runs
    assert not any((tmp_path / p).exists() for p in deleted.files.paths())
    assert not (tmp_path / deleted.files.weights).parent.exists()
    assert all((tmp_path / p).is_file() for p in kept.files.paths())
    assert window.files.prompts == 0


def test_a_run_deleted_but_not_saved_keeps_its_files_for_the_project_file(qtbot, window, tmp_path, monkeypatch):
    page = train_page_with_runs(window, tmp_path)
    path = window.document.project.path
    delete_run(qtbot, page, monkeypatch, "Run 2")
    assert window.files.open_path(path)                       # closed without saving (the prompt: Discard)
    assert window.files.prompts == 1
    project = window.document.project
    run = project.runs[1]
    assert run.name == "Run 2" and all((tmp_path / p).is_file() for p in run.files.paths())
    assert build_trained_module(project, run) is not None


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


def test_a_run_deleted_and_saved_is_gone_once_the_window_is_closed(qtbot, window, tmp_path, monkeypatch):
    page = train_page_with_runs(window, tmp_path)
    deleted = window.document.project.runs[0]
    delete_run(qtbot, page, monkeypatch, "Run 1")
    assert window.files.save()
    assert (tmp_path / deleted.files.weights).is_file()       # Edit > Undo could still bring it back
    window.close()
    assert not any((tmp_path / p).exists() for p in deleted.files.paths())
    assert [r.name for r in load_project(tmp_path / "moons.json").runs] == ["Run 2", "Run 3"]


def test_undo_brings_back_the_weights_a_deleted_run_held_in_memory(tmp_path, data_dir):
    """A run whose folder could not be written keeps its weights in memory until a save: deleting it lets them go,
    undoing the deletion takes them back, so the next save still writes them."""
    from workbench.core.project.model import UnsavedWeights
    from workbench.gui.document.document import ProjectDocument

    document = ProjectDocument(project_with_runs(tmp_path, batch_sizes=(32, 16)))
    project = document.project
    record = project.runs[1]
    held = UnsavedWeights({}, {})
    project.unsaved_weights[record.files.weights] = held
    document.delete_run(record.id)
    assert project.unsaved_weights == {} and [r.id for r in project.runs] == [project.runs[0].id]
    document.undo_stack.undo()
    assert project.runs[1] is record and project.unsaved_weights == {record.files.weights: held}
