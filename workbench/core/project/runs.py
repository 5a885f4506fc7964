"""A project's runs side by side, and deleting one with its files.

`compare_runs` gives the table the Train page shows: per run its name, status, the settings in which the runs
differ (and the data, when it differs), the test figures, the duration and the device, each cell as text with a
sort key. `delete_run_files` removes the files of one run once no project file names it any more (the app deletes a
run as an undoable edit and removes its files when the project is closed; see `ProjectDocument.delete_run`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from workbench.core.data.loader import resolve_path
from workbench.core.errors import WorkbenchError
from workbench.core.project.model import Project
from workbench.core.project.run_record import RunRecord
from workbench.core.training.callbacks import format_duration
from workbench.core.training.settings import OPTIMIZER_TITLES, SCHEDULE_TITLES

SETTING_TITLES = {"optimizer": "Optimizer", "learning_rate": "Learning rate", "momentum": "Momentum",
                  "weight_decay": "Weight decay", "batch_size": "Batch size", "epochs": "Epochs",
                  "schedule": "Schedule", "step_epochs": "Step every", "step_gamma": "Step factor",
                  "grad_clip": "Gradient clip", "early_stopping": "Early stopping", "monitor": "Monitor",
                  "patience": "Patience", "restore_best": "Best weights", "seed": "Seed",
                  "deterministic": "Deterministic", "device": "Device asked", "mixed_precision": "Mixed precision",
                  "frozen_nodes": "Frozen layers", "init_from": "Started from"}
FIGURES = (("accuracy", "Test accuracy", lambda v: f"{v:.1%}"), ("f1_macro", "Test F1", lambda v: f"{v:.3f}"),
           ("r2", "Test R²", lambda v: f"{v:.3f}"), ("mae", "Test MAE", lambda v: f"{v:.4g}"),
           ("loss", "Test loss", lambda v: f"{v:.4f}"))


class RunDeleteError(WorkbenchError):
    """A run's files could not all be removed (those left stay where they were)."""


@dataclass(frozen=True)
class Cell:
    text: str
    key: object  # what the column sorts by: a number, or the text


@dataclass(frozen=True)
class RunsTable:
    columns: list[str]
    run_ids: list[str]  # one per row, newest first
    rows: list[list[Cell]]


def _setting_text(key: str, value) -> str:
    if key == "optimizer":
        return OPTIMIZER_TITLES.get(value, str(value))
    if key == "schedule":
        return SCHEDULE_TITLES.get(value, str(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if value is None:
        return "—"
    return str(value)


def _sort_key(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return float(value)
    return _setting_text("", value)


def _data_title(record: RunRecord) -> str:
    spec = record.dataset
    if spec is None:
        return "—"
    return spec.name or Path(spec.path or "").name or spec.source


def compare_runs(project: Project) -> RunsTable:
    """The project's runs, newest first, side by side (see the module docstring)."""
    runs = list(reversed(project.runs))
    settings = [r.settings.to_dict() for r in runs]
    differing = [key for key in SETTING_TITLES
                 if len({repr(s.get(key)) for s in settings}) > 1]
    data_differs = len({_data_title(r) for r in runs}) > 1
    figures = [(key, title, fmt) for key, title, fmt in FIGURES
               if any(key in r.figures("test") for r in runs)]
    columns = ["Run", "Status", *([] if not data_differs else ["Data"]),
               *(SETTING_TITLES[k] for k in differing), *(title for _k, title, _f in figures),
               "Epochs done", "Duration", "Device", "Finished"]
    rows = []
    for record, values in zip(runs, settings):
        row = [Cell(record.title, _run_number(record)), Cell(record.status.title, record.status.title)]
        if data_differs:
            row.append(Cell(_data_title(record), _data_title(record)))
        row += [Cell(_setting_text(k, values.get(k)), _sort_key(values.get(k))) for k in differing]
        test = record.figures("test")
        row += [Cell(fmt(test[k]), float(test[k])) if k in test else Cell("—", float("-inf"))
                for k, _title, fmt in figures]
        row += [Cell(str(record.epochs_done), record.epochs_done),
                Cell(format_duration(record.duration_s), float(record.duration_s)),
                Cell(record.device or "—", record.device), Cell(record.finished[:16].replace("T", " "),
                                                                 record.finished)]
        rows.append(row)
    return RunsTable(columns, [r.id for r in runs], rows)


def _run_number(record: RunRecord) -> object:
    """Run 10 after Run 9: the number in a "Run N" name, else the name."""
    head, _, tail = record.title.rpartition(" ")
    return (0, int(tail), head) if tail.isdigit() else (1, 0, record.title)


def delete_run_files(record: RunRecord, base_dir) -> list[Path]:
    """Removes the files of the run `record` (its weights, checkpoints and their folder when nothing else is left in
    it) and returns them. Files outside the project's folder `base_dir` are not touched. Raises `RunDeleteError`
    when one cannot be removed."""
    base = Path(base_dir).resolve()
    paths = {resolve_path(p, base).resolve() for p in record.files.paths()}
    inside = sorted(p for p in paths if p.is_relative_to(base))
    removed = []
    try:
        for path in inside:
            if path.is_dir():
                shutil.rmtree(path)
                removed.append(path)
            elif path.exists():
                path.unlink()
                removed.append(path)
        for folder in sorted({p.parent for p in inside}, key=lambda p: len(p.parts), reverse=True):
            if folder != base and folder.is_dir() and folder.name == record.id and not any(folder.iterdir()):
                folder.rmdir()
    except OSError as exc:
        raise RunDeleteError(f"The files of '{record.title}' could not all be removed ({exc.strerror or exc}); "
                             "those left are where they were.") from None
    return removed
