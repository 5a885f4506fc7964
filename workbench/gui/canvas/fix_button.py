"""The one-click repair under a layer at fault: a small button that says what it will do ("Insert Flatten before
'dense1'"). Clicking it asks the scene to apply the problem's `Fix`; the editor makes it one undoable edit."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsItem

from workbench.core.graph.validate import Fix

FONT_SIZE = 8.0
PAD_X, HEIGHT = 8.0, 20.0
GAP = 7.0  # between the card and the button


class FixButtonItem(QGraphicsItem):
    def __init__(self, parent: QGraphicsItem, fix: Fix, top: float):
        super().__init__(parent)
        self.fix = fix
        self.hovered = False
        self._font = QFont()
        self._font.setPointSizeF(FONT_SIZE)
        self.text = "\u2692 " + fix.title
        width = QFontMetricsF(self._font).horizontalAdvance(self.text) + 2 * PAD_X
        self._rect = QRectF(0, 0, width, HEIGHT)
        self.setPos(0, top + GAP)
        self.setZValue(3)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{fix.title} (one step; Undo takes it back)")

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter, option, widget=None):
        theme = self.scene().theme
        painter.setPen(QPen(theme.accent, 1.4 if self.hovered else 1.0))
        fill = theme.accent if self.hovered else theme.label_fill
        painter.setBrush(fill)
        painter.drawRoundedRect(self._rect, HEIGHT / 2, HEIGHT / 2)
        painter.setFont(self._font)
        painter.setPen(theme.label_fill if self.hovered else theme.accent)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)

    def hoverEnterEvent(self, event):
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event):
        self.hovered = False
        self.update()

    def mousePressEvent(self, event):
        event.accept()  # the press is the button's: the layer under it does not start a drag

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._rect.contains(event.pos()):
            self.scene().fix_requested.emit(self.fix)
        event.accept()
