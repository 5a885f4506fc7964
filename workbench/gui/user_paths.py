"""Where the app keeps per-user files (autosaves, recent files, workspaces of unsaved projects).

`data_dir()` is the platform's application-data folder (QStandardPaths.AppDataLocation), or the folder named by the
WORKBENCH_DATA_DIR environment variable, which tests point at a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QStandardPaths

DATA_DIR_VARIABLE = "WORKBENCH_DATA_DIR"


def data_dir() -> Path:
    """The user's data folder for Workbench, created when missing."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        folder = Path(override)
    else:
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        folder = Path(location) if location else Path.home() / ".workbench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
