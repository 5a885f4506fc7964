"""Entry point: `workbench` (or `python -m workbench`) opens the app; `workbench COMMAND ...` runs headless."""

from __future__ import annotations

import gc
import sys

from workbench.cli import COMMANDS, run_command


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv

    if argv and (argv[0] in COMMANDS or argv[0].startswith("-")):
        return run_command(argv)
    if len(argv) > 1:
        print(f"error: unknown command {argv[0]!r}; see 'workbench --help'", file=sys.stderr)
        return 2
    gc.disable()  # until the window's first frame: see workbench/gui/app.py
    from workbench.gui.app import run_app  # lazy
    return run_app(argv[0] if argv else None)


if __name__ == "__main__":
    sys.exit(main())
