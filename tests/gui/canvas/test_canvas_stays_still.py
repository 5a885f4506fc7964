"""The canvas does not move under the mouse when the problems list below it opens or closes, so a layer dropped from
the palette stays where it was dropped."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.gui.editor_driving import LEFT, NO_MOD, press_keys


def drop_layer(window, type_name: str, target: QPoint) -> None:
    """The events a palette drag delivers (a real QDrag blocks in its own event loop offscreen)."""
    view = window.design.view
    mime = window.design.palette.mime_data_for(type_name)
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(target, Qt.DropAction.CopyAction, mime, LEFT, NO_MOD))
    QApplication.sendEvent(view.viewport(), QDropEvent(QPointF(target), Qt.DropAction.CopyAction, mime, LEFT, NO_MOD))


def test_a_dropped_layer_stays_under_the_mouse_as_the_problems_list_opens_and_closes(window, qtbot):
    view, design = window.design.view, window.design
    assert not design.problems.list.isVisible()
    height = view.viewport().height()
    target = QPoint(view.viewport().width() // 2, height // 2)
    drop_layer(window, "Dense", target)  # unconnected: an error, so the problems list opens
    qtbot.waitUntil(lambda: design.problems.list.isVisible())
    assert view.viewport().height() < height - 50
    [dense] = [nid for nid, n in window.document.project.graph.nodes.items() if n.type == "Dense" and nid != "dense1"]
    centre = view.mapFromScene(design.scene.node_items[dense].sceneBoundingRect().center())
    assert (centre - target).manhattanLength() <= 8  # where it was dropped (the card is centred on the drop)
    under_mouse = view.mapToScene(target)
    press_keys(window, "Ctrl+Z")  # no problems again: the list closes
    qtbot.waitUntil(lambda: not design.problems.list.isVisible())
    assert view.viewport().height() > height - 10
    assert (view.mapToScene(target) - under_mouse).manhattanLength() < 2
