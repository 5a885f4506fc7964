"""The loop's own callbacks (`LoopCallback`): a custom one can end the run with its status and message, at an
epoch's end or in the middle of one; hooks a callback does not override are never called."""

import numpy as np
import pytest

from workbench.core.training import Callback, LoopCallback, RunStatus, Trainer, TrainerState, TrainingSettings
from workbench.core.training.checkpoints import load_state

FAST = TrainingSettings(epochs=6, batch_size=32, early_stopping=False)


class Losses(Callback):
    def __init__(self):
        self.delivered = []
        self.epochs = []

    def on_progress(self, trainer, info):
        self.delivered.append(info.batch_losses)

    def on_epoch_end(self, trainer, info):
        self.epochs.append(info.epoch)


class TargetAccuracy(LoopCallback):
    def __init__(self, target):
        self.target = target

    def on_epoch_end(self, state):
        if state.metrics["val_accuracy"] >= self.target:
            state.request_stop(RunStatus.EARLY_STOPPED, f"Reached {self.target:.0%} validation accuracy.")


def test_a_custom_callback_ends_the_run_after_an_epoch(moons, new_module, tmp_path):
    graph, dataset = moons
    listener = Losses()
    trainer = Trainer(new_module(), dataset, FAST.replaced(epochs=200), [TargetAccuracy(0.8), listener], graph=graph,
                      checkpoint_dir=tmp_path, checkpoint_interval_s=3600)
    result = trainer.fit()
    reached = [h["val_accuracy"] >= 0.8 for h in result.history]
    assert reached[-1] and not any(reached[:-1]) and result.epochs_done < 200
    assert result.status is RunStatus.EARLY_STOPPED and trainer.state is TrainerState.FINISHED
    assert result.message.startswith("Reached 80% validation accuracy. Kept the weights of the best epoch")
    assert listener.epochs == list(range(result.epochs_done))  # the listeners heard the last epoch too
    assert load_state(result.checkpoints["state"]).epochs_done == result.epochs_done  # the stop forced a checkpoint


class StopAtBatch(LoopCallback):
    def __init__(self, step):
        self.step = step
        self.batches = 0

    def on_batch_end(self, state, loss, size):
        self.batches += 1
        if state.progress.step == self.step:
            state.request_stop(RunStatus.STOPPED, f"Stopped at step {self.step}.")


def test_a_custom_callback_ends_the_run_within_an_epoch(moons, new_module, tmp_path):
    graph, dataset = moons
    listener = Losses()
    stopper = StopAtBatch(step=9)  # the third batch of the second epoch (six batches an epoch)
    trainer = Trainer(new_module(), dataset, FAST.replaced(restore_best=False), [stopper, listener], graph=graph,
                      checkpoint_dir=tmp_path, checkpoint_interval_s=3600)
    result = trainer.fit()
    assert result.status is RunStatus.STOPPED and result.message == "Stopped at step 9."
    assert trainer.state is TrainerState.STOPPED
    assert stopper.batches == 9 and len(result.batch_losses) == 9
    assert result.epochs_done == 1 and len(result.history) == 1  # the cut epoch is not validated
    assert np.array_equal(np.concatenate(listener.delivered), result.batch_losses)
    assert load_state(result.checkpoints["state"]).epochs_done == 1


class StopOnReport(LoopCallback):
    def __init__(self):
        self.reports = 0

    def on_report(self, state, losses, first_step):
        self.reports += 1
        if first_step + len(losses) >= 8:
            state.request_stop(RunStatus.STOPPED, "Enough.")


def test_a_report_hook_sees_every_loss_and_can_stop(moons, new_module):
    graph, dataset = moons
    listener, stopper = Losses(), StopOnReport()
    result = Trainer(new_module(), dataset, FAST, [stopper, listener], graph=graph, report_interval_s=0).fit()
    assert result.status is RunStatus.STOPPED and result.message.startswith("Enough.")
    assert len(result.batch_losses) == 8  # reported after every batch, stopped at the eighth
    assert np.array_equal(np.concatenate(listener.delivered), result.batch_losses)  # the feed ran too


def test_hooks_that_are_not_overridden_are_never_called(moons, new_module, monkeypatch):
    graph, dataset = moons
    calls = {"batch": 0, "report": 0}
    monkeypatch.setattr(LoopCallback, "on_batch_end", lambda self, *a: calls.__setitem__("batch", calls["batch"] + 1))
    monkeypatch.setattr(LoopCallback, "on_report", lambda self, *a: calls.__setitem__("report", calls["report"] + 1))
    result = Trainer(new_module(), dataset, FAST.replaced(epochs=2), [TargetAccuracy(2.0)], graph=graph,
                     report_interval_s=0).fit()
    assert result.status is RunStatus.COMPLETED and len(result.batch_losses) == 12
    assert calls == {"batch": 0, "report": 0}


def test_a_failure_no_callback_handles_reaches_the_caller(moons, new_module):
    graph, dataset = moons

    class Broken(LoopCallback):
        def on_epoch_end(self, state):
            raise KeyError("a bug in a callback")

    trainer = Trainer(new_module(), dataset, FAST, [Broken()], graph=graph)
    with pytest.raises(KeyError, match="a bug in a callback"):
        trainer.fit()
    assert trainer.state is TrainerState.FAILED


def test_a_stop_asked_before_the_first_batch_trains_nothing(moons, new_module, weights_of):
    graph, dataset = moons

    class NotToday(LoopCallback):
        def on_fit_start(self, state):
            state.request_stop(RunStatus.STOPPED, "Nothing to do.")

    module = new_module()
    start = weights_of(module)
    result = Trainer(module, dataset, FAST, [NotToday()], graph=graph).fit()
    assert result.status is RunStatus.STOPPED and result.message == "Nothing to do."
    assert result.epochs_done == 0 and len(result.batch_losses) == 0
    assert all((weights_of(module)[k] == v).all() for k, v in start.items())
