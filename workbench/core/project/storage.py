"""Project files on disk: reading one safely, writing one atomically, and keeping the files it names reachable.

Loading refuses absurd sizes before reading and answers bad input with a `ProjectFileError` naming the field; it
never executes or unpickles anything. Saving writes beside the old file and renames over it, so a failed save leaves
the old file intact. Data inside the project's folder is named relative to it (so the folder can be moved or
shared); when a project is saved into another folder, the files its records name (weights, variants) are copied
along, so the new folder is complete.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

from workbench.core.data import DatasetSpec
from workbench.core.errors import ProjectFileError, WorkbenchError
from workbench.core.project.file_format import parse_project_text, project_text, project_to_dict
from workbench.core.project.model import Project

MAX_FILE_BYTES = 64 * 1024 * 1024


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ProjectFileError(f"There is no file '{path}'.") from None
    if path.is_dir():
        raise ProjectFileError(f"'{path}' is a folder, not a project file.")
    if size > MAX_FILE_BYTES:
        raise ProjectFileError(f"'{path.name}' is {size / 1e6:.0f} MB, far larger than a project file can be "
                               f"({MAX_FILE_BYTES // (1024 * 1024)} MB at most). Is it really a Workbench project?")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ProjectFileError(f"'{path.name}' is not a Workbench project: it is not a text file.") from None
    except OSError as exc:
        raise ProjectFileError(f"'{path}' could not be read: {exc.strerror or exc}.") from None
    try:
        project = parse_project_text(text)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{path.name}: {exc}") from None
    project.path = path.resolve()
    return project


def save_project(project: Project, path: str | os.PathLike | None = None, *,
                 base_dir: str | os.PathLike | None = None) -> Path:
    """Writes the project atomically to `path` (default: its own file) and remembers it as the project's location.

    `base_dir` is where the project's relative paths are read from until now (default: its folder; an unsaved
    project's workspace). Saving into another folder copies the files its records name there.
    """
    target = Path(path) if path is not None else project.path
    if target is None:
        raise WorkbenchError("The project has no file yet: choose where to save it.")
    target = target.resolve()
    old_folder = Path(base_dir) if base_dir is not None else project.folder
    data = project_to_dict(project)
    dataset = portable_dataset(project.dataset, old_folder, target.parent)
    data["dataset"] = dataset.to_dict() if dataset is not None else None
    text = project_text(project, data)
    try:
        if old_folder is not None and Path(old_folder).resolve() != target.parent:
            copy_record_files(project, Path(old_folder), target.parent)
        write_atomically(target, text.encode("utf-8"))
    except OSError as exc:
        raise WorkbenchError(f"Could not save '{target}': {exc.strerror or exc}. The file on disk is unchanged.") \
            from None
    if project.dataset is not None and dataset.path != project.dataset.path and \
            not Path(project.dataset.path).expanduser().is_absolute():
        project.dataset = dataset  # a relative path must now be read from the new folder
    project.path = target
    return target


def portable_dataset(dataset: DatasetSpec | None, old_folder: Path | None, new_folder: Path) -> DatasetSpec | None:
    """The dataset as written into a project file in `new_folder`: data inside that folder is named relative to it
    (forward slashes), so the folder can be moved or shared whole; data elsewhere keeps its absolute path. A relative
    path is read from `old_folder`, where the project was; a project never saved keeps it as is."""
    if dataset is None or not dataset.path:
        return dataset
    where = Path(dataset.path).expanduser()
    if not where.is_absolute():
        if old_folder is None:  # a project never saved: its relative path is meant from where it is saved now
            return dataset
        where = Path(old_folder) / where
    where = Path(os.path.abspath(where))
    for data, folder in ((where, Path(os.path.abspath(new_folder))), (where.resolve(), Path(new_folder).resolve())):
        if data.is_relative_to(folder):  # as written, or once symbolic links are followed
            return dataclasses.replace(dataset, path=data.relative_to(folder).as_posix())
    return dataclasses.replace(dataset, path=str(where))


def copy_record_files(project: Project, old_folder: Path, new_folder: Path) -> list[Path]:
    """Copies the files that run and variant records name relative to `old_folder` into `new_folder` (same
    relative place); paths that are absolute or climb out of the folder are left alone. Returns the copies."""
    copied = []
    for relative in project.record_files():
        path = Path(relative)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            continue
        source, target = old_folder / path, new_folder / path
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied.append(target)
    return copied


def write_atomically(target: Path, data: bytes) -> None:
    """Writes `data` beside `target` and renames it over `target`; on failure `target` is untouched."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
