"""Training a project: one run, start to finish, and its `RunRecord`.

`train_project` builds the network from a snapshot of the graph, optionally starts from earlier weights (by layer
name and shape), trains it, evaluates it and writes its weights under ``<base>/runs/<project>/<run id>/``; it
returns a `TrainOutcome` whose ``record`` the caller adds to the project (the app through its document, the command
line directly), so a failure leaves the project as it was.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import numpy as np

from workbench.core.build import build_module
from workbench.core.graph.blocks import flatten_with_paths, has_blocks
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.project.data import project_dataset
from workbench.core.project.model import Project, UnsavedWeights
from workbench.core.project.refile import filed_path
from workbench.core.project.run_record import RunCurves, RunFiles, RunRecord
from workbench.core.project.storage import copy_files
from workbench.core.project.trained import project_slug, transfer_source
from workbench.core.training.advice import beginner_warnings
from workbench.core.training.checkpoints import BEST_FILE, LAST_FILE
from workbench.core.training.evaluation import evaluate, scalar_metrics
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus
from workbench.core.training.trainer import Trainer, TrainResult
from workbench.core.training.weights import TransferReport, layer_state, load_matching_weights

RUNS_FOLDER = "runs"
MAX_CURVE_POINTS = 2000


@dataclass
class TrainOutcome:
    record: RunRecord
    module: object  # the trained GraphModule (on the CPU)
    result: TrainResult
    evaluation: dict | None  # the full `evaluate` result on the test split (None without a test split)
    transfer: TransferReport | None  # when the run started from other weights
    unsaved_weights: dict = field(default_factory=dict)  # what could not be written: relative path -> weights

    def add_to(self, project: Project, written_in: Path | None = None) -> None:
        """Adds the run's record to the project, with the weights that could not be written (a full or read-only
        folder) kept in memory until the project is saved somewhere they can be. `written_in` is the folder the run
        wrote under (its `base_dir`): when the project has been saved into another folder since (Save As while it
        trained), the run's files are copied beside the project, under its name, and the record names the copies;
        where they cannot be copied, it names the originals by their full path."""
        self.record, moved = filed_beside(self.record, project, written_in)
        self.unsaved_weights = {moved.get(k, k): v for k, v in self.unsaved_weights.items()}
        project.add_run(self.record)
        project.unsaved_weights.update(self.unsaved_weights)


def filed_beside(record: RunRecord, project: Project, written_in: Path | None) -> tuple[RunRecord, dict[str, str]]:
    """`record` as the project should keep it, and {old path: new path}: unchanged when its files were written in
    the project's folder (`written_in`, None: they were); else with its files copied beside the project (see
    `TrainOutcome.add_to`)."""
    folder = project.folder
    if written_in is None or folder is None or Path(written_in).resolve() == folder.resolve():
        return record, {}
    moved = _file_run_into(record, Path(written_in), folder, project_slug(project))
    files = RunFiles(**{k: moved.get(v, v) for k, v in record.files.to_dict().items()})
    return dataclasses.replace(record, files=files), moved


def _file_run_into(record: RunRecord, old_base: Path, new_base: Path, slug: str) -> dict[str, str]:
    """{old path: new path} for the run's files copied from `old_base` into `new_base`, filed under `slug` (the
    originals stay); when a copy fails, the copies are removed and the paths become the originals' full paths."""
    relatives = [p for p in record.files.paths() if not PurePosixPath(p).is_absolute() and ".." not in
                 PurePosixPath(p).parts]
    moved = {p: filed_path(p, slug) for p in relatives}
    try:
        copy_files(relatives, old_base, new_base, moved)
    except OSError:
        return {p: str((old_base / p).resolve()) for p in relatives}
    return moved


def transfer_lines(transfer: dict) -> list[str]:
    """A run's `transfer` record (see `parse_transfer`) as sentences: the layers loaded, those partly loaded and
    those skipped, each with the reason, and the source's layers that nothing matched."""
    report = TransferReport(loaded=list(transfer.get("loaded", [])),
                            partly=[tuple(p) for p in transfer.get("partly", [])],
                            skipped=[tuple(s) for s in transfer.get("skipped", [])],
                            unused=list(transfer.get("unused", [])))
    return report.summary().split("\n")


def new_run_id(project: Project, base_dir: Path | None = None) -> str:
    """A run id from the time, unique among the project's runs and, with `base_dir`, among the run folders there
    (two projects of one name in one folder, trained within a second, must not write into one folder)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    taken = {r.id for r in project.runs}
    run_id, i = f"run-{stamp}", 2
    while run_id in taken or (base_dir is not None and run_folder(base_dir, project, run_id).exists()):
        run_id, i = f"run-{stamp}-{i}", i + 1
    return run_id


def run_folder(base_dir: Path, project: Project, run_id: str) -> Path:
    return Path(base_dir) / RUNS_FOLDER / project_slug(project) / run_id


def train_project(project: Project, base_dir, *, dataset=None, settings: TrainingSettings | None = None,
                  callbacks=(), control=None, device=None, num_threads: int | None = None,
                  resume_run: str | None = None, in_memory: bool | None = None, progress=None,
                  should_cancel=None, ranks=None, run_id: str | None = None) -> TrainOutcome:
    """One run (or the continuation of `resume_run`) of the project's network, weights written under `base_dir`;
    see the module docstring. The project's data is loaded (`progress`, `should_cancel`) unless `dataset` is
    given; `run_id` names a new run (default: from the time). Runs in the calling thread. With `ranks` (a `Ranks`:
    this is one of several processes started by `torchrun`), the processes train together and only rank 0 writes
    weights and evaluates."""
    import torch  # lazy

    if dataset is None:
        dataset = project_dataset(project, progress=progress, should_cancel=should_cancel)
        if progress is not None:
            progress(1.0, f"{dataset.summary()} Building the network and starting…")
    base_dir = Path(base_dir)
    previous = project.find_run(resume_run) if resume_run else None
    if previous is not None:
        graph = previous.graph_snapshot(project.graph)
        settings = previous.settings if settings is None else settings
        run_id, started = previous.id, previous.started or _now()
    else:
        flat = flatten_with_paths(project.graph) if has_blocks(project.graph) else None
        graph = flat.graph if flat else project.graph.copy()  # the run records and trains the plain graph
        settings = settings or project.training
        run_id, started = run_id or new_run_id(project, base_dir), _now()
    settings.check("training" if previous is None else "runs.settings")
    folder = run_folder(base_dir, project, run_id)
    if previous is not None and previous.files.state:  # where it was written (the project file may be renamed)
        written = PurePosixPath(previous.files.state).parent
        if not written.is_absolute() and ".." not in written.parts and written.parts[:1] == (RUNS_FOLDER,):
            folder = base_dir / written
    torch.manual_seed(settings.seed)
    module = build_module(graph)
    if previous is None and flat is not None:
        module.origins = flat.origins()         # which block instance each layer is of, for frozen_nodes
    names = {nid: n.name for nid, n in graph.nodes.items()}
    transfer = None
    if settings.init_from and previous is None:
        tensors, source_names = transfer_source(settings.init_from, project,  # named from the project's folder
                                                project.folder if project.folder is not None else base_dir)
        transfer = load_matching_weights(module, names, tensors, source_names)
    trainer = Trainer(module, dataset, settings, callbacks, device, graph=graph, control=control,
                      checkpoint_dir=folder, resume=previous is not None, node_names=names, num_threads=num_threads,
                      in_memory=in_memory, ranks=ranks)
    result = trainer.fit()
    module.to("cpu")
    evaluation, metrics = None, {}
    if result.ok and result.epochs_done and (ranks is None or ranks.is_main):
        for split in ("val", "test"):
            if len(dataset.splits.get(split, ())):
                figures = evaluate(module, dataset, split, graph=graph)
                metrics[split] = scalar_metrics(figures)
                if split == "test":
                    evaluation = figures
    warnings = beginner_warnings(result.history, result.batch_losses, evaluation, settings.learning_rate)
    files = {key: _relative(path, base_dir) for key, path in result.checkpoints.items()}
    ended = "best" if result.ended_with == "best" else "last"
    unsaved = {}
    if files.get(ended) is None and result.checkpoint_error is not None:  # kept in memory instead
        files[ended] = _relative(folder / (BEST_FILE if ended == "best" else LAST_FILE), base_dir)
        unsaved[files[ended]] = UnsavedWeights(layer_state(module), names)
    record = RunRecord(
        id=run_id, name=previous.name if previous else f"Run {len(project.runs) + 1}", status=RunStatus(result.status),
        message=result.message, started=started, finished=_now(), duration_s=round(result.elapsed_s, 3),
        device=result.device, settings=settings, graph=graph_to_dict(graph), dataset=copy.deepcopy(project.dataset),
        epochs_done=result.epochs_done, best_epoch=result.best_epoch, monitor=result.monitor,
        best_value=result.best_value, metrics=metrics,
        curves=curves_of(result.history, result.batch_losses, result.batches_per_epoch),
        samples_per_s=round(result.samples_per_s, 1), warnings=warnings,
        transfer=transfer.to_dict() if transfer is not None else (previous.transfer if previous else None),
        files=RunFiles(weights=files.get(ended), best=files.get("best"), last=files.get("last"),
                       state=files.get("state")))
    return TrainOutcome(record, module, result, evaluation, transfer, unsaved)


def curves_of(history: list[dict], batch_losses: np.ndarray, batches_per_epoch: int = 0) -> RunCurves:
    """The curves saved with a run: every epoch row, and the batch losses averaged into at most
    `MAX_CURVE_POINTS` buckets (each point at the middle step of its bucket)."""
    losses = np.asarray(batch_losses, dtype=np.float64)
    n = len(losses)
    if n <= MAX_CURVE_POINTS:
        steps, values = np.arange(n, dtype=np.float64), losses
    else:
        edges = np.linspace(0, n, MAX_CURVE_POINTS + 1).astype(np.int64)
        sums = np.add.reduceat(losses, edges[:-1])
        counts = np.diff(edges)
        values = sums / counts
        steps = (edges[:-1] + edges[1:] - 1) / 2.0
    return RunCurves(epochs=[dict(h) for h in history], batches_per_epoch=int(batches_per_epoch),
                     batch_step=[round(float(s), 1) for s in steps], batch_loss=[float(f"{v:.6g}") for v in values])


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(base_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
