"""Metrics: classification figures from a confusion matrix, multi-label figures from per-label counts, regression
figures from predictions, and on-device accumulators that gather them batch by batch without a device sync until
the result is asked for.

Conventions: ``confusion[true, predicted]`` counts samples; precision, recall and F1 of a class with no samples
predicted (or none present) are 0, as scikit-learn reports them with ``zero_division=0``. A multi-label output says
yes to a label when its probability is above `LABEL_THRESHOLD` (a logit above 0); its ``accuracy`` is the share of
labels right over all rows and labels, ``exact_match`` the share of rows with every label right.
"""

from __future__ import annotations

import numpy as np


def classification_figures(confusion: np.ndarray, class_names: list[str] | None = None) -> dict:
    """Accuracy, macro precision/recall/F1 and per-class rows from ``confusion[true, predicted]``."""
    confusion = np.asarray(confusion, dtype=np.int64)
    k = confusion.shape[0]
    names = list(class_names) if class_names else [str(i) for i in range(k)]
    total = int(confusion.sum())
    correct = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0).astype(np.float64)
    actual = confusion.sum(axis=1).astype(np.float64)
    precision = np.divide(correct, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(correct, actual, out=np.zeros(k), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(k), where=denom > 0)
    return {
        "accuracy": float(correct.sum() / total) if total else 0.0,
        "precision_macro": float(precision.mean()) if k else 0.0,
        "recall_macro": float(recall.mean()) if k else 0.0,
        "f1_macro": float(f1.mean()) if k else 0.0,
        "per_class": [{"class": names[i], "precision": float(precision[i]), "recall": float(recall[i]),
                       "f1": float(f1[i]), "support": int(actual[i])} for i in range(k)],
        "confusion_matrix": confusion.tolist(),
        "class_names": names,
    }


LABEL_THRESHOLD = 0.5


def multilabel_figures(counts: np.ndarray, exact: int, rows: int, label_names: list[str] | None = None) -> dict:
    """Per-label accuracy, precision, recall and F1, their means, micro F1 and exact match from ``counts`` of shape
    (labels, 4): true positives, false positives, false negatives and true negatives of each label."""
    counts = np.asarray(counts, dtype=np.float64).reshape(-1, 4)
    k = counts.shape[0]
    names = list(label_names) if label_names else [str(i) for i in range(k)]
    tp, fp, fn, tn = counts.T
    precision = np.divide(tp, tp + fp, out=np.zeros(k), where=tp + fp > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros(k), where=tp + fn > 0)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros(k), where=2 * tp + fp + fn > 0)
    accuracy = np.divide(tp + tn, counts.sum(axis=1), out=np.zeros(k), where=counts.sum(axis=1) > 0)
    micro = 2 * tp.sum() + fp.sum() + fn.sum()
    return {
        "accuracy": float((tp + tn).sum() / counts.sum()) if counts.sum() else 0.0,
        "exact_match": float(exact / rows) if rows else 0.0,
        "f1_micro": float(2 * tp.sum() / micro) if micro else 0.0,
        "f1_macro": float(f1.mean()) if k else 0.0,
        "precision_macro": float(precision.mean()) if k else 0.0,
        "recall_macro": float(recall.mean()) if k else 0.0,
        "per_label": [{"label": names[i], "accuracy": float(accuracy[i]), "precision": float(precision[i]),
                       "recall": float(recall[i]), "f1": float(f1[i]), "support": int(tp[i] + fn[i]),
                       "predicted": int(tp[i] + fp[i])} for i in range(k)],
        "label_names": names,
    }


def regression_figures(predictions: np.ndarray, targets: np.ndarray) -> dict:
    """MAE, RMSE and R² (averaged over outputs) of predictions against targets, computed in float64."""
    p = np.asarray(predictions, dtype=np.float64).reshape(len(predictions), -1)
    t = np.asarray(targets, dtype=np.float64).reshape(len(targets), -1)
    err = p - t
    ss_res = (err ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    return {
        "mae": float(np.abs(err).mean()) if err.size else 0.0,
        "rmse": float(np.sqrt((err ** 2).mean())) if err.size else 0.0,
        "r2": r2_from_sums(ss_res, ss_tot),
    }


def r2_from_sums(ss_res: np.ndarray, ss_tot: np.ndarray) -> float:
    """R² averaged over outputs; an output whose targets are all equal scores 1 if predicted exactly, else 0."""
    ss_res = np.atleast_1d(np.asarray(ss_res, dtype=np.float64))
    ss_tot = np.atleast_1d(np.asarray(ss_tot, dtype=np.float64))
    r2 = np.where(ss_tot > 0, 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0), (ss_res == 0).astype(np.float64))
    return float(r2.mean()) if r2.size else 0.0


class ClassificationAccumulator:
    """Sums loss and a confusion matrix on the device, batch by batch; `result()` syncs once."""

    def __init__(self, num_classes: int, device):
        import torch  # lazy

        self.k = num_classes
        self.loss_sum = torch.zeros((), dtype=torch.float32, device=device)
        self.confusion = torch.zeros(num_classes * num_classes, dtype=torch.int64, device=device)
        self.count = 0

    def update(self, outputs, targets, batch_loss_mean) -> None:
        import torch  # lazy

        n = int(targets.shape[0])
        self.loss_sum += batch_loss_mean.detach().float() * n
        predicted = outputs.detach().argmax(dim=1)
        self.confusion += torch.bincount(targets * self.k + predicted, minlength=self.k * self.k)
        self.count += n

    def result(self, class_names: list[str] | None = None) -> dict:
        confusion = self.confusion.view(self.k, self.k).cpu().numpy()
        figures = classification_figures(confusion, class_names)
        figures["loss"] = float(self.loss_sum.item()) / max(self.count, 1)
        return figures


class MultiLabelAccumulator:
    """Sums loss, per-label counts (true/false positives and negatives) and exact matches on the device."""

    def __init__(self, labels: int, device):
        import torch  # lazy

        self.loss_sum = torch.zeros((), dtype=torch.float32, device=device)
        self.counts = torch.zeros((labels, 4), dtype=torch.int64, device=device)
        self.exact = torch.zeros((), dtype=torch.int64, device=device)
        self.count = 0

    def update(self, outputs, targets, batch_loss_mean) -> None:
        import torch  # lazy

        n = int(targets.shape[0])
        self.loss_sum += batch_loss_mean.detach().float() * n
        said = outputs.detach() > 0  # a logit above 0 is a probability above 0.5
        truth = targets.reshape(said.shape) > 0.5
        self.counts += torch.stack([(said & truth).sum(0), (said & ~truth).sum(0), (~said & truth).sum(0),
                                    (~said & ~truth).sum(0)], dim=1)
        self.exact += (said == truth).all(dim=1).sum()
        self.count += n

    def result(self, label_names: list[str] | None = None) -> dict:
        figures = multilabel_figures(self.counts.cpu().numpy(), int(self.exact.item()), self.count, label_names)
        figures["loss"] = float(self.loss_sum.item()) / max(self.count, 1)
        return figures


class RegressionAccumulator:
    """Sums loss, absolute and squared errors per output on the device; R² uses the targets' spread given up front.

    `scale` (per output) turns errors on standardised targets back into the target's units for MAE and RMSE.
    """

    def __init__(self, outputs: int, device, target_ss_tot: np.ndarray, scale: np.ndarray | None = None):
        import torch  # lazy

        self.scale = np.ones(outputs) if scale is None else np.broadcast_to(np.asarray(scale, np.float64), outputs)
        self.loss_sum = torch.zeros((), dtype=torch.float32, device=device)
        self.abs_sum = torch.zeros(outputs, dtype=torch.float32, device=device)
        self.sq_sum = torch.zeros(outputs, dtype=torch.float32, device=device)
        self.ss_tot = np.asarray(target_ss_tot, dtype=np.float64)
        self.count = 0

    def update(self, outputs, targets, batch_loss_mean) -> None:
        n = int(targets.shape[0])
        err = outputs.detach().float().reshape(n, -1) - targets.reshape(n, -1).float()
        self.loss_sum += batch_loss_mean.detach().float() * n
        self.abs_sum += err.abs().sum(dim=0)
        self.sq_sum += (err * err).sum(dim=0)
        self.count += n

    def result(self) -> dict:
        n = max(self.count, 1)
        abs_sum = self.abs_sum.double().cpu().numpy()
        sq_sum = self.sq_sum.double().cpu().numpy()
        return {
            "loss": float(self.loss_sum.item()) / n,
            "mae": float((abs_sum * self.scale).sum() / (n * abs_sum.size)),
            "rmse": float(np.sqrt((sq_sum * self.scale ** 2).sum() / (n * sq_sum.size))),
            "r2": r2_from_sums(sq_sum, self.ss_tot),
        }


def target_spread(targets: np.ndarray) -> np.ndarray:
    """Sum of squared deviations from the mean per output (the denominator of R²)."""
    t = np.asarray(targets, dtype=np.float64).reshape(len(targets), -1)
    return ((t - t.mean(axis=0)) ** 2).sum(axis=0)
