"""What the commands share: reading a project argument (file or template, optionally with other data) and output."""

from __future__ import annotations

import argparse
import json
import sys

from workbench.core.project import Project, actions, resolve_project_argument
from workbench.core.project.data import use_data


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary instead")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH",
                        help="run on other data: a CSV file, an image folder, an .npz file or a built-in dataset name")
    parser.add_argument("--target", metavar="COLUMN", help="with a CSV file: the column to predict")
    parser.add_argument("--ignore", metavar="COLUMN,...", help="with a CSV file: columns to leave out")


def load_project_arg(arg: str, data: str | None = None, target: str | None = None,
                     ignore: str | None = None) -> Project:
    """Opens a project file or template; with `data`, points it at that dataset (read once: later actions get it
    from the project's data cache) and fits Input and head to it."""
    project = actions.open_project(resolve_project_argument(arg))
    if data:
        ignored = [c.strip() for c in ignore.split(",") if c.strip()] if ignore else None
        use_data(project, data, target, ignored)
    return project


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
