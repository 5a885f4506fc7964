"""Time from launch to a visible window: the installed bundle against `packaging/dev.sh app`, on a real X display.

Run (after packaging/build.sh, with Xvfb and xdotool installed):
    python3 tests/bench/bench_startup.py [--bundle build/pyinstaller-cpu/dist/Workbench/Workbench] [--runs 7]

Both ways run in turn, under one Xvfb display of their own, each start with a fresh HOME (no autosave to offer, no
recent files) and nothing else of the app running. A start is timed from the moment the process is spawned until
`xdotool search --onlyvisible --name Workbench`, asked every 10 ms, finds the window (`--sync` would ask only every
0.5 s, too coarse here); then the app is stopped and the next start waits until its window is gone. The first start of
each is a warm-up for the disk cache and is not counted. Prints the median and the range of each, and the ratio.
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


def time_to_window(command: list[str], display: str) -> float:
    home = tempfile.mkdtemp(prefix="workbench-start-")
    env = {"PATH": os.environ["PATH"], "HOME": home, "DISPLAY": display, "LANG": "C.UTF-8"}
    started = time.perf_counter()
    app = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 120:
            if window_shown(env):
                return time.perf_counter() - started
            time.sleep(0.01)
        raise RuntimeError(f"no Workbench window 120 s after starting {command}")
    finally:
        app.terminate()
        app.wait(timeout=30)
        wait_until_no_window(env)
        subprocess.run(["rm", "-rf", home], check=False)


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(ROOT / "build/pyinstaller-cpu/dist/Workbench/Workbench"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ways = {"bundle": [args.bundle], "dev.sh app": ["bash", str(ROOT / "packaging/dev.sh"), "app"]}
    xvfb, display = start_xvfb()
    times: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for run in range(args.runs + 1):
            for name, command in ways.items():
                seconds = time_to_window(command, display)
                if run:  # the first start of each warms the disk cache
                    times[name].append(seconds)
    finally:
        xvfb.terminate()
    for name, values in times.items():
        print(f"{name:>10}: median {statistics.median(values):.2f} s  (min {min(values):.2f}, max {max(values):.2f},"
              f" {len(values)} starts)")
    ratio = statistics.median(times["dev.sh app"]) / statistics.median(times["bundle"])
    print(f"bundle starts {ratio:.2f}x as fast as dev.sh app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
