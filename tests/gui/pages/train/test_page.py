"""The Train page, driven like a user: press Train, watch curves arrive, pause, stop, compare, export."""

import csv
import threading
import time

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QFileDialog

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.errors import WorkbenchError
from workbench.core.project import open_template
from workbench.core.training.settings import TrainingSettings
from workbench.gui.document.commands import SetParamsCommand
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import BUSY_REASON, TrainPage

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def document(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 200}})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.dataset = spec
    project.training = TrainingSettings(epochs=2, batch_size=16)
    return ProjectDocument(project)


@pytest.fixture
def panel(document, show):
    page = TrainPage(document)
    show(page, 1200, 800)
    yield page
    if page.run_control is not None:
        page.run_control.stop()
    if page.worker is not None:
        page.worker.wait(10_000)


def points(panel, name: str) -> int:
    """How many points the plot of a series currently holds."""
    x, _ = panel.curves.curves[name].getData()
    return 0 if x is None else len(x)


def waited_on_a_cpu_ms() -> float | None:
    """How long this thread has waited, runnable, for a CPU (Linux's schedstat run delay), in ms; None elsewhere."""
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/schedstat") as f:
            return int(f.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


class Heartbeat:
    """A 10 ms timer on the GUI thread; the longest gap between its ticks is the longest event-loop stall that the
    app caused. The time the thread was ready to run but waited for a CPU (other programs on a loaded machine) is
    not counted where Linux reports it, so a busy machine does not fail the check, while work or waiting on the GUI
    thread (torch there, a lock held by the worker, a slow redraw) still does."""

    def __init__(self):
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = 0
        self.last_waited = waited_on_a_cpu_ms()
        self.longest = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self):
        now, waited = self.clock.elapsed(), waited_on_a_cpu_ms()
        not_scheduled = waited - self.last_waited if waited is not None else 0.0
        self.longest = max(self.longest, now - self.last - not_scheduled)
        self.last, self.last_waited = now, waited


def test_the_heartbeat_sees_the_gui_thread_kept_busy(qtbot):
    """The check below can fail: 400 ms of work on the GUI thread (its own CPU time, however loaded the machine)
    shows as a stall of at least that long."""
    def busy():
        start = time.thread_time()
        while time.thread_time() - start < 0.4:
            pass

    beat = Heartbeat()
    QTimer.singleShot(50, busy)
    qtbot.wait(700)
    beat.timer.stop()
    assert beat.longest >= 390


def test_train_shows_curves_then_stop_keeps_the_run(qtbot, panel, document):
    panel.form.epochs.setValue(100_000)
    qtbot.mouseClick(panel.train_button, LEFT)
    assert panel.is_running and document.busy_reason == BUSY_REASON
    assert not panel.train_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: points(panel, "batch_loss") > 20, timeout=20_000)
    qtbot.waitUntil(lambda: points(panel, "val_loss") >= 2 and points(panel, "metric") >= 2, timeout=20_000)
    assert "samples/s" in panel.status_label.text() and "ETA" in panel.status_label.text()
    assert panel.device_label.text().startswith("CPU (1 thread)")

    # the network cannot be changed while it trains
    with pytest.raises(WorkbenchError, match="Training is running"):
        document.push(SetParamsCommand(document.project.graph, "dense1", {"units": 8}))

    # the window stays responsive while training
    beat = Heartbeat()
    qtbot.wait(500)
    beat.timer.stop()
    assert beat.longest < 250, f"the event loop stalled for {beat.longest} ms"

    started = time.monotonic()
    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=5_000)
    assert time.monotonic() - started < 2.0, "Stop must take effect within about a second"
    record = document.project.runs[-1]
    assert record.status == "stopped" and record.epochs_done >= 1
    assert document.is_dirty and document.busy_reason is None
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()
    assert "Stopped by you" in panel.message_label.text()
    assert f"{record.name} stopped after" in panel.status_label.text()
    assert panel.continue_button.isVisible()


def test_pause_holds_the_run_and_resume_goes_on(qtbot, panel):
    panel.form.epochs.setValue(100_000)
    qtbot.mouseClick(panel.train_button, LEFT)
    buffer = panel.curves.buffers["batch_loss"]
    qtbot.waitUntil(lambda: len(buffer) > 10, timeout=20_000)
    qtbot.mouseClick(panel.pause_button, LEFT)
    assert panel.pause_button.text() == "Resume" and "Paused" in panel.status_label.text()
    qtbot.wait(300)  # a report already on its way may still land
    held = len(buffer)
    qtbot.wait(400)
    assert len(buffer) == held
    qtbot.mouseClick(panel.pause_button, LEFT)
    assert panel.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: len(buffer) > held + 10, timeout=10_000)
    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=5_000)


def test_a_finished_run_is_recorded_compared_and_exported(qtbot, panel, document, tmp_path, monkeypatch):
    with qtbot.waitSignal(panel.run_finished, timeout=30_000) as finished:
        qtbot.mouseClick(panel.train_button, LEFT)
    record = finished.args[0]
    assert record.status == "completed" and document.project.runs == [record]
    assert "Finished all 2 epochs" in panel.message_label.text() and "Test accuracy" in panel.message_label.text()
    assert panel.progress.value() == 1000
    qtbot.waitUntil(lambda: not panel.is_running)

    # a second run, compared with the first
    with qtbot.waitSignal(panel.run_finished, timeout=30_000):
        qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running)
    assert [r.name for r in document.project.runs] == ["Run 1", "Run 2"]
    assert panel.compare.count() == 2
    first = panel.compare.item(1)
    assert first.text().startswith("Run 1")
    first.setCheckState(Qt.CheckState.Checked)
    assert len(panel.curves.overlay_items) == 2  # validation loss and accuracy of Run 1

    png, table = tmp_path / "curves.png", tmp_path / "curves.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(png), ""))
    qtbot.mouseClick(panel.export_png_button, LEFT)
    assert png.stat().st_size > 1000
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(table), ""))
    qtbot.mouseClick(panel.export_csv_button, LEFT)
    rows = list(csv.reader(table.open()))
    assert rows[0] == ["series", "epoch", "value"]
    series = {r[0] for r in rows[1:]}
    assert series == {"batch_loss", "batch_loss_smoothed", "val_loss", "val_accuracy", "learning_rate"}
    assert sum(r[0] == "val_loss" for r in rows) == 2


def test_settings_edits_are_stored_in_the_project(qtbot, panel, document):
    spin = panel.form.learning_rate
    spin.selectAll()
    qtbot.keyClicks(spin, "0.01")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert document.project.training.learning_rate == pytest.approx(0.01)
    assert document.is_dirty
    spin.stepBy(1)  # arrows step through 1-2-5
    assert document.project.training.learning_rate == pytest.approx(0.02)
    panel.form.optimizer.setCurrentIndex(panel.form.optimizer.findData("sgd"))
    assert panel.form.momentum.isEnabled() and document.project.training.optimizer == "sgd"
    item = panel.form.frozen.item(0)
    item.setCheckState(Qt.CheckState.Checked)
    assert document.project.training.frozen_nodes == [item.data(Qt.ItemDataRole.UserRole)]


def test_train_refuses_without_data_or_with_a_broken_network(qtbot, panel, document):
    document.project.dataset = None
    qtbot.mouseClick(panel.train_button, LEFT)
    assert not panel.is_running and "Choose the data" in panel.message_label.text()
    document.project.graph.remove_node("dense1")
    document.revalidate()
    qtbot.mouseClick(panel.train_button, LEFT)
    assert not panel.is_running and "fix them on the Design page" in panel.message_label.text()


def test_a_failing_run_becomes_a_message(qtbot, panel, document):
    document.project.dataset = DatasetSpec(source="csv", path="/nonexistent/data.csv")
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=20_000)
    assert panel.message_label.isVisible() and "data.csv" in panel.message_label.text()
    assert document.busy_reason is None and document.project.runs == []


def test_continue_finishes_a_stopped_run(qtbot, panel, document):
    panel.form.epochs.setValue(4)
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.mouseClick(panel.pause_button, LEFT)  # holds the run at its first batch
    qtbot.waitUntil(lambda: panel.progress.maximum() == 1000, timeout=20_000)  # training has started
    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=5_000)
    stopped = document.project.runs[-1]
    assert stopped.status == "stopped" and stopped.epochs_done == 0 and stopped.files.state
    assert panel.continue_button.isVisible()
    with qtbot.waitSignal(panel.run_finished, timeout=30_000) as finished:
        qtbot.mouseClick(panel.continue_button, LEFT)
    record = finished.args[0]
    qtbot.waitUntil(lambda: not panel.is_running)
    assert record.id == stopped.id and record.status == "completed" and record.epochs_done == 4
    assert len(document.project.runs) == 1
    assert [row["epoch"] for row in record.curves.epochs] == [0, 1, 2, 3]
    assert not panel.continue_button.isVisible()


def test_a_run_never_lands_in_a_project_opened_meanwhile(qtbot, panel, document):
    panel.form.epochs.setValue(100_000)
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: panel.progress.maximum() == 1000, timeout=20_000)
    document.replace_project(open_template("cnn"))
    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=5_000)
    assert document.project.runs == []
    assert "was not recorded" in panel.message_label.text()
    assert panel.form.frozen.item(0).text().startswith("conv1")  # the form now shows the new project


def test_a_run_ended_after_save_as_elsewhere_keeps_its_weights_beside_the_saved_project(qtbot, panel, document,
                                                                                         tmp_path):
    panel.form.epochs.setValue(100_000)
    qtbot.mouseClick(panel.train_button, LEFT)
    qtbot.waitUntil(lambda: panel.progress.maximum() == 1000, timeout=20_000)
    target = tmp_path / "saved" / "moons.wbproj"
    target.parent.mkdir()
    document.save(target)  # Save As while it trains: the run writes into the never-saved project's own folder
    qtbot.mouseClick(panel.stop_button, LEFT)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=10_000)
    record = document.project.runs[-1]
    assert record.files.weights.startswith("runs/moons/")
    assert (target.parent / record.files.weights).is_file()
