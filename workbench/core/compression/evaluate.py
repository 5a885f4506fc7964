"""Figures of an ONNX variant on the validation and test splits, run in ONNX Runtime, with the training engine's
metric definitions (accuracy, macro F1, ... for classes; for labels also micro F1 and exact match, read from the
probabilities a multi-label file gives; MAE, RMSE, R² in the target's units for numbers)."""

from __future__ import annotations

import numpy as np

from workbench.core.data import inverse_target
from workbench.core.export.verify import runtime_outputs
from workbench.core.training.metrics import (LABEL_THRESHOLD, classification_figures, multilabel_figures,
                                             regression_figures)

METRIC_KEYS = ("accuracy", "exact_match", "f1_micro", "f1_macro", "precision_macro", "recall_macro", "mae", "rmse",
               "r2")


def split_metrics(session, dataset, split: str) -> dict | None:
    """Scalar figures of the session's model on `split` (None when the split is empty)."""
    indices = dataset.split_indices(split) if split in dataset.splits else np.zeros(0, np.int64)
    if not len(indices):
        return None
    outputs = []
    for start in range(0, len(indices), 2048):
        x, _ = dataset.arrays(indices[start:start + 2048])
        outputs.append(runtime_outputs(session, [x])[0])
    out = np.concatenate(outputs)
    _, y = dataset.arrays(indices)
    if dataset.task == "classification":
        k = out.shape[1]
        predicted = out.argmax(axis=1)
        confusion = np.bincount(y.astype(np.int64) * k + predicted, minlength=k * k).reshape(k, k)
        figures = classification_figures(confusion, list(dataset.class_names))
    elif dataset.task == "multilabel":
        said, truth = out > LABEL_THRESHOLD, np.asarray(y).reshape(out.shape) > 0.5
        counts = np.stack([(said & truth).sum(0), (said & ~truth).sum(0), (~said & truth).sum(0),
                           (~said & ~truth).sum(0)], axis=1)
        figures = multilabel_figures(counts, int((said == truth).all(axis=1).sum()), len(truth),
                                     list(dataset.class_names))
    else:

        n = len(y)
        predicted = inverse_target(dataset.preprocessing, out.reshape(n, -1)).reshape(n, -1)
        true = inverse_target(dataset.preprocessing, np.asarray(y, np.float64).reshape(n, -1)).reshape(n, -1)
        figures = regression_figures(predicted, true)
    return {k: float(figures[k]) for k in METRIC_KEYS if k in figures}


def variant_metrics(session, dataset) -> dict:
    return {split: m for split in ("val", "test") if (m := split_metrics(session, dataset, split)) is not None}
