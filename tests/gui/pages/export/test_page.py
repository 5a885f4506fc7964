"""The Export page driven like a user: export with a click, compress into a variant, pick it in the table, see its
per-layer effects, benchmark, cancel, and read plain messages when something cannot be done."""

import pytest
from PySide6.QtCore import Qt

from workbench.cli import run_command
from workbench.core.project import load_project, open_template, save_project
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.export.page import ExportPage

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def trained_file(tmp_path_factory):
    """A digits CNN trained for a few epochs by the command line."""
    folder = tmp_path_factory.mktemp("trained")
    path = folder / "digits.json"
    assert run_command(["train", "cnn", "--epochs", "3", "--threads", "1", "--device", "cpu", "--out", str(path),
                        "--json"]) == 0
    return path


@pytest.fixture
def panel(trained_file, monkeypatch, tmp_path, show):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    project = load_project(trained_file)
    project.variants.clear()
    document = ProjectDocument(project)
    page = ExportPage(document)
    show(page, 1300, 800)
    yield page
    if page.worker is not None:
        page.worker.cancel()
        page.worker.wait(20_000)


def wait_done(qtbot, page, timeout=60_000):
    qtbot.waitUntil(lambda: page.worker is None, timeout=timeout)


def test_export_button_writes_a_verified_folder_and_says_so(qtbot, panel, tmp_path):
    out = tmp_path / "exported"
    panel.folder_edit.clear()
    qtbot.keyClicks(panel.folder_edit, str(out))
    panel.opset_spin.setValue(13)
    with qtbot.waitSignal(panel.exported, timeout=60_000) as blocker:
        qtbot.mouseClick(panel.export_button, LEFT)
    result = blocker.args[0]
    wait_done(qtbot, panel)
    assert result.opset == 13
    assert sorted(p.name for p in out.iterdir()) == [".workbench-export.json", "labels.txt", "model.onnx",
                                                     "model_card.md", "predict.py"]
    text = panel.status.text()
    assert text.startswith(f"Exported to {out}") and "Verified: ONNX Runtime on CPU matches" in text
    assert panel.progress.value() == 100
    assert panel.export_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_compress_adds_a_variant_shown_in_the_table_plot_and_layer_view(qtbot, panel):
    document = panel.document
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("int8-static"))
    assert not panel.amount_spin.isEnabled()
    with qtbot.waitSignal(panel.variants_added, timeout=60_000):
        qtbot.mouseClick(panel.compress_button, LEFT)
    wait_done(qtbot, panel)
    names = [r.name for r in document.project.variants]
    assert names == ["original", "int8-static"]
    assert document.is_dirty
    table = panel.variants_table
    assert table.rowCount() == 2
    assert [table.item(r, 0).text() for r in range(2)] == names
    assert table.item(1, 2).text().endswith("KB") and table.item(1, 5).text().endswith("%")
    assert panel.plot is not None and len(panel.plot.labels) == 2

    rect = table.visualItemRect(table.item(1, 0))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    assert panel.variant_combo.currentData() == "int8-static"
    layers = panel.layers_table
    assert layers.rowCount() >= 5
    assert [layers.item(r, 0).text() for r in range(2)] == ["conv1", "relu1"]
    assert layers.item(0, 2).text().endswith("% output error")
    assert "calibration samples" in panel.layers_caption.text()


def test_benchmark_fills_the_table_side_by_side(qtbot, panel):
    qtbot.mouseClick(panel.bench_button, LEFT)
    wait_done(qtbot, panel)
    assert panel.bench_table.rowCount() == 1
    assert panel.bench_table.item(0, 0).text() == "original"
    torch_ms = float(panel.bench_table.item(0, 2).text().split(" / ")[0])
    ort_ms = float(panel.bench_table.item(0, 3).text().split(" / ")[0])
    assert torch_ms > 0 and ort_ms > 0
    assert panel.bench_table.item(0, 6).text().endswith("x")
    assert "Benchmark: latency at batch 1" in panel.bench_caption.text()


def test_cancel_stops_a_compression_and_changes_nothing(qtbot, panel):
    panel.method_combo.setCurrentIndex(panel.method_combo.findData("prune-structured"))
    assert panel.amount_spin.isEnabled() and panel.epochs_spin.isEnabled()
    panel.epochs_spin.setValue(200)
    qtbot.mouseClick(panel.compress_button, LEFT)
    assert not panel.compress_button.isEnabled() and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: "epoch" in panel.status.text(), timeout=30_000)
    qtbot.mouseClick(panel.cancel_button, LEFT)
    wait_done(qtbot, panel)
    assert "cancelled. Nothing was changed." in panel.status.text()
    assert panel.document.project.variants == []
    assert panel.compress_button.isEnabled()


def test_a_failure_is_shown_in_words(qtbot, panel, tmp_path):
    a_file = tmp_path / "taken.txt"
    a_file.write_text("x")
    panel.folder_edit.setText(str(a_file))
    qtbot.mouseClick(panel.export_button, LEFT)
    wait_done(qtbot, panel)
    assert panel.status.text() == f"'{a_file}' is a file; choose a folder to export into."
    assert "#b00020" in panel.status.styleSheet()


def test_an_untrained_project_cannot_be_exported(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    project = open_template("cnn")
    save_project(project, tmp_path / "p.json")
    page = ExportPage(ProjectDocument(load_project(tmp_path / "p.json")))
    qtbot.addWidget(page)
    page.show()
    assert not page.export_button.isEnabled() and not page.compress_button.isEnabled()
    assert page.status.text().startswith("Train the model first")
    assert page.document.project.variants == [] and page.document.project.extra == {}


@pytest.mark.parametrize("replace", [False, True])
def test_export_asks_before_replacing_a_file_it_did_not_write(qtbot, panel, tmp_path, replace):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "model_card.md").write_text("my notes")
    asked = []
    panel.ask_replace = lambda folder, files: asked.append(files) or replace
    panel.folder_edit.setText(str(out))
    qtbot.mouseClick(panel.export_button, LEFT)
    wait_done(qtbot, panel)
    assert asked == [["model_card.md"]]
    if replace:
        assert (out / "model_card.md").read_text().startswith("# ") and panel.status.text().startswith("Exported")
    else:
        assert (out / "model_card.md").read_text() == "my notes" and "nothing in the folder was replaced" in \
            panel.status.text()


def test_a_saved_projects_export_goes_beside_it_and_open_folder_shows_it(qtbot, panel, trained_file, monkeypatch):
    from workbench.gui.pages.export import page as export_page

    assert panel.folder_edit.text() == str(trained_file.parent / "export")
    assert not panel.open_folder_button.isEnabled()
    with qtbot.waitSignal(panel.exported, timeout=60_000):
        qtbot.mouseClick(panel.export_button, LEFT)
    wait_done(qtbot, panel)
    assert (trained_file.parent / "export" / "model.onnx").is_file()
    opened = []
    monkeypatch.setattr(export_page, "open_folder", lambda folder: opened.append(folder) or True)
    assert panel.open_folder_button.isEnabled()
    qtbot.mouseClick(panel.open_folder_button, LEFT)
    assert opened == [trained_file.parent / "export"]


def test_a_never_saved_project_is_saved_first_and_exported_beside_it(qtbot, trained_file, monkeypatch, tmp_path,
                                                                     show):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    project = load_project(trained_file)
    document = ProjectDocument(project)
    # its runs lie in its workspace, as those of a project never saved do (then beside the saved project)
    document.workspace_dir = lambda: project.path.parent if project.path is not None else trained_file.parent
    project.path, project.name = None, "Untitled"
    page = ExportPage(document)
    show(page, 1300, 800)
    assert page.folder_edit.text() == "" and "Save the project first" in page.folder_edit.placeholderText()

    asked = []
    monkeypatch.setattr(page, "ask_save_first", lambda: asked.append(1) and None)    # the user cancels
    qtbot.mouseClick(page.export_button, LEFT)
    assert asked and page.worker is None and "Export cancelled" in page.status.text()

    target = tmp_path / "mine" / "digits.wbproj"
    target.parent.mkdir()
    monkeypatch.setattr(page, "ask_save_first", lambda: "save")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(page.exported, timeout=60_000) as done:
        qtbot.mouseClick(page.export_button, LEFT)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60_000)
    assert project.path == target.resolve() and project.name == "digits"
    assert page.folder_edit.text() == str(target.resolve().parent / "export")
    assert done.args[0].folder == target.resolve().parent / "export"
    assert (target.parent / "export" / "model.onnx").is_file() and page.open_folder_button.isEnabled()
