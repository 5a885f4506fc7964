"""The Diagnostics dialog (Help menu): Python, PyTorch and CUDA, the GPUs seen, the ONNX Runtime providers that open,
and what to do when a GPU is present but unused. The report is collected in a worker (importing torch takes a
moment). "Run Self-Test" runs `workbench doctor --check`'s self-test in a worker, with progress and Cancel, and
adds its verdict per device to the text."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
                               QVBoxLayout)

from workbench.core.diagnostics import collect_diagnostics, format_diagnostics
from workbench.core.project import actions
from workbench.core.project.self_test import format_self_test
from workbench.gui.workers import start_worker


def _collect(control):
    report = collect_diagnostics()
    return report, format_diagnostics(report)


def _self_test(control):
    def progress(fraction, message):
        control.report((fraction, message))

    return actions.self_test(progress=progress, should_cancel=lambda: control.cancelled, num_threads=1)


class DiagnosticsDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Diagnostics")
        self.resize(760, 420)
        self.report: dict | None = None
        self.summary = QLabel("Looking at this installation…", self)
        self.summary.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("diagnostics_text")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("Copy to Clipboard", self)
        self.copy_button.setEnabled(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button = QPushButton("Run Self-Test", self)
        self.check_button.setToolTip("Train, export and run the demo on every device here (about 30 s each)")
        self.check_button.setEnabled(False)
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button = QPushButton("Cancel Self-Test", self)
        self.cancel_button.hide()
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.check_progress = QProgressBar(self)
        self.check_progress.setRange(0, 1000)
        self.check_progress.hide()
        self.check_report: dict | None = None
        self.check_worker = None
        self.check_button.clicked.connect(self._start_check)
        self.cancel_button.clicked.connect(lambda: self.check_worker is not None and self.check_worker.cancel())
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.check_progress)
        layout.addWidget(buttons)
        self.worker = start_worker(_collect)
        self.worker.returned.connect(self._show)
        self.worker.errored.connect(lambda message, details: self.summary.setText(message))

    def _show(self, outcome) -> None:
        self.report, text = outcome
        self.text.setPlainText(text)
        self.copy_button.setEnabled(True)
        self.check_button.setEnabled(True)
        device = self.report["training_device"]
        if self.report["advice"]:
            self.summary.setText(f"Training runs on: <b>{device}</b>. See “What to do” below.")
        else:
            self.summary.setText(f"Training runs on: <b>{device}</b>. Nothing needs doing.")


    def _start_check(self) -> None:
        self.check_button.setEnabled(False)
        self.cancel_button.show()
        self.check_progress.setValue(0)
        self.check_progress.show()
        self.summary.setText("Running the self-test…")
        self.check_worker = start_worker(_self_test)
        self.check_worker.progress.connect(self._check_progress)
        self.check_worker.returned.connect(self._check_done)
        self.check_worker.errored.connect(lambda message, details: self.summary.setText(message))
        self.check_worker.cancelled.connect(lambda: self.summary.setText("The self-test was cancelled."))
        self.check_worker.finished.connect(self._check_finished)

    def _check_progress(self, payload) -> None:
        fraction, message = payload
        self.check_progress.setValue(int(1000 * fraction))
        self.summary.setText(message)

    def _check_done(self, report: dict) -> None:
        self.check_report = report
        verdicts = format_self_test(report)
        self.text.setPlainText(f"{self.text.toPlainText()}\n\nSelf-test:\n{verdicts}")
        self.summary.setText("Self-test passed: every device works." if report["ok"] else
                             "Self-test found a problem; see below.")

    def _check_finished(self) -> None:
        self.check_worker = None
        self.cancel_button.hide()
        self.check_progress.hide()
        self.check_button.setEnabled(True)


def show_diagnostics(parent=None) -> DiagnosticsDialog:
    dialog = DiagnosticsDialog(parent)
    dialog.show()
    return dialog
