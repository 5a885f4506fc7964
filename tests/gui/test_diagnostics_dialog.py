"""The Diagnostics dialog's self-test: Run Self-Test works in a worker with progress, and Cancel stops it."""

import time

from PySide6.QtCore import Qt

from workbench.core.errors import CancelledError
from workbench.core.project import actions
from workbench.gui.diagnostics_dialog import DiagnosticsDialog

REPORT = {"ok": True, "seconds": 1.0, "sections": [
    {"device": "CPU (1 thread)", "ok": True, "verdict": "CPU (1 thread): works.", "checks": []},
    {"device": "ONNX Runtime", "ok": True, "verdict": "ONNX Runtime: the exported model runs with parity on CPU.",
     "checks": []}]}


def open_dialog(qtbot):
    dialog = DiagnosticsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=120_000)  # torch imports first
    return dialog


def test_run_self_test_shows_progress_then_the_verdicts(qtbot, monkeypatch):
    seen = []

    def fake_self_test(progress=None, should_cancel=None, num_threads=None):
        progress(0.0, "Training the demo on CPU (1 thread)…")
        time.sleep(0.3)
        seen.append(num_threads)
        return REPORT

    monkeypatch.setattr(actions, "self_test", fake_self_test)
    dialog = open_dialog(qtbot)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Training the demo" in dialog.summary.text(), timeout=10_000)
    assert dialog.check_progress.isVisible() and dialog.cancel_button.isVisible()
    assert not dialog.check_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.check_report is not None, timeout=10_000)
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=10_000)
    text = dialog.text.toPlainText()
    assert "Self-test:\nCPU (1 thread): works.\nONNX Runtime:" in text and "Self-test passed" in text
    assert dialog.summary.text() == "Self-test passed: every device works."
    assert not dialog.check_progress.isVisible() and not dialog.cancel_button.isVisible()


def test_cancel_stops_the_self_test(qtbot, monkeypatch):
    def slow_self_test(progress=None, should_cancel=None, num_threads=None):
        progress(0.0, "Training the demo on CPU (1 thread)…")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if should_cancel():
                raise CancelledError("The self-test was cancelled.")
            time.sleep(0.02)
        return REPORT

    monkeypatch.setattr(actions, "self_test", slow_self_test)
    dialog = open_dialog(qtbot)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.cancel_button.isVisible(), timeout=10_000)
    started = time.monotonic()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=10_000)
    assert time.monotonic() - started < 5
    assert dialog.summary.text() == "The self-test was cancelled." and dialog.check_report is None
