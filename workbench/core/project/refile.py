"""Filing a project's runs and variants under its name: ``runs/<name>/<run id>/`` and ``variants/<name>/...``.

A project saved under a new name (Save As) takes that name when it had none of its own ("Untitled", or the old
file's name), and its records' files are filed under the new name: `refiled` gives the records with the new paths
and the map from old to new path; storage copies the files before any record names the new place, so a failure
leaves every run where it was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from workbench.core.project.model import Project

DEFAULT_NAME = "Untitled"
FILED_FOLDERS = ("runs", "variants")


def folder_slug(text: str) -> str:
    """A name as a folder name (letters, digits, '_', '.', '-')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "project"


def name_after_save(project: Project, target: Path) -> str:
    """The project's name once saved as `target`: the file's name when it had none of its own (the default, or the
    name of the file it was saved as before), else its own."""
    old_stem = Path(project.path).stem if project.path is not None else None
    if not project.name or project.name in (DEFAULT_NAME, old_stem):
        return Path(target).stem
    return project.name


def filed_path(path: str, slug: str) -> str:
    """`path` (``runs/<name>/...`` or ``variants/<name>/...``) filed under ``<slug>`` instead."""
    parts = PurePosixPath(path).parts
    if len(parts) > 2 and parts[0] in FILED_FOLDERS and parts[1] != slug and ".." not in parts and \
            not Path(path).is_absolute():
        return PurePosixPath(parts[0], slug, *parts[2:]).as_posix()
    return path


def refiled(project: Project, slug: str, movable: Callable[[str], bool]) -> tuple[list, list, dict[str, str]]:
    """(runs, variants, {old path: new path}) with the records' files under ``runs/<another name>/`` and
    ``variants/<another name>/`` named under ``runs/<slug>/`` and ``variants/<slug>/`` instead, for the paths
    `movable` accepts (those whose file is there to be copied); other paths stay as they are."""
    mapping: dict[str, str] = {}

    def move(path):
        if not path or not movable(path):
            return path
        new = filed_path(path, slug)
        if new != path:
            mapping[path] = new
        return new

    runs = [dataclasses.replace(r, files=dataclasses.replace(r.files, **{k: move(getattr(r.files, k))
                                                                           for k in ("weights", "best", "last",
                                                                                     "state")}))
            for r in project.runs]
    variants = [dataclasses.replace(v, files=dataclasses.replace(v.files, onnx=move(v.files.onnx),
                                                                 weights=move(v.files.weights)))
                for v in project.variants]
    return runs, variants, mapping
