"""An ONNX graph becomes a Workbench graph: a walk over its nodes in order, each turned into layers by the mapping
in `operators.py`, constant sub-graphs worked out into settings (`constants.py`), initializers kept as the layers'
weights, names kept, and every operator without a Workbench layer turned into a placeholder node that names it.

`Converter` holds what the walk knows: which layer produces each ONNX tensor, the constant value of each constant
tensor, every tensor's shape (from ONNX's shape inference), and the weights gathered so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from workbench.core.errors import GraphEditError, ShapeError
from workbench.core.graph.layout import layered_layout
from workbench.core.graph.model import Edge, Graph, check_wire_ends
from workbench.core.layers import TensorInfo
from workbench.core.onnx_import.constants import BATCH_MARK, NotConstant, evaluate, shape_of, to_array
from workbench.core.onnx_import.reading import ReadModel


class Unmappable(Exception):
    """This ONNX node has no Workbench layer (the message says why, in a few words)."""


@dataclass(frozen=True)
class Placeholder:
    node_id: str
    operator: str
    onnx_node: str
    reason: str

    def __str__(self) -> str:
        return f"{self.operator} (node '{self.onnx_node}'): {self.reason}"


@dataclass
class Conversion:
    graph: Graph
    weights: dict[str, np.ndarray]  # "<node id>.<parameter>" -> array
    placeholders: list[Placeholder] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    onnx_shapes: dict[str, tuple] = field(default_factory=dict)  # node id -> the shape ONNX gives its output
    infos: dict[str, TensorInfo] = field(default_factory=dict)  # node id -> its output as its shape rule gives it


class Converter:
    def __init__(self, read: ReadModel):
        self.read = read
        self.model = read.model
        self.graph = Graph()
        self.weights: dict[str, np.ndarray] = {}
        self.producer: dict[str, str] = {}  # ONNX tensor -> node id
        self.constants: dict[str, np.ndarray] = {}
        self.shapes: dict[str, tuple] = {}
        self.consumers: dict[str, list] = {}
        self.skip: set[int] = set()  # ONNX nodes already taken care of by a pattern (by id())
        self.placeholders: list[Placeholder] = []
        self.notes: list[str] = list(read.notes)
        self.onnx_shapes: dict[str, tuple] = {}
        self.infos: dict[str, TensorInfo] = {}  # node id -> what its shape rule gives
        self.names: set[str] = set()  # the layers' names so far
        self.current = None  # the ONNX node being converted
        self._created: list[str] = []

    # --- what the mapping asks -----------------------------------------------------------------------------------

    def shape(self, tensor: str) -> tuple:
        """The shape of an ONNX tensor, the batch as None: from ONNX's shape inference, else from the shape rule of
        the layer computing it; raises `Unmappable` when neither knows it."""
        if tensor in self.shapes:
            return self.shapes[tensor]
        if tensor in self.producer and self.producer[tensor] in self.infos:
            return self.infos[self.producer[tensor]].shape
        raise Unmappable(f"the shape of '{tensor}' is not known")

    def const(self, tensor: str) -> np.ndarray | None:
        return self.constants.get(tensor) if tensor else None

    def need_const(self, tensor: str, what: str) -> np.ndarray:
        value = self.const(tensor)
        if value is None:
            raise Unmappable(f"its {what} is computed by the model, not stored in the file")
        if np.issubdtype(value.dtype, np.integer) and (value == BATCH_MARK).any():
            raise Unmappable(f"its {what} depends on the batch size")
        return value

    def source(self, tensor: str) -> str:
        """The node producing a computed tensor."""
        if tensor in self.producer:
            return self.producer[tensor]
        if tensor in self.constants:
            raise Unmappable(f"it takes the constant '{tensor}' where Workbench's layer takes computed values")
        raise Unmappable(f"its input '{tensor}' comes from nowhere")

    def only_consumer(self, tensor: str):
        """The one ONNX node reading `tensor`, or None (several, none, or a graph output)."""
        readers = self.consumers.get(tensor, [])
        outputs = {o.name for o in self.model.graph.output}
        return readers[0] if len(readers) == 1 and tensor not in outputs else None

    # --- what the mapping does -----------------------------------------------------------------------------------

    def add(self, type_name: str, params: dict, sources: list[str], weights: dict | None = None,
            suffix: str = "") -> str:
        """Adds a layer fed by the nodes `sources` (ids); its weights by parameter name. Returns its id."""
        node = self.current
        base = _display_name(node) + suffix
        stem = id_stem(base)
        node_id = stem if stem not in self.graph.nodes else self.graph.unique_id(stem + "_")
        name = base[-64:]
        if name in self.names:
            name = self.graph.unique_name(base[:60] + "_")
        try:
            added = self.graph.add_node(type_name, params, name=name, node_id=node_id)
        except GraphEditError as exc:
            raise Unmappable(str(exc).rstrip(".")) from None
        self.names.add(name)
        self._created.append(node_id)
        for src in sources:
            self._connect(src, node_id)
        if all(src in self.infos for src in sources) and added.spec.role != "placeholder":
            try:
                self.infos[node_id] = added.spec.shape_rule(added.params, [self.infos[src] for src in sources])
            except ShapeError as exc:
                raise Unmappable(f"as {added.spec.display_name} it {exc}") from None
        for key, value in (weights or {}).items():
            self.weights[f"{node_id}.{key}"] = np.array(value, order="C")
        return node_id

    def _connect(self, src: str, dst: str) -> None:
        """Wires a new layer to an earlier one: checked as `Graph.graph_from_dict` checks a file's wires (a wire
        into a new layer cannot close a loop, and each port gets one wire unless it takes several), without the
        editor's per-wire scans of the whole graph."""
        edge = Edge(src, dst)
        check_wire_ends(self.graph, edge, False, None)
        self.graph.edges.append(edge)

    def output(self, tensor: str, node_id: str) -> None:
        self.producer[tensor] = node_id
        self.onnx_shapes[node_id] = self.shapes.get(tensor) or (self.infos[node_id].shape
                                                                 if node_id in self.infos else None)

    def alias(self, tensor: str, same_as: str) -> None:
        """`tensor` is the same values as `same_as` (an Identity)."""
        if same_as in self.producer:
            self.producer[tensor] = self.producer[same_as]
        elif same_as in self.constants:
            self.constants[tensor] = self.constants[same_as]

    # --- the walk ------------------------------------------------------------------------------------------------

    def run(self, operators: dict) -> Conversion:
        self._collect_shapes()
        for tensor in self.model.graph.initializer:
            self.constants[tensor.name] = to_array(tensor)
        for node in self.model.graph.node:
            for name in node.input:
                if name:
                    self.consumers.setdefault(name, []).append(node)
        for info in self.read.inputs:
            # the model was made elsewhere: token id 0 is a token like any other, not Workbench's padding
            node = self.graph.add_node("Input", {"shape": list(info.sample_shape), "dtype": info.dtype,
                                                 "padding": False},
                                       name=info.name[-64:], node_id=self._input_id(info.name))
            self.names.add(node.name)
            self.producer[info.name] = node.id
            self.infos[node.id] = node.spec.shape_rule(node.params, [])
        for node in self.model.graph.node:
            if id(node) in self.skip:
                continue
            self.current = node
            self._created = []
            if self._fold(node):
                continue
            # a node of a pattern fused before the walk (recurrent.py) is found by its domain and type
            handler = operators.get(node.op_type if node.domain in ("", "ai.onnx") else (node.domain, node.op_type))
            try:
                if handler is None:
                    raise Unmappable("Workbench has no layer for this operator")
                handler(self, node)
            except Unmappable as exc:
                self._undo_created()
                self._placeholder(node, str(exc))
        self.graph.positions.update(layered_layout(self.graph))
        return Conversion(self.graph, self.weights, self.placeholders, self.notes, self.onnx_shapes, self.infos)

    def _input_id(self, name: str) -> str:
        stem = id_stem(name)
        return stem if stem not in self.graph.nodes else self.graph.unique_id(stem + "_")

    def _collect_shapes(self) -> None:
        graph = self.model.graph
        for value in (*graph.input, *graph.value_info, *graph.output):
            tensor_type = value.type.tensor_type
            if not value.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
                continue
            dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim)
            if dims and all(d is not None for d in dims[1:]):
                self.shapes[value.name] = (None, *dims[1:])

    def _fold(self, node) -> bool:
        """Works out a node whose inputs are all constant (and a Shape of a computed tensor); True if it did."""
        inputs = [name for name in node.input if name]
        if node.op_type == "Shape" and inputs and inputs[0] in self.shapes and not node.attribute:
            self.constants[node.output[0]] = shape_of(self.shapes[inputs[0]])
            return True
        if any(name not in self.constants for name in inputs):
            return False
        if node.op_type in ("Dropout",) and inputs:
            self.constants[node.output[0]] = self.constants[inputs[0]]
            return True
        try:
            values = evaluate(node, [self.constants.get(name) if name else None for name in node.input])
        except NotConstant:
            return False
        except Exception:  # a malformed constant: the node becomes a placeholder
            return False
        for name, value in zip(node.output, values):
            self.constants[name] = value
        return True

    def _undo_created(self) -> None:
        for node_id in reversed(self._created):
            if node_id in self.graph.nodes:
                self.names.discard(self.graph.remove_node(node_id)[0].name)
            self.infos.pop(node_id, None)
            for key in [k for k in self.weights if k.startswith(node_id + ".")]:
                del self.weights[key]
        self._created = []

    def _placeholder(self, node, reason: str) -> None:
        self.current = node
        sources = list(dict.fromkeys(self.producer[n] for n in node.input if n in self.producer))
        node_id = self.add("UnsupportedOnnx", {"operator": node.op_type[:200], "onnx_node": (node.name or "")[:200]},
                           sources)
        for name in node.output:
            if name:
                self.output(name, node_id)
        self.placeholders.append(Placeholder(node_id, node.op_type, node.name or node.output[0], reason))


def _display_name(node) -> str:
    """The layer's name: the ONNX node's name (without the exporter's leading slash), else its first output."""
    name = (node.name or node.output[0] or node.op_type).lstrip("/")
    return name or node.op_type


def id_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "node"
    if not (stem[0].isalpha() or stem[0] == "_"):
        stem = "n" + stem
    return stem[-60:].lstrip("0123456789") or "node"
