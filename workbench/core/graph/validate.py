"""Shape inference and validation: every wire's tensor, every node's cost, every mistake with the node at fault.

`validate(graph)` never raises on a bad graph: it returns a `ValidationResult` whose `problems` say, in the user's
words, what is wrong and where, each with a few words for the layer's card and, where the repair is mechanical, a
`Fix` that an editor can apply. It is fast enough to run after every edit (a 500-node graph in a few ms).

A network with blocks is checked as its flattened graph (workbench/core/graph/blocks.py) and the findings are mapped
back onto the network's nodes: a Block node shows the tensors of its output ports and the sum of its layers'
parameters and multiply-accumulates, and a problem inside it is the Block node's, in words that name the instance
and the layer (``Conv2d 'res1/conv1' ...``). `instance_result` gives the same findings for the inside of one instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import isqrt

from workbench.core.errors import GraphEditError, ShapeError
from workbench.core.graph.blocks import FlatGraph, flatten_with_paths, has_blocks, output_source
from workbench.core.graph.model import Edge, Graph, Node
from workbench.core.layers import NeedsRank, TensorInfo, format_shape

MAX_PARAMETERS = 1_000_000_000  # what the app agrees to build: 4 GB of fp32 weights
MAX_ELEMENTS_PER_SAMPLE = 500_000_000  # one activation tensor of one sample


@dataclass(frozen=True)
class Fix:
    """A mechanical repair, as data: put a new layer of `layer_type` (with `params`) on `wire`."""

    title: str  # what the button says, e.g. "Insert Flatten before 'dense1'"
    layer_type: str
    params: tuple[tuple[str, object], ...]
    wire: Edge


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning"
    message: str
    node_id: str | None = None
    short: str = ""  # a few words for the layer's card; `message` says it all
    fix: Fix | None = None
    about_wire: bool = False  # the problem is what comes in on the wire into the node: shown on that wire too

    def __str__(self) -> str:
        return self.message


@dataclass
class ValidationResult:
    outputs: dict[str, TensorInfo] = field(default_factory=dict)  # node id -> tensor on its output
    params: dict[str, int] = field(default_factory=dict)
    macs: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    port_outputs: dict[tuple[str, str], TensorInfo] = field(default_factory=dict)  # (Block node, port) -> tensor
    flat: "ValidationResult | None" = None  # a network with blocks: the result of its flattened graph
    flat_graph: FlatGraph | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def problems_for(self, node_id: str) -> list[Problem]:
        return [p for p in self.problems if p.node_id == node_id]

    def edge_info(self, edge: Edge) -> TensorInfo | None:
        return self.port_outputs.get((edge.src, edge.src_port)) or self.outputs.get(edge.src)

    @property
    def total_params(self) -> int:
        return sum(self.params.values())

    @property
    def total_macs(self) -> int:
        return sum(self.macs.values())

    @property
    def size_mb(self) -> float:
        """Size of the fp32 weights in megabytes."""
        return self.total_params * 4 / 1e6


def _rank_hint(needed: tuple[int, ...], actual: int) -> str:
    if actual > max(needed):
        return " Add a Flatten or GlobalAvgPool before it."
    return " Add a Reshape before it."


def _describe_rank_error(node: Node, err: NeedsRank, sources: list[Node], ins: list[TensorInfo]) -> str:
    i = min(err.index, len(ins) - 1)
    ranks = " or ".join(f"{r}-D" for r in err.ranks)
    return (f"{node.label} needs a {ranks} input {err.layout} but '{sources[i].name}' gives {ins[i]}."
            + _rank_hint(err.ranks, ins[i].rank))


def _reshape_target(layout: str, rank: int, features: int) -> tuple[int, ...] | None:
    """The sample shape of `rank` dimensions (with the batch) that a row of `features` values most plainly becomes
    for `layout`: one channel of a square image, one channel of a signal, a sequence of single values."""
    if rank == 4:
        side = isqrt(features)
        return (1, side, side) if side * side == features else None
    if rank == 3:
        return (features, 1) if "time" in layout else (1, features)
    return None


def _rank_fix(node: Node, err: NeedsRank, wire: Edge, info: TensorInfo) -> Fix | None:
    """Flatten for an input with too many dimensions where 2-D would do; a Reshape of a flat row where it is plain."""
    if info.rank > max(err.ranks):
        if 2 in err.ranks:
            return Fix(f"Insert Flatten before '{node.name}'", "Flatten", (), wire)
        return None
    if info.rank == 2 and info.dtype == "float":
        wanted = min(r for r in err.ranks if r > info.rank)
        target = _reshape_target(err.layout, wanted, info.shape[1])
        if target is not None:
            return Fix(f"Reshape to {format_shape((None, *target))} before '{node.name}'", "Reshape",
                       (("target", target),), wire)
    return None


def _last_axis_warning(node: Node, info: TensorInfo, out: TensorInfo, wire: Edge) -> Problem:
    """Dense on an image works on its last axis alone: legal, and almost never what was meant."""
    values = 1
    for d in info.shape[1:]:
        values *= d
    return Problem("warning", f"{node.label} gets {info} and works on its last axis only ({info.shape[-1]} values "
                              f"at a time), giving {out}. Insert a Flatten before it to connect all {values:,} "
                              f"values of each sample.", node.id, "last axis only",
                   Fix(f"Insert Flatten before '{node.name}'", "Flatten", (), wire), about_wire=True)


def validate(graph: Graph) -> ValidationResult:
    if not has_blocks(graph):
        return _validate_plain(graph)
    result = ValidationResult(order=graph.topological_order())
    try:
        flat = flatten_with_paths(graph)
    except GraphEditError as err:
        result.problems.append(Problem("error", str(err)))
        return result
    result.flat, result.flat_graph = _validate_plain(flat.graph), flat
    _map_back(result, flat, ())
    return result


def instance_result(result: ValidationResult, path: tuple[str, ...]) -> ValidationResult:
    """The findings of `result` (a network's) for the nodes inside the Block node at `path` (its id, then the ids
    of the Block nodes inside it that lead to it): what an editor shows while the user works inside that block."""
    mapped = ValidationResult()
    if result.flat_graph is None or path not in result.flat_graph.instances:
        return mapped
    inlined = result.flat_graph.instances[path]
    mapped.order = inlined.graph.topological_order()
    _map_back(mapped, result.flat_graph, path, result.flat)
    for port, source in inlined.feeds.items():
        info = result.flat.outputs.get(source[0]) if source is not None else None
        if info is not None:
            mapped.outputs[port], mapped.params[port], mapped.macs[port] = info, 0, 0
    for port in inlined.graph.block_ports()[1]:  # an output port shows what leaves the block through it
        source = output_source(result.flat_graph, path, port)
        info = result.flat.outputs.get(source[0]) if source is not None else None
        if info is not None:
            mapped.outputs[port], mapped.params[port], mapped.macs[port] = info, 0, 0
    return mapped


def _map_back(result: ValidationResult, flat: FlatGraph, path: tuple[str, ...],
              found: ValidationResult | None = None) -> None:
    """Puts the findings `found` on the flattened graph (`result.flat` unless given) onto the nodes of the graph at
    `path` (() for the network): a layer's as they are, those inside a block on its Block node."""
    found = found or result.flat
    depth = len(path)
    graph = flat.instances[path].graph
    for flat_id, steps in flat.paths.items():
        if steps[:depth] != path:
            continue
        nid = steps[depth]
        if len(steps) == depth + 1 and flat_id in found.outputs:
            result.outputs[nid] = found.outputs[flat_id]
        result.params[nid] = result.params.get(nid, 0) + found.params.get(flat_id, 0)
        result.macs[nid] = result.macs.get(nid, 0) + found.macs.get(flat_id, 0)
    for nid, node in graph.nodes.items():
        if node.definition is None:
            continue
        for port in node.definition.block_ports()[1]:
            source = output_source(flat, (*path, nid), port)
            info = found.outputs.get(source[0]) if source is not None else None
            if info is not None:
                result.port_outputs[(nid, port)] = info
                result.outputs.setdefault(nid, info)
    for problem in found.problems:
        steps = flat.paths.get(problem.node_id) if problem.node_id is not None else None
        if steps is None:
            if not path:
                result.problems.append(problem)
        elif steps[:depth] == path and len(steps) == depth + 1:
            wire = problem.fix.wire if problem.fix is not None else None
            fix = problem.fix if not path and wire is not None and {wire.src, wire.dst} <= set(graph.nodes) else None
            result.problems.append(Problem(problem.severity, problem.message, steps[depth], problem.short, fix,
                                           about_wire=problem.about_wire and fix is not None))
        elif steps[:depth] == path:
            inner = flat.instances[steps[:-1]].graph.nodes[steps[-1]]
            result.problems.append(Problem(problem.severity, problem.message, steps[depth],
                                           f"{inner.name}: {problem.short}" if problem.short else ""))


def _validate_plain(graph: Graph) -> ValidationResult:
    result = ValidationResult()
    problems = result.problems
    nodes = graph.nodes
    incoming: dict[str, list[Edge]] = {nid: [] for nid in nodes}
    consumers: dict[str, int] = {nid: 0 for nid in nodes}
    for e in graph.edges:
        if e.dst in incoming and e.src in nodes:
            incoming[e.dst].append(e)
            consumers[e.src] += 1

    order = graph.topological_order()
    result.order = order
    if len(order) < len(nodes):
        placed = set(order)
        for nid, node in nodes.items():
            if nid not in placed:
                problems.append(Problem("error", f"{node.label} is part of a loop (or fed by one); a network must "
                                                 f"flow one way. Remove one of the wires that lead back.", nid,
                                        "part of a loop"))

    for nid in order:
        node = nodes[nid]
        spec = node.spec
        ins: list[TensorInfo] = []
        sources: list[Node] = []
        wires: list[Edge] = []
        missing_input = False
        upstream_broken = False
        for port in spec.inputs:
            edges = incoming[nid]
            edges = [e for e in edges if e.dst_port == port.name]
            if not edges:
                problems.append(Problem("error", f"{node.label} has nothing connected to its input. "
                                                 f"Drag a wire into it from the layer before.", nid,
                                        "nothing connected to its input"))
                missing_input = True
                continue
            for e in edges:
                info = result.outputs.get(e.src)
                if info is None:
                    upstream_broken = True
                else:
                    ins.append(info)
                    sources.append(nodes[e.src])
                    wires.append(e)
        if missing_input or upstream_broken:
            continue
        try:
            out = spec.shape_rule(node.params, ins)
            params, macs = spec.cost(node.params, ins, out)
        except NeedsRank as err:
            i = min(err.index, len(ins) - 1)
            problems.append(Problem("error", _describe_rank_error(node, err, sources, ins), nid,
                                    f"needs {' or '.join(f'{r}-D' for r in err.ranks)}, gets {ins[i].rank}-D",
                                    _rank_fix(node, err, wires[i], ins[i]), about_wire=True))
            continue
        except ShapeError as err:
            problems.append(Problem("error", f"{node.label}: {err}", nid, str(err)))
            continue
        except Exception as err:  # a bug in a rule must not take the editor down
            problems.append(Problem("error", f"{node.label} could not be checked ({type(err).__name__}: {err}).",
                                    nid, "could not be checked"))
            continue
        result.params[nid] = params
        result.macs[nid] = macs
        if params > MAX_PARAMETERS:
            problems.append(Problem("error", f"{node.label} would have {params:,} parameters, more than the "
                                             f"{MAX_PARAMETERS:,} Workbench can build. Make it smaller.", nid,
                                    "too many parameters"))
            continue
        elements = 1
        for d in out.shape[1:]:
            elements *= d
        if elements > MAX_ELEMENTS_PER_SAMPLE:
            problems.append(Problem("error", f"{node.label} would output {out}, {elements:,} values per sample; "
                                             f"that is too large to compute. Make it smaller.", nid,
                                    "output too large"))
            continue
        result.outputs[nid] = out
        if spec.type_name == "Dense" and ins[0].rank >= 4:
            problems.append(_last_axis_warning(node, ins[0], out, wires[0]))
        if spec.outputs and consumers[nid] == 0:
            problems.append(Problem("warning", f"The output of {node.label} goes nowhere. Connect it to a later "
                                               f"layer or delete it.", nid, "its output goes nowhere"))

    if nodes and not graph.input_nodes():
        problems.append(Problem("error", "The network has no Input layer: add one where the data comes in."))
    if not graph.head_nodes():
        problems.append(Problem("error", "The network has no output: end it with a Classification output or a "
                                         "Regression output."))
    if result.total_params > MAX_PARAMETERS and all(p <= MAX_PARAMETERS for p in result.params.values()):
        problems.append(Problem("error", f"The network would have {result.total_params:,} parameters, more than "
                                         f"the {MAX_PARAMETERS:,} Workbench can build."))
    return result
