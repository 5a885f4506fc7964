"""An imported model's repeated structure shown as blocks: runs of two or more consecutive units that are the same
(the same layer types and settings, the same weight shapes, wired the same, one input and one output each: the
residual units of a ResNet stage, a Transformer's encoder layers, fire modules) become instances of one block
definition per distinct structure. A definition shares structure, not weights: each instance keeps its own, re-keyed
to the ids its layers get when the network is flattened (``<instance>__<layer>``, as training, export and
compression see it), so the imported weights fit the grouped network as they fitted the flat one.

Finding units takes time about linear in the layers: the layers, in the order they were made (the ONNX file's,
which is topological), are cut wherever one output feeds everything after it; the pieces between two cuts get a
signature, and a sequence of 1 to `MAX_PERIOD` pieces repeated at least twice in a row, with at least two layers
and some weights, is a run. Runs are taken from the start of the network on, the longest first; of the runs that
differ only in where the unit starts (conv-ReLU-conv-add then ReLU, or ReLU then conv-ReLU-conv-add), the one whose
units each share a prefix of ONNX node names (``layer1/layer1.0/``) wins, then the one of more units, then one whose
units start with a layer with weights (conv-ReLU rather than ReLU-conv). Such a prefix names the instance, and its
layers keep the rest of their names, so the flattened network has the model's own layer names; without one, the
instances are numbered ("Residual unit 2") and the layers inside named by their kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.core.errors import GraphEditError, ProjectFileError
from workbench.core.graph.blocks import flatten, joined_id
from workbench.core.graph.layout import layered_layout
from workbench.core.graph.model import MAX_NAME_LENGTH, Graph
from workbench.core.graph.serialize import graph_from_dict
from workbench.core.onnx_import.converter import id_stem

MAX_PERIOD = 32  # pieces in one unit
MIN_LAYERS = 2  # layers in one unit
ID_PART = 28  # characters of an instance's id, and of a layer's id inside a block (a suffix aside): flat ids <= 64
UNGROUPABLE = ("input", "head", "placeholder", "block_input", "block_output")
BLOCK_PORTS = ("in", "out")


@dataclass(frozen=True)
class RepeatedBlock:
    name: str  # the definition's
    instances: tuple[str, ...]  # the instances' names, in order
    layers: int  # in each instance

    def sentence(self) -> str:
        shown = self.instances if len(self.instances) <= 6 else (*self.instances[:3], "…", self.instances[-1])
        return (f"{len(self.instances)} repeated units of {self.layers} layers are shown as the block '{self.name}' "
                f"({', '.join(shown)}); each keeps its own weights.")


@dataclass
class Grouping:
    graph: Graph
    weights: dict  # "<flat id>.<parameter>" -> array
    flat_ids: dict[str, str]  # a grouped layer's id in the flat graph -> its flat id in the grouped network
    blocks: list[RepeatedBlock]


@dataclass(frozen=True)
class _Run:
    start: int  # the first piece
    period: int  # pieces in one unit
    count: int  # units


def group_repeats(graph: Graph, weights: dict) -> Grouping:
    """`graph` (a plain graph) with its runs of repeated units as block instances, and `weights` re-keyed to fit;
    `graph` itself is returned unchanged where nothing repeats (or where grouping would not give back the very
    same flat network, which is checked)."""
    unchanged = Grouping(graph, weights, {}, [])
    order = list(graph.nodes)
    position = {nid: i for i, nid in enumerate(order)}
    if any(position[e.src] >= position[e.dst] for e in graph.edges):  # not in topological order: left as it is
        return unchanged
    cuts = _cuts(graph, order, position)
    pieces = [order[a + 1:b + 1] for a, b in zip(cuts, cuts[1:])]
    if len(pieces) < 2:
        return unchanged
    shapes: dict[str, list] = {}
    for key, value in weights.items():
        node_id, _, param = key.partition(".")
        shapes.setdefault(node_id, []).append((param, tuple(value.shape)))
    incoming: dict[str, list] = {nid: [] for nid in order}
    for e in graph.edges:
        incoming[e.dst].append(e)
    signatures: dict[tuple, int] = {}
    sequence = []
    for k, piece in enumerate(pieces):
        signature = _signature(graph, piece, order[cuts[k]], incoming, shapes)
        sequence.append(signatures.setdefault(signature, len(signatures)) if signature is not None else -1 - k)
    worth = [(len(p), any(n in shapes for n in p)) for p in pieces]
    runs = _runs(sequence, worth, [[graph.nodes[n].name for n in p] for p in pieces], [p[0] in shapes for p in pieces])
    if not runs:
        return unchanged
    try:
        return _grouped(graph, weights, pieces, order, cuts, sequence, runs, incoming)
    except (GraphEditError, ProjectFileError):  # a name or an id Workbench refuses: the flat graph, as imported
        return unchanged


def _cuts(graph: Graph, order: list[str], position: dict[str, int]) -> list[int]:
    """The positions (in `order`) of the layers whose one output feeds every later layer that earlier ones feed."""
    last: dict[tuple[str, str], int] = {}
    for e in graph.edges:
        key = (e.src, e.src_port)
        last[key] = max(last.get(key, -1), position[e.dst])
    change = [0] * (len(order) + 1)
    ports: dict[str, int] = {}
    for (src, _port), end in last.items():
        change[position[src]] += 1
        change[end] -= 1
        ports[src] = ports.get(src, 0) + 1
    cuts, crossing = [], 0
    for i, nid in enumerate(order):
        crossing += change[i]
        if crossing == 1 and ports.get(nid) == 1:
            cuts.append(i)
    return cuts


def _signature(graph: Graph, piece: list[str], entry: str, incoming: dict, shapes: dict) -> tuple | None:
    """What makes two pieces the same: each layer's type, settings and weight shapes, and its wires (from the
    piece's entry, or from the j-th layer of the piece), in order. None: the piece cannot go into a block."""
    index = {nid: j for j, nid in enumerate(piece)}
    parts = []
    for nid in piece:
        node = graph.nodes[nid]
        if node.type == "Block" or node.spec.role in UNGROUPABLE:
            return None
        wires = []
        for e in incoming[nid]:
            if e.src not in index and e.src != entry:
                return None
            wires.append((index.get(e.src, -1), e.src_port, e.dst_port))
        parts.append((node.type, repr(sorted(node.params.items())), tuple(sorted(shapes.get(nid, ()))),
                      tuple(wires)))
    return tuple(parts)


def _runs(sequence: list[int], worth: list[tuple[int, bool]], names: list[list[str]],
          starts_weighted: list[bool]) -> list[_Run]:
    runs = []
    i = 0
    while i < len(sequence):
        best = None
        for period in range(1, min(MAX_PERIOD, (len(sequence) - i) // 2) + 1):
            count = _repeats(sequence, i, period)
            if count >= 2 and _worth(worth, i, period) and (best is None or count * period > best.count * best.period):
                best = _Run(i, period, count)
        if best is None:
            i += 1
            continue
        shifted = [_Run(i + s, best.period, _repeats(sequence, i + s, best.period)) for s in range(best.period)]
        best = max((r for r in shifted if r.count >= 2 and _worth(worth, r.start, r.period)),
                   key=lambda r: (_prefix_score(r, names), r.count, starts_weighted[r.start], -r.start))
        runs.append(best)
        i = best.start + best.count * best.period
    return runs


def _repeats(sequence: list[int], start: int, period: int) -> int:
    unit = sequence[start:start + period]
    if unit[0] < 0:
        return 1
    count = 1
    while sequence[start + count * period:start + (count + 1) * period] == unit:
        count += 1
    return count


def _worth(worth: list[tuple[int, bool]], start: int, period: int) -> bool:
    part = worth[start:start + period]
    return sum(n for n, _ in part) >= MIN_LAYERS and any(w for _, w in part)


def _unit_names(run: _Run, k: int, names: list[list[str]]) -> list[str]:
    first = run.start + k * run.period
    return [name for piece in names[first:first + run.period] for name in piece]


def _prefix(names: list[str]) -> list[str]:
    """The path components ("layer1", "layer1.0") every name of a unit starts with, short of a whole name."""
    split = [name.split("/") for name in names]
    common = []
    for parts in zip(*(s[:-1] for s in split)):
        if any(p != parts[0] for p in parts):
            break
        common.append(parts[0])
    return common


def _prefix_score(run: _Run, names: list[list[str]]) -> int:
    prefixes = ["/".join(_prefix(_unit_names(run, k, names))) for k in range(run.count)]
    distinct = all(prefixes) and len(set(prefixes)) == len(prefixes)
    return sum(p.count("/") + 1 for p in prefixes) if distinct else 0


def _grouped(graph: Graph, weights: dict, pieces: list[list[str]], order: list[str], cuts: list[int],
             sequence: list[int], runs: list[_Run], incoming: dict) -> Grouping:
    names = [[graph.nodes[n].name for n in p] for p in pieces]
    definitions: dict[tuple, dict] = {}  # a unit's signature -> its definition's plan
    taken_names = {n.name for n in graph.nodes.values()}
    taken_ids = set(graph.nodes)
    instance_of: dict[str, tuple[str, str]] = {}  # grouped layer's id -> (instance id, layer id in the definition)
    first_of: dict[str, dict] = {}  # instance id -> the Block node, put where its first layer stood
    blocks: list[RepeatedBlock] = []
    for run in runs:
        unit = tuple(sequence[run.start:run.start + run.period])
        units = [[n for piece in pieces[run.start + k * run.period:run.start + (k + 1) * run.period] for n in piece]
                 for k in range(run.count)]
        prefixes = [_prefix(_unit_names(run, k, names)) for k in range(run.count)]
        named = all(prefixes) and len({"/".join(p) for p in prefixes}) == run.count
        plan = definitions.get(unit)
        if plan is None:
            plan = definitions[unit] = _definition(graph, units[0], prefixes[0] if named else [], incoming,
                                                   order[cuts[run.start]], definitions)
        instances = []
        for k, layers in enumerate(units):
            wanted = "/".join(prefixes[k]) if named else f"{plan['name']} {len(plan['instances']) + 1}"
            instance_name = _free(wanted[-MAX_NAME_LENGTH:], taken_names)
            instance_id = _free(_short_id(instance_name), taken_ids)
            taken_names.add(instance_name)
            taken_ids.add(instance_id)
            plan["instances"].append(instance_name)
            instances.append(instance_name)
            first_of[layers[0]] = {"id": instance_id, "type": "Block", "name": instance_name,
                                   "params": {"block": plan["name"]}}
            for nid, inner in zip(layers, plan["ids"]):
                instance_of[nid] = (instance_id, inner)
        blocks.append(RepeatedBlock(plan["name"], tuple(instances), len(units[0])))
    nodes = []
    for nid in order:
        if nid in first_of:
            nodes.append(first_of[nid])
        elif nid not in instance_of:
            node = graph.nodes[nid]
            nodes.append({"id": nid, "type": node.type, "name": node.name, "params": dict(node.params)})
    edges, fed = [], set()
    for e in graph.edges:
        src, dst = instance_of.get(e.src), instance_of.get(e.dst)
        if src is not None and dst is not None and src[0] == dst[0]:
            continue  # inside an instance: its definition has the wire
        wire = {"from": src[0] if src else e.src, "to": dst[0] if dst else e.dst,
                "from_port": "out" if src else e.src_port, "to_port": "in" if dst else e.dst_port}
        if dst is not None:
            if dst[0] in fed:
                continue  # the instance's one input is wired once
            fed.add(dst[0])
        edges.append(wire)
    grouped = graph_from_dict({"nodes": nodes, "edges": edges,
                               "blocks": {p["name"]: p["graph"] for p in definitions.values()}}, field="import")
    grouped.positions.update(layered_layout(grouped))
    for definition in grouped.blocks.values():
        definition.positions.update(layered_layout(definition))
    flat_ids = {nid: joined_id(instance, inner) for nid, (instance, inner) in instance_of.items()}  # as flatten
    rekeyed = {}
    for key, value in weights.items():
        node_id, _, param = key.partition(".")
        rekeyed[f"{flat_ids[node_id]}.{param}" if node_id in flat_ids else key] = value
    _check_same_network(graph, flatten(grouped), flat_ids)
    return Grouping(grouped, rekeyed, flat_ids, blocks)


def _definition(graph: Graph, layers: list[str], prefix: list[str], incoming: dict, entry: str,
                definitions: dict) -> dict:
    """The plain data of the definition made from one unit (`layers`, fed by `entry`): its name, its layers' ids
    (in the unit's order), and its graph as `graph_from_dict` reads it."""
    inner_ids, taken, names = [], set(BLOCK_PORTS), set()
    nodes = [{"id": "in", "type": "BlockInput", "name": "in"}]
    for nid in layers:
        node = graph.nodes[nid]
        # the rest of the name after the units' prefix; without one, what the layer is (the other units' layers
        # have other names, which the shared definition cannot keep)
        name = _free("/".join(node.name.split("/")[len(prefix):]) if prefix else node.spec.display_name, names, " ")
        names.add(name)
        inner = _free(_short_id(name), taken)
        taken.add(inner)
        inner_ids.append(inner)
        nodes.append({"id": inner, "type": node.type, "name": name, "params": dict(node.params)})
    nodes.append({"id": "out", "type": "BlockOutput", "name": "out"})
    inner_of = dict(zip(layers, inner_ids))
    edges = []
    for nid in layers:
        for e in incoming[nid]:
            src, port = (inner_of[e.src], e.src_port) if e.src in inner_of else ("in", "out")
            edges.append({"from": src, "to": inner_of[nid], "from_port": port, "to_port": e.dst_port})
    exit_port = next(e.src_port for e in graph.edges if e.src == layers[-1])
    edges.append({"from": inner_ids[-1], "to": "out", "from_port": exit_port, "to_port": "in"})
    taken_names = {p["name"] for p in definitions.values()}
    name = _free(_block_name(graph, layers, prefix, incoming, entry), taken_names, " ")
    return {"name": name, "ids": inner_ids, "graph": {"nodes": nodes, "edges": edges}, "instances": []}


def _block_name(graph: Graph, layers: list[str], prefix: list[str], incoming: dict, entry: str) -> str:
    """What the unit does ("Residual unit": its input is added to what it computes; "Branching unit": branches
    joined by a Concat; else its first kinds of layer), with the units' common name where they have one
    ("layer1.0" -> "Residual unit (layer1)")."""
    if any(graph.nodes[n].type == "Add" and any(e.src == entry for e in incoming[n]) for n in layers):
        kind = "Residual unit"
    elif any(graph.nodes[n].type == "Concat" for n in layers):
        kind = "Branching unit"
    else:
        kind = f"{'-'.join(list(dict.fromkeys(graph.nodes[n].spec.display_name for n in layers))[:3])} unit"
    stem = re.sub(r"[._\-]?\d+$", "", prefix[-1]) if prefix else ""
    return f"{kind} ({stem})"[:MAX_NAME_LENGTH - 4] if stem else kind[:MAX_NAME_LENGTH - 4]


def _short_id(name: str) -> str:
    return id_stem(id_stem(name)[-ID_PART:])


def _free(wanted: str, taken: set[str], separator: str = "_") -> str:
    if wanted not in taken:
        return wanted
    i = 2
    while f"{wanted}{separator}{i}" in taken:
        i += 1
    return f"{wanted}{separator}{i}"


def _check_same_network(graph: Graph, flat: Graph, flat_ids: dict[str, str]) -> None:
    """The grouped network, flattened, must be the imported one with its grouped layers renamed."""
    def rename(nid: str) -> str:
        return flat_ids.get(nid, nid)

    def wires(g: Graph, name) -> dict:  # each layer's incoming wires, in order (a Concat's order matters)
        into: dict[str, list] = {}
        for e in g.edges:
            into.setdefault(name(e.dst), []).append((name(e.src), e.src_port, e.dst_port))
        return into

    same = {rename(nid): (n.type, n.params) for nid, n in graph.nodes.items()} == \
        {nid: (n.type, n.params) for nid, n in flat.nodes.items()}
    if not same or wires(graph, rename) != wires(flat, str):
        raise GraphEditError("The grouped network differs from the imported one.")
