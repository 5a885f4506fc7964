"""Graph <-> JSON-safe dicts, checking every field of what is read and naming it in the error.

Reading is two-stage: the plain data is checked completely (types, layer types, settings, references, sizes), and
only then are live `Node`s and `Edge`s made. Loops are let through (validation reports them on the canvas, where the
user can remove a wire); everything else that the model would refuse is refused here with the field at fault.
Each wire is checked against a set of the wires read so far and a map of the input ports they feed, so reading
n wires takes time in proportion to n (`Graph.check_edge` rescans the edge list, which suits one edit, not a file).

Block definitions travel in the graph's "blocks" object, one per name, each with its own "nodes" and "edges"; a
definition that no node uses (directly or inside another block) is left out of the file, unless layers that Expand
made of one of its instances are left (`Graph.kept_blocks`). Those are listed in a graph's "expanded" object: for
each instance expanded, its block and, for each node of the block, the id of the layer made of it. A graph without
blocks is written exactly as before.
"""

from __future__ import annotations

from workbench.core.errors import CycleError, GraphEditError, ProjectFileError
from workbench.core.graph.model import (ID_PATTERN, MAX_NAME_LENGTH, Edge, Expansion, Graph, Node, check_block_name,
                                        check_wire_ends)
from workbench.core.layers import CATALOG

MAX_NODES = 10_000
MAX_EDGES = 50_000


def graph_to_dict(graph: Graph) -> dict:
    data = _plain_graph_to_dict(graph)
    kept = graph.kept_blocks()
    if kept:
        data["blocks"] = {name: _plain_graph_to_dict(graph.blocks[name]) for name in sorted(kept)}
    return data


def block_to_dict(graph: Graph, name: str) -> dict:
    """The block `name` of `graph`'s network with the blocks it uses, as a graph with no layers of its own: what
    `graph_from_dict` reads back into a network whose `blocks` hold them (a block saved apart from any project)."""
    network = graph.network
    names = [name, *(n for n in network.blocks[name].kept_blocks() if n != name)]
    return {"nodes": [], "edges": [], "blocks": {n: _plain_graph_to_dict(network.blocks[n]) for n in names}}


def _plain_graph_to_dict(graph: Graph) -> dict:
    nodes = []
    for n in graph.nodes.values():
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in n.params.items()}
        nodes.append({"id": n.id, "type": n.type, "name": n.name, "params": params})
    edges = []
    for e in graph.edges:
        item = {"from": e.src, "to": e.dst}
        if e.src_port != "out":
            item["from_port"] = e.src_port
        if e.dst_port != "in":
            item["to_port"] = e.dst_port
        edges.append(item)
    data = {"nodes": nodes, "edges": edges}
    expansions = graph.live_expansions()
    if expansions:
        data["expanded"] = {instance_id: {"block": e.block, "layers": dict(e.layers)}
                            for instance_id, e in expansions.items()}
    return data


def positions_to_dict(graph: Graph) -> dict:
    return {nid: [round(x, 1), round(y, 1)] for nid, (x, y) in graph.positions.items() if nid in graph.nodes}


def block_positions_to_dict(graph: Graph) -> dict:
    """The canvas positions inside each block definition the file keeps, by block name."""
    return {name: positions_to_dict(graph.blocks[name]) for name in sorted(graph.kept_blocks())}


def _expect(value, kind, field: str, what: str):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProjectFileError(f"expected {what}, got {_kind(value)}", field)
    return value


def _kind(value) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "an object", list: "a list", str: f"the text {value!r}", bool: f"{str(value).lower()}",
            int: f"the number {value}", float: f"the number {value}"}.get(type(value), type(value).__name__)


def graph_from_dict(data, positions=None, field: str = "graph", block_positions=None) -> Graph:
    _expect(data, dict, field, "an object with 'nodes' and 'edges'")
    graph = Graph()
    raw_blocks = _expect(data.get("blocks", {}), dict, f"{field}.blocks", "an object of block definitions")
    parts = []
    for name, raw in raw_blocks.items():
        try:
            check_block_name(name)
        except GraphEditError as exc:
            raise ProjectFileError(str(exc), f"{field}.blocks") from None
        definition = Graph()
        definition.blocks, definition.block_name, definition.owner = graph.blocks, name, graph
        graph.blocks[name] = definition
        parts.append((definition, raw, f"{field}.blocks.{name}"))
    parts.append((graph, data, field))
    raw_edges = [_read_nodes(part, raw, where) for part, raw, where in parts]
    for (part, raw, where), edges in zip(parts, raw_edges):
        _read_edges(part, edges, where)
        part.expansions = _read_expansions(part, raw.get("expanded", {}), f"{where}.expanded")
    for name, definition in graph.blocks.items():
        if name in definition.used_blocks():
            raise ProjectFileError(f"the block {name!r} contains itself", f"{field}.blocks.{name}")
        definition.changed.connect(graph.changed.emit)
        _read_positions(definition, block_positions.get(name) if isinstance(block_positions, dict) else None)
    _read_positions(graph, positions)
    return graph


def _read_nodes(graph: Graph, data, field: str) -> list:
    """Reads the layers of `data` into `graph`; returns its list of connections, read once every graph's layers
    are (a wire into a block needs the block's ports)."""
    _expect(data, dict, field, "an object with 'nodes' and 'edges'")
    for key in ("nodes", "edges"):
        if key not in data:
            raise ProjectFileError("this field is missing", f"{field}.{key}")
    raw_nodes = _expect(data["nodes"], list, f"{field}.nodes", "a list of layers")
    raw_edges = _expect(data["edges"], list, f"{field}.edges", "a list of connections")
    if len(raw_nodes) > MAX_NODES:
        raise ProjectFileError(f"{len(raw_nodes):,} layers is more than Workbench handles ({MAX_NODES:,})",
                               f"{field}.nodes")
    if len(raw_edges) > MAX_EDGES:
        raise ProjectFileError(f"{len(raw_edges):,} connections is more than Workbench handles ({MAX_EDGES:,})",
                               f"{field}.edges")

    nodes: list[Node] = []
    ids: set[str] = set()
    names: set[str] = set()
    for i, raw in enumerate(raw_nodes):
        where = f"{field}.nodes[{i}]"
        _expect(raw, dict, where, "an object describing a layer")
        for key in ("id", "type"):
            if key not in raw:
                raise ProjectFileError("this field is missing", f"{where}.{key}")
        node_id = _expect(raw["id"], str, f"{where}.id", "a text id")
        if not ID_PATTERN.match(node_id):
            raise ProjectFileError(f"{node_id!r} is not a valid id (letters, digits and _, starting with a letter)",
                                   f"{where}.id")
        if node_id in ids:
            raise ProjectFileError(f"the id {node_id!r} is used twice", f"{where}.id")
        type_name = _expect(raw["type"], str, f"{where}.type", "a layer type")
        spec = CATALOG.get(type_name)
        if spec is None:
            raise ProjectFileError(f"unknown layer type {type_name!r}", f"{where}.type")
        name = _expect(raw.get("name", node_id), str, f"{where}.name", "a text name")
        if not name.strip() or len(name) > MAX_NAME_LENGTH:
            raise ProjectFileError(f"a name must be 1 to {MAX_NAME_LENGTH} characters", f"{where}.name")
        if name in names:
            raise ProjectFileError(f"the name {name!r} is used twice", f"{where}.name")
        params = _expect(raw.get("params", {}), dict, f"{where}.params", "an object of settings")
        try:
            full = spec.check_params(params)
        except ValueError as exc:
            setting, _, reason = str(exc).partition(": ")
            raise ProjectFileError(reason, f"{where}.params.{setting}") from None
        definition = None
        if type_name == "Block":
            definition = graph.blocks.get(full["block"])
            if definition is None:
                raise ProjectFileError(f"there is no block called {full['block']!r}", f"{where}.params.block")
        inside = graph.block_name is not None
        if (spec.role in ("block_input", "block_output") and not inside) or (spec.role in ("input", "head")
                                                                            and inside):
            raise ProjectFileError(f"a {spec.display_name} cannot be {'inside' if inside else 'outside'} a block",
                                   f"{where}.type")
        ids.add(node_id)
        names.add(name)
        nodes.append(Node(node_id, type_name, name, full, definition))

    graph.nodes = {n.id: n for n in nodes}
    return raw_edges


def _read_edges(graph: Graph, raw_edges: list, field: str) -> None:
    connected: set[Edge] = set()
    fed_by: dict[tuple[str, str], str] = {}  # (node id, input port) -> the node of the first wire into it
    for i, raw in enumerate(raw_edges):
        where = f"{field}.edges[{i}]"
        _expect(raw, dict, where, "an object with 'from' and 'to'")
        ends = {}
        for key in ("from", "to"):
            if key not in raw:
                raise ProjectFileError("this field is missing", f"{where}.{key}")
            ends[key] = _expect(raw[key], str, f"{where}.{key}", "a node id")
            if ends[key] not in graph.nodes:
                raise ProjectFileError(f"there is no node with id {ends[key]!r}", f"{where}.{key}")
        edge = Edge(ends["from"], ends["to"], _expect(raw.get("from_port", "out"), str, f"{where}.from_port",
                                                        "a port name"),
                    _expect(raw.get("to_port", "in"), str, f"{where}.to_port", "a port name"))
        try:
            check_wire_ends(graph, edge, edge in connected, fed_by.get((edge.dst, edge.dst_port)))
        except CycleError:
            pass  # loaded as it is (so are loops through other layers); validation shows the loop on the canvas
        except GraphEditError as exc:
            raise ProjectFileError(str(exc), where) from None
        graph.edges.append(edge)
        connected.add(edge)
        fed_by.setdefault((edge.dst, edge.dst_port), edge.src)


def _read_expansions(graph: Graph, data, field: str) -> dict[str, Expansion]:
    _expect(data, dict, field, "an object of expanded blocks")
    expansions = {}
    for instance_id, raw in data.items():
        where = f"{field}.{instance_id}"
        _expect(raw, dict, where, "an object with 'block' and 'layers'")
        block = _expect(raw.get("block"), str, f"{where}.block", "a block name")
        if block not in graph.blocks:
            raise ProjectFileError(f"there is no block called {block!r}", f"{where}.block")
        layers = _expect(raw.get("layers"), dict, f"{where}.layers", "an object of layer ids")
        for inner, node_id in layers.items():
            _expect(node_id, str, f"{where}.layers.{inner}", "a node id")
            if node_id not in graph.nodes:
                raise ProjectFileError(f"there is no node with id {node_id!r}", f"{where}.layers.{inner}")
        expansions[instance_id] = Expansion(block, dict(layers))
    return expansions


def _read_positions(graph: Graph, positions) -> None:
    for node_id, pos in (positions if isinstance(positions, dict) else {}).items():
        if node_id in graph.nodes and isinstance(pos, list) and len(pos) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos):
            graph.positions[node_id] = (float(pos[0]), float(pos[1]))
