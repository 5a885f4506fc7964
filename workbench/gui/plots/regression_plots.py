"""`RegressionPlots`: predicted against true values (with the line where they are equal) and the residuals
(predicted minus true) against the predictions, in the target's own units."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

POINT = "#3d8bfd"
GUIDE = "#8a919c"


class RegressionPlots(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.scatter_plot = self.graphics.addPlot(row=0, col=0, title="Predicted against true")
        self.residual_plot = self.graphics.addPlot(row=0, col=1, title="Residuals")
        for plot in (self.scatter_plot, self.residual_plot):
            plot.showGrid(x=True, y=True, alpha=0.15)
        self.scatter = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(61, 139, 253, 150))
        self.scatter_plot.addItem(self.scatter)
        self.identity = self.scatter_plot.plot(pen=pg.mkPen(GUIDE, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.residuals = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(61, 139, 253, 150))
        self.residual_plot.addItem(self.residuals)
        self.zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(GUIDE, width=1.5,
                                                                 style=pg.QtCore.Qt.PenStyle.DashLine))
        self.residual_plot.addItem(self.zero)
        palette = QApplication.palette()
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for plot in (self.scatter_plot, self.residual_plot):
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(pg.mkPen(text))
                plot.getAxis(axis).setTextPen(pg.mkPen(text))

    def set_data(self, true: np.ndarray, predicted: np.ndarray, target: str, split_title: str) -> None:
        """One point per sample (the first output when there are several)."""
        t = np.asarray(true, dtype=np.float64).reshape(len(true), -1)[:, 0]
        p = np.asarray(predicted, dtype=np.float64).reshape(len(predicted), -1)[:, 0]
        self.scatter.setData(t, p)
        self.residuals.setData(p, p - t)
        if len(t):
            low, high = float(min(t.min(), p.min())), float(max(t.max(), p.max()))
            self.identity.setData([low, high], [low, high])
        name = target or "value"
        self.scatter_plot.setTitle(f"Predicted against true {name} ({split_title})")
        self.scatter_plot.setLabel("bottom", f"True {name}")
        self.scatter_plot.setLabel("left", f"Predicted {name}")
        self.residual_plot.setTitle(f"Residuals ({split_title}): predicted minus true")
        self.residual_plot.setLabel("bottom", f"Predicted {name}")
        self.residual_plot.setLabel("left", "Predicted − true")
