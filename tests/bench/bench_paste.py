"""Time of pasting many layers into a large graph in the editor: the old way against the new, in one run.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_paste.py [--nodes 500] [--paste 400] [--repeat 5]

The main window (1440x900) shows a chain of --nodes layers (Input, then Dense and ReLU by turns). The first --paste
of them are copied; each round pastes them twice, undoing after each, until the window is up to date:

- old: what paste did before, one edit per layer and per wire: a free id and name looked for from 1 in a set of the
  graph's ids and names remade for each layer, one `AddNodeCommand` per layer (whose name check scans the graph)
  and one `AddEdgeCommand` per wire (whose checks rescan the edge list and look for a loop through all of it);
- new: `GraphEditor.paste` as it is: ids and names handed out by one `FreeLabels` each, the layers added by one
  `AddNodesCommand` and the wires by one `AddEdgesCommand`, each checked in a few passes over the graph.

It prints the median of the rounds, for the id and name bookkeeping alone and for the whole paste (pushing the
edit, the canvas items, validation and a repaint), and the ratios old / new.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKBENCH_DATA_DIR", tempfile.mkdtemp(prefix="workbench-bench-"))

from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workbench.core.graph import Graph  # noqa: E402
from workbench.core.graph.model import Edge  # noqa: E402
from workbench.core.layers import CATALOG  # noqa: E402
from workbench.core.project import Project  # noqa: E402
from workbench.gui.document.clipboard import graph_from_text, selection_to_text  # noqa: E402
from workbench.gui.document.commands import AddEdgeCommand, AddNodeCommand, MacroCommand  # noqa: E402
from workbench.core.graph.model import FreeLabels  # noqa: E402
from workbench.gui.document.editor import PASTE_OFFSET, GraphEditor, id_stem  # noqa: E402
from workbench.gui.main_window import MainWindow  # noqa: E402


def chain(n_nodes: int) -> Graph:
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [64]}, node_id="input1", position=(0.0, 0.0)).id
    for i in range(n_nodes - 1):
        kind = ("Dense", "ReLU")[i % 2]
        node = graph.add_node(kind, {"units": 64} if kind == "Dense" else {},
                              position=(200.0 * ((i + 1) % 10), 120.0 * ((i + 1) // 10)))
        graph.connect(previous, node.id)
        previous = node.id
    return graph


def old_labels(graph: Graph, part: Graph) -> dict[str, tuple[str, str]]:
    """The ids and names the old paste gave: a search from 1 in sets remade for each layer."""

    def free(stem: str, taken: set[str]) -> str:
        i = 1
        while f"{stem}{i}" in taken:
            i += 1
        return f"{stem}{i}"

    reserved_ids: set[str] = set()
    reserved_names: set[str] = set()
    labels = {}
    for nid, node in part.nodes.items():
        stem = id_stem(CATALOG[node.type])
        node_id = free(stem, set(graph.nodes) | reserved_ids)
        names = {n.name for n in graph.nodes.values()} | reserved_names
        name = node.name if node.name not in names else free(stem, names)
        reserved_ids.add(node_id)
        reserved_names.add(name)
        labels[nid] = (node_id, name)
    return labels


def new_labels(graph: Graph, part: Graph) -> dict[str, tuple[str, str]]:
    ids, names = FreeLabels(graph.nodes), FreeLabels(n.name for n in graph.nodes.values())
    return {nid: GraphEditor._new_labels(node.type, node.name, ids, names) for nid, node in part.nodes.items()}


def old_paste(editor, part: Graph) -> None:
    graph = editor.graph
    labels = old_labels(graph, part)
    children = []
    for nid, node in part.nodes.items():
        x, y = part.positions.get(nid, (0.0, 0.0))
        node_id, name = labels[nid]
        children.append(AddNodeCommand(graph, node.type, node_id, name, node.params,
                                       (x + PASTE_OFFSET, y + PASTE_OFFSET)))
    for e in part.edges:
        children.append(AddEdgeCommand(graph, Edge(labels[e.src][0], labels[e.dst][0], e.src_port, e.dst_port)))
    assert editor.push(MacroCommand(f"Paste {len(part.nodes)} layers", children))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--paste", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1440, 900)
    window.show()
    window.document.replace_project(Project(name="bench", graph=chain(args.nodes)))
    app.processEvents()
    editor, view = window.editor, window.design.view
    graph = window.document.project.graph
    text = selection_to_text(graph, list(graph.nodes)[:args.paste])
    part = graph_from_text(text)
    assert old_labels(graph, part) == new_labels(graph, part)  # the same ids and names either way

    def settle() -> None:
        app.processEvents()
        view.viewport().repaint()

    def whole(paste) -> float:
        QGuiApplication.clipboard().setText(text)
        editor._paste_count = 0
        before = len(graph.nodes)
        start = time.perf_counter()
        paste()
        settle()
        ms = (time.perf_counter() - start) * 1000
        assert len(graph.nodes) == before + args.paste
        window.document.undo_stack.undo()
        settle()
        assert len(graph.nodes) == before
        return ms

    def bookkeeping(labels) -> float:
        start = time.perf_counter()
        labels(graph, part)
        return (time.perf_counter() - start) * 1000

    times: dict[str, list[float]] = {key: [] for key in ("old names", "new names", "old paste", "new paste")}
    for round_ in range(args.repeat + 1):  # the first round warms up
        figures = {"old names": bookkeeping(old_labels), "new names": bookkeeping(new_labels),
                   "old paste": whole(lambda: old_paste(editor, part)), "new paste": whole(editor.paste)}
        if round_:
            for key, ms in figures.items():
                times[key].append(ms)
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"paste {args.paste} layers into {args.nodes} (median of {args.repeat})")
    print(f"ids and names: old {median['old names']:.1f} ms, new {median['new names']:.2f} ms, "
          f"ratio {median['old names'] / median['new names']:.0f}x")
    print(f"whole paste:   old {median['old paste']:.0f} ms, new {median['new paste']:.0f} ms, "
          f"ratio {median['old paste'] / median['new paste']:.1f}x")


if __name__ == "__main__":
    main()
