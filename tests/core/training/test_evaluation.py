"""Evaluation figures checked against cases computed by hand, and the warnings for beginners."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from workbench.core.build import build_module
from workbench.core.data import Dataset, DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.errors import DataError
from workbench.core.project import open_template
from workbench.core.training import Trainer, TrainingSettings
from workbench.core.training.advice import beginner_warnings, jumpy_loss_warning, overfitting_warning
from workbench.core.training.evaluation import evaluate, json_metrics, scalar_metrics
from workbench.core.training.metrics import classification_figures, regression_figures

LN = math.log


class Passthrough(nn.Module):
    """Returns its input: the dataset's x are the logits (or outputs) we want to evaluate."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return x


def dataset_of(x, y, test, task="classification", class_names=("a", "b", "c"), preprocessing=None):
    x = np.asarray(x, dtype=np.float32)
    return Dataset(name="hand", task=task, x=x, y=np.asarray(y), class_names=list(class_names),
                   input_shape=x.shape[1:], input_dtype="float",
                   preprocessing=preprocessing or {"kind": "array"},
                   splits={"train": np.array([0], np.int64), "val": np.array([], np.int64),
                           "test": np.asarray(test, np.int64)}, report=[])


# sample 0 is training data; samples 1..6 are the test split
LOGITS = [[0, 0, 0],
          [LN(2), 0, 0], [0, LN(3), 0], [0, LN(2), 0], [0, LN(6), 0], [0, 0, LN(2)], [LN(8), 0, 0]]
TRUE = [0, 0, 0, 1, 1, 2, 2]


def test_classification_figures_by_hand():
    result = evaluate(Passthrough(), dataset_of(LOGITS, TRUE, [1, 2, 3, 4, 5, 6]), "test")
    assert result["split"] == "test" and result["samples_count"] == 6
    assert result["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert result["accuracy"] == pytest.approx(4 / 6)
    rows = {r["class"]: r for r in result["per_class"]}
    assert (rows["a"]["precision"], rows["a"]["recall"], rows["a"]["f1"]) == pytest.approx((0.5, 0.5, 0.5))
    assert (rows["b"]["precision"], rows["b"]["recall"], rows["b"]["f1"]) == pytest.approx((2 / 3, 1.0, 0.8))
    assert (rows["c"]["precision"], rows["c"]["recall"], rows["c"]["f1"]) == pytest.approx((1.0, 0.5, 2 / 3))
    assert [r["support"] for r in result["per_class"]] == [2, 2, 2]
    assert result["f1_macro"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert result["precision_macro"] == pytest.approx((0.5 + 2 / 3 + 1) / 3)
    p_true = [0.5, 0.2, 0.5, 0.75, 0.5, 0.1]
    assert result["loss"] == pytest.approx(np.mean([-LN(p) for p in p_true]), rel=1e-5)
    # wrong predictions, most confident first, named by their index in the whole dataset
    assert [(w["index"], w["true"], w["predicted"]) for w in result["wrong"]] == [(6, 2, 0), (2, 0, 1)]
    assert result["wrong"][0]["confidence"] == pytest.approx(0.8)
    assert result["wrong"][1]["probabilities"] == pytest.approx([0.2, 0.6, 0.2])
    assert result["wrong_count"] == 2
    samples = result["samples"]
    assert samples["indices"].tolist() == [1, 2, 3, 4, 5, 6]
    assert samples["predicted"].tolist() == [0, 1, 1, 1, 2, 0]
    assert samples["probabilities"].shape == (6, 3)
    assert scalar_metrics(result) == {k: result[k] for k in
                                      ("loss", "accuracy", "f1_macro", "precision_macro", "recall_macro")}
    assert "samples" not in json_metrics(result)


def test_regression_figures_by_hand_in_the_targets_units():
    pre = {"kind": "array", "target": {"task": "regression", "columns": ["price"], "mean": [10.0], "std": [2.0]}}
    x = [[0.0], [0.5], [1.0], [-1.0], [0.0]]  # outputs (standardised)
    y = [0.0, 0.0, 1.0, -1.0, 0.5]  # targets (standardised): 10, 12, 8, 11 in the column's units
    result = evaluate(Passthrough(), dataset_of(x, y, [1, 2, 3, 4], "regression", (), pre), "test")
    assert result["task"] == "regression"
    assert result["mae"] == pytest.approx(0.5)
    assert result["rmse"] == pytest.approx(math.sqrt(0.5))
    assert result["r2"] == pytest.approx(1 - 2 / 8.75)
    assert result["loss"] == pytest.approx(0.125)  # mean squared error on the standardised targets
    assert result["samples"]["predicted"].ravel().tolist() == pytest.approx([11, 12, 8, 10])
    assert result["samples"]["residuals"].ravel().tolist() == pytest.approx([1, 0, 0, -1])
    assert result["target_names"] == ["price"]


def test_metric_helpers_on_edge_cases():
    empty_class = classification_figures(np.array([[2, 0], [0, 0]]))
    assert empty_class["per_class"][1] == {"class": "1", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert empty_class["accuracy"] == 1.0
    constant = regression_figures(np.array([3.0, 3.0]), np.array([3.0, 3.0]))
    assert constant == {"mae": 0.0, "rmse": 0.0, "r2": 1.0}


def test_empty_split_is_explained():
    with pytest.raises(DataError, match="The val split is empty"):
        evaluate(Passthrough(), dataset_of(LOGITS, TRUE, [1, 2]), "val")


def test_validation_during_training_agrees_with_evaluate():
    project = open_template("mlp")
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "moons",
                                                  "options": {"n_samples": 200}}))
    fit_graph_to_dataset(project.graph, dataset)
    module = build_module(project.graph)
    settings = TrainingSettings(epochs=2, batch_size=32, early_stopping=False, restore_best=False)
    result = Trainer(module, dataset, settings, graph=project.graph).fit()
    val = evaluate(module, dataset, "val", graph=project.graph)
    assert result.history[-1]["val_accuracy"] == pytest.approx(val["accuracy"])
    assert result.history[-1]["val_f1_macro"] == pytest.approx(val["f1_macro"])
    assert result.history[-1]["val_loss"] == pytest.approx(val["loss"], rel=1e-5)


# --- warnings for beginners ------------------------------------------------------------------------------------

def history(train, val):
    return [{"epoch": i, "train_loss": t, "val_loss": v} for i, (t, v) in enumerate(zip(train, val))]


def test_single_class_predictions_are_flagged():
    always_a = [[5, 0, 0]] * 7
    result = evaluate(Passthrough(), dataset_of(always_a, TRUE, [1, 2, 3, 4, 5, 6]), "test")
    warnings = beginner_warnings([], None, result)
    assert len(warnings) == 1 and "predicts 'a' for every test sample" in warnings[0]


def test_majority_guessing_is_flagged():
    figures = classification_figures(np.array([[7, 1], [2, 0]]), ["ok", "bad"])
    (warning,) = beginner_warnings([], None, {"task": "classification", "split": "test", **figures})
    assert "The accuracy (70%)" in warning
    assert "no better than always guessing the most common class ('ok', 80%" in warning


def test_overfitting_is_flagged_only_when_validation_rises_while_training_falls():
    train = list(np.linspace(1.0, 0.1, 20))
    rising = [1.0 - 0.05 * i for i in range(8)] + [0.65 + 0.05 * i for i in range(12)]
    warning = overfitting_warning(history(train, rising))
    assert warning and "lowest at epoch 8" in warning
    assert overfitting_warning(history(train, list(np.linspace(1.0, 0.3, 20)))) is None
    # noise in the last few epochs is not overfitting
    wobble = list(np.linspace(1.0, 0.3, 18)) + [0.36, 0.31]
    assert overfitting_warning(history(train, wobble)) is None


def test_jumpy_loss_is_flagged():
    jumpy = [1.0, 0.5, 0.9, 0.4, 0.8, 0.3, 0.9, 0.4, 1.0]
    warning = jumpy_loss_warning(history(jumpy, jumpy), learning_rate=0.5)
    assert warning and "learning rate (0.5) is probably too high" in warning
    smooth = list(np.linspace(1.0, 0.1, 9))
    assert jumpy_loss_warning(history(smooth, smooth)) is None
    spikes = np.full(200, 0.2)
    spikes[-40::5] = 2.5
    assert "keeps spiking" in jumpy_loss_warning([], spikes)
    settled = np.concatenate([np.full(100, 2.0), np.full(100, 0.01)])
    settled[-30::10] = 0.05  # small wiggles near zero are fine
    assert jumpy_loss_warning([], settled) is None
