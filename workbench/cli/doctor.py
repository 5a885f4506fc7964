"""`workbench doctor`: Python, PyTorch and CUDA, the GPUs seen, the ONNX Runtime providers that open, and what to
do when a GPU is present but unused. `workbench doctor --check` also runs the self-test (about 30 s per device):
the demo trained on every device, checked against the CPU, exported and run on every provider that opens; a verdict
per device, the figures with `--json`; exits 1 when a check fails."""

from __future__ import annotations

import sys

from workbench.cli.common import add_json_flag, print_json
from workbench.core.diagnostics import collect_diagnostics, format_diagnostics
from workbench.core.project import actions
from workbench.core.project.self_test import format_self_test


def add_parser(subparsers):
    parser = subparsers.add_parser("doctor", help="report what this installation can compute with")
    parser.add_argument("--check", action="store_true",
                        help="also train, export and run the demo on every device present (about 30 s each)")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    report = collect_diagnostics()
    if not args.check:
        if args.json:
            print_json(report)
        else:
            print(format_diagnostics(report))
        return 0
    if not args.json:
        print(format_diagnostics(report), end="\n\n", flush=True)

    def progress(fraction, message):
        if not args.json:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    check = actions.self_test(progress=progress, num_threads=1 if (report["system"]["cpus"] or 1) <= 2 else None)
    if args.json:
        print_json({**report, "check": check})
    else:
        print(format_self_test(check))
    return 0 if check["ok"] else 1
