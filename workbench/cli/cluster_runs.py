"""`workbench cluster-runs PROJECT FOLDER`: adds the runs a cluster job trained (its folder, brought back) to the
project, with their weights copied into the project's runs folder, and saves the project."""

from __future__ import annotations

from workbench.cli.common import add_json_flag, load_project_arg, output_state, print_json, save_result
from workbench.core.errors import WorkbenchError
from workbench.core.project import actions, is_template


def add_parser(subparsers):
    parser = subparsers.add_parser("cluster-runs", help="add the runs of a cluster job folder to the project")
    parser.add_argument("project", metavar="PROJECT", help="the project file the job was made from")
    parser.add_argument("folder", metavar="FOLDER", help="the job folder, back from the cluster (or its project file)")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    project = load_project_arg(args.project)
    if project.path is None or is_template(project.path):
        raise WorkbenchError("Bring runs back into a saved project file, not a template.")
    out = project.path
    state = output_state(project, out)
    brought = actions.bring_back_runs(project, args.folder, out.parent)
    brought.add_to(project)
    saved = save_result(project, out, state, "cluster")
    if args.json:
        print_json({"project": str(saved), "runs": [r.id for r in brought.records], "notes": brought.notes})
        return 0
    for record in brought.records:
        print(f"Added {record.title} ({record.status.title}, {record.epochs_done} epochs on {record.device}).")
    for note in brought.notes:
        print(f"note: {note}")
    print(f"Saved {saved}.")
    return 0
