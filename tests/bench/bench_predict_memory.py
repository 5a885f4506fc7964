"""Benchmark: peak memory of the exported predict.py on a generated CSV of a few hundred MB, streamed in blocks
(the script as it is) against reading the whole file first (the script before it streamed, taken from git).

Both run as a user runs them, in their own process under ``/usr/bin/time -v``, on the same file and the same small
exported table model (a linear map with Workbench's metadata: size, a number; colour, a category; a long ignored
note column). Reported: wall time, peak resident memory (``Maximum resident set size``) and the ratio.

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_predict_memory.py [--mb 300] [--keep DIR]
[--before COMMIT]   (COMMIT: a commit whose predict_script.py read the whole file; default 23a6dfc)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

from hostile_inputs import table_export  # noqa: E402


def write_csv(path: Path, megabytes: int) -> int:
    colours = ["red", "green", "blue"]
    note = "n" * 120
    rows = 0
    with open(path, "w") as f:
        f.write("size,colour,label,note\n")
        while f.tell() < megabytes * 1_000_000:
            f.write("".join(f"{(rows + i) % 97 / 10:.1f},{colours[(rows + i) % 3]},{'ab'[i % 2]},{note}\n"
                            for i in range(10_000)))
            rows += 10_000
    return rows


def measure(script: Path, model: Path, data: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", sys.executable, str(script), str(data), "--model", str(model)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) * 1024
    return wall, peak, done.stdout.count("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="folder for the CSV and the model (kept for another run)")
    parser.add_argument("--before", default="23a6dfc")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="wb-predict-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    export, _ = table_export(folder / "model")
    data = folder / f"rows-{args.mb}mb.csv"
    if not data.exists():
        write_csv(data, args.mb)
    old = folder / "predict_whole_file.py"
    old.write_text(subprocess.run(["git", "show", f"{args.before}:workbench/core/export/predict_script.py"],
                                  cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    size = data.stat().st_size
    print(f"CSV {size / 1e6:.0f} MB; peak resident memory of predict.py (time -v), wall time, lines printed")
    results = {}
    for name, script in (("streamed", export / "predict.py"), ("whole file", old)):
        wall, peak, lines = measure(script, export / "model.onnx", data)
        results[name] = peak
        print(f"  {name:<11} {peak / 2**20:8.0f} MiB  {wall:6.1f} s  {lines:,} lines")
    print(f"  whole file / streamed memory: {results['whole file'] / results['streamed']:.1f}x")


if __name__ == "__main__":
    main()
