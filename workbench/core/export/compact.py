"""Shrinks an ONNX graph's bookkeeping without touching what it computes.

Exporters and quantizers give every tensor a long descriptive name (``/layers.conv1/Conv_output_0_QuantizeLinear``),
which in a small model costs as much as its weights. `compact_names` renames intermediate tensors to short ids
and each node of a layer to ``/<layer>/<n>`` (keeping the layer, so errors and per-layer figures still find it; the
helper nodes quantizers add stay unnamed), and drops the value_info that shape inference can recompute;
`prune_opset_imports` drops operator domains no node uses (tools add many); `remove_noop_flatten` drops Flatten nodes
whose input is already flat; `drop_default_attributes` drops attributes that only restate their operator's default
(the exporter writes Gemm's alpha=1 and beta=1); `store_gemm_weights_untransposed` stores a small dense layer's weight
in the layout Gemm reads without ``transB``; `share_identical_initializers` keeps one copy of constants that
several nodes use (quantizers give every Quantize/Dequantize pair its own zero point). None of it changes what the
model computes. The same compaction is applied to every variant, so sizes compare fairly. None of it copies a large
model's weights either: each saving is a few bytes per layer, and on a 17 M-parameter network copying the weights
took longer than exporting them (docs/benchmarks.md, "Export time").
"""

from __future__ import annotations

import math
import re

# Shape inference gets constants of at most this many elements (shape operands, axes); larger ones only by type and
# shape. A dense weight is transposed only up to this many elements: the attribute saved is the same 48 bytes at
# every size, the copy grows with the weight.
SMALL_CONSTANT = 4096
SMALL_WEIGHT = 1 << 16

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
    weights), other tensors a short id; nodes become ``/<layer>/<k>``, or stay unnamed outside any layer (ONNX node
    names are optional).
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
        node.name = f"/{key}/{node_counts[key] - 1}" if key else ""
        node.doc_string = ""
    del graph.value_info[:]


def prune_opset_imports(model) -> None:
    """Keeps only the operator domains that nodes use (and the default one)."""
    used = {node.domain or "" for node in model.graph.node} | {""}
    kept = [o for o in model.opset_import if (o.domain or "") in used or o.domain == "ai.onnx"]
    del model.opset_import[:]
    model.opset_import.extend(kept)


def _without_large_constants(model):
    """A copy of `model`'s graph in which each constant of more than `SMALL_CONSTANT` elements is a graph input of
    the same type and shape: what shape inference needs, without copying or serialising the weights."""
    import onnx  # lazy
    from onnx import helper  # lazy

    skeleton = onnx.ModelProto()
    skeleton.ir_version = model.ir_version
    skeleton.opset_import.extend(model.opset_import)
    graph = skeleton.graph
    graph.node.extend(model.graph.node)
    graph.input.extend(model.graph.input)
    graph.output.extend(model.graph.output)
    declared = {value.name for value in model.graph.input}
    for init in model.graph.initializer:
        if math.prod(init.dims) <= SMALL_CONSTANT:
            graph.initializer.append(init)
        elif init.name not in declared:
            graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    return skeleton


def remove_noop_flatten(model) -> None:
    """Removes Flatten nodes (axis 1) whose input is already (batch, features): they change nothing."""
    import onnx  # lazy

    if not any(node.op_type == "Flatten" for node in model.graph.node):
        return
    inferred = onnx.shape_inference.infer_shapes(_without_large_constants(model))
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


def drop_default_attributes(model) -> None:
    """Removes node attributes whose value is the one their operator's schema gives when the attribute is absent."""
    from onnx import defs, helper  # lazy

    versions = {o.domain or "": o.version for o in model.opset_import}
    for node in model.graph.node:
        domain = node.domain or ""
        try:
            schema = defs.get_schema(node.op_type, versions.get(domain, 1), domain)
        except defs.SchemaError:
            continue
        kept = []
        for attribute in node.attribute:
            spec = schema.attributes.get(attribute.name)
            default = spec.default_value if spec is not None else None
            if default is not None and default.type == attribute.type != 0 and \
                    helper.get_attribute_value(default) == helper.get_attribute_value(attribute):
                continue
            kept.append(attribute)
        if len(kept) < len(node.attribute):
            del node.attribute[:]
            node.attribute.extend(kept)


def store_gemm_weights_untransposed(model) -> None:
    """Gemm nodes with ``transB=1`` on a constant weight of at most `SMALL_WEIGHT` elements that only such nodes
    read: the weight is stored transposed and the attribute dropped (the same product, one attribute less per dense
    layer). Larger weights keep their layout: transposing them costs more time than the attribute is worth."""
    from onnx import numpy_helper  # lazy

    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    readers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)

    def trans_b(node) -> int:
        return next((a.i for a in node.attribute if a.name == "transB"), 0)

    for name, init in inits.items():
        users = readers.get(name, [])
        if len(init.dims) != 2 or math.prod(init.dims) > SMALL_WEIGHT or not users or \
                any(u.op_type != "Gemm" or list(u.input).index(name) != 1 or name in u.input[2:] or trans_b(u) != 1
                    for u in users):
            continue
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).T.copy(), name))
        for user in users:
            kept = [a for a in user.attribute if a.name != "transB"]
            del user.attribute[:]
            user.attribute.extend(kept)


def share_identical_initializers(model) -> None:
    """Keeps one initializer for each distinct constant (same type, shape and bytes) and points every user at it.

    Graphs with subgraphs (which may name outer constants) and initializers that are also graph inputs (which a
    caller may override) are left alone."""
    from onnx import AttributeProto, numpy_helper  # lazy

    graph = model.graph
    if any(a.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS) for node in graph.node for a in node.attribute):
        return
    inputs = {i.name for i in graph.input}
    constants = [i for i in graph.initializer if i.name not in inputs]
    by_kind: dict[tuple, list] = {}  # only constants of the same type and shape can be equal: the values of the
    for init in constants:           # others are never read
        by_kind.setdefault((init.data_type, tuple(init.dims)), []).append(init)
    alias: dict[str, str] = {}
    for group in by_kind.values():
        if len(group) < 2:
            continue
        first: dict[bytes, str] = {}
        for init in group:
            key = numpy_helper.to_array(init).tobytes()
            if key in first:
                alias[init.name] = first[key]
                graph.initializer.remove(init)
            else:
                first[key] = init.name
    if alias:
        for node in graph.node:
            node.input[:] = [alias.get(name, name) for name in node.input]


def compact(model, layers: set[str] | None = None) -> None:
    """Every size-only clean-up: no-op Flatten nodes, unused domains, default attributes, Gemm weight layout, shared
    constants, short names."""
    remove_noop_flatten(model)
    prune_opset_imports(model)
    drop_default_attributes(model)
    store_gemm_weights_untransposed(model)
    share_identical_initializers(model)
    compact_names(model, layers)
