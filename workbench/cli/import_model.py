"""`workbench import MODEL.onnx --out PROJECT`: an ONNX model becomes a Workbench project (its graph, with repeated
units as blocks unless `--no-blocks`, and its weights as an imported run), with the import report; exits 1 when
operators were left as placeholders to replace."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.cli.common import add_data_arguments, add_json_flag, declared_kinds, print_json
from workbench.core.data import data_summary
from workbench.core.errors import WorkbenchError
from workbench.core.project import actions
from workbench.core.project.data import use_data


def sample_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """An argparse type: ``[NAME=]D1,D2,...``, the shape of one sample of an input (without the batch)."""
    name, _, dims = text.rpartition("=")
    try:
        shape = tuple(int(d) for d in dims.replace("x", ",").split(",") if d.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 3,224,224 (or NAME=3,224,224), got {text!r}") \
            from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes like 3,224,224, got {text!r}")
    return name, shape


def add_parser(subparsers):
    parser = subparsers.add_parser("import", help="turn an ONNX model into a Workbench project")
    parser.add_argument("model", metavar="MODEL.onnx", help="the ONNX model file")
    parser.add_argument("--out", required=True, metavar="PROJECT", help="the project file to write")
    parser.add_argument("--input-shape", type=sample_shape, action="append", default=[], metavar="[NAME=]D1,D2,...",
                        help="the shape of one sample of an input whose size the model leaves open, without the "
                             "batch (repeat for several inputs)")
    parser.add_argument("--no-blocks", action="store_true",
                        help="keep every layer on the main canvas: do not show repeated units as blocks")
    add_data_arguments(parser)
    parser.add_argument("--new-head", action="store_true",
                        help="with --data: replace the output layer by a new one for the data's classes and freeze "
                             "the imported layers, ready to fine-tune with `workbench train`")
    parser.add_argument("--overwrite", action="store_true", help="replace PROJECT if it exists")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    out = Path(args.out).resolve()
    if out.exists() and not args.overwrite:
        raise WorkbenchError(f"'{out}' already exists; choose another --out, or add --overwrite to replace it.")
    if args.new_head and not args.data:
        raise WorkbenchError("--new-head needs --data: the new output layer is fitted to the data's classes.")
    imported = actions.import_model_project(args.model, input_shapes=dict(args.input_shape) or None,
                                            blocks=not args.no_blocks)
    notes = []
    if args.data:
        ignored = [c.strip() for c in args.ignore.split(",") if c.strip()] if args.ignore else None
        dataset = use_data(imported.project, args.data, args.target, ignored, kinds=declared_kinds(args),
                           text=args.text)
        notes += list(dataset.report) if args.report else data_summary(dataset)
    if args.new_head:
        notes += actions.new_head_for_dataset(imported.project).notes
    saved = actions.save_project(imported.project, out, overwrite=args.overwrite)
    report = imported.report
    if args.json:
        trip = report.round_trip
        print_json({"project": str(saved), "complete": report.complete, "layers": report.layers,
                    "placeholders": [{"operator": p.operator, "onnx_node": p.onnx_node, "layer": p.node_id,
                                      "reason": p.reason} for p in report.placeholders],
                    "blocks": [{"name": b.name, "instances": list(b.instances), "layers": b.layers}
                               for b in report.blocks],
                    "notes": report.notes + notes, "round_trip": None if trip is None else
                    {"ok": trip.ok, "max_relative_diff": trip.max_relative_diff, "opset": trip.opset},
                    "not_checked": report.not_checked})
    else:
        for line in report.lines() + notes:
            print(line)
        print(f"Saved the project to {saved}.")
    if report.placeholders:
        print(f"error: {len(report.placeholders)} operator(s) must be replaced before the model can be trained or "
              "exported (open the project in the app; they are marked on the canvas).", file=sys.stderr)
        return 1
    if report.round_trip is not None and not report.round_trip.ok:
        print("error: the imported network does not compute what the original does; please report this model.",
              file=sys.stderr)
        return 1
    return 0
