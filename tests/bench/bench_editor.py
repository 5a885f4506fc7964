"""Time per edit in the graph editor on a large graph, including re-validation and redraw.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_editor.py [--nodes 500] [--markdown]

The graph is built through the same editor methods the canvas and the palette call (add after the selection and
wire, connect ports for the skip connections), in the real main window at 1440x900. Each timed edit runs until the
window is up to date: the command is pushed, the graph re-validated, the scene, inspector, problems list and status
line updated, pending events processed and the canvas repainted. Then typical edits on the full graph are timed two
ways: as the app does them (the scene updates only the items that changed) and followed by a rebuild of every item,
which is what a scene that does not track changes would have to do.
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

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

CHAIN = ("Dense", "ReLU", "Dense", "ReLU", "Dropout", "Dense", "LayerNorm", "ReLU", "Dense")


class Bench:
    def __init__(self):
        from workbench.core.project import Project
        from workbench.gui.main_window import MainWindow
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.window = MainWindow()
        self.window.resize(1440, 900)
        self.window.show()
        self.window.document.replace_project(Project(name="bench"))
        self.app.processEvents()
        self.editor = self.window.editor
        self.scene = self.window.design.scene
        self.view = self.window.design.view
        self.rebuild_after_edit = False

    def settle(self) -> None:
        if self.rebuild_after_edit:
            self.scene.rebuild()
        self.app.processEvents()
        self.view.viewport().repaint()

    def timed(self, edit) -> float:
        start = time.perf_counter()
        edit()
        self.settle()
        return (time.perf_counter() - start) * 1000

    def build(self, n_nodes: int) -> dict[str, list[float]]:
        """Builds the graph edit by edit; returns the time of each edit, grouped by graph size."""
        editor, graph = self.editor, self.window.document.project.graph
        times: dict[str, list[float]] = {}
        first = editor.add_node_at("Input", QPointF(0, 0))
        editor.set_params(first, {"shape": (64,)})  # Dense layers keep 64 units, so Add gets equal shapes
        block_start = first
        step = 0
        while len(graph.nodes) < n_nodes - 1:
            bucket = f"{len(graph.nodes) // 100 * 100 + 1}-{len(graph.nodes) // 100 * 100 + 100}"
            if step % 10 == 9:  # a residual block: Add joins the block's start and its end
                start_id = block_start
                ms = self.timed(lambda: editor.add_after_selection("Add"))
                add_id = editor.scene.selected_node_ids()[0]
                ms += self.timed(lambda: editor.connect_ports(start_id, "out", add_id, "in"))
                block_start = add_id
            else:
                type_name = CHAIN[step % len(CHAIN)]
                ms = self.timed(lambda: editor.add_after_selection(type_name))
            times.setdefault(bucket, []).append(ms)
            step += 1
        self.timed(lambda: editor.add_after_selection("ClassificationHead"))
        assert self.window.document.result.ok, self.window.document.result.problems[:3]
        return times

    def typical_edits(self, repeat: int) -> dict[str, list[float]]:
        """Edits on the finished graph: a setting, a move, delete + undo, undo/redo, a paste, a layout."""
        editor, document = self.editor, self.window.document
        graph = document.project.graph
        dense = [n.id for n in graph.nodes.values() if n.type == "Dense"]
        middle = dense[len(dense) // 2]
        results: dict[str, list[float]] = {}

        def record(name, edit):
            results.setdefault(name, []).append(self.timed(edit))

        for i in range(repeat):
            record("change a setting (Dense units)", lambda: editor.set_params(middle, {"units": 64 + i % 2}))
            record("undo the setting", document.undo_stack.undo)
            item = self.scene.node_items[middle]

            def move():
                item.setPos(item.pos() + QPointF(0, 40))
                editor.commit_moves()
            record("move a layer (drag released)", move)
            self.scene.select_nodes([middle])
            record("delete a layer", editor.delete_selection)
            record("undo the delete", document.undo_stack.undo)
            record("redo the delete", document.undo_stack.redo)
            record("undo again", document.undo_stack.undo)
            self.scene.select_nodes(dense[:3])
            editor.copy_selection()
            record("paste 3 layers", editor.paste)
            record("undo the paste", document.undo_stack.undo)
        record("arrange the whole graph", editor.auto_layout)
        results["validation alone (reference)"] = [self.timed_validation() for _ in range(repeat)]
        return results

    def timed_validation(self) -> float:
        from workbench.core.graph import validate
        start = time.perf_counter()
        validate(self.window.document.project.graph)
        return (time.perf_counter() - start) * 1000


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"{statistics.median(values):7.1f} ms median, {p95:7.1f} ms p95"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--markdown", action="store_true", help="print the tables for docs/benchmarks.md")
    args = parser.parse_args()

    bench = Bench()
    build_start = time.perf_counter()
    build = bench.build(args.nodes)
    build_total = time.perf_counter() - build_start
    nodes = len(bench.window.document.project.graph.nodes)
    print(f"Built {nodes} nodes, {len(bench.window.document.project.graph.edges)} wires in {build_total:.1f} s "
          f"through the editor ({bench.window.document.undo_stack.count()} undo steps)")
    print("\nTime per edit while building (add a layer after the selection and wire it):")
    for bucket, values in build.items():
        print(f"  nodes {bucket:>9}: {summary(values)}  ({len(values)} edits)")

    incremental = bench.typical_edits(args.repeat)
    bench.rebuild_after_edit = True
    naive = bench.typical_edits(args.repeat)
    print(f"\nEdits on the {nodes}-node graph (median of {args.repeat}): updating changed items vs rebuilding all:")
    rows = []
    for name, values in incremental.items():
        fast, slow = statistics.median(values), statistics.median(naive[name])
        rows.append((name, fast, slow))
        print(f"  {name:34} {fast:8.1f} ms   {slow:8.1f} ms   {slow / fast:5.1f}x")
    if args.markdown:
        print("\n| nodes | time per add-and-wire edit (median) | p95 |\n| --- | ---: | ---: |")
        for bucket, values in build.items():
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
            print(f"| {bucket} | {statistics.median(values):.1f} ms | {p95:.1f} ms |")
        print(f"\n| edit on the {nodes}-node graph | app (changed items) | rebuild all items | ratio |\n"
              "| --- | ---: | ---: | ---: |")
        for name, fast, slow in rows:
            print(f"| {name} | {fast:.1f} ms | {slow:.1f} ms | {slow / fast:.1f}x |")
    bench.window.document.undo_stack.setClean()
    bench.window.document._unsaved_records = False
    bench.window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
