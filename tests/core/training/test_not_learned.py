"""The "has not learned anything yet" warning: a run whose best epoch is near its start and whose model is near
chance, for classification and regression alike, and on a real run on labels that cannot be learned."""

from __future__ import annotations

import numpy as np

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.core.project.actions import train_project
from workbench.core.training.advice import beginner_warnings, not_learned_warning
from workbench.core.training.metrics import classification_figures


def _history(val_loss, **metric):
    name, values = next(iter(metric.items()))
    return [{"epoch": i, "train_loss": 0.7, "val_loss": v, name: m} for i, (v, m) in enumerate(zip(val_loss, values))]


FLAT = [0.69, 0.70, 0.71, 0.70, 0.72, 0.71, 0.73, 0.72, 0.74, 0.73, 0.75]


def _evaluation(confusion):
    return {"task": "classification", "split": "test", **classification_figures(np.array(confusion), ["a", "b"])}


def test_a_run_stopped_near_its_start_at_chance_is_flagged():
    warning = not_learned_warning(_history(FLAT, val_accuracy=[0.55] * 11), _evaluation([[12, 10], [11, 12]]), 0.001)
    assert warning.startswith("The model has not learned anything yet: its best epoch was epoch 1 of 11")
    assert "its accuracy (53%) is close to guessing (51%)" in warning
    assert "Try a learning rate 3 to 10 times higher than 0.001" in warning
    assert warning in beginner_warnings(_history(FLAT, val_accuracy=[0.55] * 11), None,
                                        _evaluation([[12, 10], [11, 12]]), 0.001)


def test_a_good_model_or_a_late_best_epoch_is_not_flagged():
    assert not_learned_warning(_history(FLAT, val_accuracy=[0.9] * 11), _evaluation([[20, 2], [2, 21]])) is None
    late = list(np.linspace(0.7, 0.5, 8)) + [0.55, 0.56, 0.57]
    assert not_learned_warning(_history(late, val_accuracy=[0.55] * 11), _evaluation([[12, 10], [11, 12]])) is None
    assert not_learned_warning(_history(FLAT[:2], val_accuracy=[0.5] * 2), _evaluation([[12, 10], [11, 12]])) is None


def test_regression_near_the_mean_is_flagged():
    warning = not_learned_warning(_history(FLAT, val_r2=[0.02] * 11))
    assert "has not learned anything yet" in warning and "R² (0.02)" in warning
    assert not_learned_warning(_history(FLAT, val_r2=[0.6] * 11)) is None


def test_a_real_run_on_labels_that_cannot_be_learned_gets_the_warning(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "noise.csv"
    path.write_text("x1,x2,x3,y\n" + "".join(f"{a:.4f},{b:.4f},{c:.4f},{'pq'[int(k)]}\n" for a, b, c, k in
                                            zip(*rng.normal(size=(3, 300)), rng.integers(0, 2, 300))))
    project = open_template("mlp")
    settings = project.training.replaced(device="cpu", learning_rate=0.01, epochs=40, patience=5)
    warnings = {}
    for name, spec in (("noise", {"source": "csv", "path": str(path)}), ("moons", {"source": "builtin",
                                                                                   "name": "moons"})):
        project.dataset = DatasetSpec.from_dict(spec)
        dataset = load_dataset(project.dataset)
        fit_graph_to_dataset(project.graph, dataset)
        outcome = train_project(project, tmp_path / name, dataset=dataset, settings=settings, num_threads=1)
        warnings[name] = outcome.record.warnings
    assert any(w.startswith("The model has not learned anything yet") for w in warnings["noise"])
    assert not any("has not learned" in w for w in warnings["moons"])
