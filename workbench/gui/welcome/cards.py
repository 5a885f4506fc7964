"""`ChoiceCard`: one choice of the welcome page, a large button with a picture or a symbol, a title and a line or two
about what it is good for. It takes the keyboard focus with Tab and is pressed with Space or Enter."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

CARD_STYLE = """
QPushButton#choice_card { text-align: left; border: 1px solid palette(mid); border-radius: 8px;
                          background: palette(base); }
QPushButton#choice_card:hover { border: 1px solid #3d8bfd; }
QPushButton#choice_card:focus { border: 2px solid #3d8bfd; }
QPushButton#choice_card:pressed { background: palette(alternate-base); }
"""


class ChoiceCard(QPushButton):
    def __init__(self, title: str, lines: list[str], picture: QPixmap | None = None, symbol: str = "",
                 width: int = 220, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("choice_card")
        self.setStyleSheet(CARD_STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoDefault(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName(title)
        self.title = title
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        if picture is not None:
            image = QLabel(self)
            image.setPixmap(picture)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(image)
        elif symbol:
            mark = QLabel(symbol, self)
            mark.setStyleSheet("font-size: 22pt;")
            layout.addWidget(mark)
        heading = QLabel(title, self)
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: 600; font-size: 11pt;")
        layout.addWidget(heading)
        for line in lines:
            text = QLabel(line, self)
            text.setWordWrap(True)
            text.setStyleSheet("color: palette(placeholder-text);" if line is not lines[0] else "")
            layout.addWidget(text)
        layout.addStretch(1)
        for child in self.findChildren(QLabel):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFixedWidth(width)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.MinimumExpanding)

    def sizeHint(self) -> QSize:
        return self.layout().sizeHint().expandedTo(QSize(self.width(), 0))

    def minimumSizeHint(self) -> QSize:
        return self.layout().minimumSize()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.click()
            return
        super().keyPressEvent(event)
