"""`EarlyStopping`: ends the run when the monitored metric has not improved for `patience` epochs (the best epoch
is tracked by `RunProgress.consider`, which the loop calls after every epoch), and the monitors' names in words."""

from __future__ import annotations

from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.status import RunStatus

MONITOR_TITLES = {"val_loss": "the validation loss", "val_accuracy": "the validation accuracy",
                  "val_f1_macro": "the validation F1 score", "val_f1_micro": "the validation F1 score over all labels",
                  "val_exact_match": "the validation exact match (rows with every label right)",
                  "val_mae": "the validation MAE", "val_rmse": "the validation RMSE", "val_r2": "the validation R²",
                  "train_loss": "the training loss"}
MULTILABEL_TITLES = {"val_accuracy": "the validation share of labels right",
                     "val_f1_macro": "the validation F1 score (mean over labels)"}


class EarlyStopping(LoopCallback):
    def __init__(self, monitor: str, patience: int, task: str = ""):
        self.monitor = monitor
        self.patience = patience
        self.task = task

    def on_epoch_end(self, state: FitState) -> None:
        if state.progress.epochs_without_improvement >= self.patience:
            state.request_stop(RunStatus.EARLY_STOPPED,
                               f"Stopped early after epoch {state.epoch + 1}: "
                               f"{monitor_title(self.monitor, self.task)} had not improved for {self.patience} epochs.")


def monitor_title(monitor: str, task: str = "") -> str:
    """The monitored figure in words, as a multi-label run means it where that differs (its accuracy counts labels)."""
    if task == "multilabel" and monitor in MULTILABEL_TITLES:
        return MULTILABEL_TITLES[monitor]
    return MONITOR_TITLES.get(monitor, monitor)
