"""Shared fixtures and mouse helpers for the editor and main-window tests (imported by those modules)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from workbench.core.graph.serialize import graph_to_dict, positions_to_dict
from workbench.core.project import open_template
from workbench.gui.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


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


def snapshot(graph) -> dict:
    """Everything about a graph that an edit may change: architecture and positions."""
    return {"graph": graph_to_dict(graph), "positions": positions_to_dict(graph)}


def viewport_point(view, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def drag(view, start: QPoint, end: QPoint, steps: int = 6, button=LEFT, modifier=NO_MOD) -> None:
    """A real press, several moves and a release on the view's viewport."""
    viewport = view.viewport()
    QTest.mousePress(viewport, button, modifier, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, start + (end - start) * i / steps)
    QTest.mouseRelease(viewport, button, modifier, end)


def port_point(window, node_id: str, output: bool) -> QPoint:
    """The viewport position of a node's first output (or input) port, after making it visible."""
    scene, view = window.design.scene, window.design.view
    item = scene.node_items[node_id]
    port = next(iter((item.outputs if output else item.inputs).values()))
    view.centerOn(port.scenePos())
    return viewport_point(view, port.scenePos())


def node_body_point(window, node_id: str) -> QPoint:
    scene, view = window.design.scene, window.design.view
    item = scene.node_items[node_id]
    point = item.sceneBoundingRect().center() + QPointF(0, 8)
    view.centerOn(point)
    return viewport_point(view, point)


def click_node(window, node_id: str, modifier=NO_MOD) -> None:
    point = node_body_point(window, node_id)
    QTest.mouseClick(window.design.view.viewport(), LEFT, modifier, point)


def press_keys(window, sequence: str) -> None:
    """Presses a shortcut such as "Ctrl+Shift+Z" with focus on the canvas."""
    from PySide6.QtGui import QKeySequence
    view = window.design.view
    view.setFocus()
    combo = QKeySequence(sequence)[0]
    QTest.keyClick(view, combo.key(), combo.keyboardModifiers())
