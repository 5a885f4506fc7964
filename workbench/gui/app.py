"""Starting the app: the window appears first, then the project loads, then an autosaved copy is offered, then
PyTorch loads in the background (`warm_up_job`)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from workbench.core.errors import WorkbenchError
from workbench.core.project import DEMO_TEMPLATE, open_template, resolve_project_argument, template_path
from workbench.gui.app_icon import app_icon
from workbench.gui.main_window import MainWindow
from workbench.gui.warm_up import warm_up_job
from workbench.gui.workers import start_worker

WARM_UP_AFTER_MS = 1000  # PyTorch loads in the background once the window is up and the project is open


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


def run_app(project_arg: str | None = None) -> int:
    """Runs the Workbench window until it is closed; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Workbench")
    app.setApplicationDisplayName("Workbench")
    app.setDesktopFileName("workbench")
    app.setWindowIcon(app_icon())
    window = MainWindow()
    window.show()

    def start():
        load_initial_project(window, project_arg)
        if not window.offer_restore() and not project_arg:
            window.show_welcome_on_first_launch()
        QTimer.singleShot(WARM_UP_AFTER_MS, window, lambda: start_worker(warm_up_job))  # not once it is closed

    QTimer.singleShot(0, start)
    return app.exec()
