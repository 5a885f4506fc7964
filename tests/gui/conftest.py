"""GUI tests: a modal dialog that a test did not expect fails that test at once instead of blocking the suite.

Offscreen, nobody can click a message box or a file dialog away: an unexpected one would hang CI. Tests that expect
a dialog replace the static call themselves with monkeypatch, which takes precedence over this guard.
"""

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from workbench.core.project import open_template
from workbench.gui.main_window import MainWindow

MODAL_CALLS = [(QMessageBox, name) for name in ("question", "warning", "critical", "information", "about")] + [
    (QFileDialog, name) for name in ("getOpenFileName", "getOpenFileNames", "getSaveFileName",
                                     "getExistingDirectory")] + [
    (QInputDialog, name) for name in ("getText", "getInt", "getDouble", "getItem")]


@pytest.fixture(autouse=True)
def no_unexpected_modal_dialogs(monkeypatch):
    for owner, name in MODAL_CALLS:
        def refuse(*args, _name=f"{owner.__name__}.{name}", **kwargs):
            texts = [a for a in args if isinstance(a, str)]
            raise AssertionError(f"unexpected modal dialog {_name}{tuple(texts)!r}: patch it in the test")
        monkeypatch.setattr(owner, name, staticmethod(refuse))


def show_widget(qtbot, widget, width: int, height: int):
    """Shows `widget` at the given size (closed by pytest-qt after the test) and waits until it is on screen."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def show(qtbot):
    """show(widget, width, height): a page shown on screen, as a user would see it."""
    return lambda widget, width, height: show_widget(qtbot, widget, width, height)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """The user's data folder (autosaves, recent files) redirected to a temporary folder."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def window(qtbot, data_dir, monkeypatch):
    """The main window, shown and active, with the demo project (cnn template) open.

    Message boxes are replaced: errors are collected in `window.files.errors`, the unsaved-changes prompt answers
    `window.files.answer` (Discard unless a test sets it) and counts in `window.files.prompts`."""
    monkeypatch.setattr("workbench.gui.project_files.ProjectFiles.show_error",
                        lambda self, title, message: self.errors.append(message))
    monkeypatch.setattr("workbench.gui.project_files.ProjectFiles.ask_save_changes", _answer_prompt)
    win = MainWindow()
    win.files.errors = []
    win.files.prompts = 0
    win.files.answer = QMessageBox.StandardButton.Discard
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.document.replace_project(open_template("cnn"))
    win.document.revalidate()
    qtbot.waitUntil(lambda: not win.design.fit_pending)  # the new project's deferred fit-to-window has run
    win.design.view.resetTransform()
    yield win
    win.files.answer = QMessageBox.StandardButton.Discard
    win.close()
    win.deleteLater()


def _answer_prompt(files):
    files.prompts += 1
    return files.answer
