"""`TrainingSettings`: the JSON-safe training choices saved in the project under ``"training"``, with defaults that
train the built-in data well when the user touches nothing.

`TrainingSettings.from_dict` fills in defaults and checks every field, raising `ProjectFileError` naming the field at
fault (``training.learning_rate``); `to_dict` gives a plain dict that `from_dict` accepts unchanged.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from workbench.core.errors import ProjectFileError

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "step", "cosine", "one_cycle")
DEVICES = ("auto", "cpu", "cuda", "mps")
MONITORS = ("val_loss", "val_accuracy", "val_f1_macro", "val_f1_micro", "val_exact_match", "val_mae", "val_rmse",
            "val_r2")
MAXIMIZED_MONITORS = ("val_accuracy", "val_f1_macro", "val_f1_micro", "val_exact_match", "val_r2")
# the figures each task's validation gives (a multi-label run's accuracy is the share of its labels right)
TASK_MONITORS = {"classification": ("val_loss", "val_accuracy", "val_f1_macro"),
                 "multilabel": ("val_loss", "val_accuracy", "val_f1_macro", "val_f1_micro", "val_exact_match"),
                 "regression": ("val_loss", "val_mae", "val_rmse", "val_r2")}
INIT_KEYS = ("run", "project", "weights")
MAX_GPUS = 1024
WRITTEN_WHEN_CHOSEN = {"gpus": 1, "gpu": 0}  # added after 0.1.0: left out of the file at their default

OPTIMIZER_TITLES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD with momentum"}
SCHEDULE_TITLES = {"constant": "Constant", "step": "Step decay", "cosine": "Cosine decay", "one_cycle": "One-cycle"}


@dataclass
class TrainingSettings:
    """Everything a training run is configured by (the device's thread count is a host choice, not saved here)."""

    optimizer: str = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.9  # SGD only
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 60
    schedule: str = "constant"
    step_epochs: int = 20  # "step": multiply the learning rate by step_gamma every step_epochs epochs
    step_gamma: float = 0.1
    grad_clip: float = 0.0  # clip the gradient norm to this; 0 = no clipping
    early_stopping: bool = True
    monitor: str = "val_loss"
    patience: int = 10
    restore_best: bool = True  # end the run with the weights of the best epoch
    seed: int = 0
    deterministic: bool = False
    device: str = "auto"
    mixed_precision: bool = True  # bf16/fp16 autocast on CUDA; ignored elsewhere
    gpus: int = 1  # NVIDIA GPUs to train on together (one process each, DDP); 0 = all there are
    gpu: int = 0  # with one GPU: which one (its CUDA index)
    frozen_nodes: list[str] = field(default_factory=list)  # node ids whose weights are not trained
    init_from: dict | None = None  # {"run": id} | {"project": path, "run": id?} | {"weights": path}

    def to_dict(self) -> dict:
        """Every field, except the GPU choice while it is the default: a project that trains on one GPU is written
        as Workbench wrote it before that choice existed, so earlier versions still open it."""
        d = copy.deepcopy(asdict(self))
        for name, default in WRITTEN_WHEN_CHOSEN.items():
            if d[name] == default:
                del d[name]
        return d

    @classmethod
    def from_dict(cls, d: Any, field: str = "training") -> TrainingSettings:  # noqa: A002 - the contract's name
        if d is None:
            d = {}
        if not isinstance(d, dict):
            _fail(f"must be an object of training settings (got {d!r}).", field)
        names = [f.name for f in fields(cls)]
        for key in d:
            if key not in names:
                _fail(f"unknown setting {key!r}; expected one of {', '.join(names)}.", f"{field}.{key}")
        s = cls(**copy.deepcopy(d))
        s.check(field)
        return s

    def replaced(self, **changes) -> TrainingSettings:
        """A checked copy with some fields changed (raises `ProjectFileError` on a bad value)."""
        return TrainingSettings.from_dict({**self.to_dict(), **changes})

    def for_task(self, task: str) -> TrainingSettings:
        """These settings for data of `task`: the early-stopping monitor back to the validation loss where the task
        does not measure the one chosen (accuracy on a regression, exact match on a classification), else these."""
        if self.monitor in TASK_MONITORS.get(task, MONITORS):
            return self
        return self.replaced(monitor="val_loss")

    def gpu_processes(self, gpus_here: int) -> int:
        """How many processes train together on a machine with `gpus_here` CUDA devices: one per GPU chosen
        (all of them for 0), never more than there are; 1 on the CPU or Apple's GPU, or with fewer than two GPUs."""
        if self.device not in ("auto", "cuda") or gpus_here < 2:
            return 1
        return min(self.gpus or gpus_here, gpus_here)

    @property
    def monitor_maximized(self) -> bool:
        return self.monitor in MAXIMIZED_MONITORS

    def check(self, where: str = "training") -> None:
        at = lambda name: f"{where}.{name}"  # noqa: E731
        _choice(self.optimizer, at("optimizer"), OPTIMIZERS)
        _number(self.learning_rate, at("learning_rate"), 0.0, 10.0, low_open=True)
        _number(self.momentum, at("momentum"), 0.0, 0.9999)
        _number(self.weight_decay, at("weight_decay"), 0.0, 1.0)
        _int(self.batch_size, at("batch_size"), 1, 65536)
        _int(self.epochs, at("epochs"), 1, 100_000)
        _choice(self.schedule, at("schedule"), SCHEDULES)
        _int(self.step_epochs, at("step_epochs"), 1, 100_000)
        _number(self.step_gamma, at("step_gamma"), 0.0, 1.0, low_open=True)
        _number(self.grad_clip, at("grad_clip"), 0.0, 1e6)
        _bool(self.early_stopping, at("early_stopping"))
        _choice(self.monitor, at("monitor"), MONITORS)
        _int(self.patience, at("patience"), 1, 100_000)
        _bool(self.restore_best, at("restore_best"))
        _int(self.seed, at("seed"), 0, 2**32 - 1)
        _bool(self.deterministic, at("deterministic"))
        _choice(self.device, at("device"), DEVICES)
        _bool(self.mixed_precision, at("mixed_precision"))
        _int(self.gpus, at("gpus"), 0, MAX_GPUS)
        _int(self.gpu, at("gpu"), 0, MAX_GPUS - 1)
        if not isinstance(self.frozen_nodes, list) or not all(isinstance(n, str) and n for n in self.frozen_nodes):
            _fail(f"must be a list of node ids (got {self.frozen_nodes!r}).", at("frozen_nodes"))
        _check_init(self.init_from, at("init_from"))


def _check_init(value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not value:
        _fail('must be null, {"run": ID}, {"project": PATH} (optionally with "run") or {"weights": PATH} '
              f"(got {value!r}).", where)
    for key, item in value.items():
        if key not in INIT_KEYS:
            _fail(f"unknown key {key!r}; expected run, project or weights.", f"{where}.{key}")
        if not isinstance(item, str) or not item:
            _fail(f"must be text (got {item!r}).", f"{where}.{key}")
    if "weights" in value and len(value) > 1:
        _fail("a weights file cannot be combined with a run or project.", where)


def _fail(message: str, where: str) -> None:
    raise ProjectFileError(message, where)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int(value: Any, where: str, low: int, high: int) -> None:
    if not _is_int(value) or not low <= value <= high:
        _fail(f"must be a whole number from {low} to {high} (got {value!r}).", where)


def _number(value: Any, where: str, low: float, high: float, low_open: bool = False) -> None:
    ok = (_is_int(value) or isinstance(value, float)) and math.isfinite(value)
    if not ok or value > high or value < low or (low_open and value == low):
        bound = f"more than {low:g}" if low_open else f"from {low:g}"
        _fail(f"must be a number {bound} up to {high:g} (got {value!r}).", where)


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(f"must be one of {', '.join(choices)} (got {value!r}).", where)


def _bool(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        _fail(f"must be true or false (got {value!r}).", where)
