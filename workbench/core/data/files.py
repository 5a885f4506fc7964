"""The user's data files are read only when they are regular files: a pipe (FIFO) would block the import forever
waiting for a writer, and a device such as /dev/zero would be read without end."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workbench.core.errors import DataError


def refuse_special_file(path: Path, what: str) -> None:
    """Raises `DataError` when ``path`` exists but is neither a regular file nor a folder (the callers say what is
    wrong with a missing file or a folder in their own words); ``what`` is what the file should have been."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise DataError(f"{str(path)!r} is not a regular file (it is a pipe, a socket or a device), so it cannot be "
                        f"{what}.")
