"""The edits that make, expand and detach blocks, worked out as plain data before anything changes: which nodes go,
which definition and nodes come, and which wires come in where the replaced ones stood (their place in the edge
list matters to a Concat). An editor applies a plan as a sequence of ordinary, undoable graph edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.errors import GraphEditError
from workbench.core.graph.blocks import SEPARATOR
from workbench.core.graph.model import ID_PATTERN, MAX_NAME_LENGTH, Edge, Graph, Node


@dataclass
class NewNode:
    node_id: str
    type: str
    name: str
    params: dict
    position: tuple[float, float] | None


@dataclass
class BlockPlan:
    """Remove `removed` (with their wires), add `definition` as `block_name` (when not None), add `nodes`, then
    the `wires`, each at its index in the edge list as it stands then (ascending)."""

    removed: list[str]
    block_name: str | None = None
    definition: Graph | None = None
    nodes: list[NewNode] = field(default_factory=list)
    wires: list[tuple[int, Edge]] = field(default_factory=list)


def free_block_name(graph: Graph, stem: str = "Block") -> str:
    taken = set(graph.network.blocks)
    i = 1
    while f"{stem} {i}" in taken:
        i += 1
    return f"{stem} {i}"


def used_first(blocks: dict[str, Graph]) -> list[str]:
    """The names of `blocks` in an order in which each comes after the blocks it uses (the order to add them in)."""
    order: list[str] = []

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in order or name in trail or name not in blocks:
            return
        for node in blocks[name].nodes.values():
            if node.type == "Block":
                visit(node.params["block"], (*trail, name))
        order.append(name)

    for name in blocks:
        visit(name, ())
    return order


def _placed(graph: Graph, removed: set[str], replaced: list[tuple[int, Edge]]) -> list[tuple[int, Edge]]:
    """The new wires, each standing where the first wire it replaces stood, as indices into the edge list that is
    left once `removed`'s wires are gone and the earlier new wires are in."""
    kept_before = []
    count = 0
    for e in graph.edges:
        kept_before.append(count)
        if e.src not in removed and e.dst not in removed:
            count += 1
    placed = []
    for added, (original, edge) in enumerate(sorted(replaced, key=lambda item: item[0])):
        index = kept_before[original] if original < len(kept_before) else count
        placed.append((index + added, edge))
    return placed


def plan_make_block(graph: Graph, node_ids: list[str], block_name: str, instance_id: str,
                    instance_name: str) -> BlockPlan:
    """Turns the nodes `node_ids` into one instance of a new block: a port for each distinct output that wires
    into the selection from outside (BlockInput) and each that leaves it (BlockOutput)."""
    chosen = [nid for nid in graph.nodes if nid in set(node_ids)]
    if not chosen:
        raise GraphEditError("Select the layers to make into a block first.")
    selected = set(chosen)
    for nid in chosen:
        if graph.nodes[nid].spec.role in ("input", "head", "block_input", "block_output"):
            raise GraphEditError(f"{graph.nodes[nid].label} cannot go into a block: leave it out of the selection.")
    definition = Graph()
    xs = [graph.positions[n][0] for n in chosen if n in graph.positions] or [0.0]
    ys = [graph.positions[n][1] for n in chosen if n in graph.positions] or [0.0]
    left, top = min(xs), min(ys)
    entries: dict[tuple[str, str], str] = {}  # (outside node, port) -> BlockInput id
    exits: dict[tuple[str, str], str] = {}  # (inside node, port) -> BlockOutput id
    inner_edges: list[Edge] = []
    outer: list[tuple[int, Edge]] = []
    for index, e in enumerate(graph.edges):
        inside_src, inside_dst = e.src in selected, e.dst in selected
        if inside_src and inside_dst:
            inner_edges.append(e)
        elif inside_dst:
            port = entries.get((e.src, e.src_port))
            if port is None:
                port = entries[(e.src, e.src_port)] = f"in{len(entries) + 1}"
                outer.append((index, Edge(e.src, instance_id, e.src_port, port)))
            inner_edges.append(Edge(port, e.dst, "out", e.dst_port))
        elif inside_src:
            port = exits.get((e.src, e.src_port))
            if port is None:
                port = exits[(e.src, e.src_port)] = f"out{len(exits) + 1}"
                inner_edges.append(Edge(e.src, port, e.src_port, "in"))
            outer.append((index, Edge(instance_id, e.dst, port, e.dst_port)))
    for i, port in enumerate(entries.values()):
        definition.add_node("BlockInput", name=port, node_id=port, position=(-260.0, 110.0 * i))
    for nid in chosen:
        node = graph.nodes[nid]
        x, y = graph.positions.get(nid, (left, top))
        definition.nodes[nid] = Node(nid, node.type, node.name, dict(node.params), node.definition)
        definition.positions[nid] = (x - left, y - top)
    right = max(x for x, _ in definition.positions.values()) + 260.0
    for i, port in enumerate(exits.values()):
        definition.add_node("BlockOutput", name=port, node_id=port, position=(right, 110.0 * i))
    definition.edges = inner_edges
    position = (sum(xs) / len(xs), sum(ys) / len(ys))
    return BlockPlan(chosen, block_name, definition,
                     [NewNode(instance_id, "Block", instance_name, {"block": block_name}, position)],
                     _placed(graph, selected, outer))


def plan_expand(graph: Graph, instance_id: str) -> BlockPlan:
    """Puts the layers of one block instance back into `graph`, wired as they computed: a layer keeps the id it has
    in the flattened graph where it can (``unit1__conv``), so trained weights still fit it."""
    instance = graph.node(instance_id)
    if instance.definition is None:
        raise GraphEditError(f"{instance.label} is not a block.")
    definition = instance.definition
    taken_ids = set(graph.nodes) - {instance_id}
    taken_names = {n.name for n in graph.nodes.values()} - {instance.name}
    ids, nodes = {}, []
    bx, by = graph.positions.get(instance_id, (0.0, 0.0))
    for nid, node in definition.nodes.items():
        if node.type in ("BlockInput", "BlockOutput"):
            continue
        new_id = _free(f"{instance_id}{SEPARATOR}{nid}", taken_ids, ID_PATTERN.match)
        new_name = _free(f"{instance.name}/{node.name}", taken_names, lambda n: len(n) <= MAX_NAME_LENGTH)
        taken_ids.add(new_id)
        taken_names.add(new_name)
        ids[nid] = new_id
        x, y = definition.positions.get(nid, (0.0, 0.0))
        nodes.append(NewNode(new_id, node.type, new_name, dict(node.params), (bx + x, by + y)))
    feeds = {e.dst_port: (e.src, e.src_port) for e in graph.incoming(instance_id)}
    consumers: dict[str, list[tuple[int, Edge]]] = {}
    for index, e in enumerate(graph.edges):
        if e.src == instance_id:
            consumers.setdefault(e.src_port, []).append((index, e))
    wires: list[tuple[int, Edge]] = []
    end = len(graph.edges)
    for e in definition.edges:
        src_node, dst_node = definition.nodes[e.src], definition.nodes[e.dst]
        if src_node.type == "BlockInput":
            if e.src not in feeds:
                continue
            src, src_port = feeds[e.src]
        else:
            src, src_port = ids[e.src], e.src_port
        if dst_node.type == "BlockOutput":  # where the wires out of the block stood
            wires.extend((index, Edge(src, out.dst, src_port, out.dst_port)) for index, out in consumers.get(e.dst, []))
        else:  # into a new layer: after the others, in the definition's order
            wires.append((end, Edge(src, ids[e.dst], src_port, e.dst_port)))
    return BlockPlan([instance_id], nodes=nodes, wires=_placed(graph, {instance_id}, wires))


def plan_make_unique(graph: Graph, instance_id: str, block_name: str) -> BlockPlan:
    """Gives one instance a definition of its own (a copy of its block's, named `block_name`), wired as before."""
    instance = graph.node(instance_id)
    if instance.definition is None:
        raise GraphEditError(f"{instance.label} is not a block.")
    copy = instance.definition.detached_copy()
    wires = [(i, e) for i, e in enumerate(graph.edges) if instance_id in (e.src, e.dst)]
    position = graph.positions.get(instance_id)
    return BlockPlan([instance_id], block_name, copy,
                     [NewNode(instance_id, "Block", instance.name, {"block": block_name}, position)],
                     _placed(graph, {instance_id}, wires))


def _free(stem: str, taken: set[str], fits) -> str:
    if stem not in taken and fits(stem):
        return stem
    stem = stem[:MAX_NAME_LENGTH - 4]
    i = 2
    while f"{stem}{i}" in taken or not fits(f"{stem}{i}"):
        i += 1
    return f"{stem}{i}"
