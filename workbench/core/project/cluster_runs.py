"""Bringing back runs trained elsewhere (a cluster job folder written by `write_cluster_job`, once it has run):
`bring_back_runs` reads the job's project file, copies each new run's weights into the project's own runs folder
and returns the run records for the caller to add (the app through its document, the command line directly).

A run keeps the network it was trained on (its record holds that graph; Evaluate and Export build it), so a run of
an earlier or later version of the project's network is added as such, with a note: that is how runs of a project
whose network was edited between runs already live side by side. A run of what is plainly another project (another
name and another network) is refused, as is a folder with no run, or only runs already in the project.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from workbench import PROJECT_SUFFIXES
from workbench.core.errors import WorkbenchError
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.project.model import Project
from workbench.core.project.run_record import RunFiles, RunRecord
from workbench.core.project.storage import load_project
from workbench.core.project.train import RUNS_FOLDER, run_folder


class BringBackError(WorkbenchError):
    """The folder or file chosen holds no run that can join the project."""


@dataclass
class BroughtBack:
    """The runs to add to the project (their weights already copied into its runs folder) and notes for the user."""

    records: list[RunRecord]
    source: Path  # the job's project file
    notes: list[str] = field(default_factory=list)

    def add_to(self, project: Project) -> None:
        for record in self.records:
            project.add_run(record)


def job_project_file(chosen) -> Path:
    """The project file of a job folder: `chosen` itself (a project file), the one project file in the folder, or
    the one beside its ``runs`` folder."""
    chosen = Path(chosen).expanduser()
    if chosen.is_file():
        return chosen
    if not chosen.is_dir():
        raise BringBackError(f"'{chosen}' does not exist.")
    folder = chosen.parent if chosen.name == RUNS_FOLDER and not _project_files(chosen) else chosen
    found = _project_files(folder)
    if not found:
        raise BringBackError(f"There is no Workbench project file in '{folder}': choose the cluster job's folder "
                             "(the one with run.sh and job.slurm in it).")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise BringBackError(f"The folder '{folder}' holds several project files ({names}): choose the one to bring "
                             "back.")
    return found[0]


def _project_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PROJECT_SUFFIXES
                  and not p.name.startswith("."))


def bring_back_runs(project: Project, chosen, base_dir) -> BroughtBack:
    """The runs of the job at `chosen` (a job folder, its runs folder or its project file) that `project` does
    not have yet, their weights copied under `base_dir` (the project's folder, or an unsaved project's workspace);
    see the module docstring. Raises `BringBackError` (or the job file's own `ProjectFileError`)."""
    source = job_project_file(chosen)
    job = load_project(source)
    base_dir = Path(base_dir)
    if not job.runs:
        raise BringBackError(f"The job in '{source.parent}' has no run yet: start it on the cluster (sbatch job.slurm "
                             "or bash run.sh) and bring it back when it has finished.")
    known = {r.id for r in project.runs}
    new = [r for r in job.runs if r.id not in known]
    if not new:
        raise BringBackError(f"The runs of '{source.name}' are in the project already.")
    current = graph_to_dict(project.graph)
    same_network = [r for r in new if r.graph is None or _architecture(r.graph) == _architecture(current)]
    if not same_network and job.name != project.name:
        raise BringBackError(f"'{source.name}' holds runs of another project ('{job.name}', with another network), "
                             f"not of '{project.name}'. Open that project to bring them back.")
    records, notes, copied = [], [], []
    try:
        for record in new:
            files, folder = _copy_files(record, source.parent, run_folder(base_dir, project, record.id), base_dir)
            copied.append(folder)
            name = f"Run {len(project.runs) + len(records) + 1}"
            records.append(dataclasses.replace(record, name=name, files=files))
            if record not in same_network:
                notes.append(f"{name} was trained on another version of the network than the one on the Design page "
                             "now; it keeps its own, which Evaluate and Export use.")
    except OSError as exc:
        for folder in copied:
            shutil.rmtree(folder, ignore_errors=True)
        raise BringBackError(f"Could not copy the run's weights into '{base_dir}': {exc.strerror or exc}. Nothing "
                             "was added.") from None
    return BroughtBack(records, source, notes)


def _architecture(graph: dict) -> dict:
    """A graph's layers and connections, without its name or description."""
    return {key: graph.get(key) for key in ("nodes", "edges", "inputs", "outputs") if key in graph}


def _copy_files(record: RunRecord, job_folder: Path, target: Path, base_dir: Path) -> tuple[RunFiles, Path]:
    """Copies the run's weight files into `target` (a new folder) and names them from `base_dir`."""
    named = {key: value for key, value in dataclasses.asdict(record.files).items() if value}
    if not named:
        return record.files, target
    if target.exists():
        raise BringBackError(f"The project already has a folder for the run '{record.id}' ({target}); nothing was "
                             "added.")
    target.mkdir(parents=True)
    moved = {}
    for key, relative in named.items():
        path = job_folder / relative
        if not path.is_file():
            shutil.rmtree(target, ignore_errors=True)
            raise BringBackError(f"The run's weights file '{relative}' is missing from '{job_folder}': copy the job's "
                                 "runs folder back too.")
        if relative not in moved:
            shutil.copy2(path, target / path.name)
            moved[relative] = (target / path.name).relative_to(base_dir).as_posix()
    return RunFiles(**{key: moved[value] for key, value in named.items()}), target
