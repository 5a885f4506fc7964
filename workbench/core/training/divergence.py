"""NaN and infinity: `Diverged`, raised where the loop finds a value that stopped being finite (a batch loss when the
losses are synced, an epoch's metrics, the weights), and `DivergenceGuard`, the callback that ends the run with the
``diverged`` status, a plain message and the last good weights loaded."""

from __future__ import annotations

import math

from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.status import RunStatus


class Diverged(Exception):
    """A loss (or the weights) stopped being finite; `what` names it for the message."""

    def __init__(self, epoch: int, batch: int | None, what: str):
        self.epoch, self.batch, self.what = epoch, batch, what


def check_epoch_finite(metrics: dict, module, epoch: int, validated: bool) -> None:
    """Raises `Diverged` when an epoch's figures (or, without a validation split, the weights) are not finite."""
    if not all(math.isfinite(v) for k, v in metrics.items() if k != "epoch"):
        raise Diverged(epoch, None, "the validation loss" if validated else "the training loss")
    if not validated and not weights_finite(module):
        raise Diverged(epoch, None, "the weights")


def weights_finite(module) -> bool:
    import torch  # lazy

    flags = [torch.isfinite(p).all() for p in module.parameters()]
    return bool(torch.stack(flags).all().item()) if flags else True


class DivergenceGuard(LoopCallback):
    """Handles `Diverged`: loads the last good weights and ends the run with a message that suggests a fix."""

    def __init__(self, weights, learning_rate: float):
        self.weights = weights  # the BestWeights of the run
        self.learning_rate = learning_rate

    def on_exception(self, state: FitState, exc: Exception) -> bool:
        if not isinstance(exc, Diverged):
            return False
        state.progress.discard_pending()
        self.weights.load_good(state.module)
        where = f"epoch {exc.epoch + 1}" + (f", batch {exc.batch + 1}" if exc.batch is not None else "")
        good_epoch = self.weights.good_epoch
        kept = f"the weights from the end of epoch {good_epoch + 1}" if good_epoch >= 0 else "the starting weights"
        state.end_with(RunStatus.DIVERGED,
                       f"Training stopped at {where}: {exc.what} became NaN or infinite (not a number). This usually "
                       f"means the learning rate ({self.learning_rate:g}) is too high: try one ten times smaller, or "
                       f"turn on gradient clipping. {kept[0].upper() + kept[1:]} were kept.", "last_good")
        return True
