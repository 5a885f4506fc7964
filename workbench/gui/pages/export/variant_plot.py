"""The Export page's plot of the variants: test accuracy (or MAE) against file size, one labelled point each."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget


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
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(180)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "File size (KB)")
        self.scatter = pg.ScatterPlotItem(size=11, pen=pg.mkPen("#1f4e79"), brush=pg.mkBrush("#4f81bd"))
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
        for x, y, name in points:
            label = self.pg.TextItem(name, color="#222", anchor=(0, 1))
            label.setPos(x, y)
            self.plot.addItem(label)
            self.labels.append(label)
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            self.plot.setXRange(0, max(xs) * 1.3, padding=0)
            low, high = min(ys), max(ys)
            self.plot.setYRange(low - 0.1 * (high - low + 1), high + 0.15 * (high - low + 1), padding=0)
