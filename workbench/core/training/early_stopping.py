"""`EarlyStopping`: ends the run when the monitored metric has not improved for `patience` epochs (the best epoch
is tracked by `RunProgress.consider`, which the loop calls after every epoch)."""

from __future__ import annotations

from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.status import RunStatus

MONITOR_TITLES = {"val_loss": "the validation loss", "val_accuracy": "the validation accuracy",
                  "val_f1_macro": "the validation F1 score", "val_mae": "the validation MAE",
                  "val_rmse": "the validation RMSE", "val_r2": "the validation R²", "train_loss": "the training loss"}


class EarlyStopping(LoopCallback):
    def __init__(self, monitor: str, patience: int):
        self.monitor = monitor
        self.patience = patience

    def on_epoch_end(self, state: FitState) -> None:
        if state.progress.epochs_without_improvement >= self.patience:
            state.request_stop(RunStatus.EARLY_STOPPED,
                               f"Stopped early after epoch {state.epoch + 1}: {monitor_title(self.monitor)} had not "
                               f"improved for {self.patience} epochs.")


def monitor_title(monitor: str) -> str:
    return MONITOR_TITLES.get(monitor, monitor)
