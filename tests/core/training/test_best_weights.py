"""`BestWeights`: the module ends with the best epoch's weights (or the last ones when asked), and the checkpoints
hold both."""

import pytest
import torch

from workbench.core.training import Callback, Trainer, TrainingSettings
from workbench.core.training.weights import read_weights

# on moons with this seed the validation loss is lowest at epoch 5 of 6, so best and last differ
SETTINGS = TrainingSettings(epochs=6, batch_size=32, learning_rate=0.1, early_stopping=False)


class EpochWeights(Callback):
    def __init__(self):
        self.by_epoch = {}

    def on_epoch_end(self, trainer, info):
        self.by_epoch[info.epoch] = {k: v.detach().clone() for k, v in trainer.module.layers.state_dict().items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("restore_best", [True, False])
def test_the_run_ends_with_the_best_or_the_last_weights(moons, new_module, weights_of, tmp_path, restore_best):
    graph, dataset = moons
    seen = EpochWeights()
    module = new_module()
    result = Trainer(module, dataset, SETTINGS.replaced(restore_best=restore_best), [seen], graph=graph,
                     checkpoint_dir=tmp_path).fit()
    best = min(range(6), key=lambda e: result.history[e]["val_loss"])
    assert result.best_epoch == best and best != 5, "the set-up needs a best epoch before the last"
    kept = best if restore_best else 5
    assert result.ended_with == ("best" if restore_best else "last")
    assert same(weights_of(module), seen.by_epoch[kept])
    assert result.message.endswith(f"Kept the weights of the best epoch ({best + 1}).") is restore_best
    assert same(read_weights(result.checkpoints["best"])[0], seen.by_epoch[best])
    assert same(read_weights(result.checkpoints["last"])[0], seen.by_epoch[5])
