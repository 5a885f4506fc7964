"""The Diagnostics dialog (Help menu): Python, PyTorch and CUDA, the GPUs seen, ONNX Runtime providers, and what to
do when a GPU is present but unused. The report is collected in a worker (importing torch takes a moment)."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from workbench.core.diagnostics import collect_diagnostics, format_diagnostics
from workbench.gui.workers import start_worker


def _collect(control):
    report = collect_diagnostics()
    return report, format_diagnostics(report)


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
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.worker = start_worker(_collect)
        self.worker.returned.connect(self._show)
        self.worker.errored.connect(lambda message, details: self.summary.setText(message))

    def _show(self, outcome) -> None:
        self.report, text = outcome
        self.text.setPlainText(text)
        self.copy_button.setEnabled(True)
        device = self.report["training_device"]
        if self.report["advice"]:
            self.summary.setText(f"Training runs on: <b>{device}</b>. See “What to do” below.")
        else:
            self.summary.setText(f"Training runs on: <b>{device}</b>. Nothing needs doing.")


def show_diagnostics(parent=None) -> DiagnosticsDialog:
    dialog = DiagnosticsDialog(parent)
    dialog.show()
    return dialog
