"""Starting the app: PyTorch's warm-up starts once the window has painted its first frame, not before, and the
collector that the entry point paused runs again from then on, with what the start made frozen (after a few seconds
anyway when the window never paints, and only once); quitting waits for the warm-up (an import cannot be cancelled,
and a thread still running at exit aborts the process)."""

from __future__ import annotations

import gc

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from workbench.gui import app as app_module
from workbench.gui.main_window import MainWindow


class FirstPaintOfTheWindow(QObject):
    """Notes "painted" in `events` when a main window paints for the first time (an application-wide filter)."""

    def __init__(self, events: list):
        super().__init__()
        self.events = events

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, MainWindow) and "painted" not in self.events:
            self.events.append("painted")
        return False


def test_the_warm_up_starts_after_the_first_frame_and_the_collector_is_on_again(qapp, data_dir, monkeypatch):
    events: list[str] = []

    class WarmUpStandIn:
        def start(self):
            events.append("warm-up started" if gc.isenabled() else "warm-up started with the collector paused")

        def wait(self):
            events.append("waited for the warm-up")

    monkeypatch.setattr(app_module, "shared_warm_up", WarmUpStandIn)
    painted = FirstPaintOfTheWindow(events)
    qapp.installEventFilter(painted)

    def close_once_started():
        if "warm-up started" not in " ".join(events):
            return
        poll.stop()
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow):
                w.close()
        qapp.exit(0)

    poll = QTimer()
    poll.timeout.connect(close_once_started)
    poll.start(10)
    qapp.setQuitOnLastWindowClosed(False)
    frozen_before = gc.get_freeze_count()
    gc.disable()  # as the entry point does
    try:
        assert app_module.run_app(None) == 0
        assert gc.isenabled(), "the collector must run again once the window is up"
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.enable()
        gc.unfreeze()
        qapp.setQuitOnLastWindowClosed(True)
        qapp.removeEventFilter(painted)
    assert events == ["painted", "warm-up started", "waited for the warm-up"]


def test_a_window_that_never_paints_still_gets_the_collector_back(qtbot, data_dir):
    calls = []
    window = MainWindow()  # never shown: like a window started minimised, it paints nothing
    qtbot.addWidget(window)
    app_module.FirstFrame(window, lambda: calls.append("then"), fallback_ms=50)
    qtbot.waitUntil(lambda: calls == ["then"], timeout=5_000)
    window.show()  # a later first frame does not call it again
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert calls == ["then"]


def test_the_first_frame_calls_once_and_the_fallback_does_not_call_again(qtbot, data_dir):
    calls = []
    window = MainWindow()
    qtbot.addWidget(window)
    app_module.FirstFrame(window, lambda: calls.append("then"), fallback_ms=300)
    window.show()
    qtbot.waitUntil(lambda: calls == ["then"], timeout=5_000)
    qtbot.wait(400)  # past the fallback
    assert calls == ["then"]
