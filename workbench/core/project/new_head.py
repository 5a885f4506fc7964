""""New head for this dataset": fine-tuning a network trained elsewhere (an imported model) or in another run on the
project's data. The output layer is replaced by a fresh one fitted to the data (its classes, labels or numbers), the
next run starts from the run's weights, and every other layer whose weights still fit is frozen, so only the new head
learns until the user unfreezes layers in the training settings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from workbench.core.data_fit import plan_fit, replace_node_type
from workbench.core.errors import WorkbenchError
from workbench.core.graph.validate import validate
from workbench.core.project.data import project_dataset
from workbench.core.project.model import Project

NEW_HEAD_NAME = "new_head"


@dataclass(frozen=True)
class NewHead:
    head_id: str
    frozen: list[str]  # node ids (a block instance: all its layers)
    notes: list[str]


def new_head_for_dataset(project: Project, run_id: str | None = None, dataset=None) -> NewHead:
    """Changes `project` in place (its graph and training settings) as described above; raises `WorkbenchError`
    when the project has no data or no single output layer, or no trained run to start from."""
    if project.dataset is None and dataset is None:
        raise WorkbenchError("Choose the data first (the Data page, or --data): the new output layer is fitted to "
                             "its classes.")
    run = project.find_run(run_id)
    dataset = dataset if dataset is not None else project_dataset(project)
    graph = project.graph
    heads = graph.head_nodes()
    if len(heads) != 1:
        raise WorkbenchError(f"A new head needs a network with exactly one output layer; this one has {len(heads)}.")
    old = heads[0]
    fit = plan_fit(graph, dataset.input_shape, dataset.input_dtype, dataset.task, dataset.output_size,
                   getattr(dataset, "vocab_size", None))
    for node_id, changes in fit.params.items():
        if node_id != old.id:
            graph.set_params(node_id, changes)
    kind, params = fit.replacements.get(old.id) or (old.type, {**old.params, **fit.params.get(old.id, {})})
    head = replace_node_type(graph, old.id, kind, params)
    graph.rename(head.id, graph.unique_name(NEW_HEAD_NAME) if graph.node_by_name(NEW_HEAD_NAME) else NEW_HEAD_NAME)
    result = validate(graph)
    trained, now = _layer_params(validate(run.graph_snapshot(graph))), _layer_params(result)
    layers = _layers_of(result)
    weighted = [nid for nid in result.order if nid != head.id and result.params.get(nid)]
    frozen = [nid for nid in weighted if all(trained.get(f) == now[f] for f in layers.get(nid, [nid]) if now.get(f))]
    refitted = [graph.nodes[nid].name for nid in weighted if nid not in frozen]
    project.training = dataclasses.replace(project.training, init_from={"run": run.id}, frozen_nodes=frozen)
    width = head.params.get("classes", head.params.get("labels", head.params.get("outputs")))
    what = {"ClassificationHead": "classes", "MultiLabelHead": "labels"}.get(head.type, "numbers")
    notes = [f"The output layer '{old.name}' was replaced by '{head.name}', a new one for the data's {width} {what}.",
             f"Training starts from the weights of '{run.title}'; {len(frozen)} other layers with weights are "
             "frozen, so only the new output layer learns (unfreeze layers in the training settings to fine-tune "
             "them too)."]
    if refitted:
        notes.append(f"{', '.join(refitted)} no longer fit the weights of '{run.title}' (the data differs from what "
                     "the network was made for), so they train from scratch and are not frozen.")
    return NewHead(head.id, frozen, notes)


def _layer_params(result) -> dict[str, int]:
    """The parameter count of every layer, blocks inlined (runs record the plain graph, keyed by its ids)."""
    return (result.flat or result).params


def _layers_of(result) -> dict[str, list[str]]:
    """A network with blocks: each of its nodes -> the ids of its layers once the blocks are inlined."""
    layers: dict[str, list[str]] = {}
    if result.flat_graph is not None:
        for flat_id, path in result.flat_graph.paths.items():
            layers.setdefault(path[0], []).append(flat_id)
    return layers
