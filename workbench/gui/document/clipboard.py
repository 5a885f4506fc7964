"""Copying layers: a selection of nodes with the wires between them, as JSON on the system clipboard.

Pasting reads the JSON back with the same checks as a project file (`graph_from_dict`), so text from elsewhere
can never add an unknown layer type or an out-of-range setting; pasted nodes get fresh ids and names.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from workbench.core.errors import ProjectFileError
from workbench.core.graph.model import Graph
from workbench.core.graph.serialize import graph_from_dict, graph_to_dict, positions_to_dict

MIME_TYPE = "application/x-workbench-layers"
MAX_CLIPBOARD_BYTES = 4 * 1024 * 1024


def selection_to_mime(graph: Graph, node_ids: list[str]) -> QMimeData:
    """The nodes and the wires joining two of them (inner edges), with their positions."""
    chosen = set(node_ids)
    part = Graph()
    part.nodes = {nid: graph.nodes[nid] for nid in graph.nodes if nid in chosen}
    part.edges = [e for e in graph.edges if e.src in chosen and e.dst in chosen]
    part.positions = {nid: graph.positions[nid] for nid in part.nodes if nid in graph.positions}
    data = {"graph": graph_to_dict(part), "positions": positions_to_dict(part)}
    mime = QMimeData()
    text = json.dumps(data)
    mime.setData(MIME_TYPE, text.encode("utf-8"))
    mime.setText(text)
    return mime


def graph_from_mime(mime: QMimeData) -> Graph | None:
    """The copied part as a small graph, or None when the clipboard holds no layers."""
    if mime is None:
        return None
    if mime.hasFormat(MIME_TYPE):
        raw = bytes(mime.data(MIME_TYPE))
    elif mime.hasText() and mime.text().lstrip().startswith('{"graph"'):
        raw = mime.text().encode("utf-8")
    else:
        return None
    if len(raw) > MAX_CLIPBOARD_BYTES:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("positions", {}), dict):
            return None
        return graph_from_dict(data.get("graph"), data.get("positions", {}), field="clipboard")
    except (ValueError, ProjectFileError, RecursionError):
        return None
