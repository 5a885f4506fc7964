"""What the commands share: reading a project argument (file or template, optionally with other data) and output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from workbench.core.project import Project, actions, resolve_project_argument
from workbench.core.project.data import use_data
from workbench.core.project.storage import ChangedOnDiskError, FileState, paths_outside


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary instead")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH",
                        help="run on other data: a CSV file, an image folder, an .npz file or a built-in dataset name")
    parser.add_argument("--target", metavar="COLUMN", help="with a CSV file: the column to predict")
    parser.add_argument("--ignore", metavar="COLUMN,...", help="with a CSV file: columns to leave out")


MAX_THREADS = 256
MAX_NOTES = 12  # import report lines printed by --data (a wide table has one per column)


def thread_count(text: str) -> int:
    """An argparse type: a number of threads from 1 to `MAX_THREADS`."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of threads, got {text!r}") from None
    if not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_THREADS} (this computer has {os.cpu_count()} "
                                         f"cores; got {value})")
    return value


def add_threads_argument(parser: argparse.ArgumentParser, default: int | None, help_text: str) -> None:
    parser.add_argument("--threads", type=thread_count, default=default, metavar="N", help=help_text)


def load_project_arg(arg: str, data: str | None = None, target: str | None = None,
                     ignore: str | None = None) -> Project:
    """Opens a project file or template; with `data`, points it at that dataset (read once: later actions get it
    from the project's data cache), fits Input and head to it and prints the import report as notes on stderr."""
    project = actions.open_project(resolve_project_argument(arg))
    if data:
        ignored = [c.strip() for c in ignore.split(",") if c.strip()] if ignore else None
        report = use_data(project, data, target, ignored).report
        for line in report[:MAX_NOTES]:
            print(f"note: {line}", file=sys.stderr)
        if len(report) > MAX_NOTES:
            print(f"note: ... and {len(report) - MAX_NOTES} more lines of the import report (the app's Data page "
                  "shows them all).", file=sys.stderr)
    elif project.folder is not None:
        for path in paths_outside(project):
            print(f"warning: {project.path.name} reads {path}, which is outside its folder.", file=sys.stderr)
    return project


def output_state(project: Project, out: Path):
    """What the file a command will write looked like when the command began (to notice another program changing
    it meanwhile): the project's own file as it was read, or `out` as it is now (None: there is none yet)."""
    if project.path is not None and Path(project.path).resolve() == out:
        return project.disk_state
    return FileState.of(out)


def save_result(project: Project, out: Path, expected, tag: str) -> Path:
    """Saves to `out`; when another program changed `out` while the command ran, saves beside it instead
    (``<stem>.<tag><suffix>``) and says so, so that neither the result nor their changes are lost."""
    try:
        return actions.save_project(project, out, expected=expected)
    except ChangedOnDiskError:
        beside = out.with_name(f"{out.stem}.{tag}{out.suffix}")
        actions.save_project(project, beside, expected=FileState.of(beside))
        print(f"error: {out.name} was changed by another program while this command ran, so it was not "
              f"overwritten; the result was saved to {beside}.", file=sys.stderr)
        return beside


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1, default=str)
    sys.stdout.write("\n")
