"""The real Workbench app, started as a user starts it, plus a locator that says where on the screen a text is shown.

Run as `python tests/journey/app_with_locator.py SOCKET_NAME [PROJECT]`. The app is `workbench.gui.app.run_app`,
unchanged; the locator is a `QLocalServer` on SOCKET_NAME that answers one JSON line per request with the visible
texts of the app's windows and their rectangles on the screen (buttons, labels, tabs, menu entries, list and table
cells, line edits, window titles). It only looks: every press, click and key of a journey comes from xdotool as
real X events, so the locator stands in for the user's eyes, not their hands.
"""

from __future__ import annotations

import html
import json
import re
import sys

from PySide6.QtCore import QModelIndex, QPoint, QRect
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QApplication, QComboBox, QGroupBox, QLabel,
                               QLineEdit, QMenu, QMenuBar, QTabBar, QWidget)

from workbench.gui.app import run_app

TAGS = re.compile(r"<[^>]+>")
BREAKS = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)
MAX_ROWS = 300  # of a list or table: a journey never looks further down


def _entry(kind: str, text: str, widget: QWidget, rect: QRect | None = None) -> dict | None:
    text = html.unescape(TAGS.sub("", BREAKS.sub("\n", text))).replace("&&", "\0").replace("&", "").replace("\0", "&").strip()
    if not text:
        return None
    rect = rect if rect is not None else widget.rect()
    top_left = widget.mapToGlobal(rect.topLeft())
    return {"kind": kind, "text": text, "x": top_left.x(), "y": top_left.y(), "w": rect.width(), "h": rect.height(),
            "enabled": widget.isEnabled(), "window": widget.window().windowTitle()}


def _item_entries(view: QAbstractItemView) -> list[dict]:
    model = view.model()
    if model is None:
        return []
    found = []
    viewport = view.viewport()
    try:
        columns = max(1, model.columnCount(QModelIndex()))
    except TypeError:  # a list model hides columnCount
        columns = 1
    for row in range(min(model.rowCount(QModelIndex()), MAX_ROWS)):
        for column in range(min(columns, 20)):
            index = model.index(row, column)
            rect = view.visualRect(index)
            if rect.isEmpty() or not viewport.rect().intersects(rect):
                continue
            text = str(model.data(index) or "")
            entry = _entry("item", text, viewport, rect)
            if entry:
                found.append(entry)
    return found


def _widget_entries(widget: QWidget) -> list[dict]:
    if isinstance(widget, QAbstractButton):
        return [e for e in [_entry("button", widget.text() or widget.toolTip(), widget)] if e]
    if isinstance(widget, QLabel):
        return [e for e in [_entry("label", widget.text(), widget)] if e]
    if isinstance(widget, QLineEdit):
        return [e for e in [_entry("edit", widget.text() or widget.placeholderText(), widget)] if e]
    if isinstance(widget, QComboBox):
        return [e for e in [_entry("combo", widget.currentText(), widget)] if e]
    if isinstance(widget, QGroupBox):
        return [e for e in [_entry("group", widget.title(), widget, QRect(0, 0, widget.width(), 20))] if e]
    if isinstance(widget, QTabBar):
        return [e for i in range(widget.count()) if (e := _entry("tab", widget.tabText(i), widget, widget.tabRect(i)))]
    if isinstance(widget, (QMenuBar, QMenu)):
        return [e for action in widget.actions() if action.isVisible()
                if (e := _entry("menu", action.text(), widget, widget.actionGeometry(action)))]
    if isinstance(widget, QAbstractItemView):
        return _item_entries(widget)
    return []


def visible_texts() -> list[dict]:
    """Every text the user can see now, top-level windows first, with where it is on the screen."""
    found = []
    for window in QApplication.topLevelWidgets():
        if not window.isVisible():
            continue
        found.append({"kind": "window", "text": window.windowTitle(), "x": window.x(), "y": window.y(),
                      "w": window.width(), "h": window.height(), "enabled": True, "window": window.windowTitle(),
                      "active": window.isActiveWindow()})
        for widget in [window, *window.findChildren(QWidget)]:
            # what a scroll area or a splitter hides, or another window covers, is not seen (and cannot be clicked)
            if widget.isVisible() and widget.width() > 0 and widget.height() > 0 and \
                    not widget.visibleRegion().isEmpty():
                found.extend(_widget_entries(widget))
    focus = QApplication.focusWidget()
    if focus is not None:
        corner = focus.mapToGlobal(QPoint(0, 0))
        found.append({"kind": "focus", "text": type(focus).__name__, "x": corner.x(), "y": corner.y(),
                      "w": focus.width(), "h": focus.height(), "enabled": True, "window": ""})
    return found


def serve(name: str) -> QLocalServer:
    server = QLocalServer()
    QLocalServer.removeServer(name)
    if not server.listen(name):
        raise SystemExit(f"locator: cannot listen on {name}: {server.errorString()}")

    def answer():
        connection = server.nextPendingConnection()
        if connection is None:
            return

        def reply():
            while connection.canReadLine():
                connection.readLine()
                try:
                    answer_text = json.dumps(visible_texts())
                except Exception as exc:  # the journey sees what went wrong instead of waiting for an answer
                    answer_text = json.dumps({"locator_error": f"{type(exc).__name__}: {exc}"})
                connection.write((answer_text + "\n").encode())
                connection.flush()

        connection.readyRead.connect(reply)
        reply()  # the request may have arrived before readyRead was connected

    server.newConnection.connect(answer)
    return server


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    locator = serve(sys.argv[1])
    sys.exit(run_app(sys.argv[2] if len(sys.argv) > 2 else None))
