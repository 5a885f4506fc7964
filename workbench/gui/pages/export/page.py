"""The Export page: export the trained model (or a variant) to a verified ONNX folder, compress it into variants,
compare them in a table and an accuracy-against-size plot, see what compression did to each layer, and benchmark
torch eager against ONNX Runtime.

Export, compression and the benchmark run in workers on a snapshot of the project; new variant records are added
on the GUI thread when a job returns (and mark the project unsaved). The per-layer effects are shown in a table
here, and "Show on canvas" asks the window to draw them over the layers on the Design page and switch to it.

Exports go by default into an "export" folder beside the saved project; a project never saved is asked to be saved
first (or a folder chosen), so an export never lands in a hidden folder. After an export, "Open folder" shows it in
the system's file manager (`open_folder`, the seam tests replace).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from workbench import PROJECT_SUFFIX
from workbench.core.compression.methods import get_method, method_title, offered_methods
from workbench.core.errors import WorkbenchError
from workbench.core.export.bundle import files_to_replace
from workbench.core.export.onnx_export import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET
from workbench.core.project import Project, actions
from workbench.core.wording import plural
from workbench.gui.pages.export.variant_plot import VariantPlot, quality
from workbench.gui.workers import start_worker

JOB_THREADS = int(os.environ.get("WORKBENCH_EXPORT_THREADS", "1"))
ORIGINAL_CHOICE = "original"
EXPORT_FOLDER = "export"  # beside the saved project


def open_folder(folder: Path) -> bool:
    """Shows `folder` in the system's file manager."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _reporter(control):
    def progress(fraction: float, message: str) -> None:
        control.check()
        control.report((fraction, message))
    return progress


def export_job(control, project, out_dir, opset, variant, base_dir, threads, overwrite=False):
    return actions.export_project(project, out_dir, opset=opset, variant=variant, base_dir=base_dir,
                                  threads=threads, progress=_reporter(control), overwrite=overwrite)


def compress_job(control, project, method, amount, epochs, base_dir, threads):
    return actions.compress_project(project, method, amount, base_dir=base_dir, workspace=base_dir, epochs=epochs,
                                    threads=threads, progress=_reporter(control))


def bench_job(control, project, base_dir, threads):
    return actions.bench_project(project, base_dir=base_dir, threads=threads, progress=_reporter(control))


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MB"


def effect_text(row) -> str:
    if row.kind == "channels":
        return f"{row.before} → {row.after} channels"
    if row.kind == "sparsity":
        return f"{100 * row.value:.0f}% of weights zero"
    return f"{100 * row.value:.2f}% output error"


class ExportPage(QWidget):
    exported = Signal(object)  # ExportResult
    variants_added = Signal(list)  # the new records
    canvas_requested = Signal(object)  # a VariantRecord to draw over the Design page's layers

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.worker = None
        self.job_kind = ""
        self.plot: VariantPlot | None = None

        self.variant_combo = QComboBox(self)
        self.variant_combo.setObjectName("variant_combo")
        self.opset_spin = QSpinBox(self)
        self.opset_spin.setObjectName("opset_spin")
        self.opset_spin.setRange(MIN_OPSET, MAX_OPSET)
        self.opset_spin.setValue(DEFAULT_OPSET)
        self.opset_spin.setToolTip(f"ONNX operator set. {DEFAULT_OPSET} runs everywhere; older ones suit old runtimes.")
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("folder_edit")
        self.folder_edit.setPlaceholderText("Save the project first, or choose a folder")
        self.folder_edit.textEdited.connect(self._folder_typed)
        self._default_folder = ""  # the folder filled in for the user (it follows the project until edited)
        choose = QPushButton("Choose…", self)
        choose.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("export_button")
        self.export_button.clicked.connect(self.export)
        export_form = QFormLayout()
        export_form.addRow("Model", self.variant_combo)
        export_form.addRow("ONNX opset", self.opset_spin)
        export_form.addRow("Folder", folder_row)
        export_box = QGroupBox("Export to ONNX", self)
        export_layout = QVBoxLayout(export_box)
        export_layout.addLayout(export_form)
        self.open_folder_button = QPushButton("Open folder", self)
        self.open_folder_button.setObjectName("open_folder_button")
        self.open_folder_button.setToolTip("Show the exported folder in the file manager")
        self.open_folder_button.setEnabled(False)
        self.open_folder_button.clicked.connect(self.open_export_folder)
        self.exported_folder: Path | None = None
        export_buttons = QHBoxLayout()
        export_buttons.addWidget(self.export_button, 1)
        export_buttons.addWidget(self.open_folder_button)
        export_layout.addLayout(export_buttons)

        self.method_combo = QComboBox(self)
        self.method_combo.setObjectName("method_combo")
        for method in offered_methods():
            self.method_combo.addItem(method.title, method.name)
        self.method_combo.setCurrentIndex(self.method_combo.findData("int8-static"))
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.amount_spin = QDoubleSpinBox(self)
        self.amount_spin.setObjectName("amount_spin")
        self.amount_spin.setRange(0.05, 0.95)
        self.amount_spin.setSingleStep(0.05)
        self.amount_spin.setValue(0.5)
        self.amount_spin.setToolTip("Share removed: of the weights (pruning), of the channels (structured), or of "
                                    "each layer's width (distillation)")
        self.epochs_spin = QSpinBox(self)
        self.epochs_spin.setObjectName("epochs_spin")
        self.epochs_spin.setRange(1, 500)
        self.epochs_spin.setValue(10)
        self.epochs_spin.setToolTip("Epochs of fine-tuning (pruning) or of the student's training (distillation)")
        self.method_hint = QLabel(self)
        self.method_hint.setWordWrap(True)
        self.method_hint.setStyleSheet("color: #555;")
        self.compress_button = QPushButton("Compress", self)
        self.compress_button.setObjectName("compress_button")
        self.compress_button.clicked.connect(self.compress)
        compress_form = QFormLayout()
        compress_form.addRow("Method", self.method_combo)
        compress_form.addRow("Amount", self.amount_spin)
        compress_form.addRow("Epochs", self.epochs_spin)
        compress_box = QGroupBox("Compress into a new variant", self)
        compress_layout = QVBoxLayout(compress_box)
        compress_layout.addLayout(compress_form)
        compress_layout.addWidget(self.method_hint)
        compress_layout.addWidget(self.compress_button)

        self.bench_button = QPushButton("Benchmark all variants", self)
        self.bench_button.setObjectName("bench_button")
        self.bench_button.clicked.connect(self.benchmark)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("export_progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.status = QLabel(self)
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QWidget(self)
        controls_layout = QVBoxLayout(controls)
        controls_layout.addWidget(export_box)
        controls_layout.addWidget(compress_box)
        controls_layout.addWidget(self.bench_button)
        controls_layout.addWidget(self.progress)
        controls_layout.addWidget(self.cancel_button)
        controls_layout.addWidget(self.status)
        controls_layout.addStretch(1)
        controls.setMinimumWidth(300)
        controls.setMaximumWidth(380)

        self.variants_table = self._table(["Variant", "Method", "Size", "Parameters", "Val", "Test",
                                           "ORT p50 (ms)", "Torch p50 (ms)", "Notes"], "variants_table")
        self.variants_table.itemSelectionChanged.connect(self._variant_selected)
        self.layers_table = self._table(["Layer", "Type", "What compression did"], "layers_table")
        self.layers_caption = QLabel("Select a variant to see what compression did to each layer.", self)
        self.layers_caption.setWordWrap(True)
        self.show_on_canvas_button = QPushButton("Show on canvas", self)
        self.show_on_canvas_button.setObjectName("show_on_canvas_button")
        self.show_on_canvas_button.setToolTip("Draw these figures over the layers on the Design page")
        self.show_on_canvas_button.setEnabled(False)
        self.show_on_canvas_button.clicked.connect(self.show_on_canvas)
        self.bench_table = self._table(["Variant", "Size", "Torch p50 / p99 (ms)", "ORT p50 / p99 (ms)",
                                        "Torch samples/s", "ORT samples/s", "Speed-up"], "bench_table")
        self.bench_caption = QLabel("Benchmark: not run yet.", self)
        self.bench_caption.setWordWrap(True)
        self.plot_holder = QVBoxLayout()

        right = QSplitter(Qt.Orientation.Vertical, self)
        top = QWidget(right)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("Variants (the original is never changed):", top))
        top_layout.addWidget(self.variants_table)
        middle = QWidget(right)
        middle_layout = QHBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        layers_box = QVBoxLayout()
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.layers_caption, 1)
        caption_row.addWidget(self.show_on_canvas_button)
        layers_box.addLayout(caption_row)
        layers_box.addWidget(self.layers_table)
        middle_layout.addLayout(layers_box, 1)
        middle_layout.addLayout(self.plot_holder, 1)
        bottom = QWidget(right)
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.bench_caption)
        bottom_layout.addWidget(self.bench_table)
        right.addWidget(top)
        right.addWidget(middle)
        right.addWidget(bottom)

        layout = QHBoxLayout(self)
        layout.addWidget(controls)
        layout.addWidget(right, 1)

        document.project_replaced.connect(self.refresh)
        document.dirty_changed.connect(lambda _dirty: self.refresh())
        document.path_changed.connect(self.refresh)
        self._method_changed()
        self.refresh()

    # --- state --------------------------------------------------------------------------------------------------

    def _table(self, headers: list[str], name: str) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    @property
    def project(self) -> Project:
        return self.document.project

    def _trained(self) -> bool:
        return bool(self.project.trained_runs())

    def refresh(self) -> None:
        records = self.project.variants
        current = self.variant_combo.currentData()
        self.variant_combo.blockSignals(True)
        self.variant_combo.clear()
        self.variant_combo.addItem("Original (trained network)", ORIGINAL_CHOICE)
        for r in records:
            if not r.is_original:
                self.variant_combo.addItem(f"{r.name} — {method_title(r.method)}", r.name)
        index = self.variant_combo.findData(current)
        self.variant_combo.setCurrentIndex(max(0, index))
        self.variant_combo.blockSignals(False)
        self._fill_default_folder()
        self._fill_variants(records)
        selected = self.selected_variant()
        self.show_on_canvas_button.setEnabled(bool(selected and selected.layers))
        if self.worker is None:
            trained = self._trained()
            for button in (self.export_button, self.compress_button, self.bench_button):
                button.setEnabled(trained)
            self.cancel_button.setEnabled(False)
            if not trained and not self.status.text():
                self._say("Train the model first (Train page): there is nothing to export yet.", "info")

    def _fill_default_folder(self) -> None:
        """The export folder beside the saved project, unless the user typed or chose another; empty (with a hint)
        for a project never saved."""
        if self.folder_edit.text() and self.folder_edit.text() != self._default_folder:
            return
        folder = self.project.folder
        self._default_folder = str(folder / EXPORT_FOLDER) if folder is not None else ""
        self.folder_edit.setText(self._default_folder)

    def _folder_typed(self, _text: str) -> None:
        self._default_folder = None  # the user's own choice from now on

    def _fill_variants(self, records: list) -> None:
        table = self.variants_table
        table.setRowCount(len(records))
        for row, r in enumerate(records):
            torch_ms = r.latency.torch.p50_ms if r.latency.torch is not None else None
            cells = [r.name, method_title(r.method), _size(r.size_bytes), f"{r.params:,}",
                     quality(r, "val")[0], quality(r, "test")[0], f"{r.latency.onnxruntime.p50_ms:.3f}",
                     f"{torch_ms:.3f}" if torch_ms is not None else "—", r.notes]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == len(cells) - 1:
                    item.setToolTip(text)
                table.setItem(row, col, item)
        if records:
            if self.plot is None:
                self.plot = VariantPlot(self)
                self.plot_holder.addWidget(self.plot)
            self.plot.show_variants(records)

    def selected_variant(self):
        """The `VariantRecord` selected in the table, or None."""
        rows = self.variants_table.selectionModel().selectedRows()
        records = self.project.variants
        return records[rows[0].row()] if rows and rows[0].row() < len(records) else None

    def _variant_selected(self) -> None:
        record = self.selected_variant()
        self.show_on_canvas_button.setEnabled(bool(record and record.layers))
        if record is None:
            return
        index = self.variant_combo.findData(ORIGINAL_CHOICE if record.is_original else record.name)
        if index >= 0:
            self.variant_combo.setCurrentIndex(index)
        layers = record.layers
        self.layers_table.setRowCount(len(layers))
        for row, item in enumerate(layers):
            for col, text in enumerate((item.name, item.type, effect_text(item))):
                self.layers_table.setItem(row, col, QTableWidgetItem(text))
        if layers:
            self.layers_caption.setText(f"What {record.name} did to each layer"
                                        + (" (error of the layer's output on calibration samples):"
                                           if layers[0].kind == "error" else ":"))
        else:
            self.layers_caption.setText(f"{record.name}: no per-layer figures for this method.")

    def show_on_canvas(self) -> bool:
        """Asks the window to draw the selected variant's per-layer effects over its layers on the Design page
        (`canvas_requested`; the window answers with `canvas_shown`)."""
        record = self.selected_variant()
        if record is None or not record.layers:
            self._say("Select a quantized or pruned variant first: only those have per-layer figures.", "warning")
            return False
        self.canvas_requested.emit(record)
        return True

    def canvas_shown(self, record, shown: int) -> None:
        self._say(f"The Design page shows what {record.name} did to {shown} layer{'s' if shown != 1 else ''}.",
                  "ok")

    def _method_changed(self, *_):
        method = get_method(self.method_combo.currentData())
        self.amount_spin.setEnabled(method.takes_amount)
        self.epochs_spin.setEnabled(method.takes_epochs)
        self.method_hint.setText(method.hint)

    def _choose_folder(self) -> None:
        start = self.folder_edit.text() or str(self.project.folder or Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", start)
        if folder:
            self.folder_edit.setText(folder)
            self._default_folder = None

    def _say(self, text: str, kind: str = "info") -> None:
        colours = {"info": "#222", "ok": "#1b5e20", "warning": "#8a6d00", "error": "#b00020"}
        self.status.setStyleSheet(f"color: {colours[kind]};")
        self.status.setText(text)

    # --- jobs ---------------------------------------------------------------------------------------------------

    def _start(self, kind: str, fn, *args) -> bool:
        if self.worker is not None:
            self._say("Another job is running: wait for it or cancel it.", "warning")
            return False
        self.job_kind = kind
        for button in (self.export_button, self.compress_button, self.bench_button):
            button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.worker = start_worker(fn, self.project.snapshot(), *args)
        self.worker.progress.connect(self._on_progress)
        self.worker.returned.connect(self._on_returned)
        self.worker.errored.connect(self._on_error)
        self.worker.cancelled.connect(lambda: self._say(f"{kind.capitalize()} cancelled. Nothing was changed.",
                                                        "warning"))
        self.worker.finished.connect(self._on_finished)
        return True

    def export(self) -> bool:
        folder = self.folder_edit.text().strip()
        if not folder and self.project.path is None:
            choice = self.ask_save_first()
            if choice == "save" and self.save_project_first():
                folder = self.folder_edit.text().strip()
            elif choice == "choose":
                self._choose_folder()
                folder = self.folder_edit.text().strip()
            if not folder:
                self._say("Export cancelled: save the project, or choose a folder to export into.", "warning")
                return False
        if not folder:
            self._say("Choose a folder to export into.", "error")
            return False
        foreign = files_to_replace(folder) if Path(folder).is_dir() else []
        if foreign and not self.ask_replace(Path(folder), foreign):
            self._say("Export cancelled: nothing in the folder was replaced.", "warning")
            return False
        variant = self.variant_combo.currentData()
        self._say(f"Exporting {variant} …")
        return self._start("export", export_job, Path(folder), self.opset_spin.value(),
                           None if variant == ORIGINAL_CHOICE else variant, self.document.workspace_dir(), JOB_THREADS,
                           bool(foreign))

    def ask_save_first(self) -> str | None:
        """For a project never saved: "save" (save it, then export beside it), "choose" (a folder) or None (tests
        replace this)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Save the project first?",
                          "This project has not been saved yet. Save it first, and the export goes into a folder "
                          "beside it; or choose a folder to export into.", QMessageBox.StandardButton.Cancel, self)
        save = box.addButton("Save…", QMessageBox.ButtonRole.AcceptRole)
        choose = box.addButton("Choose a folder…", QMessageBox.ButtonRole.ActionRole)
        box.exec()
        return "save" if box.clickedButton() is save else "choose" if box.clickedButton() is choose else None

    def save_project_first(self) -> bool:
        """Asks where to save the project and saves it; True once it is saved (the export folder then beside it)."""
        name = (self.project.name or "project").replace("/", "_")
        path, _ = QFileDialog.getSaveFileName(self, "Save the project", str(Path.home() / f"{name}{PROJECT_SUFFIX}"),
                                              f"Workbench projects (*{PROJECT_SUFFIX})")
        if not path:
            return False
        try:
            self.document.save(path)
        except WorkbenchError as err:
            self._say(str(err), "error")
            return False
        self._fill_default_folder()
        return True

    def open_export_folder(self) -> bool:
        if self.exported_folder is None:
            return False
        return open_folder(self.exported_folder)

    def ask_replace(self, folder: Path, files: list[str]) -> bool:
        """Whether to replace files in the folder that Workbench did not write there (tests replace this)."""
        listed = ", ".join(files)
        answer = QMessageBox.question(
            self, "Replace files?", f"The folder “{folder.name}” already has {listed}, which Workbench did not write "
            "there, or which were changed since. Replace them with the export?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def compress(self) -> bool:
        method = get_method(self.method_combo.currentData())
        amount = self.amount_spin.value() if method.takes_amount else None
        epochs = self.epochs_spin.value() if method.takes_epochs else None
        self._say(f"Compressing with {method.title} …")
        return self._start("compression", compress_job, method.name, amount, epochs, self.document.workspace_dir(),
                           JOB_THREADS)

    def benchmark(self) -> bool:
        self._say("Benchmarking every variant …")
        return self._start("benchmark", bench_job, self.document.workspace_dir(), JOB_THREADS)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _on_progress(self, payload) -> None:
        fraction, message = payload
        self.progress.setValue(int(100 * fraction))
        self.status.setStyleSheet("color: #222;")
        self.status.setText(message)

    def _on_returned(self, result) -> None:
        self.progress.setValue(100)
        if self.job_kind == "export":
            self._say(f"Exported to {result.folder}: {', '.join(result.files)} ({_size(result.size_bytes)}). "
                      f"Verified: ONNX Runtime on {result.provider} matches {result.parity_reference} on "
                      f"{result.parity_samples} test samples (largest difference {result.parity_max_abs_diff:.2g}).",
                      "ok")
            self.exported_folder = Path(result.folder)
            self.open_folder_button.setEnabled(True)
            self.exported.emit(result)
        elif self.job_kind == "compression":
            self.project.add_variants(result)
            self.document.mark_dirty()
            made = result[-1]
            self._say(f"Added {made.name}: {_size(made.size_bytes)}, test {quality(made, 'test')[0]}. {made.notes}",
                      "ok")
            self.refresh()
            self.variants_added.emit(result)
        else:
            self._show_benchmark(result)
            self._say(f"Benchmark done on {result.provider}" + ("" if result.gpu else " (no GPU on this computer)")
                      + ".", "ok")

    def _show_benchmark(self, report) -> None:
        rows = report.rows
        self.bench_table.setRowCount(len(rows))
        for row, r in enumerate(rows):
            t, o = r.torch, r.onnxruntime
            name = r.name + ("" if r.torch_reference == "own" else " (torch: fp32 source)")
            cells = [name, _size(r.size_bytes), f"{t.p50_ms:.3f} / {t.p99_ms:.3f}", f"{o.p50_ms:.3f} / {o.p99_ms:.3f}",
                     f"{t.throughput:,.0f}", f"{o.throughput:,.0f}", f"{r.speedup:.1f}x"]
            for col, text in enumerate(cells):
                self.bench_table.setItem(row, col, QTableWidgetItem(text))
        batch = rows[0].onnxruntime.batch if rows else 0
        self.bench_caption.setText(f"Benchmark: latency at batch 1, throughput at batch {batch}; ONNX Runtime on "
                                   f"{report.provider}, {plural(report.threads, 'thread')}"
                                   + ("." if report.gpu else "; no GPU on this computer."))

    def _on_error(self, message: str, details: str) -> None:
        self._say(message, "error")

    def _on_finished(self) -> None:
        self.worker = None
        self.refresh()
