"""The Export page's plot of the variants: test accuracy (or MAE) against file size, one labelled point each.

Variants that land on the same spot (INT8 dynamic and static often agree to the byte and the per cent) share one
label that names them all, instead of labels drawn over each other. Colours follow the application palette, so the
plot reads in a dark theme as in a light one.
"""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

COINCIDE_SHARE = 0.03  # points closer than this share of the axis span (on both axes) share a label


def merged_labels(points: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """(x, y, names) per group of points that lie on one spot (within `COINCIDE_SHARE` of both spans), the names
    one per line, in the order given."""
    if not points:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x_tol = COINCIDE_SHARE * max(max(xs) - min(xs), abs(max(xs)), 1e-9)
    y_tol = COINCIDE_SHARE * max(max(ys) - min(ys), 1.0)
    groups: list[list] = []  # [x, y, names]
    for x, y, name in points:
        for group in groups:
            if abs(group[0] - x) <= x_tol and abs(group[1] - y) <= y_tol:
                group[2].append(name)
                break
        else:
            groups.append([x, y, [name]])
    return [(x, y, "\n".join(names)) for x, y, names in groups]


def quality(record, split: str) -> tuple[str, float | None]:
    """(text, number) of a variant's main figure on a split: accuracy for classes, MAE for numbers."""
    figures = record.figures(split)
    if "accuracy" in figures:
        return f"{100 * figures['accuracy']:.1f}%", figures["accuracy"]
    if "mae" in figures:
        return f"MAE {figures['mae']:.4g}", figures["mae"]
    return "—", None


class VariantPlot(QWidget):
    """Accuracy (or MAE) against file size, one labelled point per variant (pyqtgraph, imported here lazily)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        import pyqtgraph as pg  # lazy

        self.pg = pg
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        palette = QApplication.palette()
        self.text_colour = palette.color(QPalette.ColorRole.Text)
        self.plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setPen(pg.mkPen(self.text_colour))
            self.plot.getAxis(axis).setTextPen(pg.mkPen(self.text_colour))
        self.plot.setMinimumHeight(180)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "File size (KB)")
        highlight = palette.color(QPalette.ColorRole.Highlight)
        self.scatter = pg.ScatterPlotItem(size=11, pen=pg.mkPen(self.text_colour), brush=pg.mkBrush(highlight))
        self.plot.addItem(self.scatter)
        self.labels: list = []
        layout.addWidget(self.plot)

    def show_variants(self, records: list) -> None:
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []
        points = []
        regression = False
        for r in records:
            text, value = quality(r, "test")
            if value is None:
                continue
            regression = text.startswith("MAE")
            y = value if regression else 100 * value
            points.append((r.size_bytes / 1024, y, r.name))
        self.plot.setLabel("left", "Test MAE (lower is better)" if regression else "Test accuracy (%)")
        self.scatter.setData([p[0] for p in points], [p[1] for p in points])
        for x, y, name in merged_labels(points):
            label = self.pg.TextItem(name, color=self.text_colour, anchor=(0, 1))
            label.setPos(x, y)
            self.plot.addItem(label)
            self.labels.append(label)
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            self.plot.setXRange(0, max(xs) * 1.3, padding=0)
            low, high = min(ys), max(ys)
            self.plot.setYRange(low - 0.1 * (high - low + 1), high + 0.15 * (high - low + 1), padding=0)
