"""`Checkpointing`: a run's checkpoints in its folder (the files of training/checkpoints.py) — written at the end of
an epoch once `interval_s` has passed since the last write, at the last epoch, when the run is asked to stop, and at
the end of a run cut short (stopped, diverged, out of memory) — and `restore_run`, which resumes a run from them.

A checkpoint that cannot be written (a full or read-only disk, a file where the folder should be) does not end the
run: training goes on in memory, no more checkpoints are written until the end of the run, where the last ones are
tried once more. What was not written is left out of ``state.checkpoints``, and ``state.checkpoint_error`` says in
plain words what failed, where and why."""

from __future__ import annotations

import time
from pathlib import Path

from workbench.core.errors import WorkbenchError
from workbench.core.training.best_weights import layer_weights
from workbench.core.training.checkpoints import BEST_FILE, LAST_FILE, STATE_FILE, load_state, save_state
from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.weights import WeightsWriteError, load_weights, save_weights


class Checkpointing(LoopCallback):
    """Writes the module's weights as they are when its hooks run: put it before `BestWeights`, whose end of run
    may load the best weights back, and after the callbacks that may ask to stop, so that a stop forces a write."""

    def __init__(self, folder: Path, node_names: dict[str, str] | None, interval_s: float, weights):
        self.folder = Path(folder)
        self.node_names = node_names
        self.interval_s = interval_s
        self.weights = weights  # the BestWeights of the run, for the best epoch's weights
        self.last_write = time.perf_counter()
        self.written: dict[str, Path] = {}  # the files whose latest write succeeded
        self.failed = False  # a write failed: no more writes until the end
        self.error: str | None = None  # why the latest write failed (None: it succeeded)
        self.final = False  # the latest write holds the end of the run

    def on_fit_start(self, state: FitState) -> None:
        self.last_write = time.perf_counter()

    def on_epoch_end(self, state: FitState) -> None:
        final = state.last_epoch or state.stopping
        due = not self.failed and time.perf_counter() - self.last_write >= self.interval_s
        if final or due:
            self._write(state, best_now=state.improved)
            self.final = final

    def on_fit_end(self, state: FitState) -> None:
        if not self.final:
            self._write(state)  # after a failure the module holds the last good weights again
        state.checkpoints = dict(self.written)
        state.checkpoint_error = self.error

    def _write(self, state: FitState, best_now: bool = False) -> None:
        """Writes the module's weights as the last ones (and as the best when `best_now`), and the resume state."""
        self.last_write = time.perf_counter()
        last = layer_weights(state.module)
        best = last if best_now else self.weights.best
        writers = []
        if best is not None:
            writers.append(("best", BEST_FILE, lambda path: save_weights(best, path, self.node_names)))
        writers.append(("last", LAST_FILE, lambda path: save_weights(last, path, self.node_names)))
        p = state.progress
        writers.append(("state", STATE_FILE, lambda path: save_state(path, state.optimizer, state.scheduler,
                                                                     state.scaler, p.to_dict(), p.all_losses())))
        reason = None
        for key, name, write in writers:
            path = self.folder / name
            try:
                write(path)
                self.written[key] = path
            except WeightsWriteError as exc:
                self.written.pop(key, None)
                reason = reason or exc.reason
        if reason is not None:
            self.failed = True
            self.error = (f"Could not save the run's checkpoints in '{self.folder}': {reason}. Training went on in "
                          "memory; save the project in another folder to keep its weights.")
        else:
            self.error = None


def restore_run(folder: Path | None, module, optimizer, scheduler, scaler, progress, device,
                epochs: int) -> tuple[int, dict | None]:
    """Loads a stopped run's last weights, optimizer, schedule, scaler and progress from its checkpoints; returns
    (the epoch to start at, the best epoch's weights on `device` or None)."""
    if folder is None:
        raise WorkbenchError("There is no checkpoint folder to resume from.")
    folder = Path(folder)
    best = None
    if (folder / BEST_FILE).is_file():  # checked as the last weights are (keys, shapes, kinds of number, NaN)
        load_weights(module, folder / BEST_FILE)
        best = {k: v.detach().clone().to(device) for k, v in layer_weights(module).items()}
    load_weights(module, folder / LAST_FILE)
    state = load_state(folder / STATE_FILE)
    optimizer.load_state_dict(state.optimizer)
    if scheduler is not None and state.scheduler is not None:
        scheduler.load_state_dict(state.scheduler)
    if scaler is not None and state.scaler is not None:
        scaler.load_state_dict(state.scaler)
    progress.restore(state)
    if state.epochs_done >= epochs:
        raise WorkbenchError(f"This run already finished all {epochs} epochs; raise the number of epochs to train "
                             "it further.")
    return state.epochs_done, best
