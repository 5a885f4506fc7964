"""`RunProgress`: the bookkeeping of one training run — counts, timing (pauses excluded), the batch losses waiting
to be brought to the CPU, the history and the best epoch so far — and the throttled sync of the pending losses.

Every `report_interval_s` (and at the end of each epoch) the pending losses come to the CPU in one sync, are checked
(a NaN or infinite loss raises `Diverged`) and go to ``report(losses, first_step)``, the loop's report hooks (the
progress feed to the user's callbacks among them)."""

from __future__ import annotations

import time

import numpy as np

from workbench.core.training.divergence import Diverged


class RunProgress:
    """Counts, timing, pending batch losses and the best-so-far bookkeeping of one run."""

    def __init__(self, batches_per_epoch: int, total_steps: int, report_interval_s: float, optimizer=None):
        self.nb = batches_per_epoch
        self.total_steps = total_steps
        self.report_interval_s = report_interval_s
        self.optimizer = optimizer  # for the learning rate in reports
        self.report = None  # (losses, first_step) -> None, called at every sync; None: nobody listens
        self.step = 0
        self.start_step = 0  # the step this session began at (later than 0 when resumed)
        self.epoch_step = 0
        self.epoch_start_step = 0  # the step the epoch in progress began at
        self.samples = 0
        self.pending: list = []
        self.pending_first = 0
        self.chunks: list[np.ndarray] = []
        self.history: list[dict] = []
        self.best_epoch: int | None = None
        self.best_value: float | None = None
        self.epochs_without_improvement = 0
        self.epochs_done = 0
        self.start = time.perf_counter()
        self.paused = 0.0
        self.next_report = self.start + report_interval_s
        self.window_time = self.start
        self.window_samples = 0
        self.rate = 0.0  # samples per second, smoothed
        self.current_epoch = 0

    def elapsed(self) -> float:
        return time.perf_counter() - self.start - self.paused

    def eta(self, elapsed: float) -> float | None:
        """Seconds left if every epoch runs, at this session's pace so far."""
        done = self.step - self.start_step
        return elapsed / done * (self.total_steps - self.step) if done else None

    def add_pause(self, seconds: float) -> None:
        self.paused += seconds
        self.window_time += seconds
        self.next_report += seconds

    def begin_epoch(self, epoch: int) -> None:
        self.current_epoch = epoch
        self.epoch_step = 0
        self.epoch_start_step = self.step

    def batch_done(self, loss, size: int) -> None:
        """Per batch: counts it and keeps its loss (on the device); syncs and reports when a report is due."""
        self.pending.append(loss)
        self.step += 1
        self.epoch_step += 1
        self.samples += size
        self.window_samples += size
        if time.perf_counter() >= self.next_report:
            self.flush()

    def flush(self) -> None:
        """Brings pending losses to the CPU (one sync), checks them and reports them."""
        import torch  # lazy

        now = time.perf_counter()
        self.next_report = now + self.report_interval_s
        if self.pending:
            losses = torch.stack(self.pending).float().cpu().numpy()
            first = self.pending_first
            self.pending = []
            self.pending_first = self.step
            bad = np.flatnonzero(~np.isfinite(losses))
            if bad.size:
                index = first + int(bad[0])
                self.chunks.append(losses[:bad[0]])
                batch = self.epoch_step - self.step + index
                raise Diverged(self.current_epoch, batch if batch >= 0 else None, "the training loss")
            self.chunks.append(losses)
        else:
            losses = np.empty(0, np.float32)
            first = self.step
        span = now - self.window_time
        if span > 0.2 or (span > 0 and not self.rate):
            current = self.window_samples / span
            self.rate = current if not self.rate else 0.5 * self.rate + 0.5 * current
            self.window_time, self.window_samples = now, 0
        if self.report is not None:
            self.report(losses, first)

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def discard_pending(self) -> None:
        self.pending = []

    def losses_since(self, step: int) -> np.ndarray:
        return self.all_losses()[step:]

    def all_losses(self) -> np.ndarray:
        if len(self.chunks) > 1:
            self.chunks = [np.concatenate(self.chunks)]
        return self.chunks[0] if self.chunks else np.empty(0, np.float32)

    def consider(self, epoch: int, value: float, maximize: bool) -> bool:
        """Records the epoch's value of the monitored metric; True when it is a new best."""
        better = self.best_value is None or (value > self.best_value if maximize else value < self.best_value)
        if better:
            self.best_value, self.best_epoch = float(value), epoch
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1
        return better

    def to_dict(self) -> dict:
        return {"epochs_done": self.epochs_done, "step": self.step, "history": self.history,
                "best_epoch": self.best_epoch, "best_value": self.best_value,
                "epochs_without_improvement": self.epochs_without_improvement}

    def restore(self, state) -> None:
        self.epochs_done = state.epochs_done
        self.step = self.start_step = self.pending_first = state.step
        self.current_epoch = state.epochs_done
        self.history = list(state.history)
        self.best_epoch, self.best_value = state.best_epoch, state.best_value
        self.epochs_without_improvement = state.epochs_without_improvement
        self.chunks = [state.batch_losses]
