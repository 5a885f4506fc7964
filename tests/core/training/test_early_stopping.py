"""`EarlyStopping`: the run ends once the monitored metric has not improved for `patience` epochs; a multi-label run
may follow its micro F1 or exact match, which a classification run refuses."""

import pytest
import torch

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.errors import WorkbenchError
from workbench.core.project import open_template
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


def test_a_multilabel_run_stops_on_its_micro_f1_and_says_so_in_words():
    traits = load_dataset(DatasetSpec(source="builtin", name="digit_traits"))
    project = open_template("mlp")
    fit_graph_to_dataset(project.graph, traits)
    torch.manual_seed(0)
    for monitor, words in (("val_f1_micro", "the validation F1 score over all labels"),
                           ("val_exact_match", "the validation exact match (rows with every label right)"),
                           ("val_accuracy", "the validation share of labels right")):
        settings = TrainingSettings(epochs=50, batch_size=64, learning_rate=FROZEN_LR, patience=2, monitor=monitor)
        result = Trainer(build_module(project.graph), traits, settings, graph=project.graph).fit()
        assert result.status is RunStatus.EARLY_STOPPED and result.monitor == monitor
        assert result.epochs_done == 3 and result.best_epoch == 0
        assert result.best_value == result.history[0][monitor]
        assert result.message.startswith(f"Stopped early after epoch 3: {words} had not improved for 2 epochs.")


def test_the_best_epoch_of_a_multilabel_run_is_its_highest_micro_f1():
    traits = load_dataset(DatasetSpec(source="builtin", name="digit_traits"))
    project = open_template("mlp")
    fit_graph_to_dataset(project.graph, traits)
    torch.manual_seed(0)
    settings = TrainingSettings(epochs=8, batch_size=64, learning_rate=0.01, monitor="val_f1_micro",
                                early_stopping=False)
    result = Trainer(build_module(project.graph), traits, settings, graph=project.graph).fit()
    f1 = [row["val_f1_micro"] for row in result.history]
    assert result.best_epoch == f1.index(max(f1)) and result.best_value == max(f1) > 0.8


def test_a_classification_run_refuses_a_multilabel_monitor_in_plain_words(moons, new_module):
    graph, dataset = moons
    settings = TrainingSettings(epochs=2, monitor="val_exact_match")
    with pytest.raises(WorkbenchError) as refused:
        Trainer(new_module(), dataset, settings, graph=graph).fit()
    assert str(refused.value) == (
        "training.monitor: val_exact_match does not apply to a classification task: only a multi-label run measures "
        "the validation exact match (rows with every label right). Choose val_loss, val_accuracy or val_f1_macro.")
    no_validation = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "moons", "options": {
        "n_samples": 100}, "split": {"train": 1.0, "val": 0.0, "test": 0.0}}))
    with pytest.raises(WorkbenchError, match="val_f1_micro does not apply to a classification task"):
        Trainer(new_module(), no_validation, settings.replaced(monitor="val_f1_micro"), graph=graph).fit()
