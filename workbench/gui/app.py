"""Starting the app: the window appears first, then the project loads, then an autosaved copy is offered; once the
window has painted its first frame, PyTorch loads in the background (`shared_warm_up`).

The entry point (`workbench/__main__.py`) pauses the cyclic garbage collector before the app's modules load: the
imports and the window make a few hundred thousand objects that live as long as the app, and about a hundred
collections scanned them before the first frame, 10 % of the start. After that frame they are frozen (`gc.freeze`, so
later collections skip them) and the collector runs again.
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from workbench.core.errors import WorkbenchError
from workbench.core.project import DEMO_TEMPLATE, open_template, resolve_project_argument, template_path
from workbench.gui.app_icon import app_icon
from workbench.gui.main_window import MainWindow
from workbench.gui.warm_up import shared_warm_up

FIRST_FRAME_FALLBACK_MS = 5_000  # a shown window paints within 0.3-2.5 s here, even under load


def load_initial_project(window: MainWindow, project_arg: str | None) -> None:
    """Opens `project_arg` (a file or a template name), or the demo; a bad argument is reported, then the demo."""
    document = window.document
    if project_arg:
        try:
            path = resolve_project_argument(project_arg)
        except WorkbenchError as exc:
            window.files.show_error("Cannot open project", str(exc))
        else:
            if path == template_path(project_arg):
                document.replace_project(open_template(project_arg))  # a template opens as a new, unsaved project
                return
            if window.files.open_path(path):
                return
    document.replace_project(open_template(DEMO_TEMPLATE))


class FirstFrame(QObject):
    """Calls `then()` once, right after `window` has painted its first frame (queued behind the paint, so the frame
    reaches the screen first), or after `fallback_ms` if no frame has come by then (a window started minimised or
    on a hidden desktop paints nothing, and the collector must not stay off meanwhile)."""

    def __init__(self, window, then, fallback_ms: int = FIRST_FRAME_FALLBACK_MS):
        super().__init__(window)
        self.then = then
        self.window = window
        self.fallback = QTimer(self)
        self.fallback.setSingleShot(True)
        self.fallback.timeout.connect(self._call)
        self.fallback.start(fallback_ms)
        window.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.fallback.stop()
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._call)  # not once the window is gone
        return False

    def _call(self) -> None:
        if self.then is None:
            return
        self.window.removeEventFilter(self)
        then, self.then = self.then, None
        then()


def after_first_frame() -> None:
    """Collection back on (paused by the entry point), with what the start made frozen; PyTorch starts loading."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
    shared_warm_up().start()


def run_app(project_arg: str | None = None) -> int:
    """Runs the Workbench window until it is closed; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Workbench")
    app.setApplicationDisplayName("Workbench")
    app.setDesktopFileName("workbench")
    app.setWindowIcon(app_icon())
    window = MainWindow()
    FirstFrame(window, after_first_frame)
    window.show()

    def start():
        load_initial_project(window, project_arg)
        if not window.offer_restore() and not project_arg:
            window.show_welcome_on_first_launch()

    QTimer.singleShot(0, start)
    code = app.exec()
    shared_warm_up().wait()  # quit while PyTorch loads: the window is gone, the process ends once the import has
    return code
