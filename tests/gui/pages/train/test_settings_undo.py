"""Training settings are undone and redone like graph edits, on the same undo stack, with the keys pressed where the
user typed: in the settings form's own number fields."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.gui.editor_driving import click_node, press_keys

CTRL = Qt.KeyboardModifier.ControlModifier


def type_into(spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, text)
    QTest.keyClick(spin, Qt.Key.Key_Return)


def train_form(window):
    window.tabs.setCurrentWidget(window.pages["Train"])
    return window.pages["Train"].page.form


def test_editing_epochs_is_undone_and_redone_with_the_keys(window):
    form = train_form(window)
    project = window.document.project
    before = project.training.epochs
    type_into(form.epochs, "7")
    assert project.training.epochs == 7 and window.isWindowModified()
    QTest.keyClick(form.epochs, Qt.Key.Key_Z, CTRL)  # focus still in the field
    assert window.document.project.training.epochs == before
    assert form.epochs.value() == before
    assert not window.isWindowModified()
    QTest.keyClick(form.epochs, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.project.training.epochs == 7 and form.epochs.value() == 7


def test_settings_and_graph_edits_share_one_undo_history(window):
    click_node(window, "dropout1")
    press_keys(window, "Delete")
    form = train_form(window)
    type_into(form.batch_size, "32")
    form.optimizer.setFocus()
    QTest.keyClick(form.optimizer, Qt.Key.Key_Down)  # another setting: its own step
    assert window.document.project.training.optimizer != "adam"
    graph = window.document.project.graph
    assert window.undo_action.text() == "&Undo Change optimizer"
    for _ in range(2):
        QTest.keyClick(form.batch_size, Qt.Key.Key_Z, CTRL)
    assert window.document.project.training.batch_size == 64 and window.document.project.training.optimizer == "adam"
    assert "dropout1" not in graph.nodes
    QTest.keyClick(form.batch_size, Qt.Key.Key_Z, CTRL)
    assert "dropout1" in graph.nodes
    assert form.batch_size.value() == 64


def test_arrow_steps_of_one_setting_are_one_undo_step(window):
    form = train_form(window)
    form.epochs.setFocus()
    for _ in range(5):
        QTest.keyClick(form.epochs, Qt.Key.Key_Up)
    assert window.document.project.training.epochs == 65
    assert window.document.undo_stack.count() == 1
    QTest.keyClick(form.epochs, Qt.Key.Key_Z, CTRL)
    assert window.document.project.training.epochs == 60
