"""Shrinks an ONNX graph's bookkeeping without touching what it computes.

Exporters and quantizers give every tensor a long descriptive name (``/layers.conv1/Conv_output_0_QuantizeLinear``),
which in a small model costs as much as its weights. `compact_names` renames intermediate tensors to short ids
and each node to ``/<layer>/<n>`` (keeping the layer, so errors and per-layer figures still find it), and drops the
value_info that shape inference can recompute; `prune_opset_imports` drops operator domains no node uses (tools add
many); `remove_noop_flatten` drops Flatten nodes whose input is already flat. The same compaction is applied to every
variant, so sizes compare fairly.
"""

from __future__ import annotations

import re

_LAYER_IN_NAME = (re.compile(r"^/(?:layers\.)?([A-Za-z_][A-Za-z0-9_]*)[/.]"),
                  re.compile(r"^layers\.([A-Za-z_][A-Za-z0-9_]*)\."))


def layer_of(name: str) -> str | None:
    """The graph node id an ONNX node or tensor name belongs to, if the name says."""
    for pattern in _LAYER_IN_NAME:
        match = pattern.match(name)
        if match:
            return match.group(1)
    return None


def _short_id(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _tensor_layer(name: str, producers: dict[str, str]) -> str | None:
    return layer_of(name) or producers.get(name)


def compact_names(model, layers: set[str] | None = None) -> None:
    """Renames, in place, every tensor except the graph's inputs and outputs, and every node.

    Initializers become ``<layer>.<k>`` where their layer is known (so per-layer analysis can still find a layer's
    weights), other tensors a short id; nodes become ``/<layer>/<k>`` or ``/<k>``.
    """
    graph = model.graph
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    producers: dict[str, str] = {}
    for node in graph.node:
        layer = layer_of(node.name)
        if layer and (layers is None or layer in layers):
            for out in node.output:
                producers[out] = layer
    renamed: dict[str, str] = {}
    counter = 0
    per_layer: dict[str, int] = {}

    def new_name(old: str, is_weight: bool) -> str:
        nonlocal counter
        if old in keep or not old:
            return old
        if old not in renamed:
            layer = _tensor_layer(old, producers) if is_weight else None
            if layer:
                per_layer[layer] = per_layer.get(layer, 0) + 1
                renamed[old] = f"{layer}.{per_layer[layer] - 1}"
            else:
                renamed[old] = _short_id(counter)
                counter += 1
        return renamed[old]

    for init in graph.initializer:
        init.name = new_name(init.name, True)
    for node in graph.node:
        node.input[:] = [new_name(n, False) for n in node.input]
        node.output[:] = [new_name(n, False) for n in node.output]
    node_counts: dict[str, int] = {}
    for node in graph.node:
        layer = layer_of(node.name)
        key = layer if layer and (layers is None or layer in layers) else ""
        node_counts[key] = node_counts.get(key, 0) + 1
        node.name = f"/{key}/{node_counts[key] - 1}" if key else f"/{node_counts[key] - 1}"
        node.doc_string = ""
    del graph.value_info[:]


def prune_opset_imports(model) -> None:
    """Keeps only the operator domains that nodes use (and the default one)."""
    used = {node.domain or "" for node in model.graph.node} | {""}
    kept = [o for o in model.opset_import if (o.domain or "") in used or o.domain == "ai.onnx"]
    del model.opset_import[:]
    model.opset_import.extend(kept)


def remove_noop_flatten(model) -> None:
    """Removes Flatten nodes (axis 1) whose input is already (batch, features): they change nothing."""
    import onnx

    inferred = onnx.shape_inference.infer_shapes(model)
    ranks = {}
    for value in (*inferred.graph.input, *inferred.graph.value_info):
        if value.type.HasField("tensor_type") and value.type.tensor_type.HasField("shape"):
            ranks[value.name] = len(value.type.tensor_type.shape.dim)
    outputs = {o.name for o in model.graph.output}
    for node in list(model.graph.node):
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        if node.op_type != "Flatten" or axis != 1 or ranks.get(node.input[0]) != 2 or node.output[0] in outputs:
            continue
        for other in model.graph.node:
            other.input[:] = [node.input[0] if name == node.output[0] else name for name in other.input]
        model.graph.node.remove(node)


def compact(model, layers: set[str] | None = None) -> None:
    """Every size-only clean-up: no-op Flatten nodes, unused domains, short names."""
    remove_noop_flatten(model)
    prune_opset_imports(model)
    compact_names(model, layers)
