"""GUI tests: a modal dialog that a test did not expect fails that test at once instead of blocking the suite.

Offscreen, nobody can click a message box or a file dialog away: an unexpected one would hang CI. Tests that expect
a dialog replace the static call themselves with monkeypatch, which takes precedence over this guard.
"""

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

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
