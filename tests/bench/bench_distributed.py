"""Benchmark: `workbench train --nproc-per-node 2` (two gloo processes, DistributedDataParallel) against one process,
on the same data, model and settings: the MLP template on a generated 60,000 x 784 ten-class set (an .npz file,
written to a temporary folder), batch 64 (32 per process with two), one thread per process.

Each round runs both ways, the order alternating; prints for each run the wall time of the whole command (start-up
and evaluation included), the training samples per second the run recorded, and the test accuracy; then the median
ratio of samples per second (two processes / one) and the largest accuracy difference.

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_distributed.py [--epochs 3] [--repeat 2]
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

import numpy as np


def write_set(folder: Path, n: int = 60_000, features: int = 784, classes: int = 10) -> Path:
    """Ten Gaussian clusters in 784 dimensions, as hard to tell apart as the digits MLP finds MNIST."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, classes, n)
    centres = rng.normal(size=(classes, features)).astype(np.float32)
    x = (0.05 * centres[y] + rng.normal(size=(n, features)).astype(np.float32)).astype(np.float32)
    path = folder / "generated-60000x784.npz"
    np.savez(path, x=x, y=y.astype(np.int64))
    return path


def train(folder: Path, data: Path, epochs: int, processes: int) -> dict:
    out = folder / f"p{processes}-{time.monotonic_ns()}.wbproj"
    argv = [sys.executable, "-m", "workbench", "train", "mlp", "--data", str(data), "--epochs", str(epochs),
            "--device", "cpu", "--threads", "1", "--out", str(out), "--json"]
    if processes > 1:
        argv += ["--nproc-per-node", str(processes)]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=folder, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{processes} process(es) failed:\n{done.stderr}")
    summary = json.loads(done.stdout)
    return {"processes": processes, "wall_s": wall, "samples_per_s": summary["samples_per_s"],
            "train_s": summary["duration_s"], "accuracy": summary["test"].get("accuracy", summary["val"]["accuracy"]),
            "identical": summary.get("identical_on_ranks")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, epochs: {args.epochs}, rounds: {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = write_set(folder)
        ratios, gaps = [], []
        for round_ in range(args.repeat):
            order = (1, 2) if round_ % 2 == 0 else (2, 1)
            results = {p: train(folder, data, args.epochs, p) for p in order}
            for p in order:
                r = results[p]
                print(f"round {round_ + 1}  {p} process{'es' if p > 1 else ''}:  wall {r['wall_s']:6.1f} s  "
                      f"training {r['train_s']:6.1f} s  {r['samples_per_s']:9,.0f} samples/s  "
                      f"accuracy {r['accuracy']:.4f}" + (f"  identical weights {r['identical']}" if p > 1 else ""))
            ratios.append(results[2]["samples_per_s"] / results[1]["samples_per_s"])
            gaps.append(abs(results[2]["accuracy"] - results[1]["accuracy"]))
        print(f"samples/s, 2 processes / 1: median {statistics.median(ratios):.2f} "
              f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}); largest accuracy gap {100 * max(gaps):.2f} points")


if __name__ == "__main__":
    main()
