"""The live Pareto plot: one point per trial (validation error against cost), coloured by state, the front joined
by a line; clicking a point announces its trial number."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from workbench.core.search.settings import OBJECTIVE_TITLES
from workbench.core.search.trial import TrialResult, TrialState

STATE_COLOURS = {TrialState.COMPLETE: "#2e7d32", TrialState.PRUNED: "#f9a825", TrialState.INFEASIBLE: "#9e9e9e",
                 TrialState.DIVERGED: "#c62828", TrialState.OUT_OF_MEMORY: "#c62828", TrialState.FAILED: "#c62828",
                 TrialState.STOPPED: "#757575"}
FRONT_COLOUR = "#1565c0"
LOG_OBJECTIVES = ("params", "macs", "size")  # drawn on a log scale


class ParetoPlot(QWidget):
    trial_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        import pyqtgraph as pg  # lazy

        self.pg = pg
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("pareto_plot")
        self.plot.setMinimumHeight(200)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("left", "Validation error (%)")
        self.plot.addLegend(offset=(-10, 10))
        self.front_line = self.plot.plot([], [], pen=pg.mkPen(FRONT_COLOUR, width=2), name="Pareto front")
        self.scatter = pg.ScatterPlotItem(size=10, hoverable=True)
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.selected = pg.ScatterPlotItem(size=16, pen=pg.mkPen("#000", width=2), brush=None)
        self.plot.addItem(self.selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.points: list[TrialResult] = []  # the trials drawn, in the scatter's order

    def show_trials(self, trials: list[TrialResult], front: list[int], objective: str) -> None:
        self.plot.setLabel("bottom", OBJECTIVE_TITLES[objective].capitalize())
        self.plot.getAxis("bottom").setLogMode(objective in LOG_OBJECTIVES)  # x holds log10(cost) for these
        drawn = [t for t in trials if t.cost is not None and t.cost > 0]
        ys = [100 * t.error if t.error is not None else math.nan for t in drawn]
        top = max([y for y in ys if not math.isnan(y)], default=100.0)
        spots = []
        self.points = []
        for t, y in zip(drawn, ys):
            unmeasured = math.isnan(y)  # never trained (infeasible, failed): drawn along the top, hollow
            colour = STATE_COLOURS[t.state]
            spots.append({"pos": (self._x(t.cost, objective), top * 1.05 if unmeasured else y), "data": t.number,
                          "brush": None if unmeasured else self.pg.mkBrush(colour), "pen": self.pg.mkPen(colour),
                          "symbol": "x" if unmeasured else "o"})
            self.points.append(t)
        self.scatter.setData(spots)
        by_number = {t.number: t for t in trials}
        line = [by_number[n] for n in front if n in by_number]
        self.front_line.setData([self._x(t.cost, objective) for t in line], [100 * t.error for t in line])

    def select(self, trial: TrialResult | None, objective: str) -> None:
        if trial is None or trial.cost is None or trial.error is None:
            self.selected.setData([])
            return
        self.selected.setData([self._x(trial.cost, objective)], [100 * trial.error])

    @staticmethod
    def _x(cost: float, objective: str) -> float:
        return math.log10(cost) if objective in LOG_OBJECTIVES else cost

    def _clicked(self, _item, spots, *_) -> None:
        if len(spots):
            self.trial_clicked.emit(int(spots[0].data()))
