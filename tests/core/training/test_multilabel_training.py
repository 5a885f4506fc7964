"""The multi-label objective (binary cross-entropy on the logits), its metrics against scikit-learn, evaluation
(per-label rows, wrong rows = any label wrong) and the plain messages for a head that does not fit the labels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import dataset_problems, fit_graph_to_dataset
from workbench.core.errors import DataError
from workbench.core.graph.model import Graph
from workbench.core.training.evaluation import evaluate
from workbench.core.training.metrics import MultiLabelAccumulator, multilabel_figures
from workbench.core.training.objective import objective_for
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.trainer import Trainer


def traits():
    return load_dataset(DatasetSpec(source="builtin", name="digit_traits"))


def mlp(head: str = "MultiLabelHead", params: dict | None = None) -> Graph:
    graph = Graph()
    ids = [graph.add_node("Input", {"shape": [1, 8, 8]}).id, graph.add_node("Flatten").id,
           graph.add_node("Dense", {"units": 32}).id, graph.add_node("ReLU").id,
           graph.add_node(head, params if params is not None else {"labels": 3}).id]
    for a, b in zip(ids, ids[1:]):
        graph.connect(a, b)
    return graph


def test_the_loss_is_binary_cross_entropy_on_the_logits_and_stays_finite_at_huge_logits():
    ds = traits()
    graph = mlp()
    objective = objective_for(build_module(graph), ds, graph)
    assert (objective.task, objective.loss_name, objective.outputs) == ("multilabel", "binary_cross_entropy", 3)
    logits = torch.tensor([[2.0, -1.0, 0.5], [-3.0, 4.0, 0.0]])
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    p = torch.sigmoid(logits)
    by_hand = -(targets * p.log() + (1 - targets) * (1 - p).log()).mean()
    assert objective.loss(logits, targets).item() == pytest.approx(by_hand.item(), rel=1e-6)
    huge = torch.tensor([[1000.0, -1000.0, 1000.0]])
    assert objective.loss(huge, torch.tensor([[0.0, 1.0, 1.0]])).item() == pytest.approx(2000 / 3, rel=1e-6)


def test_a_head_with_the_wrong_number_of_labels_gets_a_plain_message():
    ds = load_dataset(DatasetSpec(source="builtin", name="digit_traits"))
    graph = mlp(params={"labels": 5})
    with pytest.raises(DataError, match=r"^This dataset has 3 labels per row; the Multi-label output has 5 outputs: "
                                        r"set its Labels to 3, or choose the data again"):
        objective_for(build_module(graph), ds, graph)
    problems = dataset_problems(graph, ds.info())
    assert [p.message for p in problems] == [
        "The data 'Digit traits (multi-label)' has 3 labels per row; Multi-label output 'labeller1' has 5 outputs: "
        "set its Labels to 3, or choose the data again on the Data page to fit the network to it."]


def test_a_classifier_on_labels_is_refused_and_fitting_puts_a_multilabel_head_in_its_place():
    ds = traits()
    graph = mlp("ClassificationHead", {"classes": 10})
    with pytest.raises(DataError, match=r"^The data is a multi-label task, but the network ends in a Classification "
                                        r"output layer\."):
        objective_for(build_module(graph), ds, graph)
    assert "multi-label (several yes-or-no labels per row)" in dataset_problems(graph, ds.info())[0].message
    fit_graph_to_dataset(graph, ds)
    head = graph.head_nodes()[0]
    assert head.type == "MultiLabelHead" and head.params == {"labels": 3} and head.name == "classifier1"


def test_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    truth = rng.random((200, 4)) < 0.4
    said = np.where(rng.random((200, 4)) < 0.8, truth, ~truth)
    said[:, 3] = False  # a label never given: its F1 is 0, as scikit-learn's zero_division=0
    counts = np.stack([(said & truth).sum(0), (said & ~truth).sum(0), (~said & truth).sum(0), (~said & ~truth).sum(0)],
                      axis=1)
    figures = multilabel_figures(counts, int((said == truth).all(axis=1).sum()), 200, list("abcd"))
    assert figures["exact_match"] == pytest.approx(accuracy_score(truth, said))
    assert figures["f1_micro"] == pytest.approx(f1_score(truth, said, average="micro", zero_division=0))
    assert figures["f1_macro"] == pytest.approx(f1_score(truth, said, average="macro", zero_division=0))
    assert figures["accuracy"] == pytest.approx((said == truth).mean())
    assert [r["accuracy"] for r in figures["per_label"]] == pytest.approx((said == truth).mean(axis=0))
    acc = MultiLabelAccumulator(4, torch.device("cpu"))
    logits = torch.from_numpy(np.where(said, 1.0, -1.0).astype(np.float32))
    acc.update(logits, torch.from_numpy(truth.astype(np.float32)), torch.tensor(0.5))
    online = acc.result(list("abcd"))
    assert online["f1_micro"] == pytest.approx(figures["f1_micro"]) and online["loss"] == pytest.approx(0.5)


def test_training_on_the_digit_traits_beats_chance_and_evaluates_per_label():
    torch.manual_seed(0)
    ds = traits()
    graph = mlp()
    module = build_module(graph)
    settings = TrainingSettings(epochs=15, batch_size=64, learning_rate=0.01, monitor="val_f1_macro", seed=0)
    result = Trainer(module, ds, settings, device="cpu", graph=graph, num_threads=1).fit()
    assert result.monitor == "val_f1_macro"
    assert {"val_accuracy", "val_f1_macro", "val_f1_micro", "val_exact_match"} <= set(result.history[-1])
    figures = evaluate(module, ds, "test", graph=graph)
    majority = max(ds.y[ds.split_indices("test")].mean(), 1 - ds.y[ds.split_indices("test")].mean())
    assert figures["task"] == "multilabel" and figures["accuracy"] > majority + 0.2
    assert figures["exact_match"] > 0.6 and figures["f1_macro"] > 0.8
    assert [r["label"] for r in figures["per_label"]] == ["even", "greater than 4", "prime"]
    assert "confusion_matrix" not in figures
    samples = figures["samples"]
    any_wrong = (samples["predicted"] != samples["true"]).any(axis=1)
    assert figures["wrong_count"] == int(any_wrong.sum()) > 0
    first = figures["wrong"][0]
    assert first["wrong_labels"] and set(first["wrong_labels"]) == set(first["true"]) ^ set(first["predicted"])
    assert len(first["probabilities"]) == 3
