"""Ctrl+Q quits from anywhere in the app: with focus in the Try-it table (typing in a cell) and with a drop-down list
open, where a window-wide shortcut is not offered the key."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

CTRL = Qt.KeyboardModifier.ControlModifier
LEFT = Qt.MouseButton.LeftButton


def test_ctrl_q_quits_with_focus_in_the_try_it_table(window, qtbot):
    window.tabs.setCurrentWidget(window.pages["Try it"])
    page = window.pages["Try it"].page
    page.inputs.setCurrentWidget(page.pages["table"])  # as for a table model
    table = page.row_table
    table.setColumnCount(3)
    cell = table.visualRect(table.model().index(0, 1)).center()
    qtbot.waitExposed(table)
    QTest.mouseClick(table.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, cell)
    QTest.keyClicks(table, "12")  # typing opens the cell's editor
    editor = QApplication.focusWidget()
    assert editor is not table and table.isAncestorOf(editor)
    QTest.keyClick(editor, Qt.Key.Key_Q, CTRL)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_ctrl_q_quits_with_a_drop_down_list_open(window, qtbot):
    window.tabs.setCurrentWidget(window.pages["Train"])
    combo = window.pages["Train"].page.form.optimizer
    QTest.mouseClick(combo, LEFT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Q, CTRL)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=1000)
