"""The Search page: the space editor and the search's settings on the left; Search, Pause and Stop; the live Pareto
plot, the table of trials and the chosen trial's network and curve on the right; and "Use this network".

The search runs in a worker on a snapshot of the project; each finished trial arrives as a signal and is drawn at
once. Pressing Search first stores the edited space in the project (one undo step). When the page opens, the trials
already stored in the project's study are read in a worker, so a stopped search shows where it was.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QScrollArea,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.core.errors import WorkbenchError
from workbench.core.graph.serialize import graph_from_dict
from workbench.core.project import actions
from workbench.core.project.search import trial_network
from workbench.core.search.runner import front_of
from workbench.core.search.trial import TrialResult, TrialState, describe_choices
from workbench.core.training.callbacks import RunControl
from workbench.gui.document.commands import SetValueCommand
from workbench.gui.pages.search.pareto_plot import ParetoPlot
from workbench.gui.pages.search.space_editor import SpaceEditor
from workbench.gui.pages.search.use_network import UseNetworkCommand
from workbench.gui.workers import Worker

TABLE_COLUMNS = ("Trial", "State", "Error", "Cost", "Time (s)", "What was chosen")
SEARCH_THREADS = 1


def search_job(control, project, base_dir, section, run_control):
    return actions.search_project(project, base_dir, section=section, control=run_control,
                                  on_trial=control.report_now, num_threads=SEARCH_THREADS)


def stored_job(control, project, base_dir):
    return actions.stored_search(project, base_dir)


def cost_text(cost: float | None, objective: str) -> str:
    if cost is None:
        return "—"
    if objective == "latency":
        return f"{cost:.3f} ms"
    if objective == "size":
        return f"{cost / 1024:.1f} KB"
    return f"{cost:,.0f}"


class SearchPage(QWidget):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.worker: Worker | None = None
        self.loader: Worker | None = None
        self.run_control: RunControl | None = None
        self.trials: dict[int, TrialResult] = {}
        self.objective = "params"
        self.limit: float | None = None
        self._searched_project = None

        self.editor = SpaceEditor(self)
        self.search_button = QPushButton("Search", self)
        self.search_button.setObjectName("search_button")
        self.search_button.setToolTip("Train one variation after another and show how error and cost trade off.")
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setObjectName("pause_button")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stop_button")
        self.stop_button.setToolTip("Stop after this batch; the trials so far are kept, and Search continues later.")
        self.search_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.status_label = QLabel("", self)
        self.status_label.setObjectName("search_status")
        self.status_label.setWordWrap(True)

        self.plot = ParetoPlot(self)
        self.plot.trial_clicked.connect(self.select_trial)
        self.table = QTableWidget(0, len(TABLE_COLUMNS), self)
        self.table.setObjectName("trials_table")
        self.table.setHorizontalHeaderLabels(TABLE_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.detail = QLabel("Choose a trial to see its network.", self)
        self.detail.setObjectName("trial_detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        import pyqtgraph as pg  # lazy

        self.curve = pg.PlotWidget(background="w")
        self.curve.setObjectName("trial_curve")
        self.curve.setMaximumHeight(150)
        self.curve.setLabel("bottom", "Epoch")
        self.curve.setLabel("left", "Validation error (%)")
        self.curve_line = self.curve.plot([], [], pen=pg.mkPen("#1565c0", width=2), symbol="o", symbolSize=5)
        self.use_button = QPushButton("Use this network", self)
        self.use_button.setObjectName("use_button")
        self.use_button.setToolTip("Make the chosen trial's network and training settings the project's, with its "
                                   "trained weights as a run (Undo takes it back).")
        self.use_button.clicked.connect(self.use_selected)

        buttons = QHBoxLayout()
        for button in (self.search_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.editor, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.status_label)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        detail_row = QHBoxLayout()
        detail_row.addWidget(self.detail, 1)
        detail_row.addWidget(self.curve, 1)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.plot, 2)
        right_layout.addWidget(self.table, 2)
        right_layout.addLayout(detail_row, 1)
        right_layout.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignRight)
        splitter = QSplitter(self)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        document.project_replaced.connect(self._project_replaced)
        self._project_replaced()

    # --- the project ------------------------------------------------------------------------------------------------

    def _project_replaced(self) -> None:
        if self.is_running:
            return
        project = self.document.project
        self.editor.set_project(project.graph, project.search)
        self.trials = {}
        self._show_trials()
        self._update_buttons()
        if project.search is not None:
            self.loader = Worker(stored_job, project.snapshot(), self.document.workspace_dir())
            self.loader.returned.connect(self._stored_arrived)
            self.loader.start()

    def _stored_arrived(self, report) -> None:
        if report is None or self.is_running:
            return
        self.trials = {t.number: t for t in report.trials}
        self.objective, self.limit = report.objective, report.limit
        self._show_trials()
        self.status_label.setText(report.message)

    # --- running ----------------------------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self.worker is not None

    def start(self) -> bool:
        if self.is_running:
            return False
        if not self.document.result.ok:
            self._say("The network has problems: fix them on the Design page first.")
            return False
        if self.document.project.dataset is None:
            self._say("Choose the data to search on first, on the Data page.")
            return False
        try:
            section = self.editor.section()
            section.space.check_against(self.document.project.graph)
            project = self.document.project
            if section != project.search:
                self.document.push(SetValueCommand("Set up the search", self._set_section, project.search, section))
        except WorkbenchError as err:
            self._say(str(err))
            return False
        if self.trials and (self.objective, self.limit) != (section.settings.objective, section.settings.limit):
            self.trials = {}
        self.objective, self.limit = section.settings.objective, section.settings.limit
        self.run_control = RunControl()
        self._searched_project = self.document.project
        self._say("Searching… each point on the plot is a trained trial.")
        self.worker = Worker(search_job, self.document.project.snapshot(), self.document.workspace_dir(), section,
                             self.run_control)
        self.worker.progress.connect(self._trial_arrived)
        self.worker.returned.connect(self._returned)
        self.worker.errored.connect(lambda message, _details: self._say(message))
        self.worker.finished.connect(self._finished)
        self._update_buttons()
        self.worker.start()
        return True

    def _set_section(self, section) -> None:
        self.document.project.search = section

    def toggle_pause(self) -> None:
        if self.run_control is None:
            return
        if self.run_control.paused:
            self.run_control.resume()
            self.pause_button.setText("Pause")
            self._say("Searching…")
        else:
            self.run_control.pause()
            self.pause_button.setText("Resume")
            self._say("Paused: Resume goes on with this trial.")

    def stop(self) -> None:
        if self.run_control is not None:
            self.run_control.stop()
            self._say("Stopping after this batch…")

    def _trial_arrived(self, result: TrialResult) -> None:
        if self.document.project is not self._searched_project:
            return
        self.trials[result.number] = result
        self._show_trials()
        done = len([t for t in self.trials.values() if t.state.counted])
        self._say(f"Trial {result.number} {result.state.title}. {done} of {self.editor.trials.value()} trials done.")

    def _returned(self, report) -> None:
        if self.document.project is not self._searched_project:
            return
        self.trials = {t.number: t for t in report.trials}
        self._show_trials()
        self._say(report.message)

    def _finished(self) -> None:
        self.worker = None
        self.run_control = None
        self.pause_button.setText("Pause")
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.is_running
        self.search_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.editor.setEnabled(not running)
        trial = self.selected_trial()
        self.use_button.setEnabled(trial is not None and trial.run is not None
                                   and trial.state in (TrialState.COMPLETE, TrialState.PRUNED))

    def _say(self, text: str) -> None:
        self.status_label.setText(text)

    # --- trials -----------------------------------------------------------------------------------------------------

    def front(self) -> list[int]:
        return front_of(sorted(self.trials.values(), key=lambda t: t.number), self.limit)

    def _show_trials(self) -> None:
        trials = sorted(self.trials.values(), key=lambda t: t.number)
        front = set(self.front())
        self.plot.show_trials(trials, self.front(), self.objective)
        selected = self.selected_trial()
        self.table.blockSignals(True)
        self.table.setRowCount(len(trials))
        for row, t in enumerate(trials):
            error = f"{100 * t.error:.2f}%" if t.error is not None and not math.isnan(t.error) else "—"
            texts = (str(t.number), t.state.title + (" ★" if t.number in front else ""), error,
                     cost_text(t.cost, self.objective), f"{t.duration_s:.1f}", describe_choices(t.choices))
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, t.number)
                if column == 1 and t.message:
                    item.setToolTip(t.message)
                self.table.setItem(row, column, item)
            if selected is not None and t.number == selected.number:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._update_buttons()

    def selected_trial(self) -> TrialResult | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return self.trials.get(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def select_trial(self, number: int) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == number:
                self.table.selectRow(row)
                return

    def _selection_changed(self) -> None:
        trial = self.selected_trial()
        self._update_buttons()
        self.plot.select(trial, self.objective)
        if trial is None:
            self.detail.setText("Choose a trial to see its network.")
            self.curve_line.setData([], [])
            return
        self.curve_line.setData(list(range(1, len(trial.epochs) + 1)), [100 * e for e in trial.epochs])
        lines = [f"<b>Trial {trial.number}</b>: {trial.state.title}. {trial.message}"]
        if trial.run and trial.run.get("graph"):
            graph = graph_from_dict(trial.run["graph"], field="trial.run.graph")
            for nid in graph.topological_order():
                node = graph.nodes[nid]
                settings = ", ".join(f"{k} {v}" for k, v in node.params.items() if k in ("filters", "units", "rate",
                                                                                         "kernel_size"))
                lines.append(f"{node.name} ({node.spec.display_name}{': ' + settings if settings else ''})")
        self.detail.setText("<br>".join(lines))

    def use_selected(self) -> bool:
        trial = self.selected_trial()
        if trial is None:
            return False
        try:
            network = trial_network(trial, self.document.project.graph)
            self.document.push(UseNetworkCommand(self.document.project, network, trial.number,
                                                 on_settings=self._settings_replaced))
        except WorkbenchError as err:
            self._say(str(err))
            return False
        self._say(f"The project now has the network of trial {trial.number}, with its trained weights as the run "
                  f"'{network.run.title}'. Undo (Ctrl+Z) takes it back.")
        return True

    def _settings_replaced(self) -> None:
        """The trial's training settings (or, on undo, the earlier ones) and runs are the project's: the Train page's
        form and the run lists follow."""
        self.document.training_changed.emit(self.document.project.training)
        self.document.records_changed.emit()
