"""`Predictor`: an exported model in ONNX Runtime with what its metadata says about its input and its answer.

`predict(raw)` prepares raw input as the metadata's preprocessing says (images, table rows as dicts, texts, arrays),
runs it and reads the answer: the most likely classes with their probabilities, the labels over 0.5 (of a multi-label
model, whose file gives probabilities) with their probabilities, or the predicted values in the target's own units.
The Try-it page shows these answers; `predict.py` beside an export does the same on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.core.data import apply_preprocessing, inverse_target
from workbench.core.errors import WorkbenchError
from workbench.core.export.metadata import read_metadata
from workbench.core.export.runtime import open_session

TOP_CLASSES = 5
LABEL_THRESHOLD = 0.5


@dataclass
class Answer:
    """What the model says about one sample."""

    outputs: np.ndarray  # the raw outputs
    classes: list[tuple[str, float]] = field(default_factory=list)  # classification: most likely first
    labels: list[tuple[str, float]] = field(default_factory=list)  # multi-label: every label, most likely first
    values: list[tuple[str, float]] = field(default_factory=list)  # regression: (name, value in target units)

    @property
    def given(self) -> list[tuple[str, float]]:
        """Multi-label: the labels given (probability above 0.5), most likely first."""
        return [(n, p) for n, p in self.labels if p > LABEL_THRESHOLD]

    @property
    def text(self) -> str:
        if self.labels:
            given = self.given
            return ", ".join(f"{n}  ({100 * p:.1f}%)" for n, p in given) if given else "no label"
        if self.classes:
            name, probability = self.classes[0]
            return f"{name}  ({100 * probability:.1f}%)"
        return ", ".join(f"{n} = {v:.4g}" for n, v in self.values)


class Predictor:
    def __init__(self, session, metadata: dict, title: str):
        self.session = session  # a RuntimeSession
        self.metadata = metadata
        self.title = title

    @classmethod
    def from_file(cls, path: str | Path) -> Predictor:
        """An .onnx file exported by Workbench (one that records how to prepare its input)."""
        session = open_session(Path(path))
        metadata = read_metadata(session.session.get_modelmeta())
        if not metadata.get("preprocessing"):
            raise WorkbenchError(f"'{Path(path).name}' was not exported by Workbench: it does not say how to "
                                 "prepare its input, so it cannot be tried here.")
        return cls(session, metadata, Path(path).name)

    @property
    def preprocessing(self) -> dict:
        return self.metadata.get("preprocessing") or {}

    @property
    def task(self) -> str:
        return self.metadata.get("task", "classification")

    @property
    def labels(self) -> list[str]:
        return list(self.metadata.get("labels") or [])

    def predict(self, raw) -> Answer:
        """The answer for one sample given as the preprocessing takes it (a list of one image, row or text, or an
        array); bad input raises a `WorkbenchError` that says what is wrong."""
        outputs = np.asarray(self.session.run(apply_preprocessing(self.preprocessing, raw)))[0]
        if self.task == "classification":
            scores = outputs.astype(np.float64)
            probabilities = np.exp(scores - scores.max())
            probabilities /= probabilities.sum()
            order = np.argsort(-probabilities)[:TOP_CLASSES]
            labels = self.labels
            return Answer(outputs, classes=[(labels[k] if k < len(labels) else str(k), float(probabilities[k]))
                                            for k in order])
        if self.task == "multilabel":
            probabilities = outputs.astype(np.float64).reshape(-1)
            labels = self.labels
            return Answer(outputs, labels=[(labels[k] if k < len(labels) else str(k), float(probabilities[k]))
                                           for k in np.argsort(-probabilities, kind="stable")])
        values = np.asarray(inverse_target(self.preprocessing, outputs[None])).reshape(-1)
        names = self.labels or [f"output {i + 1}" for i in range(len(values))]
        return Answer(outputs, values=[(n, float(v)) for n, v in zip(names, values)])
