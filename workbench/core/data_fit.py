"""Fitting a graph to a dataset: Input shapes, output head and vocabulary follow the data.

`plan_fit` works out the changes without making them, so the editor can push them as one undoable edit and the
command line can `apply_fit` them directly. A head whose kind no longer matches the task (classification, multi-label
or regression) is replaced by the right kind under the same id and name, keeping its wires. `dataset_problems` words
the same plan for the problems list: each change the data would need is a mismatch, named at its node.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.graph.model import Graph, Node
from workbench.core.graph.validate import Problem
from workbench.core.layers import format_shape, get_spec


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
        elif task == "multilabel":
            _fit_head(fit, head, "MultiLabelHead", {"labels": output_size})
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


_DTYPE_WORDS = {"float": "numbers", "int": "whole-number token ids"}
_REFIT = "choose the data again on the Data page to fit the network to it"


def dataset_problems(graph: Graph, info: dict) -> list[Problem]:
    """Where ``graph`` no longer fits the data described by ``info`` (`Dataset.info()`), in the user's words.

    Shapes, value types, a too small vocabulary, too few classes and a head of the wrong kind are errors (training
    would fail); more classes or a larger vocabulary than the data needs are warnings.
    """
    fit = plan_fit(graph, tuple(info["input_shape"]), info["input_dtype"], info["task"], int(info["output_size"]),
                   info.get("vocab_size"))
    if fit.empty:
        return []
    data = f"the data '{info['name']}'" if info.get("name") else "the data"
    problems: list[Problem] = []
    for node_id, wanted in fit.params.items():
        node = graph.node(node_id)
        if node.spec.role == "input":
            problems.extend(_input_problems(node, wanted, data))
        elif node.type == "Embedding":
            problems.append(_vocab_problem(node, wanted["vocab_size"], data))
        elif "classes" in wanted:
            problems.append(_classes_problem(node, wanted["classes"], data))
        elif "labels" in wanted:
            have, need = node.params["labels"], wanted["labels"]
            problems.append(Problem("error", f"{data[0].upper()}{data[1:]} has {need} label{'s' if need != 1 else ''} "
                                             f"per row; {node.label} has {have} output{'s' if have != 1 else ''}: "
                                             f"set its Labels to {need}, or {_REFIT}.", node_id))
        else:
            have, need = node.params["outputs"], wanted["outputs"]
            problems.append(Problem("error", f"{node.label} predicts {have} number{'s' if have != 1 else ''} but "
                                             f"{data} has {need} target{'s' if need != 1 else ''}: set Outputs to "
                                             f"{need}, or {_REFIT}.", node_id))
    for node_id, (new_type, _) in fit.replacements.items():
        node = graph.node(node_id)
        if new_type == "RegressionHead":
            what = "regression (predicting numbers)"
        elif new_type == "MultiLabelHead":
            what = "multi-label (several yes-or-no labels per row)"
        else:
            what = "classification (sorting samples into classes)"
        problems.append(Problem("error", f"{node.label} does not fit {data}, whose task is {what}: {_REFIT}, or "
                                         f"replace it with a {get_spec(new_type).display_name} layer.", node_id))
    return problems


def _input_problems(node: Node, wanted: dict, data: str) -> list[Problem]:
    problems = []
    shape, dtype = tuple(node.params["shape"]), node.params["dtype"]
    if shape != wanted["shape"]:
        problems.append(Problem("error", f"{node.label} takes samples of shape {format_shape(shape)} but the samples "
                                         f"of {data} have shape {format_shape(wanted['shape'])}: {_REFIT}, or set "
                                         f"its Shape to {format_shape(wanted['shape'])}.", node.id))
    if dtype != wanted["dtype"]:
        problems.append(Problem("error", f"{node.label} takes {_DTYPE_WORDS.get(dtype, dtype)} but {data} gives "
                                         f"{_DTYPE_WORDS.get(wanted['dtype'], wanted['dtype'])}: {_REFIT}.", node.id))
    return problems


def _vocab_problem(node: Node, need: int, data: str) -> Problem:
    have = node.params["vocab_size"]
    if have < need:
        return Problem("error", f"{node.label} knows {have:,} tokens but the vocabulary of {data} has {need:,}: set "
                                f"its Vocabulary to {need:,}.", node.id)
    return Problem("warning", f"{node.label} has room for {have:,} tokens but the vocabulary of {data} has only "
                              f"{need:,}: set its Vocabulary to {need:,} to make the model smaller.", node.id)


def _classes_problem(node: Node, need: int, data: str) -> Problem:
    have = node.params["classes"]
    if have < need:
        return Problem("error", f"{node.label} tells {have} classes apart but {data} has {need}: set its Classes to "
                                f"{need}, or {_REFIT}.", node.id)
    return Problem("warning", f"{node.label} has {have} classes but {data} has only {need}, so {have - need} of its "
                              f"outputs are never right: set its Classes to {need}.", node.id)
