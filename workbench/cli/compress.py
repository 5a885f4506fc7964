"""`workbench compress PROJECT --method M --out PROJECT_OUT.wbproj`: adds a compressed variant beside the original."""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.cli.common import add_json_flag, load_project_arg, print_json
from workbench.core.compression.variants import METHODS


def add_parser(subparsers):
    parser = subparsers.add_parser("compress", help="make a smaller or faster variant of the trained model")
    parser.add_argument("project", metavar="PROJECT", help="a trained project file")
    parser.add_argument("--method", choices=METHODS, required=True, help="how to compress")
    parser.add_argument("--amount", type=float, metavar="X",
                        help="prune / prune-structured / distill: the share to remove, 0 to 1 (default 0.5)")
    parser.add_argument("--epochs", type=int, metavar="N",
                        help="fine-tune (pruning) or student training (distill) epochs")
    parser.add_argument("--student", metavar="PROJECT",
                        help="distill: a project file whose network is the student (default: the network shrunk)")
    parser.add_argument("--out", metavar="PROJECT_OUT.wbproj", required=True,
                        help="where to write the project with the new variant (files go beside it)")
    parser.add_argument("--threads", type=int, default=1, metavar="N", help="threads for torch and ONNX Runtime")
    add_json_flag(parser)
    return parser


def _summary(record: dict) -> dict:
    return {"name": record["name"], "method": record["method"], "amount": record.get("amount"),
            "size_bytes": record["size_bytes"], "params": record["params"],
            "test": (record.get("metrics") or {}).get("test"), "val": (record.get("metrics") or {}).get("val"),
            "latency_ms": record["latency"]["onnxruntime"]["p50_ms"], "onnx": record["files"]["onnx"],
            "notes": record.get("notes", "")}


def run(args) -> int:
    from workbench.core.compression.variants import add_variants, compress_project, variants_of
    from workbench.core.project import load_project, save_project

    project = load_project_arg(args.project)
    out = Path(args.out).resolve()
    student = load_project(args.student).graph if args.student else None
    records = compress_project(project, args.method, args.amount, workspace=out.parent, student_graph=student,
                               epochs=args.epochs, threads=args.threads, progress=_progress())
    if project.folder is not None and out.parent != project.folder.resolve():
        _keep_files_reachable(project)
    add_variants(project, records)
    save_project(project, out)
    if args.json:
        print_json({"project": str(out), "variants": [_summary(r) for r in variants_of(project)]})
        return 0
    print(f"Saved {out}. Variants:")
    for r in variants_of(project):
        test = (r.get("metrics") or {}).get("test") or {}
        figure = f"accuracy {test['accuracy']:.3f}" if "accuracy" in test else \
            (f"MAE {test['mae']:.4g}" if "mae" in test else "")
        print(f"  {r['name']:<22} {r['size_bytes'] / 1024:8.1f} KB {r['params']:>10,} params  {figure:<16} "
              f"{r['latency']['onnxruntime']['p50_ms']:.3f} ms")
    return 0


def _keep_files_reachable(project) -> None:
    """A project written to another folder must still find its runs' and variants' files: make their paths
    absolute (the new variants' paths are relative to the new folder)."""
    from workbench.core.compression.variants import variants_of
    from workbench.core.data.loader import resolve_path

    def absolute(path: str) -> str:
        return str(resolve_path(path, project.folder).resolve())

    for record in project.runs:
        for key in ("weights", "best_weights", "last_weights", "state"):
            if record.get(key):
                record[key] = absolute(record[key])
    for record in variants_of(project):
        record["files"] = {k: absolute(v) if v else v for k, v in record.get("files", {}).items()}


def _progress():
    last = [-1]

    def report(fraction: float, message: str) -> None:
        percent = int(100 * fraction)
        if percent // 10 != last[0] // 10 or percent == 100:
            last[0] = percent
            print(f"  {percent:3d}%  {message}", file=sys.stderr)

    return report
