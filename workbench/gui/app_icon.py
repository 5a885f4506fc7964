"""The app's icon (resources/icons/workbench-*.png, drawn from workbench.svg) for the window and the About box."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from workbench import RESOURCES_DIR

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The Workbench icon at every size shipped; Qt picks the one closest to what it draws."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(RESOURCES_DIR / "icons" / f"workbench-{size}.png"))
    return icon
