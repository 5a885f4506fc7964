"""Benchmark: the training engine against a plain PyTorch loop, the app-driven run against a headless one, and the
live curves at a million points.

  engine  Same model, data, seed and settings (Adam 1e-3, batch 64, validation after every epoch) trained by
          `Trainer` and by a plain hand-written loop (DataLoader over a TensorDataset, `loss.item()` every batch,
          validation through a DataLoader with `.item()` per batch). Cases: digits with the MLP and the CNN
          template, and a generated 60,000 x 784 ten-class set with the MLP. Each case runs at each thread count;
          best of --repeat runs, the ways taking turns. The engine runs twice: with its direct steps (the
          default) and with every step through optimizer.step() (`direct_step=False`). Prints samples per
          second and the ratio of the bests, and the median of the per-round ratios.
  gui     The Train page (worker thread, bridge, live curves) against `train_project` headless, both with one
          thread, on digits (MLP and CNN). The page is shown and left to settle for a second (as a user reads
          it), then its Train button is clicked. A 10 ms heartbeat timer on the GUI thread records the longest
          event-loop stall, apart for the first 500 ms (the run starting) and for the rest; the GUI thread's CPU
          time over the run's wall time says how busy it was. --repeat pairs, the order alternating; medians,
          the median and range of the per-pair ratio, worst stalls. A first pair that warms up is not counted.
  plot    `TrainingCurves` holding 10,000 and 1,000,000 batch losses: time to push the buffers to the plots and
          paint the widget once (what each redraw costs).
  warmup  PyTorch imported in a worker while the main window shows (a fresh process each time): plainly, and as
          the app's `warm_up_job` does it; import time and the event-loop stalls it causes (10 ms heartbeat).

Not part of the test suite. Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_training.py
[--part engine,gui,plot,warmup] [--repeat 2] [--threads 1,2] [--device cpu]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def digits_case(template: str):
    from workbench.core.data import DatasetSpec, load_dataset
    from workbench.core.data_fit import fit_graph_to_dataset
    from workbench.core.project import open_template

    project = open_template(template)
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "digits"})
    dataset = load_dataset(spec)
    fit_graph_to_dataset(project.graph, dataset)
    project.dataset = spec.to_dict()
    return project, dataset


def generated_case(n: int = 60_000, features: int = 784, classes: int = 10):
    from workbench.core.data import Dataset
    from workbench.core.data_fit import fit_graph_to_dataset
    from workbench.core.project import open_template

    rng = np.random.default_rng(0)
    y = rng.integers(0, classes, n)
    centres = rng.normal(size=(classes, features)).astype(np.float32)
    x = (0.3 * centres[y] + rng.normal(size=(n, features)).astype(np.float32)).astype(np.float32)
    cut = n * 5 // 6
    dataset = Dataset(name="generated", task="classification", x=x, y=y.astype(np.int64),
                      class_names=[str(k) for k in range(classes)], input_shape=(features,), input_dtype="float",
                      preprocessing={"kind": "array"},
                      splits={"train": np.arange(cut), "val": np.arange(cut, n), "test": np.arange(0)}, report=[])
    project = open_template("mlp")
    fit_graph_to_dataset(project.graph, dataset)
    return project, dataset


def fresh_module(project, seed=0):
    import torch

    from workbench.core.build import build_module

    torch.manual_seed(seed)
    return build_module(project.graph)


def run_engine(project, dataset, epochs, threads, device, direct_step=True):
    from workbench.core.training import Trainer, TrainingSettings

    module = fresh_module(project)
    settings = TrainingSettings(epochs=epochs, batch_size=64, early_stopping=False, restore_best=False,
                                device=device)
    start = time.perf_counter()
    result = Trainer(module, dataset, settings, graph=project.graph, num_threads=threads,
                     direct_step=direct_step).fit()
    wall = time.perf_counter() - start
    return len(dataset.splits["train"]) * epochs / wall, result.history[-1]["val_accuracy"]


def run_plain(project, dataset, epochs, threads, device):
    import torch
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, TensorDataset

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        module = fresh_module(project).to(device)
        x_train, y_train = dataset.tensors("train")
        x_val, y_val = dataset.tensors("val")
        start = time.perf_counter()
        optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
        loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
        val_loader = DataLoader(TensorDataset(x_val, y_val), batch_size=256)
        losses = []
        for _ in range(epochs):
            module.train()
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                loss = F.cross_entropy(module(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            module.eval()
            correct = 0
            val_loss = 0.0
            with torch.no_grad():
                for xb, yb in val_loader:
                    xb, yb = xb.to(device), yb.to(device)
                    out = module(xb)
                    val_loss += F.cross_entropy(out, yb, reduction="sum").item()
                    correct += (out.argmax(1) == yb).sum().item()
        if device != "cpu":
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
    finally:
        torch.set_num_threads(previous)
    return len(y_train) * epochs / wall, correct / len(y_val)


def part_engine(repeat, thread_counts, device):
    cases = [("digits, MLP", *digits_case("mlp"), 30), ("digits, CNN", *digits_case("cnn"), 15),
             ("60,000 x 784 generated, MLP", *generated_case(), 3)]
    print("\n### Engine against a plain loop\n")
    print("| case | threads | plain loop (samples/s) | engine, standard steps | engine | engine / plain (best; median "
          "of rounds) | val. accuracy plain / engine |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, project, dataset, epochs in cases:
        run_engine(project, dataset, 1, thread_counts[0], device)  # warm up (first optimizer step imports a lot)
        run_plain(project, dataset, 1, thread_counts[0], device)
        for threads in thread_counts:
            plain, standard, engine = [], [], []
            for _ in range(repeat):  # the three ways take turns, so a busy spell on the machine hits them all
                plain.append(run_plain(project, dataset, epochs, threads, device))
                standard.append(run_engine(project, dataset, epochs, threads, device, direct_step=False))
                engine.append(run_engine(project, dataset, epochs, threads, device))
            best_plain, best_standard, best_engine = max(plain), max(standard), max(engine)
            rounds = np.median([e[0] / p[0] for e, p in zip(engine, plain)])
            print(f"| {name} ({epochs} epochs) | {threads} | {best_plain[0]:,.0f} | {best_standard[0]:,.0f} | "
                  f"{best_engine[0]:,.0f} | {best_engine[0] / best_plain[0]:.2f}x; {rounds:.2f}x | "
                  f"{best_plain[1]:.3f} / {best_engine[1]:.3f} |", flush=True)


START_MS = 500  # event-loop stalls in the first half second (the run starting) are reported apart


def part_gui(repeat):
    import tempfile

    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from workbench.core.project import actions
    from workbench.core.project.actions import train_project
    from workbench.core.training import Callback, TrainingSettings
    from workbench.gui.document.document import ProjectDocument
    from workbench.gui.pages.train.page import GUI_TRAIN_THREADS, TrainPage

    app = QApplication.instance() or QApplication(sys.argv)

    class TrainingThreadClock(Callback):
        """In the training thread: the share of the run's wall time that thread spent on a CPU. The rest it waited
        for the interpreter lock (or for a core). Unlike samples per second, this share hardly moves when the
        shared machine runs faster or slower for a while, so it shows the GUI's cost with less noise."""

        share = float("nan")

        def on_fit_start(self, trainer, info):
            self.cpu, self.wall = time.thread_time(), time.perf_counter()

        def on_fit_end(self, trainer, result):
            self.share = (time.thread_time() - self.cpu) / (time.perf_counter() - self.wall)

    def wait(ms):
        loop = QEventLoop()  # a real event loop: it sleeps (without the GIL) between events
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def headless_run(project, dataset, settings):
        clock = TrainingThreadClock()
        with tempfile.TemporaryDirectory() as folder:
            outcome = train_project(project, folder, dataset=dataset, settings=TrainingSettings(**settings),
                                    num_threads=GUI_TRAIN_THREADS, callbacks=[clock])
        return outcome.record.samples_per_s, clock.share

    def app_run(project):
        """Opens the Train page, lets it settle (as a user reads it), clicks Train and waits for the end."""
        document = ProjectDocument(project)
        clock_in_worker = TrainingThreadClock()

        def train_with_clock(*args, callbacks=(), **kwargs):
            return train_project(*args, callbacks=[*callbacks, clock_in_worker], **kwargs)

        actions.train_project = train_with_clock  # what the page's worker calls
        panel = TrainPage(document)
        panel.resize(1300, 850)
        panel.show()
        wait(1000)
        clock = QElapsedTimer()
        stalls = {"last": 0, "start": 0, "steady": 0}

        def tick():
            now = clock.elapsed()
            key = "start" if stalls["last"] < START_MS else "steady"
            stalls[key] = max(stalls[key], now - stalls["last"])
            stalls["last"] = now

        heartbeat = QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(tick)
        clock.start()
        heartbeat.start()
        wait(50)
        cpu_before, wall_before = time.thread_time(), time.perf_counter()
        QTest.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
        loop = QEventLoop()
        panel.worker.finished.connect(loop.quit)
        loop.exec()
        gui_share = (time.thread_time() - cpu_before) / (time.perf_counter() - wall_before)
        heartbeat.stop()
        in_app = document.project.runs[-1].samples_per_s
        panel.close()
        panel.deleteLater()
        app.processEvents()
        actions.train_project = train_project
        return in_app, clock_in_worker.share, stalls, gui_share

    print("\n### The app against headless\n")
    print("| case | headless (samples/s, median) | in the app (samples/s, median) | app / headless (median of pairs, "
          "range) | training thread on a CPU, headless / app (median) | GUI thread busy | longest stall, first "
          f"{START_MS} ms | longest stall after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, template, epochs in (("digits, MLP", "mlp", 1000), ("digits, CNN", "cnn", 150)):  # runs of 5-10 s
        project, dataset = digits_case(template)
        settings = {"epochs": epochs, "early_stopping": False}
        project.training = TrainingSettings(**settings)
        headless_run(project, dataset, settings)  # warms up what a first run imports
        app_run(project)
        rows = []
        for attempt in range(repeat):  # the two ways alternate, so a busy spell on the machine hits both
            first_app = attempt % 2 == 1
            if first_app:
                in_app, app_cpu, stalls, share = app_run(project)
            headless, headless_cpu = headless_run(project, dataset, settings)
            if not first_app:
                in_app, app_cpu, stalls, share = app_run(project)
            rows.append((headless, in_app, in_app / headless, headless_cpu, app_cpu, share, stalls["start"],
                         stalls["steady"]))
        column = list(zip(*rows))
        ratios = column[2]
        print(f"| {name} ({epochs} epochs, {GUI_TRAIN_THREADS} thread) | {np.median(column[0]):,.0f} | "
              f"{np.median(column[1]):,.0f} | {np.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) | "
              f"{np.median(column[3]):.1%} / {np.median(column[4]):.1%} | {np.median(column[5]):.1%} | "
              f"{max(column[6])} ms | {max(column[7])} ms |", flush=True)


WARM_UP_CHILD = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication
from workbench.core.project import open_template
from workbench.gui.main_window import MainWindow
from workbench.gui.warm_up import warm_up_job
from workbench.gui.workers import start_worker

def plain_import(control):  # what the first session did: import, with the collector left as it is
    import torch
    torch.optim.Adam(torch.nn.Linear(2, 1).parameters())

app = QApplication(sys.argv)
window = MainWindow()
window.resize(1300, 850)
window.show()
window.document.replace_project(open_template("cnn"))
loop = QEventLoop(); QTimer.singleShot(500, loop.quit); loop.exec()
ticks = []
heartbeat = QTimer(); heartbeat.setInterval(10); heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
heartbeat.start()
start = time.perf_counter()
worker = start_worker(plain_import if sys.argv[1] == "plain" else warm_up_job)
loop = QEventLoop(); worker.finished.connect(loop.quit); loop.exec()
took = time.perf_counter() - start
gaps = sorted(((b - a) * 1000 for a, b in zip(ticks, ticks[1:])), reverse=True)
print(took, sum(g > 50 for g in gaps), *[round(g) for g in gaps[:3]])
"""


def part_warmup(repeat):
    """PyTorch imported in a worker while the main window shows: plainly, and as `warm_up_job` does it (collector
    paused, imports frozen). Each run is a fresh process, so each imports PyTorch for the first time."""
    import subprocess

    print("\n### Loading PyTorch in the background\n")
    print("| way | import time (median) | event-loop stalls over 50 ms (median) | longest stall (worst) |")
    print("| --- | ---: | ---: | ---: |")
    results = {"plain": [], "warm_up_job": []}
    for _ in range(repeat):
        for way in results:
            done = subprocess.run([sys.executable, "-c", WARM_UP_CHILD, way], capture_output=True, text=True,
                                  timeout=300)
            took, count, *longest = done.stdout.split()
            results[way].append((float(took), int(count), max(int(v) for v in longest)))
    for way, rows in results.items():
        column = list(zip(*rows))
        print(f"| {way} | {np.median(column[0]):.1f} s | {np.median(column[1]):.0f} | {max(column[2])} ms |",
              flush=True)


def part_plot():
    from PySide6.QtWidgets import QApplication

    from workbench.gui.plots.training_curves import TrainingCurves

    app = QApplication.instance() or QApplication(sys.argv)
    print("\n### Live curves\n")
    print("| batch losses held | push to plots + paint (median of 5) |")
    print("| ---: | ---: |")
    for total in (10_000, 1_000_000):
        curves = TrainingCurves()
        curves.resize(1000, 700)
        curves.show()
        curves.start_run(1000, "classification")
        curves.timer.stop()
        rng = np.random.default_rng(0)
        chunk = 1000
        for first in range(0, total, chunk):
            losses = (2.0 * np.exp(-np.arange(first, first + chunk) / 2e5) + 0.1 * rng.random(chunk))
            curves.add_batches(first, losses.astype(np.float32), 1e-3)
            if (first // chunk) % 50 == 0:
                curves.add_epoch(first // 1000, {"val_loss": float(losses[-1]), "val_accuracy": 0.9})
        app.processEvents()
        times = []
        for _ in range(5):
            curves._changed = set(curves.SERIES)
            start = time.perf_counter()
            curves.refresh()
            curves.graphics.grab()
            times.append(time.perf_counter() - start)
        print(f"| {total:,} | {1000 * float(np.median(times)):.1f} ms |", flush=True)
        curves.close()
        curves.deleteLater()  # delete while the application exists (pyqtgraph crashes if left to exit)
        app.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", default="engine,gui,plot")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}, {os.cpu_count()} CPU cores, device {args.device}")
    parts = args.part.split(",")
    if "engine" in parts:
        part_engine(args.repeat, [int(t) for t in args.threads.split(",")], args.device)
    if "gui" in parts:
        part_gui(args.repeat)
    if "plot" in parts:
        part_plot()
    if "warmup" in parts:
        part_warmup(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
