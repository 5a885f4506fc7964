"""How the cost of opening a project grows with its graph: read the file, validate, build the torch module, and
(with --app) open it in the main window, for 500 and 5,000 layers.

Run: .venv/bin/python tests/bench/bench_loading.py [--sizes 500,5000] [--repeat 5] [--app] [--markdown]

Two graph shapes are generated in memory and written as project files (with canvas positions, as the app saves
them) to a temporary folder: a chain of Dense/ReLU layers, and a ResNet-like stack of blocks (Conv2d, BatchNorm2d,
an Add that also takes the block's input, ReLU), whose skip wires are long and pass other layers on the canvas.
Each stage is timed on its own: `load_project` (reading and checking the file), `validate` (shape inference) and
`build_module` (the torch module). `--app` also opens each file in the real main window offscreen, through the
same call as File > Open, until the canvas is drawn (scene items made, wires routed, pending events processed, the
visible canvas repainted); the app's opens run after all the headless rounds, so that the window's items do not
weigh on the heap those stages see, and after the app's warm-up job, which freezes PyTorch's objects out of the
garbage collector's passes as the app does once its window has painted its first frame. Each round times every case once (so a slow spell of the shared machine hits
every size); a first round warms up and is not counted; the figures are medians of --repeat rounds, in wall time and
in the CPU time of the thread doing the work (on a machine shared with other work, a short stage often runs within
one time slice and a long one is preempted many times, so wall-time ratios overstate the growth; CPU time is what
the code costs), with the CPU time Python's cyclic garbage collector took within it (its full passes scan the whole
heap and land in whichever stage crosses their threshold). The last table gives each stage's cost at the largest
size over its cost at the smallest: linear growth gives 10 for 500 -> 5,000 layers, and the target is at most 10.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKBENCH_DATA_DIR", tempfile.mkdtemp(prefix="workbench-bench-"))

COLUMN = 260.0  # the automatic layout's column spacing: each layer of these graphs gets a column of its own


def chain_project(n_nodes: int) -> dict:
    """Input, then Dense/ReLU pairs, then a classification head: `n_nodes` layers in a line."""
    nodes = [{"id": "input1", "type": "Input", "params": {"shape": [32]}}]
    while len(nodes) < n_nodes - 1:
        k = len(nodes)
        nodes.append({"id": f"dense{k}", "type": "Dense", "params": {"units": 32}} if k % 2 else
                     {"id": f"relu{k}", "type": "ReLU"})
    nodes.append({"id": "head1", "type": "ClassificationHead", "params": {"classes": 4}})
    edges = [{"from": a["id"], "to": b["id"]} for a, b in zip(nodes, nodes[1:])]
    return _project("chain", nodes, edges)


def resnet_project(n_nodes: int) -> dict:
    """Input, then blocks of Conv2d -> BatchNorm2d -> Add (+ the block's input) -> ReLU, then pooling and a head."""
    nodes = [{"id": "input1", "type": "Input", "params": {"shape": [8, 6, 6]}}]
    edges = []
    prev = "input1"
    block = 0
    while len(nodes) + 4 <= n_nodes - 2:
        block += 1
        conv, bn, add, relu = f"conv{block}", f"bn{block}", f"add{block}", f"relu{block}"
        nodes += [{"id": conv, "type": "Conv2d", "params": {"filters": 8}}, {"id": bn, "type": "BatchNorm2d"},
                  {"id": add, "type": "Add"}, {"id": relu, "type": "ReLU"}]
        edges += [{"from": prev, "to": conv}, {"from": conv, "to": bn}, {"from": bn, "to": add},
                  {"from": prev, "to": add}, {"from": add, "to": relu}]
        prev = relu
    nodes += [{"id": "pool1", "type": "GlobalAvgPool"}, {"id": "head1", "type": "ClassificationHead",
                                                         "params": {"classes": 4}}]
    edges += [{"from": prev, "to": "pool1"}, {"from": "pool1", "to": "head1"}]
    return _project("ResNet-like", nodes, edges)


def _project(name: str, nodes: list[dict], edges: list[dict]) -> dict:
    positions = {n["id"]: [i * COLUMN, 0.0] for i, n in enumerate(nodes)}
    return {"format": "workbench-project", "version": 1, "name": f"{name} {len(nodes)}",
            "graph": {"nodes": nodes, "edges": edges}, "ui": {"positions": positions}}


SHAPES = {"chain": chain_project, "ResNet-like": resnet_project}
STAGES = ("open file", "validate", "build module")


class CollectorClock:
    """Adds up the time Python's cyclic garbage collector spends in its passes (a full pass scans the whole heap, so
    it lands in whichever stage happens to cross its threshold: a cost of the process, not of that stage's code)."""

    def __init__(self):
        self.seconds = 0.0
        self._start = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase, info):
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._start


COLLECTOR = CollectorClock()


def timed(fn) -> tuple[tuple[float, float, float], object]:
    """(wall ms, CPU ms of this thread, CPU ms of garbage collection) and what `fn` returned; the garbage of the
    stage before is collected first."""
    gc.collect()
    wall, cpu, collector = time.perf_counter(), time.thread_time(), COLLECTOR.seconds
    value = fn()
    return ((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000,
            (COLLECTOR.seconds - collector) * 1000), value


def core_stages(path: Path) -> dict[str, tuple[float, float, float]]:
    from workbench.core.build import build_module
    from workbench.core.graph import validate
    from workbench.core.project import load_project

    load, project = timed(lambda: load_project(path))
    check, result = timed(lambda: validate(project.graph))
    assert result.ok, result.errors[:3]
    build, _ = timed(lambda: build_module(project.graph, result))
    return {"open file": load, "validate": check, "build module": build}


class AppBench:
    """The main window at 1440x900 with the Design page showing; opens files as File > Open does."""

    def __init__(self):
        from PySide6.QtWidgets import QApplication

        from workbench.gui.main_window import MainWindow
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.window = MainWindow()
        self.window.resize(1440, 900)
        self.window.show()
        self.app.processEvents()

    def open(self, path: Path) -> tuple[float, float, float]:
        self.window.document.new_project()  # each open replaces a small project, as after a fresh start
        self.app.processEvents()

        def open_and_draw():
            assert self.window.files.open_path(path)
            self.app.processEvents()
            self.window.design.view.viewport().repaint()
        figures, _ = timed(open_and_draw)
        assert len(self.window.design.scene.edge_items) == len(self.window.document.project.graph.edges)
        return figures

    def close(self) -> None:
        self.window.document.undo_stack.setClean()
        self.window.close()


def ratios_of(small: tuple[float, float, float], large: tuple[float, float, float]) -> tuple[float, float, float]:
    """Large over small: CPU time, wall time, and CPU time less garbage collection."""
    return large[1] / small[1], large[0] / small[0], (large[1] - large[2]) / (small[1] - small[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="layer counts, comma-separated (smallest first)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--app", action="store_true", help="also open each file in the main window (offscreen)")
    parser.add_argument("--markdown", action="store_true", help="print the tables for docs/benchmarks.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    stages = STAGES + (("open in the app",) if args.app else ())

    import torch
    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix="workbench-bench-loading-"))
    cases = []  # (shape, layers, wires, path)
    for shape, make in SHAPES.items():
        for size in sizes:
            data = make(size)
            path = folder / f"{shape}-{size}.json"
            path.write_text(json.dumps(data, indent=1))
            cases.append((shape, len(data["graph"]["nodes"]), len(data["graph"]["edges"]), path))
    times = {case: {stage: [] for stage in stages} for case in cases}
    for _ in range(args.repeat + 1):  # rounds over every case, so that a slow spell of the machine hits all sizes
        for case in cases:
            for stage, measured in core_stages(case[3]).items():
                times[case][stage].append(measured)
    if args.app:  # after the headless stages, so that the window's items do not weigh on their heap
        from workbench.gui.warm_up import warm_up_job
        gc.collect()
        warm_up_job(None)  # as the app does after its first frame: PyTorch's objects frozen (gc.freeze)
        app = AppBench()
        for _ in range(args.repeat + 1):
            for case in cases:
                times[case]["open in the app"].append(app.open(case[3]))
        app.close()
    for case in cases:
        for values in times[case].values():
            del values[0]  # the first round warms up (lazy imports, caches) and is not counted

    rows = []  # (shape, layers, wires, {stage: (wall ms, CPU ms, collector ms), medians of rounds})
    print("Median wall time / CPU time (of which garbage collection) of each stage:")
    for case in cases:
        figures = {stage: tuple(statistics.median(v[k] for v in values) for k in range(3))
                   for stage, values in times[case].items()}
        rows.append((*case[:3], figures))
        print(f"  {case[0]:<12}{case[1]:>6} layers {case[2]:>6} wires  " + "  ".join(
            f"{stage} {wall:7.1f} / {cpu:7.1f} ({gc_ms:5.1f}) ms" for stage, (wall, cpu, gc_ms) in figures.items()))

    print(f"\nCost at {sizes[-1]:,} layers over cost at {sizes[0]:,}: CPU time (wall time; CPU time less garbage "
          f"collection). Linear growth gives {sizes[-1] / sizes[0]:.0f} (for 500 -> 5,000 the target is at most 10):")
    ratios = []
    for shape in SHAPES:
        small = next(f for s, n, _, f in rows if s == shape and n <= sizes[0])
        large = [f for s, _, _, f in rows if s == shape][-1]
        ratio = {stage: ratios_of(small[stage], large[stage]) for stage in stages}
        ratio["open + validate + build"] = ratios_of(*(tuple(sum(f[s][k] for s in STAGES) for k in range(3))
                                                       for f in (small, large)))
        ratios.append((shape, ratio))
        print(f"  {shape:<12}" + "  ".join(f"{stage} {cpu:5.1f}x ({wall:5.1f}x; {own:5.1f}x)"
                                           for stage, (cpu, wall, own) in ratio.items()))

    if args.markdown:
        print("\nWall time / CPU time (of which garbage collection), median of rounds:\n\n| graph | layers | wires | "
              + " | ".join(stages) + " |\n| --- | ---: | ---: |" + " ---: |" * len(stages))
        for shape, nodes, edges, figures in rows:
            print(f"| {shape} | {nodes:,} | {edges:,} | " + " | ".join(
                f"{figures[s][0]:.1f} / {figures[s][1]:.1f} ({figures[s][2]:.1f}) ms" for s in stages) + " |")
        columns = list(ratios[0][1])
        print(f"\n{sizes[-1]:,} over {sizes[0]:,} layers, CPU time (wall time; CPU time less garbage collection):\n\n"
              "| graph | " + " | ".join(columns) + " |\n| --- |" + " ---: |" * len(columns))
        for shape, ratio in ratios:
            print(f"| {shape} | " + " | ".join("{:.1f}x ({:.1f}x; {:.1f}x)".format(*ratio[c]) for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
