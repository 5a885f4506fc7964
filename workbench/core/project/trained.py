"""A project's trained networks: rebuilding a run's network with its weights, the `TrainedModel` that export and
compression take, and the weights a new run starts from (`TrainingSettings.init_from`)."""

from __future__ import annotations

from pathlib import Path

from workbench.core.build import build_module
from workbench.core.data import load_dataset
from workbench.core.data.loader import resolve_path
from workbench.core.errors import WorkbenchError
from workbench.core.project.data import project_dataset
from workbench.core.project.model import NotTrainedError, Project
from workbench.core.project.refile import folder_slug
from workbench.core.project.run_record import RunRecord
from workbench.core.project.storage import load_project
from workbench.core.training.trained_model import TrainedModel
from workbench.core.training.weights import load_state, load_weights, node_names_of, read_weights

NOT_TRAINED = ("This model has not been trained yet, so there are no weights to export or compress. Train it first "
               "(Train page, or `workbench train`).")


def project_slug(project: Project) -> str:
    """The project as a folder name (runs/<slug>/..., variants/<slug>/...)."""
    return folder_slug(project.path.stem if project.path else project.name)


def run_weights_path(run: RunRecord, which: str = "weights") -> str:
    path = getattr(run.files, which)
    if not path:
        raise WorkbenchError(f"The run '{run.title}' has no saved weights ({which}).")
    return path


def build_trained_module(project: Project, run: RunRecord | None = None, base_dir=None, which: str = "weights"):
    """The trained network of a run (default: the latest good one) on the CPU, in eval mode, with its weights.

    `which` is "weights" (what the run ended with), "best" or "last". The network is built from the graph the run
    trained, so later edits of the project do not break it."""
    run = run or project.find_run()
    path = run_weights_path(run, which)
    base = Path(base_dir) if base_dir is not None else project.folder
    module = build_module(run.graph_snapshot(project.graph))
    if path in project.unsaved_weights:  # trained, but not written yet (its folder could not be written to)
        load_state(module, project.unsaved_weights[path].tensors, "the run's weights")
    else:
        load_weights(module, resolve_path(path, base))
    module.eval()
    return module


def run_dataset(project: Project, run: RunRecord, base_dir: Path | None):
    """The data the run trained on (the project's cached data when it is the same)."""
    if run.dataset is None or run.dataset == project.dataset:
        return project_dataset(project)
    return load_dataset(run.dataset, base_dir)


def trained_model(project: Project, dataset=None, base_dir=None, run_id: str | None = None) -> TrainedModel:
    """The project's trained network (latest good run unless `run_id`), with its data (loaded unless given)."""
    base = Path(base_dir) if base_dir is not None else project.folder
    try:
        run = project.find_run(run_id)
    except NotTrainedError:
        raise NotTrainedError(NOT_TRAINED) from None
    if base is None:
        raise WorkbenchError("The project has not been saved, so its trained weights cannot be found. Save it "
                             "first.")
    module = build_trained_module(project, run, base)
    if dataset is None:
        dataset = run_dataset(project, run, base)
    return TrainedModel(module=module, graph=run.graph_snapshot(project.graph), dataset=dataset, base_dir=base,
                        run_id=run.id, settings=run.settings, name=project.name, description=project.description,
                        slug=project_slug(project), metrics=dict(run.metrics))


def transfer_source(init_from: dict, project: Project, base_dir: Path) -> tuple[dict, dict[str, str] | None]:
    """(tensors, node id -> name) of the weights a run should start from (see `TrainingSettings.init_from`)."""
    if "weights" in init_from:
        tensors, meta = read_weights(resolve_path(init_from["weights"], base_dir))
        return tensors, node_names_of(meta)
    source, source_base = project, base_dir
    if "project" in init_from:
        path = resolve_path(init_from["project"], base_dir)
        source = load_project(path)
        source_base = path.parent
    run = source.find_run(init_from.get("run"))
    if not run.files.weights:
        raise WorkbenchError(f"The run '{run.title}' has no saved weights to start from.")
    unsaved = source.unsaved_weights.get(run.files.weights)  # an imported model before its project is saved
    if unsaved is not None:
        tensors = dict(unsaved.tensors)
    else:
        tensors, _meta = read_weights(resolve_path(run.files.weights, source_base))
    graph = run.graph_snapshot(source.graph)
    return tensors, {nid: n.name for nid, n in graph.nodes.items()}
