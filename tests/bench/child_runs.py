"""What the benchmarks that measure one case per fresh process share: this process's memory from /proc, and
running a case in a child (the benchmark script itself with ``--child CASE PATH``) that prints its figures as the
last line of JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def status_kb(key: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process. ru_maxrss is not used: on Linux it carries over the peak of
    the forked parent from before exec."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def run_child(script: str, case: str, path: Path) -> dict:
    """The figures `script --child CASE PATH` printed, run in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, script, "--child", case, str(path)], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
