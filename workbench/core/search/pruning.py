"""Stopping poor trials early from their epoch curves.

`TrialPruning` is a loop callback of the training run: after each epoch it takes the validation error and asks its
rule whether to stop. With one objective (best error under a limit) the rule is Optuna's `MedianPruner` through
`trial.report` / `trial.should_prune`. Optuna prunes only single-objective studies, so for the Pareto front the rule
is the same median test among the trials that cost no more than this one (a cheaper network that learns faster
dominates it; a costlier one that learns faster does not), from the curves the study holds.
"""

from __future__ import annotations

import statistics

from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.status import RunStatus

WARMUP_EPOCHS = 3  # never prune before this many epochs
MIN_PEERS = 3  # comparable trials needed at an epoch before pruning at it


def epoch_error(row: dict) -> float | None:
    """The validation error of one epoch's history row (1 − accuracy, or the loss)."""
    if "val_accuracy" in row:
        return 1.0 - float(row["val_accuracy"])
    if "val_loss" in row:
        return float(row["val_loss"])
    return None


class MedianOfCheaperRule:
    """Prune when the error at an epoch is above the median of finished trials costing at most as much."""

    def __init__(self, cost: float, peers: list[tuple[float, list[float]]]):
        self.curves = [curve for peer_cost, curve in peers if peer_cost <= cost]

    def __call__(self, epoch: int, error: float) -> bool:
        if epoch + 1 < WARMUP_EPOCHS:
            return False
        at_epoch = [curve[epoch] for curve in self.curves if len(curve) > epoch]
        return len(at_epoch) >= MIN_PEERS and error > statistics.median(at_epoch)


class OptunaRule:
    """Optuna's own pruner of a single-objective study."""

    def __init__(self, trial):
        self.trial = trial

    def __call__(self, epoch: int, error: float) -> bool:
        self.trial.report(error, epoch)
        return self.trial.should_prune()


class TrialPruning(LoopCallback):
    """Records the trial's validation error per epoch and ends the run when `rule(epoch, error)` says so."""

    def __init__(self, rule=None):
        self.rule = rule
        self.curve: list[float] = []
        self.pruned = False

    def on_epoch_end(self, state: FitState) -> None:
        error = epoch_error(state.metrics or {})
        if error is None:
            return
        self.curve.append(error)
        if self.rule is not None and not state.last_epoch and self.rule(state.epoch, error):
            self.pruned = True
            state.request_stop(RunStatus.EARLY_STOPPED,
                               f"Pruned after epoch {state.epoch + 1}: its validation error ({error:.4f}) was worse "
                               "than that of most comparable trials at the same epoch.")
