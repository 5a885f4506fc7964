"""`workbench validate FILE...`: shapes, parameter counts and problems of each project, without training."""

from __future__ import annotations

import sys

from workbench.cli.common import add_data_arguments, add_json_flag, load_project_with_data, print_json
from workbench.core.errors import WorkbenchError
from workbench.core.graph import validate
from workbench.core.layers import format_shape
from workbench.core.wording import plural


def add_parser(subparsers):
    parser = subparsers.add_parser("validate", help="check project files: shapes, parameters and problems")
    parser.add_argument("projects", nargs="+", metavar="FILE", help="project files or template names")
    add_data_arguments(parser)
    add_json_flag(parser)
    return parser


def summarise(arg: str, args) -> dict:
    try:
        project, data_report = load_project_with_data(arg, args)
    except WorkbenchError as err:
        return {"path": arg, "valid": False, "errors": [{"message": str(err), "node": None}], "warnings": [],
                "nodes": [], "total_params": 0, "total_macs": 0}
    graph = project.graph
    result = validate(graph)
    nodes = []
    for nid in list(result.order) + [n for n in graph.nodes if n not in result.order]:
        node = graph.nodes[nid]
        info = result.outputs.get(nid)
        nodes.append({"id": nid, "name": node.name, "type": node.type,
                      "output_shape": list(info.shape) if info else None,
                      "params": result.params.get(nid), "macs": result.macs.get(nid)})

    def problems(items):
        return [{"message": p.message, "node": graph.nodes[p.node_id].name if p.node_id else None} for p in items]

    summary = {"path": arg, "name": project.name, "valid": result.ok, "nodes": nodes,
               "total_params": result.total_params, "total_macs": result.total_macs,
               "size_mb": round(result.size_mb, 3), "errors": problems(result.errors),
               "warnings": problems(result.warnings)}
    if data_report is not None:
        summary["data"] = data_report
    return summary


def print_summary(s: dict) -> None:
    status = "valid" if s["valid"] else "INVALID"
    print(f"{s['path']}: {status}" + (f" — {s['name']}" if s.get("name") else ""))
    if s["nodes"]:
        width = max(len(n["name"]) for n in s["nodes"])
        for n in s["nodes"]:
            shape = format_shape(n["output_shape"]) if n["output_shape"] is not None else "?"
            params = f"{n['params']:,} params" if n["params"] is not None else ""
            print(f"  {n['name']:<{width}}  {n['type']:<18} {shape:<24} {params}")
        print(f"  total: {s['total_params']:,} parameters, {s['total_macs']:,} multiply-accumulates per sample, "
              f"{s.get('size_mb', 0):.2f} MB")
    for e in s["errors"]:
        print(f"  error: {e['message']}")
    for w in s["warnings"]:
        print(f"  warning: {w['message']}")


def run(args) -> int:
    summaries = [summarise(arg, args) for arg in args.projects]
    if args.json:
        print_json({"valid": all(s["valid"] for s in summaries), "files": summaries})
    else:
        for i, s in enumerate(summaries):
            if i:
                print()
            print_summary(s)
    if not all(s["valid"] for s in summaries):
        if not args.json:
            print(f"\n{sum(not s['valid'] for s in summaries)} of {plural(len(summaries), 'file')} invalid.", file=sys.stderr)
        return 1
    return 0
