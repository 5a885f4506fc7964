"""GELU as exporters write it below opset 20, which has no Gelu operator: x * 0.5 * (1 + erf(x / sqrt(2))), five or
six nodes (a Div by sqrt(2) or a Mul by 1/sqrt(2), Erf, an Add of 1, and the two Mul of x and 0.5 in any order).
`fuse_erf_gelu` rewrites each of them in the model read from the file as one Gelu node before the walk, so that it
becomes one GELU layer instead of five placeholders. Only the copy read for the walk changes: the round-trip check
runs the file as it is."""

from __future__ import annotations

import math

import numpy as np

TOLERANCE = 1e-4  # exporters write the constants as float32
SQRT2 = math.sqrt(2.0)


def fuse_erf_gelu(model) -> int:
    """Rewrites every Erf-based GELU of `model`'s graph (an `onnx.ModelProto`, in place) as one Gelu node; returns
    how many it rewrote."""
    from onnx import NodeProto, helper, numpy_helper  # lazy: ONNX is loaded only to import a model

    graph = model.graph
    nodes_in_order = list(graph.node)  # held, so that each node keeps its id() below
    producers = {out: node for node in nodes_in_order for out in node.output}
    consumers: dict[str, list] = {}
    for node in nodes_in_order:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    outputs = {o.name for o in graph.output}
    initializers = {t.name: t for t in graph.initializer}

    def scalar(name: str) -> float | None:
        if name in initializers:
            value = numpy_helper.to_array(initializers[name])
        elif name in producers and producers[name].op_type == "Constant" and producers[name].attribute:
            attribute = producers[name].attribute[0]
            if attribute.name != "value":
                return None
            value = numpy_helper.to_array(attribute.t)
        else:
            return None
        return float(value.reshape(-1)[0]) if value.size == 1 and np.issubdtype(value.dtype, np.floating) else None

    def is_scalar(name: str, expected: float) -> bool:
        value = scalar(name)
        return value is not None and abs(value - expected) <= TOLERANCE * abs(expected)

    def only(name: str):
        readers = consumers.get(name, [])
        return readers[0] if len(readers) == 1 and name not in outputs else None

    def other(node, name: str) -> str | None:
        """The other input of a two-input node that reads `name`."""
        inputs = list(node.input)
        if len(inputs) != 2 or name not in inputs:
            return None
        return inputs[1] if inputs[0] == name else inputs[0]

    def mul(node) -> bool:
        return node is not None and node.op_type == "Mul" and node.domain in ("", "ai.onnx")

    fused: dict[int, object] = {}  # id(the pattern's last node) -> its Gelu node
    removed: set[int] = set()
    for erf in [n for n in nodes_in_order if n.op_type == "Erf" and n.domain in ("", "ai.onnx")]:
        scale = producers.get(erf.input[0])
        if scale is None or only(scale.output[0]) is not erf or len(scale.input) != 2:
            continue
        if scale.op_type == "Div" and is_scalar(scale.input[1], SQRT2):
            x = scale.input[0]
        elif mul(scale) and is_scalar(scale.input[1], 1 / SQRT2):
            x = scale.input[0]
        elif mul(scale) and is_scalar(scale.input[0], 1 / SQRT2):
            x = scale.input[1]
        else:
            continue
        add = only(erf.output[0])
        if add is None or add.op_type != "Add" or not is_scalar(other(add, erf.output[0]) or "", 1.0):
            continue
        first = only(add.output[0])
        if not mul(first):
            continue
        factor = other(first, add.output[0])
        second = only(first.output[0])
        if factor == x and mul(second) and is_scalar(other(second, first.output[0]) or "", 0.5):
            nodes, last = (scale, erf, add, first, second), second  # (x * (1 + erf)) * 0.5
        elif factor is not None and is_scalar(factor, 0.5) and mul(second) and other(second, first.output[0]) == x:
            nodes, last = (scale, erf, add, first, second), second  # x * ((1 + erf) * 0.5)
        elif (factor in producers and mul(producers[factor]) and only(factor) is first
              and other(producers[factor], x) is not None and is_scalar(other(producers[factor], x), 0.5)):
            nodes, last = (producers[factor], scale, erf, add, first), first  # (x * 0.5) * (1 + erf)
        else:
            continue
        if any(id(n) in removed for n in nodes):
            continue
        name = scale.name.rsplit("/", 1)[0] + "/Gelu" if "/" in scale.name else (scale.name or erf.name) + "_gelu"
        fused[id(last)] = helper.make_node("Gelu", [x], [last.output[0]], name=name)
        removed.update(id(n) for n in nodes)
    if not fused:
        return 0
    kept = []
    for node in nodes_in_order:
        if id(node) in fused or id(node) not in removed:
            copied = NodeProto()
            copied.CopyFrom(fused.get(id(node), node))
            kept.append(copied)
    del graph.node[:]
    graph.node.extend(kept)
    return len(fused)
