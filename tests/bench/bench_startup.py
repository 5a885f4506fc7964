"""Time from launch to a visible window: Workbench against a bare Qt window of the same kind (the floor), and the
installed bundle when it is built, on a real X display.

Run (with Xvfb and xdotool installed; the bundle after packaging/build.sh):
    python3 tests/bench/bench_startup.py [--runs 15] [--bundle build/pyinstaller-cpu/dist/Workbench/Workbench]
                                         [--other CHECKOUT]

The ways run in turn, under one Xvfb display of their own, each start with a fresh HOME (no autosave to offer, no
recent files) and nothing else of the app running:
- `bare Qt`: the floor, `.venv/bin/python` showing a QMainWindow titled Workbench at 1440x900 with a menu bar, seven
  empty tabs and a status bar, nothing of ours imported: Python, PySide6 and a first window cost this much anyway;
- `workbench`: `.venv/bin/workbench`, what `packaging/dev.sh app` runs once its `.venv` is ready;
- `bundle`: the PyInstaller build, only when it exists;
- `other`: with `--other CHECKOUT`, the app from another checkout (say, of main: `git worktree add`), run by the same
  `.venv/bin/python`, for a before-and-after in one run.
A start is timed from the moment the process is spawned until `xdotool search --onlyvisible --name Workbench`, asked
every 10 ms, finds the window (`--sync` would ask only every 0.5 s, too coarse here), and the CPU time the process
had used by then is read from /proc (on a shared machine it varies less than the wall clock); then the app is
stopped and the next start waits until its window is gone. The first start of each way warms the disk cache and is not counted.
Prints the median and the range of each, the median CPU time, the load average before and after (the machine may be
shared), and each way's medians over the floor's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.xdisplay import start_xvfb  # noqa: E402

PYTHON = ROOT / ".venv/bin/python"
BARE_QT = """
import sys
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QTabWidget
app = QApplication(sys.argv[:1])
app.setApplicationName("Workbench")
window = QMainWindow()
tabs = QTabWidget(window)
tabs.setDocumentMode(True)
for title in ("Design", "Data", "Train", "Evaluate", "Export", "Try it", "Search"):
    tabs.addTab(QLabel(title), title)
window.setCentralWidget(tabs)
for title in ("&File", "&Edit", "&View", "&Help"):
    window.menuBar().addMenu(title)
window.statusBar().addPermanentWidget(QLabel("ready"))
window.setWindowTitle("Untitled (not saved) - Workbench")
window.resize(1440, 900)
window.show()
sys.exit(app.exec())
"""


def time_to_window(command: list[str], display: str) -> tuple[float, float]:
    """Seconds from spawning `command` until its window shows, and the CPU seconds the process had used by then."""
    home = tempfile.mkdtemp(prefix="workbench-start-")
    env = {"PATH": os.environ["PATH"], "HOME": home, "DISPLAY": display, "LANG": "C.UTF-8"}
    started = time.perf_counter()
    app = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 120:
            if window_shown(env):
                return time.perf_counter() - started, cpu_seconds(app.pid)
            time.sleep(0.01)
        raise RuntimeError(f"no Workbench window 120 s after starting {command}")
    finally:
        app.terminate()
        app.wait(timeout=30)
        wait_until_no_window(env)
        subprocess.run(["rm", "-rf", home], check=False)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid`, all its threads (from /proc: less disturbed by a busy machine than
    the wall clock)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def window_shown(env: dict) -> bool:
    """Whether a visible window named Workbench is on the display (one xdotool search, a few ms)."""
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Workbench"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return found.returncode == 0


def wait_until_no_window(env: dict) -> None:
    """The X server drops a dead client's window a moment after it exits; the next start must not find it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not window_shown(env):
            return
        time.sleep(0.05)
    raise RuntimeError("a Workbench window is still there 10 s after the app was stopped")


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(ROOT / "build/pyinstaller-cpu/dist/Workbench/Workbench"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--other", help="another checkout of Workbench to time as well")
    args = parser.parse_args()
    ways = {"bare Qt": [str(PYTHON), "-c", BARE_QT], "workbench": [str(ROOT / ".venv/bin/workbench")]}
    if args.other:
        ways["other"] = [str(PYTHON), "-c", f"import sys; sys.path.insert(0, {str(Path(args.other).resolve())!r}); "
                         "from workbench.__main__ import main; sys.exit(main([]))"]
    if Path(args.bundle).exists():
        ways["bundle"] = [args.bundle]
    print(f"load average (1 / 5 / 15 min) before: {load_average()}")
    xvfb, display = start_xvfb()
    times: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for run in range(args.runs + 1):
            for name, command in ways.items():
                seconds, cpu_s = time_to_window(command, display)
                if run:  # the first start of each warms the disk cache
                    times[name].append(seconds)
                    cpu[name].append(cpu_s)
    finally:
        xvfb.terminate()
    print(f"load average (1 / 5 / 15 min) after:  {load_average()}")
    floor, floor_cpu = statistics.median(times["bare Qt"]), statistics.median(cpu["bare Qt"])
    for name, values in times.items():
        median, median_cpu = statistics.median(values), statistics.median(cpu[name])
        print(f"{name:>10}: median {median:.2f} s  (min {min(values):.2f}, max {max(values):.2f}, {len(values)} "
              f"starts), CPU {median_cpu:.2f} s;  {median / floor:.2f}x the bare Qt window's time, "
              f"{median_cpu / floor_cpu:.2f}x its CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
