"""A small picture of a network drawn from its graph: a box per layer in its category's colour, where the canvas
puts it, with the wires between them. Long chains are wrapped into rows so that the picture stays readable."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

from workbench.core.graph.model import Graph
from workbench.gui.style import category_colour

BOX_W, BOX_H, GAP_X, GAP_Y = 22.0, 14.0, 10.0, 16.0
MAX_PER_ROW = 6


def _layout(graph: Graph) -> dict[str, QPointF]:
    """The top-left corner of each node's box, in picture units: columns by canvas x (then row by canvas y), with
    a long run of columns wrapped into rows of `MAX_PER_ROW`."""
    order = {node_id: i for i, node_id in enumerate(graph.topological_order())}
    xs = sorted({round(graph.positions.get(n, (order[n] * 260.0, 0.0))[0]) for n in graph.nodes})
    column_of = {x: i for i, x in enumerate(xs)}
    columns: dict[int, list[str]] = {}
    for node_id in graph.nodes:
        x, y = graph.positions.get(node_id, (order[node_id] * 260.0, 0.0))
        columns.setdefault(column_of[round(x)], []).append(node_id)
    lanes = max((len(ids) for ids in columns.values()), default=1)
    spots = {}
    for column, ids in columns.items():
        ids.sort(key=lambda n: graph.positions.get(n, (0.0, 0.0))[1])
        band, place = divmod(column, MAX_PER_ROW)
        if band % 2:  # every other band runs right to left, so the wires stay short
            place = MAX_PER_ROW - 1 - place
        for lane, node_id in enumerate(ids):
            spots[node_id] = QPointF(place * (BOX_W + GAP_X), (band * lanes + lane) * (BOX_H + GAP_Y))
    return spots


def network_picture(graph: Graph, width: int, height: int, background: QColor | None = None) -> QPixmap:
    """The network of `graph` drawn to fit `width` x `height` pixels."""
    pixmap = QPixmap(width, height)
    pixmap.fill(background or Qt.GlobalColor.transparent)
    spots = _layout(graph)
    if not spots:
        return pixmap
    right = max(p.x() for p in spots.values()) + BOX_W
    bottom = max(p.y() for p in spots.values()) + BOX_H
    scale = min((width - 8) / right, (height - 8) / bottom, 2.0)
    offset = QPointF((width - right * scale) / 2, (height - bottom * scale) / 2)

    def box(node_id: str) -> QRectF:
        corner = spots[node_id] * scale + offset
        return QRectF(corner.x(), corner.y(), BOX_W * scale, BOX_H * scale)

    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#8a919c"), max(1.0, scale)))
    for edge in graph.edges:
        painter.drawLine(box(edge.src).center(), box(edge.dst).center())  # the boxes cover the ends
    painter.setPen(Qt.PenStyle.NoPen)
    for node_id, node in graph.nodes.items():
        painter.setBrush(category_colour(node.spec.category))
        painter.drawRoundedRect(box(node_id), 3 * scale, 3 * scale)
    painter.end()
    return pixmap
