"""The breadcrumb over the canvas while it shows the inside of a block: "Network ▸ unit1 (Residual block)", each
part a button that goes back out to that level. Hidden while the canvas shows the network itself."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

SEPARATOR = "▸"


class Breadcrumb(QWidget):
    level_chosen = Signal(int)  # how many blocks deep to go back to (0: the network)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(8, 4, 8, 4)
        self.row.setSpacing(4)
        self.buttons: list[QPushButton] = []
        self.labels: list[str] = []  # what `show_path` was last given
        self.setVisible(False)

    def show_path(self, labels: list[str]) -> None:
        """`labels`: one per block the canvas is inside of, outermost first; empty hides the breadcrumb."""
        self.labels = list(labels)
        while self.row.count():
            widget = self.row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.buttons = []
        for depth, text in enumerate(["Network", *labels]):
            if depth:
                self.row.addWidget(QLabel(SEPARATOR, self))
            button = QPushButton(text, self)
            button.setFlat(True)
            button.setEnabled(depth < len(labels))  # the level shown is where the user is
            button.setToolTip("Back to the network" if depth == 0 else f"Back to {text}")
            button.clicked.connect(lambda _=False, d=depth: self.level_chosen.emit(d))
            self.row.addWidget(button)
            self.buttons.append(button)
        self.row.addStretch(1)
        self.setVisible(bool(labels))

    @property
    def text(self) -> str:
        return f" {SEPARATOR} ".join(b.text() for b in self.buttons)
