"""`ProgressFeed`: relays a run to the user's `Callback`s (the command line's progress line, the app's bridge to
the Train page): `FitInfo` at the start, a throttled `ProgressInfo` with every batch loss since the last report,
and `EpochInfo` after every epoch. (The end of the run, `on_fit_end`, comes from `Trainer.fit` itself, once the
trainer's state is final.)"""

from __future__ import annotations

import numpy as np

from workbench.core.device import cuda_memory, memory_in_use
from workbench.core.training.callbacks import EpochInfo, ProgressInfo
from workbench.core.training.hooks import FitState, LoopCallback


class ProgressFeed(LoopCallback):
    def __init__(self, callbacks: list):
        self.callbacks = callbacks

    def on_fit_start(self, state: FitState) -> None:
        for cb in self.callbacks:
            cb.on_fit_start(state.trainer, state.info)

    def on_report(self, state: FitState, losses: np.ndarray, first_step: int) -> None:
        p = state.progress
        elapsed = p.elapsed()
        if state.device.type == "cuda":
            gpu = cuda_memory(state.device)
            memory = dict(memory_bytes=gpu["allocated"], memory_reserved_bytes=gpu["reserved"],
                          memory_peak_bytes=gpu["peak"])
        else:
            memory = dict(memory_bytes=memory_in_use(state.device))
        info = ProgressInfo(epoch=p.current_epoch, epochs=state.settings.epochs, batch=p.epoch_step,
                            batches_per_epoch=p.nb, step=p.step, total_steps=p.total_steps, first_step=first_step,
                            batch_losses=losses, learning_rate=p.learning_rate, samples_per_s=p.rate,
                            elapsed_s=elapsed, eta_s=p.eta(elapsed), device=state.info.device, **memory)
        for cb in self.callbacks:
            cb.on_progress(state.trainer, info)

    def on_epoch_end(self, state: FitState) -> None:
        p = state.progress
        info = EpochInfo(state.epoch, state.settings.epochs, dict(state.metrics), state.metrics["lr"],
                         state.improved, p.best_epoch, p.elapsed())
        for cb in self.callbacks:
            cb.on_epoch_end(state.trainer, info)
