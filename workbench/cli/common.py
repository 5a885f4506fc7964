"""What the commands share: reading a project argument (file or template, optionally with other data) and output."""

from __future__ import annotations

import argparse
import json
import sys

from workbench.core.project import Project, load_project, resolve_project_argument


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary instead")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH",
                        help="run on other data: a CSV file, an image folder, an .npz file or a built-in dataset name")
    parser.add_argument("--target", metavar="COLUMN", help="with a CSV file: the column to predict")
    parser.add_argument("--ignore", metavar="COLUMN,...", help="with a CSV file: columns to leave out")


def load_project_arg(arg: str, data: str | None = None, target: str | None = None,
                     ignore: str | None = None) -> Project:
    """Loads a project file or template; with `data`, points it at that dataset and fits Input and head to it."""
    project = load_project(resolve_project_argument(arg))
    if data:
        from workbench.core.data import load_dataset, resolve_data_argument
        from workbench.core.data_fit import fit_graph_to_dataset

        ignored = [c.strip() for c in ignore.split(",") if c.strip()] if ignore else None
        spec = resolve_data_argument(data, target=target, ignore=ignored)
        dataset = load_dataset(spec)
        project.dataset = spec.to_dict()
        fit_graph_to_dataset(project.graph, dataset)
    return project


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
