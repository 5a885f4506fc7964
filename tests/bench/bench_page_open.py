"""Opening the Train tab for the first time, with the plotting library loaded by the warm-up (as the app does) and
without (the page imports it itself when it opens, as before): the app starts on the demo, and a given time after its
window has painted its first frame the Train tab is clicked.

Run:
    python3 tests/bench/bench_page_open.py [--after 1 3 6] [--repeat 3]

Each opening is in a fresh app process (offscreen Qt, a fresh HOME, `.venv/bin/python`); the two ways take turns.
Per opening it measures, from the click: until the tab's "Opening the Train page..." has painted (feedback), and
until the page itself has painted (opened). Medians per moment and way, and the ratio without/with; the load average
before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv/bin/python"

OPEN_CHILD = r"""
import json, os, sys, time
AFTER_S = float(sys.argv[1])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from workbench.gui import app as app_module
from workbench.gui import warm_up
from workbench.gui.main_window import MainWindow

if sys.argv[2] == "without":
    warm_up.load_plots = lambda: None
times = {}


class Watch(QObject):
    def eventFilter(self, watched, event):
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QWidget):
            return False
        if "window" not in times and isinstance(watched, MainWindow):
            times["window"] = time.perf_counter()
            times["lazy"] = watched.pages["Train"]
            QTimer.singleShot(int(AFTER_S * 1000), lambda: open_tab(watched))
        elif "click" in times and "feedback" not in times and watched is times["lazy"].opening:
            times["feedback"] = time.perf_counter()
        elif "page" in times and watched is times["page"]:
            print(json.dumps({"feedback_s": times["feedback"] - times["click"],
                              "opened_s": time.perf_counter() - times["click"],
                              "warmed_up": warm_up.shared_warm_up().is_ready}), flush=True)
            os._exit(0)
        return False


def open_tab(window):
    times["click"] = time.perf_counter()
    window.tabs.setCurrentWidget(times["lazy"])
    times["page"] = times["lazy"].page


watch = Watch()
app = QApplication(sys.argv[:1])
app.installEventFilter(watch)
app_module.run_app("cnn")
"""

WAYS = ("with", "without")


def fresh_env() -> dict:
    home = tempfile.mkdtemp(prefix="workbench-open-")
    return {"PATH": os.environ["PATH"], "HOME": home, "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}


def open_at(after_s: float, way: str) -> dict:
    done = subprocess.run([str(PYTHON), "-c", OPEN_CHILD, str(after_s), way], env=fresh_env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"the Train page did not open at {after_s} s ({way}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=float, nargs="+", default=[1, 3, 6])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average (1 / 5 / 15 min) before: {load_average()}")
    open_at(args.after[-1], "with")  # warms the disk cache, not counted
    runs: dict[tuple[float, str], list[dict]] = {(after, way): [] for after in args.after for way in WAYS}
    for _ in range(args.repeat):
        for after in args.after:
            for way in WAYS:
                runs[after, way].append(open_at(after, way))
    print(f"load average (1 / 5 / 15 min) after:  {load_average()}")
    print(f"{'clicked after':>14} {'plots warmed up':>16} {'feedback':>9} {'opened':>8} {'warm-up done':>13}")
    for after in args.after:
        medians = {}
        for way in WAYS:
            done = runs[after, way]
            medians[way] = statistics.median(r["opened_s"] for r in done)
            print(f"{after:>12.1f} s {way:>16} {statistics.median(r['feedback_s'] for r in done):>7.3f} s "
                  f"{medians[way]:>6.2f} s {sum(r['warmed_up'] for r in done):>9}/{len(done)}")
        print(f"{'':>14} without/with: {medians['without'] / medians['with']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
