"""`ConfusionMatrixView`: the confusion matrix as a heatmap with counts, rows labelled "True class" and columns
"Predicted class", coloured by the share of each true class (so rare classes read as clearly as common ones).
Clicking a cell emits `cell_clicked(true_index, predicted_index)`; the chosen cell is outlined.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

LOW = QColor("#f3f6fb")
HIGH = QColor("#1f5fbf")
WRONG_HIGH = QColor("#d0583c")


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    t = min(max(t, 0.0), 1.0)
    return QColor(int(a.red() + (b.red() - a.red()) * t), int(a.green() + (b.green() - a.green()) * t),
                  int(a.blue() + (b.blue() - a.blue()) * t))


class ConfusionMatrixView(QWidget):
    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.names: list[str] = []
        self.selected: tuple[int, int] | None = None
        self.setMinimumSize(260, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def set_matrix(self, matrix, class_names: list[str]) -> None:
        self.matrix = np.asarray(matrix, dtype=np.int64)
        self.names = [str(n) for n in class_names]
        self.selected = None
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(460, 440)

    # --- geometry --------------------------------------------------------------------------------------------

    def _label_width(self, metrics: QFontMetrics) -> int:
        widest = max((metrics.horizontalAdvance(n) for n in self.names), default=0)
        return min(widest + 8, 140)

    def _column_labels_height(self, metrics: QFontMetrics) -> int:
        return self._label_width(metrics) if len(self.matrix) > 12 else metrics.height() + 4

    def _grid(self) -> tuple[QRectF, float]:
        """The rectangle of the cells and the side of one cell."""
        k = max(len(self.matrix), 1)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        left = line + 6 + self._label_width(metrics)  # rotated title, then class names
        top = 6
        bottom = self._column_labels_height(metrics) + line + 8  # class names, then the title
        side = max(4.0, min((self.width() - left - 8) / k, (self.height() - top - bottom - 8) / k))
        return QRectF(left, top, side * k, side * k), side

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        grid, side = self._grid()
        if not grid.contains(x, y) or not len(self.matrix):
            return None
        return int((y - grid.top()) // side), int((x - grid.left()) // side)

    # --- events -----------------------------------------------------------------------------------------------

    def mousePressEvent(self, event):
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.selected = cell
            self.update()
            self.cell_clicked.emit(*cell)

    def mouseMoveEvent(self, event):
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is None:
            self.setToolTip("")
            return
        t, p = cell
        count = int(self.matrix[t, p])
        total = int(self.matrix[t].sum())
        share = f" ({count / total:.0%} of true '{self.names[t]}')" if total else ""
        self.setToolTip(f"True class '{self.names[t]}', predicted '{self.names[p]}': {count} sample"
                        f"{'s' if count != 1 else ''}{share}. Click to see them.")

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        k = len(self.matrix)
        if not k:
            painter.setPen(text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No results yet.")
            return
        grid, side = self._grid()
        metrics = QFontMetrics(self.font())
        rows = self.matrix.sum(axis=1, keepdims=True)
        share = np.divide(self.matrix, rows, out=np.zeros(self.matrix.shape), where=rows > 0)
        count_font = QFont(self.font())
        count_font.setPointSizeF(max(6.0, min(self.font().pointSizeF(), side / 3.2)))
        for t in range(k):
            for p in range(k):
                cell = QRectF(grid.left() + p * side, grid.top() + t * side, side, side)
                colour = _mix(LOW, HIGH if t == p else WRONG_HIGH, share[t, p] ** 0.6 if share[t, p] else 0.0)
                painter.fillRect(cell.adjusted(0.5, 0.5, -0.5, -0.5), colour)
                if side >= 16 and self.matrix[t, p]:
                    painter.setFont(count_font)
                    painter.setPen(QColor("white") if colour.lightness() < 140 else QColor("#1d2025"))
                    painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, str(int(self.matrix[t, p])))
        if self.selected is not None:
            t, p = self.selected
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(grid.left() + p * side, grid.top() + t * side, side, side))

        painter.setFont(self.font())
        painter.setPen(text)
        names_width = self._label_width(metrics)
        step = max(1, int(np.ceil(metrics.height() / side)))  # skip labels that would overlap
        for i in range(0, k, step):
            name = metrics.elidedText(self.names[i], Qt.TextElideMode.ElideRight, names_width - 6)
            row = QRectF(grid.left() - names_width, grid.top() + i * side, names_width - 6, side)
            painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            if k > 12:  # rotated column labels
                painter.save()
                painter.translate(grid.left() + (i + 0.5) * side, grid.bottom() + 4)
                painter.rotate(90)
                painter.drawText(QRectF(0, -metrics.height() / 2, names_width, metrics.height()),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
                painter.restore()
            else:
                painter.drawText(QRectF(grid.left() + i * side, grid.bottom() + 2, side, metrics.height()),
                                 Qt.AlignmentFlag.AlignCenter, name)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        title_top = grid.bottom() + self._column_labels_height(metrics) + 2
        painter.drawText(QRectF(grid.left(), title_top, grid.width(), metrics.height() + 2),
                         Qt.AlignmentFlag.AlignCenter, "Predicted class")
        painter.save()
        painter.translate(2, grid.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-grid.height() / 2, 0, grid.height(), metrics.height() + 2),
                         Qt.AlignmentFlag.AlignCenter, "True class")
        painter.restore()
