"""The graph model: nodes (a layer type and its settings), edges between ports, and canvas positions.

The model checks every edit before making it and raises a typed error (`CycleError`, `PortOccupiedError`, ...) that
leaves it unchanged. It announces each change through psygnal signals, so views can mirror it without Qt in the core.
Positions live apart from the architecture: moving a node never changes the network.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from dataclasses import dataclass, field

from workbench.core.errors import CycleError, GraphEditError, PortOccupiedError, UnknownNodeError
from workbench.core.graph.signals import Signal
from workbench.core.layers import CATALOG, LayerSpec

ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_NAME_LENGTH = 64


@dataclass
class Node:
    id: str
    type: str
    name: str
    params: dict = field(default_factory=dict)

    @property
    def spec(self) -> LayerSpec:
        return CATALOG[self.type]

    @property
    def label(self) -> str:
        """How messages name the node: its type and name, e.g. Conv2d 'conv2'."""
        return f"{self.spec.display_name} '{self.name}'"


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    src_port: str = "out"
    dst_port: str = "in"


class Graph:
    """A directed acyclic graph of layers. Edit it through its methods; read `nodes`, `edges` and `positions`."""

    node_added = Signal(object)  # Node
    node_removed = Signal(object)  # Node
    edge_added = Signal(object)  # Edge
    edge_removed = Signal(object)  # Edge
    params_changed = Signal(str)  # node id
    node_renamed = Signal(str, str)  # node id, new name
    node_moved = Signal(str, float, float)  # node id, x, y
    changed = Signal()  # after any change to the architecture (not to positions)

    def __init__(self):
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.positions: dict[str, tuple[float, float]] = {}

    # --- queries ------------------------------------------------------------------------------------------------

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise UnknownNodeError(f"There is no node with id {node_id!r}.") from None

    def node_by_name(self, name: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.name == name), None)

    def incoming(self, node_id: str, port: str | None = None) -> list[Edge]:
        return [e for e in self.edges if e.dst == node_id and (port is None or e.dst_port == port)]

    def outgoing(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id]

    def unique_id(self, stem: str) -> str:
        stem = re.sub(r"[^A-Za-z0-9_]", "_", stem) or "node"
        if not stem[0].isalpha() and stem[0] != "_":
            stem = "n" + stem
        i = 1
        while f"{stem}{i}" in self.nodes:
            i += 1
        return f"{stem}{i}"

    def unique_name(self, stem: str) -> str:
        names = {n.name for n in self.nodes.values()}
        i = 1
        while f"{stem}{i}" in names:
            i += 1
        return f"{stem}{i}"

    def reaches(self, start: str, target: str) -> bool:
        """True when a path of edges leads from `start` to `target`."""
        children: dict[str, list[str]] = {}
        for e in self.edges:
            children.setdefault(e.src, []).append(e.dst)
        stack, seen = [start], set()
        while stack:
            current = stack.pop()
            if current == target:
                return True
            if current in seen:
                continue
            seen.add(current)
            stack.extend(children.get(current, ()))
        return False

    def topological_order(self) -> list[str]:
        """Node ids with every node after its inputs; nodes on a loop (and after one) are left out."""
        indegree = {nid: 0 for nid in self.nodes}
        children: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for e in self.edges:
            if e.src in indegree and e.dst in indegree:
                indegree[e.dst] += 1
                children[e.src].append(e.dst)
        ready = deque(nid for nid, d in indegree.items() if d == 0)
        order = []
        while ready:
            nid = ready.popleft()
            order.append(nid)
            for child in children[nid]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        return order

    # --- edits (each checked first; a refused edit changes nothing) -------------------------------------------

    def add_node(self, type_name: str, params: dict | None = None, name: str | None = None,
                 node_id: str | None = None, position: tuple[float, float] | None = None) -> Node:
        spec = CATALOG.get(type_name)
        if spec is None:
            raise GraphEditError(f"There is no layer type called {type_name!r}.")
        try:
            full = spec.check_params(params or {})
        except ValueError as exc:
            raise GraphEditError(f"{spec.display_name}: {exc}") from None
        node_id = node_id or self.unique_id(spec.name_prefix or type_name.lower())
        if not ID_PATTERN.match(node_id):
            raise GraphEditError(f"{node_id!r} cannot be a node id: use letters, digits and _ only.")
        if node_id in self.nodes:
            raise GraphEditError(f"A node with id {node_id!r} already exists.")
        name = name if name is not None else self.unique_name(spec.name_prefix or type_name.lower())
        self._check_name(name, None)
        node = Node(node_id, type_name, name, full)
        self.nodes[node_id] = node
        if position is not None:
            self.positions[node_id] = (float(position[0]), float(position[1]))
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge], tuple[float, float] | None]:
        """Removes the node and its wires; returns what is needed to put them back."""
        node = self.node(node_id)
        edges = [e for e in self.edges if e.src == node_id or e.dst == node_id]
        for e in edges:
            self.edges.remove(e)
            self.edge_removed.emit(e)
        del self.nodes[node_id]
        position = self.positions.pop(node_id, None)
        self.node_removed.emit(node)
        self.changed.emit()
        return node, edges, position

    def insert_node(self, node: Node, position: tuple[float, float] | None = None) -> None:
        """Puts back a node removed earlier (or pasted), with its id, name and settings."""
        self.add_node(node.type, node.params, node.name, node.id, position)

    def check_edge(self, edge: Edge) -> None:
        """Raises the reason `edge` cannot be added, or returns when it can.

        A few passes over the edge list: one edit's worth of work. Checking a whole file's wires this way would
        cost a pass per wire; `graph_from_dict` uses `check_wire_ends` with maps it keeps instead.
        """
        existing = self.incoming(edge.dst, edge.dst_port)
        check_wire_ends(self, edge, edge in self.edges, existing[0].src if existing else None)
        if self.reaches(edge.dst, edge.src):
            src, dst = self.nodes[edge.src], self.nodes[edge.dst]
            raise CycleError(f"Connecting '{src.name}' to '{dst.name}' would make a loop: '{dst.name}' already "
                             f"feeds into '{src.name}'.")

    def add_edge(self, edge: Edge, index: int | None = None) -> Edge:
        self.check_edge(edge)
        if index is None:
            self.edges.append(edge)
        else:
            self.edges.insert(index, edge)
        self.edge_added.emit(edge)
        self.changed.emit()
        return edge

    def connect(self, src: str, dst: str, src_port: str = "out", dst_port: str = "in") -> Edge:
        return self.add_edge(Edge(src, dst, src_port, dst_port))

    def remove_edge(self, edge: Edge) -> int:
        """Removes the wire and returns where it stood (its order matters for Concat)."""
        try:
            index = self.edges.index(edge)
        except ValueError:
            raise GraphEditError("That connection does not exist.") from None
        del self.edges[index]
        self.edge_removed.emit(edge)
        self.changed.emit()
        return index

    def set_params(self, node_id: str, changes: dict) -> dict:
        """Changes some settings of a node; returns the previous values of those settings."""
        node = self.node(node_id)
        merged = {**node.params, **changes}
        try:
            full = node.spec.check_params(merged)
        except ValueError as exc:
            raise GraphEditError(f"{node.label}: {exc}") from None
        previous = {k: node.params[k] for k in changes}
        node.params = full
        self.params_changed.emit(node_id)
        self.changed.emit()
        return previous

    def rename(self, node_id: str, name: str) -> str:
        """Renames a node; returns the old name."""
        node = self.node(node_id)
        name = name.strip()
        self._check_name(name, node_id)
        old, node.name = node.name, name
        self.node_renamed.emit(node_id, name)
        self.changed.emit()
        return old

    def move(self, node_id: str, x: float, y: float) -> None:
        self.node(node_id)
        self.positions[node_id] = (float(x), float(y))
        self.node_moved.emit(node_id, float(x), float(y))

    def _check_name(self, name: str, node_id: str | None) -> None:
        if not name or not name.strip():
            raise GraphEditError("A layer needs a name.")
        if len(name) > MAX_NAME_LENGTH:
            raise GraphEditError(f"A name can be at most {MAX_NAME_LENGTH} characters long.")
        other = self.node_by_name(name)
        if other is not None and other.id != node_id:
            raise GraphEditError(f"Another layer is already called '{name}'.")

    # --- whole-graph helpers --------------------------------------------------------------------------------------

    def copy(self) -> "Graph":
        """An independent snapshot (no listeners), e.g. of the graph being trained."""
        clone = Graph()
        clone.nodes = {nid: Node(n.id, n.type, n.name, copy.deepcopy(n.params)) for nid, n in self.nodes.items()}
        clone.edges = list(self.edges)
        clone.positions = dict(self.positions)
        return clone

    def input_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.spec.role == "input"]

    def head_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.spec.role == "head"]


def check_wire_ends(graph: Graph, edge: Edge, connected: bool, port_fed_by: str | None) -> None:
    """Every check of `Graph.check_edge` but the loop through other layers, in the same order and with the same
    messages: both ports exist, the wire is new (`connected` says whether it is already there), it does not join a
    layer to itself (a `CycleError`), and its input port is free unless it takes many wires (`port_fed_by` is the id
    of the node that already feeds it, or None). Constant time: the caller knows the existing wires."""
    src, dst = graph.node(edge.src), graph.node(edge.dst)
    if edge.src_port not in {p.name for p in src.spec.outputs}:
        raise GraphEditError(f"{src.label} has no output called {edge.src_port!r}.")
    ports = {p.name: p for p in dst.spec.inputs}
    if edge.dst_port not in ports:
        raise GraphEditError(f"{dst.label} has no input called {edge.dst_port!r}.")
    if connected:
        raise GraphEditError(f"{src.label} is already connected to {dst.label}.")
    if edge.src == edge.dst:
        raise CycleError(f"{src.label} cannot be connected to itself.")
    if port_fed_by is not None and not ports[edge.dst_port].multi:
        other = graph.node(port_fed_by)
        raise PortOccupiedError(f"{dst.label} already takes its input from '{other.name}'. Remove that wire "
                                f"first, or combine both with an Add or Concat layer.")
