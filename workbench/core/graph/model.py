"""The graph model: nodes (a layer type and its settings), edges between ports, and canvas positions.

The model checks every edit before making it and raises a typed error (`CycleError`, `PortOccupiedError`, ...) that
leaves it unchanged. It announces each change through psygnal signals, so views can mirror it without Qt in the core.
Positions live apart from the architecture: moving a node never changes the network.

Reusable blocks: the network's graph keeps named block definitions in `blocks`, each a small `Graph` of its own
whose BlockInput and BlockOutput nodes are the block's ports. A Block node is one instance of a definition (its
setting `block` names it); its ports are its definition's. Every graph of one network shares the one `blocks` map,
and the network's graph (the definitions' `owner`) announces a change inside any definition as its own `changed`.

A graph also remembers the layers that Expand put in place of an instance (`expansions`, by the instance's id): the
block they came from and which of its nodes each one is. Collapse is offered for those layers only, and a saved
network keeps the definitions they came from.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from dataclasses import dataclass, field

from workbench.core.errors import CycleError, GraphEditError, PortOccupiedError, UnknownNodeError
from workbench.core.graph.signals import Signal
from workbench.core.layers import CATALOG, LayerSpec, block_spec

ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_NAME_LENGTH = 64


@dataclass
class Node:
    id: str
    type: str
    name: str
    params: dict = field(default_factory=dict)
    definition: "Graph | None" = field(default=None, compare=False, repr=False)  # a Block node's definition

    @property
    def spec(self) -> LayerSpec:
        if self.definition is not None:
            return self.definition.as_block_spec()
        return CATALOG[self.type]

    @property
    def label(self) -> str:
        """How messages name the node: its type and name, e.g. Conv2d 'conv2'."""
        return f"{self.spec.display_name} '{self.name}'"


class FreeLabels:
    """Hands out labels ``stem1``, ``stem2``, … that are not `taken`, each once: the first free one of its stem, as
    a search from 1 over a growing taken set would give, without starting over at 1 each time (k labels for a graph
    of n nodes cost O(n + k), not k passes)."""

    def __init__(self, taken):
        self.taken = set(taken)
        self._next: dict[str, int] = {}  # stem -> the number to try first

    def take(self, stem: str) -> str:
        i = self._next.get(stem, 1)
        while f"{stem}{i}" in self.taken:
            i += 1
        self._next[stem] = i + 1
        self.taken.add(f"{stem}{i}")
        return f"{stem}{i}"

    def keep(self, label: str) -> bool:
        """Takes `label` itself when it is free; False (and nothing taken) when it is not."""
        if label in self.taken:
            return False
        self.taken.add(label)
        return True


@dataclass(frozen=True)
class Expansion:
    """The layers Expand made of one instance: `block`, the definition it was an instance of, and `layers`, for
    each node of that definition (its id there), the id of the layer made of it."""

    block: str
    layers: dict[str, str]


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
        self.blocks: dict[str, Graph] = {}  # block name -> definition; shared by every graph of one network
        self.block_name: str | None = None  # the name of the block this graph defines; None for the network
        self.owner: Graph | None = None  # a definition's network
        self.expansions: dict[str, Expansion] = {}  # instance id -> the layers Expand made of it

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
        return FreeLabels(n.name for n in self.nodes.values()).take(stem)

    def reaches(self, start: str, target: str, edges: list[Edge] | None = None) -> bool:
        """True when a path of edges (`edges`, or the graph's) leads from `start` to `target`."""
        children: dict[str, list[str]] = {}
        for e in self.edges if edges is None else edges:
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

    def topological_order(self, edges: list[Edge] | None = None) -> list[str]:
        """Node ids with every node after its inputs (through `edges`, or the graph's); nodes on a loop (and after
        one) are left out."""
        indegree = {nid: 0 for nid in self.nodes}
        children: dict[str, list[str]] = {nid: [] for nid in self.nodes}
        for e in self.edges if edges is None else edges:
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
        node = self._checked_node(type_name, params, name, node_id, None)
        self._put_node(node, position)
        self.changed.emit()
        return node

    def add_nodes(self, nodes: list[tuple[str, dict | None, str, str, tuple[float, float] | None]]) -> list[Node]:
        """Adds several nodes, each (type, settings, name, id, position) as `add_node` takes them, all checked first
        (a refusal adds none) against one set of the names taken: k nodes cost one pass over the graph, not k."""
        names = {n.name for n in self.nodes.values()}
        ids: set[str] = set()
        made = []
        for type_name, params, name, node_id, position in nodes:
            if node_id in ids:
                raise GraphEditError(f"A node with id {node_id!r} already exists.")
            made.append((self._checked_node(type_name, params, name, node_id, names), position))
            names.add(name)
            ids.add(node_id)
        for node, position in made:
            self._put_node(node, position)
        if made:
            self.changed.emit()
        return [node for node, _ in made]

    def _checked_node(self, type_name: str, params: dict | None, name: str | None, node_id: str | None,
                      taken_names: set[str] | None) -> Node:
        """The node `add_node` would add, its name checked against `taken_names` (None: against the graph's
        nodes); raises what makes `add_node` refuse it."""
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
        self._check_name(name, None, taken_names)
        definition = self._definition_for(full["block"]) if type_name == "Block" else None
        if spec.role in ("input", "head") and self.block_name is not None:
            raise GraphEditError(f"{spec.display_name} layers belong to the network itself, not inside a block.")
        return Node(node_id, type_name, name, full, definition)

    def _put_node(self, node: Node, position: tuple[float, float] | None) -> None:
        self.nodes[node.id] = node
        if position is not None:
            self.positions[node.id] = (float(position[0]), float(position[1]))
        self.node_added.emit(node)

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge], tuple[float, float] | None]:
        """Removes the node and its wires; returns what is needed to put them back."""
        node = self.node(node_id)
        if node.spec.role in ("block_input", "block_output"):
            self._check_port_unwired(node)
        edges = [e for e in self.edges if e.src == node_id or e.dst == node_id]
        for e in edges:
            self.edges.remove(e)
            self.edge_removed.emit(e)
        del self.nodes[node_id]
        position = self.positions.pop(node_id, None)
        self.node_removed.emit(node)
        self.changed.emit()
        return node, edges, position

    def remove_nodes(self, node_ids: list[str]) -> None:
        """Removes several nodes and their wires as `remove_node` removes each, in one pass over the wires (the undo
        of `add_nodes`)."""
        nodes = [self.node(node_id) for node_id in node_ids]
        for node in nodes:
            if node.spec.role in ("block_input", "block_output"):
                self._check_port_unwired(node)
        gone = set(node_ids)
        self.remove_edges([e for e in self.edges if e.src in gone or e.dst in gone])
        for node in nodes:
            del self.nodes[node.id]
            self.positions.pop(node.id, None)
            self.node_removed.emit(node)
        if nodes:
            self.changed.emit()

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

    def add_edges(self, edges: list[Edge]) -> None:
        """Adds wires at the end of the edge list as `add_edge` adds each in turn, all checked first (a refusal adds
        none, with `add_edge`'s message) with maps of the wires made once and one sort for a loop: k wires cost a
        few passes over the graph, not k."""
        connected = set(self.edges)
        fed_by: dict[tuple[str, str], str] = {}
        for e in self.edges:
            fed_by.setdefault((e.dst, e.dst_port), e.src)
        for edge in edges:
            check_wire_ends(self, edge, edge in connected, fed_by.get((edge.dst, edge.dst_port)))
            connected.add(edge)
            fed_by.setdefault((edge.dst, edge.dst_port), edge.src)
        after = self.edges + list(edges)
        if len(self.topological_order(after)) < len(self.nodes):  # a loop, new or (from a file) there already
            for count, edge in enumerate(edges):  # the slow way, as add_edge would meet them, for the message
                if self.reaches(edge.dst, edge.src, self.edges + list(edges[:count])):
                    src, dst = self.nodes[edge.src], self.nodes[edge.dst]
                    raise CycleError(f"Connecting '{src.name}' to '{dst.name}' would make a loop: '{dst.name}' "
                                     f"already feeds into '{src.name}'.")
        for edge in edges:
            self.edges.append(edge)
            self.edge_added.emit(edge)
        if edges:
            self.changed.emit()

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

    def remove_edges(self, edges: list[Edge]) -> None:
        """Removes several wires in one pass over the edge list (the undo of `add_edges`)."""
        gone = set(edges)
        missing = gone.difference(self.edges)
        if missing:
            raise GraphEditError("That connection does not exist.")
        self.edges[:] = [e for e in self.edges if e not in gone]
        for edge in edges:
            self.edge_removed.emit(edge)
        if edges:
            self.changed.emit()

    def set_params(self, node_id: str, changes: dict) -> dict:
        """Changes some settings of a node; returns the previous values of those settings."""
        node = self.node(node_id)
        if node.definition is not None and "block" in changes:
            raise GraphEditError(f"{node.label}: which block a node is an instance of cannot be changed; add an "
                                 f"instance of the other block instead.")
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

    def expansion_of(self, node_id: str) -> tuple[str, Expansion] | None:
        """(instance id, expansion) of the Expand that made the layer `node_id`, or None."""
        return next(((instance_id, expansion) for instance_id, expansion in self.expansions.items()
                     if node_id in expansion.layers.values()), None)

    def set_expansion(self, instance_id: str, expansion: Expansion | None) -> Expansion | None:
        """Remembers that Expand made `expansion`'s layers of the instance `instance_id`, or forgets that (None:
        Collapse, or the undo of an Expand); returns the record it replaces."""
        previous = self.expansions.pop(instance_id, None)
        if expansion is not None:
            self.expansions[instance_id] = expansion
        self.changed.emit()
        return previous

    def move(self, node_id: str, x: float, y: float) -> None:
        self.node(node_id)
        self.positions[node_id] = (float(x), float(y))
        self.node_moved.emit(node_id, float(x), float(y))

    def _check_name(self, name: str, node_id: str | None, taken: set[str] | None = None) -> None:
        """Refuses an empty or too long name, and one another node has (of the graph, or in `taken`: the names of
        the nodes there and of those being added with node `node_id`, a new one)."""
        if not name or not name.strip():
            raise GraphEditError("A layer needs a name.")
        if len(name) > MAX_NAME_LENGTH:
            raise GraphEditError(f"A name can be at most {MAX_NAME_LENGTH} characters long.")
        other = self.node_by_name(name) if taken is None else None
        if (other is not None and other.id != node_id) or (taken is not None and name in taken):
            raise GraphEditError(f"Another layer is already called '{name}'.")

    # --- block definitions ------------------------------------------------------------------------------------------

    @property
    def network(self) -> "Graph":
        """The network's graph: this one, or the one whose block this graph defines."""
        return self.owner or self

    def block_ports(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A definition's (input port names, output port names): the ids of its port nodes, in the order added."""
        inputs = tuple(nid for nid, n in self.nodes.items() if n.type == "BlockInput")
        outputs = tuple(nid for nid, n in self.nodes.items() if n.type == "BlockOutput")
        return inputs, outputs

    def as_block_spec(self) -> LayerSpec:
        return block_spec(self.block_name or "", *self.block_ports())

    def add_block(self, name: str, definition: "Graph") -> "Graph":
        """Adds `definition` (a graph of its own, with BlockInput and BlockOutput nodes) under `name`."""
        network = self.network
        name = name.strip() if isinstance(name, str) else ""
        check_block_name(name)
        if name in network.blocks:
            raise GraphEditError(f"There is already a block called '{name}'.")
        for node in definition.nodes.values():
            if node.spec.role in ("input", "head"):
                raise GraphEditError(f"{node.label} belongs to the network itself, not inside a block.")
        definition.blocks = network.blocks
        definition.block_name = name
        definition.owner = network
        for node in definition.nodes.values():
            if node.type == "Block":
                node.definition = network._definition_for(node.params["block"], name)
        network.blocks[name] = definition
        definition.changed.connect(network.changed.emit)
        network.changed.emit()
        return definition

    def remove_block(self, name: str) -> "Graph":
        """Removes a definition that no node is an instance of; returns it (to put back with `add_block`)."""
        network = self.network
        definition = network.blocks.get(name)
        if definition is None:
            raise GraphEditError(f"There is no block called '{name}'.")
        users = network.instances_of(name)
        if users:
            raise GraphEditError(f"The block '{name}' is still used by '{users[0][1].name}'.")
        del network.blocks[name]
        definition.changed.disconnect(network.changed.emit)
        definition.owner = definition.block_name = None
        definition.blocks = {}
        network.changed.emit()
        return definition

    def rename_block(self, old: str, new: str) -> str:
        """Renames the definition `old` to `new` for every instance of it (their setting `block` follows), keeping
        its place among the definitions; returns the new name. Refuses an empty name and one another block has."""
        network = self.network
        new = new.strip() if isinstance(new, str) else ""
        if old not in network.blocks:
            raise GraphEditError(f"There is no block called '{old}'.")
        check_block_name(new)
        if new == old:
            return new
        if new in network.blocks:
            raise GraphEditError(f"There is already a block called '{new}'. Choose another name.")
        definitions = list(network.blocks.items())
        network.blocks.clear()  # the one map every graph of the network shares: changed in place
        network.blocks.update((new if name == old else name, definition) for name, definition in definitions)
        definition = network.blocks[new]
        definition.block_name = new
        for graph, instance in self.instances_of(old):
            instance.params = {**instance.params, "block": new}
            graph.params_changed.emit(instance.id)
        for graph in (network, *network.blocks.values()):
            graph.expansions = {instance_id: Expansion(new, e.layers) if e.block == old else e
                                for instance_id, e in graph.expansions.items()}
        network.changed.emit()
        return new

    def instances_of(self, name: str) -> list[tuple["Graph", Node]]:
        """Every (graph, Block node) of the network that is an instance of the block `name`."""
        network = self.network
        found = []
        for graph in (network, *network.blocks.values()):
            found.extend((graph, n) for n in graph.nodes.values() if n.type == "Block" and n.params["block"] == name)
        return found

    def kept_blocks(self) -> list[str]:
        """The blocks a saved network keeps: those it uses (`used_blocks`) and those that layers of it, or of a kept
        block, were expanded from (while one of those layers is left), with the blocks they use."""
        kept: dict[str, None] = {}
        stack = self.used_blocks() + self._expanded_blocks()
        while stack:
            name = stack.pop(0)
            if name in kept or name not in self.blocks:
                continue
            kept[name] = None
            definition = self.blocks[name]
            stack.extend(definition.used_blocks() + definition._expanded_blocks())
        return list(kept)

    def live_expansions(self) -> dict[str, Expansion]:
        """`expansions` without the layers deleted since, and without the records none of whose layers is left."""
        live = {}
        for instance_id, expansion in self.expansions.items():
            layers = {inner: nid for inner, nid in expansion.layers.items() if nid in self.nodes}
            if layers:
                live[instance_id] = Expansion(expansion.block, layers)
        return live

    def _expanded_blocks(self) -> list[str]:
        return [e.block for e in self.live_expansions().values()]

    def used_blocks(self) -> list[str]:
        """The names of the blocks this graph's nodes are instances of, directly or inside each other, each once."""
        seen: dict[str, None] = {}
        stack = [n.params["block"] for n in self.nodes.values() if n.type == "Block"]
        while stack:
            name = stack.pop(0)
            if name in seen or name not in self.blocks:
                continue
            seen[name] = None
            stack.extend(n.params["block"] for n in self.blocks[name].nodes.values() if n.type == "Block")
        return list(seen)

    def _definition_for(self, name: str, inside: str | None = None) -> "Graph":
        """The definition a new Block node of this graph refers to; refuses an unknown block and a block that
        would contain itself (directly or through other blocks)."""
        definition = self.blocks.get(name)
        if definition is None:
            raise GraphEditError(f"There is no block called '{name}'.")
        inside = inside or self.block_name
        if inside is not None and (name == inside or inside in definition.used_blocks()):
            raise GraphEditError(f"The block '{name}' cannot be used inside '{inside}': a block cannot contain "
                                 f"itself.")
        return definition

    def _check_port_unwired(self, port: Node) -> None:
        if self.block_name is None:
            return
        for graph, instance in self.instances_of(self.block_name):
            if any((e.dst == instance.id and e.dst_port == port.id) or (e.src == instance.id and e.src_port == port.id)
                   for e in graph.edges):
                raise GraphEditError(f"The port '{port.name}' is wired to '{instance.name}'. Remove that wire first.")

    # --- whole-graph helpers --------------------------------------------------------------------------------------

    def copy(self) -> "Graph":
        """An independent snapshot (no listeners), e.g. of the graph being trained; a network's copy has copies of
        its block definitions, a definition's copy refers to the same definitions as the definition does."""
        clone = self.detached_copy()
        if self.owner is not None:
            clone.blocks, clone.block_name = self.blocks, self.block_name
            clone._resolve_blocks()
            return clone
        for name, definition in self.blocks.items():
            inner = definition.detached_copy()
            inner.blocks, inner.block_name, inner.owner = clone.blocks, name, clone
            clone.blocks[name] = inner
            inner.changed.connect(clone.changed.emit)
        for graph in (clone, *clone.blocks.values()):
            graph._resolve_blocks()
        return clone

    def detached_copy(self) -> "Graph":
        """A copy of the nodes, wires and positions alone, belonging to no network (a Block node in it still
        refers to its definition by name)."""
        clone = Graph()
        clone.nodes = {nid: Node(n.id, n.type, n.name, copy.deepcopy(n.params)) for nid, n in self.nodes.items()}
        clone.edges = list(self.edges)
        clone.positions = dict(self.positions)
        clone.expansions = {i: Expansion(e.block, dict(e.layers)) for i, e in self.expansions.items()}
        return clone

    def _resolve_blocks(self) -> None:
        for node in self.nodes.values():
            if node.type == "Block":
                node.definition = self.blocks[node.params["block"]]

    def input_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.spec.role == "input"]

    def head_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.spec.role == "head"]


def check_block_name(name: str) -> None:
    if not name or len(name) > MAX_NAME_LENGTH:
        raise GraphEditError(f"A block needs a name of 1 to {MAX_NAME_LENGTH} characters.")


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
