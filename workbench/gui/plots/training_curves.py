"""`TrainingCurves`: the live curves of a run — training loss per batch (raw and smoothed) with the validation loss,
the validation metric per epoch and the learning rate — plus earlier runs overlaid for comparison.

Points go into growing NumPy buffers as they arrive; a timer pushes the curves that changed to the plots every
100 ms (never per batch) with clipping to the view and peak downsampling, so a run of a million batches stays fluid.
The x axis is in epochs (batch k of n per epoch sits at (k + 1) / n). NaN shows as a gap.

The redraw interval adapts: it is 100 ms unless pushing the data and painting take more than 2 % of that, in which
case it stretches (up to 500 ms). Every millisecond the GUI thread spends in Python is a millisecond the training
thread waits for the interpreter lock when its batches are Python-bound (small models), so redraws are kept to 2 %
of the time (typically 3-5 per second while a small model trains, 10 per second when painting is cheap).
The x axis spans the planned epochs from the start (longer runs grow it in 1-2-5 steps) and the y ranges grow in
steps (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) instead of following every new point, so the axes
are redrawn a few times per run rather than at every refresh; once the user zooms or pans a plot, it is left as the
user set it.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem, QVBoxLayout, QWidget

from workbench.gui.plots.buffers import GrowingBuffer, exponential_smoothing

REFRESH_MS = 100
MAX_REFRESH_MS = 500
PLOT_SHARE = 0.02  # redraws may take at most this share of the GUI thread (a slow machine redraws less often)
MAX_SYMBOLS = 60  # epoch curves show a dot per epoch up to this many epochs
METRIC_TITLES = {"val_accuracy": "Validation accuracy", "val_r2": "Validation R²", "val_mae": "Validation MAE",
                 "val_rmse": "Validation RMSE", "val_f1_macro": "Validation F1"}
COLOURS = {"batch": "#3d8bfd", "val_loss": "#f08c2e", "metric": "#2f9e6e", "lr": "#8a5cd6", "overlay": "#8a919c"}
OVERLAY_STYLES = [pg.QtCore.Qt.PenStyle.DashLine, pg.QtCore.Qt.PenStyle.DotLine, pg.QtCore.Qt.PenStyle.DashDotLine]


def metric_key_for(task: str) -> str:
    return "val_r2" if task == "regression" else "val_accuracy"  # a multi-label run: its labels' accuracy


class _TimedGraphics(pg.GraphicsLayoutWidget):
    """The plot canvas, remembering how long its last paint took."""

    last_paint_s = 0.0

    def paintEvent(self, event):
        start = time.perf_counter()
        super().paintEvent(event)
        self.last_paint_s = time.perf_counter() - start


class TrainingCurves(QWidget):
    SERIES = ("batch_loss", "batch_loss_smoothed", "val_loss", "metric", "learning_rate")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.graphics = _TimedGraphics(self)
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
            plot.setLabel("bottom", "Epoch")
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            plot.disableAutoRange()
        self._manual: set = set()
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            plot.getViewBox().sigRangeChangedManually.connect(lambda *_, p=plot: self._manual.add(p))
        # one-pixel pens: wider lines cost the raster painter several times more on every redraw
        for plot, offset in ((self.loss_plot, (-10, 10)), (self.metric_plot, (-10, -10))):
            legend = plot.addLegend(offset=offset)
            legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.curves = {
            "batch_loss": self.loss_plot.plot(pen=pg.mkPen(_alpha(COLOURS["batch"], 70), width=1),
                                              name="Training loss (each batch)", connect="finite"),
            "batch_loss_smoothed": self.loss_plot.plot(pen=pg.mkPen(COLOURS["batch"], width=1),
                                                       name="Training loss (smoothed)", connect="finite"),
            "val_loss": self.loss_plot.plot(pen=pg.mkPen(COLOURS["val_loss"], width=1), symbol="o", symbolSize=5,
                                            symbolBrush=COLOURS["val_loss"], symbolPen=None,
                                            name="Validation loss", connect="finite"),
            "metric": self.metric_plot.plot(pen=pg.mkPen(COLOURS["metric"], width=1), symbol="o", symbolSize=5,
                                            symbolBrush=COLOURS["metric"], symbolPen=None, connect="finite"),
            "learning_rate": self.lr_plot.plot(pen=pg.mkPen(COLOURS["lr"], width=1), connect="finite"),
        }
        self.buffers = {name: GrowingBuffer() for name in self.SERIES}
        self.overlay_items: list = []
        self.batches_per_epoch = 1
        self.metric_key = "val_accuracy"
        self._smooth_state = None
        self._alpha = 0.1
        self._changed: set[str] = set()
        self.epochs = None
        self._x_limit = 0.0
        self._loss_low = 0.0
        self._loss_high = 0.0
        self._y_limits: dict = {}
        self.refresh_count = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.apply_theme()

    # --- feeding ------------------------------------------------------------------------------------------------

    def start_run(self, batches_per_epoch: int, task: str, epochs: int | None = None, classes: int = 0) -> None:
        """Clears the curves for a new run of up to `epochs` epochs and starts the redraw timer. With the number of
        `classes`, the loss axis starts where an untrained classifier's loss (ln classes) fits, so it need not be
        redrawn when the first losses arrive."""
        for buffer in self.buffers.values():
            buffer.clear()
        self.epochs = epochs
        self._x_limit = 0.0
        self._loss_low = self._loss_high = 0.0
        self._y_limits = {}
        self._manual = set()
        for name in ("val_loss", "metric"):
            self.curves[name].setSymbol("o")
        self.batches_per_epoch = max(1, batches_per_epoch)
        # smooth over about half an epoch, within 10..500 batches
        span = min(500, max(10, batches_per_epoch // 2))
        self._alpha = 2.0 / (span + 1)
        self._smooth_state = None
        self.set_task(task)
        if task == "classification" and classes > 1:
            self._loss_high = float(np.log(classes))
        self._changed = set(self.SERIES)
        self._grow_ranges()
        self.timer.start()

    def continue_run(self) -> None:
        """Goes on live after `show_record` (a resumed run adds to its saved curves)."""
        self._changed = set(self.SERIES)
        self.timer.start()

    def set_task(self, task: str) -> None:
        self.metric_key = metric_key_for(task)
        # a multi-label run's accuracy is the share of its labels right (as the Evaluate page calls it)
        self.metric_plot.setTitle("Validation labels right" if task == "multilabel" else METRIC_TITLES[self.metric_key])

    def add_batches(self, first_step: int, losses: np.ndarray, learning_rate: float | None = None) -> None:
        if not len(losses):
            return
        steps = np.arange(first_step, first_step + len(losses), dtype=np.float64)
        x = (steps + 1) / self.batches_per_epoch
        self.buffers["batch_loss"].append(x, losses)
        smoothed, self._smooth_state = exponential_smoothing(np.asarray(losses, np.float64), self._alpha,
                                                             self._smooth_state)
        self.buffers["batch_loss_smoothed"].append(x, smoothed)
        self._changed.update(("batch_loss", "batch_loss_smoothed"))
        self._include_loss(smoothed)
        if learning_rate is not None:  # the rate held from the chunk's first batch to its last
            self._add_rate(float(x[0]), learning_rate)
            self._add_rate(float(x[-1]), learning_rate)

    def _add_rate(self, x: float, rate: float) -> None:
        """Keeps a learning-rate point when the rate changed or an epoch passed (a constant rate stays cheap); a
        point behind the curve's end (an epoch's rate after the batches that followed it) is already drawn."""
        last = self.buffers["learning_rate"].last()
        if last is not None and x < last[0]:
            return
        if last is None or x - last[0] >= 1.0 or abs(rate - last[1]) > 1e-6 * max(abs(rate), 1e-12):
            self.buffers["learning_rate"].append(x, rate)
            self._changed.add("learning_rate")

    def add_epoch(self, epoch: int, metrics: dict) -> None:
        x = epoch + 1
        if "val_loss" in metrics:
            self.buffers["val_loss"].append(x, metrics["val_loss"])
            self._changed.add("val_loss")
            self._include_loss(np.array([metrics["val_loss"]]))
        if self.metric_key in metrics:
            self.buffers["metric"].append(x, metrics[self.metric_key])
            self._changed.add("metric")
        if len(self.buffers["val_loss"]) == MAX_SYMBOLS + 1:  # past this many epochs, dots only clutter
            for name in ("val_loss", "metric"):
                self.curves[name].setSymbol(None)
        if "lr" in metrics:  # the rate the epoch trained with: held from its start to its end
            self._add_rate(float(epoch), metrics["lr"])
            self._add_rate(float(x), metrics["lr"])

    def finish(self) -> None:
        self.timer.stop()
        self.refresh()

    def refresh(self) -> None:
        """Pushes the curves that changed to the plots (called by the timer; free when nothing changed)."""
        if not self._changed:
            return
        start = time.perf_counter()
        changed, self._changed = self._changed, set()
        self._grow_ranges()
        for name in changed:
            buffer = self.buffers[name]
            self.curves[name].setData(buffer.x, buffer.y)
        self.refresh_count += 1
        cost = time.perf_counter() - start + self.graphics.last_paint_s
        interval = min(MAX_REFRESH_MS, max(REFRESH_MS, int(1000 * cost / PLOT_SHARE)))
        if interval != self.timer.interval():
            self.timer.setInterval(interval)

    def _include_loss(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if finite.size:
            self._loss_low = min(self._loss_low, float(finite.min()))
            self._loss_high = max(self._loss_high, float(finite.max()))

    def _grow_ranges(self) -> None:
        """Widens the x range (all plots) and the y ranges in steps when the data outgrows them."""
        last_x = max((b.last()[0] for b in self.buffers.values() if len(b)), default=0.0)
        if last_x > self._x_limit or not self._x_limit:
            if self.epochs and self.epochs >= last_x and self.epochs <= FULL_RUN_EPOCHS:
                self._x_limit = float(self.epochs)  # the whole run from the start: the axis never moves
            else:
                self._x_limit = coarse_ceiling(max(last_x, 0.8) * 1.25)  # one epoch at least, also when empty
            for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
                if plot not in self._manual:
                    plot.setXRange(0, self._x_limit, padding=0.02)
        low = -nice_ceiling(-self._loss_low * 1.1) if self._loss_low < 0 else 0.0
        high = nice_ceiling(self._loss_high * 1.1) if self._loss_high > 0 else 1.0
        self._set_y(self.loss_plot, low, high)
        metric = self.buffers["metric"].y
        metric = metric[np.isfinite(metric)]
        if metric.size:  # accuracy and R² are at most 1; R² can start far below 0
            low = -nice_ceiling(-float(metric.min())) if metric.min() < 0 else 0.0
            self._set_y(self.metric_plot, low, max(1.0, nice_ceiling(float(metric.max()))))
        rates = self.buffers["learning_rate"].y
        rates = rates[np.isfinite(rates) & (rates > 0)]
        if rates.size:  # from 0, so that schedules read as shares of the starting rate
            self._set_y(self.lr_plot, 0.0, nice_ceiling(float(rates.max()) * 1.1))

    def _set_y(self, plot, low: float, high: float) -> None:
        if self._y_limits.get(plot) != (low, high) and plot not in self._manual:
            self._y_limits[plot] = (low, high)
            plot.setYRange(low, high, padding=0.02)

    def show_record(self, record) -> None:
        """Shows a finished run's saved curves (a `RunRecord`; its batch losses are averaged, see `curves_of`)."""
        curves = record.curves
        task = ("regression" if any("val_mae" in r for r in curves.epochs) else
                "multilabel" if any("val_exact_match" in r for r in curves.epochs) else "classification")
        self.start_run(curves.batches_per_epoch or 1, task, record.epochs_done or None)
        self.timer.stop()
        steps = np.asarray(curves.batch_step, dtype=np.float64)
        losses = np.asarray(curves.batch_loss, dtype=np.float64)
        x = (steps + 1) / self.batches_per_epoch
        self.buffers["batch_loss"].append(x, losses)
        smoothed, _ = exponential_smoothing(losses, self._alpha, None)
        self.buffers["batch_loss_smoothed"].append(x, smoothed)
        for row in curves.epochs:
            self.add_epoch(row["epoch"], row)
        self._include_loss(smoothed)
        self._changed = set(self.SERIES)
        self.refresh()

    # --- comparison -------------------------------------------------------------------------------------------

    def set_overlays(self, records: list) -> None:
        """Draws earlier runs (validation loss and metric per epoch) as muted dashed lines."""
        for plot, item in self.overlay_items:
            plot.removeItem(item)
        self.overlay_items = []
        for i, record in enumerate(records):
            rows = record.curves.epochs
            if not rows:
                continue
            style = OVERLAY_STYLES[i % len(OVERLAY_STYLES)]
            pen = pg.mkPen(COLOURS["overlay"], width=1.5, style=style)
            x = np.array([r["epoch"] + 1 for r in rows], dtype=np.float64)
            name = record.title
            for plot, key in ((self.loss_plot, "val_loss"), (self.metric_plot, self.metric_key)):
                y = np.array([r.get(key, np.nan) for r in rows], dtype=np.float64)
                if np.isfinite(y).any():
                    item = plot.plot(x, y, pen=pen, name=f"{name}: {'validation loss' if key == 'val_loss' else 'metric'}",
                                     connect="finite")
                    self.overlay_items.append((plot, item))

    # --- export -----------------------------------------------------------------------------------------------

    def export_png(self, path: str | Path) -> Path:
        from pyqtgraph.exporters import ImageExporter  # lazy

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


NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
FULL_RUN_EPOCHS = 1000  # up to this many planned epochs, the x axis spans the whole run from the start


def coarse_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 (times a power of ten) that is at least `value` (> 0)."""
    exponent = np.floor(np.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * 10 ** exponent >= value * (1 - 1e-12):
            return float(step * 10 ** exponent)
    return float(10 ** (exponent + 1))


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (times a power of ten) that is at least `value` (> 0)."""
    if value <= 0 or not np.isfinite(value):
        return 1.0
    exponent = np.floor(np.log10(value))
    for step in NICE_STEPS:
        if step * 10 ** exponent >= value * (1 - 1e-12):
            return float(step * 10 ** exponent)
    return float(10 ** (exponent + 1))


def _alpha(colour: str, alpha: int) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c
