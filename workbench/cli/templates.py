"""`workbench templates`: the shipped templates, usable wherever a project path is."""

from __future__ import annotations

from workbench.cli.common import add_json_flag, print_json
from workbench.core.project import load_project, template_names, template_path


def add_parser(subparsers):
    parser = subparsers.add_parser("templates", help="list the shipped templates")
    add_json_flag(parser)
    return parser


def run(args) -> int:
    rows = []
    for name in template_names():
        project = load_project(template_path(name))
        spec = project.dataset
        dataset = (spec.name or spec.source) if spec is not None else "(choose data)"
        rows.append({"name": name, "title": project.name, "dataset": dataset, "description": project.description,
                     "path": str(template_path(name))})
    if args.json:
        print_json({"templates": rows})
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['title']} — on {r['dataset']}")
        print(f"{'':<{width}}  {r['description']}")
    return 0
