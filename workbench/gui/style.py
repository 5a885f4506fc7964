"""Colours and fonts of the editor, following the system's light or dark palette.

`current_theme()` derives the canvas colours from the application palette, so the canvas matches the rest of the
window in light and dark mode; `category_colour()` gives each layer category its own hue, chosen to read on both.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

CATEGORY_COLOURS = {
    "Input & output": "#2f9e6e",
    "Dense": "#3f7fd6",
    "Convolution": "#7a5cd6",
    "Pooling": "#1f9bb0",
    "Normalisation": "#c4862b",
    "Activation": "#d0583c",
    "Structure": "#6b7a8f",
    "Merge": "#c1447e",
    "Sequence": "#5a8f2e",
}


def category_colour(category: str) -> QColor:
    return QColor(CATEGORY_COLOURS.get(category, "#6b7a8f"))


@dataclass(frozen=True)
class Theme:
    dark: bool
    canvas: QColor
    grid: QColor
    node_body: QColor
    node_border: QColor
    text: QColor
    muted_text: QColor
    wire: QColor
    wire_broken: QColor
    label_fill: QColor
    label_text: QColor
    accent: QColor
    error: QColor
    error_fill: QColor
    warning: QColor
    banner_fill: QColor
    banner_text: QColor


def is_dark_mode() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def current_theme() -> Theme:
    dark = is_dark_mode()
    palette = QGuiApplication.palette()
    accent = palette.color(QPalette.ColorRole.Highlight)
    if accent.saturation() < 60:  # a grey highlight would not stand out on the canvas
        accent = QColor("#3d8bfd")
    if dark:
        return Theme(True, canvas=QColor("#1e2127"), grid=QColor("#2f333b"), node_body=QColor("#2a2e36"),
                     node_border=QColor("#3e434d"), text=QColor("#e8eaee"), muted_text=QColor("#9aa1ad"),
                     wire=QColor("#7d8594"), wire_broken=QColor("#5b616c"), label_fill=QColor("#2a2e36"),
                     label_text=QColor("#d4d8df"), accent=accent, error=QColor("#ff5c5c"),
                     error_fill=QColor("#3d2226"), warning=QColor("#f0b03f"), banner_fill=QColor("#3a2024"),
                     banner_text=QColor("#ffd9d9"))
    return Theme(False, canvas=QColor("#f4f5f7"), grid=QColor("#d9dce1"), node_body=QColor("#ffffff"),
                 node_border=QColor("#c9cdd4"), text=QColor("#1d2025"), muted_text=QColor("#6a717d"),
                 wire=QColor("#8a919c"), wire_broken=QColor("#b9bec6"), label_fill=QColor("#ffffff"),
                 label_text=QColor("#323741"), accent=accent, error=QColor("#d93636"), error_fill=QColor("#fdecec"),
                 warning=QColor("#c98a0b"), banner_fill=QColor("#fdecec"), banner_text=QColor("#8a1c1c"))
