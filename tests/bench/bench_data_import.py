"""Benchmark: import a generated folder of 20,000 small PNGs and a ~200 MB CSV; report wall time and peak memory.

Each case runs in its own subprocess, which reports its wall time and its peak resident memory (VmHWM) above
the memory it held after its imports, so the cases do not share a heap. Two ways are compared for each source:

  images  workbench  load_dataset: decode straight into one preallocated uint8 (N, C, H, W) array
          naive      decode every image to a float32 array in a list, then np.stack (the usual first attempt)
  csv     workbench  load_dataset: stream blocks of rows, parse columns, standardise block by block
          naive      csv.reader into a list of rows, then float arrays and a one-hot column
          loadtxt    np.loadtxt of the numeric columns only (NumPy's C parser; a speed reference, no categories)

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_data_import.py [--rows 2300000]
[--images 20000] [--keep DIR] [--repeat N] [--markdown]
(--repeat keeps the fastest wall time and the highest peak memory of N runs.)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from child_runs import run_child, status_kb  # the benchmarks' folder is on sys.path when run

ROOT = Path(__file__).resolve().parents[2]
CITIES = ["Oslo", "Lima", "Pune", "Kyiv", "Quito", "Accra", "Hanoi", "Porto"]
NUMERIC = 8


def make_images(folder: Path, count: int) -> None:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for k in range(10):
        (folder / f"class_{k}").mkdir(parents=True, exist_ok=True)
    base = rng.integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    for i in range(count):
        k = i % 10
        noise = rng.integers(0, 40, size=(28, 28), dtype=np.uint8)
        Image.fromarray(base[k] // 2 + noise, "L").save(folder / f"class_{k}" / f"{i:06d}.png")


def make_csv(path: Path, rows: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join([f"x{j}" for j in range(NUMERIC)] + ["city", "label"]) + "\n")
        block = 100_000
        for start in range(0, rows, block):
            n = min(block, rows - start)
            values = rng.normal(size=(n, NUMERIC)) * 100
            cities = rng.integers(0, len(CITIES), n)
            labels = (values[:, 0] + values[:, 1] > 0).astype(int)
            lines = [",".join(f"{v:.5f}" for v in row) + f",{CITIES[c]},{'yes' if y else 'no'}"
                     for row, c, y in zip(values, cities, labels)]
            f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------------------------------ child side

def child(case: str, path: str) -> None:
    import numpy as np

    if case.startswith("images"):
        from PIL import Image
    if case.endswith("workbench"):
        from workbench.core.data import DatasetSpec, load_dataset
    base = status_kb("VmRSS")
    start = time.perf_counter()
    if case == "images-workbench":
        ds = load_dataset(DatasetSpec(source="images", path=path, options={"color_mode": "grayscale"}))
        result = {"samples": ds.num_samples, "bytes": ds.x.nbytes}
    elif case == "images-naive":
        files = sorted(p for p in Path(path).rglob("*.png"))
        arrays, labels = [], []
        for f in files:
            with Image.open(f) as img:
                arrays.append(np.asarray(img.convert("L"), dtype=np.float32) / 255.0)
            labels.append(f.parent.name)
        x = np.stack(arrays)[:, None]
        del arrays
        result = {"samples": len(x), "bytes": x.nbytes}
    elif case == "csv-workbench":
        ds = load_dataset(DatasetSpec(source="csv", path=path, options={"target": "label"}))
        result = {"samples": ds.num_samples, "bytes": ds.x.nbytes}
    elif case == "csv-naive":
        import csv

        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        numbers = np.array([[float(v) for v in r[:NUMERIC]] for r in rows], dtype=np.float64)
        cities = sorted({r[NUMERIC] for r in rows})
        index = {c: i for i, c in enumerate(cities)}
        onehot = np.zeros((len(rows), len(cities)), dtype=np.float64)
        onehot[np.arange(len(rows)), [index[r[NUMERIC]] for r in rows]] = 1
        y = np.array([r[-1] == "yes" for r in rows])
        del rows
        x = np.concatenate([(numbers - numbers.mean(0)) / numbers.std(0), onehot], axis=1).astype(np.float32)
        result = {"samples": len(x), "bytes": x.nbytes, "columns": len(header), "labels": int(y.sum())}
    elif case == "csv-loadtxt":
        x = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(NUMERIC), dtype=np.float64)
        result = {"samples": len(x), "bytes": x.nbytes}
    else:
        raise SystemExit(f"unknown case {case}")
    wall = time.perf_counter() - start
    peak = status_kb("VmHWM")
    print(json.dumps({"case": case, "wall_s": wall, "peak_mb": peak / 1024, "above_start_mb": (peak - base) / 1024,
                      **result}))


def run_case(case: str, path: Path) -> dict:
    return run_child(__file__, case, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=2_300_000)
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    parser.add_argument("--repeat", type=int, default=1, help="run each case this many times, keep the fastest")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="wb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    images, table = work / f"images_{args.images}", work / f"table_{args.rows}.csv"
    if not images.exists():
        t = time.perf_counter()
        make_images(images, args.images)
        print(f"generated {args.images:,} PNGs in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if not table.exists():
        t = time.perf_counter()
        make_csv(table, args.rows)
        print(f"generated {table.stat().st_size / 1e6:.0f} MB CSV in {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
    results = []
    for case, path in (("images-workbench", images), ("images-naive", images), ("csv-workbench", table),
                       ("csv-naive", table), ("csv-loadtxt", table)):
        runs = [run_case(case, path) for _ in range(args.repeat)]
        r = min(runs, key=lambda run: run["wall_s"])
        r["peak_mb"] = max(run["peak_mb"] for run in runs)
        r["above_start_mb"] = max(run["above_start_mb"] for run in runs)
        results.append(r)
        print(f"{case:18s} {r['samples']:>9,} samples  {r['wall_s']:7.2f} s  peak {r['peak_mb']:7.0f} MB "
              f"(+{r['above_start_mb']:.0f} MB above start)  result {r['bytes'] / 2**20:.0f} MiB", file=sys.stderr)
    by = {r["case"]: r for r in results}
    ratios = {
        "images naive/workbench memory": by["images-naive"]["above_start_mb"] / by["images-workbench"]["above_start_mb"],
        "images naive/workbench time": by["images-naive"]["wall_s"] / by["images-workbench"]["wall_s"],
        "csv naive/workbench memory": by["csv-naive"]["above_start_mb"] / by["csv-workbench"]["above_start_mb"],
        "csv naive/workbench time": by["csv-naive"]["wall_s"] / by["csv-workbench"]["wall_s"],
        "csv workbench/loadtxt time": by["csv-workbench"]["wall_s"] / by["csv-loadtxt"]["wall_s"],
    }
    for name, value in ratios.items():
        print(f"{name}: {value:.2f}x", file=sys.stderr)
    if args.markdown:
        size = table.stat().st_size / 1e6
        print("| case | data | samples | wall time | peak RSS | above start |")
        print("|---|---|---:|---:|---:|---:|")
        for r in results:
            data = f"{args.images:,} PNGs 28x28" if r["case"].startswith("images") else f"{size:.0f} MB CSV"
            print(f"| {r['case']} | {data} | {r['samples']:,} | {r['wall_s']:.1f} s | {r['peak_mb']:.0f} MB | "
                  f"{r['above_start_mb']:.0f} MB |")
        print()
        for name, value in ratios.items():
            print(f"- {name}: {value:.2f}x")
    print(json.dumps({"results": results, "ratios": ratios}))


if __name__ == "__main__":
    main()
