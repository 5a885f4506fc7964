"""Projects trained briefly for the export and compression tests: a template on its data (or on `data`), saved,
with one run."""

from __future__ import annotations

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template, save_project
from workbench.core.project.actions import train_project
from workbench.core.training.settings import TrainingSettings

TEMPLATES = ["cnn", "encoder", "lstm", "mlp", "resnet", "transformer"]


def train_template(folder, template: str, data: dict | None = None, epochs: int = 4):
    """A saved project with one short training run (CPU, one thread)."""
    project = open_template(template)
    if data is not None:
        project.dataset = DatasetSpec.from_dict(data)
    dataset = load_dataset(project.dataset, folder)
    fit_graph_to_dataset(project.graph, dataset)
    save_project(project, folder / "project.json")
    outcome = train_project(project, folder, dataset=dataset, settings=TrainingSettings(epochs=epochs, device="cpu"),
                            num_threads=1)
    project.add_run(outcome.record)
    save_project(project)
    return project, dataset
