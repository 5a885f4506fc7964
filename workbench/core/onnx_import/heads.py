"""The network's outputs: Workbench ends a network in an output layer (a Classification or Regression output, a
linear layer trained with its loss). The Dense layer that computes an ONNX output becomes that output layer; where
the output is computed otherwise (a convolution and pooling, as in SqueezeNet), an output layer is added after it
with identity weights, so it computes the same values and trains with the rest. A final Softmax or LogSoftmax is
left out (the output layer gives the scores before it; the round-trip check applies it again).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.core.onnx_import.converter import Conversion

DROPPABLE = ("Softmax", "LogSoftmax")
MAX_IDENTITY_FEATURES = 4096  # an added identity output layer holds features² weights


@dataclass(frozen=True)
class OutputLink:
    onnx_name: str  # the ONNX model's output
    head_id: str | None  # the output layer computing it (None: there is none)
    after: str | None = None  # "Softmax" / "LogSoftmax" left out after the output layer


def make_heads(conversion: Conversion, producer: dict[str, str], output_names: list[str]) -> list[OutputLink]:
    graph = conversion.graph
    links = []
    for name in output_names:
        node_id = producer.get(name)
        if node_id is None or node_id not in graph.nodes or graph.nodes[node_id].spec.role == "input":
            conversion.notes.append(f"The model's output '{name}' is not computed by any layer; it was left out.")
            links.append(OutputLink(name, None))
            continue
        node = graph.nodes[node_id]
        if node.spec.role == "placeholder":
            links.append(OutputLink(name, None))
            continue
        after = None
        incoming = graph.incoming(node.id)
        if node.type in DROPPABLE and not graph.outgoing(node.id) and len(incoming) == 1 and \
                len(graph.outgoing(incoming[0].src)) == 1:
            after = node.type
            graph.remove_node(node.id)
            node = graph.nodes[incoming[0].src]
            conversion.notes.append(f"The final {after} after '{node.name}' was left out: Workbench's output layer "
                                    f"gives the scores before it.")
        shape = conversion.infos[node.id].shape if node.id in conversion.infos else conversion.onnx_shapes.get(node.id)
        if node.type == "Dense" and not graph.outgoing(node.id) and shape is not None and len(shape) == 2:
            links.append(OutputLink(name, _to_head(conversion, node.id), after))
        else:
            links.append(OutputLink(name, _identity_head(conversion, node, shape, name), after))
    return links


def _head_kind(units: int) -> tuple[str, dict]:
    return ("ClassificationHead", {"classes": units}) if units >= 2 else ("RegressionHead", {"outputs": 1})


def _to_head(conversion: Conversion, node_id: str) -> str:
    graph = conversion.graph
    node = graph.nodes[node_id]
    units = node.params["units"]
    position = graph.positions.get(node_id)
    _node, edges, _ = graph.remove_node(node_id)
    kind, params = _head_kind(units)
    graph.add_node(kind, params, name=node.name, node_id=node_id, position=position)
    for edge in edges:
        graph.add_edge(edge)
    key = f"{node_id}.bias"
    if key not in conversion.weights:
        conversion.weights[key] = np.zeros(units, np.float32)
    return node_id


def _identity_head(conversion: Conversion, node, shape, name: str) -> str | None:
    graph = conversion.graph
    features = int(np.prod(shape[1:])) if shape is not None else 0
    if not 1 <= features <= MAX_IDENTITY_FEATURES:
        conversion.notes.append(f"The model's output '{name}' comes from {node.label}, which gives {features:,} "
                                "values per sample: too many for an output layer. Add a Classification or "
                                "Regression output (or a new head for your data) to train it.")
        return None
    x, y = graph.positions.get(node.id, (0.0, 0.0))
    source = node.id
    if len(shape) > 2:
        source = graph.add_node("Flatten", name=graph.unique_name("output_flatten"), position=(x + 260.0, y)).id
        graph.connect(node.id, source)
        x += 260.0
    kind, params = _head_kind(features)
    head = graph.add_node(kind, params, name=graph.unique_name("output"), position=(x + 260.0, y))
    graph.connect(source, head.id)
    conversion.weights[f"{head.id}.weight"] = np.eye(features, dtype=np.float32)
    conversion.weights[f"{head.id}.bias"] = np.zeros(features, np.float32)
    conversion.notes.append(f"The model's output '{name}' comes from {node.label}, not from a linear layer, so "
                            f"{head.label} was added after it with identity weights (it passes the {features} "
                            "values through unchanged, and trains with the rest).")
    return head.id
