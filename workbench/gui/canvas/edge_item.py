"""A wire between two ports, labelled with the shape of the tensor it carries.

The curve leaves the output port to the right and enters the input port from the left. A wire that would pass
through other layers (a skip connection along a row) is routed in a lane above or below them; a wire back to the
left (from the end of one row of a wrapped layout to the start of the next) turns round and runs in the gap between
the rows. The label shows the
full shape, e.g. "(batch, 16, 8, 8)", or the compact "16×8×8" where the wire is short; the tooltip always has both.
A wire whose tensor is a problem for the layer it feeds (Dense fed an image works on its last axis only) has a
marked label and says why in its tooltip.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from workbench.core.graph.model import Edge
from workbench.gui.canvas.node_item import NODE_HEIGHT, NODE_WIDTH, NodeItem
from workbench.gui.canvas.port_item import PORT_RADIUS

LANE_GAP = 26.0
LANE_MIN_SPAN = 200.0  # ends closer than this have no room for a layer between them
LABEL_FONT_SIZE = 7.5
LABEL_PAD = 5.0
LABEL_HEIGHT = 16.0
WARNING_MARKER, ASSUMED_MARKER = "\u26a0 ", "\u2248 "
_WIDTHS: dict[str, float] = {}  # label text -> width in the label font (shapes repeat across a graph)
MASK_MARK = " +mask"  # on the label of a wire that carries a padding mask


def compact_shape(info) -> str:
    dims = [str(d) for d in info.shape[1:]]
    text = "\u00d7".join(dims) if dims else "scalar"
    return text + (" ids" if info.dtype == "int" else "") + (MASK_MARK if info.masked else "")


class EdgeItem(QGraphicsItem):
    def __init__(self, edge: Edge, source: NodeItem, target: NodeItem):
        super().__init__()
        self.edge = edge
        self.source = source
        self.target = target
        self.info = None  # the TensorInfo on the wire, or None while it is unknown
        self.note = ""  # what is wrong with this tensor where it goes, or how it is known
        self.warns = False  # the note is a problem (marked ⚠), not a remark (an assumed shape, marked ≈)
        self.emphasised = False
        self._path = QPainterPath()
        self._room = 0.0  # horizontal room for the label on the wire
        self._label_centre = QPointF()
        self._label_text = ""
        self._bounds = QRectF()
        self._font = QFont()
        self._font.setPointSizeF(LABEL_FONT_SIZE)
        self._metrics = QFontMetricsF(self._font)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        source.edges.append(self)
        target.edges.append(self)

    def detach(self) -> None:
        for node in (self.source, self.target):
            if self in node.edges:
                node.edges.remove(self)

    def set_info(self, info, note: str = "", warns: bool = False) -> None:
        self.info = info
        self.note = note
        self.warns = warns
        self._place_label()

    def tooltip_text(self) -> str:
        info = self.info
        text = (f"{self.source.name} \u2192 {self.target.name}<br>"
                + (f"Shape: {info} &nbsp;({'token ids' if info.dtype == 'int' else 'numbers'})"
                   if info is not None else "Shape unknown until the layers before it are fixed"))
        if info is not None and info.masked:
            text += ("<br>Carries a padding mask: attention, sequence pooling and recurrent layers leave out the "
                     "padding after each text's end")
        return text + (f"<br>{html.escape(self.note)}" if self.note else "")

    def set_emphasis(self, on: bool) -> None:
        self.emphasised = on
        self.update()

    # --- geometry --------------------------------------------------------------------------------------------------

    def ports(self) -> tuple[QPointF, QPointF]:
        out_port = self.source.outputs.get(self.edge.src_port)
        in_port = self.target.inputs.get(self.edge.dst_port)
        start = out_port.scenePos() if out_port else self.source.sceneBoundingRect().center()
        end = in_port.scenePos() if in_port else self.target.sceneBoundingRect().center()
        return start, end

    def update_path(self) -> None:
        start, end = self.ports()
        path = QPainterPath(start)
        lane = self._lane(start, end)
        if end.x() < start.x() and abs(end.y() - start.y()) > NODE_HEIGHT:
            turn = 50.0
            lane = self._return_lane(start, end)
            path.cubicTo(start + QPointF(turn, 0), QPointF(start.x() + turn, lane), QPointF(start.x(), lane))
            path.lineTo(end.x(), lane)
            path.cubicTo(QPointF(end.x() - turn, lane), end - QPointF(turn, 0), end)
            centre = QPointF((start.x() + end.x()) / 2, lane)
            room = start.x() - end.x()
        elif lane is not None:
            bend = 34.0
            path.cubicTo(start + QPointF(bend, 0), QPointF(start.x() + bend, lane), QPointF(start.x() + 2 * bend, lane))
            path.lineTo(end.x() - 2 * bend, lane)
            path.cubicTo(QPointF(end.x() - bend, lane), end - QPointF(bend, 0), end)
            centre = QPointF((start.x() + end.x()) / 2, lane)
            room = end.x() - start.x() - 4 * bend
        else:
            dx = max(40.0, abs(end.x() - start.x()) / 2)
            path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
            centre = path.pointAtPercent(0.5)
            room = end.x() - start.x() - 2 * (PORT_RADIUS + 3) if end.x() > start.x() else 1e9
        self._path = path
        self._label_centre = centre
        self._room = room
        self._place_label()

    def _place_label(self) -> None:
        """Chooses the label for the current shape and room, and the bounds that hold wire and label."""
        self._label_text = self._label_for(self._room)
        self.prepareGeometryChange()
        bounds = self._path.boundingRect().adjusted(-4, -4, 4, 4)
        if self._label_text:
            bounds = bounds.united(self._label_rect())
        self._bounds = bounds
        self.update()

    def _label_for(self, room: float) -> str:
        if self.info is None:
            return "?"
        marker = (WARNING_MARKER if self.warns else ASSUMED_MARKER) if self.note else ""
        mask = MASK_MARK if self.info.masked else ""
        full = marker + str(self.info) + mask
        if self._text_width(full) + 2 * LABEL_PAD <= room:
            return full
        return marker + compact_shape(self.info) + mask

    def _text_width(self, text: str) -> float:
        width = _WIDTHS.get(text)
        if width is None:
            width = _WIDTHS[text] = self._metrics.horizontalAdvance(text)
        return width

    def _label_rect(self) -> QRectF:
        width = self._text_width(self._label_text) + 2 * LABEL_PAD
        return QRectF(self._label_centre.x() - width / 2, self._label_centre.y() - LABEL_HEIGHT / 2, width,
                      LABEL_HEIGHT)

    def corridor(self) -> QRectF | None:
        """The band between the ends where other layers would block the direct curve (None for short wires)."""
        start, end = self.ports()
        if end.x() - start.x() < LANE_MIN_SPAN:
            return None
        top, bottom = min(start.y(), end.y()) - 12, max(start.y(), end.y()) + 12
        return QRectF(start.x() + 20, top, end.x() - start.x() - 40, bottom - top)

    def _lane(self, start: QPointF, end: QPointF) -> float | None:
        """The y of a lane clear of the layers between the ends, when the direct curve would cross one."""
        scene = self.scene()
        corridor = self.corridor()
        if scene is None or corridor is None:
            return None
        left, right, top, bottom = corridor.left(), corridor.right(), corridor.top(), corridor.bottom()
        above, below = None, None
        for x, y, item in scene.node_boxes(left, right):  # plain arithmetic: cheaper than a scene query
            if item is self.source or item is self.target:
                continue
            if x < right and x + NODE_WIDTH > left and y < bottom and y + NODE_HEIGHT > top:
                above = y if above is None else min(above, y)
                below = y + NODE_HEIGHT if below is None else max(below, y + NODE_HEIGHT)
        if above is None:
            return None
        above -= LANE_GAP
        below += LANE_GAP
        middle = (start.y() + end.y()) / 2
        return above if middle - above <= below - middle else below

    def _return_lane(self, start: QPointF, end: QPointF) -> float:
        """The y of a wire back to the left: the middle of the widest gap between the rows it joins (below every
        layer between its ends if they leave none)."""
        top, bottom = min(start.y(), end.y()), max(start.y(), end.y())
        cards = []
        scene = self.scene()
        if scene is not None:
            for x, y, item in scene.node_boxes(end.x(), start.x()):
                if x < start.x() and x + NODE_WIDTH > end.x() and y < bottom and y + NODE_HEIGHT > top:
                    cards.append((y, y + NODE_HEIGHT))
        best, best_width, free_from = None, 0.0, top
        for card_top, card_bottom in sorted(cards):
            if card_top - free_from > best_width:
                best, best_width = (free_from + card_top) / 2, card_top - free_from
            free_from = max(free_from, card_bottom)
        if bottom - free_from > best_width and cards:
            best, best_width = (free_from + bottom) / 2, bottom - free_from
        if best is None or best_width < LABEL_HEIGHT:
            lowest = max((b for _, b in cards), default=bottom)
            return lowest + LANE_GAP
        return best

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        shape = stroker.createStroke(self._path)
        if self._label_text:
            shape.addRect(self._label_rect())
        return shape

    def paint(self, painter, option: QStyleOptionGraphicsItem, widget=None):
        theme = self.scene().theme
        highlighted = self.isSelected() or self.emphasised or self.source.isSelected() or self.target.isSelected()
        colour = theme.accent if highlighted else (theme.wire if self.info is not None else theme.wire_broken)
        pen = QPen(colour, 2.6 if self.isSelected() else 2.0)
        if self.info is None:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        if not self._label_text or option.levelOfDetailFromTransform(painter.worldTransform()) < 0.45:
            return
        rect = self._label_rect()
        painter.setPen(QPen(theme.warning if self.warns and not highlighted else colour, 1.0))
        painter.setBrush(QBrush(theme.label_fill))
        painter.drawRoundedRect(rect, LABEL_HEIGHT / 2, LABEL_HEIGHT / 2)
        painter.setFont(self._font)
        painter.setPen(theme.accent if highlighted else theme.label_text)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._label_text)
