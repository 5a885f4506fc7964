"""Copying layers: a selection of nodes with the wires between them, as JSON text on the system clipboard.

The clipboard gets plain text (PySide6 6.11 crashes at exit when the clipboard still owns a QMimeData made in
Python). Pasting reads the text back with the same checks as a project file (`graph_from_dict`), so text from
elsewhere can never add an unknown layer type or an out-of-range setting; pasted nodes get fresh ids and names.
"""

from __future__ import annotations

import json

from workbench.core.errors import ProjectFileError
from workbench.core.graph.model import Graph
from workbench.core.graph.serialize import graph_from_dict, graph_to_dict, positions_to_dict

MARKER = "workbench-layers"
MAX_CLIPBOARD_CHARS = 4 * 1024 * 1024


def selection_to_text(graph: Graph, node_ids: list[str]) -> str:
    """The nodes and the wires joining two of them (inner edges), with their positions, as JSON; with the
    definitions of the blocks among them, so that they paste into another project too."""
    chosen = set(node_ids)
    part = Graph()
    part.blocks = graph.blocks  # read only: the definitions the copied Block nodes use
    part.nodes = {nid: graph.nodes[nid] for nid in graph.nodes if nid in chosen}
    part.edges = [e for e in graph.edges if e.src in chosen and e.dst in chosen]
    part.positions = {nid: graph.positions[nid] for nid in part.nodes if nid in graph.positions}
    return json.dumps({"format": MARKER, "graph": graph_to_dict(part), "positions": positions_to_dict(part)})


def graph_from_text(text: str | None) -> Graph | None:
    """The copied part as a small graph, or None when the text holds no layers."""
    if not text or len(text) > MAX_CLIPBOARD_CHARS or MARKER not in text[:100]:
        return None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != MARKER or not isinstance(data.get("positions"), dict):
            return None
        return graph_from_dict(data.get("graph"), data["positions"], field="clipboard")
    except (ValueError, ProjectFileError, RecursionError):
        return None
