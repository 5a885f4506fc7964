"""Looking things up in an ONNX graph while its nodes are matched against a pattern (a GELU written out in pieces,
a recurrent layer with its plumbing): which node computes a tensor, which read it, its constant value."""

from __future__ import annotations

import numpy as np


def input_name(node, i: int) -> str:
    """The name of input `i` of `node`, "" when it has none there (an optional input left out)."""
    return node.input[i] if len(node.input) > i else ""


class GraphLookup:
    """What a pattern matcher asks of an ONNX graph (`nodes`, the graph's nodes in order): producers, readers,
    constants, attributes, shapes."""

    def __init__(self, graph, nodes):
        from onnx import helper, numpy_helper  # lazy
        self._helper, self._numpy = helper, numpy_helper
        self.producers = {out: node for node in nodes for out in node.output if out}
        self.readers: dict[str, list] = {}
        for node in nodes:
            for name in node.input:
                if name:
                    self.readers.setdefault(name, []).append(node)
        self.outputs = {o.name for o in graph.output}
        self.initializers = {t.name: t for t in graph.initializer}
        self.shapes = {}  # tensor -> its shape from ONNX's shape inference, None for a size left open (the batch)
        for value in (*graph.input, *graph.value_info, *graph.output):
            if value.type.HasField("tensor_type") and value.type.tensor_type.HasField("shape"):
                self.shapes[value.name] = tuple(d.dim_value if d.HasField("dim_value") else None
                                                for d in value.type.tensor_type.shape.dim)

    def attrs(self, node) -> dict:
        return {a.name: self._helper.get_attribute_value(a) for a in node.attribute}

    def const(self, name: str) -> np.ndarray | None:
        if name in self.initializers:
            return np.asarray(self._numpy.to_array(self.initializers[name]))
        node = self.producers.get(name)
        if node is not None and node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            return np.asarray(self._numpy.to_array(node.attribute[0].t))
        return None

    def only(self, name: str):
        """The one node reading `name` (None: several, none, or a graph output)."""
        readers = self.readers.get(name, [])
        return readers[0] if len(readers) == 1 and name not in self.outputs else None

    def unused(self, name: str) -> bool:
        return not name or (not self.readers.get(name) and name not in self.outputs)

    @staticmethod
    def is_op(node, op_type: str) -> bool:
        return node is not None and node.op_type == op_type and node.domain in ("", "ai.onnx")
