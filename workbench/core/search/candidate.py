"""Building one trial's candidate: the project's network and training settings with a trial's choices applied
(settings set, widths multiplied, optional layers skipped, marked chains repeated), checked by shape inference.

A candidate whose shapes do not fit raises `InfeasibleCandidateError` with the first problem, so the search marks
the trial infeasible and goes on; the project's own graph and settings are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.errors import GraphEditError, ProjectFileError, WorkbenchError
from workbench.core.graph.model import Edge, Graph
from workbench.core.graph.validate import ValidationResult, validate
from workbench.core.search.space import TRAINING, RepeatChain, SearchSpace
from workbench.core.training.settings import TrainingSettings

WIDTH_SETTINGS = ("filters", "units", "hidden_size")
WIDTH_KEY = "width"
REPEAT_OFFSET = (40.0, 90.0)  # where each copy of a repeated chain goes on the canvas, from the one before


class InfeasibleCandidateError(WorkbenchError):
    """The trial's choices make a network whose shapes do not fit (or settings that cannot be used)."""


@dataclass(frozen=True)
class Candidate:
    graph: Graph
    settings: TrainingSettings
    validation: ValidationResult
    choices: dict


def keep_key(node_id: str) -> str:
    return f"keep.{node_id}"


def build_candidate(graph: Graph, settings: TrainingSettings, space: SearchSpace, choices: dict) -> Candidate:
    """The network and settings of one trial; see the module docstring."""
    g = graph.copy()
    training: dict = {}
    for target, value in choices.items():
        if target.startswith(f"{TRAINING}."):
            training[target.split(".", 1)[1]] = value
        elif "." in target and not target.startswith(("keep.", "repeat.")):
            node_id, setting = target.split(".", 1)
            _edit(lambda: g.set_params(node_id, {setting: value}))
    width = choices.get(WIDTH_KEY)
    if width is not None and width != 1:
        _multiply_widths(g, float(width))
    for chain in space.repeats:
        _repeat(g, chain, int(choices.get(chain.key, 1)))
    for node_id in space.optional:
        if not choices.get(keep_key(node_id), True) and node_id in g.nodes:
            _skip(g, node_id)
    try:
        trial_settings = settings.replaced(**training)
    except ProjectFileError as exc:
        raise InfeasibleCandidateError(f"The training settings do not fit: {exc}") from None
    result = validate(g)
    if not result.ok:
        raise InfeasibleCandidateError(f"The shapes do not fit: {result.errors[0].message}")
    return Candidate(g, trial_settings, result, dict(choices))


def _edit(fn) -> None:
    try:
        fn()
    except GraphEditError as exc:
        raise InfeasibleCandidateError(str(exc)) from None


def _multiply_widths(g: Graph, width: float) -> None:
    for node in g.nodes.values():
        if node.spec.role in ("input", "head"):
            continue
        changes = {}
        for setting in node.spec.settings:
            if setting.name in WIDTH_SETTINGS:
                value = max(1, round(node.params[setting.name] * width))
                changes[setting.name] = int(min(value, setting.maximum or value))
        if changes:
            _edit(lambda: g.set_params(node.id, changes))


def _single_input(g: Graph, node_id: str) -> Edge:
    incoming = g.incoming(node_id)
    if len(incoming) != 1:
        raise InfeasibleCandidateError(f"{g.nodes[node_id].label} takes {len(incoming)} inputs, so it cannot be "
                                       "skipped or repeated.")
    return incoming[0]


def _skip(g: Graph, node_id: str) -> None:
    """Removes a layer, wiring what fed it to what it fed."""
    source = _single_input(g, node_id)
    outgoing = g.outgoing(node_id)
    g.remove_node(node_id)
    for edge in outgoing:
        _edit(lambda: g.add_edge(Edge(source.src, edge.dst, source.src_port, edge.dst_port)))


def _check_chain(g: Graph, chain: RepeatChain) -> None:
    for a, b in zip(chain.nodes, chain.nodes[1:]):
        if not any(e.dst == b for e in g.outgoing(a)) or len(g.outgoing(a)) != 1:
            raise InfeasibleCandidateError(f"The repeated chain is not a single line of layers: "
                                           f"'{g.nodes[a].name}' does not feed only '{g.nodes[b].name}'.")
    _single_input(g, chain.nodes[0])


def _repeat(g: Graph, chain: RepeatChain, count: int) -> None:
    """The chain `count` times in a row (0: removed, what fed it wired to what it fed)."""
    if count == 1:
        return
    _check_chain(g, chain)
    if count == 0:
        for node_id in reversed(chain.nodes):
            _skip(g, node_id)
        return
    last = chain.nodes[-1]
    outgoing = g.outgoing(last)
    for edge in outgoing:
        g.remove_edge(edge)
    tail = last
    for k in range(1, count):
        previous = tail
        for node_id in chain.nodes:
            original = g.nodes[node_id]
            x, y = g.positions.get(node_id, (0.0, 0.0))
            copy = g.add_node(original.type, dict(original.params),
                              position=(x + REPEAT_OFFSET[0] * k, y + REPEAT_OFFSET[1] * k * len(chain.nodes)))
            _edit(lambda: g.connect(previous, copy.id))
            previous = copy.id
        tail = previous
    for edge in outgoing:
        _edit(lambda: g.add_edge(Edge(tail, edge.dst, edge.src_port, edge.dst_port)))
