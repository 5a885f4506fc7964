"""The Data page, driven like a user: open a CSV, look at it, change its settings, pick a built-in set and use it,
undo, cancel a long import, and read the message a bad file gets."""

from __future__ import annotations

import csv
import io

import pytest
from PIL import Image
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QFileDialog

from workbench.core.data import DatasetSpec
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.project import open_template
from workbench.core.project.data import cached_project_dataset
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.data.page import DataPage
from workbench.gui.pages.data.preview import format_number
from workbench.gui.workers import cancel_all_workers

LEFT = Qt.MouseButton.LeftButton
WAIT_MS = 30_000


@pytest.fixture
def document(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    return ProjectDocument(open_template("mlp"))   # iris: Input (4,), 3 classes


@pytest.fixture
def page(qtbot, document, show):
    panel = DataPage(document)
    show(panel, 1300, 850)
    qtbot.waitUntil(lambda: panel.preview.sample_count() > 0, timeout=WAIT_MS)   # the project's iris data
    yield panel
    cancel_all_workers()


def write_csv(path, rows, header=("id", "size", "weight", "colour", "kind")):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def fruit_rows(n=90):
    kinds = ["apple", "pear", "plum"]
    return [[i + 1, 5 + (i % 3) + (i % 7) * 0.1, 100 + (i * 37) % 50, ["red", "green"][i % 2], kinds[i % 3]]
            for i in range(n)]


def click_item(tree_or_list, rect) -> None:
    from PySide6.QtTest import QTest

    QTest.mouseClick(tree_or_list.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, rect.center())


def state(document) -> tuple:
    project = document.project
    return graph_to_dict(project.graph), project.dataset, document.undo_stack.index()


def test_a_csv_opened_through_the_dialog_shows_its_rows_balance_and_report(qtbot, page, document, tmp_path,
                                                                             monkeypatch):
    table = write_csv(tmp_path / "fruit.csv", fruit_rows())
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(table), ""))
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(page.sources.csv_button, LEFT)

    preview = page.preview
    headers = [preview.table.horizontalHeaderItem(c).text() for c in range(preview.table.columnCount())]
    assert headers == ["size", "weight", "colour", "→ label"]
    assert preview.table.rowCount() == 40
    labels = {preview.table.item(r, 3).text() for r in range(preview.table.rowCount())}
    assert labels == {"apple", "pear", "plum"}
    assert preview.balance.names == ["apple", "pear", "plum"] and preview.balance.totals() == [30, 30, 30]
    assert "90 samples" in preview.summary.text() and "63 training / 14 validation / 13 test" in \
        preview.summary.text()
    form = page.csv_form
    assert form.delimiter.currentText() == "Automatic (comma)"
    assert form.target.currentText() == "Automatic (kind)"
    identifier = form.item("id")
    assert identifier.checkState(0) == Qt.CheckState.Unchecked
    assert "looks like an identifier" in identifier.text(1)
    assert form.item("size").checkState(0) == Qt.CheckState.Checked
    report = [preview.report.item(i).text() for i in range(preview.report.count())]
    assert "Column 'colour': 2 categories (green, red), one-hot encoded into 2 inputs." in report
    # the suggested target waits for the user's word
    assert not page.use_button.isEnabled() and document.project.dataset.name == "iris"
    assert form.confirm_target.isVisible() and form.confirm_target.text() == "Predict 'kind'"
    assert "The import suggests 'kind' because it is the rightmost column of few categories" in page.banner.text()

    # leave out "weight" (click it, press space) and predict the colour instead (type into the drop-down): the
    # preview follows without Import
    weight = form.item("weight")
    click_item(form.columns, form.columns.visualRect(form.columns.indexFromItem(weight, 0)))
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS) as imported:
        qtbot.keyClick(form.columns, Qt.Key.Key_Space)
        assert weight.checkState(0) == Qt.CheckState.Unchecked
        form.target.setFocus()
        qtbot.keyClicks(form.target, "colour")
        assert form.target.currentData() == "colour"
        assert page.settings_changed and not page.use_button.isEnabled()
    dataset = imported.args[0]
    assert dataset.spec.options["target"] == "colour" and dataset.spec.options["ignore"] == ["weight"]
    headers = [preview.table.horizontalHeaderItem(c).text() for c in range(preview.table.columnCount())]
    assert headers == ["size", "kind", "→ label"]
    assert preview.balance.names == ["green", "red"] and preview.balance.totals() == [45, 45]
    assert not page.settings_changed and page.use_button.isEnabled() and not form.confirm_target.isVisible()


def test_picking_digits_and_using_it_is_one_undoable_edit(qtbot, page, document):
    before = state(document)
    builtin = page.sources.builtin_list
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        click_item(builtin, builtin.visualItemRect(page.sources.item("digits")))
    assert page.preview.sample_count() == 40
    assert sorted(set(page.preview.images.labels)) == [str(d) for d in range(10)]
    assert page.preview.images.images[0].width() == 8
    assert page.preview.balance.totals() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert page.augmentation_form.isVisible()
    qtbot.mouseClick(page.augmentation_form.hflip, LEFT)

    qtbot.mouseClick(page.use_button, LEFT)
    graph = document.project.graph
    assert graph.node("input1").params["shape"] == (1, 8, 8)
    assert graph.node("classifier1").params["classes"] == 10
    assert document.project.dataset.name == "digits"
    assert document.project.dataset.augmentation == {"hflip": True}
    assert document.dataset is not None and document.dataset.spec.augmentation == {"hflip": True}
    assert document.undo_stack.count() == 1 and page.use_button.text() == "In use"
    assert not page.use_button.isEnabled()
    assert cached_project_dataset(document.project) is document.dataset   # Train starts without loading again

    document.undo_stack.undo()
    assert state(document) == before
    qtbot.waitUntil(lambda: document.dataset is not None and page.preview.sample_count() > 0
                    and page.preview.table.isVisible(), timeout=WAIT_MS)
    assert document.dataset.name == "Iris flowers" and "Iris" in page.preview.title.text()
    assert page.source == {"source": "builtin", "name": "iris"} and not page.augmentation_form.isVisible()


class Heartbeat:
    """A 10 ms timer on the GUI thread; its longest gap is the longest time the window did not respond."""

    def __init__(self):
        self.clock, self.last, self.longest = QElapsedTimer(), 0, 0
        self.clock.start()
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(10)

    def _tick(self):
        now = self.clock.elapsed()
        self.longest = max(self.longest, now - self.last)
        self.last = now


def test_cancelling_a_big_image_import_keeps_the_window_responsive_and_the_project_unchanged(
        qtbot, page, document, tmp_path, monkeypatch):
    folder = tmp_path / "pictures"
    for label, colour in (("cats", (200, 40, 40)), ("dogs", (40, 40, 200))):
        buffer = io.BytesIO()
        Image.new("RGB", (48, 48), colour).save(buffer, "PNG")
        (folder / label).mkdir(parents=True)
        for i in range(1500):
            (folder / label / f"{i:05d}.png").write_bytes(buffer.getvalue())
    before = state(document)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    heartbeat = Heartbeat()
    imported = []
    page.imported.connect(imported.append)
    qtbot.mouseClick(page.sources.folder_button, LEFT)
    assert page.is_importing and page.progress.isVisible() and page.cancel_button.isVisible()
    with qtbot.waitSignal(page.worker.progress, timeout=WAIT_MS):
        pass
    qtbot.mouseClick(page.cancel_button, LEFT)
    qtbot.waitUntil(lambda: not page.is_importing, timeout=WAIT_MS)
    heartbeat.timer.stop()
    assert imported == [] and page.dataset is None
    assert page.status.text() == "Import cancelled."
    assert "cancelled" in page.preview.placeholder.text() and not page.cancel_button.isVisible()
    assert not page.use_button.isEnabled()
    assert state(document) == before
    assert heartbeat.longest < 500, f"the window froze for {heartbeat.longest} ms"


def test_bad_files_get_their_message_and_leave_the_project_unchanged(qtbot, page, document, tmp_path,
                                                                     monkeypatch):
    before = state(document)
    chosen = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(chosen[-1]), ""))

    chosen.append(write_csv(tmp_path / "one_class.csv", [[i, i * 2.5, 3, "x", "same"] for i in range(20)]))
    qtbot.mouseClick(page.sources.csv_button, LEFT)
    qtbot.waitUntil(lambda: not page.is_importing and page.banner.isVisible(), timeout=WAIT_MS)
    assert page.banner.text() == ("Column 'kind' has a single class ('same'); a classifier needs at least two. "
                                  "The project is unchanged.")
    assert page.dataset is None and not page.use_button.isEnabled()
    assert page.preview.samples.currentWidget() is page.preview.placeholder

    chosen.append(tmp_path / "empty.csv")
    chosen[-1].write_text("")
    qtbot.mouseClick(page.sources.csv_button, LEFT)
    assert page.banner.text() == "The file 'empty.csv' is empty. The project is unchanged."
    assert not page.is_importing
    assert state(document) == before

    page.open_csv_file(str(write_csv(tmp_path / "good.csv", fruit_rows())))   # a good file clears the message
    qtbot.waitUntil(lambda: page.dataset is not None, timeout=WAIT_MS)
    assert "single class" not in page.banner.text() and \
        page.banner.text().startswith("Which column should the network predict?")


def test_when_the_network_no_longer_fits_the_data_the_page_fits_it_again(qtbot, page, document):
    from workbench.gui.document.commands import SetParamsCommand

    graph = document.project.graph
    assert page.use_button.text() == "In use" and not page.use_button.isEnabled()
    document.push(SetParamsCommand(graph, "classifier1", {"classes": 5}))
    assert page.use_button.text() == "Fit the network to it" and page.use_button.isEnabled()
    assert page.banner.text().startswith("The network no longer fits this data")
    assert any(p.node_id == "classifier1" for p in document.result.problems)
    qtbot.mouseClick(page.use_button, LEFT)
    assert graph.node("classifier1").params["classes"] == 3 and document.result.ok
    assert page.use_button.text() == "In use" and document.project.dataset.name == "iris"
    document.undo_stack.undo()
    assert graph.node("classifier1").params["classes"] == 5


def test_a_wrong_delimiter_is_explained_and_automatic_reads_the_file_again(qtbot, page, document, tmp_path):
    before = state(document)
    table = tmp_path / "semicolons.csv"
    table.write_text("height;width;shape\n" + "".join(f"{i};{i % 5};{'ab'[i % 2]}\n" for i in range(30)))
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        page.open_csv_file(str(table))
    form = page.csv_form
    assert form.delimiter.currentText() == "Automatic (semicolon)" and form.names == ["height", "width", "shape"]
    form.delimiter.setFocus()
    qtbot.keyClicks(form.delimiter, "C")
    assert form.delimiter.currentData() == ","
    assert page.banner.text() == ("With the delimiter ',' (comma), every row of 'semicolons.csv' is a single column; "
                                  "the file seems to use ';' (semicolon). Choose that delimiter or leave it on "
                                  "automatic. The project is unchanged.")
    assert page.dataset is None and not page.use_button.isEnabled() and state(document) == before
    qtbot.keyClick(form.delimiter, Qt.Key.Key_Home)
    assert form.delimiter.currentData() is None and page.banner.text() == ""
    assert form.names == ["height", "width", "shape"]
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(page.import_button, LEFT)
    assert page.preview.balance.names == ["a", "b"]


def test_using_data_while_training_runs_is_refused_with_a_message(qtbot, page, document):
    before = state(document)
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        page.choose_builtin("wine")
    document.busy_reason = "Training is running"
    qtbot.mouseClick(page.use_button, LEFT)
    assert page.banner.text() == ("Training is running: the network cannot be changed until it finishes. "
                                  "The project is unchanged.")
    assert state(document) == before and document.dataset.name == "Iris flowers"
    document.busy_reason = None
    qtbot.mouseClick(page.use_button, LEFT)
    assert document.project.dataset.name == "wine" and document.project.graph.node("input1").params["shape"] \
        == (13,)
    assert page.banner.text() == "The project trains on this data."


def test_a_project_opened_with_a_table_shows_its_settings_and_data(qtbot, page, document, tmp_path):
    table = write_csv(tmp_path / "fruit.csv", fruit_rows())
    project = open_template("mlp")
    project.dataset = DatasetSpec.from_dict({"source": "csv", "path": str(table),
                                             "options": {"target": "kind", "ignore": ["weight"]}})
    document.replace_project(project)
    form = page.csv_form
    assert page.source == {"source": "csv", "path": str(table)}
    assert form.target.currentData() == "kind" and form.item("weight").checkState(0) == Qt.CheckState.Unchecked
    qtbot.waitUntil(lambda: page.preview.sample_count() == 40, timeout=WAIT_MS)
    assert document.dataset is not None and document.dataset.input_shape == (3,)
    assert "looks like an identifier" in form.item("id").text(1)
    assert page.use_button.text() == "Fit the network to it"   # the template's Input takes 4 numbers
    qtbot.mouseClick(page.use_button, LEFT)
    assert document.project.graph.node("input1").params["shape"] == (3,) and page.use_button.text() == "In use"


def test_generated_data_keeps_the_projects_settings_and_a_change_asks_for_import(qtbot, page, document):
    project = open_template("mlp")
    project.dataset = DatasetSpec.from_dict({"source": "builtin", "name": "spirals",
                                             "options": {"n_samples": 300, "classes": 3}})
    document.replace_project(project)
    form = page.generated_form
    assert (form.points.value(), form.arms.value(), form.noise.value()) == (300, 3, 0.05)
    qtbot.waitUntil(lambda: page.preview.sample_count() > 0, timeout=WAIT_MS)
    assert "300 samples" in page.preview.summary.text() and page.preview.balance.names == ["arm 1", "arm 2",
                                                                                          "arm 3"]
    form.points.setFocus()
    form.points.selectAll()
    qtbot.keyClicks(form.points, "500")
    assert page.settings_changed and page.import_button.isDefault() and not page.use_button.isEnabled()
    with qtbot.waitSignal(page.imported, timeout=WAIT_MS):
        qtbot.mouseClick(page.import_button, LEFT)
    assert "500 samples" in page.preview.summary.text() and page.use_button.isEnabled()


def test_a_zero_reads_0_in_the_preview_never_minus_0():  # the preview's cells and histogram edges
    assert [format_number(v) for v in (-0.0, 0.0, -0.5, 1234.5678, 123456.0)] == ["0", "0", "-0.5", "1235", "123,456"]
