"""The shipped templates (resources/templates/*.json): their names, their files, and opening one as a new project."""

from __future__ import annotations

from pathlib import Path

from workbench import RESOURCES_DIR
from workbench.core.errors import ProjectFileError
from workbench.core.project.model import Project
from workbench.core.project.storage import load_project

TEMPLATES_DIR = RESOURCES_DIR / "templates"
DEMO_TEMPLATE = "cnn"


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.json"))


def template_path(name: str) -> Path:
    return TEMPLATES_DIR / f"{name}.json"


def is_template(path: Path | None) -> bool:
    return path is not None and Path(path).resolve().parent == TEMPLATES_DIR.resolve()


def resolve_project_argument(arg: str) -> Path:
    """A path to an existing project file, or the name of a shipped template."""
    path = Path(arg)
    if path.exists() or path.is_symlink():  # a broken link or a loop is read, and named as such
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
