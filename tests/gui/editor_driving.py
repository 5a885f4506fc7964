"""What a user does with the mouse and keys in the main window, for the GUI tests: drag, click a layer, press keys,
find a menu action (the `window` and `data_dir` fixtures are in conftest.py)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from workbench.core.graph.serialize import graph_to_dict, positions_to_dict

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


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


def menu_action(window, menu_title: str, text: str):
    for menu_action_ in window.menuBar().actions():
        if menu_action_.text().replace("&", "") == menu_title:
            for action in menu_action_.menu().actions():
                if action.text().replace("&", "").startswith(text):
                    return action
    raise AssertionError(f"no {menu_title} > {text}")
