"""The glossary: the words and figures of the Train and Evaluate pages explained for someone who has never read a
machine-learning text, each entry keyed by a short name that links use ("glossary:accuracy")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GlossaryEntry:
    """One word: its title as shown, a plain explanation, and the keys of related entries."""

    title: str
    text: str
    see_also: tuple[str, ...] = ()


GLOSSARY: dict[str, GlossaryEntry] = {
    "sample": GlossaryEntry(
        "Sample",
        "One example the network learns from or answers about: one row of a table, one picture, one piece of "
        "text. A dataset is many samples, each with the answer it should give (its label or target).",
        ("batch", "validation")),
    "loss": GlossaryEntry(
        "Loss",
        "A single number that says how wrong the network's answers are: 0 would be perfect, bigger is worse. "
        "Training is nothing more than nudging the weights, again and again, so that the loss goes down. Watch "
        "the curve: it should fall quickly at first, then level off.",
        ("validation", "overfitting", "learning_rate")),
    "accuracy": GlossaryEntry(
        "Accuracy",
        "The share of samples the network answers correctly: 90% means 9 out of 10. Easy to read, but it can "
        "mislead when one class is much more common than the others: a network that always answers \"healthy\" "
        "is 95% accurate if 95% of the samples are healthy. Precision, recall and the confusion matrix show more.",
        ("precision", "recall", "confusion_matrix")),
    "precision": GlossaryEntry(
        "Precision",
        "Of all the samples the network put in a class, the share that really belong there. High precision "
        "means that when the network says \"cat\", you can believe it.",
        ("recall", "f1", "confusion_matrix")),
    "recall": GlossaryEntry(
        "Recall",
        "Of all the samples that really belong to a class, the share the network found. High recall means few "
        "cats are missed, even if some dogs get called cats too.",
        ("precision", "f1", "confusion_matrix")),
    "f1": GlossaryEntry(
        "F1 score",
        "Precision and recall combined into one number between 0 and 1 (their harmonic mean); it is high only "
        "when both are. \"F1 (mean over classes)\" averages it over the classes, so small classes count as much "
        "as large ones. With several labels per sample, \"F1 (all labels together)\" pools the answers of every "
        "label first, so common labels weigh more, while \"mean over labels\" gives each label the same weight.",
        ("precision", "recall", "accuracy")),
    "confusion_matrix": GlossaryEntry(
        "Confusion matrix",
        "A table of which classes get mixed up. Each row is the true class, each column the network's answer; "
        "the number in a cell counts the samples. The diagonal holds the correct answers; a big number off the "
        "diagonal shows two classes the network confuses. Click a cell to see those samples.",
        ("accuracy", "precision", "recall")),
    "exact_match": GlossaryEntry(
        "Exact match",
        "With several labels per sample (multi-label), the share of samples whose labels are all right: one "
        "wrong label makes the whole sample count as wrong. \"Labels right\" counts each label on its own, so it "
        "is always at least as high.",
        ("accuracy", "f1")),
    "overfitting": GlossaryEntry(
        "Overfitting",
        "When a network learns its training samples by heart instead of the general pattern: it does ever better "
        "on the training data but worse on data it has not seen. You see it when the training loss keeps falling "
        "while the validation loss starts to rise. Remedies: more data, a smaller network, Dropout, fewer epochs "
        "(early stopping does this for you).",
        ("validation", "loss", "epoch")),
    "early_stopping": GlossaryEntry(
        "Early stopping",
        "Ends training once the watched figure (\"Watch\" on the Train page) has not improved for a number of "
        "epochs, the patience, and keeps the weights of its best epoch. The validation loss is a good figure to "
        "watch; with several labels per sample, \"F1 (all labels together)\" or \"exact match\" follow more "
        "closely how often the labels come out right. The list offers only the figures your data's task measures.",
        ("overfitting", "validation", "exact_match")),
    "learning_rate": GlossaryEntry(
        "Learning rate",
        "How big a step the weights take after each batch. Too big and the loss jumps about or grows; too small "
        "and training crawls. 0.001 is a good start with the Adam optimizer. A schedule can lower it as training "
        "goes on.",
        ("loss", "batch", "epoch")),
    "epoch": GlossaryEntry(
        "Epoch",
        "One pass over all the training samples. Training usually takes tens of epochs; after each one the "
        "network is checked on the validation samples.",
        ("batch", "validation", "overfitting")),
    "batch": GlossaryEntry(
        "Batch",
        "A handful of samples (for example 64) that the network looks at together before it adjusts its weights "
        "once. Bigger batches make each step steadier and faster per sample, but need more memory.",
        ("epoch", "learning_rate")),
    "validation": GlossaryEntry(
        "Validation",
        "Samples set aside and never trained on, used after each epoch to check how the network does on data it "
        "has not seen. The test samples are set aside too, and used only once at the end, for the final figures. "
        "The Data page sets how the samples are split.",
        ("overfitting", "epoch", "loss")),
    "r2": GlossaryEntry(
        "R² (coefficient of determination)",
        "How much better the network predicts numbers than always guessing the average. 1 is perfect, 0 is no "
        "better than the average, below 0 is worse than that.",
        ("mae", "rmse")),
    "mae": GlossaryEntry(
        "MAE (mean absolute error)",
        "How far off the predicted numbers are on average, in the target's own units: an MAE of 3 on house "
        "prices in thousands means about 3,000 off per house.",
        ("rmse", "r2")),
    "rmse": GlossaryEntry(
        "RMSE (root mean squared error)",
        "Like MAE, in the target's units, but big misses count more than small ones. When RMSE is much larger "
        "than MAE, a few predictions are far off.",
        ("mae", "r2")),
}
