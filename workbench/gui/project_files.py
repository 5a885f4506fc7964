"""File commands of the window: New, Open, Save, Save As, Recent files, and the prompt before losing work.

Dialogs are reached through the small `ask_*` methods (tests replace them). A file that cannot be read is reported
in a message box and the current project stays open.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from workbench import PROJECT_SUFFIX, PROJECT_SUFFIXES
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project, actions, open_template
from workbench.core.project.storage import ChangedOnDiskError, paths_outside
from workbench.gui.recent_files import RecentFiles
from workbench.gui.trusted_data import TrustedData

FILE_FILTER = f"Workbench projects ({' '.join('*' + s for s in PROJECT_SUFFIXES)});;All files (*)"


class ProjectFiles(QObject):
    def __init__(self, document, window: QWidget, recent: RecentFiles | None = None,
                 trusted: TrustedData | None = None):
        super().__init__(window)
        self.document = document
        self.window = window
        self.recent = recent or RecentFiles()
        self.trusted = trusted or TrustedData()
        document.path_changed.connect(self._remember_path)  # a save from anywhere (the Export page's too) or an open

    # --- dialogs (replaced in tests) --------------------------------------------------------------------------------

    def ask_open_path(self) -> str | None:
        start = str(self.document.project.folder or Path.home())
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", start, FILE_FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        project = self.document.project
        start = project.path or (Path.home() / f"{_file_stem(project.name)}{PROJECT_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", str(start), FILE_FILTER)
        if not path:
            return None
        return path if path.lower().endswith(PROJECT_SUFFIXES) else path + PROJECT_SUFFIX

    def ask_save_changes(self) -> QMessageBox.StandardButton:
        name = self.document.project.name
        return QMessageBox.question(
            self.window, "Unsaved changes", f"Save the changes to “{name}” first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

    def show_error(self, title: str, message: str) -> None:
        QMessageBox.warning(self.window, title, message)

    def ask_read_outside(self, name: str, paths: list[Path]) -> bool:
        """Whether the project `name` may read these files outside its folder."""
        listed = "\n".join(f"    {p}" for p in paths)
        answer = QMessageBox.question(
            self.window, "Files outside the project's folder",
            f"“{name}” reads files from outside its own folder:\n\n{listed}\n\nA project made by someone else can "
            "name any file on this computer. Open it and read these files only if you trust where it came from.",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Open

    def ask_changed_on_disk(self) -> str:
        """"reload", "copy", "overwrite" or "cancel": what to do with a file someone else changed since it was
        opened."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Changed on disk",
                          f"“{self.document.project.path.name}” was changed on disk since you opened it, by another "
                          "window or program. What should happen to your changes?", parent=self.window)
        choices = {box.addButton("Save mine as a copy…", QMessageBox.ButtonRole.AcceptRole): "copy",
                   box.addButton("Reload from disk (lose mine)", QMessageBox.ButtonRole.DestructiveRole): "reload",
                   box.addButton("Overwrite the file with mine", QMessageBox.ButtonRole.DestructiveRole): "overwrite",
                   box.addButton(QMessageBox.StandardButton.Cancel): "cancel"}
        box.exec()
        return choices.get(box.clickedButton(), "cancel")

    # --- commands -----------------------------------------------------------------------------------------------------

    def confirm_discard(self) -> bool:
        """True when the current project may be replaced or closed (saved first if the user asks)."""
        if not self.document.is_dirty:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def _may_replace(self) -> bool:
        busy = self.document.busy_reason
        if busy:
            self.show_error("Please wait", f"{busy}: finish or stop it before opening another project.")
            return False
        return self.confirm_discard()

    def new_blank(self) -> bool:
        if not self._may_replace():
            return False
        self.document.replace_project(Project())
        return True

    def new_from_template(self, name: str) -> bool:
        if not self._may_replace():
            return False
        try:
            project = open_template(name)
        except WorkbenchError as exc:
            self.show_error("Cannot open template", str(exc))
            return False
        self.document.replace_project(project)
        return True

    def open(self) -> bool:
        if not self._may_replace():
            return False
        path = self.ask_open_path()
        return self._load(path) if path else False

    def open_path(self, path: str | Path) -> bool:
        """Opens a file (Recent, drop, command line) after the unsaved-work prompt."""
        if not self._may_replace():
            return False
        return self._load(path)

    def _load(self, path: str | Path) -> bool:
        try:
            project = actions.open_project(path)
        except WorkbenchError as exc:
            self.show_error("Cannot open project", str(exc))
            return False
        outside = paths_outside(project)
        if outside and not self.trusted.allows(project.path, outside):
            if not self.ask_read_outside(project.path.name, outside):
                return False
            self.trusted.allow(project.path, outside)
        self.document.replace_project(project)  # its path goes into recent files (`_remember_path`)
        return True

    def save(self) -> bool:
        if self.document.project.path is None:
            return self.save_as()
        return self._save_to(None)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return self._save_to(path) if path else False

    def _save_to(self, path: str | None, overwrite: bool = False) -> bool:
        try:
            self.document.save(path, overwrite=overwrite)
        except ChangedOnDiskError:
            return self._changed_on_disk(path)
        except (WorkbenchError, OSError) as exc:
            self.show_error("Cannot save project", str(exc))
            return False
        return True

    def _remember_path(self) -> None:
        if self.document.project.path is not None:
            self.recent.add(self.document.project.path)


    def _changed_on_disk(self, path: str | None) -> bool:
        choice = self.ask_changed_on_disk()
        if choice == "overwrite":
            return self._save_to(path, overwrite=True)
        if choice == "copy":
            return self.save_as()
        if choice == "reload":
            return self._load(self.document.project.path)
        return False


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip().replace(" ", "-")
    return stem.lower() or "project"
