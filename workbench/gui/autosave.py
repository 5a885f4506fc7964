"""Autosave and crash recovery.

While the project has unsaved changes, a copy is written to ``<data dir>/autosave/<session>.json`` two seconds after
the last edit (edits in quick succession are written once) and whenever the window loses focus.
Each running session holds a lock file beside its copy; a copy whose lock nobody holds any more was left by a
session that crashed, and the next start offers to restore it. A clean exit or a save removes the copy.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer
from PySide6.QtGui import QGuiApplication

from workbench.core.errors import ProjectFileError
from workbench.core.project import Project, project_from_dict, project_to_dict, write_atomically
from workbench.core.project.storage import FileState
from workbench.gui.user_paths import data_dir

AUTOSAVE_DELAY_MS = 2_000  # after the last edit


def autosave_dir() -> Path:
    folder = data_dir() / "autosave"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Leftover:
    """An autosaved copy left by a session that did not close properly."""

    path: Path
    lock: QLockFile  # held by us while we decide; released by `discard`
    saved_at: float
    project_name: str
    original_path: str | None

    def load(self) -> tuple[Project, str | None]:
        """The project (pointing at its original file, if it had one) and its workspace key."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
            project = project_from_dict(data["project"])
            state = data.get("original_state")
            disk_state = FileState(**state) if isinstance(state, dict) else None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProjectFileError(f"The autosaved copy could not be read ({exc}).") from None
        if self.original_path:
            project.path = Path(self.original_path)
            project.disk_state = disk_state  # what the file was when the lost session had it open
        return project, data.get("workspace")

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.lock.unlock()


def find_leftovers() -> list[Leftover]:
    """Autosaved copies of crashed sessions, newest first (each one's lock is taken so no one else restores it)."""
    found = []
    for path in autosave_dir().glob("*.json"):
        lock = QLockFile(str(path.with_suffix(".lock")))
        lock.setStaleLockTime(0)
        if not lock.tryLock(0):
            continue  # a running session owns it
        try:
            data = json.loads(path.read_text("utf-8"))
            leftover = Leftover(path, lock, float(data["saved_at"]), str(data["project"].get("name", "Untitled")),
                                data.get("original_path"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            path.unlink(missing_ok=True)
            lock.unlock()
            continue
        found.append(leftover)
    return sorted(found, key=lambda item: item.saved_at, reverse=True)


class Autosaver(QObject):
    """Writes the document to this session's autosave file soon after each edit and when the window loses focus."""

    def __init__(self, document, interval_ms: int = AUTOSAVE_DELAY_MS, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.session = uuid.uuid4().hex[:12]
        folder = autosave_dir()
        self.path = folder / f"{self.session}.json"
        self.lock = QLockFile(str(folder / f"{self.session}.lock"))
        self.lock.setStaleLockTime(0)
        self.lock.tryLock(0)
        self.timer = QTimer(self)  # restarted by every edit: fires once the user pauses
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self._unwritten = False  # an edit since the copy was last written
        document.changed.connect(self._edited)
        document.dirty_changed.connect(self._dirty_changed)
        app = QGuiApplication.instance()
        app.focusWindowChanged.connect(self._focus_moved)
        app.applicationStateChanged.connect(self._focus_moved)
        if document.is_dirty:
            self._edited()

    def _edited(self) -> None:
        self._unwritten = True
        self.timer.start()

    def _dirty_changed(self, dirty: bool) -> None:
        if dirty:
            self._edited()
        else:
            self.timer.stop()
            self._unwritten = False
            self.path.unlink(missing_ok=True)

    def _focus_moved(self, *_):
        """Focus went to another window or application: what is not written yet is written now."""
        if self._unwritten:
            self.save_now()

    def save_now(self) -> bool:
        """Writes the copy now if there is anything unsaved; returns whether it wrote."""
        self.timer.stop()
        if not self.document.is_dirty:
            return False
        project = self.document.project
        data = {"saved_at": time.time(), "original_path": str(project.path) if project.path else None,
                "original_state": dataclasses.asdict(project.disk_state) if project.disk_state else None,
                "workspace": self.document.workspace_key, "project": project_to_dict(project)}
        try:
            write_atomically(self.path, json.dumps(data, allow_nan=False).encode("utf-8"))
        except (OSError, ValueError):
            return False  # autosave is a safety net; a failure must not interrupt the user
        self._unwritten = False
        return True

    def close(self) -> None:
        """A clean exit: the copy is no longer needed."""
        self.timer.stop()
        self._unwritten = False
        self.path.unlink(missing_ok=True)
        self.lock.unlock()
