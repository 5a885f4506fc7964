"""From a press of Train to the first batch, at moments just after launch: the app starts on the demo (the CNN on
the digits), and a given time after its window has painted its first frame the Train tab is opened and, once it
has painted, its Train button is pressed.

Run:
    python3 tests/bench/bench_train_click.py [--after 0 0.5 1 2 4] [--repeat 3]

Each press is in a fresh app process (offscreen Qt, a fresh HOME, `.venv/bin/python`), so PyTorch and the data are
still loading in the background when the press comes early. Per press it prints, from the press:
- feedback: until the Train page's status line has painted its new text ("Preparing PyTorch…" while PyTorch is
  still loading, else "Loading the data…"), the text shown, and
- first batch: until the engine has finished the run's first batch (`RunProgress.batch_done`, in the run's thread);
and the time the Train tab took to open and paint. The floor, in fresh processes taking turns with the app's:
`import torch` alone, and the demo's data alone (`load_digits`, scikit-learn), which the app loads in the
background from launch on. Medians per moment; the load average before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv/bin/python"

PRESS_CHILD = r"""
import json, os, sys, time
AFTER_S = float(sys.argv[1])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from workbench.core.training import progress as progress_module
from workbench.gui import app as app_module
from workbench.gui.main_window import MainWindow

times = {}
first_batch = progress_module.RunProgress.batch_done


def batch_done(self, loss, size):
    first_batch(self, loss, size)
    if "first_batch" not in times:
        times["first_batch"] = time.perf_counter()
        print(json.dumps({"tab_s": times["tab_painted"] - times["tab"], "feedback_s": times["feedback"] - times["press"],
                          "feedback_text": times["feedback_text"],
                          "first_batch_s": times["first_batch"] - times["press"]}), flush=True)
        os._exit(0)


progress_module.RunProgress.batch_done = batch_done


class Watch(QObject):
    def eventFilter(self, watched, event):
        if event.type() != QEvent.Type.Paint or not isinstance(watched, QWidget):
            return False
        if "window" not in times and isinstance(watched, MainWindow):
            times["window"] = time.perf_counter()
            QTimer.singleShot(int(AFTER_S * 1000), lambda: open_tab(watched))
        elif "tab" in times and "tab_painted" not in times and watched is times["page"]:
            times["tab_painted"] = time.perf_counter()
            QTimer.singleShot(0, press)
        elif "press" in times and "feedback" not in times and watched is times["page"].status_label:
            times["feedback"] = time.perf_counter()
            times["feedback_text"] = watched.text()
        return False


def open_tab(window):
    times["tab"] = time.perf_counter()
    window.tabs.setCurrentWidget(window.pages["Train"])
    times["page"] = window.pages["Train"].page


def press():
    page = times["page"]
    times["press"] = time.perf_counter()
    page.train_button.click()


watch = Watch()
app = QApplication(sys.argv[:1])
app.installEventFilter(watch)
app_module.run_app("cnn")
"""

FLOORS = {
    "import torch": "import torch",
    "digits data (scikit-learn)": "from sklearn.datasets import load_digits; load_digits()",
}


def fresh_env() -> dict:
    home = tempfile.mkdtemp(prefix="workbench-click-")
    return {"PATH": os.environ["PATH"], "HOME": home, "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}


def press_at(after_s: float) -> dict:
    done = subprocess.run([str(PYTHON), "-c", PRESS_CHILD, str(after_s)], env=fresh_env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"no first batch after a press at {after_s} s:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def floor(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(PYTHON), "-c", code], env=fresh_env(), cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", type=float, nargs="+", default=[0, 0.5, 1, 2, 4])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average (1 / 5 / 15 min) before: {load_average()}")
    press_at(args.after[-1])  # warms the disk cache, not counted
    presses: dict[float, list[dict]] = {after: [] for after in args.after}
    floors: dict[str, list[float]] = {name: [] for name in FLOORS}
    for _ in range(args.repeat):
        for after in args.after:
            presses[after].append(press_at(after))
        for name, code in FLOORS.items():
            floors[name].append(floor(code))
    print(f"load average (1 / 5 / 15 min) after:  {load_average()}")
    print(f"{'pressed after':>14} {'feedback':>9} {'first batch':>12} {'tab opened':>11}  shown first")
    for after, runs in presses.items():
        texts = sorted({run["feedback_text"].split("…")[0] + "…" for run in runs})
        print(f"{after:>12.1f} s {statistics.median(r['feedback_s'] for r in runs):>7.3f} s "
              f"{statistics.median(r['first_batch_s'] for r in runs):>10.2f} s "
              f"{statistics.median(r['tab_s'] for r in runs):>9.2f} s  {', '.join(texts)}")
    for name, values in floors.items():
        print(f"floor, a fresh process: {name}: median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
