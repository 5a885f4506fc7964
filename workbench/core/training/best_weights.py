"""`BestWeights`: snapshots of the best epoch's weights and of the last good ones (the last weights known to give
finite figures), kept on the device, and the best loaded back at the end of a run that went well (the
``restore_best`` setting)."""

from __future__ import annotations

from workbench.core.training.hooks import FitState, LoopCallback


class BestWeights(LoopCallback):
    """Keeps ``best`` (the weights of the best epoch so far) and ``good`` (those at the end of ``good_epoch``)."""

    def __init__(self, restore_best: bool, best: dict | None = None):
        self.restore_best = restore_best
        self.best = best  # a resumed run starts from its best checkpoint
        self.good: dict | None = None
        self.good_epoch = -1  # -1: the starting weights

    def on_fit_start(self, state: FitState) -> None:
        self.good, self.good_epoch = snapshot(state.module), state.start_epoch - 1

    def on_epoch_end(self, state: FitState) -> None:
        self.good, self.good_epoch = snapshot(state.module), state.epoch
        if state.improved:
            self.best = snapshot(state.module)

    def load_good(self, module) -> None:
        load(module, self.good)

    def on_fit_end(self, state: FitState) -> None:
        if state.status.ok and self.restore_best and self.best is not None:
            load(state.module, self.best)
            state.ended_with = "best"
            state.message += f" Kept the weights of the best epoch ({state.progress.best_epoch + 1})."


def snapshot(module) -> dict:
    """A copy of the layer weights, on the device they live on."""
    return {k: v.detach().clone() for k, v in layer_weights(module).items()}


def layer_weights(module) -> dict:
    """The layer weights themselves (the state dict of ``module.layers``, or of the module)."""
    return getattr(module, "layers", module).state_dict()


def load(module, state: dict) -> None:
    getattr(module, "layers", module).load_state_dict(state)
