"""`RunProgress`: the bookkeeping of one training run — counts, timing (pauses excluded), the batch losses waiting
to be brought to the CPU, the best epoch so far — and the throttled report that checks losses and tells callbacks.
A NaN or infinite loss found while reporting raises `Diverged`."""

from __future__ import annotations

import time

import numpy as np

from workbench.core.training.callbacks import ProgressInfo
from workbench.core.training.settings import TrainingSettings


class Diverged(Exception):
    """A loss (or the weights) stopped being finite; `what` names it for the message."""

    def __init__(self, epoch: int, batch: int | None, what: str):
        self.epoch, self.batch, self.what = epoch, batch, what


class RunProgress:
    """Counts, timing, pending batch losses and the best-so-far bookkeeping of one run."""

    def __init__(self, trainer, settings: TrainingSettings, nb: int, total_steps: int):
        self.trainer = trainer
        self.settings = settings
        self.nb = nb
        self.total_steps = total_steps
        self.step = 0
        self.start_step = 0  # the step this session began at (later than 0 when resumed)
        self.epoch_step = 0
        self.samples = 0
        self.pending: list = []
        self.pending_first = 0
        self.chunks: list[np.ndarray] = []
        self.history: list[dict] = []
        self.best_epoch: int | None = None
        self.best_value: float | None = None
        self.best_state = None
        self.epochs_without_improvement = 0
        self.epochs_done = 0
        self.start = time.perf_counter()
        self.paused = 0.0
        self.next_report = self.start + trainer.report_interval_s
        self.last_checkpoint = self.start
        self.window_time = self.start
        self.window_samples = 0
        self.rate = 0.0
        self.current_epoch = 0

    def elapsed(self) -> float:
        return time.perf_counter() - self.start - self.paused

    def add_pause(self, seconds: float) -> None:
        self.paused += seconds
        self.window_time += seconds
        self.next_report += seconds

    def batch_done(self, loss, size: int, epoch: int, optimizer) -> None:
        if epoch != self.current_epoch:
            self.current_epoch = epoch
            self.epoch_step = 0
        self.pending.append(loss)
        self.step += 1
        self.epoch_step += 1
        self.samples += size
        self.window_samples += size
        if time.perf_counter() >= self.next_report:
            self.flush(epoch, optimizer)

    def flush(self, epoch: int, optimizer) -> None:
        """Brings pending losses to the CPU (one sync), checks them and tells the callbacks."""
        import torch

        now = time.perf_counter()
        self.next_report = now + self.trainer.report_interval_s
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
                raise Diverged(epoch, batch if batch >= 0 else None, "the training loss")
            self.chunks.append(losses)
        else:
            losses = np.empty(0, np.float32)
            first = self.step
        span = now - self.window_time
        if span > 0.2 or (span > 0 and not self.rate):
            current = self.window_samples / span
            self.rate = current if not self.rate else 0.5 * self.rate + 0.5 * current
            self.window_time, self.window_samples = now, 0
        elapsed = self.elapsed()
        done = self.step - self.start_step
        eta = elapsed / done * (self.total_steps - self.step) if done else None
        if not self.trainer.callbacks:
            return
        from workbench.core.device import memory_in_use

        device = self.trainer.device
        info = ProgressInfo(epoch=epoch, epochs=self.settings.epochs, batch=self.epoch_step, batches_per_epoch=self.nb,
                            step=self.step, total_steps=self.total_steps, first_step=first, batch_losses=losses,
                            learning_rate=float(optimizer.param_groups[0]["lr"]), samples_per_s=self.rate,
                            elapsed_s=elapsed, eta_s=eta, memory_bytes=memory_in_use(device),
                            device=self.trainer.device_name)
        for cb in self.trainer.callbacks:
            cb.on_progress(self.trainer, info)

    def discard_pending(self) -> None:
        self.pending = []

    def losses_since(self, step: int) -> np.ndarray:
        return self.all_losses()[step:]

    def all_losses(self) -> np.ndarray:
        if len(self.chunks) > 1:
            self.chunks = [np.concatenate(self.chunks)]
        return self.chunks[0] if self.chunks else np.empty(0, np.float32)

    def consider(self, epoch: int, value: float, maximize: bool) -> bool:
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
