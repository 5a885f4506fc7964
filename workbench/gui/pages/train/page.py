"""The Train page: settings, Train / Pause / Stop / Continue, progress with ETA, speed, device and memory, live
curves, earlier runs to compare, a table of the runs side by side (`RunsTable`: open one on Evaluate, compare,
delete), PNG / CSV export, and a cluster's side: "Run on a Cluster…" (`ClusterJobDialog`) and "Bring Back a
Run…" (a job's runs added to the project).

A run trains a snapshot of the project in a worker thread (`train_project`), so the window never waits and edits
cannot disturb it; while it runs, the document's `busy_reason` makes the editor refuse architecture edits. The
engine's callbacks are batched by `WorkerBridge` into one progress signal per 100 ms at most. The finished run's
record goes into ``project.runs`` and marks the project unsaved. With several GPUs chosen (the warm-up says
which GPUs PyTorch sees), the run trains in child processes through `torchrun` (`train_project_on_gpus`), and
their reports reach the same bridge.

A press in the first seconds after launch, while PyTorch is still loading in the background (`shared_warm_up`), shows
"Preparing PyTorch…" at once and starts the run as soon as it has loaded; Stop meanwhile drops the run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar,
                               QPushButton, QScrollArea, QSplitter, QVBoxLayout, QWidget)

from workbench.core.errors import WorkbenchError
from workbench.core.project import Project, RunRecord, actions
from workbench.core.project.train import transfer_lines
from workbench.core.training.callbacks import Callback, RunControl, format_duration
from workbench.core.training.objective import HEAD_OF_TASK
from workbench.core.training.settings import TrainingSettings
from workbench.gui.help.glossary_links import GlossaryLinks, train_terms
from workbench.gui.pages.train.cluster_dialog import ClusterJobDialog
from workbench.gui.pages.train.runs_table import RunsTable
from workbench.gui.pages.train.settings_form import TrainSettingsForm
from workbench.gui.plots.training_curves import TrainingCurves
from workbench.gui.warm_up import shared_warm_up
from workbench.gui.workers import Worker, start_worker

BUSY_REASON = "Training is running"
BRINGING_BACK_REASON = "A run is being brought back from a cluster job"
EMIT_INTERVAL_S = 0.1  # ten progress signals a second: the curves redraw at most that often
LABEL_INTERVAL_S = 0.25  # status text changes re-lay out the page: four times a second is enough to read
PAINT_FIRST_MS = 1  # the run's thread starts after this delay, once the page has painted its running state
PREPARING_TEXT = "Preparing PyTorch… The run starts as soon as it has loaded (once, after Workbench starts)."
GUI_TRAIN_THREADS = int(os.environ.get("WORKBENCH_TRAIN_THREADS", "1"))  # measured most robust on 2 shared cores


class WorkerBridge(Callback):
    """Collects the engine's callbacks in the worker thread and sends them as one payload per 100 ms at most.

    A payload is a dict: ``start`` (FitInfo), ``batches`` ([(first_step, losses, learning_rate)]), ``epochs``
    ([EpochInfo]), ``latest`` (the newest ProgressInfo) and ``stage`` (a text while the data loads). Nothing is
    dropped: what is not sent yet waits for the next payload.
    """

    def __init__(self, job_control, run_control: RunControl):
        self.job = job_control
        self.run = run_control
        self.pending: dict = {"batches": [], "epochs": []}
        self.last_emit = 0.0

    def stage(self, fraction: float, message: str) -> None:
        """A step of loading the data; the last one (the data is ready) is shown at once."""
        self.pending["stage"] = message
        self._emit(force=fraction >= 1.0)

    def on_fit_start(self, trainer, info):
        self.pending["start"] = info
        self._emit(force=True)

    def on_progress(self, trainer, info):
        if self.job.cancelled:  # the app is closing
            self.run.stop()
        self.pending["batches"].append((info.first_step, info.batch_losses, info.learning_rate))
        self.pending["latest"] = info
        self._emit(force=False)

    def on_epoch_end(self, trainer, info):
        self.pending["epochs"].append(info)
        self._emit(force=False)

    def on_fit_end(self, trainer, result):
        self._emit(force=True)

    def _emit(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self.last_emit < EMIT_INTERVAL_S:
            return
        self.last_emit = now
        payload, self.pending = self.pending, {"batches": [], "epochs": []}
        self.job.report_now(payload)


def consecutive_chunks(chunks: list) -> list:
    """Joins (first_step, losses, learning_rate) chunks that follow one another at the same learning rate into one,
    so the curves take one call per payload instead of one per engine report. A change of rate starts a new chunk:
    a small model on small data trains many epochs per payload, and joined, a schedule's steps (and the curve's
    start) were lost."""
    joined = []  # [first, parts, learning rate, end]
    for first, losses, lr in chunks:
        if joined and joined[-1][3] == first and joined[-1][2] == lr:
            joined[-1][1].append(losses)
            joined[-1][2:] = [lr, first + len(losses)]
        else:
            joined.append([first, [losses], lr, first + len(losses)])
    return [(first, np.concatenate(parts) if len(parts) > 1 else parts[0], lr) for first, parts, lr, _ in joined]


def train_job(job_control, project: Project, base_dir, run_control: RunControl, resume_run: str | None,
              threads: int, processes: int = 1):
    """Runs in the worker thread: loads the data, trains, evaluates; returns the `TrainOutcome`. With several
    `processes` (GPUs chosen), the run trains in child processes through `torchrun`, as `workbench train
    --nproc-per-node` does, and its reports arrive here as from a run in this thread."""
    bridge = WorkerBridge(job_control, run_control)
    should_cancel = lambda: run_control.stop_requested or job_control.cancelled  # noqa: E731
    if processes > 1:
        return actions.train_project_on_gpus(project, base_dir, processes, callbacks=[bridge], control=run_control,
                                             resume_run=resume_run, progress=bridge.stage,
                                             should_cancel=lambda: job_control.cancelled)
    return actions.train_project(project, base_dir, callbacks=[bridge], control=run_control, num_threads=threads,
                                 resume_run=resume_run, progress=bridge.stage, should_cancel=should_cancel)


def bring_back_job(_job_control, project: Project, folder: str, base_dir):
    """Runs in a worker: the runs of the job in `folder` that `project` (a snapshot) lacks, their weights copied
    under `base_dir` (`actions.bring_back_runs`)."""
    return actions.bring_back_runs(project, folder, base_dir)


class TrainPage(QWidget):
    run_finished = Signal(object)  # the run record
    run_open_requested = Signal(str)  # a run id to show on the Evaluate page (the window switches to it)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.worker = None
        self.bringing_back = None  # the worker copying a cluster job's runs in, while it runs
        self.run_control: RunControl | None = None
        self._resuming: str | None = None
        self._waiting_for_torch = False  # pressed while PyTorch was still loading: the run starts when it has
        self._trained_project = None
        self._last_label = 0.0
        self.epochs_total = 0

        self.form = TrainSettingsForm(self)
        self.form.changed.connect(self._settings_edited)
        scroll = QScrollArea(self)
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(330)
        scroll.setMaximumWidth(420)

        self.train_button = QPushButton("Train", self)
        self.train_button.setObjectName("train_button")
        self.train_button.setToolTip("Train the network on the project's data with these settings")
        self.pause_button = QPushButton("Pause", self)
        self.pause_button.setObjectName("pause_button")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stop_button")
        self.stop_button.setToolTip("Stop now and keep the run (with its best weights so far)")
        self.continue_button = QPushButton("Continue last run", self)
        self.continue_button.setObjectName("continue_button")
        self.continue_button.setToolTip("Continue the stopped run from its last finished epoch")
        self.train_button.clicked.connect(lambda: self.start())
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.continue_button.clicked.connect(self.continue_last)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.status_label = QLabel("Press Train to start.", self)
        self.status_label.setObjectName("status_label")
        self.device_label = QLabel("", self)
        self.device_label.setObjectName("device_label")
        self.device_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.message_label = QLabel("", self)
        self.message_label.setObjectName("message_label")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # room for two lines from the start: a message appearing must not re-lay out (and repaint) the plots
        self.message_label.setMinimumHeight(2 * self.message_label.fontMetrics().lineSpacing() + 4)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        self.curves = TrainingCurves(self)
        self.glossary = GlossaryLinks(train_terms(self._task()), self)
        self.compare = QListWidget(self)
        self.compare.setObjectName("compare_runs")
        self.compare.setToolTip("Tick earlier runs to draw their curves for comparison")
        self.compare.setMaximumHeight(90)
        self.compare.itemChanged.connect(self._overlays_changed)
        self.runs = RunsTable(document, self)
        self.runs.open_requested.connect(self.run_open_requested)
        self.runs.compare_requested.connect(self.compare_runs)
        self.export_png_button = QPushButton("Export PNG…", self)
        self.export_csv_button = QPushButton("Export CSV…", self)
        self.cluster_button = QPushButton("Run on a Cluster…", self)
        self.cluster_button.setObjectName("cluster_button")
        self.cluster_button.setToolTip("Write a folder that trains this project on a cluster (SLURM or torchrun)")
        self.cluster_button.clicked.connect(self.open_cluster_dialog)
        self.bring_back_button = QPushButton("Bring Back a Run…", self)
        self.bring_back_button.setObjectName("bring_back_button")
        self.bring_back_button.setToolTip("Add the run of a cluster job folder, back from the cluster, to the runs")
        self.bring_back_button.clicked.connect(lambda: self.bring_back())
        self.cluster_dialog: ClusterJobDialog | None = None
        self.export_png_button.clicked.connect(lambda: self._export("png"))
        self.export_csv_button.clicked.connect(lambda: self._export("csv"))

        buttons = QHBoxLayout()
        for b in (self.train_button, self.pause_button, self.stop_button, self.continue_button):
            buttons.addWidget(b)
        buttons.addSpacing(12)
        buttons.addWidget(self.progress, 1)
        status = QHBoxLayout()
        status.addWidget(self.status_label, 1)
        status.addWidget(self.device_label)
        bottom = QHBoxLayout()
        compare_box = QVBoxLayout()
        compare_box.addWidget(QLabel("Compare with earlier runs:", self))
        compare_box.addWidget(self.compare)
        bottom.addLayout(compare_box, 1)
        cluster = QVBoxLayout()
        cluster.addStretch(1)
        cluster.addWidget(self.cluster_button)
        cluster.addWidget(self.bring_back_button)
        bottom.addLayout(cluster)
        exports = QVBoxLayout()
        exports.addStretch(1)
        exports.addWidget(self.export_png_button)
        exports.addWidget(self.export_csv_button)
        bottom.addLayout(exports)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.addLayout(buttons)
        column.addLayout(status)
        column.addWidget(self.message_label)
        plots = QSplitter(Qt.Orientation.Vertical, right)
        plots.addWidget(self.curves)
        plots.addWidget(self.runs)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 1)
        plots.setSizes([560, 220])
        column.addWidget(plots, 1)
        column.addWidget(self.glossary)
        column.addLayout(bottom)
        splitter = QSplitter(self)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        document.project_replaced.connect(self._project_replaced)
        document.training_changed.connect(self.form.set_settings)  # undo and redo show in the form
        document.graph_changed.connect(self._refresh_context)
        document.records_changed.connect(self._runs_changed)  # e.g. a run deleted, or brought back by undo
        self._project_replaced()
        self.gpus: list = []  # the NVIDIA GPUs PyTorch sees, once the warm-up has looked
        self.warm_up = shared_warm_up()
        self.warm_up.ready.connect(self._torch_ready)
        self.warm_up.start()
        if self.warm_up.is_ready:
            self._gpus_found(self.warm_up.gpus)

    # --- project ------------------------------------------------------------------------------------------------

    def _project_replaced(self) -> None:
        if self.is_running:  # shown when the run ends
            return
        project = self.document.project
        self.form.set_settings(project.training)
        self._refresh_context()
        self._fill_compare()
        self.runs.refresh()
        latest = next((r for r in reversed(project.runs) if r.curves.epochs), None)
        if latest is not None:
            self.curves.show_record(latest)
            self.status_label.setText(f"Showing {latest.title}: {latest.message}")
        else:
            self.curves.start_run(1, self._task())
            self.curves.finish()
        self._update_buttons()

    def _gpus_found(self, gpus: list) -> None:
        self.gpus = list(gpus)
        self.form.set_gpus(self.gpus)

    def _task(self) -> str:
        heads = self.document.project.graph.head_nodes()
        tasks = {head: task for task, head in HEAD_OF_TASK.items()}
        return tasks.get(heads[0].type, "classification") if heads else "classification"

    def _refresh_context(self) -> None:
        if self.is_running:
            return
        self.form.set_context(self.document.project.graph, self.document.result.params, self.document.project.runs,
                              self._task())
        self.glossary.set_terms(train_terms(self._task()))  # the data's task decides which figures are shown

    def _settings_edited(self, settings: TrainingSettings) -> None:
        self.document.set_training(settings)

    def _fill_compare(self) -> None:
        """The runs with curves in the comparison list, newest first; those ticked stay ticked."""
        ticked = {self.compare.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.compare.count())
                  if self.compare.item(i).checkState() == Qt.CheckState.Checked}
        self.compare.blockSignals(True)
        self.compare.clear()
        for record in reversed(self.document.project.runs):
            if not record.curves.epochs:
                continue
            test = record.figures("test")
            figure = f", test accuracy {test['accuracy']:.1%}" if "accuracy" in test else \
                (f", test R² {test['r2']:.3f}" if "r2" in test else "")
            item = QListWidgetItem(f"{record.title} — {record.status.title}{figure}", self.compare)
            item.setData(Qt.ItemDataRole.UserRole, record.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if record.id in ticked else Qt.CheckState.Unchecked)
        self.compare.blockSignals(False)

    def compare_runs(self, run_ids: list[str]) -> None:
        """Ticks the runs `run_ids` in the comparison list (their curves are drawn over the current ones)."""
        self.compare.blockSignals(True)
        for i in range(self.compare.count()):
            item = self.compare.item(i)
            ticked = item.data(Qt.ItemDataRole.UserRole) in run_ids
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        self.compare.blockSignals(False)
        self._overlays_changed()

    def _runs_changed(self) -> None:
        self._fill_compare()
        self._overlays_changed()
        self._update_buttons()

    def _overlays_changed(self, *_):
        chosen = {self.compare.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.compare.count())
                  if self.compare.item(i).checkState() == Qt.CheckState.Checked}
        self.curves.set_overlays([r for r in self.document.project.runs if r.id in chosen])

    # --- running ------------------------------------------------------------------------------------------------

    @property
    def is_running(self) -> bool:
        return self.worker is not None

    def start(self, resume_run: str | None = None) -> bool:
        """Starts a run (or continues `resume_run`); returns False with a message when it cannot start."""
        if self.is_running:
            return False
        if self.document.busy_reason:
            self._say(f"{self.document.busy_reason}: wait until it finishes.", "warning")
            return False
        if not self.document.result.ok:
            self._say("The network has problems: fix them on the Design page first (see the Problems list).",
                      "error")
            return False
        if self.document.project.dataset is None:
            self._say("Choose the data to train on first, on the Data page.", "error")
            return False
        self.run_control = RunControl()
        self._resuming = resume_run
        self._trained_project = self.document.project
        self._run_base = self.document.workspace_dir()
        snapshot = self.document.project.snapshot()
        self.document.busy_reason = BUSY_REASON
        self._say("", None)
        self.status_label.setText("Loading the data…")
        self.progress.setRange(0, 0)  # busy until the first batches arrive
        self.curves.set_overlays([])
        processes = (snapshot.find_run(resume_run).settings if resume_run else snapshot.training).gpu_processes(
            len(self.gpus))
        self.worker = Worker(train_job, snapshot, self._run_base, self.run_control, resume_run, GUI_TRAIN_THREADS,
                             processes)
        self.worker.progress.connect(self._on_progress)
        self.worker.returned.connect(self._on_returned)
        self.worker.errored.connect(self._on_error)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.finished.connect(self._on_finished)
        self._update_buttons()
        if not self.warm_up.is_ready:
            self._waiting_for_torch = True
            self.status_label.setText(PREPARING_TEXT)
            # painted now, in this press: PyTorch's import in the warm-up's thread may hold the interpreter lock for
            # a few hundred milliseconds at a time, and the next pass of the event loop could wait for it
            self.status_label.repaint()
            self.warm_up.start()
            return True
        # the locked form and busy bar are painted first: started at once, the job's set-up work (Python,
        # holding the interpreter lock) stretched that paint into a 30-40 ms stall of the window
        self.worker.start(after_ms=PAINT_FIRST_MS)
        return True

    def _torch_ready(self) -> None:
        self._gpus_found(self.warm_up.gpus)
        if self._waiting_for_torch:
            self._waiting_for_torch = False
            if not self.run_control.paused:
                self.status_label.setText("Loading the data…")
            self.worker.start(after_ms=PAINT_FIRST_MS)

    def continue_last(self) -> bool:
        record = self._resumable_run()
        return self.start(resume_run=record.id) if record is not None else False

    def _resumable_run(self) -> RunRecord | None:
        runs = self.document.project.runs
        return runs[-1] if runs and runs[-1].resumable else None

    def toggle_pause(self) -> None:
        if self.run_control is None:
            return
        if self.run_control.paused:
            self.run_control.resume()
            self.pause_button.setText("Pause")
            self.status_label.setText("Resuming…")
        else:
            self.run_control.pause()
            self.pause_button.setText("Resume")
            self.status_label.setText("Paused. Press Resume to go on, or Stop to end the run.")

    def stop(self) -> None:
        if self._waiting_for_torch:  # the run never started: nothing to keep
            self._waiting_for_torch = False
            self._on_cancelled()
            self._on_finished()
            return
        if self.run_control is not None:
            self.run_control.stop()
            self.status_label.setText("Stopping…")

    def _on_progress(self, payload: dict) -> None:
        if "stage" in payload and "start" not in payload and not payload.get("batches"):
            self.status_label.setText(payload["stage"])
        start = payload.get("start")
        if start is not None:
            self.progress.setRange(0, 1000)
            self.epochs_total = start.epochs
            resumed = self._resuming and next((r for r in self.document.project.runs if r.id == self._resuming),
                                              None)
            if resumed and start.start_epoch > 0:
                self.curves.show_record(resumed)
                self.curves.epochs = start.epochs
                self.curves.continue_run()
            else:
                self.curves.start_run(start.batches_per_epoch, start.task, start.epochs, start.outputs)
            self.device_label.setText(start.device)
            if start.notes:
                self._say(" ".join(start.notes), "note")
        for first_step, losses, lr in consecutive_chunks(payload.get("batches", [])):
            self.curves.add_batches(first_step, losses, lr)
        for info in payload.get("epochs", []):
            self.curves.add_epoch(info.epoch, info.metrics)
        latest = payload.get("latest")
        now = time.monotonic()
        if latest is not None and now - self._last_label < LABEL_INTERVAL_S:
            return
        if latest is not None and not (self.run_control and self.run_control.paused):
            self._last_label = now
            self.progress.setValue(int(1000 * latest.fraction))
            loss = f"  ·  loss {latest.batch_losses[-1]:.4f}" if len(latest.batch_losses) else ""
            self.status_label.setText(
                f"Epoch {latest.epoch + 1} of {latest.epochs}  ·  batch {latest.batch}/{latest.batches_per_epoch}"
                f"{loss}  ·  {latest.samples_per_s:,.0f} samples/s  ·  ETA {format_duration(latest.eta_s)}")
            memory = f"  ·  {latest.memory_text}" if latest.memory_bytes else ""
            self.device_label.setText(f"{latest.device}{memory}")

    def _on_returned(self, outcome) -> None:
        record = outcome.record
        if self.document.project is not self._trained_project:  # another project was opened meanwhile
            self.curves.finish()
            self._say(f"The run of '{self._trained_project.name}' finished after that project was closed, so it "
                      f"was not recorded. Its weights are in {self._run_base}.", "warning")
            return
        outcome.add_to(self.document.project, self._run_base)  # the project may have been saved elsewhere since
        self.document.mark_dirty()
        self.curves.finish()
        test = record.figures("test")
        figure = f" Test accuracy {test['accuracy']:.1%}." if "accuracy" in test else \
            (f" Test R² {test['r2']:.3f}, MAE {test['mae']:.4g}." if "r2" in test else "")
        level = "ok" if outcome.result.ok else "error"
        text = record.message + figure
        if record.transfer:
            text += "\n\nStarted from earlier weights. " + " ".join(transfer_lines(record.transfer))
        if record.warnings:
            text += "\n\n" + "\n".join(f"⚠ {w}" for w in record.warnings)
            level = "warning" if level == "ok" else level
        self._say(text, level)
        took = format_duration(record.duration_s)
        self.status_label.setText(f"{record.name} {record.status.time_phrase} {took} ({record.samples_per_s:,.0f} "
                                  "samples/s).")
        if outcome.result.ok:
            self.progress.setValue(1000)
        self._fill_compare()
        self.runs.refresh()
        self.run_finished.emit(record)

    def _on_error(self, message: str, details: str) -> None:
        self.curves.finish()
        self._say(message, "error")
        self.status_label.setText("The run could not finish.")

    def _on_cancelled(self) -> None:
        self.curves.finish()
        self.status_label.setText("Cancelled before training started.")

    def _on_finished(self) -> None:
        self.progress.setRange(0, 1000)
        self.worker = None
        self.run_control = None
        self.pause_button.setText("Pause")
        self.document.busy_reason = None
        if self.document.project is not self._trained_project:
            self._project_replaced()
        else:
            self._refresh_context()
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.is_running
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.continue_button.setVisible(not running and self._resumable_run() is not None)
        self.form.setEnabled(not running)

    # --- clusters -----------------------------------------------------------------------------------------------

    def open_cluster_dialog(self) -> ClusterJobDialog:
        """Shows the "Run on a cluster" dialog (its folder proposed beside the project); returns it."""
        project = self.document.project
        stem = Path(project.path).stem if project.path else "project"
        folder = self.document.workspace_dir() / f"{stem}-cluster-job"
        self.cluster_dialog = ClusterJobDialog(project.snapshot(), folder, len(self.gpus), self)
        self.cluster_dialog.written.connect(self._job_written)
        self.cluster_dialog.open()
        return self.cluster_dialog

    def _job_written(self, job) -> None:
        where = {"built-in": "", "copied": " The data is in it.",
                 "expected": f" The data is not: put it on the cluster at {job.data_path}."}[job.data]
        self._say(f"Wrote the cluster job to {job.folder}.{where} Copy the folder to the cluster and run "
                  "'sbatch job.slurm' (or 'bash run.sh') in it; README.txt says more. When it has finished, bring "
                  "the run back with Bring Back a Run….", "ok")

    def bring_back(self, folder: str | None = None) -> bool:
        """Starts adding the runs of a cluster job folder (asked for when not given) to the project: their weights
        are copied in a worker, the project locked meanwhile, and the last run's curves shown when they are in.
        Returns whether it started."""
        if self.is_running:
            self._say("Wait until this run finishes.", "warning")
            return False
        if self.document.busy_reason:
            self._say(f"{self.document.busy_reason}: wait until it finishes.", "warning")
            return False
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "The cluster job's folder, back from the cluster",
                                                      str(self.document.workspace_dir()))
            if not folder:
                return False
        self.document.busy_reason = BRINGING_BACK_REASON
        self._say(f"Bringing back the runs in {folder}\N{HORIZONTAL ELLIPSIS}", "note")
        self._set_cluster_buttons(False)
        self.bringing_back = start_worker(bring_back_job, self.document.project.snapshot(), folder,
                                          self.document.workspace_dir())
        self.bringing_back.returned.connect(self._brought_back)
        self.bringing_back.errored.connect(lambda message, _details: self._say(message, "error"))
        self.bringing_back.finished.connect(self._bring_back_finished)
        return True

    def _brought_back(self, brought) -> None:
        brought.add_to(self.document.project)
        self.document.mark_dirty()
        self._fill_compare()
        self.runs.refresh()
        self._refresh_context()
        latest = brought.records[-1]
        self.curves.show_record(latest)
        names = ", ".join(r.title for r in brought.records)
        self.status_label.setText(f"Showing {latest.title}: {latest.message}")
        self._say(f"Brought back {names} from {brought.source.parent} (trained on {latest.device})." +
                  "".join(f"\n⚠ {note}" for note in brought.notes), "warning" if brought.notes else "ok")

    def _bring_back_finished(self) -> None:
        self.bringing_back = None
        self.document.busy_reason = None
        self._set_cluster_buttons(True)
        self._update_buttons()

    def _set_cluster_buttons(self, enabled: bool) -> None:
        for button in (self.train_button, self.bring_back_button, self.cluster_button):
            button.setEnabled(enabled)

    # --- messages and export ------------------------------------------------------------------------------------

    def _say(self, text: str, level: str | None) -> None:
        colours = {"error": "#d93636", "warning": "#b7791f", "ok": "#2f9e6e", "note": ""}
        self.message_label.setText(text)
        self.message_label.setStyleSheet(f"color: {colours[level]};" if level and colours.get(level) else "")

    def _export(self, kind: str) -> None:
        name = (self.document.project.name or "curves").replace(" ", "_")
        caption = "Export the curves as an image" if kind == "png" else "Export the curves as a table"
        path, _ = QFileDialog.getSaveFileName(self, caption, str(self.document.workspace_dir() / f"{name}.{kind}"),
                                              "PNG image (*.png)" if kind == "png" else "CSV table (*.csv)")
        if not path:
            return
        try:
            (self.curves.export_png if kind == "png" else self.curves.export_csv)(path)
        except OSError as exc:
            self._say(f"Could not write '{path}': {exc.strerror or exc}.", "error")
            return
        self._say(f"Saved {path}.", "ok")
