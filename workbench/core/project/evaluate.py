"""Evaluating a project's trained run on one split of its data: the figures (`training.evaluation.evaluate`) and
the warnings a beginner needs, for the Evaluate page and `workbench evaluate` alike."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.project.data import project_dataset
from workbench.core.project.model import Project
from workbench.core.project.run_record import RunRecord
from workbench.core.project.trained import build_trained_module
from workbench.core.training.advice import beginner_warnings
from workbench.core.training.evaluation import evaluate


@dataclass
class Evaluation:
    run: RunRecord
    result: dict  # see `training.evaluation.evaluate`: figures, per-class rows, confusion matrix, samples
    dataset: object  # the Dataset evaluated on
    warnings: list[str]

    @property
    def split(self) -> str:
        return self.result["split"]


def evaluate_project(project: Project, run_id: str | None = None, split: str = "test", *, device=None,
                     dataset=None, base_dir=None, should_cancel=None) -> Evaluation:
    """A trained run's (default: the latest) figures on one split of the project's data (loaded unless given)."""
    run = project.find_run(run_id)
    module = build_trained_module(project, run, base_dir=base_dir)
    if dataset is None:
        dataset = project_dataset(project, should_cancel=should_cancel)
    result = evaluate(module, dataset, split, device=device, graph=run.graph_snapshot(project.graph))
    warnings = beginner_warnings(run.curves.epochs, run.curves.batch_loss, result, run.settings.learning_rate)
    return Evaluation(run, result, dataset, warnings)
