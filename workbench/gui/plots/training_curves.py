"""`TrainingCurves`: the live curves of a run — training loss per batch (raw and smoothed) with the validation loss,
the validation metric per epoch and the learning rate — plus earlier runs overlaid for comparison.

Points go into growing NumPy buffers as they arrive; a timer pushes them to the plots every 80 ms (never per batch)
with clipping to the view and peak downsampling, so a run of a million batches stays fluid. The x axis is in epochs
(batch k of n per epoch sits at (k + 1) / n). NaN shows as a gap.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from workbench.gui.plots.buffers import GrowingBuffer, exponential_smoothing

REFRESH_MS = 80
METRIC_TITLES = {"val_accuracy": "Validation accuracy", "val_r2": "Validation R²", "val_mae": "Validation MAE",
                 "val_rmse": "Validation RMSE", "val_f1_macro": "Validation F1"}
COLOURS = {"batch": "#3d8bfd", "val_loss": "#f08c2e", "metric": "#2f9e6e", "lr": "#8a5cd6", "overlay": "#8a919c"}
OVERLAY_STYLES = [pg.QtCore.Qt.PenStyle.DashLine, pg.QtCore.Qt.PenStyle.DotLine, pg.QtCore.Qt.PenStyle.DashDotLine]


def metric_key_for(task: str) -> str:
    return "val_accuracy" if task == "classification" else "val_r2"


class TrainingCurves(QWidget):
    SERIES = ("batch_loss", "batch_loss_smoothed", "val_loss", "metric", "learning_rate")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.loss_plot = self.graphics.addPlot(row=0, col=0, colspan=2, title="Loss")
        self.metric_plot = self.graphics.addPlot(row=1, col=0, title="Validation accuracy")
        self.lr_plot = self.graphics.addPlot(row=1, col=1, title="Learning rate")
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setLabel("bottom", "Epoch")
        self.lr_plot.setLogMode(y=True)  # rates span decades; a constant rate is a flat line
        self.loss_plot.addLegend(offset=(-10, 10))
        self.metric_plot.addLegend(offset=(-10, -10))
        self.curves = {
            "batch_loss": self.loss_plot.plot(pen=pg.mkPen(_alpha(COLOURS["batch"], 70), width=1),
                                              name="Training loss (each batch)", connect="finite"),
            "batch_loss_smoothed": self.loss_plot.plot(pen=pg.mkPen(COLOURS["batch"], width=2),
                                                       name="Training loss (smoothed)", connect="finite"),
            "val_loss": self.loss_plot.plot(pen=pg.mkPen(COLOURS["val_loss"], width=2), symbol="o", symbolSize=5,
                                            symbolBrush=COLOURS["val_loss"], symbolPen=None,
                                            name="Validation loss", connect="finite"),
            "metric": self.metric_plot.plot(pen=pg.mkPen(COLOURS["metric"], width=2), symbol="o", symbolSize=5,
                                            symbolBrush=COLOURS["metric"], symbolPen=None, connect="finite"),
            "learning_rate": self.lr_plot.plot(pen=pg.mkPen(COLOURS["lr"], width=2), connect="finite"),
        }
        self.buffers = {name: GrowingBuffer() for name in self.SERIES}
        self.overlay_items: list = []
        self.batches_per_epoch = 1
        self.metric_key = "val_accuracy"
        self._smooth_state = None
        self._alpha = 0.1
        self._dirty = False
        self.refresh_count = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.apply_theme()

    # --- feeding ------------------------------------------------------------------------------------------------

    def start_run(self, batches_per_epoch: int, task: str) -> None:
        """Clears the curves for a new run and starts the redraw timer."""
        for buffer in self.buffers.values():
            buffer.clear()
        self.batches_per_epoch = max(1, batches_per_epoch)
        # smooth over about half an epoch, within 10..500 batches
        span = min(500, max(10, batches_per_epoch // 2))
        self._alpha = 2.0 / (span + 1)
        self._smooth_state = None
        self.set_task(task)
        self._dirty = True
        self.timer.start()

    def continue_run(self) -> None:
        """Goes on live after `show_record` (a resumed run adds to its saved curves)."""
        self._dirty = True
        self.timer.start()

    def set_task(self, task: str) -> None:
        self.metric_key = metric_key_for(task)
        self.metric_plot.setTitle(METRIC_TITLES[self.metric_key])

    def add_batches(self, first_step: int, losses: np.ndarray, learning_rate: float | None = None) -> None:
        if not len(losses):
            return
        steps = np.arange(first_step, first_step + len(losses), dtype=np.float64)
        x = (steps + 1) / self.batches_per_epoch
        self.buffers["batch_loss"].append(x, losses)
        smoothed, self._smooth_state = exponential_smoothing(np.asarray(losses, np.float64), self._alpha,
                                                             self._smooth_state)
        self.buffers["batch_loss_smoothed"].append(x, smoothed)
        if learning_rate is not None:
            self.buffers["learning_rate"].append(x[-1], learning_rate)
        self._dirty = True

    def add_epoch(self, epoch: int, metrics: dict) -> None:
        x = epoch + 1
        if "val_loss" in metrics:
            self.buffers["val_loss"].append(x, metrics["val_loss"])
        if self.metric_key in metrics:
            self.buffers["metric"].append(x, metrics[self.metric_key])
        self._dirty = True

    def finish(self) -> None:
        self.timer.stop()
        self.refresh()

    def refresh(self) -> None:
        """Pushes the buffers to the plots (called by the timer; cheap when nothing changed)."""
        if not self._dirty:
            return
        self._dirty = False
        for name, buffer in self.buffers.items():
            self.curves[name].setData(buffer.x, buffer.y)
        self.refresh_count += 1

    def show_record(self, record: dict) -> None:
        """Shows a finished run's saved curves (its batch losses are averaged, see `curves_of`)."""
        curves = record.get("curves") or {}
        task = "regression" if any("val_mae" in r for r in curves.get("epochs", [])) else "classification"
        self.start_run(int(curves.get("batches_per_epoch") or 1), task)
        self.timer.stop()
        steps = np.asarray(curves.get("batch_step", []), dtype=np.float64)
        losses = np.asarray(curves.get("batch_loss", []), dtype=np.float64)
        x = (steps + 1) / self.batches_per_epoch
        self.buffers["batch_loss"].append(x, losses)
        smoothed, _ = exponential_smoothing(losses, self._alpha, None)
        self.buffers["batch_loss_smoothed"].append(x, smoothed)
        for row in curves.get("epochs", []):
            self.add_epoch(row["epoch"], row)
            if "lr" in row:
                self.buffers["learning_rate"].append(row["epoch"] + 1, row["lr"])
        self._dirty = True
        self.refresh()

    # --- comparison -------------------------------------------------------------------------------------------

    def set_overlays(self, records: list[dict]) -> None:
        """Draws earlier runs (validation loss and metric per epoch) as muted dashed lines."""
        for plot, item in self.overlay_items:
            plot.removeItem(item)
        self.overlay_items = []
        for i, record in enumerate(records):
            rows = (record.get("curves") or {}).get("epochs") or []
            if not rows:
                continue
            style = OVERLAY_STYLES[i % len(OVERLAY_STYLES)]
            pen = pg.mkPen(COLOURS["overlay"], width=1.5, style=style)
            x = np.array([r["epoch"] + 1 for r in rows], dtype=np.float64)
            name = record.get("name") or record.get("id")
            for plot, key in ((self.loss_plot, "val_loss"), (self.metric_plot, self.metric_key)):
                y = np.array([r.get(key, np.nan) for r in rows], dtype=np.float64)
                if np.isfinite(y).any():
                    item = plot.plot(x, y, pen=pen, name=f"{name}: {'validation loss' if key == 'val_loss' else 'metric'}",
                                     connect="finite")
                    self.overlay_items.append((plot, item))

    # --- export -----------------------------------------------------------------------------------------------

    def export_png(self, path: str | Path) -> Path:
        from pyqtgraph.exporters import ImageExporter

        self.refresh()
        path = Path(path)
        exporter = ImageExporter(self.graphics.scene())
        exporter.parameters()["width"] = max(800, self.graphics.width() * 2)
        exporter.export(str(path))
        return path

    def export_csv(self, path: str | Path) -> Path:
        """Every point of every curve of this run, one row each: series, epoch (x), value."""
        self.refresh()
        path = Path(path)
        names = {"metric": self.metric_key}
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["series", "epoch", "value"])
            for name, buffer in self.buffers.items():
                label = names.get(name, name)
                for x, y in zip(buffer.x.tolist(), buffer.y.tolist()):
                    writer.writerow([label, f"{x:.6g}", "" if not np.isfinite(y) else f"{y:.8g}"])
        return path

    # --- look -------------------------------------------------------------------------------------------------

    def apply_theme(self) -> None:
        palette = QApplication.palette()
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(pg.mkPen(text))
                plot.getAxis(axis).setTextPen(pg.mkPen(text))
            plot.titleLabel.setAttr("color", text.name())
            plot.setTitle(plot.titleLabel.text)


def _alpha(colour: str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c
