"""What the commands share: reading a project argument (file or template, optionally with other data) and output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from workbench.core.data import data_summary
from workbench.core.errors import DataError
from workbench.core.project import Project, actions, resolve_project_argument
from workbench.core.project.data import use_data
from workbench.core.project.storage import ChangedOnDiskError, FileState, paths_outside


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary instead")


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="PATH",
                        help="run on other data: a CSV file, an image folder, an .npz file or a built-in dataset name")
    parser.add_argument("--target", metavar="COLUMN[,COLUMN...]", help="with a CSV file: the column to predict "
                        "(default: the one suggested, named like label, target, class, y, species, ... or of few "
                        "categories); several columns of 0 and 1 are the labels of a multi-label task, a column of "
                        "labels separated by '|' or ';' is one too")
    parser.add_argument("--ignore", metavar="COLUMN,...", help="with a CSV file: columns to leave out")
    parser.add_argument("--categorical", metavar="COLUMN", nargs="+", action="extend", default=[],
                        help="with a CSV file: read these columns as categories, also when they hold numbers")
    parser.add_argument("--numeric", metavar="COLUMN", nargs="+", action="extend", default=[],
                        help="with a CSV file: read these columns as numbers (cells that are not become missing)")
    parser.add_argument("--text", metavar="COLUMN", help="with a CSV file: the column of free text to learn from, "
                        "split into words (for the LSTM and Transformer templates)")
    parser.add_argument("--report", action="store_true",
                        help="with --data: print the whole import report (a line per column), not just the summary")


MAX_THREADS = 256


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


def _column_list(values: list[str]) -> list[str]:
    """Column names given as ``a b`` or ``a,b``."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def declared_kinds(args) -> dict[str, str]:
    """{column: kind} from --categorical and --numeric; a column in both is refused."""
    kinds = {name: "categorical" for name in _column_list(getattr(args, "categorical", []))}
    for name in _column_list(getattr(args, "numeric", [])):
        if kinds.get(name) == "categorical":
            raise DataError(f"Column {name!r} is given to both --categorical and --numeric; choose one.")
        kinds[name] = "numeric"
    return kinds


def load_project_with_data(arg: str, args) -> tuple[Project, dict | None]:
    """`load_project_arg` with the data arguments of `add_data_arguments`; also returns the import report as
    ``{"summary": [...], "report": [...]}`` (None without --data) for --json."""
    project = actions.open_project(resolve_project_argument(arg))
    if not args.data:
        if project.folder is not None:
            for path in paths_outside(project):
                print(f"warning: {project.path.name} reads {path}, which is outside its folder.", file=sys.stderr)
        return project, None
    ignored = [c.strip() for c in args.ignore.split(",") if c.strip()] if args.ignore else None
    dataset = use_data(project, args.data, args.target, ignored, kinds=declared_kinds(args), text=args.text)
    report = {"summary": data_summary(dataset), "report": list(dataset.report)}
    for line in report["report" if args.report else "summary"]:
        print(f"note: {line}", file=sys.stderr)
    if not args.report and report["summary"] != report["report"]:
        print("note: --report prints the whole import report (a line per column).", file=sys.stderr)
    return project, report


def load_project_arg(arg: str) -> Project:
    """Opens a project file or template (warning about files it reads from outside its folder)."""
    return load_project_with_data(arg, argparse.Namespace(data=None))[0]


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
