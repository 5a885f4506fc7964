"""Project files on disk: reading one safely, writing one atomically, and keeping the files it names reachable.

Loading reads only regular files, refuses absurd sizes before reading and answers bad input with a
`ProjectFileError` naming the field; it never executes or unpickles anything. Saving writes beside the old file and
renames over it, so a failed save leaves the old file intact, and temporary copies left by a crash are cleared on
the next open or save. A file that someone else changed since it was read is not overwritten unawares
(`ChangedOnDiskError`). Data inside the project's folder is named relative to it (so the folder can be moved or
shared); when a project is saved into another folder, the files its records name (weights, variants) are copied
along, so the new folder is complete. Saved under a new name, a project without a name of its own takes the file's
name, and its runs and variants are filed under it (copied to ``runs/<name>/``, see `refile`).
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import glob
import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISBLK, S_ISCHR, S_ISDIR, S_ISFIFO, S_ISREG, S_ISSOCK

from workbench.core.data import DatasetSpec
from workbench.core.errors import ProjectFileError, WorkbenchError
from workbench.core.project.file_format import parse_project_text, project_text, project_to_dict
from workbench.core.project.model import Project
from workbench.core.project.refile import folder_slug, name_after_save, refiled
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.weights import WeightsError, save_weights

MAX_FILE_BYTES = 64 * 1024 * 1024
TEMP_SUFFIX = ".tmp"
STALE_TEMP_S = 60.0  # a save takes well under a second; an older temporary copy was left by a crash


class ChangedOnDiskError(WorkbenchError):
    """The file to be written was changed by someone else (another window, another program) since it was read."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"'{path.name}' was changed on disk since it was opened (by another window or program). "
                         "Saving now would throw those changes away: reload it, save yours as a copy, or overwrite "
                         "it on purpose.")


class WeightsNotSavedError(WorkbenchError):
    """Weights kept in memory (`Project.unsaved_weights`) could not be written, so the project was not saved;
    `reason` is why, in one sentence naming the file."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"{reason} The project was not saved; save it in a folder you can write to, so that the "
                         "run's weights are kept.")


@dataclass(frozen=True)
class FileState:
    """What a file was when last read or written: its modification time, size and content hash."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileState | None:
        """The file's state now (None when there is no file)."""
        try:
            with open(path, "rb") as f:
                stat_result = os.fstat(f.fileno())
                if not S_ISREG(stat_result.st_mode) or stat_result.st_size > MAX_FILE_BYTES:
                    return cls(stat_result.st_mtime_ns, stat_result.st_size, "")
                data = f.read()
        except FileNotFoundError:
            return None
        except OSError:
            return cls(0, -1, "")
        return cls.from_bytes(data, stat_result.st_mtime_ns)

    @classmethod
    def from_bytes(cls, data: bytes, mtime_ns: int) -> FileState:
        return cls(mtime_ns, len(data), hashlib.sha256(data).hexdigest())

    def same_content(self, other: FileState | None) -> bool:
        """The same bytes (a touch that changed only the time counts as unchanged)."""
        return other is not None and other.size == self.size and other.sha256 == self.sha256


def read_project_bytes(path: Path) -> tuple[bytes, int]:
    """(contents, modification time) of a project file: a regular file of at most `MAX_FILE_BYTES`, checked before
    it is read, so a pipe, a device or a huge file is refused at once instead of hanging or filling memory."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ProjectFileError(f"There is no file '{path}'.") from None
    except OSError as exc:
        raise ProjectFileError(f"'{path}' could not be read: {exc.strerror or exc}.") from None
    if S_ISDIR(info.st_mode):
        raise ProjectFileError(f"'{path}' is a folder, not a project file.")
    if not S_ISREG(info.st_mode):
        raise ProjectFileError(f"'{path}' is not a file but {_kind_of(info.st_mode)}, so it is not a Workbench "
                               "project; it was not read.")
    if info.st_size > MAX_FILE_BYTES:
        raise ProjectFileError(f"'{path.name}' is {info.st_size / 1e6:.0f} MB, far larger than a project file can "
                               f"be ({MAX_FILE_BYTES // (1024 * 1024)} MB at most). Is it really a Workbench project?")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a file swapped for a pipe must not hang
        with os.fdopen(fd, "rb") as f:
            opened = os.fstat(f.fileno())
            if not S_ISREG(opened.st_mode):
                raise ProjectFileError(f"'{path}' is not a file but {_kind_of(opened.st_mode)}; it was not read.")
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ProjectFileError(f"'{path}' could not be read: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise ProjectFileError(f"'{path.name}' is larger than a project file can be "
                               f"({MAX_FILE_BYTES // (1024 * 1024)} MB at most). Is it really a Workbench project?")
    return data, opened.st_mtime_ns


def _kind_of(mode: int) -> str:
    if S_ISFIFO(mode):
        return "a pipe"
    if S_ISCHR(mode) or S_ISBLK(mode):
        return "a device"
    if S_ISSOCK(mode):
        return "a socket"
    return "something other than a file"


def decode_project_text(data: bytes, name: str) -> str:
    """The text of a project file: UTF-8, with or without a byte-order mark (as some Windows editors save it), or
    UTF-16 with its byte-order mark (Windows Notepad's "Unicode"); it is saved back as UTF-8."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if any(b < 9 or 13 < b < 32 for b in data[:4096]) or b"\x00" in data:
            raise ProjectFileError(f"'{name}' is not a Workbench project: it is not a text file.") from None
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProjectFileError(
            f"'{name}' is text, but not UTF-8, the encoding Workbench projects are saved in: the byte "
            f"0x{data[exc.start]:02X} at line {line}, column {column} is not UTF-8 (an editor that saves as Latin-1 "
            "or Windows-1252 writes such bytes). Open it in a text editor and save it as UTF-8.") from None


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    data, mtime_ns = read_project_bytes(path)
    remove_stale_temporaries(path)
    text = decode_project_text(data, path.name)
    try:
        project = parse_project_text(text)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{path.name}: {exc}") from None
    project.path = path.resolve()
    project.disk_state = FileState.from_bytes(data, mtime_ns)
    return project


_UNSEEN = object()


def save_project(project: Project, path: str | os.PathLike | None = None, *,
                 base_dir: str | os.PathLike | None = None, expected=_UNSEEN, overwrite: bool = False) -> Path:
    """Writes the project atomically to `path` (default: its own file) and remembers it as the project's location.

    `base_dir` is where the project's relative paths are read from until now (default: its folder; an unsaved
    project's workspace). Saving into another folder copies the files its records name there.

    A file that changed on disk since it was last seen is not overwritten (`ChangedOnDiskError`) unless `overwrite`:
    the project's own file is compared with what it was when opened or last saved; another target with `expected`
    (`FileState.of(target)` when the job began, None if it did not exist), when given.
    """
    target = Path(path) if path is not None else project.path
    if target is None:
        raise WorkbenchError("The project has no file yet: choose where to save it.")
    target = target.resolve()
    if expected is _UNSEEN:
        expected = project.disk_state if project.path is not None and target == Path(project.path).resolve() \
            else _UNSEEN
    if expected is not _UNSEEN and not overwrite:
        now = FileState.of(target)
        if now is not None and not (expected is not None and expected.same_content(now)):
            raise ChangedOnDiskError(target)
    old_folder = Path(base_dir) if base_dir is not None else project.folder
    saved_as = project.path is None or target != Path(project.path).resolve()
    name = name_after_save(project, target) if saved_as else project.name

    def movable(relative: str) -> bool:  # a file there to copy under the new name (or weights still in memory)
        return relative in project.unsaved_weights or (old_folder is not None and (old_folder / relative).is_file())

    runs, variants, moved = refiled(project, folder_slug(target.stem), movable) if saved_as else \
        (list(project.runs), list(project.variants), {})
    unsaved = {moved.get(k, k): v for k, v in project.unsaved_weights.items()}
    saved = dataclasses.replace(project, name=name, runs=runs, variants=variants, unsaved_weights=unsaved)
    data = project_to_dict(saved)
    dataset = portable_dataset(project.dataset, old_folder, target.parent)
    data["dataset"] = dataset.to_dict() if dataset is not None else None
    training = portable_training(project.training, old_folder, target.parent)
    data["training"] = training.to_dict()
    encoded = project_text(saved, data).encode("utf-8")
    written = write_unsaved_weights(saved, target.parent)
    copied = []
    try:
        if old_folder is not None and (Path(old_folder).resolve() != target.parent or moved):
            copied = copy_record_files(project, Path(old_folder), target.parent, moved)
        write_atomically(target, encoded)
    except OSError as exc:
        for path in copied:  # undone: no saved project names them
            path.unlink(missing_ok=True)
        raise WorkbenchError(f"Could not save '{target}': {exc.strerror or exc}. The file on disk is unchanged.") \
            from None
    remove_stale_temporaries(target)
    project.name, project.runs, project.variants, project.unsaved_weights = name, runs, variants, unsaved
    for relative in written:
        project.unsaved_weights.pop(relative, None)
    if project.dataset is not None and dataset.path != project.dataset.path and \
            not Path(project.dataset.path).expanduser().is_absolute():
        project.dataset = dataset  # a relative path must now be read from the new folder
    if any(not Path(v).expanduser().is_absolute() for k, v in (project.training.init_from or {}).items()
           if k in ("weights", "project")):
        project.training = training  # likewise the weights a run starts from
    project.path = target
    project.disk_state = FileState.from_bytes(encoded, target.stat().st_mtime_ns)
    return target


def portable_path(path: str, old_folder: Path | None, new_folder: Path) -> str:
    """A path as written into a project file in `new_folder`: inside that folder it is named relative to it (forward
    slashes), so the folder can be moved or shared whole; elsewhere it is absolute. A relative path is read from
    `old_folder`, where the project was; for a project never saved it is kept as it is."""
    where = Path(path).expanduser()
    if not where.is_absolute():
        if old_folder is None:  # a project never saved: its relative path is meant from where it is saved now
            return path
        where = Path(old_folder) / where
    where = Path(os.path.abspath(where))
    for named, folder in ((where, Path(os.path.abspath(new_folder))), (where.resolve(), Path(new_folder).resolve())):
        if named.is_relative_to(folder):  # as written, or once symbolic links are followed
            return named.relative_to(folder).as_posix()
    return str(where)


def portable_dataset(dataset: DatasetSpec | None, old_folder: Path | None, new_folder: Path) -> DatasetSpec | None:
    """The dataset with its path made portable for a project file in `new_folder` (see `portable_path`)."""
    if dataset is None or not dataset.path:
        return dataset
    return dataclasses.replace(dataset, path=portable_path(dataset.path, old_folder, new_folder))


def portable_training(training: TrainingSettings, old_folder: Path | None, new_folder: Path) -> TrainingSettings:
    """The training settings with the files a run starts from (`init_from`) made portable like the data."""
    if not training.init_from:
        return training
    init_from = {k: portable_path(v, old_folder, new_folder) if k in ("weights", "project") else v
                 for k, v in training.init_from.items()}
    return dataclasses.replace(training, init_from=init_from)


def paths_outside(project: Project) -> list[Path]:
    """The files the project would read from outside its own folder: its data, and the weights or project a run
    starts from. A project shared by someone else can name any file (``../../etc/passwd``): the front ends say so,
    or ask, before anything is read."""
    folder = Path(project.folder).resolve() if project.folder is not None else None
    named = [project.dataset.path] if project.dataset is not None and project.dataset.path else []
    named += [v for k, v in (project.training.init_from or {}).items() if k in ("weights", "project")]
    outside = []
    for name in named:
        path = Path(name).expanduser()
        if not path.is_absolute() and folder is not None:
            path = folder / path
        path = Path(os.path.abspath(path))
        if folder is None or not (path.is_relative_to(folder) and path.resolve().is_relative_to(folder)):
            outside.append(path)
    return list(dict.fromkeys(outside))


def write_unsaved_weights(project: Project, folder: Path) -> list[str]:
    """Writes the weights that runs could not write (kept in memory) into `folder`, at the paths their records
    name; returns those paths. A failure raises a `WorkbenchError` and the weights stay in memory."""
    for relative, weights in project.unsaved_weights.items():
        try:
            save_weights(weights.tensors, folder / relative, weights.node_names)
        except WeightsError as exc:
            raise WeightsNotSavedError(str(exc)) from None
    return list(project.unsaved_weights)


def copy_record_files(project: Project, old_folder: Path, new_folder: Path,
                      moved: dict[str, str] | None = None) -> list[Path]:
    """Copies the files that run and variant records name relative to `old_folder` into `new_folder` (same
    relative place, or the one `moved` gives: a project saved under a new name files them under it), except the
    weights still in memory, which are written from there; see `copy_files`."""
    return copy_files([r for r in project.record_files() if r not in project.unsaved_weights], old_folder,
                      new_folder, moved)


def copy_files(relatives, old_folder: Path, new_folder: Path, moved: dict[str, str] | None = None) -> list[Path]:
    """Copies the files named relative to `old_folder` into `new_folder` (same relative place, or the one `moved`
    gives); paths that are absolute or climb out of the folder are left alone, and so is a file already there.
    Returns the copies. When a copy fails (a full disk), the copies made so far are removed, the one cut short too,
    and the `OSError` raised; the originals are never touched."""
    moved = moved or {}
    copied = []
    for relative in relatives:
        path = Path(relative)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            continue
        source, target = old_folder / path, new_folder / moved.get(relative, relative)
        if source.is_file() and not target.exists():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
            except OSError:
                for made in [*copied, target]:  # a copy cut short would be taken for the file by the next save
                    with contextlib.suppress(OSError):
                        made.unlink()
                raise
            copied.append(target)
    return copied


def write_atomically(target: Path, data: bytes) -> None:
    """Writes `data` beside `target` and renames it over `target`; on failure `target` is untouched."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Deletes the temporary copies that a save of `target` interrupted by a crash left beside it (older than
    `STALE_TEMP_S`, so a save under way in another window is never disturbed); returns what it deleted."""
    removed = []
    deadline = time.time() - STALE_TEMP_S
    try:
        candidates = list(Path(target).parent.glob(f".{glob.escape(Path(target).name)}.*{TEMP_SUFFIX}"))
    except OSError:
        return removed
    for leftover in candidates:
        try:
            if leftover.is_file() and not leftover.is_symlink() and leftover.stat().st_mtime < deadline:
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            continue
    return removed
