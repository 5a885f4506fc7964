"""A layer on the canvas: a rounded card with its name, type and parameter count, red when it is at fault.

A Block node is drawn as a stack of cards, the front one naming its block and, when the block is used more than
once in the network, how many times ("×3"): editing the inside changes them all. A block name too long for the card
loses its middle ("Residual …(layers 1-3)  ×3"), never the count; the tooltip names it in full.

A layer at fault says in a few words what is wrong (hovering gives the whole message) and, where the repair is
mechanical, offers it as a button under the card. An Input before any data is chosen says that its shape will come
from the data. The item shows what the scene tells it (`set_info`); it never changes the model. Its position is the
node's top-left corner, the same number the project file stores.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

from workbench.core.graph.model import Node
from workbench.core.graph.validate import Problem
from workbench.gui.canvas.fix_button import FixButtonItem
from workbench.gui.canvas.port_item import PortItem
from workbench.gui.formatting import compact_count
from workbench.gui.style import category_colour

NODE_WIDTH = 136.0
NODE_HEIGHT = 62.0
HEADER_HEIGHT = 24.0
CORNER = 9.0
BOUNDS = QRectF(-4, -4, NODE_WIDTH + 8, NODE_HEIGHT + 10)  # the card, its selection glow and its shadow
STACK_STEP = 4.0  # how far each card behind a Block node's front card shows
BLOCK_BOUNDS = BOUNDS.adjusted(0, -2 * STACK_STEP, 2 * STACK_STEP, 0)  # with the two cards behind it
TEXT_MARGIN = 12.0  # left and right of the card's two lower lines


class NodeItem(QGraphicsItem):
    def __init__(self, node: Node):
        super().__init__()
        self.node_id = node.id
        self.spec = node.spec
        self.name = node.name
        self.params_text = ""
        self.problems: list[Problem] = []
        self.info_key = None  # what the last `set_info` showed, so unchanged nodes are not redrawn
        self.edges: list = []  # EdgeItems that end here, kept by the scene
        self._old_rect = QRectF()
        self.category = category_colour(self.spec.category)
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.inputs = {p.name: PortItem(self, p.name, False, p.multi) for p in self.spec.inputs}
        self.outputs = {p.name: PortItem(self, p.name, True, False) for p in self.spec.outputs}
        self._place_ports(self.inputs, 0.0)
        self._place_ports(self.outputs, NODE_WIDTH)
        self._details: tuple = (None, None, None)  # output, parameters, MACs: for the tooltip
        self.shape_from_data = False  # an Input whose shape is assumed until data is chosen
        self.fix_button: FixButtonItem | None = None
        self.uses = 1  # a Block node's: how many instances its block has in the network

    @staticmethod
    def _place_ports(ports: dict, x: float) -> None:
        count = len(ports)
        for i, port in enumerate(ports.values()):
            port.setPos(x, HEADER_HEIGHT + (NODE_HEIGHT - HEADER_HEIGHT) * (i + 1) / (count + 1))

    # --- what it shows ----------------------------------------------------------------------------------------------

    @property
    def has_error(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def has_warning(self) -> bool:
        return any(p.severity == "warning" for p in self.problems)

    def accent_colour(self) -> QColor:
        if self.has_error:
            return self.scene().theme.error
        return self.category

    def set_name(self, name: str) -> None:
        self.name = name
        self.update()

    @property
    def is_block(self) -> bool:
        return self.spec.role == "block"

    def set_uses(self, uses: int) -> None:
        """A Block node: how many instances its block has (the card says "×N" when more than one)."""
        if uses != self.uses:
            self.uses = uses
            self.update()

    def type_text(self) -> str:
        """The card's middle line: the layer type, or a Block node's block and how often it is used."""
        if self.is_block and self.uses > 1:
            return f"{self.spec.display_name}{self._uses_text()}"
        return self.spec.display_name

    def _uses_text(self) -> str:
        return f"  \u00d7{self.uses}" if self.is_block and self.uses > 1 else ""

    def type_line(self, metrics: QFontMetricsF) -> str:
        """`type_text` as the card draws it in the font of `metrics`: a name too long loses its middle (a block's
        "×N" stays whole), a layer type its end."""
        width = NODE_WIDTH - 2 * TEXT_MARGIN
        if not self.is_block:
            return metrics.elidedText(self.type_text(), Qt.TextElideMode.ElideRight, width)
        uses = self._uses_text()
        name = metrics.elidedText(self.spec.display_name, Qt.TextElideMode.ElideMiddle,
                                  width - metrics.horizontalAdvance(uses))
        return name + uses

    def set_spec(self, spec) -> None:
        """A new kind for the same ports (a Block node whose block was renamed)."""
        self.spec = spec
        self.info_key = None
        self.update()

    def set_info(self, key, params: int | None, output, macs: int | None, problems: list[Problem],
                 shape_from_data: bool = False) -> None:
        """Shows a new validation result for this node (`key` sums it up, to skip redraws when unchanged)."""
        self.info_key = key
        self.params_text = "" if params is None else f"{compact_count(params)} params" if params else "no params"
        self.problems = problems
        self.shape_from_data = shape_from_data
        self._details = (output, params, macs)
        fix = next((p.fix for p in self._by_severity() if p.fix is not None), None)
        if self.fix_button is not None and (fix is None or fix != self.fix_button.fix):
            self.fix_button.setParentItem(None)
            if self.scene() is not None:
                self.scene().removeItem(self.fix_button)
            self.fix_button = None
        if fix is not None and self.fix_button is None:
            self.fix_button = FixButtonItem(self, fix, NODE_HEIGHT)
        self.update()
        for port in (*self.inputs.values(), *self.outputs.values()):
            port.update()

    def _by_severity(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: p.severity != "error")

    def info_text(self) -> str:
        """The card's last line: what is wrong in a few words, else the parameter count."""
        problem = next(iter(self._by_severity()), None)
        if problem is not None:
            return problem.short or problem.message.removeprefix(f"{self.spec.display_name} '{self.name}' ")
        if self.shape_from_data:
            return "shape from the data"
        return self.params_text or "waiting for its input"

    def tooltip_text(self) -> str:
        """What hovering the layer shows (built on demand: a large graph changes often, a tooltip is rarely read)."""
        output, params, macs = self._details
        lines = [f"<b>{html.escape(self.name)}</b> &mdash; {html.escape(self.spec.display_name)}",
                 f"<i>{html.escape(self.spec.description)}</i>"]
        if self.is_block:
            lines.append(f"Block '{html.escape(self.spec.display_name)}', used {self.uses} time"
                         f"{'s' if self.uses != 1 else ''} in the network: double-click to edit its inside"
                         + (" (that changes every use)" if self.uses > 1 else ""))
        if output is not None:
            lines.append(f"Output: {html.escape(str(output))}")
        if self.shape_from_data:
            lines.append("The shape of its samples comes from the data: until a dataset is chosen on the Data page, "
                         f"{html.escape(str(output.shape[1:]) if output is not None else 'a default')} is assumed.")
        if params is not None:
            lines.append(f"Parameters: {params:,}")
        if macs:
            lines.append(f"Multiply-accumulates: {macs:,} per sample")
        for problem in self.problems:
            colour = "#d93636" if problem.severity == "error" else "#b07800"
            lines.append(f"<span style='color:{colour}'>{html.escape(problem.message)}</span>")
        return "<br>".join(lines)

    # --- geometry and painting -------------------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return BLOCK_BOUNDS if self.is_block else BOUNDS

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT), CORNER, CORNER)
        return path

    def paint(self, painter, option, widget=None):
        theme = self.scene().theme
        rect = QRectF(0, 0, NODE_WIDTH, NODE_HEIGHT)
        selected = self.isSelected()
        if selected:
            glow = QColor(theme.accent)
            glow.setAlpha(70)
            painter.setPen(QPen(glow, 6.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), CORNER + 1, CORNER + 1)

        shadow = QColor(0, 0, 0, 70 if theme.dark else 28)
        if self.is_block:  # the cards behind: a block stands for several layers
            for step in (2, 1):
                behind = rect.translated(step * STACK_STEP, -step * STACK_STEP)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(shadow)
                painter.drawRoundedRect(behind.translated(0, 2.5), CORNER, CORNER)
                painter.setPen(QPen(theme.error if self.has_error else self.category, 1.2))
                painter.setBrush(QBrush(theme.node_body))
                painter.drawRoundedRect(behind, CORNER, CORNER)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shadow)
        painter.drawRoundedRect(rect.translated(0, 2.5), CORNER, CORNER)

        body = theme.error_fill if self.has_error else theme.node_body
        if self.has_error:
            border = theme.error
        elif selected:
            border = theme.accent
        elif self.has_warning:
            border = theme.warning
        else:
            border = theme.node_border
        painter.setPen(QPen(border, 2.0 if (selected or self.has_error or self.has_warning) else 1.0))
        painter.setBrush(QBrush(body))
        painter.drawRoundedRect(rect, CORNER, CORNER)

        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT + CORNER), CORNER, CORNER)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, NODE_WIDTH, HEADER_HEIGHT))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(theme.error if self.has_error else self.category))
        painter.drawPath(header.intersected(clip))
        painter.setPen(QPen(border, 2.0 if (selected or self.has_error or self.has_warning) else 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, CORNER, CORNER)

        title = QFont(painter.font())
        title.setPointSizeF(9.5)
        title.setBold(True)
        painter.setFont(title)
        painter.setPen(QColor("#ffffff"))
        marker = "\u26a0 " if self.has_error else ""
        text_rect = QRectF(10, 0, NODE_WIDTH - 20, HEADER_HEIGHT)
        name = QFontMetricsF(title).elidedText(marker + self.name, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)

        small = QFont(painter.font())
        small.setPointSizeF(8.5)
        small.setBold(False)
        painter.setFont(small)
        painter.setPen(theme.text)
        body_rect = QRectF(TEXT_MARGIN, HEADER_HEIGHT + 2, NODE_WIDTH - 2 * TEXT_MARGIN,
                           (NODE_HEIGHT - HEADER_HEIGHT) / 2)
        painter.drawText(body_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         self.type_line(QFontMetricsF(small)))
        painter.setPen(theme.error if self.has_error else theme.warning if self.has_warning else theme.muted_text)
        info_rect = body_rect.translated(0, body_rect.height() - 3)
        info = self.info_text()
        painter.drawText(info_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         QFontMetricsF(small).elidedText(info, Qt.TextElideMode.ElideRight, info_rect.width()))

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
            self._old_rect = self.sceneBoundingRect()
        elif change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.scene() is not None:
            self.scene().node_item_moved(self, self._old_rect)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setZValue(1 if value else 0)
            for edge in self.edges:
                edge.update()
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event):
        for edge in self.edges:
            edge.set_emphasis(True)

    def hoverLeaveEvent(self, event):
        for edge in self.edges:
            edge.set_emphasis(False)

    def mouseDoubleClickEvent(self, event):
        self.scene().node_double_clicked.emit(self.node_id)
        event.accept()
