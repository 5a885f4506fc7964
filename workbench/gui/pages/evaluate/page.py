"""The Evaluate page: how a trained run does on its test (or validation, or training) data.

Classification: the figures, a confusion matrix heatmap (click a cell to see its samples), precision, recall and F1
per class, and the wrongly predicted samples, most confident first, with the model's confidence: images in a gallery,
table rows in a sortable table of the user's own values; a clicked sample is shown large (see `samples`). The run
picker follows the newest run when one finishes; older runs stay one choice away. Multi-label: the share of labels
right, exact match and F1, a row of figures per label and the rows with any label wrong (see `labels_view`).
Regression: MAE, RMSE and R², predicted-against-true and residual plots. Warnings a beginner needs
(single-class predictions, overfitting, a jumpy loss) are shown above. The evaluation runs in a worker thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QSplitter,
                               QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.core.project import actions
from workbench.gui.help.glossary_links import CLASSIFICATION_TERMS, MULTILABEL_TERMS, REGRESSION_TERMS, GlossaryLinks
from workbench.gui.pages.evaluate.labels_view import LabelsView
from workbench.gui.pages.evaluate.samples import SamplesView
from workbench.gui.plots.confusion_matrix import ConfusionMatrixView
from workbench.gui.plots.regression_plots import RegressionPlots
from workbench.gui.workers import start_worker

NOTHING_TRAINED = "Train the network on the Train page first; its results appear here."
SPLIT_TITLES = {"test": "test split", "val": "validation split", "train": "training split"}


def evaluate_job(job_control, project, run_id: str, split: str, base_dir):
    """In the worker: the run's `Evaluation` on the split."""
    return actions.evaluate_project(project, run_id, split, base_dir=base_dir,
                                    should_cancel=lambda: job_control.cancelled)


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
        self.samples = SamplesView(self)
        self.gallery = self.samples.gallery
        self.gallery_title = self.samples.title
        self.samples_table = self.samples.table
        classification = QSplitter(Qt.Orientation.Vertical, self)
        classification.addWidget(upper)
        classification.addWidget(self.samples)
        classification.setStretchFactor(0, 3)
        classification.setStretchFactor(1, 2)
        classification.setSizes([480, 320])

        self.regression = RegressionPlots(self)
        self.labels_view = LabelsView(self)
        self.empty = QLabel(NOTHING_TRAINED, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.empty)
        self.pages.addWidget(classification)
        self.pages.addWidget(self.regression)
        self.pages.addWidget(self.labels_view)
        self.classification_page = classification

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.figures_label)
        layout.addWidget(self.glossary)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.pages, 1)
        self.warnings_label.hide()

        self._known_runs: set[str] = set()
        document.project_replaced.connect(self._project_replaced)
        document.records_changed.connect(self._runs_may_have_changed)
        self.refresh_runs()

    # --- runs ---------------------------------------------------------------------------------------------------

    def showEvent(self, event):
        super().showEvent(event)
        self.refresh_runs()

    def _project_replaced(self) -> None:
        self._known_runs = set()
        self.refresh_runs()

    def _runs_may_have_changed(self) -> None:
        """A finished run marks the project unsaved: follow it at once when the page is on screen."""
        if self.isVisible():
            self.refresh_runs()

    def show_run(self, run_id: str) -> None:
        """Picks `run_id` in the run picker (evaluating it)."""
        self.refresh_runs()
        index = self.run_combo.findData(run_id)
        if index >= 0:
            self.run_combo.setCurrentIndex(index)

    def refresh_runs(self) -> None:
        """Lists the runs that have weights (newest first). A run that finished since the last look is picked (the
        page follows the newest run); otherwise the one the user chose stays chosen."""
        runs = self.document.project.trained_runs()
        current = self.run_combo.currentData()
        ids = [r.id for r in runs]
        arrived = [i for i in ids if i not in self._known_runs]
        self._known_runs = set(ids)
        if ids == [self.run_combo.itemData(i) for i in range(self.run_combo.count())]:
            return
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for r in runs:
            self.run_combo.addItem(f"{r.title} ({r.status.title}, {r.finished[:16]})", r.id)
        if arrived:
            self.run_combo.setCurrentIndex(ids.index(arrived[0]))
        elif current in ids:
            self.run_combo.setCurrentIndex(ids.index(current))
        self.run_combo.blockSignals(False)
        if not runs:
            self.pages.setCurrentWidget(self.empty)
            self.empty.setText(NOTHING_TRAINED)
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
        if self.pages.currentWidget() is self.empty:  # no figures shown yet: say what is coming, not "train first"
            self.empty.setText(f"Evaluating {self.run_combo.currentText()} on the "
                               f"{self.split_combo.currentText().lower()}…")
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
        elif result["task"] == "multilabel":
            self._show_multilabel(result, split)
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

    def _show_multilabel(self, result: dict, split: str) -> None:
        self.glossary.set_terms(MULTILABEL_TERMS)
        self.figures_label.setText(
            f"<span style='font-size:15pt'><b>Labels right {result['accuracy']:.1%}</b></span> &nbsp;·&nbsp; "
            f"every label right (exact match) {result['exact_match']:.1%} &nbsp;·&nbsp; F1 micro "
            f"{result['f1_micro']:.3f}, macro {result['f1_macro']:.3f} &nbsp;·&nbsp; loss {result['loss']:.4f} "
            f"&nbsp;·&nbsp; {result['wrong_count']} of {result['samples_count']} rows with a label wrong")
        self.labels_view.set_result(result, self.dataset, split)
        self.pages.setCurrentWidget(self.labels_view)

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
        self.samples.show_samples(self.result, self.dataset, rows, title)
