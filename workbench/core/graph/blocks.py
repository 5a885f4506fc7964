"""Flattening: the plain graph a network with blocks computes as, every Block node replaced by its definition's
layers and the definition's port nodes by the wires they stand for.

A layer of instance `res1` keeps its id behind the instance's (``res1__conv1``) and is named after both
(``res1/conv1``), so a message about it names the block instance and the layer inside. Shape inference, the torch
network, export, compression and search all work on `flatten(graph)`; `FlatGraph.origin` leads each layer back to
the node of the network that stands for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.errors import GraphEditError
from workbench.core.graph.model import Edge, Graph, Node
from workbench.core.graph.serialize import MAX_NODES

SEPARATOR = "__"


@dataclass
class FlatGraph:
    graph: Graph
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # flat node id -> the ids that lead to it:
    # the network's node, then the node inside its block, ... (("res1", "conv1") for res1__conv1)
    instances: dict[tuple[str, ...], "_Inlined"] = field(default_factory=dict)  # path of a Block node -> its layers

    def origin(self, flat_id: str) -> str:
        """The id of the network's node that stands for flat node `flat_id`: itself, or its block."""
        return self.paths[flat_id][0]


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
    flat.instances[()] = _inline(graph, (), "", flat, {})
    return flat


def output_source(flat: FlatGraph, path: tuple[str, ...], port: str) -> tuple[str, str] | None:
    """The flat (node, port) that gives output `port` of the Block node at `path` (None: nothing feeds it)."""
    return flat.instances[path[:-1]].source(path[-1], port)


class _Inlined:
    """One graph's nodes inlined into the flat graph: where each of its (node, output port)s comes from there."""

    def __init__(self, graph: Graph, path: tuple[str, ...], feeds: dict[str, tuple[str, str] | None]):
        self.graph = graph
        self.path = path
        self.id_prefix = "".join(p + SEPARATOR for p in path)
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
        return self.id_prefix + node_id, port


def _inline(graph: Graph, path: tuple[str, ...], name_prefix: str, flat: FlatGraph,
            feeds: dict[str, tuple[str, str] | None]) -> _Inlined:
    here = _Inlined(graph, path, feeds)
    id_prefix = here.id_prefix
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
            here.inner[nid] = flat.instances[(*path, nid)] = _inline(node.definition, (*path, nid),
                                                                     f"{name_prefix}{node.name}/", flat, inner_feeds)
            continue
        flat_id = id_prefix + nid
        if flat_id in flat.graph.nodes:
            raise GraphEditError(f"The layer id {flat_id!r} is used both by a layer and inside a block; rename one.")
        flat.graph.nodes[flat_id] = Node(flat_id, node.type, name_prefix + node.name, dict(node.params))
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
                flat.graph.edges.append(Edge(src[0], id_prefix + nid, src[1], e.dst_port))
    return here
