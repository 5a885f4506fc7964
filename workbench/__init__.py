"""Workbench: design, train, compress and export neural networks visually."""

from pathlib import Path

__version__ = "0.1.0"

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
