"""The Evaluate page: how a trained run does on its test (or validation, or training) data.

Classification: the figures, a confusion matrix heatmap (click a cell to see its samples), precision, recall and F1
per class, and a gallery of the wrongly predicted samples, most confident first, images shown as images, with their
probabilities. Regression: MAE, RMSE and R², predicted-against-true and residual plots. Warnings a beginner needs
(single-class predictions, overfitting, a jumpy loss) are shown above. The evaluation runs in a worker thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QListView, QListWidget,
                               QListWidgetItem, QSplitter, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from workbench.core.project import actions
from workbench.gui.help.glossary_links import CLASSIFICATION_TERMS, REGRESSION_TERMS, GlossaryLinks
from workbench.gui.plots.confusion_matrix import ConfusionMatrixView
from workbench.gui.plots.regression_plots import RegressionPlots
from workbench.gui.workers import start_worker

SPLIT_TITLES = {"test": "test split", "val": "validation split", "train": "training split"}
MAX_GALLERY = 200
THUMB = 56


def evaluate_job(job_control, project, run_id: str, split: str, base_dir):
    """In the worker: the run's `Evaluation` on the split."""
    return actions.evaluate_project(project, run_id, split, base_dir=base_dir,
                                    should_cancel=lambda: job_control.cancelled)


def sample_icon(dataset, index: int) -> QIcon | None:
    """An image sample as an icon (nearest-neighbour scaled so small images stay crisp); None for other data."""
    if dataset.kind != "image":
        return None
    pixels = np.asarray(dataset.x[index])
    if pixels.dtype != np.uint8:
        pixels = np.clip(pixels * 255.0, 0, 255).astype(np.uint8)
    channels, height, width = pixels.shape
    if channels == 1:
        data = np.ascontiguousarray(pixels[0])
        image = QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    else:
        data = np.ascontiguousarray(np.transpose(pixels[:3], (1, 2, 0)))
        image = QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    mode = Qt.TransformationMode.FastTransformation if max(height, width) < THUMB else \
        Qt.TransformationMode.SmoothTransformation
    return QIcon(QPixmap.fromImage(image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, mode)))


def sample_text(dataset, index: int, limit: int = 6) -> str:
    """A table row or token sample in a few words, for data that is not images."""
    names = dataset.preprocessing.get("feature_names") or []
    row = np.asarray(dataset.x[index]).ravel()
    parts = [f"{names[i] if i < len(names) else f'x{i + 1}'}={row[i]:.3g}" for i in range(min(limit, len(row)))]
    return ", ".join(parts) + (", …" if len(row) > limit else "")


class EvaluatePage(QWidget):
    evaluated = Signal(object)  # the evaluate() result

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.worker = None
        self.result: dict | None = None
        self.dataset = None
        self._pending = False

        self.run_combo = QComboBox(self)
        self.run_combo.setObjectName("run_combo")
        self.run_combo.setMinimumWidth(260)
        self.split_combo = QComboBox(self)
        self.split_combo.setObjectName("split_combo")
        for key, title in (("test", "Test data"), ("val", "Validation data"), ("train", "Training data")):
            self.split_combo.addItem(title, key)
        self.run_combo.currentIndexChanged.connect(lambda _: self.evaluate())
        self.split_combo.currentIndexChanged.connect(lambda _: self.evaluate())
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("status_label")
        top = QHBoxLayout()
        top.addWidget(QLabel("Run", self))
        top.addWidget(self.run_combo)
        top.addWidget(QLabel("on", self))
        top.addWidget(self.split_combo)
        top.addWidget(self.status_label, 1)

        self.figures_label = QLabel("", self)
        self.figures_label.setObjectName("figures_label")
        self.figures_label.setTextFormat(Qt.TextFormat.RichText)
        self.glossary = GlossaryLinks(CLASSIFICATION_TERMS, self)
        self.warnings_label = QLabel("", self)
        self.warnings_label.setObjectName("warnings_label")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #b7791f;")

        # classification page
        self.matrix_title = QLabel("", self)
        self.matrix = ConfusionMatrixView(self)
        self.matrix.cell_clicked.connect(self.show_cell)
        self.class_table = QTableWidget(0, 5, self)
        self.class_table.setObjectName("class_table")
        self.class_table.setHorizontalHeaderLabels(["Class", "Precision", "Recall", "F1", "Samples"])
        self.class_table.verticalHeader().setVisible(False)
        self.class_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.class_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.class_table.setMinimumWidth(360)
        self.class_table.setToolTip("Precision: of the samples predicted as this class, the share that are. "
                                    "Recall: of the samples of this class, the share found.")
        self.gallery_title = QLabel("", self)
        self.gallery_title.setObjectName("gallery_title")
        self.gallery = QListWidget(self)
        self.gallery.setObjectName("gallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMB, THUMB))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setSpacing(4)
        self.gallery.setWordWrap(True)
        self.gallery.setGridSize(QSize(THUMB + 70, THUMB + 44))
        matrix_box = QWidget(self)
        box = QVBoxLayout(matrix_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.matrix_title)
        box.addWidget(self.matrix, 1)
        upper = QSplitter(self)
        upper.addWidget(matrix_box)
        upper.addWidget(self.class_table)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 2)
        upper.setSizes([640, 420])
        gallery_box = QWidget(self)
        box = QVBoxLayout(gallery_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.gallery_title)
        box.addWidget(self.gallery, 1)
        classification = QSplitter(Qt.Orientation.Vertical, self)
        classification.addWidget(upper)
        classification.addWidget(gallery_box)
        classification.setStretchFactor(0, 3)
        classification.setStretchFactor(1, 2)

        self.regression = RegressionPlots(self)
        self.empty = QLabel("Train the network on the Train page first; its results appear here.", self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty)
        self.pages.addWidget(classification)
        self.pages.addWidget(self.regression)
        self.classification_page = classification

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.figures_label)
        layout.addWidget(self.glossary)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.pages, 1)
        self.warnings_label.hide()

        document.project_replaced.connect(self.refresh_runs)
        self.refresh_runs()

    # --- runs ---------------------------------------------------------------------------------------------------

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh_runs()

    def refresh_runs(self) -> None:
        """Lists the runs that have weights (newest first); keeps the chosen one, or picks the newest."""
        runs = self.document.project.trained_runs()
        current = self.run_combo.currentData()
        ids = [r.id for r in runs]
        if ids == [self.run_combo.itemData(i) for i in range(self.run_combo.count())]:
            return
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for r in runs:
            self.run_combo.addItem(f"{r.title} ({r.status.title}, {r.finished[:16]})", r.id)
        if current in ids and current != ids[0] and self.result is not None:
            self.run_combo.setCurrentIndex(ids.index(current))
        self.run_combo.blockSignals(False)
        if not runs:
            self.pages.setCurrentWidget(self.empty)
            self.figures_label.setText("")
            self.status_label.setText("")
            return
        self.evaluate()

    def evaluate(self) -> None:
        """Evaluates the chosen run on the chosen split in a worker (one at a time; the latest choice wins)."""
        run_id = self.run_combo.currentData()
        if run_id is None:
            return
        if self.worker is not None:
            self._pending = True
            return
        split = self.split_combo.currentData()
        self.status_label.setText("Evaluating…")
        self.worker = start_worker(evaluate_job, self.document.project.snapshot(), run_id, split,
                                   self.document.workspace_dir())
        self.worker.returned.connect(self._show)
        self.worker.errored.connect(self._failed)
        self.worker.finished.connect(self._finished)

    def _finished(self) -> None:
        self.worker = None
        if self._pending:
            self._pending = False
            self.evaluate()

    def _failed(self, message: str, details: str) -> None:
        self.status_label.setText("")
        self.pages.setCurrentWidget(self.empty)
        self.empty.setText(f"Could not evaluate this run: {message}")
        self.figures_label.setText("")

    # --- results ------------------------------------------------------------------------------------------------

    def _show(self, evaluation) -> None:
        result, warnings = evaluation.result, evaluation.warnings
        self.result, self.dataset = result, evaluation.dataset
        split = SPLIT_TITLES[result["split"]]
        self.status_label.setText(f"{result['samples_count']:,} samples of the {split}.")
        if warnings:
            self.warnings_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings_label.setVisible(bool(warnings))
        if result["task"] == "classification":
            self._show_classification(result, split)
        else:
            self._show_regression(result, split)
        self.evaluated.emit(result)

    def _show_classification(self, result: dict, split: str) -> None:
        self.glossary.set_terms(CLASSIFICATION_TERMS)
        self.figures_label.setText(
            f"<span style='font-size:15pt'><b>Accuracy {result['accuracy']:.1%}</b></span> &nbsp;·&nbsp; "
            f"F1 (mean over classes) {result['f1_macro']:.3f} &nbsp;·&nbsp; loss {result['loss']:.4f} "
            f"&nbsp;·&nbsp; {result['wrong_count']} of {result['samples_count']} wrong")
        self.matrix_title.setText(f"<b>Confusion matrix</b> — {split}, {result['samples_count']} samples. "
                                  "Rows: true class; columns: predicted class. Click a cell to see its samples.")
        self.matrix.set_matrix(result["confusion_matrix"], result["class_names"])
        rows = result["per_class"]
        self.class_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            values = [row["class"], f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}",
                      str(row["support"])]
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.class_table.setItem(i, j, item)
        self.pages.setCurrentWidget(self.classification_page)
        self.show_wrong()

    def _show_regression(self, result: dict, split: str) -> None:
        self.glossary.set_terms(REGRESSION_TERMS)
        self.figures_label.setText(
            f"<span style='font-size:15pt'><b>R² {result['r2']:.3f}</b></span> &nbsp;·&nbsp; "
            f"MAE {result['mae']:.4g} &nbsp;·&nbsp; RMSE {result['rmse']:.4g} &nbsp;·&nbsp; "
            f"loss {result['loss']:.4f} &nbsp;<span style='color:gray'>(MAE and RMSE in the target's units; "
            "R² = 1 is perfect, 0 is no better than always predicting the mean)</span>")
        samples = result["samples"]
        target = (result.get("target_names") or [""])[0]
        self.regression.set_data(samples["true"], samples["predicted"], target, split)
        self.pages.setCurrentWidget(self.regression)

    # --- gallery ------------------------------------------------------------------------------------------------

    def show_wrong(self) -> None:
        samples = self.result["samples"]
        wrong = np.flatnonzero(samples["predicted"] != samples["true"])
        self._fill_gallery(wrong, f"<b>Wrong predictions</b>: {len(wrong)}, the most confident first"
                           if len(wrong) else "<b>No wrong predictions</b> on these samples.")

    def show_cell(self, true_index: int, predicted_index: int) -> None:
        samples = self.result["samples"]
        names = self.result["class_names"]
        rows = np.flatnonzero((samples["true"] == true_index) & (samples["predicted"] == predicted_index))
        what = "correctly predicted" if true_index == predicted_index else f"predicted as '{names[predicted_index]}'"
        self._fill_gallery(rows, f"<b>True class '{names[true_index]}', {what}</b>: {len(rows)} sample"
                                 f"{'s' if len(rows) != 1 else ''}")

    def _fill_gallery(self, rows: np.ndarray, title: str) -> None:
        samples = self.result["samples"]
        names = self.result["class_names"]
        probabilities = samples["probabilities"]
        confidence = probabilities[rows, samples["predicted"][rows]]
        rows = rows[np.argsort(-confidence, kind="stable")]
        self.gallery_title.setText(title + (f" (showing {MAX_GALLERY})" if len(rows) > MAX_GALLERY else ""))
        self.gallery.clear()
        images = self.dataset.kind == "image"
        self.gallery.setViewMode(QListView.ViewMode.IconMode if images else QListView.ViewMode.ListMode)
        for r in rows[:MAX_GALLERY]:
            index = int(samples["indices"][r])
            true, predicted = int(samples["true"][r]), int(samples["predicted"][r])
            p = probabilities[r]
            caption = f"true {names[true]}\n→ {names[predicted]} ({p[predicted]:.0%})"
            if not images:
                caption = (f"#{index}: true {names[true]} → predicted {names[predicted]} ({p[predicted]:.0%})   "
                           f"{sample_text(self.dataset, index)}")
            item = QListWidgetItem(caption, self.gallery)
            icon = sample_icon(self.dataset, index) if images else None
            if icon is not None:
                item.setIcon(icon)
            top = np.argsort(-p)[:3]
            item.setToolTip(f"Sample #{index}. True class: {names[true]}.\nProbabilities: "
                            + ", ".join(f"{names[c]} {p[c]:.1%}" for c in top))
            item.setData(Qt.ItemDataRole.UserRole, index)
