"""The project file: one versioned JSON document with the graph, the dataset, the training settings and the runs.

Loading checks everything and answers bad input with a `ProjectFileError` naming the field; it never executes or
unpickles anything and refuses absurd sizes before building anything. Saving is atomic: the new file is written
beside the old one and renamed over it, so a failed save leaves the old file intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from workbench import RESOURCES_DIR
from workbench.core.errors import ProjectFileError, WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.graph.serialize import MAX_EDGES, MAX_NODES, graph_from_dict, graph_to_dict, positions_to_dict

FORMAT_NAME = "workbench-project"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
TEMPLATES_DIR = RESOURCES_DIR / "templates"
DEMO_TEMPLATE = "cnn"


@dataclass
class Project:
    graph: Graph = field(default_factory=Graph)
    name: str = "Untitled"
    description: str = ""
    dataset: dict | None = None  # the DatasetSpec as saved (workbench.core.data)
    training: dict = field(default_factory=dict)  # training settings as saved (workbench.core.training)
    runs: list[dict] = field(default_factory=list)  # one record per training run, oldest first
    extra: dict = field(default_factory=dict)  # sections added by later features, kept as they are
    path: Path | None = None

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None


def project_to_dict(project: Project) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": project.name,
        "description": project.description,
        "graph": graph_to_dict(project.graph),
        "ui": {"positions": positions_to_dict(project.graph)},
        "dataset": project.dataset,
        "training": project.training,
        "runs": project.runs,
        **project.extra,
    }


KNOWN_SECTIONS = {"format", "version", "name", "description", "graph", "ui", "dataset", "training", "runs"}


def project_from_dict(data) -> Project:
    if not isinstance(data, dict):
        raise ProjectFileError("This is not a Workbench project: the file holds JSON, but not an object.")
    if data.get("format") != FORMAT_NAME:
        raise ProjectFileError(f"This is not a Workbench project: expected 'format' to be {FORMAT_NAME!r}.",
                               "format")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectFileError("expected a whole number from 1", "version")
    if version > FORMAT_VERSION:
        raise ProjectFileError(f"This project was saved by a newer Workbench (file format {version}; this "
                               f"version reads up to {FORMAT_VERSION}). Update Workbench to open it.", "version")
    name = data.get("name", "Untitled")
    if not isinstance(name, str):
        raise ProjectFileError("expected text", "name")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ProjectFileError("expected text", "description")
    if "graph" not in data:
        raise ProjectFileError("this field is missing", "graph")
    ui = data.get("ui") or {}
    if not isinstance(ui, dict):
        raise ProjectFileError("expected an object", "ui")
    positions = ui.get("positions") or {}
    if not isinstance(positions, dict):
        raise ProjectFileError("expected an object of node positions", "ui.positions")
    graph = graph_from_dict(data["graph"], positions)

    dataset = data.get("dataset")
    if dataset is not None:
        from workbench.core.data import DatasetSpec
        dataset = DatasetSpec.from_dict(dataset, "dataset").to_dict()
    training = data.get("training") or {}
    if not isinstance(training, dict):
        raise ProjectFileError("expected an object of training settings", "training")
    runs = data.get("runs") or []
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        raise ProjectFileError("expected a list of run records", "runs")
    extra = {k: v for k, v in data.items() if k not in KNOWN_SECTIONS}
    return Project(graph, name, description, dataset, training, runs, extra)


MAX_JSON_OBJECTS = MAX_NODES + MAX_EDGES + 10_000


def _count_objects():
    count = 0

    def hook(pairs):
        nonlocal count
        count += 1
        if count > MAX_JSON_OBJECTS:
            raise ProjectFileError(f"This file holds more entries than any project can (at most {MAX_NODES:,} "
                                   f"layers and {MAX_EDGES:,} connections); it was not opened.")
        return dict(pairs)
    return hook


def parse_project_text(text: str) -> Project:
    if not text.strip():
        raise ProjectFileError("The file is empty.")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_count_objects())
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"This is not a Workbench project: it is not valid JSON ({exc.msg} at line "
                               f"{exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise ProjectFileError("This is not a Workbench project: its JSON is nested too deeply.") from None
    return project_from_dict(data)


def _refuse_constant(name: str):
    raise ProjectFileError(f"This is not a Workbench project: it contains {name}, which JSON does not allow.")


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


def save_project(project: Project, path: str | os.PathLike | None = None) -> Path:
    """Writes the project atomically and remembers `path` as its location."""
    target = Path(path) if path is not None else project.path
    if target is None:
        raise WorkbenchError("The project has no file yet: choose where to save it.")
    target = target.resolve()
    data = project_to_dict(project)
    data["dataset"] = portable_dataset(project.dataset, project.folder, target.parent)
    text = json.dumps(data, indent=1, allow_nan=False)
    try:
        write_atomically(target, text.encode("utf-8"))
    except OSError as exc:
        raise WorkbenchError(f"Could not save '{target}': {exc.strerror or exc}. The file on disk is unchanged.") \
            from None
    if project.dataset is not None and project.dataset.get("path") != data["dataset"].get("path") and \
            not Path(project.dataset["path"]).expanduser().is_absolute():
        project.dataset = data["dataset"]  # a relative path must now be read from the new folder
    project.path = target
    return target


def portable_dataset(dataset: dict | None, old_folder: Path | None, new_folder: Path) -> dict | None:
    """The dataset section as written into a project file in `new_folder`: data inside that folder is named
    relative to it (forward slashes), so the folder can be moved or shared whole; data elsewhere keeps its absolute
    path. A relative path is read from `old_folder`, where the project was; a project never saved keeps it as is."""
    if not dataset or not dataset.get("path"):
        return dataset
    where = Path(dataset["path"]).expanduser()
    if not where.is_absolute():
        if old_folder is None:  # a project never saved: its relative path is meant from where it is saved now
            return dataset
        where = Path(old_folder) / where
    where = Path(os.path.abspath(where))
    for data, folder in ((where, Path(os.path.abspath(new_folder))), (where.resolve(), Path(new_folder).resolve())):
        if data.is_relative_to(folder):  # as written, or once symbolic links are followed
            return {**dataset, "path": data.relative_to(folder).as_posix()}
    return {**dataset, "path": str(where)}


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


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.json"))


def template_path(name: str) -> Path:
    return TEMPLATES_DIR / f"{name}.json"


def resolve_project_argument(arg: str) -> Path:
    """A path to an existing project file, or the name of a shipped template."""
    path = Path(arg)
    if path.exists():
        return path
    if template_path(arg).exists():
        return template_path(arg)
    raise ProjectFileError(f"There is no project file or template called '{arg}'. "
                           f"Templates: {', '.join(template_names())}.")


def open_template(name: str) -> Project:
    """A template as a new, unsaved project."""
    project = load_project(template_path(name))
    project.path = None
    return project
