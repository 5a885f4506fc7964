"""`TrainedModel`: a trained network as export and compression need it — the network with its weights, the graph
it was built from, the data it was trained on, and the facts about it that an export records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.training.settings import TrainingSettings

SAMPLE_LIMIT = 512


@dataclass
class TrainedModel:
    module: object  # GraphModule, eval mode, CPU
    graph: Graph
    dataset: object  # workbench.core.data.Dataset
    base_dir: Path  # where the project's relative file paths start, and where new files go
    run_id: str
    settings: TrainingSettings  # the run's
    name: str  # the project's name and description, for metadata and the model card
    description: str = ""
    slug: str = "project"  # the project as a folder name
    metrics: dict = field(default_factory=dict)  # the run's {"val": {...}, "test": {...}}

    @property
    def task(self) -> str:
        return self.dataset.task

    @property
    def labels(self) -> list[str]:
        if self.task in ("classification", "multilabel"):
            return list(self.dataset.class_names)
        columns = list((self.dataset.preprocessing.get("target") or {}).get("columns") or [])
        return columns or [f"output {i + 1}" for i in range(self.dataset.output_size)]

    def samples(self, split: str, limit: int = SAMPLE_LIMIT, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
        """Up to `limit` model-ready samples of `split` (a seeded random choice when there are more), and labels.

        Falls back to the other splits when `split` is empty."""
        for name in (split, "test", "val", "train"):
            indices = self.dataset.split_indices(name) if name in self.dataset.splits else np.zeros(0, np.int64)
            if len(indices):
                break
        else:
            raise WorkbenchError("The data has no samples to check the model with.")
        if len(indices) > limit:
            indices = np.sort(np.random.default_rng(seed).choice(indices, limit, replace=False))
        x, y = self.dataset.arrays(indices)
        return [x], y
