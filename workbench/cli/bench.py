"""`workbench bench PROJECT`: latency and throughput of every variant, torch eager beside ONNX Runtime."""

from __future__ import annotations

from workbench.cli.common import add_json_flag, add_threads_argument, load_project_arg, print_json
from workbench.core.project import actions
from workbench.core.wording import plural


def add_parser(subparsers):
    parser = subparsers.add_parser("bench", help="time every variant in torch eager and ONNX Runtime")
    parser.add_argument("project", metavar="PROJECT", help="a trained project file")
    add_threads_argument(parser, 1, "threads for both engines (default 1)")
    parser.add_argument("--provider", choices=("auto", "cpu", "cuda", "tensorrt"), default="auto",
                        help="ONNX Runtime provider (default: the best one available)")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    project = load_project_arg(args.project)
    report = actions.bench_project(project, threads=args.threads, provider=args.provider)
    if args.json:
        print_json(report.to_dict())
        return 0
    print(f"ONNX Runtime on {report.provider}, {plural(report.threads, 'thread')}"
          + ("" if report.gpu else "; no GPU on this computer") + ".")
    print(f"  {'variant':<22} {'size KB':>8}  {'torch p50/p99 ms':>18}  {'ORT p50/p99 ms':>16}  "
          f"{'torch /s':>10}  {'ORT /s':>10}  speed-up")
    for row in report.rows:
        t, o = row.torch, row.onnxruntime
        note = "" if row.torch_reference == "own" else "  (torch: fp32 source)"
        print(f"  {row.name:<22} {row.size_bytes / 1024:8.1f}  {t.p50_ms:8.3f}/{t.p99_ms:<9.3f}  "
              f"{o.p50_ms:7.3f}/{o.p99_ms:<8.3f}  {t.throughput:10.0f}  {o.throughput:10.0f}  "
              f"{row.speedup:6.1f}x{note}")
    print(f"Throughput at batch {report.rows[0].onnxruntime.batch}.")
    return 0
