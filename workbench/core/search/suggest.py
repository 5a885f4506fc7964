"""A starting search space for a network: every layer's width from a quarter to twice its size, dropout layers
optional, the width multiplier and the learning rate (what `workbench search` uses when the project has none)."""

from __future__ import annotations

from workbench.core.graph.model import Graph
from workbench.core.search.candidate import WIDTH_SETTINGS
from workbench.core.search.space import NumberRange, SearchSpace

SUGGESTED_WIDTHS = (0.25, 0.5, 1.0)


def suggested_space(graph: Graph) -> SearchSpace:
    ranges = []
    for nid in graph.topological_order():
        node = graph.nodes[nid]
        if node.spec.role in ("input", "head"):
            continue
        for setting in node.spec.settings:
            if setting.name in WIDTH_SETTINGS:
                value = node.params[setting.name]
                high = min(value * 2, int(setting.maximum or value * 2))
                ranges.append(NumberRange(f"{nid}.{setting.name}", max(1, value // 4), high, integer=True))
    ranges.append(NumberRange("training.learning_rate", 3e-4, 1e-2, log=True))
    optional = tuple(nid for nid, node in graph.nodes.items() if node.type == "Dropout")
    return SearchSpace(ranges=tuple(ranges), optional=optional, width=SUGGESTED_WIDTHS)
