"""NaN and infinity: the run ends as diverged with the last good weights, in the module and in its checkpoint."""

import torch

from workbench.core.training import Callback, RunStatus, Trainer, TrainerState, TrainingSettings
from workbench.core.training.checkpoints import load_state
from workbench.core.training.weights import read_weights


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def poisoned(trainer_box, at_call):
    """The head's loss, NaN at the `at_call`-th batch of the run."""
    calls = {"n": 0}

    def loss(outputs, targets, inputs):
        calls["n"] += 1
        value = trainer_box["t"].objective(outputs, targets)
        return value * float("nan") if calls["n"] == at_call else value

    return loss


def test_nan_ends_the_run_with_the_last_good_weights_saved(moons, new_module, weights_of, tmp_path):
    graph, dataset = moons
    box, seen = {}, {}

    class Keep(Callback):
        def on_epoch_end(self, trainer, info):
            seen[info.epoch] = weights_of(trainer.module)

    module = new_module()
    settings = TrainingSettings(epochs=5, batch_size=32, early_stopping=False, learning_rate=0.003)
    nb = 6  # 192 training samples in batches of 32
    trainer = Trainer(module, dataset, settings, [Keep()], graph=graph, checkpoint_dir=tmp_path,
                      checkpoint_interval_s=3600, loss_fn=poisoned(box, at_call=2 * nb + 3))
    box["t"] = trainer
    result = trainer.fit()
    assert trainer.batches.batches_per_epoch == nb
    assert result.status is RunStatus.DIVERGED and not result.ok and trainer.state is TrainerState.FAILED
    assert result.message == (
        "Training stopped at epoch 3, batch 3: the training loss became NaN or infinite (not a number). This usually "
        "means the learning rate (0.003) is too high: try one ten times smaller, or turn on gradient clipping. "
        "The weights from the end of epoch 2 were kept.")
    assert result.ended_with == "last_good" and result.epochs_done == 2
    assert same(weights_of(module), seen[1])
    assert same(read_weights(result.checkpoints["last"])[0], seen[1])  # forced, although the interval had not passed
    assert load_state(result.checkpoints["state"]).epochs_done == 2
    assert len(result.batch_losses) == 2 * nb + 2  # every finite loss before the NaN


def test_nan_in_the_first_epoch_keeps_the_starting_weights(moons, new_module, weights_of):
    graph, dataset = moons
    box = {}
    module = new_module()
    start = weights_of(module)
    trainer = Trainer(module, dataset, TrainingSettings(epochs=3, batch_size=32), graph=graph,
                      loss_fn=poisoned(box, at_call=1))
    box["t"] = trainer
    result = trainer.fit()
    assert result.status is RunStatus.DIVERGED and result.epochs_done == 0
    assert result.message.endswith("The starting weights were kept.") and "epoch 1, batch 1" in result.message
    assert same(weights_of(module), start)
