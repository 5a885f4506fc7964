"""'GPUs to use' on the Train page, driven like a user on a machine with several GPUs (faked: this machine has
none). The choice appears only where PyTorch sees two or more; it is a training setting (saved, undoable); and
pressing Train with several chosen trains in child processes through `torchrun` (here gloo on the CPU), with the
curves arriving live, Stop keeping the run, and the run landing in the runs table."""

from types import SimpleNamespace

import pytest
import torch
from PySide6.QtCore import Qt

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.core.training.settings import TrainingSettings
from workbench.gui import warm_up as warm_up_module
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.train.page import TrainPage
from workbench.gui.warm_up import WarmUp

LEFT = Qt.MouseButton.LeftButton
GIB = 1024 ** 3


def fake_gpus(monkeypatch, count: int) -> None:
    """The warm-up's look at the GPUs (`cuda_devices`) finds `count` NVIDIA GPUs (the last one smaller): PyTorch
    answers so while it asks, and only then, since PyTorch's optimizers also ask `torch.cuda.is_available` and then
    reach for a CUDA driver this machine has not got (the warm-up's optimizer step)."""
    def properties(index):
        return SimpleNamespace(name="NVIDIA H100 80GB HBM3" if index < count - 1 else "NVIDIA L4",
                               total_memory=(80 if index < count - 1 else 24) * GIB, major=9, minor=0)

    looks = warm_up_module.cuda_devices

    def cuda_devices_seen():
        with pytest.MonkeyPatch.context() as fake:
            fake.setattr(torch.cuda, "is_available", lambda: count > 0)
            fake.setattr(torch.cuda, "device_count", lambda: count)
            fake.setattr(torch.cuda, "get_device_properties", properties)
            return looks()

    monkeypatch.setattr(warm_up_module, "cuda_devices", cuda_devices_seen)


@pytest.fixture
def document(data_dir):
    project = open_template("mlp")
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {"n_samples": 400}})
    fit_graph_to_dataset(project.graph, load_dataset(spec))
    project.dataset = spec
    project.training = TrainingSettings(epochs=2, batch_size=16)
    return ProjectDocument(project)


def open_page(qtbot, show, document, monkeypatch, gpus: int) -> TrainPage:
    """The Train page once its warm-up has looked at the GPUs; the fake ends there, so nothing else sees it."""
    fake_gpus(monkeypatch, gpus)
    monkeypatch.setattr(warm_up_module, "_shared", WarmUp())  # a warm-up of its own, which sees the fake
    page = TrainPage(document)
    qtbot.waitUntil(lambda: page.warm_up.is_ready, timeout=60_000)
    monkeypatch.undo()
    show(page, 1300, 850)
    return page


def choose(qtbot, combo, text: str) -> None:
    """Opens a combo box's list and clicks an entry, as a user would."""
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentIndex() == index


@pytest.mark.parametrize("gpus", [0, 1])
def test_no_choice_with_fewer_than_two_gpus(qtbot, show, document, monkeypatch, gpus):
    page = open_page(qtbot, show, document, monkeypatch, gpus)
    assert page.gpus == [] if gpus == 0 else len(page.gpus) == 1
    assert not page.form.gpus.isVisible() and not page.form.gpus_label.isVisible()


def test_four_gpus_offer_one_by_name_some_or_all(qtbot, show, document, monkeypatch):
    page = open_page(qtbot, show, document, monkeypatch, 4)
    form = page.form
    assert form.gpus.isVisible() and form.gpus.isEnabled()
    entries = [form.gpus.itemText(i) for i in range(form.gpus.count())]
    assert entries == ["1 GPU — GPU 0: NVIDIA H100 80GB HBM3, 80 GB", "1 GPU — GPU 1: NVIDIA H100 80GB HBM3, 80 GB",
                       "1 GPU — GPU 2: NVIDIA H100 80GB HBM3, 80 GB", "1 GPU — GPU 3: NVIDIA L4, 24 GB",
                       "2 GPUs together", "3 GPUs together", "All 4 GPUs together"]
    assert form.gpus.currentIndex() == 0  # the default: one GPU, the first

    choose(qtbot, form.gpus, "All 4 GPUs together")
    training = document.project.training
    assert (training.gpus, training.gpu) == (0, 0) and document.is_dirty
    assert training.gpu_processes(len(page.gpus)) == 4
    choose(qtbot, form.gpus, "1 GPU — GPU 3: NVIDIA L4, 24 GB")
    assert (document.project.training.gpus, document.project.training.gpu) == (1, 3)

    document.undo_stack.undo()  # undone like every other setting, and the form follows
    assert document.project.training.gpus == 0 and form.gpus.currentText() == "All 4 GPUs together"
    document.undo_stack.undo()
    assert document.project.training.gpus == 1 and form.gpus.currentIndex() == 0

    choose(qtbot, form.device, "CPU")  # no GPUs to choose on the CPU
    assert not form.gpus.isEnabled()


def test_a_choice_made_on_a_bigger_machine_is_kept(qtbot, show, document, monkeypatch):
    document.project.training = document.project.training.replaced(gpus=8)
    page = open_page(qtbot, show, document, monkeypatch, 2)
    assert page.form.gpus.currentText() == "8 GPUs together"
    assert document.project.training.gpu_processes(len(page.gpus)) == 2


def test_train_on_two_gpus_runs_through_torchrun_and_stop_keeps_the_run(qtbot, show, document, monkeypatch):
    page = open_page(qtbot, show, document, monkeypatch, 2)
    choose(qtbot, page.form.gpus, "All 2 GPUs together")
    page.form.epochs.setValue(100_000)
    page.form.early_stopping.setChecked(False)
    qtbot.mouseClick(page.train_button, LEFT)
    assert page.is_running and page.stop_button.isEnabled()
    qtbot.waitUntil(lambda: len(page.curves.buffers["val_loss"]) >= 2, timeout=180_000)  # live, from the child
    assert len(page.curves.buffers["batch_loss"]) > 20
    assert "× 2 processes (gloo)" in page.device_label.text()
    assert "samples/s" in page.status_label.text()

    qtbot.mouseClick(page.stop_button, LEFT)
    qtbot.waitUntil(lambda: not page.is_running, timeout=60_000)
    record = document.project.runs[-1]
    assert record.status == "stopped" and record.epochs_done >= 2, page.message_label.text()
    assert "× 2 processes (gloo)" in record.device
    assert (document.workspace_dir() / record.files.weights).is_file()
    assert not [p for p in document.workspace_dir().iterdir() if p.name.startswith(".workbench-gpus-")]
    table = page.runs.table
    assert table.rowCount() == 1 and table.item(0, 0).text() == record.title
    assert len(page.curves.buffers["val_loss"]) == record.epochs_done
    assert page.train_button.isEnabled() and page.continue_button.isVisible()
