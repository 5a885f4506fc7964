"""File ▸ Import ONNX Model…: the import runs in a worker with a progress dialog (and Cancel); the imported project
replaces the current one (after the unsaved-work prompt), unsaved, with the import report shown. The file dialog has
a tick box "Show repeated units as blocks" (on unless unticked; `workbench import --no-blocks` is the same choice),
remembered until the app closes. Input sizes the model leaves open are asked for, and the import runs again with
them. A failure leaves the current project open.

Dialogs are reached through the small `ask_*` / `show_*` methods (tests replace them).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QFileDialog, QInputDialog, QMessageBox, QProgressDialog, QWidget

from workbench.core.onnx_import import InputShapeNeeded
from workbench.core.project import actions
from workbench.gui.workers import start_worker

ONNX_FILTER = "ONNX models (*.onnx);;All files (*)"
BUSY = "A model is being imported"


def import_job(control, path: str, input_shapes: dict | None, blocks: bool):
    """The worker's side: the project-tier action (repeated units as blocks unless not `blocks`), with progress
    and Cancel; an open input size comes back as the `InputShapeNeeded` error (a result, so the window can ask for
    the sizes)."""

    def progress(fraction: float, message: str) -> None:
        control.check()
        control.report((fraction, message))

    try:
        return actions.import_model_project(path, input_shapes=input_shapes, blocks=blocks, progress=progress)
    except InputShapeNeeded as needed:
        return needed


class ModelFileDialog(QFileDialog):
    """The dialog that picks the model to import, with the tick box "Show repeated units as blocks" under it (Qt's
    own dialog: a system one cannot hold it)."""

    def __init__(self, parent: QWidget, folder: str, blocks: bool):
        super().__init__(parent, "Import ONNX model", folder, ONNX_FILTER)
        self.setOption(QFileDialog.Option.DontUseNativeDialog)
        self.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.blocks_box = QCheckBox("Show repeated units as blocks", self)
        self.blocks_box.setChecked(blocks)
        self.blocks_box.setToolTip("A unit of layers the model repeats (a residual unit, a transformer layer) comes "
                                   "in as one block with an instance per repeat, so the canvas stays short and an "
                                   "edit inside reaches every repeat. Untick it to have every layer on the canvas.")
        layout = self.layout()
        layout.addWidget(self.blocks_box, layout.rowCount(), 0, 1, -1)


class ModelImporter(QObject):
    imported = Signal(object)  # the ImportReport, once the imported project is shown

    def __init__(self, document, files, window: QWidget):
        super().__init__(window)
        self.document = document
        self.files = files
        self.window = window
        self.worker = None
        self.dialog: QProgressDialog | None = None
        self.show_blocks = True  # the file dialog's tick box: repeated units as blocks

    # --- dialogs (replaced in tests) --------------------------------------------------------------------------------

    def ask_model_path(self) -> str | None:
        """The model file to import (None: cancelled); keeps the tick box's choice in `show_blocks`."""
        dialog = ModelFileDialog(self.window, str(self.document.project.folder or Path.home()), self.show_blocks)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
                return None
            self.show_blocks = dialog.blocks_box.isChecked()
            return dialog.selectedFiles()[0]
        finally:
            dialog.deleteLater()

    def ask_sample_shape(self, name: str, shape: tuple) -> tuple[int, ...] | None:
        """The shape of one sample of input `name` (None: the user cancelled)."""
        known = ", ".join("?" if d is None else str(d) for d in shape[1:])
        while True:
            text, ok = QInputDialog.getText(self.window, "Input size", f"The model leaves the size of its input "
                                            f"“{name}” open ({known}).\nSize of one sample, without the batch "
                                            "(e.g. 3, 224, 224):")
            if not ok:
                return None
            try:
                sizes = tuple(int(v) for v in text.replace("x", ",").split(",") if v.strip())
            except ValueError:
                sizes = ()
            if sizes and min(sizes) > 0:
                return sizes
            self.show_error("Input size", f"“{text}” is not a list of sizes such as 3, 224, 224.")

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self.window, title, message)

    def show_report(self, complete: bool, text: str) -> None:
        box = QMessageBox.information if complete else QMessageBox.warning
        box(self.window, "Model imported" if complete else "Model imported, with placeholders", text)

    # --- the command --------------------------------------------------------------------------------------------------

    def start(self, path: str | None = None, input_shapes: dict | None = None) -> bool:
        """Asks for the file (unless `path`), then imports it in a worker; False when nothing was started."""
        busy = self.document.busy_reason
        if busy:
            self.show_error("Please wait", f"{busy}: finish or stop it before importing a model.")
            return False
        if input_shapes is None and not self.files.confirm_discard():
            return False
        path = path or self.ask_model_path()
        if not path:
            return False
        self.document.busy_reason = BUSY
        self.dialog = QProgressDialog("Reading the model…", "Cancel", 0, 100, self.window)
        self.dialog.setWindowTitle("Import ONNX model")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.worker = start_worker(import_job, str(path), input_shapes, self.show_blocks)
        self.dialog.canceled.connect(self.worker.cancel)
        self.worker.progress.connect(self._progress)
        self.worker.returned.connect(lambda result: self._returned(str(path), input_shapes, result))
        self.worker.errored.connect(lambda message, _details: self._failed(message))
        self.worker.cancelled.connect(lambda: self._finish())
        return True

    def _progress(self, payload) -> None:
        fraction, message = payload
        if self.dialog is not None:
            self.dialog.setLabelText(message)
            self.dialog.setValue(int(fraction * 100))

    def _finish(self) -> None:
        self.document.busy_reason = None
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.deleteLater()
            self.dialog = None

    def _failed(self, message: str) -> None:
        self._finish()
        self.show_error("Cannot import model", message)

    def _returned(self, path: str, input_shapes: dict | None, result) -> None:
        self._finish()
        if isinstance(result, InputShapeNeeded):
            shapes = dict(input_shapes or {})
            for name, shape in result.inputs.items():
                sample = self.ask_sample_shape(name, shape)
                if sample is None:
                    return
                shapes[name] = sample
            self.start(path, shapes)
            return
        self.document.replace_project(result.project, dirty=True)
        report = result.report
        self.show_report(report.complete, "\n\n".join(report.lines()))
        self.imported.emit(report)
