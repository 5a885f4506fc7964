"""`workbench compress PROJECT --method M --out PROJECT_OUT.wbproj`: adds a compressed variant beside the original."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import (add_json_flag, add_threads_argument, load_project_arg, output_state, print_json,
                                  save_result)
from workbench.core.compression.methods import offered_methods
from workbench.core.project import actions

MAX_EPOCHS = 100_000


def epoch_count(text: str) -> int:
    """An argparse type: a number of epochs from 1 to `MAX_EPOCHS`, checked before any work (the fine-tune would
    take 0 or -1 as one epoch without a word)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of epochs, got {text!r}") from None
    if not 1 <= value <= MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_EPOCHS} (got {value})")
    return value


def add_parser(subparsers):
    methods = offered_methods()
    with_amount = [m for m in methods if m.takes_amount]
    defaults = sorted({f"{m.default_amount:g}" for m in with_amount})
    parser = subparsers.add_parser("compress", help="make a smaller or faster variant of the trained model")
    parser.add_argument("project", metavar="PROJECT", help="a trained project file")
    parser.add_argument("--method", choices=[m.name for m in methods], required=True, help="how to compress")
    parser.add_argument("--amount", type=float, metavar="X",
                        help=f"{' / '.join(m.name for m in with_amount)}: the share to remove, 0 to 1 "
                             f"(default {' or '.join(defaults)})")
    parser.add_argument("--epochs", type=epoch_count, metavar="N",
                        help=f"{' / '.join(m.name for m in methods if m.takes_epochs)}: fine-tune (pruning) or "
                             "student training (distill) epochs")
    parser.add_argument("--student", metavar="PROJECT",
                        help="distill: a project file whose network is the student (default: the network shrunk)")
    parser.add_argument("--out", metavar="PROJECT_OUT.wbproj", required=True,
                        help="where to write the project with the new variant (files go beside it)")
    add_threads_argument(parser, 1, "threads for torch and ONNX Runtime (default 1)")
    add_json_flag(parser)
    return parser


def _summary(record) -> dict:
    return {"name": record.name, "method": record.method, "amount": record.amount, "size_bytes": record.size_bytes,
            "params": record.params, "test": record.metrics.get("test"), "val": record.metrics.get("val"),
            "latency_ms": record.latency.onnxruntime.p50_ms, "onnx": record.files.onnx, "notes": record.notes}


def run(args) -> int:
    project = load_project_arg(args.project)
    out = Path(args.out).resolve()
    out_state = output_state(project, out)
    student = actions.open_project(args.student).graph if args.student else None
    records = actions.compress_project(project, args.method, args.amount, workspace=out.parent,
                                       student_graph=student, epochs=args.epochs, threads=args.threads,
                                       progress=_progress())
    project.add_variants(records)
    saved = save_result(project, out, out_state, records[-1].name)
    if args.json:
        print_json({"project": str(saved), "variants": [_summary(r) for r in project.variants]})
        return 0 if saved == out else 1
    print(f"Saved {saved}. Variants:")
    for r in project.variants:
        test = r.figures("test")
        figure = f"accuracy {test['accuracy']:.3f}" if "accuracy" in test else \
            (f"MAE {test['mae']:.4g}" if "mae" in test else "")
        print(f"  {r.name:<22} {r.size_bytes / 1024:8.1f} KB {r.params:>10,} params  {figure:<16} "
              f"{r.latency.onnxruntime.p50_ms:.3f} ms")
    return 0 if saved == out else 1


def _progress():
    last = [-1]

    def report(fraction: float, message: str) -> None:
        percent = int(100 * fraction)
        if percent // 10 != last[0] // 10 or percent == 100:
            last[0] = percent
            print(f"  {percent:3d}%  {message}", file=sys.stderr)

    return report
