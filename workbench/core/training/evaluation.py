"""`evaluate`: a trained network's figures on one split of its data, for the Evaluate view, the command line and
the run record.

Classification gives loss, accuracy, macro precision/recall/F1, per-class rows, the confusion matrix
(``[true][predicted]``) and the wrongly predicted samples with their probabilities; multi-label gives loss, the
share of labels right (``accuracy``), exact match, micro and macro F1, per-label rows (``per_label``) and the rows with
any label wrong, each with its probabilities; regression gives loss, MAE, RMSE and R² in the target's own units with
the predictions. Bulky per-sample arrays sit under ``"samples"``;
`scalar_metrics` keeps the JSON-safe figures for files and summaries.
"""

from __future__ import annotations

import numpy as np

from workbench.core.data import inverse_target
from workbench.core.errors import DataError
from workbench.core.training.metrics import (LABEL_THRESHOLD, classification_figures, multilabel_figures,
                                             regression_figures)
from workbench.core.training.objective import objective_for

MAX_WRONG_LISTED = 500
SCALAR_KEYS = ("loss", "accuracy", "exact_match", "f1_micro", "f1_macro", "precision_macro", "recall_macro", "mae",
               "rmse", "r2")


def predict_split(module, dataset, split: str, device=None, batch_size: int = 512, objective=None):
    """(outputs, targets, loss) for a split: raw outputs as float32 NumPy, targets as the dataset holds them and
    the mean loss. Runs in eval mode without gradients, on `device` (default: where the module is)."""
    import torch  # lazy


    objective = objective or objective_for(module, dataset)
    if device is None:
        first = next(module.parameters(), None)
        device = first.device if first is not None else torch.device("cpu")
    module.to(device)
    was_training = module.training
    module.eval()
    outputs, loss_sum, count = [], torch.zeros((), device=device), 0
    try:
        with torch.inference_mode():
            for xb, yb in dataset.iter_batches(split, batch_size):
                xb, yb = xb.to(device), yb.to(device)
                out = module(xb)
                loss_sum += objective.loss(out, yb).float() * len(yb)
                count += len(yb)
                outputs.append(out.float())
        out = torch.cat(outputs).cpu().numpy() if outputs else np.zeros((0, objective.outputs), np.float32)
    finally:
        module.train(was_training)
    targets = dataset.arrays(dataset.split_indices(split))[1]
    return out, targets, float(loss_sum.item()) / max(count, 1)


def evaluate(module, dataset, split: str = "test", device=None, graph=None, batch_size: int = 512) -> dict:
    """Figures of `module` on `split` of `dataset`. See the module docstring for the keys."""

    indices = dataset.split_indices(split)
    if not len(indices):
        raise DataError(f"The {split} split is empty, so there is nothing to evaluate. Give it a share of the data "
                        "in the Data tab.")
    objective = objective_for(module, dataset, graph)
    outputs, targets, loss = predict_split(module, dataset, split, device, batch_size, objective)
    result = {"split": split, "task": objective.task, "samples_count": int(len(indices)), "loss": loss}
    if objective.task == "classification":
        result.update(_classification(outputs, targets, indices, list(dataset.class_names)))
    elif objective.task == "multilabel":
        result.update(_multilabel(outputs, targets, indices, list(dataset.class_names)))
    else:
        result.update(_regression(outputs, targets, indices, dataset.preprocessing))
    return result


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def _classification(logits: np.ndarray, targets: np.ndarray, indices: np.ndarray, class_names: list[str]) -> dict:
    k = logits.shape[1]
    probabilities = _softmax(logits)
    predicted = probabilities.argmax(axis=1)
    targets = targets.astype(np.int64)
    confusion = np.bincount(targets * k + predicted, minlength=k * k).reshape(k, k)
    figures = classification_figures(confusion, class_names)
    wrong_rows = np.flatnonzero(predicted != targets)
    # most confident mistakes first: those are the ones worth looking at
    wrong_rows = wrong_rows[np.argsort(-probabilities[wrong_rows, predicted[wrong_rows]], kind="stable")]
    figures["wrong"] = [{"index": int(indices[r]), "true": int(targets[r]), "predicted": int(predicted[r]),
                         "confidence": float(probabilities[r, predicted[r]]),
                         "probabilities": [round(float(p), 6) for p in probabilities[r]]}
                        for r in wrong_rows[:MAX_WRONG_LISTED]]
    figures["wrong_count"] = int(len(wrong_rows))
    figures["samples"] = {"indices": indices, "true": targets, "predicted": predicted, "probabilities": probabilities}
    return figures


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return (0.5 * (1.0 + np.tanh(0.5 * logits.astype(np.float64)))).astype(np.float32)  # no overflow at any logit


def _multilabel(logits: np.ndarray, targets: np.ndarray, indices: np.ndarray, label_names: list[str]) -> dict:
    probabilities = _sigmoid(logits)
    said = probabilities > LABEL_THRESHOLD
    truth = np.asarray(targets).reshape(said.shape) > 0.5
    counts = np.stack([(said & truth).sum(0), (said & ~truth).sum(0), (~said & truth).sum(0), (~said & ~truth).sum(0)],
                      axis=1)
    right = (said == truth).all(axis=1)
    figures = multilabel_figures(counts, int(right.sum()), len(truth), label_names)
    wrong_rows = np.flatnonzero(~right)
    # the most confident mistakes first: the row whose wrong labels were said with the most certainty
    certainty = np.where(said != truth, np.abs(probabilities - 0.5), 0.0).max(axis=1)
    wrong_rows = wrong_rows[np.argsort(-certainty[wrong_rows], kind="stable")]
    figures["wrong"] = [{"index": int(indices[r]), "true": np.flatnonzero(truth[r]).tolist(),
                         "predicted": np.flatnonzero(said[r]).tolist(),
                         "wrong_labels": np.flatnonzero(said[r] != truth[r]).tolist(),
                         "probabilities": [round(float(p), 6) for p in probabilities[r]]}
                        for r in wrong_rows[:MAX_WRONG_LISTED]]
    figures["wrong_count"] = int(len(wrong_rows))
    figures["samples"] = {"indices": indices, "true": truth, "predicted": said, "probabilities": probabilities}
    return figures


def _regression(outputs: np.ndarray, targets: np.ndarray, indices: np.ndarray, preprocessing: dict) -> dict:
    n = len(targets)
    predicted = inverse_target(preprocessing, outputs.reshape(n, -1)).reshape(n, -1)
    true = inverse_target(preprocessing, np.asarray(targets, dtype=np.float64).reshape(n, -1)).reshape(n, -1)
    figures = regression_figures(predicted, true)
    figures["target_names"] = list((preprocessing.get("target") or {}).get("columns") or [])
    figures["samples"] = {"indices": indices, "true": true, "predicted": predicted, "residuals": predicted - true}
    return figures


def scalar_metrics(result: dict) -> dict:
    """The plain numbers of an `evaluate` result (for the `test` object of run records and summaries)."""
    return {k: result[k] for k in SCALAR_KEYS if k in result}


def json_metrics(result: dict, keep_wrong: int = 100) -> dict:
    """An `evaluate` result without its per-sample arrays, with at most `keep_wrong` wrong samples (JSON-safe)."""
    out = {k: v for k, v in result.items() if k != "samples"}
    if "wrong" in out:
        out["wrong"] = out["wrong"][:keep_wrong]
    return out
