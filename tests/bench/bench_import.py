"""Opening an imported ONNX model of 400-500 layers in the app, and editing it.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_import.py [--blocks 90] [--repeat 5]

A ResNet-style network of `--blocks` residual blocks (conv-BN-ReLU-conv-BN, Add, ReLU: five layers each once torch
folds the batch norms into the convolutions) is built and exported with torch (not timed). Timed, in the real main
window at 1440x900, both ways in turn in each round: imported flat (`blocks=False`, every layer on the canvas) and
with its repeated units as blocks (the default: one block, `--blocks` instances): the import (read, convert, find
the repeats, lay out; without the round-trip check, timed apart), validation and showing it on the canvas (the
document takes the project, the scene builds every item, events are processed and the canvas is repainted). Then
edits on the open model, each until the window is up to date as in bench_editor.py: flat, a setting changed on a
convolution in the middle and undone, a layer moved; with blocks, a setting of a convolution inside the block (all
instances change) and undone, an instance moved. Budgets: open at most 1 s, an edit at most 50 ms. The median of
`--repeat` rounds is printed, and the ratio blocks / flat of each median.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("WORKBENCH_DATA_DIR", tempfile.mkdtemp(prefix="workbench-bench-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from torch import nn  # noqa: E402

OPEN_BUDGET_MS = 1000.0
EDIT_BUDGET_MS = 50.0


class Block(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))

    def forward(self, x):
        return torch.relu(x + self.body(x))


def deep_resnet(blocks: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), *[Block(8) for _ in range(blocks)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10)).eval()


def export(blocks: int, folder: Path) -> Path:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(deep_resnet(blocks), (torch.randn(1, 3, 16, 16),), buffer, dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    path = folder / f"resnet{blocks}.onnx"
    path.write_bytes(buffer.getvalue())
    return path


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=90, help="residual blocks (5 layers each)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)

    from workbench.core.graph.validate import validate
    from workbench.core.onnx_import import import_onnx
    from workbench.core.project.import_model import project_of_import
    from workbench.gui.main_window import MainWindow

    path = export(args.blocks, Path(tempfile.mkdtemp(prefix="workbench-bench-import-")))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1440, 900)
    window.show()
    app.processEvents()
    view, editor = window.design.view, window.editor

    def settle() -> None:
        app.processEvents()
        view.viewport().repaint()

    rows: dict[str, dict[bool, list[float]]] = {}

    def timed(name: str, blocks: bool, since: float) -> None:
        rows.setdefault(name, {True: [], False: []})[blocks].append(ms_since(since))

    layers = 0
    for _ in range(args.repeat):
        for blocks in (False, True):
            start = time.perf_counter()
            imported = import_onnx(path, verify=False, blocks=blocks)
            timed("import (read, convert, lay out)", blocks, start)
            mark = time.perf_counter()
            result = validate(imported.graph)
            timed("validate", blocks, mark)
            assert result.ok, result.problems[:3]
            assert bool(imported.graph.blocks) == blocks
            mark = time.perf_counter()
            window.document.replace_project(project_of_import(imported, path), dirty=True)
            settle()
            timed("show on the canvas (scene, panels, repaint)", blocks, mark)
            timed("open in all", blocks, start)
            layers = imported.report.layers
            mark = time.perf_counter()
            check = import_onnx(path, blocks=blocks).report.round_trip
            timed("import with the round-trip check (reference)", blocks, mark)
            assert check.ok

            graph = window.document.project.graph
            instances = [n.id for n in graph.nodes.values() if n.type == "Block"]
            if blocks:
                editor.open_block(instances[len(instances) // 2])
                settle()
                graph = editor.graph
            convs = [n.id for n in graph.nodes.values() if n.type == "Conv2d"]
            middle = convs[len(convs) // 2]
            mark = time.perf_counter()
            editor.set_params(middle, {"bias": False})
            settle()
            timed("edit: a setting of a middle convolution (blocks: inside the block)", blocks, mark)
            mark = time.perf_counter()
            window.undo()
            settle()
            timed("edit: undo it", blocks, mark)
            if blocks:
                editor.leave_block()
                settle()
                middle = instances[len(instances) // 2]
            item = window.design.scene.node_items[middle]
            mark = time.perf_counter()
            item.setPos(item.pos() + QPointF(0, 40))
            editor.commit_moves()
            settle()
            timed("edit: move a layer (blocks: an instance; drag released)", blocks, mark)

    print(f"Imported model: {layers} layers ({args.blocks} residual blocks), median of {args.repeat}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| step | flat: median (worst) | blocks: median (worst) | blocks / flat | budget |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, by_mode in rows.items():
        flat, grouped = statistics.median(by_mode[False]), statistics.median(by_mode[True])
        budget = OPEN_BUDGET_MS if name == "open in all" else EDIT_BUDGET_MS if name.startswith("edit") else None
        mark = "" if budget is None else f"{budget:.0f} ms " + ("ok" if max(flat, grouped) <= budget else "OVER")
        print(f"| {name} | {flat:.1f} ms ({max(by_mode[False]):.1f}) | {grouped:.1f} ms ({max(by_mode[True]):.1f}) | "
              f"{grouped / flat:.2f} | {mark} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
