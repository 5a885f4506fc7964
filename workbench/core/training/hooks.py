"""The hooks of the training loop: `LoopCallback` (one concern of the loop) and `FitState` (one run in progress as
the hooks see it: the module, optimizer, progress, the latest epoch's metrics, and how the run is to end).

The hooks, called by `run_fit` (training/loop.py) in the order the callbacks are given:

- ``on_fit_start(state)``: once, before the first batch;
- ``on_batch_end(state, loss, size)``: after every step (``loss`` not synced);
- ``on_report(state, losses, first_step)``: about every report interval and at the end of each epoch, with the
  batch losses since the last report, already on the CPU and checked;
- ``on_epoch_end(state)``: after validation, with ``state.metrics`` recorded and ``state.improved`` known;
- ``on_exception(state, exc) -> bool``: a failure during the epochs; True when handled (the run then ends);
- ``on_fit_end(state)``: once, when the run's status is known.

Only the callbacks that override a hook are called for it, so a concern without a per-batch hook costs the batch
loop nothing. A hook ends the run with ``state.request_stop(status, message)``: at once when asked during an epoch
(the epoch is then not validated), after the epoch's hooks when asked at its end. The user's own listeners are
`Callback`s (training/callbacks.py); the progress feed relays the run to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from workbench.core.training.callbacks import FitInfo, RunControl
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus

if TYPE_CHECKING:
    from workbench.core.training.progress import RunProgress


class StopEpoch(Exception):
    """Raised by `FitState.request_stop` during an epoch to leave the batch loop; caught by the loop."""


@dataclass(eq=False)
class FitState:
    """One run in progress, shared by the loop and its callbacks."""

    trainer: object  # the Trainer (what the user's callbacks receive)
    settings: TrainingSettings
    module: object
    device: object  # the torch.device it trains on
    optimizer: object
    scheduler: object  # a ScheduleStepper or None
    scaler: object  # a GradScaler or None
    progress: RunProgress
    control: RunControl
    monitor: str  # the metric that decides the best epoch
    batches: object  # DeviceBatches or StreamedBatches
    step: object  # TrainStep
    validation: object  # EpochValidation
    augment: object = None  # batch -> augmented batch, or None
    after_step: list = field(default_factory=list)
    frozen_modules: list = field(default_factory=list)
    start_epoch: int = 0
    info: FitInfo | None = None
    epoch: int = 0  # the epoch in progress (0-based)
    metrics: dict | None = None  # the latest finished epoch's row of the history
    improved: bool = False  # that epoch reached a new best of the monitored metric
    status: RunStatus | None = None  # set once the run is to end
    message: str = ""
    ended_with: str = "last"  # which weights the module holds at the end: "best", "last" or "last_good"
    checkpoints: dict = field(default_factory=dict)  # "best" / "last" / "state" -> Path, as written at the end
    checkpoint_error: str | None = None  # why the checkpoints could not be written, in plain words
    in_epoch: bool = False
    sync: object = None  # a `RankSync` when several processes train together (training/distributed.py), else None

    @property
    def stopping(self) -> bool:
        return self.status is not None

    @property
    def last_epoch(self) -> bool:
        """The epoch in progress is the run's last one."""
        return self.epoch + 1 >= self.settings.epochs

    def request_stop(self, status: RunStatus, message: str) -> None:
        """Ends the run with `status` and `message` (the first request wins). Asked during an epoch, it leaves the
        epoch at once by raising `StopEpoch`, which the loop catches."""
        if self.status is None:
            self.status, self.message = RunStatus(status), message
        if self.in_epoch:
            raise StopEpoch

    def end_with(self, status: RunStatus, message: str, ended_with: str) -> None:
        """Ends the run after a failure, whatever was asked before (for the handlers of `on_exception`)."""
        self.status, self.message, self.ended_with = RunStatus(status), message, ended_with


class LoopCallback:
    """One concern of the training loop; override the hooks it needs (see the module docstring)."""

    def on_fit_start(self, state: FitState) -> None: ...

    def on_batch_end(self, state: FitState, loss, size: int) -> None: ...

    def on_report(self, state: FitState, losses: np.ndarray, first_step: int) -> None: ...

    def on_epoch_end(self, state: FitState) -> None: ...

    def on_exception(self, state: FitState, exc: Exception) -> bool:
        return False

    def on_fit_end(self, state: FitState) -> None: ...


def overriding(callbacks, hook: str) -> list:
    """The bound `hook` of each callback that overrides it, in order."""
    base = getattr(LoopCallback, hook)
    return [getattr(cb, hook) for cb in callbacks if getattr(type(cb), hook) is not base]
