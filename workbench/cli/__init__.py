"""The command line: `workbench` opens the app; `workbench COMMAND ...` runs a job headless on a project file.

Each command lives in its own module under this package, listed in `COMMANDS`, and defines
``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from workbench.core.errors import WorkbenchError

COMMANDS = ["templates", "validate", "train", "evaluate", "doctor", "export", "compress", "bench", "import",
            "search", "cluster-job", "cluster-runs"]
# commands whose module has another name (`import` is a Python keyword)
MODULE_OF = {"import": "import_model", "cluster-job": "cluster_job", "cluster-runs": "cluster_runs"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Design, train, compress and export neural networks. Without a command, opens the app "
                    "(on PROJECT if given: a project file or a template name).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"workbench.cli.{MODULE_OF.get(name, name)}")
        command = module.add_parser(sub)
        command.set_defaults(handler=module.run)
    return parser


def run_command(argv: list[str]) -> int:
    """Runs a subcommand; bad input prints 'error: ...' and exits 2, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except WorkbenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
