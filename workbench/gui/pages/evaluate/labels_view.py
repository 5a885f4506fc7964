"""The Evaluate page's figures for a multi-label model, in place of the confusion matrix: a row per label (accuracy,
precision, recall, F1, how many samples have it and how many the model gave it), and the rows with any label wrong,
the most confidently wrong first, each with its true and predicted labels and the probability of every label
(images show as thumbnails)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QSplitter, QTableWidget, QVBoxLayout, QWidget

from workbench.gui.pages.evaluate.samples import MAX_SHOWN, THUMB, SortableItem, sample_icon

LABEL_COLUMNS = ["Label", "Accuracy", "Precision", "Recall", "F1", "Samples with it", "Given by the model"]
WRONG_COLUMNS = ["Sample", "True labels", "Predicted labels", "Wrong", "Probabilities"]


def _listed(names: list[str], indices) -> str:
    return ", ".join(names[i] for i in indices) or "(none)"


def _table(columns: list[str], parent) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.setSortingEnabled(True)  # a click on a heading sorts; until then the rows keep their order
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    return table


class LabelsView(QWidget):
    """Per-label figures and the wrongly labelled rows of a multi-label `evaluate` result."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.labels_title = QLabel("", self)
        self.label_table = _table(LABEL_COLUMNS, self)
        self.label_table.setObjectName("label_table")
        self.label_table.horizontalHeader().setStretchLastSection(False)
        self.label_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.label_table.setToolTip("Accuracy: the share of samples this label is right for. Precision: of the "
                                    "samples given this label, the share that have it. Recall: of the samples "
                                    "that have it, the share given it.")
        self.wrong_title = QLabel("", self)
        self.wrong_table = _table(WRONG_COLUMNS, self)
        self.wrong_table.setObjectName("wrong_label_table")
        self.wrong_table.setIconSize(QSize(THUMB, THUMB))
        upper, lower = QWidget(self), QWidget(self)
        for box, title, table in ((upper, self.labels_title, self.label_table),
                                  (lower, self.wrong_title, self.wrong_table)):
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(title)
            layout.addWidget(table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setSizes([260, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def set_result(self, result: dict, dataset, split: str) -> None:
        names = list(result["label_names"])
        self.labels_title.setText(f"<b>Each label</b> — {split}, {result['samples_count']} samples; a label is given "
                                  "when its probability is above 50%.")
        rows = result["per_label"]
        self.label_table.setSortingEnabled(False)
        self.label_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            cells = [SortableItem(row["label"], row["label"])]
            cells += [SortableItem(f"{row[k]:.3f}", row[k]) for k in ("accuracy", "precision", "recall", "f1")]
            cells += [SortableItem(str(row[k]), row[k]) for k in ("support", "predicted")]
            for j, cell in enumerate(cells):
                if j:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.label_table.setItem(i, j, cell)
        self.label_table.setSortingEnabled(True)
        self._fill_wrong(result, dataset, names)

    def _fill_wrong(self, result: dict, dataset, names: list[str]) -> None:
        wrong = result["wrong"][:MAX_SHOWN]
        count = result["wrong_count"]
        self.wrong_title.setText(
            f"<b>Rows with a label wrong</b>: {count} of {result['samples_count']}, the most confidently wrong first"
            + (f" (the first {len(wrong)} shown)" if count > len(wrong) else "")
            if count else "<b>Every label of every row is right</b> on these samples.")
        images = dataset is not None and dataset.kind == "image"
        self.wrong_table.setSortingEnabled(False)
        self.wrong_table.setRowCount(len(wrong))
        for i, row in enumerate(wrong):
            p = np.asarray(row["probabilities"])
            sample = SortableItem(f"#{row['index']}", row["index"])
            if images:
                icon = sample_icon(dataset, row["index"])
                if icon is not None:
                    sample.setIcon(icon)
            odds = ", ".join(f"{names[k]} {p[k]:.0%}" for k in np.argsort(-p, kind="stable"))
            cells = [sample, SortableItem(_listed(names, row["true"]), len(row["true"])),
                     SortableItem(_listed(names, row["predicted"]), len(row["predicted"])),
                     SortableItem(_listed(names, row["wrong_labels"]), len(row["wrong_labels"])),
                     SortableItem(odds, odds)]
            for j, cell in enumerate(cells):
                self.wrong_table.setItem(i, j, cell)
            if images:
                self.wrong_table.setRowHeight(i, THUMB + 4)
        self.wrong_table.setSortingEnabled(True)
