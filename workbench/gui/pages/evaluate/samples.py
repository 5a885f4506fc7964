"""The samples behind a figure (the wrong predictions, a confusion-matrix cell), many at once, with a large view.

Images are a gallery of thumbnails captioned with the true and predicted class and the model's confidence; table
rows are a sortable table in the user's own values (un-standardised numbers, category names: `original_rows`),
with the true class, the predicted one and the confidence; other data (token ids) is a sortable table too. Clicking
a sample shows it large beside them: an image from its original file when the data came from a folder, else its
pixels scaled up; a row with every column and the most likely classes.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QListView, QListWidget,
                               QListWidgetItem, QSplitter, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from workbench.core.data.originals import format_value, original_columns, original_rows
from workbench.gui.plots.pixels import pixels_to_qimage

MAX_SHOWN = 200
THUMB = 56
LARGE = 280
TOP_CLASSES = 3
MAX_TOKENS = 12


class SortableItem(QTableWidgetItem):
    """A cell that sorts by `key` (a number or text), not by its displayed text."""

    def __init__(self, text: str, key):
        super().__init__(text)
        self.key = key
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other):
        if isinstance(other, SortableItem):
            try:
                return self.key < other.key
            except TypeError:
                return str(self.key) < str(other.key)
        return super().__lt__(other)


def sample_icon(dataset, index: int) -> QIcon | None:
    """An image sample as an icon (nearest-neighbour scaled so small images stay crisp); None for other data."""
    if dataset.kind != "image":
        return None
    pixels = np.asarray(dataset.x[index])
    _channels, height, width = pixels.shape
    mode = Qt.TransformationMode.FastTransformation if max(height, width) < THUMB else \
        Qt.TransformationMode.SmoothTransformation
    image = pixels_to_qimage(pixels)
    return QIcon(QPixmap.fromImage(image.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, mode)))


def original_image(path: str) -> QImage | None:
    """The file at `path` decoded straight at the large size (a big photo is never decoded whole; Qt's reader
    refuses absurd sizes from the header); None when it cannot be read any more."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if not size.isValid() or size.isEmpty():
        return None
    reader.setScaledSize(size.scaled(LARGE, LARGE, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def large_pixmap(dataset, index: int) -> QPixmap:
    """An image sample large: its original file when the data came from a folder (and it is still there), else
    its stored pixels scaled up without smoothing."""
    files = getattr(dataset, "sample_files", None) or []
    if index < len(files) and Path(files[index]).is_file():
        original = original_image(files[index])
        if original is not None:
            return QPixmap.fromImage(original)
    image = pixels_to_qimage(np.asarray(dataset.x[index]))
    return QPixmap.fromImage(image.scaled(LARGE, LARGE, Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))


def sample_values(dataset, indices: list[int]) -> tuple[list[str], list[list[str]]]:
    """(column names, texts per sample) of non-image samples: a table's original values, else the stored ones."""
    x = np.asarray(dataset.x[np.asarray(indices, dtype=np.int64)]) if indices else np.zeros((0, 0))
    names = original_columns(dataset.preprocessing)
    rows = original_rows(dataset.preprocessing, x) if names is not None and len(indices) else None
    if rows is not None:
        return names, [[format_value(v) for v in row] for row in rows]
    if names is not None and not len(indices):
        return names, []
    flat = x.reshape(len(indices), -1) if len(indices) else x
    width = min(flat.shape[1], MAX_TOKENS) if flat.ndim == 2 else 0
    stored = dataset.preprocessing.get("feature_names") or []
    names = [stored[i] if i < len(stored) else f"x{i + 1}" for i in range(width)]
    return names, [[f"{v:.4g}" for v in row[:width]] for row in flat]


class SamplesView(QWidget):
    """A gallery (images) or a sortable table (rows) of samples, and the one clicked, large."""

    sample_chosen = Signal(int)  # the dataset index of the sample shown large

    def __init__(self, parent=None):
        super().__init__(parent)
        self.result: dict | None = None
        self.dataset = None
        self.rows = np.zeros(0, dtype=np.int64)  # rows of result["samples"] shown, most confident first

        self.title = QLabel("", self)
        self.title.setObjectName("gallery_title")
        self.gallery = QListWidget(self)
        self.gallery.setObjectName("gallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMB, THUMB))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setSpacing(4)
        self.gallery.setWordWrap(True)
        self.gallery.setGridSize(QSize(THUMB + 70, THUMB + 44))
        self.gallery.currentItemChanged.connect(self._gallery_choice)
        self.table = QTableWidget(0, 0, self)
        self.table.setObjectName("samples_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._table_choice(row))
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.gallery)
        self.stack.addWidget(self.table)

        self.large_image = QLabel(self)
        self.large_image.setObjectName("large_image")
        self.large_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.large_image.setMinimumSize(LARGE // 2, LARGE // 2)
        self.large_text = QLabel("Click a sample to see it large.", self)
        self.large_text.setObjectName("large_text")
        self.large_text.setWordWrap(True)
        self.large_text.setTextFormat(Qt.TextFormat.RichText)
        self.large_text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.large_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        detail = QWidget(self)
        column = QVBoxLayout(detail)
        column.setContentsMargins(6, 0, 0, 0)
        column.addWidget(self.large_image)
        column.addWidget(self.large_text)
        column.addStretch(1)
        detail.setMinimumWidth(LARGE + 12)

        splitter = QSplitter(self)
        splitter.addWidget(self.stack)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)

    @property
    def is_gallery(self) -> bool:
        return self.stack.currentWidget() is self.gallery

    def show_samples(self, result: dict, dataset, rows: np.ndarray, title: str) -> None:
        """Shows rows of ``result["samples"]`` (most confident first) from `dataset`, at most `MAX_SHOWN`."""
        self.result, self.dataset = result, dataset
        samples = result["samples"]
        confidence = samples["probabilities"][rows, samples["predicted"][rows]]
        self.rows = np.asarray(rows)[np.argsort(-confidence, kind="stable")][:MAX_SHOWN]
        self.title.setText(title + (f" (showing {MAX_SHOWN})" if len(rows) > MAX_SHOWN else ""))
        self.large_image.clear()
        self.large_image.setVisible(dataset.kind == "image")
        self.large_text.setText("Click a sample to see it large." if len(self.rows) else "")
        if dataset.kind == "image":
            self._fill_gallery()
            self.stack.setCurrentWidget(self.gallery)
        else:
            self._fill_table()
            self.stack.setCurrentWidget(self.table)

    def _describe(self, r: int) -> tuple[int, int, int, np.ndarray]:
        samples = self.result["samples"]
        return (int(samples["indices"][r]), int(samples["true"][r]), int(samples["predicted"][r]),
                samples["probabilities"][r])

    def _fill_gallery(self) -> None:
        names = self.result["class_names"]
        self.gallery.blockSignals(True)
        self.gallery.clear()
        for r in self.rows:
            index, true, predicted, p = self._describe(int(r))
            item = QListWidgetItem(f"true {names[true]}\n→ {names[predicted]} ({p[predicted]:.0%})", self.gallery)
            icon = sample_icon(self.dataset, index)
            if icon is not None:
                item.setIcon(icon)
            top = np.argsort(-p)[:TOP_CLASSES]
            item.setToolTip(f"Sample #{index}. True class: {names[true]}.\nProbabilities: "
                            + ", ".join(f"{names[c]} {p[c]:.1%}" for c in top))
            item.setData(Qt.ItemDataRole.UserRole, int(r))
        self.gallery.blockSignals(False)

    def _fill_table(self) -> None:
        names = self.result["class_names"]
        indices = [self._describe(int(r))[0] for r in self.rows]
        columns, values = sample_values(self.dataset, indices)
        self.table.setSortingEnabled(False)
        self.table.clearContents()
        self.table.setColumnCount(4 + len(columns))
        self.table.setHorizontalHeaderLabels(["Sample", "True class", "Predicted", "Confidence", *columns])
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            index, true, predicted, p = self._describe(int(r))
            cells = [SortableItem(f"#{index}", index), SortableItem(names[true], names[true]),
                     SortableItem(names[predicted], names[predicted]),
                     SortableItem(f"{p[predicted]:.1%}", float(p[predicted]))]
            for text in values[i]:
                number = _number(text)
                cells.append(SortableItem(text, number if number is not None else text))
            cells[0].setData(Qt.ItemDataRole.UserRole, int(r))
            for j, cell in enumerate(cells):
                if j == 3 or (j >= 4 and isinstance(cell.key, float)):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, cell)
        self.table.setSortingEnabled(True)
        self.table.sortItems(3, Qt.SortOrder.DescendingOrder)

    def _gallery_choice(self, item, _previous=None) -> None:
        if item is not None:
            self.show_large(int(item.data(Qt.ItemDataRole.UserRole)))

    def _table_choice(self, row: int) -> None:
        item = self.table.item(row, 0) if row >= 0 else None
        if item is not None:
            self.show_large(int(item.data(Qt.ItemDataRole.UserRole)))

    def show_large(self, r: int) -> None:
        """Shows row `r` of ``result["samples"]`` large: the image, or every value of the row, with the classes."""
        names = [html.escape(n) for n in self.result["class_names"]]
        index, true, predicted, p = self._describe(r)
        top = np.argsort(-p)[:TOP_CLASSES]
        verdict = "right" if true == predicted else "wrong"
        lines = [f"<b>Sample #{index}</b> — {verdict}", f"True class: <b>{names[true]}</b>",
                 f"Predicted: <b>{names[predicted]}</b> ({p[predicted]:.1%} sure)",
                 "Probabilities: " + ", ".join(f"{names[c]} {p[c]:.1%}" for c in top)]
        if self.dataset.kind == "image":
            self.large_image.setPixmap(large_pixmap(self.dataset, index))
            files = getattr(self.dataset, "sample_files", None) or []
            if index < len(files):
                lines.append(f"File: {html.escape(Path(files[index]).name)}")
        else:
            self.large_image.clear()
            columns, values = sample_values(self.dataset, [index])
            lines.append("<br>".join(f"{html.escape(name)}: <b>{html.escape(value)}</b>"
                                     for name, value in zip(columns, values[0])))
        self.large_text.setText("<br>".join(lines))
        self.sample_chosen.emit(index)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
