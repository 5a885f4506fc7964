"""Benchmark: CSV import of a mixed table (20 columns: 14 numbers, 5 categories, a label; 2 % missing cells) at
several sizes, our import against `pandas.read_csv` plus the same encoding, and against our former reader.

Each case runs in its own subprocess, which reports its wall time (from before the call to the finished float32
table) and its peak resident memory (VmHWM) above the memory it held after its imports (pyarrow and pandas are
imported before the clock starts, so neither pays its import). The cases alternate within each repeat, so load on a
shared machine hits them alike; the fastest wall time, the least CPU time (of all the process's threads) and the
highest peak of the repeats are kept. On a machine shared with other work the CPU times are the steadier figures.

  workbench   load_dataset: PyArrow's reader under our column detection, missing values imputed with indicator
              inputs, a 70/15/15 split, encoders fitted on the training rows, float32 x built block by block
  csv-module  the same, with PyArrow switched off (the `csv` module and float() per cell, as before)
  workbench-serial  the same, PyArrow reading in the caller's thread (`csv_arrow.READ_AHEAD = 0`), as before its
              reading moved to a thread of its own, beside our work on the blocks before
  workbench-one-reader  the same, one PyArrow reader for the whole file (`csv_arrow.SPLIT_BYTES` out of reach), as
              before a large file was read by two readers at once, one per half
  pandas      pandas.read_csv, then the same encoding: numbers standardised with the mean filled in and a "was
              missing" column, categories one-hot with the most frequent filled in and a "was missing" column,
              float32 (fitted on all rows: a little less work than ours)
  with --floors, what the reading alone takes on each side:
  pyarrow-read  PyArrow's CSV reader with our options (numbers as float64, the other columns as dictionaries),
              its batches only: the part of our import that is PyArrow's
  pandas-read pandas.read_csv alone

Not part of the test suite (pandas is not a dependency: `pip install pandas` to run it). Run:
    .venv/bin/python tests/bench/bench_csv_parser.py [--rows 100000 1000000] [--repeat 2] [--keep DIR]
        [--no-csv-module] [--floors] [--serial] [--one-reader] [--markdown]
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
NUMERIC, CATEGORIES = 14, 5
LEVELS = [["Oslo", "Lima", "Pune", "Kyiv", "Quito", "Accra", "Hanoi", "Porto"], ["S", "M", "L", "XL"],
          ["red", "green", "blue"], ["cash", "card", "transfer", "voucher", "other"], ["yes", "no"]]
MISSING_SHARE = 0.02


def make_csv(path: Path, rows: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    header = [f"x{j}" for j in range(NUMERIC)] + [f"c{j}" for j in range(CATEGORIES)] + ["label"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(header) + "\n")
        block = 100_000
        for start in range(0, rows, block):
            n = min(block, rows - start)
            values = rng.normal(size=(n, NUMERIC)) * 50 + 10
            cats = [rng.integers(0, len(levels), n) for levels in LEVELS]
            holes = rng.random((n, NUMERIC + CATEGORIES)) < MISSING_SHARE
            labels = (values[:, 0] + values[:, 1] > 20).astype(int)
            lines = []
            for i in range(n):
                cells = ["" if holes[i, j] else f"{values[i, j]:.4f}" for j in range(NUMERIC)]
                cells += ["" if holes[i, NUMERIC + k] else LEVELS[k][cats[k][i]] for k in range(CATEGORIES)]
                cells.append("ab"[labels[i]])
                lines.append(",".join(cells))
            f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------------------------------ child side

def _pandas_encoding(path: str) -> dict:
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(path)
    y = (frame.pop("label") == "b").to_numpy()
    parts = []
    for name in frame.columns:
        column = frame[name]
        missing = column.isna().to_numpy()
        if column.dtype.kind == "f":
            mean, std = column.mean(), column.std(ddof=0)
            parts.append(((column.fillna(mean).to_numpy() - mean) / std).astype(np.float32)[:, None])
        else:
            filled = column.fillna(column.mode().iloc[0])
            parts.append(pd.get_dummies(filled).to_numpy(dtype=np.float32))
        if missing.any():
            parts.append(missing.astype(np.float32)[:, None])
    del frame
    x = np.concatenate(parts, axis=1)
    return {"samples": len(x), "width": x.shape[1], "labels": int(y.sum())}


def _pyarrow_read(path: str) -> dict:
    import pyarrow.csv as pacsv

    from workbench.core.data.csv_arrow import numeric_columns, reader_options
    from workbench.core.data.csv_format import detect_format

    fmt = detect_format(Path(path), None, None)
    use = list(range(len(fmt.names)))
    read, parse, convert = reader_options(fmt, use, numeric_columns(Path(path), fmt, use))
    rows = sum(batch.num_rows for batch in pacsv.open_csv(path, read_options=read, parse_options=parse,
                                                          convert_options=convert))
    return {"samples": rows, "width": len(use)}


def child(case: str, path: str) -> None:
    import pandas  # imported before the clock in every case alike
    import pyarrow.csv  # noqa: F401

    from workbench.core.data import DatasetSpec, csv_arrow, csv_reader, load_dataset

    if case == "csv-module":
        csv_reader.arrow_can_read = lambda path, fmt: False
    if case == "workbench-serial":
        csv_arrow.READ_AHEAD = 0
    if case == "workbench-one-reader":
        csv_arrow.SPLIT_BYTES = 1 << 62
    base = status_kb("VmRSS")
    start, start_cpu = time.perf_counter(), time.process_time()
    if case in ("workbench", "csv-module", "workbench-serial", "workbench-one-reader"):
        ds = load_dataset(DatasetSpec(source="csv", path=path, options={"target": "label"}))
        result = {"samples": ds.num_samples, "width": ds.x.shape[1]}
    elif case == "pandas":
        result = _pandas_encoding(path)
    elif case == "pyarrow-read":
        result = _pyarrow_read(path)
    elif case == "pandas-read":
        frame = pandas.read_csv(path)
        result = {"samples": len(frame), "width": frame.shape[1]}
    else:
        raise SystemExit(f"unknown case {case}")
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    peak = status_kb("VmHWM")
    print(json.dumps({"case": case, "wall_s": wall, "cpu_s": cpu, "above_start_mb": (peak - base) / 1024,
                      **result}))


def run_case(case: str, path: Path) -> dict:
    return run_child(__file__, case, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    parser.add_argument("--no-csv-module", action="store_true", help="skip the former reader (slow)")
    parser.add_argument("--floors", action="store_true", help="also time PyArrow's reader and read_csv alone")
    parser.add_argument("--serial", action="store_true", help="also time our import reading in the caller's thread")
    parser.add_argument("--one-reader", action="store_true", help="also time our import with one PyArrow reader")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="wb-csv-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cases = ["workbench", "pandas"] + ([] if args.no_csv_module else ["csv-module"]) + \
        (["pyarrow-read", "pandas-read"] if args.floors else []) + (["workbench-serial"] if args.serial else []) + \
        (["workbench-one-reader"] if args.one_reader else [])
    table_rows = []
    for rows in args.rows:
        table = work / f"mixed_{rows}.csv"
        if not table.exists():
            t = time.perf_counter()
            make_csv(table, rows)
            print(f"generated {table.stat().st_size / 1e6:.0f} MB CSV in {time.perf_counter() - t:.1f} s",
                  file=sys.stderr)
        runs: dict[str, list[dict]] = {case: [] for case in cases}
        for _ in range(args.repeat):
            for case in cases:          # alternately, so that load on the machine hits every case alike
                runs[case].append(run_case(case, table))
        best = {}
        for case, results in runs.items():
            r = min(results, key=lambda run: run["wall_s"])
            r["above_start_mb"] = max(run["above_start_mb"] for run in results)
            r["cpu_s"] = min(run["cpu_s"] for run in results)
            best[case] = r
            print(f"{rows:>10,} rows  {case:10s} {r['wall_s']:7.2f} s (CPU {r['cpu_s']:6.2f} s)  "
                  f"+{r['above_start_mb']:6.0f} MB  {r['samples']:,} x {r['width']}", file=sys.stderr)
        w, p = best["workbench"], best["pandas"]
        line = {"rows": rows, "mb": table.stat().st_size / 1e6, **{f"{c}_s": best[c]["wall_s"] for c in cases},
                **{f"{c}_mb": best[c]["above_start_mb"] for c in cases},
                **{f"{c}_cpu_s": best[c]["cpu_s"] for c in cases},
                "time_pandas_over_workbench": p["wall_s"] / w["wall_s"],
                "cpu_pandas_over_workbench": p["cpu_s"] / w["cpu_s"],
                "memory_workbench_over_pandas": w["above_start_mb"] / p["above_start_mb"]}
        if "csv-module" in best:
            line["time_csv_module_over_workbench"] = best["csv-module"]["wall_s"] / w["wall_s"]
        if "workbench-serial" in best:
            line["time_serial_over_workbench"] = best["workbench-serial"]["wall_s"] / w["wall_s"]
            print(f"{rows:>10,} rows  reading in the caller's thread / read ahead: "
                  f"{line['time_serial_over_workbench']:.2f}x the time", file=sys.stderr)
        if "workbench-one-reader" in best:
            line["time_one_reader_over_workbench"] = best["workbench-one-reader"]["wall_s"] / w["wall_s"]
            print(f"{rows:>10,} rows  one reader / two readers: {line['time_one_reader_over_workbench']:.2f}x the "
                  "time", file=sys.stderr)
        if "pyarrow-read" in best:
            line["workbench_cpu_beyond_reader_s"] = w["cpu_s"] - best["pyarrow-read"]["cpu_s"]
            line["pandas_cpu_beyond_read_csv_s"] = p["cpu_s"] - best["pandas-read"]["cpu_s"]
            print(f"{rows:>10,} rows  CPU beyond the reading: workbench {line['workbench_cpu_beyond_reader_s']:.2f} s, "
                  f"pandas {line['pandas_cpu_beyond_read_csv_s']:.2f} s", file=sys.stderr)
        print(f"{rows:>10,} rows  pandas/workbench time {line['time_pandas_over_workbench']:.2f}x (CPU "
              f"{line['cpu_pandas_over_workbench']:.2f}x), workbench/pandas memory {line['memory_workbench_over_pandas']:.2f}x", file=sys.stderr)
        table_rows.append(line)
    if args.markdown:
        print("| rows | file | workbench | pandas + encoding | csv module (before) | pandas/workbench time | "
              "pandas/workbench CPU | workbench/pandas memory |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in table_rows:
            before = f"{r['csv-module_s']:.2f} s, +{r['csv-module_mb']:.0f} MB" if "csv-module_s" in r else "-"
            print(f"| {r['rows']:,} | {r['mb']:.0f} MB | {r['workbench_s']:.2f} s (CPU {r['workbench_cpu_s']:.2f} s), "
                  f"+{r['workbench_mb']:.0f} MB | {r['pandas_s']:.2f} s (CPU {r['pandas_cpu_s']:.2f} s), "
                  f"+{r['pandas_mb']:.0f} MB | {before} | {r['time_pandas_over_workbench']:.2f}x | "
                  f"{r['cpu_pandas_over_workbench']:.2f}x | {r['memory_workbench_over_pandas']:.2f}x |")
        if "pyarrow-read_s" in table_rows[0]:
            print("\n| rows | PyArrow's reader alone | pandas.read_csv alone | workbench CPU beyond the reader | "
                  "pandas CPU beyond read_csv |")
            print("|---:|---:|---:|---:|---:|")
            for r in table_rows:
                print(f"| {r['rows']:,} | {r['pyarrow-read_s']:.2f} s (CPU {r['pyarrow-read_cpu_s']:.2f} s) | "
                      f"{r['pandas-read_s']:.2f} s (CPU {r['pandas-read_cpu_s']:.2f} s) | "
                      f"{r['workbench_cpu_beyond_reader_s']:.2f} s | {r['pandas_cpu_beyond_read_csv_s']:.2f} s |")
    print(json.dumps(table_rows))


if __name__ == "__main__":
    main()
