"""The edits that make, expand and detach blocks, worked out as plain data before anything changes: which nodes go,
which definition and nodes come, and which wires come in where the replaced ones stood (their place in the edge
list matters to a Concat). An editor applies a plan as a sequence of ordinary, undoable graph edits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from workbench.core.errors import GraphEditError
from workbench.core.graph.blocks import joined_id, joined_name
from workbench.core.graph.model import ID_PATTERN, MAX_NAME_LENGTH, Edge, Expansion, Graph, Node


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
    the `wires`, each at its index in the edge list as it stands then (ascending), and last set the record of the
    expansion of an instance (`expansion`: its id and what Expand made of it, or None to forget it)."""

    removed: list[str]
    block_name: str | None = None
    definition: Graph | None = None
    nodes: list[NewNode] = field(default_factory=list)
    wires: list[tuple[int, Edge]] = field(default_factory=list)
    expansion: tuple[str, Expansion | None] | None = None


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
    """Puts the layers of one block instance back into `graph`, wired as they computed, and records which layers
    came from it (for Collapse): a layer keeps the id it has in the flattened graph (``unit1__conv``, shortened as
    `joined_id` shortens it) unless a node of `graph` has that id already, so trained weights still fit it."""
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
        new_id = _free(joined_id(instance_id, nid), taken_ids, ID_PATTERN.match)
        new_name = _free(joined_name(instance.name, node.name), taken_names, lambda n: len(n) <= MAX_NAME_LENGTH)
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
    return BlockPlan([instance_id], nodes=nodes, wires=_placed(graph, {instance_id}, wires),
                     expansion=(instance_id, Expansion(instance.params["block"], dict(ids))))


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


def expanded_group(graph: Graph, node_id: str) -> tuple[str, list[str]] | None:
    """The instance the layer `node_id` was expanded from (as `graph.expansions` remembers it) and the layers of
    `graph` that Expand made of that instance and that are left; None for a layer that no Expand made."""
    found = graph.expansion_of(node_id) if node_id in graph.nodes else None
    if found is None:
        return None
    instance_id, expansion = found
    made = set(expansion.layers.values())
    return instance_id, [nid for nid in graph.nodes if nid in made]


def plan_collapse(graph: Graph, node_id: str, new_block_name: str) -> tuple[BlockPlan, str | None]:
    """Puts the layers that Expand made from one instance (the group of `node_id`) back into one Block node: an
    instance of the block they came from when its Expand gives exactly these layers, settings and wires back (they
    were not changed since), else of a new block `new_block_name`, as Make block does. Returns the plan and the
    name of the block matched (None: a new one)."""
    group = expanded_group(graph, node_id)
    if group is None:
        raise GraphEditError(f"{graph.node(node_id).label} did not come from a block: only the layers that Expand "
                             f"made can be collapsed. To make a new block of layers, select them and use Make block.")
    origin, members = group
    expansion = graph.expansions[origin]
    inner_of = {nid: inner for inner, nid in expansion.layers.items() if nid in members}
    instance_id = origin
    if instance_id in graph.nodes:  # a node took the instance's id since: the layers get new flattened ids
        instance_id = next(f"block{i}" for i in itertools.count(1) if f"block{i}" not in graph.nodes)
    names = {graph.nodes[nid].name for nid in members}
    stems = {name.partition("/")[0] for name in names}
    taken_names = {n.name for n in graph.nodes.values()} - names
    stem = stems.pop() if len(stems) == 1 and all("/" in name for name in names) else "block"
    instance_name = stem if stem not in taken_names else _free(stem, taken_names, lambda n: len(n) <= MAX_NAME_LENGTH)
    if expansion.block in graph.network.blocks:
        plan = _collapse_into(graph, inner_of, expansion.block, instance_id, instance_name)
        if plan is not None:
            plan.expansion = (origin, None)
            return plan, expansion.block
    plan = plan_make_block(graph, members, new_block_name, instance_id, instance_name)
    original = graph.network.blocks.get(expansion.block)
    plan.definition = _back_to_block(plan.definition, inner_of, stem, original)
    plan.expansion = (origin, None)
    return plan, None


def _collapse_into(graph: Graph, inner_of: dict[str, str], block_name: str, instance_id: str,
                   instance_name: str) -> BlockPlan | None:
    """The plan that puts the layers `inner_of` (id -> the id of the definition's node it was made of) back as an
    instance of block `block_name`, if expanding that instance gives them back exactly (ids, types, settings and the
    wires into every port, in order); else None."""
    definition = graph.network.blocks[block_name]
    layers = {nid for nid, n in definition.nodes.items() if n.type not in ("BlockInput", "BlockOutput")}
    inside = set(inner_of)
    if layers != set(inner_of.values()):
        return None
    if block_name == graph.block_name or (graph.block_name is not None
                                          and graph.block_name in definition.used_blocks()):
        return None  # a block cannot contain itself
    entry = {(e.dst, e.dst_port): e.src for e in definition.edges if definition.nodes[e.src].type == "BlockInput"}
    exit_ = {(e.src, e.src_port): e.dst for e in definition.edges if definition.nodes[e.dst].type == "BlockOutput"}
    feeds: dict[str, tuple[str, str]] = {}
    wires: list[tuple[int, Edge]] = []
    for index, e in enumerate(graph.edges):
        if (e.src in inside) == (e.dst in inside):
            continue
        if e.dst in inside:
            port = entry.get((inner_of[e.dst], e.dst_port))
            if port is None or feeds.setdefault(port, (e.src, e.src_port)) != (e.src, e.src_port):
                return None
            if not any(w.dst_port == port for _, w in wires):
                wires.append((index, Edge(e.src, instance_id, e.src_port, port)))
        else:
            port = exit_.get((inner_of[e.src], e.src_port))
            if port is None:
                return None
            wires.append((index, Edge(instance_id, e.dst, port, e.dst_port)))
    members = [nid for nid in graph.nodes if nid in inside]
    anchor = next((nid for nid in members if nid in graph.positions and inner_of[nid] in definition.positions), None)
    position = None
    if anchor is not None:  # where Expand had put the layers from: the instance's corner
        (x, y), (dx, dy) = graph.positions[anchor], definition.positions[inner_of[anchor]]
        position = (x - dx, y - dy)
    plan = BlockPlan(members, nodes=[NewNode(instance_id, "Block", instance_name, {"block": block_name}, position)],
                     wires=_placed(graph, inside, wires))
    trial = graph.copy()
    try:
        apply_plan(trial, plan)
        expand = plan_expand(trial, instance_id)
        apply_plan(trial, expand)
    except GraphEditError:
        return None
    made = expand.expansion[1].layers
    moved = {nid: made[inner] for nid, inner in inner_of.items()}
    return plan if _wiring(trial) == _wiring(graph, moved) else None


def _wiring(graph: Graph, ids: dict[str, str] | None = None) -> tuple:
    """What a graph computes, for comparing: each layer's type and settings, and what feeds each of its input
    ports in order (ids renamed through `ids`)."""
    ids = ids or {}
    nodes = {ids.get(nid, nid): (n.type, n.params) for nid, n in graph.nodes.items()}
    into: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for e in graph.edges:
        into.setdefault((ids.get(e.dst, e.dst), e.dst_port), []).append((ids.get(e.src, e.src), e.src_port))
    return nodes, into


def _back_to_block(definition: Graph, inner_of: dict[str, str], stem: str, original: Graph | None) -> Graph:
    """`definition` (made of expanded layers) with each layer's id back to the id of the node it was made of
    (``block1__conv1``: ``conv1``), so the new block's flattened ids are the layers' ids as they stand, and its name
    back to that node's name where Expand's name for it is unchanged (else its name behind ``stem/``); an id or a
    name that would clash stays as it is."""
    ids, names = {}, {}
    taken_ids, taken_names = set(definition.nodes), {n.name for n in definition.nodes.values()}
    for nid, node in definition.nodes.items():
        short = inner_of.get(nid, nid)
        if short != nid and short not in taken_ids and ID_PATTERN.match(short):
            taken_ids.add(short)
            ids[nid] = short
        was = original.nodes.get(short) if original is not None and nid in inner_of else None
        if was is not None and node.name == joined_name(stem, was.name):
            short = was.name
        else:
            short = node.name[len(stem) + 1:] if node.name.startswith(f"{stem}/") else node.name
        if short != node.name and short and short not in taken_names:
            taken_names.add(short)
            names[nid] = short
    renamed = Graph()
    for nid, node in definition.nodes.items():
        new_id = ids.get(nid, nid)
        renamed.nodes[new_id] = Node(new_id, node.type, names.get(nid, node.name), node.params, node.definition)
        if nid in definition.positions:
            renamed.positions[new_id] = definition.positions[nid]
    renamed.edges = [Edge(ids.get(e.src, e.src), ids.get(e.dst, e.dst), e.src_port, e.dst_port)
                     for e in definition.edges]
    return renamed


def apply_plan(graph: Graph, plan: BlockPlan) -> None:
    """Makes the edits of `plan` on `graph` directly, in the order an editor's undo step makes them (for trying a
    plan out on a copy)."""
    for node_id in plan.removed:
        graph.remove_node(node_id)
    if plan.block_name is not None:
        graph.add_block(plan.block_name, plan.definition)
    for n in plan.nodes:
        graph.add_node(n.type, n.params, n.name, n.node_id, n.position)
    for index, edge in plan.wires:
        graph.add_edge(edge, index)
    if plan.expansion is not None:
        graph.set_expansion(*plan.expansion)
