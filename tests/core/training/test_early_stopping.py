"""`EarlyStopping`: the run ends once the monitored metric has not improved for `patience` epochs."""

from workbench.core.training import RunStatus, Trainer, TrainerState, TrainingSettings

# a learning rate too small to change a float32 weight: every epoch gives the same figures, so the first is the best
FROZEN_LR = 1e-12


def test_stops_after_patience_epochs_without_improvement(moons, new_module):
    graph, dataset = moons
    settings = TrainingSettings(epochs=50, batch_size=32, learning_rate=FROZEN_LR, patience=2, monitor="val_accuracy")
    trainer = Trainer(new_module(), dataset, settings, graph=graph)
    result = trainer.fit()
    assert result.status is RunStatus.EARLY_STOPPED and trainer.state is TrainerState.FINISHED
    assert result.epochs_done == 3 and len(result.history) == 3 and result.best_epoch == 0
    assert result.message == ("Stopped early after epoch 3: the validation accuracy had not improved for 2 epochs. "
                              "Kept the weights of the best epoch (1).")


def test_patience_counts_epochs_and_follows_the_monitor(moons, new_module):
    graph, dataset = moons
    settings = TrainingSettings(epochs=50, batch_size=32, learning_rate=FROZEN_LR, patience=4, monitor="val_loss",
                                restore_best=False)
    result = Trainer(new_module(), dataset, settings, graph=graph).fit()
    assert result.epochs_done == 5 and result.ended_with == "last"
    assert result.message == "Stopped early after epoch 5: the validation loss had not improved for 4 epochs."


def test_off_runs_every_epoch(moons, new_module):
    graph, dataset = moons
    settings = TrainingSettings(epochs=5, batch_size=32, learning_rate=FROZEN_LR, patience=1, early_stopping=False)
    result = Trainer(new_module(), dataset, settings, graph=graph).fit()
    assert result.status is RunStatus.COMPLETED and result.epochs_done == 5
    assert result.message == "Finished all 5 epochs. Kept the weights of the best epoch (1)."
