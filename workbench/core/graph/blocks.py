"""Flattening: the plain graph a network with blocks computes as, every Block node replaced by its definition's
layers and the definition's port nodes by the wires they stand for.

A layer of instance `res1` keeps its id behind the instance's (``res1__conv1``) and is named after both
(``res1/conv1``), so a message about it names the block instance and the layer inside. An id or a name that would
pass 64 characters (blocks deep inside blocks) is shortened the same way every time (`joined_id`, `joined_name`), so
a run's snapshot of the flat network stays a valid graph and Expand gives a layer the id its trained weights have.

Shape inference, the torch network, export, compression and search all work on `flatten(graph)`; `FlatGraph.origin`
leads each layer back to the node of the network that stands for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from workbench.core.errors import GraphEditError
from workbench.core.graph.model import MAX_NAME_LENGTH, Edge, Graph, Node
from workbench.core.graph.serialize import MAX_NODES

SEPARATOR = "__"
MAX_ID_LENGTH = 64  # as model.ID_PATTERN allows
_DIGEST = 8  # hex digits of the hash that ends a shortened id or name


def joined_id(instance_id: str, node_id: str) -> str:
    """The flat id of the layer `node_id` inside the instance whose flat id is `instance_id` (``res1__conv1``). One
    longer than 64 characters keeps its first 55 and ends in ``_`` and 8 hex digits of a hash of the whole, so it is
    still a valid id, the same every time, and different for different layers."""
    return _shortened(f"{instance_id}{SEPARATOR}{node_id}", MAX_ID_LENGTH, "_")


def joined_name(instance_name: str, name: str) -> str:
    """The flat name of the layer `name` inside the instance named `instance_name` (``res1/conv1``), shortened
    like `joined_id` where it would pass 64 characters: its beginning, ``…`` and the hash."""
    return _shortened(f"{instance_name}/{name}", MAX_NAME_LENGTH, "…")


def _shortened(text: str, limit: int, mark: str) -> str:
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:_DIGEST]
    return f"{text[:limit - len(mark) - _DIGEST]}{mark}{digest}"


@dataclass
class FlatGraph:
    graph: Graph
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # flat node id -> the ids that lead to it:
    # the network's node, then the node inside its block, ... (("res1", "conv1") for res1__conv1)
    instances: dict[tuple[str, ...], "_Inlined"] = field(default_factory=dict)  # path of a Block node -> its layers

    def origin(self, flat_id: str) -> str:
        """The id of the network's node that stands for flat node `flat_id`: itself, or its block."""
        return self.paths[flat_id][0]

    def origins(self) -> dict[str, str]:
        """`origin` of every flat node."""
        return {flat_id: path[0] for flat_id, path in self.paths.items()}


def has_blocks(graph: Graph) -> bool:
    return any(n.type == "Block" for n in graph.nodes.values())


def flatten(graph: Graph) -> Graph:
    """`graph` with every block inlined: a plain graph with no Block node and no block port (a copy when there
    are no blocks)."""
    return flatten_with_paths(graph).graph if has_blocks(graph) else graph.copy()


def flat_size(graph: Graph) -> int:
    """How many layers `graph` has once its blocks are inlined, counted without inlining them (blocks inside blocks
    multiply: a small file can describe a huge network)."""
    sizes: dict[str, int] = {}

    def size(g: Graph, trail: tuple[str, ...]) -> int:
        total = 0
        for node in g.nodes.values():
            if node.type in ("BlockInput", "BlockOutput") and trail:  # a block's port stands for a wire
                continue
            if node.type != "Block":
                total += 1
                continue
            name = node.params["block"]
            if name not in sizes and name not in trail:
                sizes[name] = size(node.definition, (*trail, name))
            total += sizes.get(name, 0)
        return total

    return size(graph, ())


def flatten_with_paths(graph: Graph) -> FlatGraph:
    """`graph` inlined, with the path of every layer; refuses (`GraphEditError`) a network of more layers than
    Workbench handles before making any of them."""
    layers = flat_size(graph)
    if layers > MAX_NODES:
        raise GraphEditError(f"With its blocks expanded the network would have {layers:,} layers, more than "
                             f"Workbench handles ({MAX_NODES:,}). Use fewer instances or smaller blocks.")
    flat = FlatGraph(Graph())
    flat.instances[()] = _inline(graph, (), "", "", flat, {})
    return flat


def output_source(flat: FlatGraph, path: tuple[str, ...], port: str) -> tuple[str, str] | None:
    """The flat (node, port) that gives output `port` of the Block node at `path` (None: nothing feeds it)."""
    return flat.instances[path[:-1]].source(path[-1], port)


class _Inlined:
    """One graph's nodes inlined into the flat graph: where each of its (node, output port)s comes from there."""

    def __init__(self, graph: Graph, path: tuple[str, ...], instance_id: str,
                 feeds: dict[str, tuple[str, str] | None]):
        self.graph = graph
        self.path = path
        self.instance_id = instance_id  # the flat id of the instance inlined ("" for the network)
        self.feeds = feeds  # a definition's input port -> the flat (node, port) feeding it (None: nothing)
        self.inner: dict[str, _Inlined] = {}  # Block node id -> its inlined definition

    def source(self, node_id: str, port: str) -> tuple[str, str] | None:
        node = self.graph.nodes[node_id]
        if node.type == "BlockInput" and self.path:
            return self.feeds.get(node_id)
        if node.type == "Block":
            inner = self.inner[node_id]
            if port not in inner.graph.nodes or inner.graph.nodes[port].type != "BlockOutput":
                raise GraphEditError(f"{node.label} has no output called {port!r}.")
            wires = [e for e in inner.graph.edges if e.dst == port]
            return inner.source(wires[0].src, wires[0].src_port) if wires else None
        return self.flat_id(node_id), port

    def flat_id(self, node_id: str) -> str:
        return joined_id(self.instance_id, node_id) if self.path else node_id


def _inline(graph: Graph, path: tuple[str, ...], instance_id: str, instance_name: str, flat: FlatGraph,
            feeds: dict[str, tuple[str, str] | None]) -> _Inlined:
    here = _Inlined(graph, path, instance_id, feeds)
    incoming: dict[str, list[Edge]] = {}
    for e in graph.edges:
        incoming.setdefault(e.dst, []).append(e)
    order = graph.topological_order()
    placed = set(order)
    for nid in order + [n for n in graph.nodes if n not in placed]:  # the nodes on a loop last
        node = graph.nodes[nid]
        if node.type in ("BlockInput", "BlockOutput") and path:  # a block's port: it stands for a wire
            continue
        if node.type == "Block":
            ports = node.definition.block_ports()[0]
            inner_feeds = {p: None for p in ports}
            for e in incoming.get(nid, []):
                if e.dst_port not in inner_feeds:
                    raise GraphEditError(f"{node.label} has no input called {e.dst_port!r}.")
                if graph.nodes[e.src].type != "Block" or e.src in here.inner:  # not a block on a loop
                    inner_feeds[e.dst_port] = here.source(e.src, e.src_port)
            inner_name = joined_name(instance_name, node.name) if path else node.name
            here.inner[nid] = flat.instances[(*path, nid)] = _inline(node.definition, (*path, nid), here.flat_id(nid),
                                                                     inner_name, flat, inner_feeds)
            continue
        flat_id = here.flat_id(nid)
        if flat_id in flat.graph.nodes:
            raise GraphEditError(f"The layer id {flat_id!r} is used both by a layer and inside a block; rename one.")
        name = joined_name(instance_name, node.name) if path else node.name
        flat.graph.nodes[flat_id] = Node(flat_id, node.type, name, dict(node.params))
        if nid in graph.positions and not path:
            flat.graph.positions[flat_id] = graph.positions[nid]
        flat.paths[flat_id] = (*path, nid)
    for nid in graph.nodes:
        node = graph.nodes[nid]
        if node.type == "Block" or (node.type in ("BlockInput", "BlockOutput") and path):
            continue
        for e in incoming.get(nid, []):
            if graph.nodes[e.src].type == "Block" and e.src not in here.inner:
                continue
            src = here.source(e.src, e.src_port)
            if src is not None:
                flat.graph.edges.append(Edge(src[0], here.flat_id(nid), src[1], e.dst_port))
    return here
