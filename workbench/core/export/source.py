"""The trained model of a project, as export and compression need it: the run, its graph and weights, the data.

`trained_model` finds the latest good run (or the one asked for), rebuilds its network with its weights, and
loads the data it was trained on; an untrained project gets a `NotTrainedError` that says what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.export.bundle import ModelInfo
from workbench.core.export.errors import NotTrainedError
from workbench.core.graph.model import Graph

SAMPLE_LIMIT = 512


@dataclass
class TrainedModel:
    project: object  # workbench.core.project.Project
    run: dict
    graph: Graph
    module: object  # GraphModule, eval mode, CPU
    dataset: object  # workbench.core.data.Dataset
    base_dir: Path  # where the project's relative file paths start

    @property
    def task(self) -> str:
        return self.dataset.task

    @property
    def labels(self) -> list[str]:
        if self.task == "classification":
            return list(self.dataset.class_names)
        columns = list((self.dataset.preprocessing.get("target") or {}).get("columns") or [])
        return columns or [f"output {i + 1}" for i in range(self.dataset.output_size)]

    @property
    def slug(self) -> str:
        stem = self.project.path.stem if self.project.path else self.project.name
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._") or "project"

    def info(self, compression: dict | None = None, metrics: dict | None = None) -> ModelInfo:
        return ModelInfo(name=self.project.name, description=self.project.description, task=self.task,
                         labels=self.labels, preprocessing=self.dataset.preprocessing,
                         dataset_summary=self.dataset.summary(),
                         metrics=metrics if metrics is not None else dict(self.run.get("metrics") or {}),
                         compression=compression or {"method": "none"})

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


def load_run_dataset(project, run: dict, base_dir: Path | None):
    """The data the run trained on (the project's cached data when it is the same)."""
    from workbench.core.data import DatasetSpec, load_dataset
    from workbench.core.training.project_data import project_dataset

    spec = run.get("dataset")
    if not spec or spec == project.dataset:
        return project_dataset(project)
    return load_dataset(DatasetSpec.from_dict(spec), base_dir)


def trained_model(project, dataset=None, base_dir: str | Path | None = None, run_id: str | None = None) -> TrainedModel:
    """The project's trained network (latest good run unless `run_id`), with its data (loaded unless given)."""
    from workbench.core.training.runs import build_trained_module, find_run, graph_of_run

    base = Path(base_dir) if base_dir is not None else project.folder
    try:
        run = find_run(project, run_id)
    except WorkbenchError:
        if run_id is not None:
            raise
        raise NotTrainedError("This model has not been trained yet, so there are no weights to export or "
                              "compress. Train it first (Train page, or `workbench train`).") from None
    if base is None:
        raise WorkbenchError("The project has not been saved, so its trained weights cannot be found. Save it "
                             "first.")
    module = build_trained_module(project, run, base)
    graph = graph_of_run(run, project)
    if dataset is None:
        dataset = load_run_dataset(project, run, base)
    return TrainedModel(project, run, graph, module, dataset, base)
