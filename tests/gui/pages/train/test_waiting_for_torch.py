"""Pressing Train while PyTorch is still loading in the background (the first seconds after launch): the page says
"Preparing PyTorch…" at once, is locked as for a run, and starts the run as soon as PyTorch is there; Stop meanwhile
drops the run. The warm-up is a stand-in that ends when the test lets it."""

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.core.training.settings import TrainingSettings
from workbench.gui import warm_up as warm_up_module
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import BUSY_REASON, TrainPage
from workbench.gui.warm_up import WarmUp

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def gate(monkeypatch):
    """Released by the test: until then the app's warm-up is still loading PyTorch."""
    released = threading.Event()

    def loading(control):
        released.wait(60)
        return []  # no GPU seen

    monkeypatch.setattr(warm_up_module, "_shared", WarmUp(job=loading))
    yield released
    released.set()


@pytest.fixture
def page(gate, show, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 200}})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.dataset = spec
    project.training = TrainingSettings(epochs=1, batch_size=16)
    document = ProjectDocument(project)
    page = TrainPage(document)
    show(page, 1200, 800)
    yield page
    gate.set()
    if page.worker is not None:
        page.worker.wait(30_000)


def test_a_press_while_pytorch_loads_says_so_and_the_run_starts_once_it_has(qtbot, page, gate, tmp_path):
    assert not page.warm_up.is_ready
    qtbot.mouseClick(page.train_button, LEFT)
    QApplication.processEvents()
    assert page.status_label.text().startswith("Preparing PyTorch…") and page.status_label.isVisible()
    page.grab().save(str(tmp_path / "preparing.png"))
    assert page.is_running and page.document.busy_reason == BUSY_REASON
    assert not page.train_button.isEnabled() and page.stop_button.isEnabled()
    assert not page.worker.is_running, "the run must wait for PyTorch"

    with qtbot.waitSignal(page.run_finished, timeout=60_000) as finished:
        gate.set()
        qtbot.waitUntil(lambda: page.worker is None or page.worker.is_running, timeout=10_000)
        assert not page.status_label.text().startswith("Preparing")
    assert finished.args[0].status == "completed" and page.document.project.runs == [finished.args[0]]


def test_stop_while_pytorch_loads_drops_the_run(qtbot, page, gate):
    qtbot.mouseClick(page.train_button, LEFT)
    QApplication.processEvents()
    assert page.status_label.text().startswith("Preparing PyTorch…")
    qtbot.mouseClick(page.stop_button, LEFT)
    assert not page.is_running and page.document.busy_reason is None
    assert page.train_button.isEnabled() and not page.stop_button.isEnabled()
    assert page.status_label.text() == "Cancelled before training started."
    gate.set()
    qtbot.waitUntil(lambda: page.warm_up.is_ready, timeout=10_000)
    QApplication.processEvents()
    assert not page.is_running and page.document.project.runs == []
