"""A training run of a project, start to finish, and its record in ``project.runs``.

`train_project` builds the network from a snapshot of the graph, optionally starts from earlier weights (by layer
name and shape), trains it, evaluates it and writes its weights under ``<base>/runs/<project>/<run id>/``; it
returns a `RunOutcome` whose ``record`` the caller adds to the project (the app through its document, the command
line directly). `build_trained_module` rebuilds the trained network from a record for evaluation and export.

A run record (JSON-safe): id, name, status, message, started/finished (ISO 8601, UTC), duration_s, device,
settings, graph (the architecture trained), dataset (the spec trained on), epochs_done, best_epoch, monitor,
best_value, metrics {"val": {...}, "test": {...}}, curves {"epochs": [per-epoch rows], "batches_per_epoch": n,
"batch_step": [...], "batch_loss": [...]} (batch losses averaged into at most `MAX_CURVE_POINTS` points),
samples_per_s, warnings, transfer (what was loaded from elsewhere, or null), and the files, relative to the project folder: weights (the
weights the run ended with), best_weights, last_weights, state (to resume).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from workbench.core.data.loader import resolve_path as resolve_file
from workbench.core.errors import WorkbenchError
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus

RUNS_FOLDER = "runs"
MAX_CURVE_POINTS = 2000


@dataclass
class RunOutcome:
    record: dict
    module: object  # the trained GraphModule (on the CPU)
    result: object  # TrainResult
    evaluation: dict | None  # the full `evaluate` result on the test split (None without a test split)
    transfer: object | None  # TransferReport when the run started from other weights


def new_run_id(project) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    taken = {r.get("id") for r in project.runs}
    run_id, i = f"run-{stamp}", 2
    while run_id in taken:
        run_id, i = f"run-{stamp}-{i}", i + 1
    return run_id


def run_folder(base_dir: Path, project, run_id: str) -> Path:
    stem = project.path.stem if project.path else project.name
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or "project"
    return Path(base_dir) / RUNS_FOLDER / slug / run_id


def find_run(project, run_id: str | None = None) -> dict:
    """The run with this id, or (None) the latest run that has weights; raises `WorkbenchError` if there is none."""
    if run_id is not None:
        for record in project.runs:
            if record.get("id") == run_id:
                return record
        known = ", ".join(r.get("id", "?") for r in project.runs[-5:]) or "none"
        raise WorkbenchError(f"The project has no run {run_id!r} (latest runs: {known}).")
    for record in reversed(project.runs):
        if record.get("weights") and RunStatus.is_ok(record.get("status")):
            return record
    raise WorkbenchError("The project has no trained run yet: train it first.")


def add_or_replace_run(project, record: dict) -> None:
    """Puts `record` into ``project.runs``, replacing a record with the same id (a resumed run)."""
    for i, existing in enumerate(project.runs):
        if existing.get("id") == record["id"]:
            project.runs[i] = record
            return
    project.runs.append(record)


def train_project(project, dataset, base_dir, *, settings: TrainingSettings | None = None, callbacks=(),
                  control=None, device=None, num_threads: int | None = None, resume_run: str | None = None,
                  in_memory: bool | None = None) -> RunOutcome:
    """Trains the project's network on `dataset`; see the module docstring. Runs in the calling thread."""
    import torch

    from workbench.core.build import build_module
    from workbench.core.graph.serialize import graph_to_dict
    from workbench.core.training.advice import beginner_warnings
    from workbench.core.training.evaluation import evaluate, scalar_metrics
    from workbench.core.training.trainer import Trainer

    base_dir = Path(base_dir)
    previous = find_run(project, resume_run) if resume_run else None
    if previous is not None:
        graph = graph_of_run(previous, project)
        settings = TrainingSettings.from_dict(previous.get("settings"), "runs.settings") if settings is None \
            else settings
        run_id, started = previous["id"], previous.get("started") or _now()
    else:
        graph = project.graph.copy()
        settings = settings or TrainingSettings.from_dict(project.training)
        run_id, started = new_run_id(project), _now()
    folder = run_folder(base_dir, project, run_id)
    torch.manual_seed(settings.seed)
    module = build_module(graph)
    names = {nid: n.name for nid, n in graph.nodes.items()}
    transfer = None
    if settings.init_from and previous is None:
        from workbench.core.training.weights import load_matching_weights

        tensors, source_names = transfer_source(settings.init_from, project, base_dir)
        transfer = load_matching_weights(module, names, tensors, source_names)
    trainer = Trainer(module, dataset, settings, callbacks, device, graph=graph, control=control,
                      checkpoint_dir=folder, resume=previous is not None, node_names=names, num_threads=num_threads,
                      in_memory=in_memory)
    result = trainer.fit()
    module.to("cpu")
    evaluation, metrics = None, {}
    if result.ok and result.epochs_done:
        for split in ("val", "test"):
            if len(dataset.splits.get(split, ())):
                figures = evaluate(module, dataset, split, graph=graph)
                metrics[split] = scalar_metrics(figures)
                if split == "test":
                    evaluation = figures
    warnings = beginner_warnings(result.history, result.batch_losses, evaluation, settings.learning_rate)
    files = {key: _relative(path, base_dir) for key, path in result.checkpoints.items()}
    ended = "best" if result.ended_with == "best" else "last"
    record = {
        "id": run_id,
        "name": previous.get("name") if previous else f"Run {len(project.runs) + 1}",
        "status": result.status,
        "message": result.message,
        "started": started,
        "finished": _now(),
        "duration_s": round(result.elapsed_s, 3),
        "device": result.device,
        "settings": settings.to_dict(),
        "graph": graph_to_dict(graph),
        "dataset": dict(project.dataset) if project.dataset else None,
        "epochs_done": result.epochs_done,
        "best_epoch": result.best_epoch,
        "monitor": result.monitor,
        "best_value": result.best_value,
        "metrics": metrics,
        "curves": curves_of(result.history, result.batch_losses, result.batches_per_epoch),
        "samples_per_s": round(result.samples_per_s, 1),
        "warnings": warnings,
        "transfer": transfer.to_dict() if transfer is not None else (previous or {}).get("transfer"),
        "weights": files.get(ended) or files.get("last"),
        "best_weights": files.get("best"),
        "last_weights": files.get("last"),
        "state": files.get("state"),
    }
    return RunOutcome(record, module, result, evaluation, transfer)


def curves_of(history: list[dict], batch_losses: np.ndarray, batches_per_epoch: int = 0) -> dict:
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
    return {"epochs": [dict(h) for h in history], "batches_per_epoch": int(batches_per_epoch),
            "batch_step": [round(float(s), 1) for s in steps], "batch_loss": [float(f"{v:.6g}") for v in values]}


def build_trained_module(project, run: dict | None = None, base_dir=None, which: str = "weights"):
    """The trained network of a run (default: the latest good one) on the CPU, in eval mode, with its weights.

    `which` is "weights" (what the run ended with), "best_weights" or "last_weights". The network is built from
    the graph the run trained, so later edits of the project do not break it.
    """
    from workbench.core.build import build_module
    from workbench.core.training.weights import load_weights

    run = run or find_run(project)
    path = run.get(which)
    if not path:
        raise WorkbenchError(f"The run '{run.get('name', run.get('id'))}' has no saved weights ({which}).")
    base = Path(base_dir) if base_dir is not None else project.folder
    module = build_module(graph_of_run(run, project))
    load_weights(module, resolve_file(path, base))
    module.eval()
    return module


def graph_of_run(run: dict, project):
    """The graph a run trained (its saved snapshot; the project's graph for records without one)."""
    from workbench.core.graph.serialize import graph_from_dict

    if run.get("graph"):
        return graph_from_dict(run["graph"], field="runs.graph")
    return project.graph.copy()


def transfer_source(init_from: dict, project, base_dir: Path) -> tuple[dict, dict[str, str] | None]:
    """(tensors, node id -> name) of the weights a run should start from (see `TrainingSettings.init_from`)."""
    from workbench.core.project import load_project
    from workbench.core.training.weights import node_names_of, read_weights

    if "weights" in init_from:
        tensors, meta = read_weights(resolve_file(init_from["weights"], base_dir))
        return tensors, node_names_of(meta)
    source, source_base = project, base_dir
    if "project" in init_from:
        path = resolve_file(init_from["project"], base_dir)
        source = load_project(path)
        source_base = path.parent
    run = find_run(source, init_from.get("run"))
    if not run.get("weights"):
        raise WorkbenchError(f"The run '{run.get('name', run.get('id'))}' has no saved weights to start from.")
    tensors, meta = read_weights(resolve_file(run["weights"], source_base))
    graph = graph_of_run(run, source)
    return tensors, {nid: n.name for nid, n in graph.nodes.items()}


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(base_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
