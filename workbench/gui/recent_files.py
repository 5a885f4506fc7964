"""The list of recently opened project files, newest first, kept in the user's data folder."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.core.project import write_atomically
from workbench.gui.user_paths import data_dir

MAX_RECENT = 10


class RecentFiles:
    def __init__(self, store: Path | None = None):
        self.store = store or data_dir() / "recent.json"

    def paths(self) -> list[Path]:
        """Recent project files that still exist, newest first."""
        try:
            raw = json.loads(self.store.read_text("utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(raw, list):
            return []
        return [Path(p) for p in raw if isinstance(p, str) and Path(p).is_file()][:MAX_RECENT]

    def add(self, path: Path) -> None:
        path = Path(path).resolve()
        entries = [path] + [p for p in self.paths() if p != path]
        self._write(entries[:MAX_RECENT])

    def clear(self) -> None:
        self._write([])

    def _write(self, entries: list[Path]) -> None:
        try:
            write_atomically(self.store, json.dumps([str(p) for p in entries], indent=1).encode("utf-8"))
        except OSError:
            pass  # a read-only data folder only costs the recent list
