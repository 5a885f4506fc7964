"""Workbench: design, train, compress and export neural networks visually."""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_SUFFIX = ".wbproj"
"""The extension of new project files (JSON inside); `.json` projects written before it keep opening."""
PROJECT_SUFFIXES = (PROJECT_SUFFIX, ".json")
"""Extensions that are opened as project files."""

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
