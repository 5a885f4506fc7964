"""How a training run talks to the world: `RunControl` (stop, pause, resume from any thread), `Callback`
(listeners for progress, epoch results and the end of the run) and `TrainerState` (the trainer's live state).

Progress reaches callbacks at most every `report_interval_s` (100 ms by default) with every batch loss since the last
report, so a listener sees each batch without the loop paying for a call or a device sync per batch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from workbench.core.device import describe_memory


class TrainerState(Enum):
    """The trainer's live state, as a thread watching the run sees it (idle, running, paused, ...); how a finished
    run ended, as its record keeps it, is a `RunStatus` (training/status.py)."""

    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    FINISHED = "finished"  # ended by itself (all epochs, or early stopping)
    STOPPED = "stopped"  # stopped by the user
    FAILED = "failed"  # diverged, ran out of memory


class RunControl:
    """Thread-safe stop / pause / resume for a run; create it anywhere (no torch needed) and hand it to a Trainer."""

    def __init__(self):
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> float:
        """Blocks while paused (returns at once on stop); returns the seconds spent waiting."""

        start = time.perf_counter()
        while not self._running.wait(0.05):
            pass
        return time.perf_counter() - start


@dataclass
class ProgressInfo:
    """A throttled progress report."""

    epoch: int  # 0-based epoch in progress
    epochs: int
    batch: int  # batches done in this epoch
    batches_per_epoch: int
    step: int  # batches done in the whole run
    total_steps: int
    first_step: int  # global step of batch_losses[0]
    batch_losses: np.ndarray  # float32, one per batch since the last report
    learning_rate: float
    samples_per_s: float
    elapsed_s: float  # training time so far (pauses not counted)
    eta_s: float | None  # time left if every epoch runs (early stopping may end sooner)
    memory_bytes: int | None  # allocated on a GPU, resident on the CPU
    device: str
    memory_reserved_bytes: int | None = None  # GPU only: taken by the caching allocator
    memory_peak_bytes: int | None = None  # GPU only: the most allocated since the run began

    @property
    def memory_text(self) -> str:
        """"1.2 GB allocated, 1.5 GB reserved, peak 1.8 GB" on a GPU, "350.0 MB in use" on the CPU, "" unknown."""
        return describe_memory(self.memory_bytes, self.memory_reserved_bytes, self.memory_peak_bytes)

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 0.0


def format_duration(seconds: float | None) -> str:
    """A duration as m:ss or h:mm:ss ("?" when unknown)."""
    if seconds is None or seconds != seconds:
        return "?"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class EpochInfo:
    """The results of one finished epoch: ``metrics`` holds train_loss, val_loss, val_accuracy or val_mae, ...."""

    epoch: int
    epochs: int
    metrics: dict
    learning_rate: float
    improved: bool  # the monitored metric reached a new best
    best_epoch: int | None
    elapsed_s: float


@dataclass
class FitInfo:
    """Sent once when the run starts."""

    device: str
    train_samples: int
    val_samples: int
    batches_per_epoch: int
    epochs: int
    start_epoch: int
    task: str
    in_memory: bool
    outputs: int = 0  # classes, or numbers predicted
    frozen: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Callback:
    """Override what you need. Callbacks run in the training thread; a GUI callback must only queue signals."""

    def on_fit_start(self, trainer, info: FitInfo) -> None: ...

    def on_progress(self, trainer, info: ProgressInfo) -> None: ...

    def on_epoch_end(self, trainer, info: EpochInfo) -> None: ...

    def on_fit_end(self, trainer, result) -> None: ...
