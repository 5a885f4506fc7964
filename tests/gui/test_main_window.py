"""The main window: title, files (New/Open/Save/Save As/Recent), unsaved-work prompt, autosave and restore,
file drops, lazily built pages, busy refusal, and the app's start."""

from __future__ import annotations

import json
import subprocess
import sys
import types

from PySide6.QtCore import QEvent, QMimeData, QObject, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from tests.gui.editor_driving import LEFT, NO_MOD, click_node, menu_action, press_keys
from workbench.core.data import DatasetSpec
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.project import load_project, open_template, save_project
from workbench.gui import main_window as main_window_module
from workbench.gui.autosave import Autosaver, find_leftovers
from workbench.gui.document.document import ProjectDocument
from workbench.gui.main_window import MainWindow
from workbench.gui.warm_up import plots_import_lock


def test_title_marks_unsaved_changes(window, tmp_path):
    assert window.windowTitle().startswith("Digits CNN (not saved)")
    assert not window.isWindowModified()
    window.editor.set_params("conv1", {"filters": 8})
    assert window.isWindowModified()
    window.files.ask_save_path = lambda: str(tmp_path / "digits.json")
    press_keys(window, "Ctrl+S")
    assert not window.isWindowModified()
    assert "digits.json" in window.windowTitle()
    press_keys(window, "Ctrl+Z")
    assert window.isWindowModified()


def test_save_as_then_open_round_trips_and_fills_recent_files(window, tmp_path):
    target = tmp_path / "mine.json"
    window.files.ask_save_path = lambda: str(target)
    window.editor.rename("conv1", "stem")
    menu_action(window, "File", "Save As").trigger()
    saved = load_project(target)
    assert saved.graph.node("conv1").name == "stem"
    assert graph_to_dict(saved.graph) == graph_to_dict(window.document.project.graph)
    menu_action(window, "File", "New Empty Project").trigger()
    assert not window.document.project.graph.nodes
    window._fill_recent_menu()
    recent = [a for a in window.recent_menu.actions() if a.text() == "mine.json"]
    assert recent
    recent[0].trigger()
    assert window.document.project.path == target.resolve()
    assert window.document.project.graph.node("conv1").name == "stem"


def test_a_project_saved_from_a_page_goes_into_recent_files(window, tmp_path):
    # the Export page saves a never-saved project itself ("Save the project first?"), through the document
    target = tmp_path / "from_export.wbproj"
    window.document.save(target)
    assert target.resolve() in [p.resolve() for p in window.files.recent.paths()]
    window._fill_recent_menu()
    assert [a for a in window.recent_menu.actions() if a.text() == "from_export.wbproj"]


def test_open_a_bad_file_shows_the_error_and_keeps_the_project(window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "workbench-project", "version": 1, "graph": {"nodes": [{"id": "a", "type": "Nope"}],'
                   ' "edges": []}}')
    window.editor.set_params("conv1", {"filters": 8})
    window.files.ask_open_path = lambda: str(bad)
    window.files.answer = QMessageBox.StandardButton.Discard
    press_keys(window, "Ctrl+O")
    assert window.files.errors and "unknown layer type 'Nope'" in window.files.errors[0]
    assert window.document.project.graph.node("conv1").params["filters"] == 8
    assert window.document.undo_stack.count() == 1


def test_prompt_before_losing_unsaved_work(window, tmp_path):
    window.editor.set_params("conv1", {"filters": 8})
    window.files.answer = QMessageBox.StandardButton.Cancel
    new_empty = menu_action(window, "File", "New Empty Project")
    new_empty.trigger()
    assert window.files.prompts == 1
    assert window.document.project.name == "Digits CNN"
    window.files.answer = QMessageBox.StandardButton.Save
    window.files.ask_save_path = lambda: str(tmp_path / "kept.json")
    new_empty.trigger()
    assert load_project(tmp_path / "kept.json").graph.node("conv1").params["filters"] == 8
    assert not window.document.project.graph.nodes
    new_empty.trigger()  # nothing unsaved: no question
    assert window.files.prompts == 2


def test_new_from_template(window):
    menu_action(window, "File", "New from Template").menu().actions()[0].trigger()
    names = {a.text() for a in menu_action(window, "File", "New from Template").menu().actions()}
    assert "Residual network (ResNet)" in names
    next(a for a in menu_action(window, "File", "New from Template").menu().actions()
         if a.text() == "Residual network (ResNet)").trigger()
    assert window.document.project.name == open_template("resnet").name
    assert window.document.project.path is None
    assert set(window.design.scene.node_items) == set(open_template("resnet").graph.nodes)


def test_autosave_while_dirty_and_restore_after_a_crash(qtbot, data_dir, monkeypatch):  # noqa: F811
    crashed = ProjectDocument(open_template("cnn"))
    saver = Autosaver(crashed, interval_ms=20)
    crashed.set_dataset(DatasetSpec(source="builtin", name="wine"), (1, 8, 8), "float", "classification", 3)
    qtbot.waitUntil(lambda: saver.path.exists(), timeout=2000)
    assert json.loads(saver.path.read_text())["project"]["dataset"]["name"] == "wine"
    saver.lock.unlock()  # the session dies without cleaning up: its copy stays, nobody holds its lock
    saver.timer.stop()

    monkeypatch.setattr(MainWindow, "ask_restore", lambda self, leftover: QMessageBox.StandardButton.Yes)
    win = MainWindow()
    win.files.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    assert win.offer_restore()
    assert win.document.project.dataset.name == "wine"
    assert win.document.project.graph.node("classifier1").params["classes"] == 3
    assert win.document.is_dirty and win.isWindowModified()
    assert find_leftovers() == []
    win.close()
    assert not win.autosaver.path.exists()


def test_declined_restore_discards_the_copy(qtbot, data_dir, monkeypatch):  # noqa: F811
    crashed = ProjectDocument(open_template("mlp"))
    saver = Autosaver(crashed)
    crashed.mark_dirty()
    assert saver.save_now()
    saver.lock.unlock()
    monkeypatch.setattr(MainWindow, "ask_restore", lambda self, leftover: QMessageBox.StandardButton.No)
    win = MainWindow()
    assert not win.offer_restore()
    assert not saver.path.exists()
    win.close()


def test_running_session_copy_is_not_offered(qtbot, data_dir):  # noqa: F811
    live = ProjectDocument(open_template("mlp"))
    saver = Autosaver(live)
    live.mark_dirty()
    saver.save_now()
    assert find_leftovers() == []
    saver.close()


def test_saving_removes_the_autosaved_copy(window, tmp_path):
    window.editor.set_params("conv1", {"filters": 8})
    assert window.autosaver.save_now()
    window.files.ask_save_path = lambda: str(tmp_path / "p.json")
    window.files.save()
    assert not window.autosaver.path.exists()


def test_project_file_dropped_on_the_window_opens_it(window, tmp_path):
    path = tmp_path / "dropped.json"
    save_project(open_template("lstm"), path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(window.statusBar().pos(), Qt.DropAction.CopyAction, mime, LEFT, NO_MOD)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(window.statusBar().pos()), Qt.DropAction.CopyAction, mime,
                                              LEFT, NO_MOD))
    assert window.document.project.path == path.resolve()


class FakePage(QLabel):
    built = []

    def __init__(self, document, parent):
        super().__init__("fake", parent)
        FakePage.built.append(document)


def test_pages_are_built_lazily_when_their_tab_opens(qtbot, data_dir, monkeypatch):  # noqa: F811
    module = types.ModuleType("fake_workbench_page")
    module.FakePage = FakePage
    monkeypatch.setitem(sys.modules, "fake_workbench_page", module)
    monkeypatch.setattr(main_window_module, "PAGES", [("Fake", "fake_workbench_page:FakePage")])
    FakePage.built.clear()
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.tabs.tabText(1) == "Fake" and FakePage.built == []
    win.tabs.setCurrentIndex(1)
    assert FakePage.built == [win.document]
    assert not menu_action(win, "Edit", "Delete").isEnabled()
    win.tabs.setCurrentIndex(0)
    assert menu_action(win, "Edit", "Delete").isEnabled()


class PaintCounter(QObject):
    def __init__(self):
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


class SlowPage(QLabel):
    """Records, while it is being built, what the tab showed and whether the plotting library's lock was held."""
    seen = []

    def __init__(self, document, parent):
        super().__init__("slow", parent)
        SlowPage.seen.append((parent.opening.text(), parent.opening.isVisible(), SlowPage.counter.paints))


def test_a_page_says_it_is_opening_and_is_painted_before_it_builds(qtbot, data_dir, monkeypatch):  # noqa: F811
    module = types.ModuleType("slow_workbench_page")
    module.SlowPage = SlowPage
    monkeypatch.setitem(sys.modules, "slow_workbench_page", module)
    monkeypatch.setattr(main_window_module, "PAGES", [("Train", "slow_workbench_page:SlowPage")])
    imported_under_lock = []
    real_import = main_window_module.importlib.import_module
    monkeypatch.setattr(main_window_module.importlib, "import_module",
                        lambda name: imported_under_lock.append(plots_import_lock.locked()) or real_import(name))
    SlowPage.seen.clear()
    SlowPage.counter = PaintCounter()
    win = MainWindow()
    qtbot.addWidget(win)
    first_frame = PaintCounter()
    win.tabs.installEventFilter(first_frame)
    win.show()
    qtbot.waitUntil(lambda: first_frame.paints > 0)  # as for a user: the window is on screen before a tab is clicked
    lazy = win.pages["Train"]
    lazy.opening.installEventFilter(SlowPage.counter)
    qtbot.mouseClick(win.tabs.tabBar(), Qt.MouseButton.LeftButton,
                     pos=win.tabs.tabBar().tabRect(1).center())
    assert SlowPage.seen == [("Opening the Train page\N{HORIZONTAL ELLIPSIS}", True, 1)]
    assert imported_under_lock == [True]  # never importing the plotting library beside the warm-up
    assert isinstance(lazy.page, SlowPage)
    assert [label for label in lazy.findChildren(QLabel) if label.isVisible() and label is not lazy.page] == []
    qtbot.waitUntil(lazy.page.isVisible)
    assert lazy.layout().count() == 1 and lazy.opening is None  # the "Opening..." label is gone


def test_busy_document_refuses_edits_with_the_reason(window):
    window.document.busy_reason = "Training is running"
    click_node(window, "relu1")
    assert not window.design.inspector.name_edit.isEnabled()
    press_keys(window, "Delete")
    assert "relu1" in window.document.project.graph.nodes
    assert "Training is running" in window.design.view.banner.text()
    window.document.busy_reason = None
    assert window.design.inspector.name_edit.isEnabled()
    press_keys(window, "Delete")
    assert "relu1" not in window.document.project.graph.nodes


def test_run_app_shows_the_demo_and_exits_cleanly(qapp, data_dir):  # noqa: F811
    from workbench.gui.app import run_app
    seen = {}

    def close_when_loaded():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["names"] = [w.document.project.name for w in windows]
        seen["nodes"] = [len(w.design.scene.node_items) for w in windows]
        for w in windows:
            w.close()
        qapp.exit(0)

    qapp.setQuitOnLastWindowClosed(False)  # else a late quit event would stop the next tests' event loops
    QTimer.singleShot(300, close_when_loaded)
    try:
        assert run_app(None) == 0
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert seen == {"names": ["Digits CNN"], "nodes": [12]}


def test_bad_project_argument_is_reported_and_the_demo_opens(window, monkeypatch):
    from workbench.gui.app import load_initial_project
    load_initial_project(window, "no-such-project.json")
    assert "no project file or template called 'no-such-project.json'" in window.files.errors[0]
    assert window.document.project.name == "Digits CNN"
    load_initial_project(window, "resnet")
    assert window.document.project.path is None and len(window.document.project.graph.nodes) == 20


def test_main_window_module_does_not_import_torch():
    code = ("import sys, workbench.gui.app, workbench.gui.main_window; "
            "print(sorted(m for m in ('torch', 'onnxruntime', 'onnx', 'sklearn', 'pyqtgraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
