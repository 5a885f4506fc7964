"""GELU as exporters write it below opset 20, which has no Gelu operator, in either of its two forms:

- exact: x * 0.5 * (1 + erf(x / sqrt(2))), five or six nodes (a Div by sqrt(2) or a Mul by 1/sqrt(2), Erf, an Add
  of 1, and the two Mul of x and 0.5 in any order);
- the tanh approximation (`nn.GELU(approximate="tanh")`): x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x³))), x³
  written as Mul(x, Mul(x, x)) (torch) or Pow(x, 3), then the same Add of 1 and the two Mul.

`fuse_gelu` rewrites each of them in the model read from the file as one Gelu node (with `approximate="tanh"` for
the second) before the walk, so that it becomes one GELU layer instead of a row of placeholders. Only the copy read
for the walk changes: the round-trip check runs the file as it is."""

from __future__ import annotations

import math

import numpy as np

from workbench.core.onnx_import.lookup import GraphLookup

TOLERANCE = 1e-4  # exporters write the constants as float32
SQRT2 = math.sqrt(2.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
CUBE_FACTOR = 0.044715


def fuse_gelu(model) -> int:
    """Rewrites every GELU written out in pieces in `model`'s graph (an `onnx.ModelProto`, in place) as one Gelu
    node; returns how many it rewrote."""
    from onnx import NodeProto, helper  # lazy: ONNX is loaded only to import a model

    graph = model.graph
    nodes_in_order = list(graph.node)  # held, so that each node keeps its id() below
    look = GraphLookup(graph, nodes_in_order)
    producers, only, is_op = look.producers, look.only, look.is_op

    def scalar(name: str) -> float | None:
        value = look.const(name)
        if value is None:
            return None
        return float(value.reshape(-1)[0]) if value.size == 1 and np.issubdtype(value.dtype, np.floating) else None

    def is_scalar(name: str, expected: float) -> bool:
        value = scalar(name)
        return value is not None and abs(value - expected) <= TOLERANCE * abs(expected)

    def other(node, name: str) -> str | None:
        """The other input of a two-input node that reads `name`."""
        inputs = list(node.input)
        if len(inputs) != 2 or name not in inputs:
            return None
        return inputs[1] if inputs[0] == name else inputs[0]

    def produced_once(name: str, op_type: str):
        """The `op_type` node computing `name`, read by one node only; else None."""
        node = producers.get(name)
        return node if is_op(node, op_type) and only(name) is not None else None

    def scaled(name: str, factor: float):
        """(x, the Mul) where `name` is Mul(x, factor) in either order; else None."""
        node = produced_once(name, "Mul")
        if node is None or len(node.input) != 2:
            return None
        for i in (0, 1):
            if is_scalar(node.input[1 - i], factor):
                return node.input[i], node
        return None

    def erf_argument(erf) -> tuple[str, list] | None:
        """x and the node scaling it, for erf(x / sqrt 2) or erf(x * 1/sqrt 2)."""
        scale = producers.get(erf.input[0])
        if scale is None or only(scale.output[0]) is not erf or len(scale.input) != 2:
            return None
        if is_op(scale, "Div") and is_scalar(scale.input[1], SQRT2):
            return scale.input[0], [scale]
        found = scaled(erf.input[0], 1 / SQRT2)
        return (found[0], [found[1]]) if found else None

    def tanh_argument(tanh) -> tuple[str, list] | None:
        """x and the nodes computing sqrt(2/pi) * (x + 0.044715 * x³) from it."""
        found = scaled(tanh.input[0], SQRT_2_OVER_PI)
        if found is None:
            return None
        inner, outer_scale = found
        add = produced_once(inner, "Add")
        if add is None or len(add.input) != 2:
            return None
        for i in (0, 1):
            x, term = add.input[i], add.input[1 - i]
            found = scaled(term, CUBE_FACTOR)
            if found is None:
                continue
            cube_name, term_scale = found
            cube = cube_nodes(cube_name, x)
            if cube is not None:
                return x, [outer_scale, add, term_scale, *cube]
        return None

    def cube_nodes(name: str, x: str) -> list | None:
        """The nodes computing x³ as `name`: Pow(x, 3), or Mul(x, Mul(x, x)) in either order."""
        power = produced_once(name, "Pow")
        if power is not None:
            return [power] if list(power.input[:1]) == [x] and is_scalar(power.input[1], 3.0) else None
        outer = produced_once(name, "Mul")
        if outer is None or len(outer.input) != 2 or x not in outer.input:
            return None
        square = produced_once(other(outer, x), "Mul")
        if square is not None and list(square.input) == [x, x]:
            return [outer, square]
        return None

    def tail(squash, x: str) -> tuple[list, object] | None:
        """The nodes of x * 0.5 * (1 + squash) after `squash` (Erf or Tanh), and the last of them."""
        add = only(squash.output[0])
        if not is_op(add, "Add") or not is_scalar(other(add, squash.output[0]) or "", 1.0):
            return None
        first = only(add.output[0])
        if not is_op(first, "Mul"):
            return None
        factor = other(first, add.output[0])
        second = only(first.output[0])
        if factor == x and is_op(second, "Mul") and is_scalar(other(second, first.output[0]) or "", 0.5):
            return [add, first, second], second  # (x * (1 + squash)) * 0.5
        if factor is not None and is_scalar(factor, 0.5) and is_op(second, "Mul") and \
                other(second, first.output[0]) == x:
            return [add, first, second], second  # x * ((1 + squash) * 0.5)
        if (factor in producers and is_op(producers[factor], "Mul") and only(factor) is first
                and other(producers[factor], x) is not None and is_scalar(other(producers[factor], x), 0.5)):
            return [producers[factor], add, first], first  # (x * 0.5) * (1 + squash)
        return None

    fused: dict[int, object] = {}  # id(the pattern's last node) -> its Gelu node
    removed: set[int] = set()
    for squash in [n for n in nodes_in_order if is_op(n, "Erf") or is_op(n, "Tanh")]:
        argument = erf_argument(squash) if squash.op_type == "Erf" else tanh_argument(squash)
        if argument is None:
            continue
        x, head = argument
        found = tail(squash, x)
        if found is None:
            continue
        rest, last = found
        nodes = [*head, squash, *rest]
        if any(id(n) in removed for n in nodes):
            continue
        first = head[0]
        name = first.name.rsplit("/", 1)[0] + "/Gelu" if "/" in first.name else (first.name or squash.name) + "_gelu"
        extra = {"approximate": "tanh"} if squash.op_type == "Tanh" else {}
        fused[id(last)] = helper.make_node("Gelu", [x], [last.output[0]], name=name, **extra)
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
