"""Warnings a beginner needs after a run, each one sentence saying what happened and what to try.

Checks: a run that has not learned anything (its best epoch near the start and its accuracy near chance, or for
numbers an R² near zero: usually a learning rate too low or a stop too early); a classifier that predicts one
class for everything, or no better than always guessing the most common class; a validation loss that rises while
the training loss falls (overfitting); a loss that jumps about (a learning rate that is too high).
"""

from __future__ import annotations

import numpy as np

OVERFIT_RISE = 1.15  # the mean of the last validation losses this many times the best, ...
OVERFIT_MIN_EPOCHS_AFTER = 5  # ... with the best at least this many epochs (and a fifth of the run) before the end
OVERFIT_TAIL = 3  # epochs averaged at the end
JUMP_RISE = 1.10  # an epoch whose training loss is this many times the previous one "jumped"
JUMP_SHARE = 0.3  # warn when at least this share of epochs jumped
SPIKE_FACTOR = 3.0  # a late batch loss this many times the late median, ...
SPIKE_EARLY_SHARE = 0.5  # ... and at least this share of the early median, is a spike
NOT_LEARNED_MIN_EPOCHS = 3  # a run this long or longer ...
NOT_LEARNED_EARLY_SHARE = 0.2  # ... whose best epoch is in this first share of it (or the first two), ...
NOT_LEARNED_MARGIN = 0.1  # ... and an accuracy at most this much above chance (or an R² at most this) has not learned


def beginner_warnings(history: list[dict], batch_losses=None, evaluation: dict | None = None,
                      learning_rate: float | None = None) -> list[str]:
    warnings = []
    not_learned = not_learned_warning(history, evaluation, learning_rate)
    if not_learned:
        warnings.append(not_learned)
    if evaluation is not None and evaluation.get("task") == "classification":
        warnings += _classification_warnings(evaluation)
    overfit = overfitting_warning(history)
    if overfit:
        warnings.append(overfit)
    jumpy = jumpy_loss_warning(history, batch_losses, learning_rate)
    if jumpy:
        warnings.append(jumpy)
    return warnings


def _classification_warnings(evaluation: dict) -> list[str]:
    confusion = np.asarray(evaluation["confusion_matrix"])
    names = evaluation.get("class_names") or [str(i) for i in range(len(confusion))]
    predicted_counts = confusion.sum(axis=0)
    true_counts = confusion.sum(axis=1)
    split = evaluation.get("split", "test")
    used = np.flatnonzero(predicted_counts)
    if len(used) == 1 and (true_counts > 0).sum() > 1:
        return [f"The model predicts '{names[used[0]]}' for every {split} sample: it has not learned to tell the "
                "classes apart. Train longer, try a higher learning rate, or check that the inputs carry the "
                "information needed."]
    total = true_counts.sum()
    if total and len(true_counts) > 1:
        majority = true_counts.max() / total
        if majority >= 0.5 and evaluation["accuracy"] <= majority + 1e-9:
            return [f"The accuracy ({evaluation['accuracy']:.0%}) is no better than always guessing the most "
                    f"common class ('{names[int(true_counts.argmax())]}', {majority:.0%} of the {split} samples). "
                    "Look at the per-class recall: the rare classes are probably missed."]
    return []


def not_learned_warning(history: list[dict], evaluation: dict | None = None,
                        learning_rate: float | None = None) -> str | None:
    """A warning when the run's best epoch is near its start and the model is near chance: accuracy at most
    `NOT_LEARNED_MARGIN` above always guessing the most common class (from `evaluation`'s confusion matrix, or one
    over the number of classes), or for numbers an R² at most `NOT_LEARNED_MARGIN`."""
    rows = [h for h in history if _finite(h.get("val_loss"))]
    if len(rows) < NOT_LEARNED_MIN_EPOCHS:
        return None
    best = int(np.argmin([h["val_loss"] for h in rows]))
    if best >= max(2, round(NOT_LEARNED_EARLY_SHARE * len(rows))):
        return None
    best_row = rows[best]
    if _finite(best_row.get("val_accuracy")):
        accuracy = evaluation["accuracy"] if evaluation and _finite(evaluation.get("accuracy")) \
            else best_row["val_accuracy"]
        chance = _chance(evaluation)
        if chance is None or accuracy > chance + NOT_LEARNED_MARGIN:
            return None
        how = f"its accuracy ({accuracy:.0%}) is close to guessing ({chance:.0%})"
    elif _finite(best_row.get("val_r2")):
        if best_row["val_r2"] > NOT_LEARNED_MARGIN:
            return None
        how = f"its R² ({best_row['val_r2']:.2f}) is close to always predicting the mean (0)"
    else:
        return None
    lr = f" than {learning_rate:g}" if learning_rate else ""
    return (f"The model has not learned anything yet: its best epoch was epoch {best_row['epoch'] + 1} of "
            f"{len(rows)} and {how}. Try a learning rate 3 to 10 times higher{lr}, more epochs, and early stopping "
            "off or with more patience, so that the model gets past its first epochs.")


def _chance(evaluation: dict | None) -> float | None:
    if not evaluation or "confusion_matrix" not in evaluation:
        return None
    true_counts = np.asarray(evaluation["confusion_matrix"]).sum(axis=1)
    if not true_counts.sum() or len(true_counts) < 2:
        return None
    return max(float(true_counts.max() / true_counts.sum()), 1.0 / len(true_counts))


def overfitting_warning(history: list[dict]) -> str | None:
    """A warning when the validation loss has been rising while the training loss kept falling."""
    rows = [h for h in history if _finite(h.get("val_loss")) and _finite(h.get("train_loss"))]
    if len(rows) < OVERFIT_MIN_EPOCHS_AFTER + OVERFIT_TAIL:
        return None
    val = np.array([h["val_loss"] for h in rows])
    train = np.array([h["train_loss"] for h in rows])
    best = int(val.argmin())
    after = len(rows) - 1 - best
    tail_val = val[-OVERFIT_TAIL:].mean()
    tail_train = train[-OVERFIT_TAIL:].mean()
    if after >= max(OVERFIT_MIN_EPOCHS_AFTER, len(rows) // 5) and tail_val > OVERFIT_RISE * val[best] \
            and tail_train < train[best]:
        return (f"Overfitting: the validation loss was lowest at epoch {rows[best]['epoch'] + 1} and has risen since "
                f"(by {tail_val / val[best] - 1:.0%}) while the training loss kept falling: the model is learning "
                "the training samples by heart. Keep early stopping on, add Dropout, use weight decay, or get more "
                "data.")
    return None


def jumpy_loss_warning(history: list[dict], batch_losses=None, learning_rate: float | None = None) -> str | None:
    """A warning when the training loss jumps up often between epochs or spikes late in the run."""
    lr = f" ({learning_rate:g})" if learning_rate else ""
    train = np.array([h["train_loss"] for h in history if _finite(h.get("train_loss"))])
    if len(train) >= 5:
        jumps = np.sum(train[1:] > JUMP_RISE * train[:-1])
        if jumps / (len(train) - 1) >= JUMP_SHARE:
            return (f"The training loss jumps up in {jumps} of {len(train) - 1} epochs instead of going down "
                    f"steadily. The learning rate{lr} is probably too high: try one 3 to 10 times smaller.")
    if batch_losses is not None and len(batch_losses) >= 50:
        losses = np.asarray(batch_losses, dtype=np.float64)
        losses = losses[np.isfinite(losses)]
        tail = max(20, len(losses) // 5)
        late, early = losses[-tail:], losses[:max(5, len(losses) // 10)]
        median = np.median(late) if late.size else 0.0
        # a spike is large against the usual late loss and against the loss the run started from
        spikes = (late > SPIKE_FACTOR * median) & (late > SPIKE_EARLY_SHARE * np.median(early))
        if median > 0 and np.mean(spikes) > 0.05:
            return (f"The batch loss keeps spiking late in training (often over {SPIKE_FACTOR:g} times its usual "
                    f"value). The learning rate{lr} may be too high, or the batch size too small.")
    return None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and np.isfinite(value)
