"""A short training run after pruning or for a distilled student, through the training engine's `Trainer`.

The settings are the run's own (optimizer, batch size, seed), with fewer epochs, early stopping on the validation
loss and the best epoch kept. Progress goes to a ``progress(fraction, message)`` callable, which may raise
`CancelledError` to stop the job (it propagates out of the trainer).
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.core.errors import WorkbenchError
from workbench.core.training.callbacks import Callback
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.trainer import Trainer

DEFAULT_EPOCHS = 10


class _Relay(Callback):
    def __init__(self, progress: Callable[[float, str], None], start: float, end: float, what: str):
        self.progress, self.start, self.end, self.what = progress, start, end, what

    def on_progress(self, trainer, info) -> None:
        self.progress(self.start + (self.end - self.start) * info.fraction,
                      f"{self.what}: epoch {info.epoch + 1} of {info.epochs}")


def finetune_settings(run_settings: TrainingSettings, epochs: int, learning_rate: float | None = None,
                      device: str = "cpu") -> TrainingSettings:
    """The run's settings for a short fine-tune: `epochs`, early stopping, the best epoch kept, no mixed precision."""
    changes = {"epochs": epochs, "early_stopping": True, "patience": max(2, epochs // 3), "restore_best": True,
               "monitor": "val_loss", "device": device, "init_from": None, "frozen_nodes": [],
               "schedule": "constant"}
    if learning_rate is not None:
        changes["learning_rate"] = learning_rate
    return run_settings.replaced(**changes)


def finetune(module, dataset, graph, settings: TrainingSettings, progress: Callable[[float, str], None],
             span: tuple[float, float], what: str, *, loss_fn=None, after_step=(), threads: int = 1):
    """Trains `module` in place; returns the `TrainResult`. Raises `WorkbenchError` if the run fails."""

    if not len(dataset.splits.get("val", ())):
        settings = settings.replaced(early_stopping=False, restore_best=False)
    trainer = Trainer(module, dataset, settings, [_Relay(progress, span[0], span[1], what)], graph=graph,
                      loss_fn=loss_fn, after_step=after_step, num_threads=threads, in_memory=None)
    result = trainer.fit()
    module.to("cpu").eval()
    if not result.ok:
        raise WorkbenchError(f"{what} failed: {result.message}")
    return result
