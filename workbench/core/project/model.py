"""`Project`: the graph, the chosen data, the training settings, the runs, the compressed variants and the search
(its space and settings) of one project file, each a typed record; plus the look-ups every use case needs (the run to export, a variant by name)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.data import DatasetSpec
from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.project.run_record import RunRecord
from workbench.core.project.variant_record import VariantRecord
from workbench.core.search.settings import SearchSection
from workbench.core.training.settings import TrainingSettings


class NotTrainedError(WorkbenchError):
    """The project has no trained weights to evaluate, export or compress."""


@dataclass(frozen=True)
class UnsavedWeights:
    """Trained weights a run could not write (a full or read-only folder), kept until the project is saved."""

    tensors: dict  # "<node id>.<parameter>" -> tensor
    node_names: dict[str, str]


@dataclass
class Project:
    graph: Graph = field(default_factory=Graph)
    name: str = "Untitled"
    description: str = ""
    dataset: DatasetSpec | None = None
    training: TrainingSettings = field(default_factory=TrainingSettings)
    runs: list[RunRecord] = field(default_factory=list)  # oldest first
    variants: list[VariantRecord] = field(default_factory=list)  # in the order they were made
    search: SearchSection | None = None  # what a search may vary and how it is run (None: never set up)
    extra: dict = field(default_factory=dict)  # sections this version does not know, written back unchanged
    path: Path | None = None
    format_minor: int = 0  # the minor format version read (a newer one's unknown fields are kept)
    disk_state: object = None  # storage.FileState of the file when opened or last saved (None: not from a file)
    unsaved_weights: dict[str, UnsavedWeights] = field(default_factory=dict)  # relative path -> weights to write

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None

    def snapshot(self) -> Project:
        """An independent copy for a job on another thread: the graph and the settings are copied; records are
        shared, as no one changes a record in place."""
        return Project(graph=self.graph.copy(), name=self.name, description=self.description,
                       dataset=copy.deepcopy(self.dataset), training=copy.deepcopy(self.training),
                       runs=list(self.runs), variants=list(self.variants), search=self.search,
                       extra=copy.deepcopy(self.extra),
                       path=self.path, format_minor=self.format_minor, disk_state=self.disk_state,
                       unsaved_weights=dict(self.unsaved_weights))

    # --- runs -------------------------------------------------------------------------------------------------------

    def find_run(self, run_id: str | None = None) -> RunRecord:
        """The run with this id, or (None) the latest run with trained weights; raises when there is none."""
        if run_id is not None:
            for record in self.runs:
                if record.id == run_id:
                    return record
            known = ", ".join(r.id for r in self.runs[-5:]) or "none"
            raise WorkbenchError(f"The project has no run {run_id!r} (latest runs: {known}).")
        for record in reversed(self.runs):
            if record.has_weights:
                return record
        raise NotTrainedError("The project has no trained run yet: train it first.")

    def trained_runs(self) -> list[RunRecord]:
        """Runs with weights, newest first."""
        return [r for r in reversed(self.runs) if r.files.weights]

    def remove_run(self, run_id: str) -> RunRecord:
        """Drops the run's record (and weights of it still waiting to be written); returns the record."""
        record = self.find_run(run_id)
        self.runs = [r for r in self.runs if r.id != run_id]
        for path in (record.files.weights, record.files.best, record.files.last, record.files.state):
            self.unsaved_weights.pop(path, None)
        return record

    def add_run(self, record: RunRecord) -> None:
        """Adds `record`, or replaces the record with its id (a continued run)."""
        for i, existing in enumerate(self.runs):
            if existing.id == record.id:
                self.runs[i] = record
                return
        self.runs.append(record)

    # --- variants -----------------------------------------------------------------------------------------------------

    def find_variant(self, name: str) -> VariantRecord:
        for record in self.variants:
            if record.name == name:
                return record
        known = ", ".join(r.name for r in self.variants) or "none yet"
        raise WorkbenchError(f"There is no variant called '{name}' (variants: {known}).")

    def variants_of_run(self, run_id: str) -> list[VariantRecord]:
        return [r for r in self.variants if r.run == run_id]

    def add_variants(self, records: list[VariantRecord]) -> None:
        self.variants.extend(records)

    # --- files --------------------------------------------------------------------------------------------------------

    def record_files(self) -> list[str]:
        """Every file the run and variant records name, as written (relative to the folder, or absolute)."""
        paths = [p for record in self.runs for p in record.files.paths()]
        paths += [p for record in self.variants for p in record.files.paths()]
        return list(dict.fromkeys(paths))
