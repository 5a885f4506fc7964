"""Fitting a graph to a dataset: Input shapes, output head and vocabulary follow the data.

`plan_fit` works out the changes without making them, so the editor can push them as one undoable edit and the
command line can `apply_fit` them directly. A head whose kind no longer matches the task (classification versus
regression) is replaced by the right kind under the same id and name, keeping its wires.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.graph.model import Graph, Node


@dataclass
class GraphFit:
    params: dict[str, dict] = field(default_factory=dict)  # node id -> settings to change
    replacements: dict[str, tuple[str, dict]] = field(default_factory=dict)  # head id -> (new type, settings)

    @property
    def empty(self) -> bool:
        return not self.params and not self.replacements


def plan_fit(graph: Graph, input_shape: tuple[int, ...], input_dtype: str, task: str, output_size: int,
             vocab_size: int | None = None) -> GraphFit:
    fit = GraphFit()
    inputs = graph.input_nodes()
    for node in inputs:
        wanted = {"shape": tuple(input_shape), "dtype": input_dtype}
        if {k: node.params[k] for k in wanted} != wanted:
            fit.params[node.id] = wanted
    if vocab_size:
        input_ids = {n.id for n in inputs}
        for node in graph.nodes.values():
            if node.type == "Embedding" and any(e.src in input_ids for e in graph.incoming(node.id)):
                if node.params["vocab_size"] != vocab_size:
                    fit.params[node.id] = {"vocab_size": vocab_size}
    for head in graph.head_nodes():
        if task == "classification":
            _fit_head(fit, head, "ClassificationHead", {"classes": max(2, output_size)})
        else:
            loss = head.params.get("loss", "mse")
            _fit_head(fit, head, "RegressionHead", {"outputs": output_size, "loss": loss})
    return fit


def _fit_head(fit: GraphFit, head: Node, wanted_type: str, wanted: dict) -> None:
    if head.type != wanted_type:
        fit.replacements[head.id] = (wanted_type, wanted)
    elif any(head.params[k] != v for k, v in wanted.items()):
        fit.params[head.id] = wanted


def apply_fit(graph: Graph, fit: GraphFit) -> None:
    for node_id, changes in fit.params.items():
        graph.set_params(node_id, changes)
    for node_id, (new_type, params) in fit.replacements.items():
        replace_node_type(graph, node_id, new_type, params)


def replace_node_type(graph: Graph, node_id: str, new_type: str, params: dict) -> Node:
    """Swaps a node for one of another type with the same id and name, keeping its wires (in order)."""
    old = graph.node(node_id)
    edges = [e for e in graph.edges if e.src == node_id or e.dst == node_id]
    indexes = [graph.edges.index(e) for e in edges]
    _, _, position = graph.remove_node(node_id)
    node = graph.add_node(new_type, params, name=old.name, node_id=node_id, position=position)
    for index, edge in sorted(zip(indexes, edges), key=lambda pair: pair[0]):
        if (edge.src == node_id and node.spec.outputs) or edge.dst == node_id:
            graph.add_edge(edge, index=min(index, len(graph.edges)))
    return node


def fit_graph_to_dataset(graph: Graph, dataset) -> GraphFit:
    """Points `graph` at `dataset` (a workbench.core.data.Dataset) and returns what was changed."""
    fit = plan_fit(graph, dataset.input_shape, dataset.input_dtype, dataset.task, dataset.output_size,
                   getattr(dataset, "vocab_size", None))
    apply_fit(graph, fit)
    return fit
