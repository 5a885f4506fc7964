"""The files outside a project's folder that the user allowed the project to read, remembered in the user's data
folder so that their own projects (data in Downloads, say) ask once, while a project from elsewhere that names
``../../etc/passwd`` is never read without asking."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.core.project import write_atomically
from workbench.gui.user_paths import data_dir

MAX_ENTRIES = 500


class TrustedData:
    def __init__(self, store: Path | None = None):
        self.store = store or data_dir() / "trusted-data.json"

    def _entries(self) -> list[list[str]]:
        try:
            raw = json.loads(self.store.read_text("utf-8"))
        except (OSError, ValueError):
            return []
        return [e for e in raw if isinstance(e, list) and len(e) == 2 and all(isinstance(v, str) for v in e)] \
            if isinstance(raw, list) else []

    def allows(self, project_path: Path, paths: list[Path]) -> bool:
        known = {tuple(e) for e in self._entries()}
        return all((str(Path(project_path).resolve()), str(p)) in known for p in paths)

    def allow(self, project_path: Path, paths: list[Path]) -> None:
        entries = self._entries()
        for path in paths:
            entry = [str(Path(project_path).resolve()), str(path)]
            if entry not in entries:
                entries.append(entry)
        try:
            write_atomically(self.store, json.dumps(entries[-MAX_ENTRIES:], indent=1).encode("utf-8"))
        except OSError:
            pass  # a read-only data folder only means asking again next time
