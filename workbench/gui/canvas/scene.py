"""The scene mirrors the graph: one item per node and per edge, kept in step through the model's signals.

It never changes the model. User gestures become intent signals (`connection_requested`, `wire_dropped_on_empty`,
`nodes_moved`) that the editor turns into undo commands. After each validation only the items whose numbers,
shapes or problems changed are redrawn, so editing a large graph stays smooth.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import Counter

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QToolTip

from workbench.core.graph.model import Edge, Graph, Node
from workbench.core.graph.validate import ValidationResult
from workbench.gui.canvas.edge_item import EdgeItem
from workbench.gui.canvas.node_item import NODE_WIDTH, NodeItem
from workbench.gui.canvas.port_item import PortItem
from workbench.gui.style import current_theme

SNAP_DISTANCE = 24.0


def _corner(box: tuple[float, float, NodeItem]) -> tuple[float, float]:
    return box[0], box[1]


def _x(box: tuple[float, float, NodeItem]) -> float:
    return box[0]


class GraphScene(QGraphicsScene):
    connection_requested = Signal(str, str, str, str)  # source id, source port, target id, target port
    wire_dropped_on_empty = Signal(str, str, bool, QPointF)  # node id, port, dragged from an output, where
    nodes_moved = Signal()  # a drag of nodes ended; the editor records the new positions
    node_double_clicked = Signal(str)
    fix_requested = Signal(object)  # the Fix under a layer at fault was clicked

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.theme = current_theme()
        self.graph: Graph | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[Edge, EdgeItem] = {}
        self._wire: QGraphicsPathItem | None = None
        self._wire_port: PortItem | None = None
        self._pressed_on_node = False
        self._reroute_pending = False
        self._moved_area = QRectF()
        self._moved_nodes: set[NodeItem] = set()
        self._moving_in_batch = False
        self._boxes: list[tuple[float, float, NodeItem]] | None = None  # top-left corners, sorted by (x, y)
        self._box_of: dict[NodeItem, tuple[float, float, NodeItem]] = {}  # each item's entry in `_boxes`
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # items move and change size often
        document.project_replaced.connect(self.rebuild)
        document.shown_changed.connect(self.rebuild)
        document.validated.connect(self.apply_result)
        document.dataset_changed.connect(lambda: self.apply_result(self.document.result))  # Inputs: data chosen?
        document.undo_stack.indexChanged.connect(self.finish_moves)  # after each push, undo or redo
        self.rebuild()

    # --- mirroring the model ---------------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Drops all items and mirrors the document's current graph."""
        self._disconnect_graph()
        self.clear()
        self.node_items.clear()
        self.edge_items.clear()
        self._moved_nodes.clear()
        self._boxes = None
        self._wire = None
        self.graph = self.document.shown_graph
        g = self.graph
        g.node_added.connect(self._on_node_added)
        g.node_removed.connect(self._on_node_removed)
        g.edge_added.connect(self._on_edge_added)
        g.edge_removed.connect(self._on_edge_removed)
        g.node_renamed.connect(self._on_node_renamed)
        g.node_moved.connect(self._on_node_moved)
        g.params_changed.connect(self._on_params_changed)
        for node in g.nodes.values():
            self._on_node_added(node)
        for edge in g.edges:
            self._on_edge_added(edge)
        self.apply_result(self.document.result)

    def _disconnect_graph(self) -> None:
        g = self.graph
        if g is None:
            return
        g.node_added.disconnect(self._on_node_added)
        g.node_removed.disconnect(self._on_node_removed)
        g.edge_added.disconnect(self._on_edge_added)
        g.edge_removed.disconnect(self._on_edge_removed)
        g.node_renamed.disconnect(self._on_node_renamed)
        g.node_moved.disconnect(self._on_node_moved)
        g.params_changed.disconnect(self._on_params_changed)

    def _on_node_added(self, node: Node) -> None:
        item = NodeItem(node)
        x, y = self.graph.positions.get(node.id, (0.0, 0.0))
        item.setPos(x, y)
        self.node_items[node.id] = item
        self._boxes = None
        self.addItem(item)

    def _on_node_removed(self, node: Node) -> None:
        item = self.node_items.pop(node.id, None)
        self._boxes = None
        if item is not None:
            self.removeItem(item)

    def _on_edge_added(self, edge: Edge) -> None:
        source, target = self.node_items.get(edge.src), self.node_items.get(edge.dst)
        if source is None or target is None:
            return
        item = EdgeItem(edge, source, target)
        self.edge_items[edge] = item
        self.addItem(item)
        item.set_info(self.document.shown_result().edge_info(edge))
        item.update_path()

    def _on_edge_removed(self, edge: Edge) -> None:
        item = self.edge_items.pop(edge, None)
        if item is not None:
            item.detach()
            self.removeItem(item)

    def _on_node_renamed(self, node_id: str, name: str) -> None:
        item = self.node_items[node_id]
        item.set_name(name)
        for edge in item.edges:
            edge.set_info(edge.info)

    def _on_params_changed(self, node_id: str) -> None:
        """A Block node's block was renamed: its card shows the new name."""
        node = self.graph.nodes.get(node_id)
        item = self.node_items.get(node_id)
        if node is not None and item is not None and node.definition is not None and node.spec is not item.spec:
            item.set_spec(node.spec)

    def _on_node_moved(self, node_id: str, x: float, y: float) -> None:
        """The model moved a node (a drag committed, an undo, a layout): wires follow once the edit is complete."""
        item = self.node_items[node_id]
        if item.pos() != QPointF(x, y):
            self._moving_in_batch = True
            item.setPos(x, y)
            self._moving_in_batch = False
            self._moved_nodes.add(item)
        if not self._reroute_pending:
            self._reroute_pending = True
            QTimer.singleShot(0, self.finish_moves)

    def node_boxes(self, left: float, right: float) -> list[tuple[float, float, NodeItem]]:
        """Top-left corners of the nodes whose cards may overlap the band from x = `left` to `right` (a wire looks
        for a lane among them; it tests each exactly). The corners are kept sorted by x, and in step as nodes move,
        so a wire looks only at the layers beside it, not at every layer of the graph."""
        if self._boxes is None:
            self._boxes = sorted(((item.pos().x(), item.pos().y(), item) for item in self.node_items.values()),
                                 key=_corner)
            self._box_of = {box[2]: box for box in self._boxes}
        first = bisect_left(self._boxes, left - NODE_WIDTH - 1.0, key=_x)  # a pixel of slack for rounding
        return self._boxes[first:bisect_right(self._boxes, right + 1.0, first, key=_x)]

    def _move_box(self, item: NodeItem) -> None:
        """Moves one node's corner within the sorted corners (a drag moves one node many times a second)."""
        old = self._box_of.get(item)
        if old is not None:
            i = bisect_left(self._boxes, _corner(old), key=_corner)
            while self._boxes[i][2] is not item:  # past other nodes with the very same corner
                i += 1
            del self._boxes[i]
        box = (item.pos().x(), item.pos().y(), item)
        insort(self._boxes, box, key=_corner)
        self._box_of[item] = box

    def node_item_moved(self, item: NodeItem, old_rect: QRectF) -> None:
        """Called by a node item whose position changed; during a drag its wires follow at once."""
        if self._boxes is not None:
            self._move_box(item)
        self.note_moved(old_rect)
        self.note_moved(item.sceneBoundingRect())
        if not self._moving_in_batch:
            for edge in item.edges:
                edge.update_path()

    def note_moved(self, rect: QRectF) -> None:
        """A layer left or entered `rect`: long wires passing there pick their lane again after the edit."""
        self._moved_area = self._moved_area.united(rect) if not self._moved_area.isNull() else QRectF(rect)

    def finish_moves(self, *_) -> None:
        """Redraws the wires of nodes the model moved, and long wires whose band saw a layer move (once per edit)."""
        self._reroute_pending = False
        moved, self._moved_nodes = self._moved_nodes, set()
        area, self._moved_area = self._moved_area, QRectF()
        done = set()
        for node in moved:
            for edge in node.edges:
                if edge not in done:
                    done.add(edge)
                    edge.update_path()
        if area.isNull():
            return
        for item in self.edge_items.values():
            if item in done:
                continue
            corridor = item.corridor()
            if corridor is not None and corridor.intersects(area):
                item.update_path()

    def apply_result(self, result: ValidationResult) -> None:
        """Shows a validation result (the network's; inside a block, its instance's part), redrawing only the items
        whose content changed."""
        result = self.document.shown_result(result)
        by_node: dict[str, list] = {}
        for problem in result.problems:
            if problem.node_id is not None:
                by_node.setdefault(problem.node_id, []).append(problem)
        no_data = self.document.project.dataset is None
        uses = self._block_uses()
        for node_id, item in self.node_items.items():
            if item.is_block:
                item.set_uses(uses.get(self.graph.nodes[node_id].params["block"], 1))
            problems = by_node.get(node_id, [])
            output = result.outputs.get(node_id)
            params = result.params.get(node_id)
            from_data = no_data and item.spec.role == "input"
            key = (item.name, params, output, tuple(problems), from_data)
            if key != item.info_key:
                item.set_info(key, params, output, result.macs.get(node_id), problems, from_data)
        for edge, item in self.edge_items.items():
            info = result.edge_info(edge)
            note = next((p.message for p in by_node.get(edge.dst, ()) if p.about_wire), "")
            warns = bool(note)
            if not note and no_data and self.node_items[edge.src].spec.role == "input":
                note = "Assumed until a dataset is chosen: the Input's shape comes from the data."
            if info != item.info or note != item.note:
                item.set_info(info, note, warns)

    def _block_uses(self) -> dict[str, int]:
        """How many instances each block has in the whole network (none counted when no block is shown)."""
        if not any(item.is_block for item in self.node_items.values()):
            return {}
        network = self.graph.network
        return Counter(n.params["block"] for g in (network, *network.blocks.values()) for n in g.nodes.values()
                       if n.type == "Block")

    # --- selection --------------------------------------------------------------------------------------------------

    def selected_node_ids(self) -> list[str]:
        return [item.node_id for item in self.selectedItems() if isinstance(item, NodeItem)]

    def selected_edges(self) -> list[Edge]:
        return [item.edge for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def select_nodes(self, node_ids: list[str]) -> None:
        wanted = set(node_ids)
        self.blockSignals(True)
        self.clearSelection()
        for node_id in wanted:
            item = self.node_items.get(node_id)
            if item is not None:
                item.setSelected(True)
        self.blockSignals(False)
        self.selectionChanged.emit()

    def node_at(self, scene_pos: QPointF) -> str | None:
        for item in self.items(scene_pos):
            if isinstance(item, NodeItem):
                return item.node_id
            if isinstance(item, PortItem):
                return item.node_item.node_id
        return None

    def edge_at(self, scene_pos: QPointF) -> Edge | None:
        item = next((i for i in self.items(scene_pos) if isinstance(i, EdgeItem)), None)
        return item.edge if item is not None else None

    def item_positions(self) -> dict[str, tuple[float, float]]:
        return {nid: (item.pos().x(), item.pos().y()) for nid, item in self.node_items.items()}

    def graph_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.node_items.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def set_theme(self, theme) -> None:
        self.theme = theme
        for item in self.items():
            item.update()

    # --- dragging a wire ---------------------------------------------------------------------------------------------

    def begin_wire(self, port: PortItem, scene_pos: QPointF) -> None:
        self._wire_port = port
        self._wire = QGraphicsPathItem()
        pen = QPen(self.theme.accent, 2.0, Qt.PenStyle.DashLine)
        self._wire.setPen(pen)
        self._wire.setZValue(5)
        self.addItem(self._wire)
        for item in self.node_items.values():
            if item is port.node_item:
                continue
            for candidate in (item.inputs if port.is_output else item.outputs).values():
                candidate.highlighted = True
                candidate.update()
        self.drag_wire_to(scene_pos)

    def drag_wire_to(self, scene_pos: QPointF) -> None:
        if self._wire is None:
            return
        start = self._wire_port.scenePos()
        target = self._port_near(scene_pos)
        end = target.scenePos() if target is not None else scene_pos
        if not self._wire_port.is_output:
            start, end = end, start
        dx = max(40.0, abs(end.x() - start.x()) / 2)
        path = QPainterPath(start)
        path.cubicTo(start + QPointF(dx, 0), end - QPointF(dx, 0), end)
        self._wire.setPath(path)

    def cancel_wire(self) -> PortItem | None:
        """Removes the wire being dragged (Escape, or its end); returns the port it started from."""
        if self._wire is None:
            return None
        origin = self._wire_port
        self.removeItem(self._wire)
        self._wire = None
        self._wire_port = None
        for item in self.node_items.values():
            for port in (*item.inputs.values(), *item.outputs.values()):
                if port.highlighted:
                    port.highlighted = False
                    port.update()
        return origin

    def end_wire(self, scene_pos: QPointF) -> None:
        origin = self.cancel_wire()
        if origin is None:
            return
        target = self._port_near(scene_pos, origin)
        if target is None:
            target = self._port_of_node_at(scene_pos, origin)
        if target is not None:
            if origin.is_output:
                self.connection_requested.emit(origin.node_item.node_id, origin.name, target.node_item.node_id,
                                               target.name)
            else:
                self.connection_requested.emit(target.node_item.node_id, target.name, origin.node_item.node_id,
                                               origin.name)
        elif not any(isinstance(i, NodeItem) for i in self.items(scene_pos)):
            self.wire_dropped_on_empty.emit(origin.node_item.node_id, origin.name, origin.is_output, scene_pos)

    def _port_near(self, scene_pos: QPointF, origin: PortItem | None = None) -> PortItem | None:
        origin = origin or self._wire_port
        area = QRectF(scene_pos.x() - SNAP_DISTANCE, scene_pos.y() - SNAP_DISTANCE, 2 * SNAP_DISTANCE,
                      2 * SNAP_DISTANCE)
        best, best_distance = None, SNAP_DISTANCE ** 2
        for item in self.items(area):
            if not isinstance(item, PortItem) or item.is_output == origin.is_output \
                    or item.node_item is origin.node_item:
                continue
            delta = item.scenePos() - scene_pos
            distance = delta.x() ** 2 + delta.y() ** 2
            if distance <= best_distance:
                best, best_distance = item, distance
        return best

    def _port_of_node_at(self, scene_pos: QPointF, origin: PortItem) -> PortItem | None:
        """Dropping a wire on a layer's body connects it to that layer's first free-standing port."""
        for item in self.items(scene_pos):
            if isinstance(item, NodeItem) and item is not origin.node_item:
                ports = item.inputs if origin.is_output else item.outputs
                return next(iter(ports.values()), None)
        return None

    # --- tooltips -----------------------------------------------------------------------------------------------------

    def helpEvent(self, event):
        """Tooltips of layers and wires are written when asked for, not on every change."""
        for item in self.items(event.scenePos()):
            if isinstance(item, (NodeItem, EdgeItem)):
                QToolTip.showText(event.screenPos(), item.tooltip_text())
                event.accept()
                return
            if isinstance(item, PortItem):
                break
        super().helpEvent(event)

    # --- node drags --------------------------------------------------------------------------------------------------

    def mousePressEvent(self, event):
        super().mousePressEvent(event)
        grabber = self.mouseGrabberItem()
        self._pressed_on_node = event.button() == Qt.MouseButton.LeftButton and isinstance(grabber, NodeItem)

    def mouseReleaseEvent(self, event):
        super().mouseReleaseEvent(event)
        if self._pressed_on_node and event.button() == Qt.MouseButton.LeftButton:
            self._pressed_on_node = False
            self.nodes_moved.emit()
