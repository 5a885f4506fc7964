"""Searching a project: its ``search`` section run as an Optuna study whose trials are the project's own training
runs (`train_project` plus a record), and making a trial's network the project's ("Use this network").

`search_project` loads the data once, then hands `SearchRunner` a train function that trains each candidate as a
run of the project (weights under ``<base>/runs/<project>/search-<study>-<trial>/``) and keeps the run's record
with the trial. The study is stored beside the project (``<project>.search.db``, SQLite) unless the settings name
another storage URL. Nothing in the project changes: `adopt_trial` (or the app's undoable "Use this network") does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from workbench.core.errors import WorkbenchError
from workbench.core.graph.blocks import flatten
from workbench.core.graph.model import Graph
from workbench.core.project.data import project_dataset
from workbench.core.project.model import Project
from workbench.core.project.run_record import RunRecord
from workbench.core.project.train import train_project
from workbench.core.project.trained import project_slug
from workbench.core.search.runner import SearchReport, SearchRunner, TrialTraining, load_report
from workbench.core.search.settings import SearchSection
from workbench.core.search.trial import TrialResult, TrialState

STORAGE_SUFFIX = ".search.db"
SQLITE_PREFIX = "sqlite:///"


class NoSearchError(WorkbenchError):
    """The project has no search set up."""


def search_storage_url(project: Project, base_dir, section: SearchSection | None = None) -> str:
    """The study's storage: the settings' URL, or SQLite beside the project (in `base_dir` before it is saved)."""
    section = section or project.search
    if section is not None and section.settings.storage:
        return section.settings.storage
    folder = Path(base_dir) if base_dir is not None else project.folder
    return f"{SQLITE_PREFIX}{(folder / (project_slug(project) + STORAGE_SUFFIX)).resolve().as_posix()}"


def trial_run_id(study: str, number: int) -> str:
    return f"search-{re.sub(r'[^A-Za-z0-9_.-]+', '_', study)}-{number}"


def search_project(project: Project, base_dir, *, section: SearchSection | None = None, dataset=None,
                   on_trial=None, control=None, callbacks=(), num_threads: int | None = 1, progress=None,
                   should_cancel=None) -> SearchReport:
    """Runs (or continues) the project's search; see the module docstring. Runs in the calling thread; `control`
    (a `RunControl`) pauses and stops it, `on_trial(TrialResult)` hears of each trial as it ends."""
    section = section or project.search
    if section is None:
        raise NoSearchError("This project has no search set up yet: mark what may vary on the Search page (or in "
                            "the project file's \"search\" section) first.")
    base_dir = Path(base_dir)
    runner = SearchRunner(flatten(project.graph), project.training, section,  # blocks inlined: a candidate is plain
                          search_storage_url(project, base_dir, section), None, on_trial=on_trial, control=control,
                          callbacks=callbacks)
    runner.check()  # refuse an empty space or an unmeetable limit before loading anything
    if dataset is None:
        dataset = project_dataset(project, progress=progress, should_cancel=should_cancel)
    study = section.settings.study

    def train_trial(candidate, trial_callbacks, trial_control, number: int) -> TrialTraining:
        trial_project = Project(graph=candidate.graph, name=project.name, path=project.path,
                                dataset=project.dataset, training=candidate.settings)
        outcome = train_project(trial_project, base_dir, dataset=dataset, settings=candidate.settings,
                                callbacks=trial_callbacks, control=trial_control, num_threads=num_threads,
                                run_id=trial_run_id(study, number))
        record = replace(outcome.record, name=f"Search trial {number}")
        return TrialTraining(record.status, record.message, record.figures("val"), record.duration_s,
                             record.to_dict() if record.files.weights else None)

    runner.train_trial = train_trial
    return runner.run(check=False)


def stored_search(project: Project, base_dir, section: SearchSection | None = None) -> SearchReport | None:
    """The trials of the project's study so far, running none (None: no search, or no study stored yet)."""
    section = section or project.search
    if section is None:
        return None
    url = search_storage_url(project, base_dir, section)
    if url.startswith(SQLITE_PREFIX) and not Path(url[len(SQLITE_PREFIX):]).is_file():
        return None  # not created by looking
    return load_report(url, section.settings)


@dataclass(frozen=True)
class TrialNetwork:
    """What "Use this network" puts into the project: the trial's graph, its training settings and its run."""

    graph: Graph
    run: RunRecord

    @property
    def settings(self):
        return self.run.settings


def trial_network(trial: TrialResult, layout_from: Graph | None = None) -> TrialNetwork:
    """The trained network of a finished trial (its layers placed where `layout_from` has the same ids)."""
    if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED) or not trial.run:
        raise WorkbenchError(f"Trial {trial.number} has no trained network to use ({trial.state.title}).")
    run = RunRecord.from_dict(trial.run, f"trial {trial.number}.run")
    graph = run.graph_snapshot(Graph())
    if layout_from is not None:
        graph.positions.update({nid: xy for nid, xy in layout_from.positions.items() if nid in graph.nodes})
    return TrialNetwork(graph, run)


def adopt_trial(project: Project, trial: TrialResult) -> TrialNetwork:
    """Makes the trial's network and settings the project's and adds its run (weights kept); checked first, so a
    trial that cannot be used leaves the project as it was."""
    network = trial_network(trial, project.graph)
    project.graph = network.graph
    project.training = network.settings
    project.add_run(network.run)
    return network
