"""A port on a node: the dot a wire starts from or ends at. Dragging from it asks the scene to draw a wire."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

PORT_RADIUS = 6.0
HIT_RADIUS = 11.0
BOUNDS = QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)


class PortItem(QGraphicsItem):
    def __init__(self, parent, name: str, is_output: bool, multi: bool):
        super().__init__(parent)
        self.name = name
        self.is_output = is_output
        self.multi = multi  # takes several wires (Add, Concat): drawn as a pill
        self.highlighted = False  # a valid end for the wire being dragged
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        kind = "output" if is_output else ("input (takes several wires)" if multi else "input")
        self.setToolTip(f"Drag from this {kind} to connect it")

    @property
    def node_item(self):
        return self.parentItem()

    def centre(self) -> QPointF:
        return self.scenePos()

    def boundingRect(self) -> QRectF:
        return BOUNDS

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def paint(self, painter, option, widget=None):
        theme = self.scene().theme
        colour = theme.accent if (self.hovered or self.highlighted) else self.node_item.accent_colour()
        radius = PORT_RADIUS + (1.5 if self.hovered or self.highlighted else 0.0)
        painter.setPen(QPen(colour, 2.0))
        painter.setBrush(QBrush(theme.node_body if not self.highlighted else colour.lighter(150)))
        if self.multi:
            painter.drawRoundedRect(QRectF(-radius * 0.8, -radius * 1.6, radius * 1.6, radius * 3.2), radius * 0.8,
                                    radius * 0.8)
        else:
            painter.drawEllipse(QPointF(0, 0), radius, radius)

    def hoverEnterEvent(self, event):
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event):
        self.hovered = False
        self.update()

    def mousePressEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        self.scene().begin_wire(self, event.scenePos())

    def mouseMoveEvent(self, event):
        self.scene().drag_wire_to(event.scenePos())

    def mouseReleaseEvent(self, event):
        self.scene().end_wire(event.scenePos())
