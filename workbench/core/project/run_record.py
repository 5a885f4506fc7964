"""`RunRecord`: one training run as the project keeps it, with `to_dict` / `from_dict`.

A record is written once, when its run ends (a resumed run replaces it with a new record of the same id), and
never changed in place: jobs on other threads share records, so a change is a new record (`dataclasses.replace`).
File paths in `files` are relative to the project's folder (the workspace, before the project is saved).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from workbench.core.data import DatasetSpec
from workbench.core.errors import GraphEditError
from workbench.core.fields import FieldReader, expect_object, fail, is_number, number_map
from workbench.core.graph.blocks import flatten, has_blocks
from workbench.core.graph.model import Graph
from workbench.core.graph.serialize import graph_from_dict, graph_to_dict
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus

METRIC_SPLITS = ("train", "val", "test")


def parse_metrics(value: Any, where: str) -> dict[str, dict[str, float]]:
    """``{"val": {"accuracy": 0.9, ...}, "test": {...}}``: split -> figure name -> number."""
    metrics = {}
    for split, figures in expect_object(value, where).items():
        if split not in METRIC_SPLITS:
            fail(f"unknown split {split!r}; expected {', '.join(METRIC_SPLITS)}", f"{where}.{split}")
        metrics[split] = number_map(figures, f"{where}.{split}")
    return metrics


def _numbers(value: Any, where: str) -> list[float]:
    if not isinstance(value, list):
        fail("expected a list of numbers", where)
    for i, item in enumerate(value):
        if not is_number(item):
            fail("expected a number", f"{where}[{i}]")
    return [float(v) for v in value]


@dataclass(frozen=True)
class RunCurves:
    """What the Train page draws of a finished run: one row per epoch and the batch losses (at most 2,000 points,
    each the mean of its bucket, at the bucket's middle step)."""

    epochs: list[dict] = field(default_factory=list)  # epoch, train_loss, val_loss, val_accuracy ..., lr, time_s
    batches_per_epoch: int = 0
    batch_step: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"epochs": [dict(row) for row in self.epochs], "batches_per_epoch": self.batches_per_epoch,
                "batch_step": list(self.batch_step), "batch_loss": list(self.batch_loss)}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> RunCurves:
        r = FieldReader(data, where)
        curves = cls(epochs=r.items("epochs", number_map, []), batches_per_epoch=r.integer("batches_per_epoch", 0),
                     batch_step=r.nested("batch_step", _numbers, []), batch_loss=r.nested("batch_loss", _numbers, []))
        if len(curves.batch_step) != len(curves.batch_loss):
            fail(f"has {len(curves.batch_step)} steps but {len(curves.batch_loss)} losses", f"{where}.batch_loss")
        r.finish()
        return curves


@dataclass(frozen=True)
class RunFiles:
    """The run's weights files: what it ended with, its best and last epochs, and the state to continue from."""

    weights: str | None = None
    best: str | None = None
    last: str | None = None
    state: str | None = None

    def to_dict(self) -> dict:
        return {"weights": self.weights, "best": self.best, "last": self.last, "state": self.state}

    def paths(self) -> list[str]:
        return [p for p in dict.fromkeys((self.weights, self.best, self.last, self.state)) if p]

    @classmethod
    def from_dict(cls, data: Any, where: str) -> RunFiles:
        r = FieldReader(data, where)
        files = cls(**{key: r.text(key, None, optional=True, non_empty=True)
                       for key in ("weights", "best", "last", "state")})
        r.finish()
        return files


def parse_transfer(value: Any, where: str) -> dict:
    """What a run took over from other weights: loaded [names], partly / skipped [[name, why]], unused [names]."""
    r = FieldReader(value, where)
    names = {key: r.texts(key, []) for key in ("loaded", "unused")}
    pairs = {}
    for key in ("partly", "skipped"):
        pairs[key] = r.items(key, _name_and_reason, [])
    r.finish()
    return {"loaded": names["loaded"], "partly": pairs["partly"], "skipped": pairs["skipped"],
            "unused": names["unused"]}


def _name_and_reason(value: Any, where: str) -> list[str]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        fail("expected [layer name, reason]", where)
    return list(value)


def _status(value: Any, where: str) -> RunStatus:
    try:
        return RunStatus(value)
    except ValueError:
        fail(f"expected one of {', '.join(s.value for s in RunStatus)}, got {value!r}", where)


def _graph(value: Any, where: str) -> dict:
    graph_from_dict(value, field=where)  # checked whole now, so a bad snapshot fails when the project opens
    return value


@dataclass(frozen=True)
class RunRecord:
    id: str
    name: str
    status: RunStatus
    message: str = ""
    started: str = ""  # ISO 8601, UTC
    finished: str = ""
    duration_s: float = 0.0
    device: str = ""
    settings: TrainingSettings = field(default_factory=TrainingSettings)
    graph: dict | None = None  # the architecture trained (graph_to_dict); None in records that predate it
    dataset: DatasetSpec | None = None  # the data trained on
    epochs_done: int = 0
    best_epoch: int | None = None  # 0-based
    monitor: str = ""
    best_value: float | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # {"val": {...}, "test": {...}}
    curves: RunCurves = field(default_factory=RunCurves)
    samples_per_s: float = 0.0
    warnings: list[str] = field(default_factory=list)
    transfer: dict | None = None  # what was loaded from elsewhere (see `parse_transfer`)
    files: RunFiles = field(default_factory=RunFiles)
    extra: dict = field(default_factory=dict)  # fields of a newer minor version, kept as they are

    @property
    def title(self) -> str:
        return self.name or self.id

    @property
    def has_weights(self) -> bool:
        """Trained weights that evaluation, export and compression can use."""
        return bool(self.files.weights) and self.status.ok

    @property
    def resumable(self) -> bool:
        return self.status == RunStatus.STOPPED and bool(self.files.state)

    def figures(self, split: str) -> dict[str, float]:
        return self.metrics.get(split) or {}

    def trained_graph(self, graph: Graph) -> bool:
        """True when this run trained `graph` as it is now: the same layers, settings and wires (names aside), its
        blocks expanded as training expands them."""
        if self.graph is None:
            return False
        try:
            flat = flatten(graph) if has_blocks(graph) else graph
        except GraphEditError:  # too big to expand: it was not trained either
            return False
        return self._trained_architecture == _architecture(graph_to_dict(flat))

    @functools.cached_property
    def _trained_architecture(self) -> tuple:  # asked on every edit while the inspector shows the summary
        return _architecture(self.graph)

    def graph_snapshot(self, fallback: Graph) -> Graph:
        """The graph this run trained (`fallback`'s copy for a record without one)."""
        return graph_from_dict(self.graph, field="runs.graph") if self.graph else fallback.copy()

    def to_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name, "status": self.status.value, "message": self.message,
            "started": self.started, "finished": self.finished, "duration_s": self.duration_s,
            "device": self.device, "settings": self.settings.to_dict(), "graph": self.graph,
            "dataset": self.dataset.to_dict() if self.dataset is not None else None,
            "epochs_done": self.epochs_done, "best_epoch": self.best_epoch, "monitor": self.monitor,
            "best_value": self.best_value, "metrics": {k: dict(v) for k, v in self.metrics.items()},
            "curves": self.curves.to_dict(), "samples_per_s": self.samples_per_s, "warnings": list(self.warnings),
            "transfer": self.transfer, "files": self.files.to_dict(), **self.extra,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "run", keep_unknown: bool = False) -> RunRecord:
        r = FieldReader(data, where, keep_unknown)
        fields = dict(
            id=r.text("id", non_empty=True), name=r.text("name"), status=r.nested("status", _status),
            message=r.text("message", ""), started=r.text("started", ""), finished=r.text("finished", ""),
            duration_s=r.number("duration_s", 0.0), device=r.text("device", ""),
            settings=r.nested("settings", lambda v, at: TrainingSettings.from_dict(v, at), TrainingSettings()),
            graph=r.nested("graph", _graph, None, optional=True),
            dataset=r.nested("dataset", lambda v, at: DatasetSpec.from_dict(v, at), None, optional=True),
            epochs_done=r.integer("epochs_done", 0), best_epoch=r.integer("best_epoch", None, optional=True),
            monitor=r.text("monitor", ""), best_value=r.number("best_value", None, optional=True),
            metrics=r.nested("metrics", parse_metrics, {}), curves=r.nested("curves", RunCurves.from_dict, RunCurves()),
            samples_per_s=r.number("samples_per_s", 0.0), warnings=r.texts("warnings", []),
            transfer=r.nested("transfer", parse_transfer, None, optional=True),
            files=r.nested("files", RunFiles.from_dict, RunFiles()))
        return cls(**fields, extra=r.finish())


def _architecture(graph: dict) -> tuple:
    nodes = graph.get("nodes", ())
    return (sorted((n.get("id"), n.get("type"), repr(sorted(n.get("params", {}).items()))) for n in nodes),
            sorted(repr(sorted(e.items())) for e in graph.get("edges", ())))
