"""Export and compression figures for docs/benchmarks.md: the digits CNN and MLP templates, trained, then each
compression method; file sizes, accuracy, and torch eager against ONNX Runtime (batch-1 latency and throughput).

    .venv/bin/python tests/bench/bench_export.py [--epochs 60] [--finetune 20] [--threads 1] [--markdown]

Checks the targets: static INT8 <= 0.3 of the fp32 file with <= 1 point of accuracy lost; ONNX Runtime batch-1 p50
<= half of torch eager; structured pruning of half the channels >= 1.5x faster in ONNX Runtime with <= 2 points
lost after fine-tuning. Each figure is the median of 5 rounds (up to 2000 calls or 1 s each), taken round-robin
over the variants because the machine is shared; throughput at batch 1024.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np


def train(folder: Path, template: str, data: dict, epochs: int, threads: int):
    from workbench.core.data import DatasetSpec, load_dataset
    from workbench.core.data_fit import fit_graph_to_dataset
    from workbench.core.project import open_template, save_project
    from workbench.core.project.actions import train_project
    from workbench.core.training.settings import TrainingSettings

    project = open_template(template)
    project.dataset = DatasetSpec.from_dict(data)
    dataset = load_dataset(project.dataset)
    fit_graph_to_dataset(project.graph, dataset)
    save_project(project, folder / f"{template}.json")
    settings = TrainingSettings(epochs=epochs, device="cpu", patience=15)
    outcome = train_project(project, folder, dataset=dataset, settings=settings, num_threads=threads)
    project.add_run(outcome.record)
    return project, dataset


def timings(records: list, tm, threads: int, rounds: int = 5, batch: int = 1024) -> dict[str, dict]:
    """Per variant, the median over rounds of ORT and torch p50 / p99 (batch 1) and throughput (at `batch`).

    The rounds go round-robin over the variants, so a disturbance on the shared machine hits them all alike."""
    from workbench.core.data.loader import resolve_path
    from workbench.core.export.benchmark import benchmark_session, benchmark_torch
    from workbench.core.export.runtime import open_session
    from workbench.core.project.export import variant_network

    samples, _ = tm.samples("test")
    engines = {}
    for record in records:
        session = open_session(resolve_path(record.files.onnx, tm.base_dir), threads=threads)
        module = variant_network(tm, record)[1] if record.files.weights else tm.module
        engines[record.name] = (session, module)
    measured: dict[str, list] = {name: [] for name in engines}
    for _ in range(rounds):
        for name, (session, module) in engines.items():
            measured[name].append((benchmark_session(session, samples, batch, repeats=2000, budget_s=1.0),
                                   benchmark_torch(module, samples, threads, batch, repeats=2000, budget_s=1.0)))
    return {name: {"ort_p50": statistics.median(o.p50_ms for o, _ in m),
                   "ort_p99": statistics.median(o.p99_ms for o, _ in m),
                   "ort_tput": statistics.median(o.throughput for o, _ in m),
                   "torch_p50": statistics.median(t.p50_ms for _, t in m),
                   "torch_tput": statistics.median(t.throughput for _, t in m)} for name, m in measured.items()}


def accuracy(record) -> float:
    return 100 * record.metrics["test"]["accuracy"]


def run_model(name: str, template: str, data: dict, args, folder: Path) -> list[str]:
    from workbench.core.compression.methods import offered_methods
    from workbench.core.project.actions import compress_project
    from workbench.core.project.trained import trained_model

    project, dataset = train(folder, template, data, args.epochs, args.threads)
    for declared in offered_methods():
        method = declared.name
        epochs = None if not declared.takes_epochs else args.finetune if method != "distill" else args.epochs
        project.add_variants(compress_project(project, method, dataset=dataset, epochs=epochs,
                                              threads=args.threads))
    tm = trained_model(project, dataset)
    records = {r.name: r for r in project.variants}
    original = records["original"]
    lines = [f"### {name}", "",
             f"{project.find_run(tm.run_id).epochs_done} epochs; test split {len(dataset.splits['test'])} samples. Variants made with "
             f"`compress_project` (fine-tune {args.finetune} epochs; student {args.epochs} epochs).", "",
             "| variant | file | vs fp32 | params | test acc. | ORT p50 | ORT p99 | torch p50 | torch/ORT | "
             "ORT samples/s (batch 1024) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    figures = timings(list(records.values()), tm, args.threads)
    for rec in records.values():
        t = figures[rec.name]
        torch_cell = f"{t['torch_p50'] * 1000:.0f} µs" if rec.files.weights or rec.method == "none" \
            else f"({t['torch_p50'] * 1000:.0f} µs fp32)"
        lines.append(f"| {rec.name} | {rec.size_bytes / 1024:.1f} KB | "
                     f"{rec.size_bytes / original.size_bytes:.3f} | {rec.params:,} | {accuracy(rec):.1f}% | "
                     f"{t['ort_p50'] * 1000:.0f} µs | {t['ort_p99'] * 1000:.0f} µs | {torch_cell} | "
                     f"{t['torch_p50'] / t['ort_p50']:.1f}x | {t['ort_tput']:,.0f} |")
    static, pruned = records["int8-static"], records["prune-structured-50"]
    base = figures["original"]
    checks = [
        ("static INT8 file <= 0.3 of fp32", static.size_bytes / original.size_bytes, 0.3, "<="),
        ("static INT8 accuracy lost <= 1 point", accuracy(original) - accuracy(static), 1.0, "<="),
        ("ORT batch-1 p50 / torch eager p50 <= 0.5", base["ort_p50"] / base["torch_p50"], 0.5, "<="),
        ("structured 50%: ORT batch-1 speed-up >= 1.5x", base["ort_p50"] / figures[pruned.name]["ort_p50"], 1.5,
         ">="),
        ("structured 50%: ORT throughput speed-up >= 1.5x",
         figures[pruned.name]["ort_tput"] / base["ort_tput"], 1.5, ">="),
        ("structured 50%: accuracy lost <= 2 points", accuracy(original) - accuracy(pruned), 2.0, "<="),
    ]
    lines += ["", "| target | measured | met |", "| --- | ---: | --- |"]
    for title, value, limit, how in checks:
        met = value <= limit if how == "<=" else value >= limit
        lines.append(f"| {title} | {value:.3f} | {'yes' if met else 'NO'} |")
    lines.append("")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--finetune", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--markdown", action="store_true", help="print only the markdown tables")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from workbench.core.export.runtime import gpu_count, usable_providers

    digits = {"source": "builtin", "name": "digits"}
    out = [f"Providers usable here: {', '.join(usable_providers())}; GPUs seen: {gpu_count()}.", ""]
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        for name, template in (("Digits CNN (template `cnn`)", "cnn"), ("Digits MLP (template `mlp` on digits)",
                                                                        "mlp")):
            folder = Path(tmp, template)
            folder.mkdir()
            out += run_model(name, template, digits, args, folder)
            if not args.markdown:
                print("\n".join(out[-30:]), file=sys.stderr)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
