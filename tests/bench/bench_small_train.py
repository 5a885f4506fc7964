"""A small job's whole process: `workbench train` on a 300-row table against an sklearn script that loads the same
CSV and fits an MLP, each a fresh process as a user starts it.

    .venv/bin/python tests/bench/bench_small_train.py [--rounds 5] [--before CHECKOUT]

The table (6 numeric columns, a yes/no label) is generated. Workbench trains its MLP template for 30 epochs; sklearn
fits `MLPClassifier(max_iter=300)` after `pandas`-free loading with `numpy.genfromtxt`. The ways run alternately
(the machine may be shared) and the medians are compared; `--before CHECKOUT` adds `python -m workbench` run from
another checkout (e.g. a `git worktree` of an earlier commit). Then `python -X importtime` lists the packages the
command imports that take 50 ms or more. The target (issue #18): at most 1.5x the sklearn script.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

SKLEARN = """
import sys
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
rows = np.genfromtxt(sys.argv[1], delimiter=",", skip_header=1, dtype=str)
x, y = rows[:, :-1].astype(float), rows[:, -1]
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.15, random_state=0, stratify=y)
scaler = StandardScaler().fit(x_train)
model = MLPClassifier(max_iter=300, random_state=0).fit(scaler.transform(x_train), y_train)
print("accuracy", model.score(scaler.transform(x_test), y_test))
"""


def write_table(path: Path, rows: int = 300) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 6))
    y = x[:, 0] + x[:, 1] * x[:, 2] > 0
    with open(path, "w") as f:
        f.write("a,b,c,d,e,f,label\n")
        for values, label in zip(x, y):
            f.write(",".join(f"{v:.4f}" for v in values) + f",{'yes' if label else 'no'}\n")


def timed(command: list[str], env: dict, cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{command} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def imports_over(command: list[str], env: dict, cwd: Path, ms: float = 50) -> list[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], env=env, cwd=cwd, capture_output=True,
                          text=True)
    heavy = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if cumulative.isdigit() and int(cumulative) >= ms * 1000 and not name.startswith(" ") and "." not in name:
            heavy.append(f"{name} {int(cumulative) / 1e6:.2f} s")
    return heavy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to run `python -m workbench` from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        table = tmp / "small.csv"
        write_table(table)
        (tmp / "fit.py").write_text(SKLEARN)
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        ways = {"sklearn script": ([sys.executable, str(tmp / "fit.py"), str(table)], env, tmp)}
        train = ["train", "mlp", "--data", str(table), "--epochs", "30", "--threads", "1", "--out"]
        ways["workbench train"] = ([sys.executable, "-m", "workbench", *train, str(tmp / "now.wbproj")],
                                   {**env, "PYTHONPATH": str(ROOT)}, tmp)
        if args.before:
            ways["workbench train, before"] = ([sys.executable, "-m", "workbench", *train, str(tmp / "then.wbproj")],
                                               {**env, "PYTHONPATH": str(args.before.resolve())}, tmp)
        times: dict[str, list[float]] = {name: [] for name in ways}
        for k in range(args.rounds + 1):  # the first round warms the disk cache and is not counted
            for name, (command, way_env, cwd) in ways.items():
                took = timed(command, way_env, cwd)
                if k:
                    times[name].append(took)
        base = statistics.median(times["sklearn script"])
        for name, measured in times.items():
            median = statistics.median(measured)
            print(f"{name:26s} median {median:5.2f} s  (range {min(measured):.2f}-{max(measured):.2f})  "
                  f"{median / base:.2f}x the sklearn script")
        command, way_env, cwd = ways["workbench train"]
        print("workbench train imports (50 ms or more):", ", ".join(imports_over(command, way_env, cwd)))


if __name__ == "__main__":
    main()
