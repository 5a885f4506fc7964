"""`GlossaryLinks`: a small row of links ("What do these words mean? Loss  Accuracy ...") that a page puts beside its
figures; each link opens its word in the help browser. `train_terms` gives the Train page's words for a task: those
of training, then the figures the task measures (its early-stopping monitors)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from workbench.core.help import GLOSSARY, glossary_topic
from workbench.core.training.settings import TASK_MONITORS
from workbench.gui.help.browser import open_help

TRAINING_TERMS = ["loss", "validation", "epoch", "batch", "learning_rate", "overfitting", "early_stopping"]
MONITOR_TERMS = {"val_loss": "loss", "val_accuracy": "accuracy", "val_f1_macro": "f1", "val_f1_micro": "f1",
                 "val_exact_match": "exact_match", "val_mae": "mae", "val_rmse": "rmse", "val_r2": "r2"}
"""Each early-stopping monitor's glossary entry."""
CLASSIFICATION_TERMS = ["accuracy", "f1", "precision", "recall", "loss", "confusion_matrix", "overfitting"]
REGRESSION_TERMS = ["r2", "mae", "rmse", "loss", "overfitting"]
MULTILABEL_TERMS = ["accuracy", "exact_match", "f1", "precision", "recall", "loss", "overfitting"]


def train_terms(task: str) -> list[str]:
    """The Train page's words for a project of `task`: training's, then the figures that task measures (accuracy
    and F1 for a classifier, MAE, RMSE and R² for a regression, ...), each once."""
    figures = [MONITOR_TERMS[m] for m in TASK_MONITORS.get(task, ()) if m in MONITOR_TERMS]
    return list(dict.fromkeys(TRAINING_TERMS + figures))


class GlossaryLinks(QWidget):
    """Links to the glossary entries `keys`, in this order; `links` holds each link's label by key."""

    def __init__(self, keys: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(10)
        caption = QLabel("What do these words mean?", self)
        caption.setStyleSheet("color: gray;")
        self.row.addWidget(caption)
        self.row.addStretch(1)
        self.keys: list[str] = []
        self.links: dict[str, QLabel] = {}
        self.set_terms(keys)

    def set_terms(self, keys: list[str]) -> None:
        if keys == self.keys:
            return
        for label in self.links.values():
            self.row.removeWidget(label)
            label.deleteLater()
        self.keys, self.links = list(keys), {}
        for i, key in enumerate(keys):
            title = GLOSSARY[key].title.split(" (")[0]
            label = QLabel(f"<a href='{glossary_topic(key)}'>{html.escape(title)}</a>", self)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                          | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            label.setToolTip(f"What “{title}” means, in plain words")
            label.linkActivated.connect(lambda topic: open_help(self, topic))
            self.row.insertWidget(1 + i, label)
            self.links[key] = label
