"""The cluster's side of the Train page, driven like a user: "Run on a Cluster…" writes a job folder (asking before
writing into one with files); the job's run.sh trains it (here: 1 machine x 2 CPU processes); "Bring Back a Run…"
adds its run (its weights copied in a worker, the project locked meanwhile), which shows in the runs table with its
curves. The File menu leads to both."""

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import load_project, open_template, save_project
from workbench.core.training.settings import TrainingSettings
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import TrainPage

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def page(qtbot, tmp_path, show, data_dir):
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 300}})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.dataset = spec
    project.training = TrainingSettings(epochs=3, batch_size=16, early_stopping=False)
    (tmp_path / "home").mkdir()
    save_project(project, tmp_path / "home" / "moons.wbproj")
    page = TrainPage(ProjectDocument(project))
    show(page, 1300, 850)
    return page


def write_job(qtbot, page, folder, gpus: int = 2):
    qtbot.mouseClick(page.cluster_button, LEFT)
    dialog = page.cluster_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.folder.selectAll()
    qtbot.keyClicks(dialog.folder, str(folder))
    dialog.gpus.selectAll()
    qtbot.keyClicks(dialog.gpus, str(gpus))
    qtbot.mouseClick(dialog.write_button, LEFT)
    return dialog


def test_the_dialog_writes_the_job_folder(qtbot, page, tmp_path):
    assert page.cluster_dialog is None
    dialog = write_job(qtbot, page, tmp_path / "job")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert sorted(os.listdir(tmp_path / "job")) == ["README.txt", "job.slurm", "moons.wbproj", "run.sh"]
    assert "--nproc-per-node=2" in (tmp_path / "job" / "job.slurm").read_text()
    assert f"Wrote the cluster job to {tmp_path / 'job'}" in page.message_label.text()
    assert page.document.project.runs == [] and not page.document.is_dirty


def test_a_folder_with_files_is_only_written_after_asking(qtbot, page, tmp_path, monkeypatch):
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "mine.txt").write_text("mine")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No)
    dialog = write_job(qtbot, page, tmp_path / "job")
    qtbot.waitUntil(lambda: bool(asked), timeout=20_000)
    assert "already holds files" in asked[0] and dialog.isVisible()
    assert os.listdir(tmp_path / "job") == ["mine.txt"] and "is not empty" in dialog.message.text()

    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.write_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert len(asked) == 2 and (tmp_path / "job" / "run.sh").is_file()
    assert (tmp_path / "job" / "mine.txt").read_text() == "mine"


def test_refusals_show_in_the_dialog(qtbot, page, tmp_path):
    (tmp_path / "a-file").write_text("mine")
    dialog = write_job(qtbot, page, tmp_path / "a-file")
    qtbot.waitUntil(lambda: "is a file" in dialog.message.text(), timeout=20_000)
    assert dialog.isVisible() and (tmp_path / "a-file").read_text() == "mine"


def test_a_run_made_by_run_sh_comes_back_with_its_curves(qtbot, page, tmp_path, monkeypatch):
    dialog = write_job(qtbot, page, tmp_path / "job")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    env = {**os.environ, "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(tmp_path / "job" / "run.sh")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout[done.stdout.index("{"):])["processes"] == 2

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(tmp_path / "job"))
    qtbot.mouseClick(page.bring_back_button, LEFT)
    project = page.document.project
    assert page.document.busy_reason and "Bringing back the runs in" in page.message_label.text()
    assert not page.train_button.isEnabled() and not page.bring_back_button.isEnabled()  # locked meanwhile
    qtbot.waitUntil(lambda: page.bringing_back is None, timeout=30_000)  # its weights are copied in a worker
    assert page.document.busy_reason is None and page.bring_back_button.isEnabled()
    assert len(project.runs) == 1, page.message_label.text()
    record = project.runs[0]
    assert "× 2 processes (gloo)" in record.device and record.epochs_done == 3
    assert (tmp_path / "home" / record.files.weights).is_file()
    assert page.document.is_dirty
    assert page.runs.table.rowCount() == 1 and page.runs.table.item(0, 0).text() == record.title
    assert len(page.curves.buffers["val_loss"]) == 3  # its curves, on the Train page
    assert f"Showing {record.title}" in page.status_label.text() and "Brought back" in page.message_label.text()
    assert load_project(tmp_path / "job" / "moons.wbproj").runs[0].id == record.id

    qtbot.mouseClick(page.bring_back_button, LEFT)  # a second time: nothing new
    qtbot.waitUntil(lambda: page.bringing_back is None, timeout=30_000)
    assert len(project.runs) == 1 and "in the project already" in page.message_label.text()


def test_the_file_menu_leads_to_the_train_page(qtbot, window, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: "")
    actions = {a.text(): a for a in window.menuBar().actions()[0].menu().actions()}
    actions["Open C&luster Run…"].trigger()
    assert window.tabs.currentWidget() is window.pages["Train"]
    actions["Run on a &Cluster…"].trigger()
    dialog = window.pages["Train"].page.cluster_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.reject()
