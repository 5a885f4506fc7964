"""`DatasetKeeper`: keeps the project's chosen data loaded, for Train, Evaluate and the problems list.

Whenever the project's dataset section changes (a project opened, data chosen on the Data page, an undo) the keeper
looks for that data in the shared cache (`workbench.core.project.data`, the same one training reads) and
otherwise loads it in a worker; the loaded data goes to `ProjectDocument.set_loaded_dataset`, so the problems list can
say when the graph no longer fits it and Train starts without reading the files again. One keeper per document:
`DatasetKeeper.of(document)`.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.core.data import DatasetSpec
from workbench.core.project import Project
from workbench.core.project.data import cached_project_dataset, project_dataset
from workbench.gui.workers import start_worker


def load_project_data(control, project: Project):
    """In the worker: the project's data through the shared cache (one load even if Train asks meanwhile)."""
    return project_dataset(project, progress=lambda fraction, message: control.report((fraction, message)),
                           should_cancel=lambda: control.cancelled)


class DatasetKeeper(QObject):
    """Loads ``document.project.dataset`` whenever it changes and hands the result to the document."""

    state_changed = Signal()  # loading started or ended, or failed: see `loading`, `error`, `message`
    progress = Signal(float, str)

    def __init__(self, document):
        super().__init__(document)
        self.document = document
        self.worker = None
        self.loading_spec: DatasetSpec | None = None
        self.error = ""
        self._holding = False
        self._scheduled = False
        document.project_replaced.connect(self.schedule)
        document.dataset_changed.connect(self.schedule)
        self.schedule()

    @classmethod
    def of(cls, document) -> DatasetKeeper:
        """The document's keeper, created on first use."""
        return document.findChild(cls) or cls(document)

    @property
    def loading(self) -> bool:
        return self.worker is not None

    def schedule(self) -> None:
        """Looks again once the current edit (a push, an undo) is complete."""
        if not self._scheduled:
            self._scheduled = True
            QTimer.singleShot(0, self, self.refresh)

    def refresh(self) -> None:
        self._scheduled = False
        document = self.document
        spec = document.project.dataset
        if document.dataset is not None:
            self._holding = True
            self._stop()
            self._set_error("")
            return
        if spec is None:
            self._stop()
            self._set_error("")
            if self._holding:            # let go of the previous project's data
                self._holding = False
                document.set_loaded_dataset(None, None)
            return
        if self.loading_spec == spec:
            return
        self._stop()
        snapshot = Project(dataset=copy.deepcopy(spec), path=document.project.path)
        cached = cached_project_dataset(snapshot)
        if cached is not None:
            self._holding = True
            document.set_loaded_dataset(spec, cached)
            return
        self.error = ""
        self.loading_spec = copy.deepcopy(spec)
        self.worker = start_worker(load_project_data, snapshot)
        self.worker.progress.connect(self._on_progress)
        self.worker.returned.connect(self._on_loaded)
        self.worker.errored.connect(self._on_error)
        self.worker.finished.connect(self._on_finished)
        self.state_changed.emit()

    def _stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None
            self.loading_spec = None
            self.state_changed.emit()

    def _set_error(self, message: str) -> None:
        if message != self.error:
            self.error = message
            self.state_changed.emit()

    def _current(self) -> bool:
        return self.worker is not None and self.sender() is self.worker

    def _on_progress(self, payload) -> None:
        if self._current():
            self.progress.emit(*payload)

    def _on_loaded(self, dataset) -> None:
        if not self._current():
            return
        spec, self.loading_spec, self.worker = self.loading_spec, None, None
        if self.document.project.dataset == spec:
            self._holding = True
            self.document.set_loaded_dataset(spec, dataset)
        self.state_changed.emit()

    def _on_error(self, message: str, _details: str) -> None:
        if not self._current():
            return
        self.worker = self.loading_spec = None
        self.error = f"The project's data could not be loaded: {message}"
        self.state_changed.emit()

    def _on_finished(self) -> None:
        if self._current():   # cancelled from elsewhere
            self.worker = self.loading_spec = None
            self.state_changed.emit()
