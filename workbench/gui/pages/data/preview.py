"""The Data page's preview of imported data: samples with their labels, the class balance, statistics, the
per-column report, the skipped files and the split sizes.

Everything shown comes from `workbench.core.data.preview` (computed in the import's worker) and the `Dataset`
itself; the widgets here only draw. Images are drawn from the uint8 cache as QImages, the class balance and the
target histogram with plain QPainter.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QListWidget, QScrollArea, QSizePolicy, QSplitter,
                               QStackedWidget, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

PART_COLOURS = {"train": QColor("#3b82c4"), "val": QColor("#e0a030"), "test": QColor("#5aa469")}
PART_NAMES = {"train": "training", "val": "validation", "test": "test"}
MAX_BARS = 40
MAX_STAT_ROWS = 500
RIGHT_MIDDLE = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def to_qimage(pixels: np.ndarray) -> QImage:
    """A uint8 (H, W) grayscale or (H, W, 3) RGB array as a QImage that owns its pixels."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()


def format_number(value: float) -> str:
    """A cell's number in at most 4 significant digits; a zero that rounding left negative reads "0", not "-0"."""
    value = value + 0.0  # -0.0 becomes 0.0
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"


class ImageGrid(QWidget):
    """Sample images in rows, each drawn large enough to see (small images keep sharp pixels) over its label."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.images: list[QImage] = []
        self.labels: list[str] = []
        self.cell = QSize(80, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

    def set_images(self, images: list[QImage], labels: list[str]) -> None:
        self.images, self.labels = images, labels
        side = 72
        if images:
            largest = max(max(img.width(), img.height()) for img in images)
            side = max(56, min(128, largest if largest > 56 else (72 // largest) * largest))
        self.cell = QSize(side + 12, side + self.fontMetrics().height() + 14)
        self._update_height()
        self.update()

    def columns(self) -> int:
        return max(1, self.width() // self.cell.width())

    def _update_height(self) -> None:
        rows = -(-len(self.images) // self.columns()) if self.images else 0
        self.setMinimumHeight(rows * self.cell.height())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._update_height()

    def sizeHint(self) -> QSize:
        return QSize(8 * self.cell.width(), 3 * self.cell.height())

    def paintEvent(self, event):
        painter = QPainter(self)
        columns = self.columns()
        side = self.cell.width() - 12
        text_colour = self.palette().color(QPalette.ColorRole.WindowText)
        for i, (image, label) in enumerate(zip(self.images, self.labels)):
            x = (i % columns) * self.cell.width() + 6
            y = (i // columns) * self.cell.height() + 4
            scale = side / max(image.width(), image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF(x + (side - w) / 2, y + (side - h) / 2, w, h)
            smooth = max(image.width(), image.height()) > side // 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawImage(target, image)
            painter.setPen(QColor(128, 128, 128, 90))
            painter.drawRect(target)
            painter.setPen(text_colour)
            text_rect = QRectF(x - 4, y + side + 2, side + 8, self.fontMetrics().height() + 4)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter,
                             self.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, side + 8))


class BalanceChart(QWidget):
    """Horizontal bars of samples per class, split into training / validation / test; or, for regression, a
    histogram of the target."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.names: list[str] = []
        self.counts: dict[str, list[int]] = {}
        self.histogram: tuple[list[float], list[int]] | None = None
        self.hidden_classes = 0
        self.setMinimumWidth(200)

    def set_class_counts(self, names: list[str], counts: dict[str, list[int]]) -> None:
        totals = [sum(counts[p][k] for p in counts) for k in range(len(names))]
        order = sorted(range(len(names)), key=lambda k: -totals[k]) if len(names) > MAX_BARS else range(len(names))
        shown = list(order)[:MAX_BARS]
        self.names = [names[k] for k in shown]
        self.counts = {part: [counts[part][k] for k in shown] for part in ("train", "val", "test") if part in counts}
        self.hidden_classes = len(names) - len(shown)
        self.histogram = None
        self.setMinimumHeight(self._row_height() * (len(self.names) + 2) + 10)
        self.update()

    def set_histogram(self, edges: list[float], counts: list[int]) -> None:
        self.histogram = (edges, counts)
        self.names, self.counts, self.hidden_classes = [], {}, 0
        self.setMinimumHeight(180)
        self.update()

    def totals(self) -> list[int]:
        return [sum(self.counts[p][k] for p in self.counts) for k in range(len(self.names))]

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 6

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        if self.histogram is not None:
            self._paint_histogram(painter, text)
        elif self.names:
            self._paint_bars(painter, text)

    def _paint_bars(self, painter: QPainter, text: QColor) -> None:
        metrics = self.fontMetrics()
        row = self._row_height()
        label_w = min(max(metrics.horizontalAdvance(n) for n in self.names) + 8, self.width() // 3)
        totals = self.totals()
        count_w = metrics.horizontalAdvance(f"{max(totals):,}") + 8
        bar_w = max(10, self.width() - label_w - count_w - 8)
        peak = max(max(totals), 1)
        for k, name in enumerate(self.names):
            y = k * row + 2
            painter.setPen(text)
            painter.drawText(QRectF(0, y, label_w - 6, row), RIGHT_MIDDLE,
                             metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_w - 6))
            x = float(label_w)
            painter.setPen(Qt.PenStyle.NoPen)
            for part, values in self.counts.items():
                w = bar_w * values[k] / peak
                painter.setBrush(PART_COLOURS[part])
                painter.drawRect(QRectF(x, y + 3, w, row - 6))
                x += w
            painter.setPen(text)
            painter.drawText(QRectF(x + 4, y, count_w, row), Qt.AlignmentFlag.AlignVCenter, f"{totals[k]:,}")
        y = len(self.names) * row + 6
        if self.hidden_classes:
            painter.drawText(QRectF(0, y, self.width(), row), Qt.AlignmentFlag.AlignLeft,
                             f"… and {self.hidden_classes:,} smaller classes")
            y += row
        self._paint_legend(painter, text, y)

    def _paint_legend(self, painter: QPainter, text: QColor, y: float) -> None:
        x = 4.0
        metrics = self.fontMetrics()
        for part in self.counts:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PART_COLOURS[part])
            painter.drawRect(QRectF(x, y + 4, 10, 10))
            painter.setPen(text)
            painter.drawText(QRectF(x + 14, y, 200, 18), Qt.AlignmentFlag.AlignVCenter, PART_NAMES[part])
            x += 24 + metrics.horizontalAdvance(PART_NAMES[part])

    def _paint_histogram(self, painter: QPainter, text: QColor) -> None:
        edges, counts = self.histogram
        if not counts:
            return
        metrics = self.fontMetrics()
        bottom = self.height() - metrics.height() - 8
        peak = max(max(counts), 1)
        width = (self.width() - 8) / len(counts)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PART_COLOURS["train"])
        for i, count in enumerate(counts):
            h = (bottom - 6) * count / peak
            painter.drawRect(QRectF(4 + i * width + 1, bottom - h, width - 2, h))
        painter.setPen(text)
        painter.drawText(QRectF(4, bottom + 4, self.width() / 2, metrics.height()), Qt.AlignmentFlag.AlignLeft,
                         format_number(edges[0]))
        painter.drawText(QRectF(self.width() / 2, bottom + 4, self.width() / 2 - 4, metrics.height()),
                         Qt.AlignmentFlag.AlignRight, format_number(edges[-1]))


def _read_only_table(parent: QWidget) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    return table


def _fill_table(table: QTableWidget, headers: list[str], rows: list[list]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = format_number(value) if isinstance(value, float) else str(value)
            item = QTableWidgetItem(text)
            if isinstance(value, (int, float)):
                item.setTextAlignment(RIGHT_MIDDLE)
            table.setItem(r, c, item)


class DatasetPreview(QWidget):
    """What a dataset holds: header with sizes, samples, class balance, and tabs with statistics and reports."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.samples = QStackedWidget(self)
        self.placeholder = QLabel("Choose a built-in dataset or open a file: its samples, class balance and "
                                  "statistics appear here.", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.images = ImageGrid(self)
        image_scroll = QScrollArea(self)
        image_scroll.setWidget(self.images)
        image_scroll.setWidgetResizable(True)
        self.table = _read_only_table(self)
        for widget in (self.placeholder, image_scroll, self.table):
            self.samples.addWidget(widget)
        self._image_page = image_scroll

        self.balance_title = QLabel(self)
        self.balance = BalanceChart(self)
        balance_scroll = QScrollArea(self)
        balance_scroll.setWidget(self.balance)
        balance_scroll.setWidgetResizable(True)
        balance_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        balance_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        balance_box = QWidget(self)
        balance_layout = QVBoxLayout(balance_box)
        balance_layout.setContentsMargins(6, 0, 0, 0)
        balance_layout.addWidget(self.balance_title)
        balance_layout.addWidget(balance_scroll, 1)
        self.balance_box = balance_box

        self.tabs = QTabWidget(self)
        self.stats = _read_only_table(self)
        self.report = QListWidget(self)
        self.report.setWordWrap(True)
        self.skipped = QListWidget(self)
        self.tabs.addTab(self.report, "Report")
        self.tabs.addTab(self.stats, "Statistics")
        self.tabs.addTab(self.skipped, "Skipped files")

        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.samples)
        top.addWidget(balance_box)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([700, 320])
        body = QSplitter(Qt.Orientation.Vertical, self)
        body.addWidget(top)
        body.addWidget(self.tabs)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([600, 220])
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(body, 1)
        self.clear()

    def clear(self, message: str | None = None) -> None:
        self.title.setText("<b>No data imported</b>")
        self.summary.setText("")
        if message:
            self.placeholder.setText(message)
        self.samples.setCurrentWidget(self.placeholder)
        self.balance_box.setVisible(False)
        self.tabs.setVisible(False)
        self.dataset = None

    def show_dataset(self, dataset, preview: dict) -> None:
        self.dataset = dataset
        self.title.setText(f"<b>{dataset.name}</b>" + (f" — {dataset.description}" if dataset.description else ""))
        self.summary.setText(self._summary(dataset, preview))
        kind = preview["kind"]
        if kind == "image":
            self.images.set_images([to_qimage(img) for img in preview["images"]], preview["labels"])
            self.samples.setCurrentWidget(self._image_page)
        else:
            headers, rows = self._rows(preview)
            _fill_table(self.table, headers, rows)
            first_mode = QHeaderView.ResizeMode.Stretch if kind == "text" else QHeaderView.ResizeMode.ResizeToContents
            self.table.horizontalHeader().setSectionResizeMode(0, first_mode)
            self.samples.setCurrentWidget(self.table)
        self.balance_box.setVisible(True)
        if "class_counts" in preview:
            counts = preview["class_counts"]
            self.balance_title.setText(f"<b>Class balance</b> ({len(counts['names'])} classes)")
            self.balance.set_class_counts(counts["names"], {p: counts[p] for p in ("train", "val", "test")
                                                            if p in counts})
        else:
            self.balance_title.setText("<b>Target values</b> (training split)")
            hist = preview["target_histogram"]
            self.balance.set_histogram(hist["edges"], hist["counts"])
        stats = preview["stats"][:MAX_STAT_ROWS]
        first = "Channel" if kind == "image" else "Feature"
        _fill_table(self.stats, [first, "Mean", "Spread", "Min", "Max"],
                    [[s["name"], s["mean"], s["std"], s["min"], s["max"]] for s in stats])
        self.report.clear()
        self.report.addItems(preview["report"])
        self.skipped.clear()
        self.skipped.addItems(dataset.skipped)
        self.tabs.setTabText(self.tabs.indexOf(self.report), f"Report ({len(preview['report'])})")
        self.tabs.setTabVisible(self.tabs.indexOf(self.skipped), bool(dataset.skipped))
        self.tabs.setTabText(self.tabs.indexOf(self.skipped), f"Skipped files ({len(dataset.skipped)})")
        self.tabs.setVisible(True)

    @staticmethod
    def _summary(dataset, preview: dict) -> str:
        sizes = preview["sizes"]
        if dataset.input_dtype == "int":
            inputs = f"{dataset.input_shape[0]:,} token ids per sample"
        elif len(dataset.input_shape) == 1:
            inputs = f"{dataset.input_shape[0]:,} input{'s' if dataset.input_shape[0] != 1 else ''}"
        else:
            inputs = "input " + " × ".join(str(s) for s in dataset.input_shape)
            if dataset.kind == "image":
                inputs += " (channels × height × width)"
        if dataset.task == "classification":
            task = f"classification into {dataset.num_classes} classes"
        elif dataset.task == "multilabel":
            task = f"multi-label ({dataset.output_size} labels, any number per sample)"
        else:
            task = f"regression ({dataset.output_size} number{'s' if dataset.output_size != 1 else ''})"
        vocab = f" · vocabulary {dataset.vocab_size:,}" if dataset.vocab_size else ""
        return (f"{sizes['total']:,} samples · {inputs}{vocab} · {task} · split "
                f"{sizes.get('train', 0):,} training / {sizes.get('val', 0):,} validation / "
                f"{sizes.get('test', 0):,} test")

    @staticmethod
    def _rows(preview: dict) -> tuple[list[str], list[list]]:
        label = {"classification": "→ label", "multilabel": "→ labels"}.get(preview["task"], "→ target")
        labels = preview["labels"]
        if preview["kind"] == "table":
            return list(preview["columns"]) + [label], [row + [lab] for row, lab in zip(preview["rows"], labels)]
        if preview["kind"] == "text":
            return ["Text (as the network sees its tokens)", label], [[t, lab] for t, lab in
                                                                     zip(preview["texts"], labels)]
        arrays = preview["arrays"].reshape(len(labels), -1)
        width = min(arrays.shape[1], 12)
        headers = [f"x[{j}]" for j in range(width)] + (["…"] if arrays.shape[1] > width else []) + [label]
        rows = [[float(v) for v in row[:width]] + (["…"] if arrays.shape[1] > width else []) + [lab]
                for row, lab in zip(arrays, labels)]
        return headers, rows

    def sample_count(self) -> int:
        if self.samples.currentWidget() is self._image_page:
            return len(self.images.images)
        return self.table.rowCount() if self.samples.currentWidget() is self.table else 0
