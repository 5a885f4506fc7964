"""The recovery copy is written two seconds after the last edit (a burst of edits is written once) and at once when
the window loses focus, so a crash loses seconds of work, not a minute."""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from tests.gui.editor_driving import click_node, press_keys
from workbench.gui.autosave import AUTOSAVE_DELAY_MS


def saved_layers(window) -> set[str]:
    return {node["id"] for node in json.loads(window.autosaver.path.read_text("utf-8"))["project"]["graph"]["nodes"]}


def test_the_copy_follows_two_seconds_after_the_last_edit(window, qtbot):
    saver = window.autosaver
    assert AUTOSAVE_DELAY_MS <= 2000 and saver.timer.interval() == AUTOSAVE_DELAY_MS and saver.timer.isSingleShot()
    click_node(window, "dropout1")
    press_keys(window, "Delete")
    assert saver.timer.isActive() and not saver.path.exists()  # not on every key: once the user pauses
    saver.timer.setInterval(300)  # the same debounce, shorter, to keep the test quick
    click_node(window, "relu3")
    press_keys(window, "Delete")
    assert saver.timer.remainingTime() > 200  # the second edit started the wait again
    qtbot.waitUntil(saver.path.exists, timeout=2000)
    assert "dropout1" not in saved_layers(window) and "relu3" not in saved_layers(window)
    press_keys(window, "Ctrl+Z")
    qtbot.waitUntil(lambda: "relu3" in saved_layers(window), timeout=2000)  # undo is an edit too


def test_the_copy_is_written_when_the_window_loses_focus(window, qtbot):
    saver = window.autosaver
    click_node(window, "dropout1")
    press_keys(window, "Delete")
    assert not saver.path.exists()
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is other.windowHandle())
    assert saver.path.exists() and "dropout1" not in saved_layers(window)
    assert not saver.timer.isActive()
