"""`workbench doctor`: Python, PyTorch and CUDA, the GPUs seen, ONNX Runtime providers, and what to do when a GPU
is present but unused."""

from __future__ import annotations

from workbench.cli.common import add_json_flag, print_json
from workbench.core.diagnostics import collect_diagnostics, format_diagnostics


def add_parser(subparsers):
    parser = subparsers.add_parser("doctor", help="report what this installation can compute with")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    report = collect_diagnostics()
    if args.json:
        print_json(report)
    else:
        print(format_diagnostics(report))
    return 0
