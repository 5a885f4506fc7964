"""The "Run on a cluster" dialog: where to write the job folder, how many machines and GPUs, where the data is on
the cluster (if not copied), and SLURM's time limit and partition. Accepting it writes the folder in a worker
(`write_cluster_job`: the data may be large to copy), asking first before writing into a folder that holds files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSpinBox, QVBoxLayout)

from workbench.core.project import actions
from workbench.core.project.cluster_job import JobFolderNotEmptyError
from workbench.gui.workers import start_worker


def write_job(job_control, project, options: dict):
    """Runs in a worker: writes the job folder; returns the `ClusterJob`, or the `JobFolderNotEmptyError` that
    asks whether to write into a folder with files (a question to the user, not a failure)."""
    try:
        return actions.write_cluster_job(project, **options)
    except JobFolderNotEmptyError as exc:
        return exc


class ClusterJobDialog(QDialog):
    written = Signal(object)  # the ClusterJob

    def __init__(self, project, default_folder: Path, gpus_here: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Run on a cluster")
        self.project = project
        self.worker = None
        layout = QVBoxLayout(self)
        intro = QLabel("Workbench writes a folder to copy to a cluster: the project, its data, a SLURM batch script "
                       "(job.slurm), a script for any machine (run.sh, with torchrun) and a README saying what to "
                       "do. Bring the run back with File ▸ Open Cluster Run… when it has finished.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.folder = QLineEdit(str(default_folder), self)
        self.folder.setObjectName("job_folder")
        row.addWidget(self.folder, 1)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(browse)
        form.addRow("Job folder", row)
        self.nodes = self._spin("nodes", 1, 4096, 1, "Machines (nodes) to train on together.")
        form.addRow("Machines", self.nodes)
        self.gpus = self._spin("gpus_per_node", 1, 64, max(1, gpus_here), "GPUs on each machine: one training "
                                                                           "process per GPU.")
        form.addRow("GPUs per machine", self.gpus)
        self.data_path = QLineEdit(self)
        self.data_path.setObjectName("data_path")
        self.data_path.setPlaceholderText("empty: copy the data into the folder")
        self.data_path.setToolTip("Where the data already is on the cluster. Leave empty to copy it with the job "
                                  "(data over 2 GB is not copied: the README then says where to put it).")
        form.addRow("Data on the cluster", self.data_path)
        self.time_limit = QLineEdit("04:00:00", self)
        self.time_limit.setObjectName("time_limit")
        self.time_limit.setToolTip("The most time SLURM gives the job, hours:minutes:seconds.")
        form.addRow("Time limit", self.time_limit)
        self.partition = QLineEdit(self)
        self.partition.setObjectName("partition")
        self.partition.setPlaceholderText("the cluster's default")
        form.addRow("SLURM partition", self.partition)
        layout.addLayout(form)
        self.message = QLabel("", self)
        self.message.setObjectName("cluster_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.write_button = self.buttons.addButton("Write Job Folder", QDialogButtonBox.ButtonRole.AcceptRole)
        self.write_button.setObjectName("write_job")
        self.buttons.accepted.connect(lambda: self.write())
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def _spin(self, name: str, low: int, high: int, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the cluster job", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def options(self, replace: bool = False) -> dict:
        return dict(out_dir=self.folder.text().strip(), nodes=self.nodes.value(), gpus_per_node=self.gpus.value(),
                    data_path=self.data_path.text().strip() or None, time_limit=self.time_limit.text().strip(),
                    partition=self.partition.text().strip() or None, replace=replace)

    def write(self, replace: bool = False) -> None:
        if self.worker is not None:
            return
        if not self.folder.text().strip():
            self._say("Choose the folder to write the job to.")
            return
        self.write_button.setEnabled(False)
        self._say("Writing the job folder…", error=False)
        self.worker = start_worker(write_job, self.project, self.options(replace))
        self.worker.returned.connect(self._returned)
        self.worker.errored.connect(lambda message, details: self._say(message))
        self.worker.finished.connect(self._finished)
        self._outcome = None

    def _returned(self, outcome) -> None:
        self._outcome = outcome

    def _finished(self) -> None:
        """After the worker's thread has ended: asks about a folder with files, or closes with the job written."""
        self.worker = None
        self.write_button.setEnabled(True)
        outcome, self._outcome = self._outcome, None
        if isinstance(outcome, JobFolderNotEmptyError):
            self._say(str(outcome))
            answer = QMessageBox.question(self, "Write into this folder?",
                                          f"The folder '{self.folder.text().strip()}' already holds files. Write "
                                          "the job's files into it anyway? Files of the same name are replaced; "
                                          "the others are left as they are.")
            if answer == QMessageBox.StandardButton.Yes:
                self.write(replace=True)
        elif outcome is not None:
            self.written.emit(outcome)
            self.accept()

    def _say(self, text: str, error: bool = True) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #d93636;" if error else "")

