"""`workbench export PROJECT --out DIR`: the trained model (or one of its variants) as a verified ONNX folder."""

from __future__ import annotations

from workbench.cli.common import add_json_flag, add_threads_argument, load_project_arg, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.export.bundle import WouldReplaceFilesError
from workbench.core.export.onnx_export import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET
from workbench.core.project import actions


def add_parser(subparsers):
    parser = subparsers.add_parser("export", help="export the trained model to ONNX with a model card and "
                                                  "predict.py, checked against the trained network")
    parser.add_argument("project", metavar="PROJECT", help="a trained project file")
    parser.add_argument("--out", metavar="DIR", required=True, help="the folder to write (created if needed)")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, metavar="N",
                        help=f"ONNX opset, {MIN_OPSET} to {MAX_OPSET} (default {DEFAULT_OPSET})")
    parser.add_argument("--variant", metavar="NAME", help="export this compressed variant instead of the original")
    add_threads_argument(parser, 1, "ONNX Runtime threads (default 1)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files of the export's names that Workbench did not write into the folder")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    project = load_project_arg(args.project)
    try:
        result = actions.export_project(project, args.out, opset=args.opset, variant=args.variant,
                                        threads=args.threads, overwrite=args.overwrite)
    except WouldReplaceFilesError as err:
        raise WorkbenchError(f"{err} (--overwrite replaces them.)") from None
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"Exported to {result.folder}:")
    for name in result.files:
        print(f"  {name}")
    print(f"{result.size_bytes / 1024:.1f} KB, {result.params:,} parameters, opset {result.opset}; ONNX Runtime "
          f"({result.provider}) matches {result.parity_reference} on {result.parity_samples} test samples "
          f"(largest difference {result.parity_max_abs_diff:.2g}).")
    return 0
